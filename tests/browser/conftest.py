"""Browser tests: the real app (alembic + demo data + gunicorn) driven by Debian's Chromium.

- `live_server` (session): one gunicorn for the whole run, on a free port, on a database
  made by `alembic upgrade head` + `flask --app hub demo`.
- `own_server` (function): a gunicorn of its own, on a fresh copy of that database, for a
  test that kills and restarts the server (offline).
- `browse` (function): opens a phone-sized browser context and gives back a `UI` (a page plus
  helpers). `ui` is the first one, on the shared server.
- Accessibility: `UI.check()` runs axe-core and fails on any "serious" or "critical"
  violation. Every page a test lands on must be checked: `UI.visit()` and the helpers that
  navigate do it themselves, and a test that navigates by clicking calls `ui.check()`.
  At the end of a test the last page is checked, and a page the test navigated away from
  without a check fails the test (see `UI._on_navigated`).

Chromium missing or Playwright not importable: the tests are skipped with the reason, or
fail when HUB_REQUIRE_BROWSER=1 (as CI sets it).
"""

from __future__ import annotations

import gettext
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from hub.demo import PEOPLE
from tests.conftest import TEST_VAPID_PEM

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent  # the venv's bin: alembic, flask and gunicorn live beside python
CATALOGUE = ROOT / "hub" / "translations" / "da" / "LC_MESSAGES"

DEMO_PASSWORD = "ungehub-demo"
PHONE = {"width": 390, "height": 844}
SERIOUS = {"serious", "critical"}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Remember how the test itself went, so teardown does not pile errors onto a failure."""
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.browser_test_failed = report.failed


def _unavailable(reason: str):
    if os.environ.get("HUB_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (HUB_REQUIRE_BROWSER=1, so this fails instead of skipping)", pytrace=False)
    pytest.skip(f"browser tests skipped: {reason}")


# --------------------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(database: Path) -> dict:
    env = {key: value for key, value in os.environ.items() if not key.startswith("HUB_")}
    env.update(
        HUB_DATABASE_URL=f"sqlite:///{database}",
        HUB_SECRET_KEY="browser-tests-secret-key-not-for-production",
        HUB_ARGON2_TIME_COST="1",
        HUB_ARGON2_MEMORY_COST="1024",
        HUB_VAPID_PRIVATE_KEY=TEST_VAPID_PEM.decode(),
        PYTHONUNBUFFERED="1",
    )
    return env


def run_step(args: list[str], env: dict) -> None:
    done = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        pytest.fail(f"{' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}", pytrace=False)


class AppServer:
    """gunicorn serving `hub:create_app()` on 127.0.0.1:<port>, in its own process group."""

    def __init__(self, database: Path, log: Path, port: int | None = None):
        self.database = database
        self.log = log
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 60.0) -> None:
        assert self.process is None, "already running"
        log = self.log.open("ab")
        self.process = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "-c",
                "python:hub.gunicorn_conf",  # production's access log, so its privacy is tested too
                "-w",
                "2",
                "-b",
                f"127.0.0.1:{self.port}",
                "--graceful-timeout",
                "2",
                "hub:create_app()",
            ],
            cwd=ROOT,
            env=server_env(self.database),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the workers die with it
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.process = None
                pytest.fail(f"gunicorn exited at start:\n{self.log_tail()}", pytrace=False)
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=1) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                pass
            time.sleep(0.1)
        self.kill()
        pytest.fail(f"{self.url}/healthz did not answer 200 within {timeout} s:\n{self.log_tail()}", pytrace=False)

    def kill(self) -> None:
        """Kill the master and its workers at once (SIGKILL): a crash, not a shutdown."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=10)
        self.process = None
        self._wait_closed()

    def stop(self) -> None:
        """A clean shutdown, falling back to kill."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=5)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)
        self.process = None
        self._wait_closed()

    def _wait_closed(self, timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) != 0:
                    return
            time.sleep(0.05)
        pytest.fail(f"port {self.port} still answers after the server was stopped", pytrace=False)

    def check_log_is_private(self) -> None:
        """No demo person's name or e-mail, key in a path or query value in anything it logged."""
        written = self.log.read_text(errors="replace")
        leaks = [secret for email, name, *_ in PEOPLE for secret in (email, name) if secret in written]
        leaks += re.findall(r"/(?:welcome|scan|download)/(?!\[redacted\])[^\s\"/?]+", written)
        leaks += re.findall(r"\?[^\s\"]*=[^\s\"]*", written)
        if leaks:
            pytest.fail(f"the server's log holds {sorted(set(leaks))}:\n{self.log_tail()}", pytrace=False)

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return "(no log)"


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory) -> Path:
    """A database made the way a deployment makes it: alembic migrations, then demo data."""
    folder = tmp_path_factory.mktemp("ungehub-template")
    database = folder / "ungehub.sqlite3"
    env = server_env(database)
    for tool in ("alembic", "flask", "gunicorn"):
        if not (BIN / tool).exists():
            pytest.fail(f"{BIN / tool} is missing: install the app with `make install-test`", pytrace=False)
    run_step([str(BIN / "alembic"), "upgrade", "head"], env)
    run_step([str(BIN / "flask"), "--app", "hub", "demo"], env)
    return database


