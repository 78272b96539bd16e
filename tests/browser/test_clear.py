"""Clear where it matters most, on a phone in Chromium, in Danish and English.

- Urgent help says one true thing: the form says exactly who is told and how fast (from the duty
  roster and the opening hours), the receipt after sending says the same words, and staff see the
  urgent message on its own clock (minutes waited, when it escalates), not a topic's reply norm.
- A seat offer cannot be missed or confused: it is the first card on the home page and on the
  event page, with its deadline; "Yes, I'll take the seat" and "Give the seat to someone else" work
  from their buttons; the "want a reminder?" card never shows under a released booking.

Everything here writes, so each test runs on a server of its own (`own_server`). The state a
test needs (an offer, a closed hub, a message that has waited) is made with the app's own
services on the server's database, as a second person or the clock would make it.
"""

from __future__ import annotations

import contextlib
import re
from datetime import datetime, time, timedelta

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixtures skip (or fail) with the reason
    expect = None

pytestmark = pytest.mark.browser

SARA, MADS, STAFF = "ung@example.org", "mads@example.org", "personale@example.org"
YOGA = "Yoga for begyndere"  # full (6 of 6) with Mads on the waitlist
CV_WORKSHOP = "Jobsøgning: dit første CV"  # a workshop in 8 days; nobody has booked it
THREAD = re.compile(r"/messages/\d+(#latest)?$")
BOOKING = re.compile(r"/bookings/(\d+)$")


@contextlib.contextmanager
def server_session(server):
    """The app's own services on the server's database (committed at the end)."""
    from hub import create_app
    from hub.db import job_session
    from tests.conftest import app_config

    app = create_app(app_config(f"sqlite:///{server.database}", server.database.parent))
    try:
        with app.app_context(), job_session() as session:
            yield session
    finally:
        app.extensions["hub_engine"].dispose()


def statement(page) -> str:
    """The one statement of who is told, as the person reads it."""
    found = page.locator("#urgent-who > p")
    expect(found).to_have_count(1)
    return " ".join(found.inner_text().split())


def send_urgent(ui, words: str) -> None:
    form = ui.page.locator("main form[action$='/help/urgent']")
    form.locator("textarea[name=body]").fill(words)
    form.locator("button[type=submit]").click()
    ui.page.wait_for_url(THREAD)
    ui.settled()
    ui.check()


# --- urgent help --------------------------------------------------------------------------------------


def test_urgent_form_and_receipt_say_the_same_in_danish_and_english(browse, own_server, danish):
    """The demo has Louise on duty: the form says she gets a notification at once and the rest of
    the staff after 10 minutes (and nothing about the hub being closed); the receipt in the thread
    says the very same words, in Danish and then in English."""
    sara = browse(server=own_server)
    sara.log_in(SARA)
    page = sara.page

    sara.visit("/help/urgent")
    said = statement(page)
    assert said == (
        "Louise er på vagt og får besked med det samme. "
        "Svarer ingen inden for 10 minutter, får resten af personalet besked."
    )
    expect(page.locator("main")).not_to_contain_text(danish("The hub is closed right now."))
    send_urgent(sara, "Jeg tør ikke gå hjem i aften.")
    expect(page.locator("#flashes")).to_contain_text(danish("Your urgent message is sent."))
    assert statement(page) == said
    expect(page.locator("#thread-live .msg-urgent")).to_contain_text(danish("If someone is in danger, call 112."))

    sara.visit("/help/urgent?lang=en")
    said = statement(page)
    assert said == (
        "Louise is on duty and gets a notification at once. "
        "If nobody answers within 10 minutes, the rest of the staff are told."
    )
    send_urgent(sara, "Are you there?")  # the open urgent conversation gets the words
    expect(page.locator("#flashes")).to_contain_text("Your urgent message is sent.")
    assert statement(page) == said
    expect(page.locator("#thread-live")).to_contain_text("Are you there?")


def close_the_hub(server) -> None:
    """Nobody on duty, and the hub open tomorrow only, 13-21."""
    from sqlmodel import select

    from hub.db import utcnow
    from hub.messages.hours import AARHUS
    from hub.messages.models import DutyShift, OpeningHours

    tomorrow = (datetime.now(AARHUS) + timedelta(days=1)).weekday()
    with server_session(server) as s:
        for shift in s.exec(select(DutyShift)):
            shift.until = min(shift.until, utcnow() - timedelta(minutes=1))
        for row in s.exec(select(OpeningHours)):
            open_day = row.weekday == tomorrow
            row.opens, row.closes = (time(13), time(21)) if open_day else (None, None)


