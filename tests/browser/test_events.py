"""Events in a real browser: a young person books, shows the ticket and releases the place;
the waitlist; staff plan an event and take attendance; the staff form's errors.

The Danish catalogue for the event pages is still being filled in, so these tests find things
by role, id, href and input name, and use the Danish copy only where it is in the catalogue
already. Booking state matters here, so the tests that change it run on a server of their own
(`own_server`: a fresh copy of the demo database) and never on the shared one.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.browser.conftest import poll

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixtures skip (or fail) with the reason
    expect = None

pytestmark = pytest.mark.browser

AARHUS = ZoneInfo("Europe/Copenhagen")
CV_WORKSHOP = "Jobsøgning: dit første CV"  # a workshop in 8 days; nobody has booked it
YOGA = "Yoga for begyndere"  # full (6 of 6) with Mads on the waitlist
COOKING = "Mad for en SU"  # today 17:00; Sara has a place
BOOKING_URL = re.compile(r"/bookings/(\d+)$")


def tomorrow_at(hour: int, minute: int = 0) -> datetime:
    """Tomorrow at this wall-clock time in Aarhus, whatever the machine's own zone."""
    day = datetime.now(AARHUS).date() + timedelta(days=1)
    return datetime.combine(day, time(hour, minute), tzinfo=AARHUS)


def local_input(moment: datetime) -> str:
    """The value a datetime-local input holds."""
    return moment.strftime("%Y-%m-%dT%H:%M")


def main_menu(ui, danish):
    return ui.page.get_by_role("navigation", name=danish("Main menu"))


def event_card(page, title: str):
    """The card of one event on the list (an <article> with the title as its heading)."""
    return page.locator("article.event-card").filter(has=page.get_by_role("heading", name=title, exact=True))


def open_event_from_list(ui, title: str) -> None:
    """Tap the card's button to the event page (not the map link beside the address)."""
    page = ui.page
    event_card(page, title).locator("a.button[href^='/events/']").click()
    page.wait_for_url(re.compile(r"/events/\d+$"))
    ui.settled()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    ui.check()


def tap_and_land(ui, button, url) -> None:
    """Tap a button whose answer is an htmx redirect, and wait for the page it leads to."""
    button.click()
    ui.page.wait_for_url(url)
    ui.settled()


def test_young_person_books_shows_the_ticket_and_releases_the_place(browse, own_server, danish):
    """Sara opens the Events tab, filters on workshops, opens the CV workshop and books it with
    one tap: she lands on her booking with a QR ticket and its code. "My bookings" lists it
    under coming up; she opens it, releases the place with one tap, is told it is released,
    and "My bookings" no longer lists it as coming up (only under earlier)."""
    ui = browse(server=own_server)
    page = ui.page
    ui.log_in("ung@example.org")

    # The Events tab in the bottom tab bar.
    tabs = main_menu(ui, danish)
    expect(tabs).to_be_visible()
    tabs.locator("a[href='/events']").click()
    page.wait_for_url(ui.url("/events"))
    ui.settled()
    ui.check()
    expect(main_menu(ui, danish).locator("a[href='/events']")).to_have_attribute("aria-current", "page")
    expect(event_card(page, YOGA)).to_have_count(1)  # everything is listed before filtering

    # The workshop chip: htmx swaps the list and puts the filter in the address.
    chip = page.locator("#events nav.chips a[href='/events?category=workshop']")
    chip.click()
    page.wait_for_url(ui.url("/events?category=workshop"))
    ui.settled()
    expect(page.locator("#events nav.chips a[href='/events?category=workshop']")).to_have_attribute(
        "aria-current", "true"
    )
    expect(event_card(page, CV_WORKSHOP)).to_have_count(1)
    expect(event_card(page, YOGA)).to_have_count(0)  # a health event, filtered out
    ui.check()
    kinds = page.locator("#events article.event-card .event-card__category").all_inner_texts()
    assert len(kinds) >= 2 and len(set(kinds)) == 1, f"only workshops should be left: {kinds}"

    # The event page, and one tap on the booking button.
    open_event_from_list(ui, CV_WORKSHOP)
    event_url = page.url
    book = page.locator("#event-action form[action$='/book'] button[type=submit]")
    expect(book).to_have_count(1)
    tap_and_land(ui, book, BOOKING_URL)
    booking_path = "/bookings/" + BOOKING_URL.search(page.url).group(1)
    ui.check()

    # The confirmation: a seat, and a ticket with a scannable QR code and its code.
    expect(page.get_by_role("heading", level=1)).to_have_text(CV_WORKSHOP)
    expect(page.locator("#flashes .flash--success")).to_have_count(1)
    expect(page.locator("#place")).to_have_class(re.compile(r"\bplace--confirmed\b"))
    qr = page.locator(".ticket .qr svg")
    expect(qr).to_be_visible()
    box = qr.bounding_box()
    assert box and box["width"] >= 100 and box["height"] >= 100, f"QR code too small to scan: {box}"
    code = page.locator(".ticket .ticket__code code")
    expect(code).to_have_text(re.compile(r"^\S{8,}$"))
    ticket_code = code.inner_text()

    # "My bookings" lists it as coming up.
    page.locator("main a[href='/my/bookings']").first.click()
    page.wait_for_url(ui.url("/my/bookings"))
    ui.settled()
    ui.check()
    coming_up = page.locator("ul.place-list:not(.place-list--earlier)")
    listed = coming_up.locator(f"a[href='{booking_path}']")
    expect(listed).to_have_count(1)
    expect(listed).to_contain_text(CV_WORKSHOP)

    # Open it: the same ticket.
    listed.click()
    page.wait_for_url(ui.url(booking_path))
    ui.settled()
    ui.check()
    expect(page.locator(".ticket .ticket__code code")).to_have_text(ticket_code)

    # Release the place with one tap.
    release = page.locator(f"#place form[action='{booking_path}/cancel'] button[type=submit]")
    expect(release).to_have_count(1)
    release.click()
    expect(page.locator("#place")).to_have_class(re.compile(r"\bplace--released\b"))
    ui.settled()
    ui.check()
    assert page.url == ui.url(booking_path)
    expect(page.locator("#flashes .flash--success")).to_have_count(1)
    expect(page.locator(".ticket")).to_have_count(0)  # no ticket without a seat
    expect(page.locator("#place form")).to_have_count(0)  # nothing more to release

    # Not coming up any more; it is under earlier. Sara's cooking evening is still coming up
    # (unless the run is after it ended, tonight at 19:30).
    page.locator("main a[href='/my/bookings']").first.click()
    page.wait_for_url(ui.url("/my/bookings"))
    ui.settled()
    ui.check()
    expect(page.locator(f"ul.place-list:not(.place-list--earlier) a[href='{booking_path}']")).to_have_count(0)
    expect(page.locator(f"ul.place-list--earlier a[href='{booking_path}']")).to_have_count(1)

    # The event page offers to book again.
    ui.visit(event_url.removeprefix(own_server.url))
    expect(page.locator("#event-action form[action$='/book'] button[type=submit]")).to_have_count(1)