def copy_database(source: Path, target: Path) -> None:
    """A consistent copy of a SQLite database in WAL mode (the backup API, not cp)."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    dst.close()
    src.close()


def _serve(database_template: Path, folder: Path) -> AppServer:
    database = folder / "ungehub.sqlite3"
    copy_database(database_template, database)
    server = AppServer(database, folder / "gunicorn.log")
    server.start()
    return server


@pytest.fixture(scope="session")
def live_server(demo_database, tmp_path_factory, browser):
    """The shared server for the whole run (needs a browser, so it is not started for nothing)."""
    server = _serve(demo_database, tmp_path_factory.mktemp("ungehub-shared"))
    yield server
    server.stop()
    server.check_log_is_private()


@pytest.fixture
def own_server(demo_database, tmp_path, browser):
    """A server of this test's own, on a fresh copy of the demo database: kill it at will."""
    server = _serve(demo_database, tmp_path)
    yield server
    server.kill()  # a throwaway: no need to wait for open browser connections to finish


# --------------------------------------------------------------------------------------
# The browser
# --------------------------------------------------------------------------------------


def chromium_path() -> str | None:
    """HUB_CHROMIUM if set, else Debian's chromium."""
    if os.environ.get("HUB_CHROMIUM"):
        given = os.environ["HUB_CHROMIUM"]
        return given if Path(given).exists() else None
    found = shutil.which("chromium")
    if found:
        return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


@pytest.fixture(scope="session")
def playwright_api():
    try:
        from playwright.sync_api import sync_playwright
    except Exception as error:  # ImportError, or a broken install
        _unavailable(f"Playwright cannot be imported ({error!r}); `make install-test` installs it")
    try:
        from axe_playwright_python.sync_playwright import Axe  # noqa: F401
    except Exception as error:
        _unavailable(f"axe-playwright-python cannot be imported ({error!r}); `make install-test` installs it")
    manager = sync_playwright().start()
    yield manager
    manager.stop()


@pytest.fixture(scope="session")
def browser(playwright_api):
    executable = chromium_path()
    if executable is None:
        _unavailable(
            "Chromium is not installed (apt-get install chromium)"
            + (f"; HUB_CHROMIUM={os.environ['HUB_CHROMIUM']} does not exist" if os.environ.get("HUB_CHROMIUM") else "")
        )
    browser = playwright_api.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def browse(browser, live_server, request):
    """Open a new phone-sized browser context: `ui = browse()`, `browse(server=own_server)`,
    `browse(viewport={"width": 360, "height": 740})`. Each context is a separate person."""
    opened: list[UI] = []

    def open_context(server: AppServer | None = None, viewport: dict | None = None, **options) -> UI:
        server = server or live_server
        # A phone unless told otherwise: `browse(viewport=DESKTOP, is_mobile=False, has_touch=False)`.
        phone = {"is_mobile": True, "has_touch": True, "device_scale_factor": 3, "locale": "da-DK"}
        context = browser.new_context(
            base_url=server.url,
            viewport=viewport or PHONE,
            screen=viewport or PHONE,
            **{**phone, **options},
        )
        context.set_default_timeout(10_000)
        # Every Content-Security-Policy violation on any page of the context is reported here.
        context.expose_binding("hubCspViolation", lambda _source, seen: csp_violations.append(seen))
        context.add_init_script(CSP_LISTENER)
        ui = UI(context.new_page(), server, opened)
        ui.csp_violations = csp_violations  # the test's, all contexts together
        return ui

    csp_violations: list[dict] = []
    yield open_context
    problems = []
    if not getattr(request.node, "browser_test_failed", True):
        for ui in opened:
            try:
                ui.finish()
            except pytest.fail.Exception as error:
                problems.append(str(error))
        if csp_violations:
            problems.append("Content-Security-Policy violations:\n  " + "\n  ".join(map(str, csp_violations)))
    for context in {id(ui.page.context): ui.page.context for ui in opened}.values():
        context.close()
    if problems:
        pytest.fail("\n\n".join(problems), pytrace=False)


CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.hubCspViolation({
    page: location.href,
    directive: event.effectiveDirective || event.violatedDirective,
    blocked: event.blockedURI,
    source: event.sourceFile + ":" + event.lineNumber,
    sample: event.sample,
  });
});
"""


@pytest.fixture
def ui(browse):
    """A phone on the shared server."""
    return browse()


# --------------------------------------------------------------------------------------
# Accessibility and the page helper
# --------------------------------------------------------------------------------------


def axe_violations(page) -> list[dict]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [v for v in results.response["violations"] if v.get("impact") in SERIOUS]


def describe_violations(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"]:
            target = " ".join(str(t) for t in node["target"])
            summary = " ".join(line.strip() for line in node.get("failureSummary", "").splitlines()[1:])
            lines.append(f"    at {target}: {summary}")
            lines.append(f"       {node.get('html', '')[:160]}")
    return "\n".join(lines)


class UI:
    """One person's phone: a Playwright page on a server, with accessibility checks."""

    def __init__(self, page, server: AppServer, registry: list):
        self.page = page
        self.server = server
        self.registry = registry  # every UI of the test, checked at its end
        registry.append(self)
        self.unchecked: str | None = None  # the URL of a page shown but not yet checked
        self.missed: list[str] = []
        self.checked: list[str] = []
        self.last_checked: str | None = None
        page.on("framenavigated", self._on_navigated)
        page.on("load", self._on_load)

    # -- accessibility -----------------------------------------------------------------

    def _on_navigated(self, frame) -> None:
        # A new URL in the main frame (a load, or htmx pushing a boosted page into history);
        # htmx also re-states the current URL before it swaps, which is not a new page.
        if frame != self.page.main_frame or frame.url == "about:blank":
            return
        if frame.url != self.last_checked:
            self._shown(frame.url)

    def _on_load(self, page) -> None:
        # A full page load, even of the URL already checked (a reload, a redirect back).
        if page.url != "about:blank":
            self._shown(page.url)

    def _shown(self, url: str) -> None:
        if os.environ.get("HUB_DEBUG_NAV"):
            print("shown:", url, "unchecked before:", self.unchecked)
        if self.unchecked and self.unchecked != url:
            self.missed.append(self.unchecked)
        self.unchecked = url

    def check(self, scheme: str = "light") -> None:
        """axe-core on the page as it is now: no serious or critical violation allowed."""
        page = self.page
        page.wait_for_load_state("load")
        page.emulate_media(color_scheme=scheme)
        try:
            violations = axe_violations(page)
        finally:
            if scheme != "light":
                page.emulate_media(color_scheme="light")
        where = f"{page.url} ({scheme} scheme)"
        self.checked.append(where)
        if os.environ.get("HUB_DEBUG_NAV"):
            print("checked:", where)
        self.unchecked = None
        self.last_checked = page.url
        if violations:
            pytest.fail(f"Accessibility violations on {where}:\n{describe_violations(violations)}", pytrace=False)

    def finish(self) -> None:
        """At the end of a test: check the last page, and complain about pages never checked."""
        if self.unchecked and not self.page.is_closed():
            self.check()
        if self.missed:
            pytest.fail(
                "The test navigated away from these pages without an accessibility check "
                "(call ui.check() after each navigation):\n  " + "\n  ".join(self.missed),
                pytrace=False,
            )

    def new_tab(self) -> UI:
        """Another tab of the same browser (same cookies, same service worker)."""
        return UI(self.page.context.new_page(), self.server, self.registry)

    # -- navigation --------------------------------------------------------------------

    def url(self, path: str = "/") -> str:
        return self.server.url + path

    def visit(self, path: str, *, check: bool = True):
        response = self.page.goto(self.url(path))
        if check:
            self.check()
        return response

    def settled(self) -> None:
        """Wait until htmx has nothing in flight and the page has loaded."""
        self.page.wait_for_load_state("load")
        self.page.wait_for_function(
            "() => !document.querySelector('.htmx-request') && document.readyState === 'complete'"
        )

    def lang(self) -> str | None:
        return self.page.locator("html").get_attribute("lang")

    # -- people ------------------------------------------------------------------------

    def log_in(self, email: str, password: str = DEMO_PASSWORD) -> None:
        """Log in through the login form, and accept the privacy notice if it is shown."""
        page = self.page
        self.visit("/login")
        page.locator("input[name=email]").fill(email)
        page.locator("input[name=password]").fill(password)
        page.locator("main form button[type=submit]").click()
        page.wait_for_url(lambda url: "/login" not in url)
        self.settled()
        if "/me/two-factor" in page.url:
            self.answer_second_step(email)
        if "/privacy/accept" in page.url:
            self.accept_privacy()
        self.check()

    def second_step_code(self, email: str) -> str:
        """A code from the demo authenticator app that the server will accept now.

        A step is accepted once per account (replay protection), and tests on the shared
        server log the same demo staff in within seconds: so take the next step in the ±1
        window when the current one is spent, and as a last resort move the stored step back
        (only tests do that).
        """
        import pyotp

        from hub.demo import DEMO_TOTP_SECRET

        step = int(time.time()) // 30
        with sqlite3.connect(self.server.database, timeout=10) as db:
            row = db.execute(
                "SELECT t.id, t.last_used_step FROM totp_secret t JOIN user_account u ON u.id = t.user_id"
                " WHERE u.email = ?",
                (email,),
            ).fetchone()
            assert row, f"{email} has no authenticator app in the demo data"
            totp_id, last = row
            if last is not None and last >= step:
                if last == step:
                    step += 1
                else:
                    db.execute("UPDATE totp_secret SET last_used_step = ? WHERE id = ?", (step - 1, totp_id))
        db.close()
        return pyotp.TOTP(DEMO_TOTP_SECRET).generate_otp(step)

    def answer_second_step(self, email: str) -> None:
        """On the second-step page: type the demo app's code and continue."""
        page = self.page
        self.check()
        page.locator("input[name=code]").fill(self.second_step_code(email))
        page.locator("#totp-form button[type=submit]").click()
        page.wait_for_url(lambda url: "/me/two-factor" not in url)
        self.settled()

    def accept_privacy(self) -> None:
        page = self.page
        self.check()
        page.locator("input[name=accept]").check()
        page.locator("main form:has(input[name=accept]) button[type=submit]").click()
        page.wait_for_url(lambda url: "/privacy/accept" not in url)
        self.settled()

    def tab_bar(self):
        return self.page.locator("nav.tabbar")