def test_urgent_when_the_hub_is_closed_says_when_it_is_read_and_where_to_call(browse, own_server):
    close_the_hub(own_server)
    sara = browse(server=own_server)
    sara.log_in(SARA)
    page = sara.page
    sara.visit("/help/urgent")
    said = statement(page)
    assert said.startswith(
        "Hubben er lukket, og ingen er på vagt. Personalet får besked, men læser den måske først, "
        "når vi åbner i morgen kl. 13.00."
    ), said
    assert "Er du i fare lige nu, så ring 112 eller til en hjælpelinje." in said
    calls = page.locator("#urgent-who a[href^='tel:']")
    assert calls.count() >= 1, "the help lines open now, under the statement"
    expect(page.locator("main")).not_to_contain_text("på vagt og får besked med det samme")
    send_urgent(sara, "Hjælp")
    assert statement(page) == said
    assert page.locator("#thread-live #urgent-who a[href^='tel:']").count() >= 1

    sara.visit("/help/urgent?lang=en")
    assert statement(page).startswith(
        "The hub is closed and nobody is on duty. The staff get a notification, but may not read it "
        "before we open tomorrow at 13:00."
    )


def test_staff_see_the_urgent_clock_not_the_reply_norm(browse, own_server):
    """An urgent message that has waited 7 minutes: the inbox, the staff home and the
    conversation say how long it has waited and when all staff are told, in Danish and English."""
    from sqlmodel import select

    from hub.messages.models import Conversation, Message

    sara = browse(server=own_server)
    sara.log_in(SARA)
    sara.visit("/help/urgent")
    send_urgent(sara, "Jeg har det rigtig skidt.")
    with server_session(own_server) as s:
        conversation = s.exec(
            select(Conversation).where(Conversation.urgent).order_by(Conversation.id.desc())
        ).first()  # the one just sent
        conversation.created_at -= timedelta(minutes=7)
        for message in s.exec(select(Message).where(Message.conversation_id == conversation.id)):
            message.created_at -= timedelta(minutes=7)
        conversation_id = conversation.id

    louise = browse(server=own_server)
    louise.log_in(STAFF)
    page = louise.page
    waited_da = re.compile(
        r"Har ventet [78] minutter\.\s+Hele personalet får besked i dag kl\. \d\d\.\d\d \(om [23] minutter\)"
    )
    louise.visit("/staff/messages")
    row = page.locator(".inbox-list > li.inbox-row--urgent").first
    expect(row.locator(".urgent-clock")).to_have_text(waited_da)
    expect(page.locator(".inbox-list")).not_to_contain_text("lovet")
    louise.visit("/")
    expect(page.locator("#home-messages .urgent-clock").first).to_have_text(waited_da)
    louise.visit(f"/staff/messages/{conversation_id}")
    expect(page.locator("#urgent-clock")).to_have_text(waited_da)
    box = page.locator("#urgent-clock").bounding_box()
    assert box and box["y"] < 844, "the clock is on the first screen of the phone"

    louise.visit(f"/staff/messages/{conversation_id}?lang=en")
    expect(page.locator("#urgent-clock")).to_have_text(
        re.compile(r"Waited [78] minutes\.\s+All staff are told today at \d\d:\d\d \(in [23] minutes\)")
    )
    louise.visit("/staff/messages")
    expect(page.locator(".inbox-list > li.inbox-row--urgent").first.locator(".urgent-clock")).to_contain_text(
        "All staff are told today at"
    )
    expect(page.locator(".inbox-list")).not_to_contain_text("promised")


# --- a seat offer ------------------------------------------------------------------------------------


def offer_yoga_seats(server, *, also_sara: bool) -> int:
    """Sara (optionally) joins the Yoga waitlist behind Mads; then people with a seat release
    theirs, one per person waiting, and the seats are offered. Returns Yoga's id."""
    from sqlmodel import select

    from hub.accounts.models import User
    from hub.events import services
    from hub.events.models import Booking, BookingStatus, Event

    with server_session(server) as s:
        yoga = s.exec(select(Event).where(Event.title == YOGA)).one()
        if also_sara:
            sara = s.exec(select(User).where(User.email == SARA)).one()
            assert services.book(s, actor=sara, event_id=yoga.id).status == BookingStatus.WAITLISTED
        waiting = s.exec(
            select(Booking).where(Booking.event_id == yoga.id, Booking.status == BookingStatus.WAITLISTED)
        ).all()
        seats = s.exec(
            select(Booking).where(Booking.event_id == yoga.id, Booking.status == BookingStatus.CONFIRMED)
        ).all()
        for seat in seats[: len(waiting)]:
            services.cancel(s, actor=s.get(User, seat.user_id), booking_id=seat.id)
        offered = s.exec(
            select(Booking).where(Booking.event_id == yoga.id, Booking.status == BookingStatus.OFFERED)
        ).all()
        assert len(offered) == len(waiting), "each person waiting is offered a seat"
        return yoga.id


def first_card(page):
    return page.locator("main .card").first


def expect_offer_first(ui, path: str, yes: str, no: str) -> None:
    page = ui.page
    ui.visit(path)
    card = first_card(page)
    expect(card).to_have_class(re.compile(r"\boffer-card\b"))
    expect(card.get_by_role("button", name=yes)).to_be_visible()
    expect(card.get_by_role("button", name=no)).to_be_visible()
    box = card.bounding_box()
    assert box and box["y"] < 300, f"the offer starts at the top of the phone's screen: {box}"


