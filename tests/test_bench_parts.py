"""The page weight, Lighthouse and reminder sweep parts of `make bench` run on a tiny hub and give
sections of the agreed shape, with numbers where numbers belong.

No figure is held to its target here: performance belongs in `make bench`. Page weight and
Lighthouse need Chromium (and Lighthouse npm and the network, the first time), the page weight
also nginx: without them the tests are skipped locally and fail in CI (HUB_REQUIRE_BROWSER=1,
CI=true). They measure pages, not the database, so they run on SQLite only; the sweep runs on every backend.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import os
import re
import shutil
import threading

import pyotp
import pytest
import requests
from sqlalchemy import create_engine, func, select
from sqlmodel import SQLModel
from werkzeug.serving import make_server

from bench import lighthouse, sweep, weight
from bench.nginx import nginx_path
from hub import create_app
from hub.accounts.models import User
from hub.db import job_session
from hub.events.models import Event
from tests.conftest import app_config
from tests.factories import DEFAULT_PASSWORD, TEST_TOTP_SECRET, make_user

ROW_KEYS = {"item", "metric", "value", "unit", "reference", "reference_name", "target", "met"}


def check_section(section: dict, name: str) -> None:
    assert section["name"] == name
    assert isinstance(section["title"], str) and section["title"]
    assert all(isinstance(note, str) for note in section["notes"])
    assert section["rows"]
    for row in section["rows"]:
        assert ROW_KEYS <= set(row), row
        assert isinstance(row["value"], int | float) and not isinstance(row["value"], bool), row
        assert row["reference"] is None or isinstance(row["reference"], int | float), row
        assert row["met"] in (True, False, None), row


def _unavailable(reason: str, flag: str):
    if os.environ.get(flag) in ("1", "true"):
        pytest.fail(f"{reason} ({flag} is set, so this fails instead of skipping)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture
def chromium():
    try:
        import playwright.sync_api  # noqa: F401
    except Exception as error:  # ImportError, or a broken install
        _unavailable(f"Playwright cannot be imported ({error!r})", "HUB_REQUIRE_BROWSER")
    if weight.chromium_path() is None:
        _unavailable("Chromium is not installed (apt-get install chromium)", "HUB_REQUIRE_BROWSER")


@pytest.fixture
def nginx():
    """The page weight is measured through deploy/nginx.conf on Debian's nginx."""
    if nginx_path() is None:
        _unavailable("nginx is not installed (apt-get install nginx)", "CI")


# --- a tiny hub, served over HTTP ----------------------------------------------------------------


@pytest.fixture
def hub_url(tmp_path):
    """The app on a fresh SQLite database with a young person and a staff member, on a free port."""
    url = f"sqlite:///{tmp_path / 'hub.sqlite3'}"
    engine = create_engine(url)
    SQLModel.metadata.create_all(engine)
    engine.dispose()
    app = create_app(app_config(url, tmp_path))
    with app.app_context(), job_session() as session:
        make_user(session, email="ung@example.org", name="Sara Ung", is_young=True)
        make_user(session, email="staff@example.org", name="Mette Staff", is_staff=True)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
    app.extensions["hub_engine"].dispose()


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def log_in(base_url: str, email: str) -> dict[str, str]:
    """Log in over HTTP as a browser would, answering the second step for staff; the cookie jar."""
    http = requests.Session()
    page = http.get(f"{base_url}/login", timeout=10)
    page = http.post(
        f"{base_url}/login",
        data={"csrf_token": _csrf(page.text), "email": email, "password": DEFAULT_PASSWORD},
        timeout=10,
    )
    if "/me/two-factor" in page.url:
        page = http.post(
            page.url, data={"csrf_token": _csrf(page.text), "code": pyotp.TOTP(TEST_TOTP_SECRET).now()}, timeout=10
        )
    assert page.status_code == 200 and page.url == f"{base_url}/", (page.status_code, page.url)
    return http.cookies.get_dict()


@pytest.fixture
def cookies(hub_url):
    return {"young": log_in(hub_url, "ung@example.org"), "staff": log_in(hub_url, "staff@example.org")}


# --- page weight ---------------------------------------------------------------------------------


def test_page_weight_counts_first_and_repeat_loads_and_fragments(chromium, nginx, hub_url, cookies):
    pages = {"young home": ("young", "/"), "staff home": ("staff", "/")}
    fragments = {"young home, htmx": ("young", "/")}

    section = weight.run(hub_url, cookies, pages, fragments, small=True)

    check_section(section, "weight")
    values = {(row["item"], row["metric"]): row["value"] for row in section["rows"]}
    assert set(values) == {
        ("young home", "first load"),
        ("young home", "repeat visit"),
        ("staff home", "first load"),
        ("staff home", "repeat visit"),
        ("young home, htmx", "htmx fragment"),
    }
    for name, (_role, path) in pages.items():
        page = section["details"]["pages"][name]
        assert (page["status"], page["landed_on"]) == (200, path)  # logged in: not sent to /login
        assert page["service_worker_active"]
        # The repeat visit fetches the page again but no versioned static file: those are kept.
        assert 0 < values[(name, "repeat visit")] < values[(name, "first load")]
        repeat = [r["path"] for r in page["requests"] if r["phase"].endswith(":repeat")]
        assert path in repeat and not [p for p in repeat if p.startswith("/static/")], repeat
        first = [r["path"].split("?")[0] for r in page["requests"] if r["phase"].endswith(":first")]
        assert {"/static/css/app.css", "/sw.js", "/manifest.webmanifest"} <= set(first)
        # As nginx sent them: the page and the CSS gzipped, the CSS from disk with a year's caching.
        sent = {r["path"].split("?")[0]: r for r in page["requests"] if r["phase"].endswith(":first")}
        css = sent["/static/css/app.css"]
        assert css["encoding"] == "gzip" and css["cache_control"] == "public, max-age=31536000, immutable"
        assert css["compressed"] < css["bytes"] / 2 and sent[path]["encoding"] == "gzip"
    fragment = section["details"]["fragments"]["young home, htmx"]
    assert fragment["status"] == 200 and fragment["encoding"] == "gzip" and fragment["compressed"] < fragment["bytes"]


