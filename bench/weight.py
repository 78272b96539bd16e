"""Page weight: what a phone downloads for each main page, on a first visit and on a repeat visit.

How it is measured:
- Through production's proxy: Debian's nginx with deploy/nginx.conf (bench/nginx.py) stands in
  front of the app, so text comes gzipped by nginx, static files come from disk with nginx's
  caching headers (a year for versioned URLs), and pages and fragments from the app through it.
- Chromium (through Playwright, phone-sized, as the browser tests launch it) loads each page
  through a small recording proxy of our own in front of nginx. The recorder sees every request
  that really leaves the browser: the page, its CSS, JS, manifest and icons, what the scripts
  fetch, the service worker script and everything the service worker fetches when it installs.
  Whatever the browser's cache or the service worker answers never reaches it, so the repeat
  visit counts only what goes over the wire.
- Each body is counted as nginx sent it (compressed or not); headers are not counted in the
  figures, the details keep them and each body's size before compression.
- First load: a fresh browser context (empty cache, no service worker) with the person's
  session cookie opens the page and waits until the network has been quiet for a moment, so
  the service worker's install (its precache of the shell assets and the offline and help
  pages) is counted too.
- Repeat visit: in the same context, once the service worker is active, the page is opened
  again. The static files have versioned URLs (hub/core/assets.py) and the service worker
  answers them from its cache (static/sw.js), so the page itself should be nearly all of it.
- htmx fragments: one GET each with `HX-Request: true` and the person's cookie, the body gzipped.

Budgets (the issue): first load ≤ 100 KiB, repeat visit ≤ 15 KiB, a fragment ≤ 10 KiB.
"""

from __future__ import annotations

import contextlib
import gzip
import http.client
import http.server
import os
import shutil
import ssl
import tempfile
import threading
import time
import zlib
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.nginx import Nginx, nginx_path
from bench.report import row

KIB = 1024
FIRST_LOAD_KIB = 100
REPEAT_KIB = 15
FRAGMENT_KIB = 10
PHONE = {"width": 390, "height": 844}
CHROMIUM_ARGS = [  # as tests/browser/conftest.py launches it
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-connection"}
QUIET_SECONDS = 1.0  # no request in flight for this long: the page and its service worker are done
SETTLE_TIMEOUT = 20.0


def uncompressed_size(body: bytes, encoding: str) -> int:
    """The size of a body before nginx compressed it."""
    if body and encoding.strip().lower() == "gzip":
        return len(gzip.decompress(body))
    if body and encoding.strip().lower() == "deflate":
        return len(zlib.decompress(body))
    return len(body)


def fetch(proxy: Nginx, method: str, path: str, headers: dict[str, str], body: bytes | None = None):
    """One request to nginx over https, its answer's body as it came over the wire (not unpacked)."""
    context = ssl.create_default_context(cafile=str(proxy.certificate))
    connection = http.client.HTTPSConnection("127.0.0.1", proxy.https_port, context=context, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.getheaders(), response.read()
    finally:
        connection.close()


# --- the recording proxy -------------------------------------------------------------------------


class Recorder:
    """A proxy on 127.0.0.1 forwarding to nginx and noting every response it passes on."""

    def __init__(self, upstream: Nginx) -> None:
        self.upstream = upstream
        self.lock = threading.Lock()
        self.log: list[dict] = []
        self.phase = "idle"
        self.in_flight = 0
        self.last_activity = time.monotonic()
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _ProxyHandler)
        self.server.daemon_threads = True
        self.server.recorder = self
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> Recorder:
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def begin(self, phase: str) -> None:
        with self.lock:
            self.phase = phase

    def entries(self, phase: str) -> list[dict]:
        with self.lock:
            return [entry for entry in self.log if entry["phase"] == phase]

    def wait_quiet(self, seconds: float = QUIET_SECONDS, timeout: float = SETTLE_TIMEOUT) -> None:
        """Until nothing has been in flight for `seconds` (or `timeout` has passed)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                quiet = self.in_flight == 0 and time.monotonic() - self.last_activity >= seconds
            if quiet:
                return
            time.sleep(0.05)

    def _started(self) -> str:
        with self.lock:
            self.in_flight += 1
            self.last_activity = time.monotonic()
            return self.phase

    def _finished(self, entry: dict) -> None:
        with self.lock:
            self.in_flight -= 1
            self.last_activity = time.monotonic()
            self.log.append(entry)


class _ProxyHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self._forward()

    do_POST = do_HEAD = do_PUT = do_DELETE = do_PATCH = do_GET  # noqa: N815

    def _forward(self) -> None:
        recorder: Recorder = self.server.recorder
        phase = recorder._started()
        status, headers, body = 502, [], b""
        try:
            length = int(self.headers.get("Content-Length") or 0)
            request_body = self.rfile.read(length) if length else None
            # Accept-Encoding goes along: nginx compresses as it would for the phone.
            forwarded = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            status, answer, body = fetch(recorder.upstream, self.command, self.path, forwarded, request_body)
            headers = [(k, v) for k, v in answer if k.lower() not in HOP_BY_HOP | {"content-length"}]
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
        finally:
            named = {k.lower(): v for k, v in headers}
            recorder._finished(
                {
                    "phase": phase,
                    "method": self.command,
                    "path": self.path,
                    "status": status,
                    "dest": self.headers.get("Sec-Fetch-Dest", ""),
                    "type": named.get("content-type", "").split(";")[0],
                    "encoding": named.get("content-encoding", ""),
                    "cache_control": named.get("cache-control", ""),
                    "bytes": uncompressed_size(body, named.get("content-encoding", "")),
                    "compressed": len(body),  # as nginx sent it
                    "header_bytes": sum(len(k) + len(v) + 4 for k, v in headers) + 17,
                }
            )

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (the base class's signature)
        pass


# --- the browser ---------------------------------------------------------------------------------


def chromium_path() -> str | None:
    """HUB_CHROMIUM if set, else Debian's chromium (as the browser tests find it)."""
    if os.environ.get("HUB_CHROMIUM"):
        return os.environ["HUB_CHROMIUM"] if Path(os.environ["HUB_CHROMIUM"]).exists() else None
    return shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)