# --------------------------------------------------------------------------------------
# The Danish catalogue, as the server sees it
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def danish():
    """`danish("Log in")` is the Danish text the server shows for that English message; the
    test fails if the compiled catalogue has no translation for it (`same_ok=True` for words
    that are the same in both languages, like "E-mail")."""
    po, mo = CATALOGUE / "messages.po", CATALOGUE / "messages.mo"
    if not mo.exists():
        pytest.fail(f"{mo} is missing: run `make {mo.relative_to(ROOT)}`", pytrace=False)
    stale = po.exists() and po.stat().st_mtime > mo.stat().st_mtime
    with mo.open("rb") as handle:
        catalogue = gettext.GNUTranslations(handle)

    def translate(message: str, *, same_ok: bool = False) -> str:
        text = catalogue.gettext(message)
        if text == message and not same_ok:
            hint = " (messages.mo is older than messages.po: compile it)" if stale else ""
            pytest.fail(f"No Danish translation for {message!r}{hint}", pytrace=False)
        return text

    return translate


def poll(page, expression: str, until, what: str, timeout: float = 10.0):
    """Evaluate `expression` (it may give a promise) until `until(value)` holds; the value.

    Not `page.wait_for_function`: it does not await a promise, and a promise is truthy, so an
    async predicate would pass at once whatever it resolves to.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = page.evaluate(expression)
        if until(value):
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: still {value!r} after {timeout} s", pytrace=False)
        page.wait_for_timeout(25)