def test_page_weight_runs_beside_a_browser_the_test_session_already_holds(chromium, nginx, hub_url, cookies):
    # The browser tests keep one Playwright open for the whole session, on this thread; the
    # benchmark must still weigh pages when it runs after them in the same pytest run. Run alone,
    # this test opens one itself.
    from playwright.sync_api import sync_playwright

    def loop_running() -> bool:
        try:
            return asyncio.get_running_loop().is_running()
        except RuntimeError:
            return False

    with contextlib.ExitStack() as stack:
        if not loop_running():
            stack.enter_context(sync_playwright())
        assert loop_running()
        section = weight.run(hub_url, cookies, {"young home": ("young", "/")}, {}, small=True)

    assert [(row["item"], row["metric"]) for row in section["rows"]] == [
        ("young home", "first load"),
        ("young home", "repeat visit"),
    ]


def test_a_body_is_counted_as_sent_and_also_unpacked():
    text = b"<p>Hej</p>" * 500
    assert weight.uncompressed_size(gzip.compress(text), "gzip") == len(text)
    assert weight.uncompressed_size(text, "") == len(text)
    assert weight.uncompressed_size(b"", "gzip") == 0


# --- Lighthouse ----------------------------------------------------------------------------------


@pytest.fixture
def lighthouse_ready(chromium):
    cli = lighthouse.cache_dir() / "node_modules" / ".bin" / "lighthouse"
    if not cli.exists() and shutil.which("npm") is None:
        _unavailable("npm is not installed, and Lighthouse comes from npm", "CI")
    if shutil.which("node") is None:
        _unavailable("Node is not installed (Lighthouse runs on it)", "CI")


def test_lighthouse_scores_a_logged_in_page(lighthouse_ready, hub_url, cookies):
    section = lighthouse.run(hub_url, cookies, {"young home": ("young", "/")}, runs=1, small=True)

    check_section(section, "lighthouse")
    rows = {row["metric"]: row for row in section["rows"]}
    assert set(rows) == {"performance", "accessibility", "best-practices"}
    assert all(0 <= row["value"] <= 100 for row in rows.values())
    page = section["details"]["pages"]["young home"]
    assert page["final_url"].rstrip("/") == hub_url  # the cookie got it in, not sent to /login
    assert set(page["metrics"]) == {"LCP", "TBT", "CLS"}
    assert all(isinstance(value, int | float) for value in page["metrics"].values())
    assert any(note.startswith("young home: LCP ") for note in section["notes"])


def test_failing_audits_are_named_worst_first():
    report = {
        "categories": {
            "accessibility": {
                "auditRefs": [{"id": "color-contrast"}, {"id": "image-alt"}, {"id": "label"}, {"id": "video-caption"}]
            }
        },
        "audits": {
            "color-contrast": {"score": 0.5, "scoreDisplayMode": "binary"},
            "image-alt": {"score": 0, "scoreDisplayMode": "binary"},
            "label": {"score": 1, "scoreDisplayMode": "binary"},
            "video-caption": {"score": None, "scoreDisplayMode": "notApplicable"},
        },
    }
    assert lighthouse.failing_audits(report, "accessibility") == ["image-alt", "color-contrast"]


# --- the reminder sweep --------------------------------------------------------------------------


def test_the_sweep_sends_every_reminder_once_and_leaves_the_database_clean(db_url):
    section = sweep.run(db_url, count=30, small=True)

    check_section(section, "sweep")
    rows = {(row["item"], row["metric"]): row for row in section["rows"]}
    for metric in ("reminders made", "pushes delivered", "pushes received by the push service"):
        assert rows[("exactly once", metric)]["value"] == 30
    assert rows[("exactly once", "made by a second sweep")]["value"] == 0
    assert rows[("exactly once", "reminders not delivered exactly once")]["value"] == 0
    assert all(row["met"] for row in section["rows"] if row["item"] == "exactly once")
    assert rows[("push fan-out", "deliveries")]["value"] > 0
    assert rows[("push fan-out", "deliveries")]["reference"] > 0
    assert rows[("reminder sweep", "time for all")]["value"] > 0
    engine = create_engine(db_url)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(User)).scalar_one() == 0
        assert conn.execute(select(func.count()).select_from(Event)).scalar_one() == 0
    engine.dispose()


def test_the_sweep_makes_its_own_database_when_given_none():
    section = sweep.run(None, count=3, small=True)

    assert "sqlite (fresh temporary file)" in section["notes"][0]
    assert section["details"]["counts"] == {"reminders": 3, "delivered": 3, "not_once": 0}
