"""My sessions in a real browser: two phones logged in as one person; one logs the other out
from "My sessions", and the other phone's cookie no longer opens anything."""

from __future__ import annotations

import uuid

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixtures skip (or fail) with the reason
    expect = None

pytestmark = pytest.mark.browser

FIREFOX_ANDROID = "Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0"
PASSWORD = "tre glade ord i aarhus"


def test_a_phone_logged_out_from_my_sessions_is_logged_out(browse):
    email = f"sessions-{uuid.uuid4().hex[:8]}@example.org"
    mine = browse()
    page = mine.page
    mine.visit("/signup")
    page.locator("input[name=name]").fill("Noah Sessions")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(lambda url: "/privacy/accept" in url)
    mine.accept_privacy()
    mine.check()

    other = browse(user_agent=FIREFOX_ANDROID)  # the sibling's phone, say
    other.log_in(email, PASSWORD)
    other.visit("/me")
    assert "/login" not in other.page.url

    mine.visit("/me/sessions")
    rows = page.locator("#my-sessions li.login")
    expect(rows).to_have_count(2)
    expect(page.locator("li.login--current")).to_have_count(1)
    theirs = rows.filter(has_text="Firefox")
    expect(theirs).to_have_count(1)
    theirs.locator("button[type=submit]").click()
    expect(rows).to_have_count(1)
    mine.check()
    expect(page.locator("li.login--current")).to_have_count(1)

    other.page.reload()
    other.page.wait_for_url(lambda url: "/login" in url)
    other.check()