def test_full_event_puts_the_young_person_on_the_waitlist(browse, own_server):
    """Yoga is full and Mads is already waiting: Sara joins the waitlist with one tap and is
    told she is number 2, on the booking page and in "My bookings"."""
    ui = browse(server=own_server)
    page = ui.page
    ui.log_in("ung@example.org")
    ui.visit("/events")
    open_event_from_list(ui, YOGA)

    join = page.locator("#event-action form[action$='/book'] button[type=submit]")
    expect(join).to_have_count(1)
    tap_and_land(ui, join, BOOKING_URL)
    booking_path = "/bookings/" + BOOKING_URL.search(page.url).group(1)
    ui.check()

    expect(page.get_by_role("heading", level=1)).to_have_text(YOGA)
    place = page.locator("#place")
    expect(place).to_have_class(re.compile(r"\bplace--waitlisted\b"))
    expect(place.get_by_role("heading", level=2)).to_have_text(re.compile(r"(?<!\d)2(?!\d)"))
    expect(page.locator("#flashes .flash--info")).to_have_text(re.compile(r"(?<!\d)2(?!\d)"))
    expect(page.locator(".ticket")).to_have_count(0)  # a ticket comes with a seat
    expect(place.locator(f"form[action='{booking_path}/cancel'] button[type=submit]")).to_have_count(1)

    ui.visit("/my/bookings")
    listed = page.locator(f"ul.place-list:not(.place-list--earlier) a[href='{booking_path}']")
    expect(listed).to_contain_text(YOGA)
    expect(listed.locator(".status--waiting")).to_have_text(re.compile(r"(?<!\d)2(?!\d)"))


