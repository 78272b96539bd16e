"""The accessibility statement on a phone: a visitor finds it from the footer in Danish and reads
it in English too; a young person logged in finds it from the footer and is offered a message
to the staff, which opens with the topic chosen."""

from __future__ import annotations

import re

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixtures skip (or fail) with the reason
    expect = None

pytestmark = pytest.mark.browser


def open_from_footer(ui, label: str) -> None:
    page = ui.page
    link = page.locator("footer a", has_text=label)
    expect(link).to_have_count(1)
    # As a thumb does: to the end of the page, where the footer clears the menu bar at the bottom.
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    link.click()
    page.wait_for_url(re.compile(r"/accessibility$"))
    ui.settled()
    ui.check()


def test_a_visitor_finds_it_in_the_footer_in_danish_and_english(ui, danish):
    page = ui.page
    ui.visit("/?lang=da")
    open_from_footer(ui, danish("Accessibility statement"))
    expect(page.locator("h1")).to_have_text(danish("Accessibility statement"))
    for heading in (
        "How accessible Ungehub is",
        "What does not work yet",
        "How we assessed it",
        "Tell us about a problem",
        "If you want to complain",
    ):
        expect(page.locator("main h2", has_text=danish(heading))).to_have_count(1)
    expect(page.locator("main")).to_contain_text("WCAG 2.1")
    expect(page.locator("main a[href^='https://digst.dk/']")).to_have_count(2)

    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    with page.expect_navigation():
        page.locator("footer button[name=lang][value=en]").click()
    ui.settled()
    ui.check()
    assert ui.lang() == "en" and page.url.endswith("/accessibility")
    expect(page.locator("h1")).to_have_text("Accessibility statement")
    expect(page.locator("#known-problems")).to_contain_text("(WCAG 2.2.1)")
    expect(page.locator("footer a", has_text="Accessibility statement")).to_have_count(1)


@pytest.mark.parametrize("language", ["da", "en"])
def test_a_young_person_reports_a_problem_from_it(browse, own_server, danish, language):
    def t(text: str) -> str:
        return danish(text) if language == "da" else text

    # A server of its own: logging Sara in accepts her privacy notice, which other tests on the
    # shared server expect to find still waiting.
    sara = browse(server=own_server)
    sara.log_in("ung@example.org")
    sara.visit(f"/events?lang={language}")
    open_from_footer(sara, t("Accessibility statement"))
    page = sara.page
    write = page.locator("#feedback a", has_text=t("Write to the staff in the app"))
    write.click()
    page.wait_for_url(re.compile(r"/messages/new\?topic=other$"))
    sara.settled()
    sara.check()
    expect(page.locator("input[name=topic][value=other]")).to_be_checked()