def _context(browser, recorder: Recorder, jar: dict[str, str]):
    context = browser.new_context(
        base_url=recorder.url,
        viewport=PHONE,
        screen=PHONE,
        is_mobile=True,
        has_touch=True,
        device_scale_factor=3,
        locale="da-DK",
    )
    context.add_cookies([{"name": name, "value": value, "url": recorder.url} for name, value in jar.items()])
    return context


def _service_worker_active(page) -> bool:
    with contextlib.suppress(Exception):
        return page.evaluate(
            """() => 'serviceWorker' in navigator && Promise.race([
                 navigator.serviceWorker.ready.then((r) => !!r.active),
                 new Promise((resolve) => setTimeout(() => resolve(false), 10000)),
               ])"""
        )
    return False


def _fetch_manifest(page, recorder: Recorder, phase: str) -> None:
    """A phone's browser fetches the web app manifest; headless Chromium does not, so fetch it."""
    if not any(entry["type"] == "application/manifest+json" for entry in recorder.entries(phase)):
        page.evaluate(
            """() => { const link = document.querySelector('link[rel=manifest]');
                       return link ? fetch(link.href).then((r) => r.text()).then(() => true) : false; }"""
        )
        recorder.wait_quiet()


def _visit_twice(browser, recorder: Recorder, name: str, jar: dict[str, str], path: str) -> dict:
    """First visit on an empty cache, then a repeat visit with the cache and service worker in place."""
    context = _context(browser, recorder, jar)
    try:
        page = context.new_page()
        recorder.wait_quiet()
        recorder.begin(f"{name}:first")
        response = page.goto(path, wait_until="load")
        landed = page.url
        worker = _service_worker_active(page)
        recorder.wait_quiet()
        _fetch_manifest(page, recorder, f"{name}:first")
        recorder.begin(f"{name}:idle")
        recorder.wait_quiet()
        recorder.begin(f"{name}:repeat")
        page.goto(path, wait_until="load")
        recorder.wait_quiet()
        recorder.begin("idle")
    finally:
        context.close()
    return {
        "status": response.status if response else None,
        "landed": landed.removeprefix(recorder.url),
        "service_worker": worker,
        "first": recorder.entries(f"{name}:first"),
        "repeat": recorder.entries(f"{name}:repeat"),
    }


def _kib(entries: list[dict], key: str = "compressed") -> float:
    return round(sum(entry[key] for entry in entries) / KIB, 1)


def _by_dest(entries: list[dict]) -> dict[str, float]:
    sizes: Counter = Counter()
    for entry in entries:
        sizes[entry["dest"] or "other"] += entry["compressed"]
    return {dest: round(size / KIB, 1) for dest, size in sizes.most_common()}


# --- fragments -----------------------------------------------------------------------------------


def _fragment(proxy: Nginx, jar: dict[str, str], path: str) -> dict:
    """One htmx request through nginx, as a phone's browser sends it (gzip accepted)."""
    cookie = "; ".join(f"{name}={value}" for name, value in jar.items())
    headers = {
        "HX-Request": "true",
        "Accept-Encoding": "gzip",
        "Cookie": cookie,
        "Host": f"127.0.0.1:{proxy.https_port}",
    }
    status, answer, body = fetch(proxy, "GET", path, headers)
    encoding = dict((k.lower(), v) for k, v in answer).get("content-encoding", "")
    return {"status": status, "encoding": encoding, "bytes": uncompressed_size(body, encoding), "compressed": len(body)}


# --- the section ---------------------------------------------------------------------------------