def test_the_offer_comes_first_and_yes_takes_the_seat_in_danish(browse, own_server, danish):
    yoga = offer_yoga_seats(own_server, also_sara=False)
    mads = browse(server=own_server)
    mads.log_in(MADS)
    page = mads.page
    yes, no = "Ja, jeg tager pladsen", "Giv pladsen videre"

    expect_offer_first(mads, "/", yes, no)
    card = first_card(page)
    expect(card.get_by_role("heading", level=2)).to_have_text(danish("A seat is free for you!"))
    deadline = re.compile(r"Sig ja inden \w+ \d+\. \w+ kl\. \d\d\.\d\d\s+\(om \d+ time")
    expect(card.locator(".offer__deadline")).to_have_text(deadline)
    expect(card).to_contain_text(YOGA)
    expect(page.get_by_role("button", name="Nej tak")).to_have_count(0)  # nothing to mistake the "no" for
    yes_box = card.get_by_role("button", name=yes).bounding_box()
    no_box = card.get_by_role("button", name=no).bounding_box()
    assert no_box["y"] >= yes_box["y"] + yes_box["height"] + 16, "the no sits apart, under the yes"
    expect(page.locator("#home-coming-up")).not_to_contain_text(YOGA)  # not listed twice

    expect_offer_first(mads, f"/events/{yoga}", yes, no)
    expect(page.locator("#event-action")).to_have_count(0)  # the offer is answered at the top only

    mads.visit("/")
    first_card(page).get_by_role("button", name=yes).click()
    page.wait_for_url(BOOKING)
    mads.settled()
    mads.check()
    expect(page.locator("#place")).to_have_class(re.compile(r"\bplace--confirmed\b"))
    expect(page.locator("#flashes .flash--success")).to_have_count(1)
    mads.visit("/")
    expect(page.locator(".offer-card")).to_have_count(0)
    expect(page.locator("#home-coming-up")).to_contain_text(YOGA)


def test_the_offer_comes_first_and_no_gives_the_seat_away_in_english(browse, own_server):
    yoga = offer_yoga_seats(own_server, also_sara=True)
    sara = browse(server=own_server)
    sara.log_in(SARA)
    page = sara.page
    sara.visit("/?lang=en")
    yes, no = "Yes, I'll take the seat", "Give the seat to someone else"

    expect_offer_first(sara, "/", yes, no)
    card = first_card(page)
    expect(card.locator(".offer__deadline")).to_have_text(
        re.compile(r"Say yes before \w+ \d+ \w+, \d\d:\d\d\s+\(in \d+ hour")
    )
    expect(page.get_by_role("button", name="No thanks")).to_have_count(0)
    expect_offer_first(sara, f"/events/{yoga}", yes, no)

    sara.visit("/")
    first_card(page).get_by_role("button", name=no).click()
    page.wait_for_url(BOOKING)
    sara.settled()
    sara.check()
    expect(page.locator("#place")).to_have_class(re.compile(r"\bplace--released\b"))
    expect(page.locator(".push-offer")).to_have_count(0)  # no reminder for a seat given away
    sara.visit("/")
    expect(page.locator(".offer-card")).to_have_count(0)


def event_id(server, title: str) -> int:
    from sqlmodel import select

    from hub.events.models import Event

    with server_session(server) as s:
        return s.exec(select(Event.id).where(Event.title == title)).one()


def test_no_reminder_card_for_a_released_booking(browse, own_server):
    """A seat ahead offers a reminder under the place; once the seat is released, the card is gone."""
    workshop = event_id(own_server, CV_WORKSHOP)
    sara = browse(server=own_server)
    sara.log_in(SARA)
    page = sara.page
    sara.visit(f"/events/{workshop}?lang=en")
    page.locator("#event-action form[action$='/book'] button[type=submit]").click()
    page.wait_for_url(BOOKING)
    sara.settled()
    sara.check()
    expect(page.locator("#place")).to_have_class(re.compile(r"\bplace--confirmed\b"))
    expect(page.locator(".push-offer")).to_have_count(1)  # a seat ahead: a reminder is offered
    assert page.locator(".push-offer").evaluate(
        "(card) => !!(document.querySelector('#place').compareDocumentPosition(card)"
        " & Node.DOCUMENT_POSITION_FOLLOWING)"
    ), "the reminder sits under the place, never above it"
    page.locator("#place form[action$='/cancel'] button[type=submit]").click()
    expect(page.locator("#place")).to_have_class(re.compile(r"\bplace--released\b"))
    sara.settled()
    sara.check()
    expect(page.locator(".push-offer")).to_have_count(0)
    page.reload()
    sara.check()
    expect(page.locator(".push-offer")).to_have_count(0)