def test_staff_plan_an_event_and_check_a_young_person_in(browse, own_server, danish):
    """Staff plan an event for tomorrow (title, kind, start and end in Aarhus time, place,
    places) and find it on the events list; then they open the attendance list of the cooking
    evening and tap Sara: her row swaps in place (htmx) and shows her as here, the count goes
    up, and after a reload she is still here."""
    ui = browse(server=own_server)
    page = ui.page
    ui.log_in("personale@example.org")
    expect(page.locator("nav.tabbar")).to_have_count(0)  # staff get the top menu

    main_menu(ui, danish).locator("a[href='/staff/events']").click()
    page.wait_for_url(ui.url("/staff/events"))
    ui.settled()
    ui.check()
    page.locator("main a[href='/staff/events/new']").click()
    page.wait_for_url(ui.url("/staff/events/new"))
    ui.settled()
    ui.check()

    title = "Brætspil og kage"
    starts, ends = tomorrow_at(19), tomorrow_at(21, 30)
    form = page.locator("main form[action='/staff/events/new']")
    form.locator("input[name=title]").fill(title)
    form.locator("select[name=category]").select_option("community")
    form.locator("input[name=starts_at]").fill(local_input(starts))
    form.locator("input[name=ends_at]").fill(local_input(ends))
    form.locator("input[name=place]").fill("Ungehub, stuen")
    form.locator("input[name=capacity]").fill("14")
    with page.expect_response(lambda r: r.url.endswith("/staff/events/new") and r.request.method == "POST") as answer:
        form.locator("button[type=submit]").click()
    assert answer.value.status == 204, answer.value.status  # an htmx redirect to the event
    page.wait_for_url(re.compile(r"/staff/events/\d+$"))
    ui.settled()
    ui.check()
    detail_path = page.url.removeprefix(own_server.url)

    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.locator("#flashes .flash--success")).to_have_count(1)
    # The times were read as Aarhus time, whatever zone the browser or the server is in.
    expect(page.locator(".page-head time")).to_have_attribute("datetime", starts.astimezone(UTC).isoformat())
    expect(page.locator(".page-head")).to_contain_text("kl. 19.00–21.30")  # the Danish clock

    # On the list of events.
    page.locator("main a[href='/staff/events']").last.click()
    page.wait_for_url(ui.url("/staff/events"))
    ui.settled()
    ui.check()
    row = page.locator("li.event-item").filter(has=page.locator(f"a[href='{detail_path}']"))
    expect(row).to_have_count(1)
    expect(row).to_contain_text(title)
    expect(row).to_contain_text("14")

    # Attendance for the cooking evening, where Sara has a place.
    cooking = page.locator("li.event-item").filter(has=page.get_by_text(COOKING, exact=True))
    expect(cooking).to_have_count(1)
    cooking.locator("a[href$='/attendance']").click()
    page.wait_for_url(re.compile(r"/staff/events/\d+/attendance$"))
    ui.settled()
    ui.check()
    attendance_url = page.url
    expect(page.get_by_role("heading", level=1)).to_have_text(COOKING)

    sara = page.locator("li.attendee").filter(has_text="Sara Nielsen")
    expect(sara).to_have_count(1)
    expect(sara).not_to_have_class(re.compile(r"\battendee--here\b"))
    expect(page.locator("#attendance-summary strong")).to_have_text(re.compile(r"^\s*0(?!\d)"))
    row_id = sara.get_attribute("id")
    assert row_id and row_id.startswith("booking-"), row_id

    with page.expect_response(lambda r: r.url.endswith("/check-in") and r.request.method == "POST") as answer:
        sara.get_by_role("button").click()
    assert answer.value.status == 200, answer.value.status
    assert answer.value.request.headers.get("hx-request") == "true", "the row should be swapped by htmx"
    ui.settled()
    here = page.locator(f"#{row_id}")
    expect(here).to_have_class(re.compile(r"\battendee--here\b"))
    expect(here.locator(".attendee__state--here")).to_be_visible()
    expect(here.locator("form[action$='/undo-check-in']")).to_have_count(1)  # a tap undoes it
    expect(page.locator("#attendance-summary strong")).to_have_text(re.compile(r"^\s*1(?!\d)"))
    assert page.url == attendance_url  # swapped in place: no navigation
    ui.check()

    page.reload()
    ui.check()
    here = page.locator(f"#{row_id}")
    expect(here).to_have_class(re.compile(r"\battendee--here\b"))
    expect(page.locator("#attendance-summary strong")).to_have_text(re.compile(r"^\s*1(?!\d)"))


