"""Accounts in a real browser: log in, sign up, language, a wrong password, a staff invite."""

from __future__ import annotations

import re
import uuid

import pytest

from hub.core.nav import YOUNG_TABS

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixtures skip (or fail) with the reason
    expect = None

pytestmark = pytest.mark.browser

DEMO_PASSWORD = "ungehub-demo"


def new_email(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}@example.org"


def submit(page) -> None:
    page.locator("main form button[type=submit]").first.click()


def test_young_person_logs_in_in_danish(ui, danish):
    """Sara opens the app (in Danish, light and dark), goes to log in, types her e-mail and
    password, must accept the privacy notice on her first login, and lands on her home:
    greeted "Hej Sara", with the bottom tab bar, in a page marked lang="da"."""
    page = ui.page
    ui.visit("/")
    ui.check(scheme="dark")
    assert ui.lang() == "da"

    page.get_by_role("link", name=danish("Log in"), exact=True).first.click()
    page.wait_for_url("**/login")
    ui.check()
    expect(page.get_by_role("heading", level=1)).to_have_text(danish("Log in"))

    page.locator("input[name=email]").fill("ung@example.org")
    page.get_by_label(danish("Password"), exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name=danish("Log in"), exact=True).click()

    # First login: the privacy notice comes before anything else.
    page.wait_for_url(re.compile(r"/privacy/accept"))
    ui.check()
    assert ui.lang() == "da"
    expect(page.get_by_role("heading", level=1)).to_have_text(danish("Before you start"))

    # Going on without ticking the box is refused, in Danish, on the same page (a 422 swap).
    with page.expect_response(lambda r: "/privacy/accept" in r.url and r.request.method == "POST") as answer:
        page.get_by_role("button", name=danish("Go on"), exact=True).click()
    assert answer.value.status == 422
    expect(page.locator("#main")).to_contain_text(danish("Tick the box to go on."))
    ui.check()

    page.get_by_label(danish("I have read this and say yes")).check()
    page.get_by_role("button", name=danish("Go on"), exact=True).click()
    page.wait_for_url(lambda url: "/privacy/accept" not in url)
    ui.settled()
    ui.check()

    expect(page.get_by_role("heading", level=1)).to_have_text("Hej Sara")
    tabs = page.get_by_role("navigation", name=danish("Main menu"))
    expect(tabs).to_be_visible()
    expect(tabs.get_by_role("link")).to_have_count(len(YOUNG_TABS))
    expect(tabs.get_by_role("link", name=danish("Home"))).to_have_attribute("aria-current", "page")
    assert ui.lang() == "da"
    ui.check(scheme="dark")


def test_sign_up_lands_on_the_young_persons_home(ui, danish):
    """A new young person makes an account from the front page (name, e-mail, password),
    accepts the privacy notice and lands on their home, greeted by first name, with tabs."""
    page = ui.page
    ui.visit("/")
    page.locator("main").get_by_role("link", name=danish("Make an account")).click()
    page.wait_for_url("**/signup")
    ui.check()

    page.get_by_label(danish("Your name")).fill("Nora Jensen")
    page.locator("input[name=email]").fill(new_email("nora"))
    page.get_by_label(danish("Choose a password")).fill("min lange adgangskode")
    page.get_by_role("button", name=danish("Make my account")).click()

    page.wait_for_url(re.compile(r"/privacy/accept"))
    ui.accept_privacy()
    ui.check()

    assert page.url == ui.url("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hej Nora")
    expect(page.get_by_role("navigation", name=danish("Main menu"))).to_be_visible()
    assert ui.lang() == "da"


def test_language_switch_to_english_is_remembered(ui, danish):
    """The footer's "English" button turns the app English (lang="en"), it stays English after
    a reload, and ?lang=da turns it Danish again."""
    page = ui.page
    ui.visit("/")
    assert ui.lang() == "da"
    danish_title = danish("Your place to meet, get help and do fun things")
    expect(page.get_by_role("heading", level=1)).to_have_text(danish_title)

    page.locator("footer").get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    ui.settled()
    ui.check()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your place to meet, get help and do fun things")
    expect(page.locator("header").get_by_role("link", name="Log in", exact=True)).to_be_visible()
    expect(page.locator("footer").get_by_role("button", name="Dansk")).to_have_attribute("lang", "da")

    page.reload()
    ui.check()
    assert ui.lang() == "en"
    expect(page.get_by_role("heading", level=1)).to_have_text("Your place to meet, get help and do fun things")

    # Other pages are English too.
    ui.visit("/login")
    assert ui.lang() == "en"
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")

    ui.visit("/?lang=da")
    assert ui.lang() == "da"
    expect(page.get_by_role("heading", level=1)).to_have_text(danish_title)
    ui.visit("/login")
    assert ui.lang() == "da"


