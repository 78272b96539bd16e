"""Youth-steered support in a real browser on a phone: Sara chooses her support person, asks
for a support option, adds a goal with a step to her plan and checks in on how she is; her
volunteer mentor logs a check-in with her.

Pages are found by form action, input name and href; names and option titles are demo data.
Everything here writes, so the test runs on a server of its own (`own_server`).
"""

from __future__ import annotations

import re

import pytest

from hub.support.menu import local_today

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixtures skip (or fail) with the reason
    expect = None

pytestmark = pytest.mark.browser

NEW_SUPPORT_PERSON = "Lene Bach"  # the demo's støttekontaktperson, listed in the directory
MENTOR_OPTION = "Frivillig mentor"  # one of the four options the trial starts with


def submit(ui, form, url) -> None:
    """Press a form's submit button and wait for the page it leads to, then check it."""
    form.locator("button[type=submit]").first.click()
    ui.page.wait_for_url(url)
    ui.settled()
    ui.check()


def test_young_person_steers_her_support_and_her_mentor_checks_in(browse, own_server):
    sara = browse(server=own_server)
    sara.log_in("ung@example.org")
    page = sara.page

    # Choose a support person from the directory, filtered by what she needs help with.
    sara.visit("/support/people?area=health")
    page.get_by_role("link", name=re.compile(NEW_SUPPORT_PERSON)).first.click()
    page.wait_for_url(re.compile(r"/support/people/\d+$"))
    sara.settled()
    sara.check()
    submit(sara, page.locator("form[action$='/choose']"), re.compile(r"/support"))
    sara.visit("/support")
    expect(page.locator("main")).to_contain_text(NEW_SUPPORT_PERSON)
    sara.visit("/")
    expect(page.locator("#home-support")).to_contain_text(NEW_SUPPORT_PERSON)

    # Ask for a support option, in her own words.
    sara.visit("/support/options")
    option = (
        page.locator("article, section, li")
        .filter(has_text=MENTOR_OPTION)
        .filter(has=page.locator("form[action$='/ask']"))
        .last
    )
    option.locator("textarea[name=wish]").fill("En at gå til fodbold med")
    submit(sara, option.locator("form[action$='/ask']"), re.compile(r"/support/options"))
    expect(page.locator("form[action*='/withdraw']")).to_have_count(1)

    # A goal with a step in her plan.
    sara.visit("/plan/goals/new?area=job")
    page.locator("input[name=title]").fill("Få et fritidsjob")
    submit(sara, page.locator("main form").filter(has=page.locator("input[name=title]")), re.compile(r"/plan"))
    sara.visit("/plan")
    page.get_by_role("link", name="Få et fritidsjob").first.click()
    page.wait_for_url(re.compile(r"/plan/goals/\d+$"))
    sara.settled()
    sara.check()
    step_form = page.locator("form[action$='/steps']")
    step_form.locator("input[name=what]").fill("Aflever en ansøgning i Netto")
    submit(sara, step_form, re.compile(r"/plan/goals/\d+$"))
    expect(page.locator("main")).to_contain_text("Aflever en ansøgning i Netto")
    sara.visit("/plan")
    expect(page.locator("main")).to_contain_text("Få et fritidsjob")

    # Ten seconds: how is she?
    sara.visit("/wellbeing")
    before = page.locator("table tbody tr").count()
    for name, value in (("mood", "4"), ("sleep", "3"), ("movement", "2")):
        page.locator(f"input[name={name}][value='{value}']").check()
    submit(sara, page.locator("form.wellbeing-form"), re.compile(r"/wellbeing"))
    sara.visit("/wellbeing")
    assert page.locator("table tbody tr").count() == before + 1

    # Her volunteer mentor logs a check-in with her.
    peter = browse(server=own_server)
    peter.log_in("mentor@example.org")
    mentor = peter.page
    peter.visit("/my-young-people")
    mentor.locator("main a[href^='/my-young-people/']").filter(has_text="Sara").first.click()
    mentor.wait_for_url(re.compile(r"/my-young-people/\d+$"))
    peter.settled()
    peter.check()
    mentor.locator("a[href$='/checkins/new']").first.click()
    mentor.wait_for_url(re.compile(r"/checkins/new$"))
    peter.settled()
    peter.check()
    form = mentor.locator("main form[action$='/checkins/new']")
    form.locator("input[name=happened_on]").fill(local_today().isoformat())  # the hub's day, not the machine's
    form.locator("input[name=way][value=activity]").check()
    form.locator("input[name=went][value=good]").check()
    form.locator("textarea[name=note]").fill("Vi spillede fodbold i Marselisborg. Godt humør.")
    form.locator("input[name=note_shared]").check()
    submit(peter, form, re.compile(r"/my-young-people/\d+(#checkins)?$"))
    expect(mentor.locator("main")).to_contain_text("Vi spillede fodbold i Marselisborg")

    # Sara reads the shared note on her support page.
    sara.visit("/support")
    expect(page.locator("#support-checkins")).to_contain_text("Vi spillede fodbold i Marselisborg")
