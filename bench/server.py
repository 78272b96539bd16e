"""The app under gunicorn for the load benchmarks, with the bare reference route beside it.

`Server(url, workers=…)` starts gunicorn (gthread workers) on a free port against the given
database, serving bench/wsgi.py: the hub and `/bench/bare` in the same worker processes. It
waits until /healthz answers, and stops gunicorn (and only it) on leaving the `with` block.
Logging in over HTTP, as a browser would, is here too: the load tests need the cookies.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pyotp
import requests

from bench import data
from hub import ROOT

THREADS = 4  # per worker, as in production's gunicorn.conf


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """gunicorn serving bench.wsgi on 127.0.0.1; `url` once started."""

    def __init__(self, database_url: str, *, workers: int | None = None, threads: int = THREADS) -> None:
        self.database_url = database_url
        self.workers = workers or os.cpu_count() or 2
        self.threads = threads
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._log = tempfile.NamedTemporaryFile(prefix="ungehub-bench-gunicorn-", suffix=".log", delete=False)
        self._process: subprocess.Popen | None = None

    def __enter__(self) -> Server:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("HUB_")},
            "HUB_DATABASE_URL": self.database_url,
            "HUB_SECRET_KEY": data.SECRET_KEY,
            # As behind deploy/nginx.conf, which the page weight goes through (bench/weight.py); the
            # load is sent straight here, and without X-Forwarded-* headers this changes nothing.
            "HUB_PROXY_HOPS": "1",
        }
        gunicorn = Path(sys.executable).parent / "gunicorn"
        self._process = subprocess.Popen(
            [
                str(gunicorn),
                "--workers", str(self.workers),
                "--threads", str(self.threads),
                "--bind", f"127.0.0.1:{self.port}",
                "--log-level", "warning",
                "bench.wsgi:application",
            ],
            cwd=ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        self._wait_until_up()
        return self

    def _wait_until_up(self) -> None:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(self.url + "/healthz", timeout=1)
                return
            except OSError:
                if time.monotonic() > deadline or self._process.poll() is not None:
                    self.__exit__()
                    raise RuntimeError("gunicorn did not start:\n" + self.log()) from None
                time.sleep(0.2)

    def log(self) -> str:
        return Path(self._log.name).read_text(errors="replace")

    def __exit__(self, *exc_info: object) -> None:
        if self._process and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(15)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(5)
        self._log.close()
        Path(self._log.name).unlink(missing_ok=True)


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def log_in(base_url: str, email: str, password: str, totp_secret: str | None = None) -> dict[str, str]:
    """Log in over HTTP like a browser (the staff second step with the authenticator code);
    returns the session's cookies (name → value)."""
    http = requests.Session()
    form = http.get(base_url + "/login", timeout=30)
    answer = http.post(
        base_url + "/login",
        data={"csrf_token": _csrf(form.text), "email": email, "password": password},
        allow_redirects=False,
        timeout=30,
    )
    if answer.status_code not in (302, 303):
        raise RuntimeError(f"logging in as {email} answered {answer.status_code}")
    if "/me/two-factor" in answer.headers.get("Location", ""):
        if not totp_secret:
            raise RuntimeError(f"{email} is asked for a second factor and no secret was given")
        page = http.get(base_url + "/me/two-factor", timeout=30)
        step = http.post(
            base_url + "/me/two-factor",
            data={"csrf_token": _csrf(page.text), "code": pyotp.TOTP(totp_secret).now()},
            allow_redirects=False,
            timeout=30,
        )
        if step.status_code != 303:
            raise RuntimeError(f"the second step for {email} answered {step.status_code}")
    # The first page after logging in notes the consent in the session cookie; from then on
    # the cookie is what every later request sends, as a browser's would be.
    http.get(base_url + "/", timeout=30)
    return http.cookies.get_dict()


def check_page(base_url: str, path: str, cookies: dict[str, str], headers: dict | None = None) -> int:
    """The page answers 200 to this login (not a redirect to the login page); returns its size."""
    answer = requests.get(base_url + path, cookies=cookies, headers=headers, allow_redirects=False, timeout=30)
    if answer.status_code != 200:
        raise RuntimeError(f"{path} answered {answer.status_code} ({answer.headers.get('Location', '')})")
    return len(answer.content)
