"""Passkeys in Chromium, with its virtual authenticator (DevTools WebAuthn domain) as the phone."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixtures skip (or fail) with the reason
    expect = None

pytestmark = pytest.mark.browser


class OnLocalhost:
    """A server seen as http://localhost:<port>: browsers refuse an IP address as a passkey's domain."""

    def __init__(self, server):
        self.url = server.url.replace("://127.0.0.1:", "://localhost:")


def virtual_phone(page) -> tuple[object, str]:
    """A built-in authenticator that keeps passkeys and checks its user (a fingerprint, say)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    added = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    return cdp, added["authenticatorId"]


def test_add_a_passkey_then_log_in_with_it_without_an_email(browse, own_server):
    """Sara logs in with her password, adds a passkey on her phone, logs out, and comes back
    with the passkey button alone: no e-mail typed, straight to her home."""
    ui = browse(server=OnLocalhost(own_server))
    page = ui.page
    cdp, phone = virtual_phone(page)
    ui.log_in("ung@example.org")

    ui.visit("/me/passkeys")
    expect(page.locator("#no-passkeys")).to_be_visible()
    box = page.locator("#add-passkey [data-passkey-box]")
    expect(box).to_be_visible()  # the script found WebAuthn and showed it
    page.locator("#passkey-new-name").fill("Saras telefon")
    box.locator("button[data-passkey=register]").click()
    expect(page.locator("#passkeys .device")).to_have_count(1)
    expect(page.locator("#passkeys .device input[name=name]")).to_have_value("Saras telefon")
    ui.check()
    [credential] = cdp.send("WebAuthn.getCredentials", {"authenticatorId": phone})["credentials"]
    assert credential["isResidentCredential"] and credential["rpId"] == "localhost"

    ui.visit("/me")
    page.locator("main form[action='/logout'] button").click()
    page.wait_for_url(lambda url: urlsplit(url).path == "/")
    ui.settled()
    ui.check()

    ui.visit("/login")
    expect(page.locator("input[name=email]")).to_have_value("")
    page.locator("#passkey-login button[data-passkey=login]").click()
    page.wait_for_url(lambda url: urlsplit(url).path == "/")
    ui.settled()
    ui.check()
    expect(ui.tab_bar()).to_be_visible()  # logged in: the young person's home
    assert page.evaluate("fetch('/me', {redirect: 'manual'}).then(r => r.status)") == 200
    [credential] = cdp.send("WebAuthn.getCredentials", {"authenticatorId": phone})["credentials"]
    assert credential["signCount"] >= 2  # made, then used


def test_a_cancelled_passkey_says_so_and_nothing_happens(browse, own_server):
    """No passkey on this phone: the browser gives up, the page says so, and no one is logged in."""
    ui = browse(server=OnLocalhost(own_server))
    page = ui.page
    cdp, phone = virtual_phone(page)
    cdp.send("WebAuthn.setUserVerified", {"authenticatorId": phone, "isUserVerified": False})
    ui.visit("/login")
    page.locator("#passkey-login button[data-passkey=login]").click()
    status = page.locator("#passkey-login [data-passkey-status]")
    expect(status).to_have_class("muted field__error", timeout=15_000)
    assert status.inner_text().strip()
    assert urlsplit(page.url).path == "/login"
    ui.check()
