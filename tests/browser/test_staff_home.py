"""The staff home on a 360 px phone: Louise starts her shift on one screen, opens what needs
her from it, and tells the young people what changed ("You said, we did"); Sara sees it on her
home.

Pages are found by ids, form actions, input names and hrefs; names are demo data. The test
writes, so it runs on a server of its own (`own_server`).
"""

from __future__ import annotations

import re

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixtures skip (or fail) with the reason
    expect = None

pytestmark = pytest.mark.browser

STAFF, SARA = "personale@example.org", "ung@example.org"
SMALL_PHONE = {"width": 360, "height": 740}
SECTIONS = ("home-messages", "today-at-the-hub", "home-support", "home-checkins", "home-quiet", "home-klip-expiring")


def overflow(page) -> int:
    return page.evaluate("() => document.scrollingElement.scrollWidth - window.innerWidth")


def test_a_shift_on_one_screen_and_what_changed(browse, own_server):
    louise = browse(server=own_server, viewport=SMALL_PHONE)
    louise.log_in(STAFF)
    page = louise.page
    louise.visit("/")
    for ident in SECTIONS:
        expect(page.locator(f"#{ident}")).to_be_visible()
    assert page.locator("#home-messages").bounding_box()["y"] < page.locator("#today-at-the-hub").bounding_box()["y"]
    assert overflow(page) <= 0, "the staff home scrolls sideways on a 360 px phone"

    # Every section leads on to where its items are handled.
    page.locator("#home-checkins a[href='/staff/checkins']").click()
    page.wait_for_url(re.compile(r"/staff/checkins$"))
    louise.settled()
    louise.check()

    # You said, we did: written from the staff home, read by everyone.
    louise.visit("/")
    page.locator("#home-you-said a[href='/you-said/new']").click()
    page.wait_for_url(re.compile(r"/you-said/new$"))
    louise.settled()
    louise.check()
    form = page.locator("form[action='/you-said/new']")
    form.locator("button[type=submit]").click()  # nothing filled in: told what to fix, nothing saved
    louise.settled()
    louise.check()
    expect(form.locator("#title-error")).to_be_visible()
    form.locator("input[name=title]").fill("Åbent om fredagen")
    form.locator("textarea[name=you_said]").fill("I ville gerne have, at hubben havde åbent fredag aften.")
    form.locator("textarea[name=we_did]").fill("Fra marts har hubben åbent om fredagen til kl. 22.")
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/you-said(#you-said-\d+)?$"))
    louise.settled()
    louise.check()
    expect(page.locator("main")).to_contain_text("Fra marts har hubben åbent om fredagen til kl. 22.")
    assert overflow(page) <= 0

    sara = browse(server=own_server, viewport=SMALL_PHONE)
    sara.log_in(SARA)
    sara.visit("/")
    card = sara.page.locator("#home-you-said")
    expect(card).to_contain_text("Åbent om fredagen")
    expect(sara.page.locator("#home-quiet")).to_have_count(0)  # the shift's overview is staff only
    assert overflow(sara.page) <= 0