def test_wrong_password_shows_danish_error_and_keeps_email(ui, danish):
    """A wrong password answers 422; htmx swaps the re-rendered form in (one page, not a page
    inside the page) with the Danish error in the focused error summary, the e-mail still typed
    and the password field empty."""
    page = ui.page
    ui.visit("/login")
    page.locator("input[name=email]").fill("ung@example.org")
    page.get_by_label(danish("Password"), exact=True).fill("not the password")
    with page.expect_response(lambda r: r.url.endswith("/login") and r.request.method == "POST") as answer:
        page.get_by_role("button", name=danish("Log in"), exact=True).click()
    response = answer.value
    assert response.status == 422
    assert response.request.headers.get("hx-request") == "true", "the form should be boosted by htmx"

    summary = page.locator("main [data-error-summary]")
    expect(summary).to_contain_text(danish("The e-mail or the password is not right."))
    expect(summary).to_be_focused()
    ui.check()
    assert page.url == ui.url("/login")
    assert ui.lang() == "da"
    expect(page.locator("input[name=email]")).to_have_value("ung@example.org")
    expect(page.locator("input[name=password]")).to_have_value("")
    expect(page.locator("main")).to_have_count(1)
    expect(page.get_by_role("heading", level=1)).to_have_count(1)

    # The swapped-in form still works: the right password now logs in.
    page.get_by_label(danish("Password"), exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name=danish("Log in"), exact=True).click()
    page.wait_for_url(lambda url: "/login" not in url)
    ui.settled()
    ui.check()
    if "/privacy/accept" in page.url:  # depends on whether another test logged Sara in first
        ui.accept_privacy()
        ui.check()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hej Sara")


def test_staff_invites_a_young_person_who_starts_from_the_link(ui, browse, danish):
    """Staff invite a young person and get a link and a QR code (an inline SVG); the young
    person opens the link on their own phone, chooses a password, accepts the privacy notice
    and lands on their home."""
    page = ui.page
    ui.log_in("personale@example.org")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hej Louise")
    expect(page.locator("nav.tabbar")).to_have_count(0)  # staff get the top menu

    page.locator("main").get_by_role("link", name=danish("Invite someone")).click()
    page.wait_for_url("**/staff/people/invite")
    ui.check()

    email = new_email("emil")
    page.get_by_label(danish("Name"), exact=True).fill("Emil Sørensen")
    page.locator("input[name=email]").fill(email)
    page.get_by_label(danish("Role"), exact=True).select_option(label=danish("Young person"))
    with page.expect_response(lambda r: "/staff/people/invite" in r.url and r.request.method == "POST") as answer:
        page.get_by_role("button", name=danish("Make the link")).click()
    assert answer.value.status == 200
    ui.settled()
    ui.check()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Emil Sørensen")
    qr = page.get_by_role("img", name=danish("QR code for the link"))
    expect(qr.locator("svg")).to_be_visible()
    box = qr.locator("svg").bounding_box()
    assert box and box["width"] >= 100 and box["height"] >= 100, f"QR code too small to scan: {box}"
    link = page.get_by_label(danish("The link"), exact=True).input_value()
    assert link.startswith(ui.url("/welcome/")), link

    # The young person, on their own phone.
    phone = browse()
    phone.page.goto(link)
    phone.check()
    p = phone.page
    expect(p.get_by_role("heading", level=1)).to_have_text(danish("Welcome to Ungehub, %(name)s") % {"name": "Emil"})
    expect(p.locator("main")).to_contain_text(email)
    p.get_by_label(danish("New password"), exact=True).fill("emils hemmelige ord")
    p.get_by_label(danish("The same password again")).fill("emils hemmelige ord")
    p.get_by_role("button", name=danish("Save password")).click()
    p.wait_for_url(re.compile(r"/privacy/accept"))
    phone.accept_privacy()
    phone.check()
    assert p.url == phone.url("/")
    expect(p.get_by_role("heading", level=1)).to_have_text("Hej Emil")
    expect(p.get_by_role("navigation", name=danish("Main menu"))).to_be_visible()

    # The link works once.
    second = browse()
    answer = second.page.goto(link)
    second.check()
    assert answer.status == 404, answer.status
    expect(second.page.get_by_role("alert")).to_contain_text(
        danish("This link has been used or is too old. Ask the staff at the hub for a new one.")
    )


def test_after_logging_out_back_shows_nothing_private(ui, danish):
    """On a shared phone: after "Log out", the Back button must not bring the person's own
    pages back from any cache; the app asks for a login instead."""
    page = ui.page
    ui.log_in("mads@example.org")
    page.get_by_role("navigation", name=danish("Main menu")).get_by_role("link", name=danish("Me")).click()
    page.wait_for_url("**/me")
    ui.settled()
    ui.check()
    expect(page.locator("main")).to_contain_text("mads@example.org")

    page.get_by_role("button", name=danish("Log out")).click()
    page.wait_for_url(ui.url("/"))
    expect(page.locator("header").get_by_role("link", name=danish("Log in"), exact=True)).to_be_visible()
    ui.settled()
    ui.check()
    expect(page.locator("nav.tabbar")).to_have_count(0)

    page.go_back()
    ui.settled()
    expect(page.locator("main")).not_to_contain_text("mads@example.org")
    expect(page.get_by_role("heading", level=1)).not_to_have_text("Mads Kristensen")
    ui.check()
    page.go_back()
    ui.settled()
    expect(page.locator("main")).not_to_contain_text("Hej Mads")
    ui.check()


def test_page_language_follows_the_text_after_an_htmx_navigation(ui, danish):
    """The page's lang attribute always matches its text, also after an htmx-boosted
    navigation: with the app open in two tabs, switching to English in one and then following
    a link in the other shows English text marked lang="en" (screen readers pick their voice
    from it)."""
    first = ui
    first.visit("/")
    second = first.new_tab()
    second.visit("/")
    assert second.lang() == "da"

    first.page.locator("footer").get_by_role("button", name="English").click()
    expect(first.page.locator("html")).to_have_attribute("lang", "en")
    first.settled()
    first.check()

    page = second.page
    page.locator("header").get_by_role("link", name=danish("Log in"), exact=True).click()
    page.wait_for_url("**/login")
    second.settled()
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")  # the text is English now
    second.check()
    assert second.lang() == "en", f"English text in a page marked lang={second.lang()!r}"