def _row(item: str, metric: str, kib: float, budget: int) -> dict:
    return row(item, metric, kib, "KiB", target=f"≤ {budget} KiB", met=kib <= budget)


def run(
    base_url: str,
    cookies: dict[str, dict[str, str]],
    pages: dict[str, tuple[str, str]],
    fragments: dict[str, tuple[str, str]],
    small: bool,
) -> dict:
    """The section "Page weight": first and repeat load of each page, and each htmx fragment."""
    executable = chromium_path()
    if executable is None:
        raise RuntimeError("Chromium is not installed (apt-get install chromium, or set HUB_CHROMIUM)")
    if nginx_path() is None:
        raise RuntimeError("nginx is not installed (apt-get install nginx): the page weight is measured through it")
    rows, notes, details = [], [], {"pages": {}, "fragments": {}}
    with tempfile.TemporaryDirectory(prefix="ungehub-bench-nginx-") as folder:
        with Nginx(base_url.removeprefix("http://"), Path(folder)) as proxy:
            _weigh(proxy, cookies, pages, fragments, executable, rows, notes, details)
    notes[:0] = [
        "Through nginx with deploy/nginx.conf, as production serves it: each body counted as nginx sent it "
        "(text gzipped, images as they are, static files with its caching headers); headers are not counted.",
        "First load: an empty cache, the page and everything it and its service worker's install fetch "
        "(and the web app manifest, which a phone fetches and headless Chromium does not). "
        "Repeat visit: the same page again with the cache and the service worker in place.",
    ]
    return {"name": "weight", "title": "Page weight", "rows": rows, "notes": notes, "details": details}


def _weigh(proxy: Nginx, cookies, pages, fragments, executable: str, rows, notes, details) -> None:
    # Playwright's sync API will not start on a thread where an event loop already runs (a test
    # session's own browser, say); a thread of its own has none.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="page-weight") as pool:
        pool.submit(_weigh_pages, proxy, cookies, pages, executable, rows, notes, details).result()
    for name, (role, path) in fragments.items():
        fragment = _fragment(proxy, cookies[role], path)
        rows.append(_row(name, "htmx fragment", round(fragment["compressed"] / KIB, 1), FRAGMENT_KIB))
        details["fragments"][name] = {"path": path, "role": role, **fragment}
        if fragment["status"] != 200:
            notes.append(f"{name}: {path} answered {fragment['status']} to an htmx request, not 200.")


def _weigh_pages(
    proxy: Nginx,
    cookies: dict[str, dict[str, str]],
    pages: dict[str, tuple[str, str]],
    executable: str,
    rows: list[dict],
    notes: list[str],
    details: dict,
) -> None:
    """Each page's first and repeat visit in Chromium, added to rows, notes and details."""
    from playwright.sync_api import sync_playwright

    with Recorder(proxy) as recorder, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            for name, (role, path) in pages.items():
                visit = _visit_twice(browser, recorder, name, cookies[role], path)
                first, repeat = visit["first"], visit["repeat"]
                rows.append(_row(name, "first load", _kib(first), FIRST_LOAD_KIB))
                rows.append(_row(name, "repeat visit", _kib(repeat), REPEAT_KIB))
                details["pages"][name] = {
                    "path": path,
                    "role": role,
                    "status": visit["status"],
                    "landed_on": visit["landed"],
                    "service_worker_active": visit["service_worker"],
                    "first": {
                        "requests": len(first),
                        "kib": _kib(first),
                        "uncompressed_kib": _kib(first, "bytes"),
                        "header_kib": _kib(first, "header_bytes"),
                        "by_destination_kib": _by_dest(first),
                    },
                    "repeat": {
                        "requests": len(repeat),
                        "kib": _kib(repeat),
                        "header_kib": _kib(repeat, "header_bytes"),
                        "by_destination_kib": _by_dest(repeat),
                    },
                    "requests": [e for e in first + repeat if e["phase"].endswith((":first", ":repeat"))],
                }
                notes.extend(_page_notes(name, path, visit))
        finally:
            browser.close()


def _page_notes(name: str, path: str, visit: dict) -> list[str]:
    notes = []
    if visit["status"] != 200 or visit["landed"] != path:
        notes.append(f"{name}: {path} answered {visit['status']} and landed on {visit['landed']}: check the login.")
    if not visit["service_worker"]:
        notes.append(f"{name}: no active service worker after the first load; the repeat visit is without it.")
    first = sorted(visit["first"], key=lambda e: e["compressed"], reverse=True)[:3]
    biggest = ", ".join(f"{e['path'].split('?')[0]} {e['compressed'] / KIB:.1f}" for e in first)
    repeat = ", ".join(f"{e['path'].split('?')[0]} ({e['status']})" for e in visit["repeat"]) or "nothing"
    notes.append(f"{name}: biggest on first load (KiB): {biggest}; fetched again on a repeat visit: {repeat}.")
    return notes