def test_staff_event_form_explains_bad_input_and_keeps_it(browse, danish):
    """Places 0 and an end before the start: the form answers 422, htmx swaps it in with a
    message at each field (tied to it for screen readers) and everything typed is still there.
    Nothing is planned, so the shared server is fine (as Jonas, whom no other test uses)."""
    ui = browse()
    page = ui.page
    ui.log_in("jonas@example.org")
    ui.visit("/staff/events/new")

    title = "Cykeltur til Moesgaard"
    starts, ends = tomorrow_at(18), tomorrow_at(17)
    form = page.locator("main form[action='/staff/events/new']")
    form.locator("input[name=title]").fill(title)
    form.locator("select[name=category]").select_option("excursion")
    form.locator("input[name=starts_at]").fill(local_input(starts))
    form.locator("input[name=ends_at]").fill(local_input(ends))
    form.locator("input[name=place]").fill("Foran hubben")
    form.locator("input[name=capacity]").fill("0")
    with page.expect_response(lambda r: r.url.endswith("/staff/events/new") and r.request.method == "POST") as answer:
        form.locator("button[type=submit]").click()
    response = answer.value
    assert response.status == 422, response.status
    assert response.request.headers.get("hx-request") == "true", "the form should be boosted by htmx"

    # The error summary at the top of the form, focused, with a link to each wrong field.
    summary = page.locator("main [data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("heading")).to_have_text(danish("There is a problem"))
    expect(summary.locator("a")).to_have_count(2)
    expect(summary.locator("a[href='#capacity']")).to_contain_text("500")
    expect(summary.locator("a[href='#ends_at']")).to_have_count(1)
    ui.settled()
    ui.check()
    assert page.url == ui.url("/staff/events/new")
    expect(page.locator("main")).to_have_count(1)  # the page swapped, not a page inside the page
    expect(page.get_by_role("heading", level=1)).to_have_count(1)

    # A message at each wrong field, described by it; none at the right ones.
    for name in ("capacity", "ends_at"):
        field = page.locator(f"main form [name={name}]")
        expect(field).to_have_attribute("aria-invalid", "true")
        expect(field).to_have_attribute("aria-describedby", re.compile(rf"\b{name}-error\b"))
        expect(page.locator(f"#{name}-error")).to_be_visible()
        expect(page.locator(f"#{name}-error")).not_to_be_empty()
    expect(page.locator("#capacity-error")).to_contain_text("500")  # "from 1 to 500 places"
    for name in ("title", "starts_at", "place", "category"):
        expect(page.locator(f"main form [name={name}]")).not_to_have_attribute("aria-invalid", "true")
    expect(page.locator(".field__error")).to_have_count(2)

    # What was typed is still there.
    form = page.locator("main form[action='/staff/events/new']")
    expect(form.locator("input[name=title]")).to_have_value(title)
    expect(form.locator("select[name=category]")).to_have_value("excursion")
    expect(form.locator("input[name=starts_at]")).to_have_value(local_input(starts))
    expect(form.locator("input[name=ends_at]")).to_have_value(local_input(ends))
    expect(form.locator("input[name=place]")).to_have_value("Foran hubben")
    expect(form.locator("input[name=capacity]")).to_have_value("0")


def add_events_a_day_apart(server, count: int, first_day: int) -> list[str]:
    """`count` workshops at 18:00 in Aarhus, one a day from `first_day` days ahead; their titles."""
    from hub import create_app
    from hub.db import job_session
    from tests.conftest import app_config
    from tests.events.helpers import make_event

    app = create_app(app_config(f"sqlite:///{server.database}", server.database.parent))
    today = datetime.now(AARHUS).date()
    titles = [f"Aftenværksted nr. {n}" for n in range(1, count + 1)]
    try:
        with app.app_context(), job_session() as session:
            for offset, title in enumerate(titles):
                day = today + timedelta(days=first_day + offset)
                make_event(session, title=title, starts_at=datetime.combine(day, time(18), tzinfo=AARHUS))
    finally:
        app.extensions["hub_engine"].dispose()
    return titles


def test_a_long_list_comes_in_pages_and_the_next_one_opens_at_its_top(browse, own_server, danish):
    """With more events than a page holds, the list ends with a button to the later ones; htmx
    swaps the list, the address says where it starts, the page scrolls to the top, and a link
    leads back to today's events."""
    titles = add_events_a_day_apart(own_server, 30, first_day=40)  # after everything in the demo
    ui = browse(server=own_server)
    page = ui.page
    ui.log_in("ung@example.org")
    ui.visit("/events")
    headings = page.locator("#events article.event-card .event-card__title")
    first_page = headings.all_inner_texts()
    assert 20 <= len(first_page) < 20 + len(titles), first_page
    assert titles[-1] not in first_page

    more = page.locator("#events .events__more a.button")
    expect(more).to_have_count(1)
    more.scroll_into_view_if_needed()
    assert page.evaluate("window.scrollY") > 0
    more.click()
    page.wait_for_url(re.compile(r"/events\?start=\d{4}-\d{2}-\d{2}$"))
    ui.settled()
    poll(page, "window.scrollY", lambda y: y == 0, "the page scrolled to the top of the new list")
    second_page = headings.all_inner_texts()
    assert second_page and not set(second_page) & set(first_page), second_page
    assert set(second_page) <= set(titles)  # after everything in the demo: only the added ones
    ui.check()

    back = page.locator("#events a[href='/events']").filter(has_text=danish("Back to the events from today"))
    back.click()
    page.wait_for_url(ui.url("/events"))
    ui.settled()
    expect(headings).to_have_count(len(first_page))
    assert headings.all_inner_texts() == first_page
