"""Sara scales her own support on a phone, in Danish and in English: she pauses one of her
support options (in English until a day she picks), starts it again and asks for more; the staff
see the new state, her words and the history, and were told.

Options are found by their buttons, not their names (demo data), so the test holds whatever the
seeded options are called. Everything here writes, so each run has a server of its own.
"""

from __future__ import annotations

import re
import sqlite3
from datetime import timedelta

import pytest

from hub.support.menu import local_today

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixtures skip (or fail) with the reason
    expect = None

pytestmark = pytest.mark.browser

SARA = "ung@example.org"
STAFF = "personale@example.org"


def sara_id(server) -> int:
    with sqlite3.connect(server.database) as db:
        return db.execute("SELECT id FROM user_account WHERE email = ?", (SARA,)).fetchone()[0]


def change(ui, option, summary: str, *, note: str = "", until: str = "") -> None:
    """Open one of the option's changes, fill it in, send it, and check the page it leads to."""
    page = ui.page
    option.locator("summary", has_text=re.compile(rf"^\s*{re.escape(summary)}\s*$")).click()
    form = option.locator("details[open] form")
    if until:
        form.locator("input[name=until]").fill(until)
    if note:
        form.locator("textarea[name=note]").fill(note)
    with page.expect_navigation():
        form.locator("button[name=change]").click()
    ui.settled()
    ui.check()
    assert page.url.endswith("/support/options"), page.url  # the address is the page shown


def speak(ui, language: str) -> None:
    """Switch the logged-in person's language with the footer's button (it is kept on the account,
    so what the app sends them afterwards is in that language too)."""
    if ui.lang() == language:
        return
    ui.page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")  # the footer, past the menu
    with ui.page.expect_navigation():
        ui.page.locator(f"footer button[name=lang][value={language}]").click()
    ui.settled()
    ui.check()
    assert ui.lang() == language


@pytest.mark.parametrize("language", ["da", "en"])
def test_sara_pauses_starts_again_and_asks_for_more_and_staff_see_it(browse, own_server, danish, language):
    def said(text: str, **values) -> str:
        """The message as the app writes it in this language, with these values."""
        return (danish(text) if language == "da" else text) % values

    def t(text: str, **levels) -> str:
        """The message in this language, with levels ("some", "a lot") in this language too."""
        return said(text, **{key: danish(level) if language == "da" else level for key, level in levels.items()})

    # The staff member is logged in first, in the language of the run, to be told in it.
    staff = browse(server=own_server)
    staff.log_in(STAFF)
    speak(staff, language)

    sara = browse(server=own_server)  # 390 x 844
    sara.log_in(SARA)
    speak(sara, language)
    page = sara.page
    sara.visit("/support/options")

    # The first of her options she has "some" of, the middle level, so it can go up.
    option = (
        page.locator("li.support-option")
        .filter(has=page.locator("summary", has_text=t("Pause it")))
        .filter(has_text=t("Right now: %(level)s.", level="some"))
        .first
    )
    option = page.locator("#" + option.get_attribute("id"))
    name = option.locator("h2").inner_text().strip()

    # Pause it, in her own words (in English until a day she picks).
    until = local_today() + timedelta(days=21) if language == "en" else None  # the hub's day, not the machine's
    note = "Eksamen hele januar" if language == "da" else "Exams all of January"
    change(sara, option, t("Pause it"), note=note, until=until.isoformat() if until else "")
    expect(page.locator("#flashes")).to_contain_text(
        t("Paused. It is still yours: start it again whenever you want. The staff have been told.")
    )
    expect(option.locator(".support-badge").first).to_have_text(t("Paused"))
    expect(option.locator("summary", has_text=t("I want more"))).to_have_count(0)
    expect(option.locator("summary", has_text=t("Start again"))).to_have_count(1)
    if until:
        expect(option).to_contain_text("It starts again by itself on")

    # Start it again, then ask for more.
    change(sara, option, t("Start again"))
    expect(page.locator("#flashes")).to_contain_text(t("It is on again. The staff have been told."))
    expect(option.locator(".support-badge").first).to_have_text(t("You have this"))
    more = "Gerne to gange om ugen" if language == "da" else "Twice a week, please"
    change(sara, option, t("I want more"), note=more)
    expect(page.locator("#flashes")).to_contain_text(t("Done: you have more of it now. The staff have been told."))
    expect(option).to_contain_text(t("Right now: %(level)s.", level="a lot"))
    expect(option.locator("summary", has_text=t("I want more"))).to_have_count(0)  # the top level
    expect(option).to_contain_text(t("You already have a lot of it. If you need even more, write to the staff."))

    # Her own history, newest first: more, started again, paused (with her words).
    sara.visit("/support/history")
    lines = page.locator(".support-history__line")
    expect(lines.nth(0)).to_contain_text(
        said("%(option)s: more, from %(before)s to %(after)s", option=name, before=t("some"), after=t("a lot"))
    )
    expect(lines.nth(0)).to_contain_text(more)
    expect(lines.nth(0)).to_contain_text("– " + t("you"))
    expect(lines.nth(2)).to_contain_text(note)

    # The staff were told in their language, and the person page shows the level and the history.
    staff.visit("/notifications")
    told = said("%(name)s wants more: %(option)s", name="Sara", option=name)
    expect(staff.page.locator("main")).to_contain_text(told)
    staff.visit(f"/staff/support/people/{sara_id(own_server)}")
    item = staff.page.locator(".support-item").filter(has_text=name).first
    expect(item).to_contain_text(t("Level: %(level)s", level="a lot"))
    history = staff.page.locator("#history")
    expect(history.locator(".support-history__line").first).to_contain_text("Sara Nielsen")
    expect(history.locator(".support-history__line").first).to_contain_text(more)
    expect(history).to_contain_text(note)
