"""A shared phone: the last young person's wallet and plan are not shown offline once their login
would have ended, nor after the server has shown the phone that they are logged out."""

from __future__ import annotations

import re
import sqlite3
from datetime import datetime, timedelta

import pytest

from tests.browser import conftest as browser_setup
from tests.browser.conftest import poll
from tests.browser.test_offline_wallet import KEPT, SARA, SMALL_PHONE, WALLET_TEXT, assert_nothing_private

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixtures skip (or fail) with the reason
    expect = None

pytestmark = pytest.mark.browser

KEEP_SECONDS = 8  # the server's OFFLINE_KEEP_SECONDS on this test's own server
# How long the kept wallet may still be shown, by the phone's clock (-1: none kept).
WALLET_LEFT = """caches.open('private-plan').then((c) => c.match('/wallet'))
    .then((r) => r ? Number(r.headers.get('X-Ungehub-Show-Until')) - Date.now() : -1)"""


@pytest.fixture
def brief_server(demo_database, tmp_path, browser, monkeypatch):
    """A server of this test's own that lets a phone keep a copy for KEEP_SECONDS at most."""
    plain = browser_setup.server_env
    monkeypatch.setattr(
        browser_setup, "server_env", lambda database: {**plain(database), "HUB_OFFLINE_KEEP_SECONDS": str(KEEP_SECONDS)}
    )
    server = browser_setup._serve(demo_database, tmp_path)
    yield server
    server.kill()


def sara_with_kept_copies(browse, server):
    """Sara logged in on a small phone, in English, her wallet and plan kept by the worker; what
    in the kept wallet is hers (her voucher's offline codes)."""
    ui = browse(server=server, viewport=SMALL_PHONE)
    ui.visit("/?lang=en")
    ui.log_in(SARA)
    page = ui.page
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    ui.visit("/plan")
    poll(page, f"({KEPT})('/plan')", bool, "the plan kept")
    wallet = poll(page, WALLET_TEXT, lambda text: text and "wallet-code" in text, "the wallet kept")
    codes = re.findall(r'class="ticket-card__number">.*?(\d+-\d{6})', wallet, re.S)
    assert codes and "Hanne" in wallet, codes
    return ui, codes


def assert_offline_shows_nothing_of_hers(ui, secrets: list[str]) -> None:
    page = ui.page
    page.context.set_offline(True)
    try:
        for path in ("/", "/wallet", "/plan"):
            page.goto(ui.url(path))
            expect(page.locator("#offline h1")).to_be_visible()
            expect(page.locator("#wallet")).to_have_count(0)
            expect(page.locator("#offline-wallet")).to_be_hidden()
            ui.check()
        assert_nothing_private(page, secrets)
    finally:
        page.context.set_offline(False)


def test_past_the_time_the_server_gave_the_wallet_and_plan_are_not_shown_offline(browse, brief_server):
    """The login ends (30 minutes idle) with no logout; whoever picks the phone up next goes
    offline and opens the app: the plain offline page, not Sara's wallet, codes or plan."""
    ui, codes = sara_with_kept_copies(browse, brief_server)
    page = ui.page
    poll(page, WALLET_LEFT, lambda left: left <= 0, "the wallet's time to pass", timeout=KEEP_SECONDS + 10)
    assert_offline_shows_nothing_of_hers(ui, codes)


def test_a_login_ended_where_the_phone_did_not_see_it_drops_the_copies_at_the_next_page(browse, own_server):
    """Sara's login idles out on the server; the next page the phone loads online says nobody is
    logged in, and her copies go at once, long before their time."""
    ui, codes = sara_with_kept_copies(browse, own_server)
    page = ui.page
    assert page.evaluate(WALLET_LEFT) > 20 * 60 * 1000  # kept until her login's idle end, not longer
    assert page.evaluate(WALLET_LEFT) <= 30 * 60 * 1000
    with sqlite3.connect(own_server.database, timeout=10) as db:  # 31 minutes without her
        (seen,) = db.execute("SELECT max(last_seen_at) FROM user_session WHERE ended_at IS NULL").fetchone()
        earlier = datetime.fromisoformat(seen) - timedelta(minutes=31)
        db.execute("UPDATE user_session SET last_seen_at = ? WHERE ended_at IS NULL", (str(earlier),))
    db.close()
    ui.visit("/")
    expect(page.locator("a[href='/login']").first).to_be_visible()  # the next person sees the logged-out home
    poll(page, "caches.has('private-plan')", lambda has: not has, "the copies dropped")
    assert_offline_shows_nothing_of_hers(ui, codes)
