"""The offline wallet on a phone: kept after login, shown with no connection, gone after logout
or "forget this phone"."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import poll

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixtures skip (or fail) with the reason
    expect = None

pytestmark = pytest.mark.browser

SMALL_PHONE = {"width": 360, "height": 740}
SARA = "ung@example.org"  # the demo young person: a cinema voucher, Hanne as primary

WORKSHOP = "Budget: get on top of your money"  # tomorrow, free, with room (the page is in English)
WALLET_TEXT = "caches.open('private-plan').then((c) => c.match('/wallet')).then((r) => r ? r.text() : null)"
KEPT = """(path) => caches.has('private-plan')
    .then((has) => has ? caches.open('private-plan').then((c) => c.match(path)).then(Boolean) : false)"""

# Every cache entry, with its body, and everything in localStorage: what a next person could read.
EVERYTHING_KEPT = """async () => {
    const found = {caches: {}, local: {}};
    for (const name of await caches.keys()) {
        const cache = await caches.open(name);
        found.caches[name] = {};
        for (const request of await cache.keys()) {
            const response = await cache.match(request);
            found.caches[name][request.url] = await response.text();
        }
    }
    for (let i = 0; i < localStorage.length; i++) {
        const key = localStorage.key(i);
        found.local[key] = localStorage.getItem(key);
    }
    return found;
}"""


def logged_in_with_a_wallet(browse, server):
    """Sara on a small phone, in English, logged in with a ticket she just booked; her wallet,
    with the ticket, kept by the service worker."""
    ui = browse(server=server, viewport=SMALL_PHONE)
    ui.visit("/?lang=en")
    ui.log_in(SARA)
    page = ui.page
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    poll(page, f"({KEPT})('/wallet')", bool, "the wallet kept after login")
    # The demo's own booking for Sara may be over by now: book tomorrow's workshop.
    ui.visit("/events")
    card = page.locator("article.event-card").filter(has=page.get_by_role("heading", name=WORKSHOP, exact=True))
    ui.visit(card.locator("a[href^='/events/']").first.get_attribute("href"))
    page.locator("form[action$='/book'] button[type=submit]").click()
    page.wait_for_url(re.compile(r"/bookings/\d+$"))
    ui.settled()
    ui.check()
    poll(page, WALLET_TEXT, lambda text: 'class="wallet-ticket"' in (text or ""), "the kept wallet has the ticket")
    return ui


def wallet_secrets(ui) -> list[str]:
    """What in Sara's wallet is hers: her ticket code, her voucher's codes, her support person."""
    ui.visit("/wallet")
    page = ui.page
    ticket = page.locator("#wallet-tickets .ticket__code code").first.inner_text()
    codes = page.locator("#wallet-vouchers .wallet-code .ticket-card__number").all_inner_texts()
    codes = [re.sub(r"^\D*", "", code).strip() for code in codes]
    assert ticket and codes, (ticket, codes)
    return [ticket, *codes, "Sara Nielsen", "Hanne"]


def assert_nothing_private(page, secrets: list[str], *, our_keys_gone: bool = False) -> None:
    kept = page.evaluate(EVERYTHING_KEPT)
    assert "private-plan" not in kept["caches"], list(kept["caches"].get("private-plan", {}))
    for name, entries in kept["caches"].items():
        for url, body in entries.items():
            assert not re.search(r"/(wallet|plan)(\?|$)", url), url
            for secret in secrets:
                assert secret not in body, f"{secret!r} kept in {name} {url}"
    for key, value in kept["local"].items():
        assert not (our_keys_gone and key.startswith("ungehub")), key
        for secret in secrets:
            assert secret not in value, f"{secret!r} in localStorage {key}"


def test_offline_the_app_opens_the_kept_wallet(browse, own_server):
    """Offline, opening the app shows the kept wallet: the ticket's QR, the voucher code good
    today, the crisis numbers, and since when it was saved; online again, it reloads."""
    ui = logged_in_with_a_wallet(browse, own_server)
    page = ui.page
    page.context.set_offline(True)
    try:
        page.goto(ui.url("/"))
        wallet = page.locator("#wallet")
        expect(wallet).to_have_attribute("data-copy", "kept")
        expect(page.locator("#offline h1")).to_have_text("You are offline")
        expect(page.locator("#offline .wallet-age")).to_contain_text(re.compile(r"Saved .*bookings"))
        expect(page.locator("#wallet-tickets svg").first).to_be_visible()
        expect(page.locator("#wallet-vouchers .wallet-code:visible")).to_have_count(1)  # today's, not tomorrow's
        expect(page.locator("#wallet-vouchers .wallet-code:visible svg")).to_be_visible()
        expect(page.locator("#wallet-crisis a[href^='tel:']").first).to_be_visible()
        expect(page.locator("#wallet-head")).to_be_hidden()
        ui.check()
        assert page.evaluate("() => document.querySelector('.ticket__code code').textContent").strip()
        # The plain offline page links to the kept wallet.
        page.goto(ui.url("/offline"))
        expect(page.locator("#offline-wallet a[href='/wallet']")).to_be_visible()
        ui.check()
        page.goto(ui.url("/"))
        expect(page.locator("#wallet")).to_have_attribute("data-copy", "kept")
        ui.check()
    finally:
        page.context.set_offline(False)
    # Back online: the page reloads by itself, and it is the live home page again.
    expect(page.locator("#wallet")).to_have_count(0, timeout=15_000)
    expect(page.get_by_role("heading", level=1)).to_have_text("Hi Sara")
    ui.settled()
    ui.check()


def test_after_logout_nothing_private_is_kept(browse, own_server):
    """Log out, go offline: no wallet and no plan in Cache Storage, nothing of Sara's in any
    cached body or in localStorage; opening the app shows the plain offline page."""
    ui = logged_in_with_a_wallet(browse, own_server)
    page = ui.page
    secrets = wallet_secrets(ui)
    ui.visit("/plan")
    poll(page, f"({KEPT})('/plan')", bool, "the plan kept")

    ui.visit("/me")
    page.locator("form[action='/logout'] button").click()
    page.wait_for_url(ui.url("/"))
    ui.settled()
    ui.check()
    poll(page, "caches.has('private-plan')", lambda has: not has, "private copies deleted on logout")

    page.context.set_offline(True)
    try:
        page.goto(ui.url("/"))
        expect(page.locator("#offline")).to_be_visible()
        expect(page.locator("#wallet")).to_have_count(0)
        expect(page.locator("#offline-wallet")).to_be_hidden()
        ui.check()
        assert_nothing_private(page, secrets[:-1] + ["Nielsen"])  # "Hanne" could be anyone's name
    finally:
        page.context.set_offline(False)


def test_forget_this_phone_logs_out_and_clears_the_phone(browse, own_server):
    """ "Forget this phone" in the wallet: private copies, drafts and our localStorage keys are
    gone, the login has ended, and the login page shows; others' localStorage keys stay."""
    ui = logged_in_with_a_wallet(browse, own_server)
    page = ui.page
    secrets = wallet_secrets(ui)
    page.evaluate(
        """() => new Promise((resolve) => {
            localStorage.setItem('ungehub-push-offer', 'no');
            localStorage.setItem('not-ours', 'stays');
            const request = indexedDB.open('ungehub-drafts', 1);
            request.onupgradeneeded = () => request.result.createObjectStore('drafts');
            request.onsuccess = () => { request.result.close(); resolve(); };
        })"""
    )
    page.locator("#wallet-forget button[type=submit]").click()
    page.wait_for_url(re.compile(r"/login$"))
    ui.settled()
    ui.check()
    assert_nothing_private(page, secrets[:-1] + ["Nielsen"], our_keys_gone=True)
    assert page.evaluate("() => localStorage.getItem('not-ours')") == "stays"
    databases = page.evaluate("() => indexedDB.databases().then((all) => all.map((db) => db.name))")
    assert "ungehub-drafts" not in databases
    # The login has ended on the server too.
    ui.visit("/wallet", check=False)
    page.wait_for_url(re.compile(r"/login"))
    ui.check()
