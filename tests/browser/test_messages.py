"""Messages in a real browser on a phone: Sara writes about housing, Louise answers from the
shared inbox, and the answer appears on Sara's open page without a reload; the urgent path
shows the help numbers (also to someone not logged in) and reaches the staff on duty.

Pages are found by form action, input name and href; names are demo data. Everything here
writes, so each test runs on a server of its own (`own_server`).
"""

from __future__ import annotations

import re

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixtures skip (or fail) with the reason
    expect = None

pytestmark = pytest.mark.browser

SARA, STAFF = "ung@example.org", "personale@example.org"
POLL_SECONDS = 10  # the thread asks for news this often
THREAD = re.compile(r"/messages/\d+(#latest)?$")
STAFF_CONVERSATION = re.compile(r"/staff/messages/\d+$")


def submit(ui, form, url) -> None:
    """Press a form's submit button and wait for the page it leads to, then check it."""
    form.locator("button[type=submit]").first.click()
    ui.page.wait_for_url(url)
    ui.settled()
    ui.check()


def open_from_inbox(staff, row) -> None:
    row.locator("a.inbox-row__link").click()
    staff.page.wait_for_url(STAFF_CONVERSATION)
    staff.settled()
    staff.check()


def test_sara_writes_about_housing_and_the_answer_appears_without_a_reload(browse, own_server):
    question = "Kan I hjælpe mig med at søge en ungdomsbolig i Aarhus V?"
    answer = "Ja, det kan vi godt. Kom forbi i morgen kl. 14, så søger vi sammen."

    sara = browse(server=own_server)
    sara.log_in(SARA)
    page = sara.page
    sara.visit("/messages/new")
    form = page.locator("form#new-message")
    form.locator("input[name=topic][value=housing]").check()
    expect(form.locator("input[name=to][value=hub]")).to_be_checked()  # the hub staff, unless she chooses
    form.locator("textarea[name=body]").fill(question)
    submit(sara, form, THREAD)
    expect(page.locator("#thread-live")).to_contain_text(question)
    # A mark on this very page: a reload or a navigation would lose it.
    page.evaluate("() => { window.stillTheSamePage = true }")
    thread_url = page.url

    louise = browse(server=own_server)
    louise.log_in(STAFF)
    louise.visit("/staff/messages")
    row = louise.page.locator(".inbox-row").filter(has_text=question[:40])
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Sara")
    open_from_inbox(louise, row)
    expect(louise.page.locator("main")).to_contain_text(question)
    reply = louise.page.locator("form[action$='/reply']")
    reply.locator("textarea[name=body]").fill(answer)
    submit(louise, reply, STAFF_CONVERSATION)
    expect(louise.page.locator("main")).to_contain_text(answer)

    # Sara's page asks for news every ten seconds and shows the answer in place.
    expect(page.locator("#thread-live")).to_contain_text(answer, timeout=(3 * POLL_SECONDS) * 1000)
    assert page.evaluate("() => window.stillTheSamePage === true"), "the page was reloaded"
    assert page.url == thread_url
    sara.check()

    # In her list the conversation now waits for her, with something new in it.
    sara.visit("/messages")
    expect(page.locator("main")).to_contain_text(answer[:30])


def test_the_urgent_path_shows_the_numbers_and_reaches_staff_on_duty(browse, own_server):
    words = "Jeg er bange og tør ikke gå hjem i aften."

    # Anyone, logged in or not, gets the numbers as links that call.
    visitor = browse(server=own_server)
    visitor.visit("/help")
    calls = visitor.page.locator("main a[href^='tel:']")
    assert calls.count() >= 5, "112 and the seeded help lines"
    for href in calls.evaluate_all("links => links.map(a => a.getAttribute('href'))"):
        assert re.fullmatch(r"tel:\+?\d{3,}", href), href
    expect(visitor.page.locator("a[href='/help/urgent']")).to_have_count(0)  # sending needs a login

    sara = browse(server=own_server)
    sara.log_in(SARA)
    page = sara.page
    sara.visit("/help")
    expect(page.locator("main a[href='tel:112']").first).to_be_visible()
    page.locator("main a[href='/help/urgent']").click()
    page.wait_for_url(re.compile(r"/help/urgent$"))
    sara.settled()
    sara.check()
    # Before sending, she is told who will be told: the demo has Louise on duty now.
    expect(page.locator("#urgent-who")).to_contain_text("Louise")
    form = page.locator("main form[action$='/help/urgent']")
    form.locator("textarea[name=body]").fill(words)
    submit(sara, form, THREAD)
    expect(page.locator("#thread-live .msg-urgent")).to_be_visible()
    expect(page.locator("#thread-live")).to_contain_text(words)

    # Louise sees it at the top of the inbox, marked urgent.
    louise = browse(server=own_server)
    louise.log_in(STAFF)
    louise.visit("/staff/messages")
    first = louise.page.locator(".inbox-list > li").first
    expect(first).to_contain_text("Sara")
    expect(first).to_contain_text(words[:40])
    expect(first).to_have_class(re.compile(r"inbox-row--urgent"))
    expect(first.locator(".inbox-urgent")).to_be_visible()
    open_from_inbox(louise, first)
    expect(louise.page.locator("main")).to_contain_text(words)
