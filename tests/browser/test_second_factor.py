"""The staff second step on a phone: Louise logs in with her password, is asked for the code
from her authenticator app, and reaches the staff home only after typing it."""

from __future__ import annotations

import re

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixtures skip (or fail) with the reason
    expect = None

pytestmark = pytest.mark.browser

STAFF = "personale@example.org"
SMALL_PHONE = {"width": 360, "height": 740}


def password_step(ui) -> None:
    """The demo staff member's e-mail and password: the next page asks for the second factor."""
    ui.visit("/login")
    ui.page.locator("input[name=email]").fill(STAFF)
    ui.page.locator("input[name=password]").fill("ungehub-demo")
    ui.page.locator("main form button[type=submit]").click()
    ui.page.wait_for_url(re.compile(r"/me/two-factor"))
    ui.settled()
    ui.check()


def test_staff_type_the_code_from_their_app_to_reach_the_staff_home(browse):
    louise = browse(viewport=SMALL_PHONE)
    page = louise.page
    password_step(louise)
    expect(page.locator("#two-factor[data-state=verify]")).to_be_visible()
    # Not in yet: no menu, no bell, no counts, nothing of the staff side.
    expect(page.locator("nav.topnav, nav.tabbar, a.bell, .nav-badge")).to_have_count(0)
    code = page.locator("input[name=code]")
    assert code.get_attribute("inputmode") == "numeric" and code.get_attribute("autocomplete") == "one-time-code"
    assert page.evaluate("() => document.scrollingElement.scrollWidth - window.innerWidth") <= 0

    # Nothing else opens before the code: not the staff pages, not the home.
    louise.visit("/staff/people")
    assert "/me/two-factor" in page.url

    # A wrong code is told, in place.
    code.fill("12345")
    page.locator("#totp-form button[type=submit]").click()
    louise.settled()
    louise.check()
    expect(page.locator("#code-error")).to_be_visible()

    code = page.locator("input[name=code]")
    code.fill(louise.second_step_code(STAFF))
    page.locator("#totp-form button[type=submit]").click()
    page.wait_for_url(lambda url: "/me/two-factor" not in url)
    louise.settled()
    if "/privacy/accept" in page.url:  # the demo staff have not said yes to the notice yet
        louise.accept_privacy()
    assert page.url.endswith("/staff/people")  # where she was going
    expect(page.locator("nav.topnav a[href='/staff/messages']")).to_be_visible()
    expect(page.locator("a.bell")).to_be_visible()
    louise.check()
    louise.visit("/")
    expect(page.locator("#home-messages")).to_be_visible()


def test_after_an_admin_reset_staff_set_up_an_app_and_get_recovery_codes(browse, own_server):
    import pyotp

    admin = browse(server=own_server)
    admin.log_in("admin@example.org")
    admin.visit("/staff/people?q=personale")
    admin.page.locator("form.reset-second-factor button[type=submit]").click()
    admin.page.wait_for_url(lambda url: "example.org" in url)  # back on the list, at her: q=<her e-mail>
    admin.settled()
    admin.check()

    louise = browse(server=own_server, viewport=SMALL_PHONE)
    page = louise.page
    password_step(louise)
    expect(page.locator("#two-factor[data-state=enrol]")).to_be_visible()
    page.locator("#choose-app").click()
    page.wait_for_url(re.compile(r"/me/two-factor/app"))
    louise.settled()
    louise.check()
    expect(page.locator("nav.topnav, a.bell, .nav-badge")).to_have_count(0)
    expect(page.locator("#totp-setup svg")).to_be_visible()  # the QR code
    secret = page.locator("#totp-secret").inner_text()
    page.locator("input[name=code]").fill(pyotp.TOTP(secret).now())
    page.locator("#totp-setup button[type=submit]").click()
    expect(page.locator("#recovery-codes")).to_be_visible()
    louise.settled()
    louise.check()
    assert page.locator("#recovery-codes li code").count() == 10
    page.locator("#codes-saved").click()
    page.wait_for_url(lambda url: "/me/two-factor" not in url)
    louise.settled()
    if "/privacy/accept" in page.url:
        louise.accept_privacy()
    louise.check()
    louise.visit("/staff/people")
    assert page.url.endswith("/staff/people")
