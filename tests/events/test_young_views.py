"""The young person's side of events: browse, book, wait, answer an offer, release, calendar."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from icalendar import Calendar
from sqlalchemy import event as sa_event
from sqlmodel import select

from hub.credits import services as credits
from hub.db import utcnow
from hub.events.models import Booking, BookingStatus, EventStatus, Visibility
from tests.events.helpers import make_event
from tests.factories import DEFAULT_PASSWORD, make_user

pytestmark = pytest.mark.usefixtures("english")

WEDNESDAY_NOON = datetime(2027, 1, 13, 12, 0, tzinfo=UTC)  # 13:00 in Aarhus (winter time)
FEED_LINK = re.compile(r'value="http://localhost(/calendar/[\w-]+\.ics)"')


@pytest.fixture
def person(app, world):
    """A young person with a logged-in client of their own: `client, user = person()`."""

    def make(**overrides):
        with world() as s:
            user = make_user(s, **{"is_young": True, **overrides})
        client = app.test_client()
        response = client.post("/login", data={"email": user.email, "password": DEFAULT_PASSWORD})
        assert response.status_code == 303
        return client, user

    return make


def new_event(world, **values):
    with world() as s:
        return make_event(s, **values)


def book(client, event_id: int, **form) -> int:
    """Book and return the booking's id, read from where the answer sends us."""
    response = client.post(f"/events/{event_id}/book", data=form)
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    return int(response.headers["Location"].rsplit("/", 1)[1])


def text(response) -> str:
    return response.get_data(as_text=True)


def status_of(world, booking_id: int) -> str:
    with world() as s:
        return s.get(Booking, booking_id).status


# --- the list ---


def test_events_are_grouped_by_local_day_under_today_this_week_and_later(world, person):
    with time_machine.travel(WEDNESDAY_NOON, tick=False):
        new_event(world, title="Afternoon stretch", starts_at=WEDNESDAY_NOON + timedelta(hours=4))
        # 23:30 UTC on Wednesday is half past midnight on Thursday in Aarhus.
        new_event(world, title="Night walk", starts_at=WEDNESDAY_NOON + timedelta(hours=11, minutes=30))
        new_event(world, title="Company visit", starts_at=WEDNESDAY_NOON + timedelta(days=2))
        new_event(world, title="Career day", starts_at=WEDNESDAY_NOON + timedelta(days=6))
        new_event(world, title="Breakfast", starts_at=WEDNESDAY_NOON - timedelta(hours=4))  # over
        client, _ = person()
        body = text(client.get("/events?lang=en"))
    order = [
        'id="section-today"',
        "Afternoon stretch",
        'id="section-week"',
        "Thursday 14 January",
        "Night walk",
        "Friday 15 January",
        "Company visit",
        'id="section-later"',
        "Tuesday 19 January",
        "Career day",
    ]
    positions = [body.index(marker) for marker in order]
    assert positions == sorted(positions)
    assert "Breakfast" not in body
    assert "00:30" in body and "23:30" not in body  # Aarhus time (half past midnight), not UTC


def test_category_chips_filter_and_a_bad_category_is_a_clear_400(world, person):
    new_event(world, title="Budget workshop", category="workshop")
    new_event(world, title="Yoga for beginners", category="health")
    client, _ = person()
    body = text(client.get("/events?category=health&lang=en"))
    assert "Yoga for beginners" in body and "Budget workshop" not in body
    assert 'href="/events?category=health"' in body and 'aria-current="true"' in body
    response = client.get("/events?category=parties&lang=en")
    assert response.status_code == 400
    assert "We do not have that kind of event" in text(response)
    assert "Budget workshop" in text(response)  # and all the events, so there is a way on


def test_a_chip_asks_for_the_list_only(world, person):
    new_event(world, title="Budget workshop")
    client, _ = person()
    body = text(client.get("/events?category=workshop", headers={"HX-Request": "true"}))
    assert body.lstrip().startswith('<div id="events"') and "<html" not in body
    boosted = client.get("/events?category=workshop", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert "<html" in text(boosted)


def test_the_list_shows_seats_host_price_access_and_my_place(world, person, make):
    host = make.user(is_staff=True, name="Sara Hansen")
    full = new_event(world, title="Climbing", capacity=1, price_klip=2, accessibility="Step-free entrance")
    new_event(world, title="Cooking", capacity=5, host_id=host.id)
    new_event(world, title="Museum", host_name="ARoS", status=EventStatus.CANCELLED)
    first, first_user = person()
    with world() as s:
        credits.grant(s, user_id=first_user.id, amount=2, reason="Welcome", actor_id=None)
    book(first, full.id)
    client, _ = person()
    book(client, full.id)
    body = text(client.get("/events?lang=en"))
    assert "Full – join the waitlist" in body and "1 person waiting" in body
    assert "Waitlist: you are number 1" in body
    assert "5 places left" in body and "Sara" in body and "ARoS" in body
    assert "2 klip" in body and "Step-free entrance" in body
    assert "Cancelled" in body
    assert "https://www.openstreetmap.org/search?query=Vestergade+1%2C+8000+Aarhus+C" in body


def test_the_list_comes_a_few_whole_days_at_a_time(world, person, monkeypatch):
    monkeypatch.setattr("hub.events.queries.PAGE_SIZE", 3)
    thursday = WEDNESDAY_NOON + timedelta(days=1)
    with time_machine.travel(WEDNESDAY_NOON, tick=False):
        for title, days, hours in [
            ("Afternoon stretch", 0, 4),
            ("Breakfast club", 1, -2),
            ("Candle making", 1, 0),
            ("Dance", 1, 3),  # the third event's day goes on: it comes on the first page too
            ("Eating out", 2, 0),
            ("Football", 9, 0),
        ]:
            new_event(world, title=title, starts_at=WEDNESDAY_NOON + timedelta(days=days, hours=hours))
        client, _ = person()
        first = text(client.get("/events?lang=en"))
        friday = (thursday + timedelta(days=1)).date().isoformat()
        assert all(title in first for title in ("Afternoon stretch", "Breakfast club", "Candle making", "Dance"))
        assert "Eating out" not in first and "Football" not in first
        assert f'href="/events?start={friday}"' in first and "Later events, from Friday 15 January" in first
        assert "Back to the events from today" not in first

        later = client.get(f"/events?start={friday}", headers={"HX-Request": "true"})
        body = text(later)
        assert later.status_code == 200 and body.lstrip().startswith('<div id="events"')
        assert "Eating out" in body and "Football" in body and "Candle making" not in body
        assert 'id="section-today"' not in body and "Later events" not in body  # the last page
        assert 'href="/events"' in body and "Back to the events from today" in body

        filtered = text(client.get(f"/events?category=workshop&start={friday}&lang=en"))
        assert "Back to the events from today" in filtered and "Afternoon stretch" not in filtered


@pytest.mark.parametrize("start", ["2027-02-30", "next week", "٢٠٢٧-٠١-٢٠", "9999-01-01"])
def test_a_start_day_that_cannot_be_read_shows_the_first_page_with_a_400(world, person, start):
    with time_machine.travel(WEDNESDAY_NOON, tick=False):
        new_event(world, title="Afternoon stretch", starts_at=WEDNESDAY_NOON + timedelta(hours=4))
        client, _ = person()
        response = client.get("/events", query_string={"start": start, "lang": "en"})
    assert response.status_code == 400
    assert "That date could not be read" in text(response) and "Afternoon stretch" in text(response)


def test_a_start_day_in_the_past_is_the_first_page(world, person):
    with time_machine.travel(WEDNESDAY_NOON, tick=False):
        new_event(world, title="Afternoon stretch", starts_at=WEDNESDAY_NOON + timedelta(hours=4))
        client, _ = person()
        response = client.get("/events?start=2026-01-01&lang=en")
    assert response.status_code == 200
    assert 'id="section-today"' in text(response) and "Back to the events from today" not in text(response)


def test_the_list_costs_the_same_queries_for_one_event_or_many(app, world, person, make):
    client, _ = person()
    other, _ = person()
    host = make.user(is_staff=True)

    def full_event_i_wait_for() -> None:
        event = new_event(world, capacity=1, host_id=host.id)
        book(other, event.id)
        book(client, event.id)

    def queries_for_the_list() -> int:
        statements = []
        engine = app.extensions["hub_engine"]
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        sa_event.listen(engine, "before_cursor_execute", listener)
        try:
            assert client.get("/events").status_code == 200
        finally:
            sa_event.remove(engine, "before_cursor_execute", listener)
        return len(statements)

    full_event_i_wait_for()
    queries_for_the_list()  # the first page after login also checks consent once
    one = queries_for_the_list()
    for _ in range(5):
        full_event_i_wait_for()
    assert queries_for_the_list() == one


def test_the_list_is_for_people_who_are_logged_in(client):
    assert client.get("/events").headers["Location"].startswith("/login")


# --- one event ---


def test_trial_events_are_only_for_young_people_in_the_trial(world, person, login_as):
    trial = new_event(world, title="Trial group", visibility=Visibility.TRIAL)
    outside, _ = person()
    assert outside.get(f"/events/{trial.id}").status_code == 404
    assert "Trial group" not in text(outside.get("/events"))
    assert outside.post(f"/events/{trial.id}/book").status_code == 404
    inside, _ = person(trial_enrolled_at=utcnow())
    assert inside.get(f"/events/{trial.id}").status_code == 200
    assert "Trial group" in text(inside.get("/events"))
    assert outside.get("/events/999999").status_code == 404


def test_staff_see_every_event_but_do_not_book(world, client, login_as):
    trial = new_event(world, visibility=Visibility.TRIAL)
    login_as("staff")
    page = client.get(f"/events/{trial.id}?lang=en")
    assert page.status_code == 200 and "Young people book their places here" in text(page)
    assert client.post(f"/events/{trial.id}/book").status_code == 403


def test_booking_gives_a_place_and_a_ticket(world, person):
    event = new_event(world, title="Mad for en SU")
    client, _ = person()
    page = text(client.get(f"/events/{event.id}?lang=en"))
    assert "Book my place" in page and "Come with me the first time" in page
    booking_id = book(client, event.id)
    assert status_of(world, booking_id) == BookingStatus.CONFIRMED
    ticket = client.get(f"/bookings/{booking_id}?lang=en")
    body = text(ticket)
    assert ticket.status_code == 200 and "You have a place!" in body  # the flash
    assert "Your ticket" in body and "<svg" in body.split("Your ticket")[1] and "Release my place" in body
    with world() as s:
        assert s.get(Booking, booking_id).ticket_code in body


def test_booking_with_htmx_navigates_to_the_booking(world, person):
    event = new_event(world)
    client, _ = person()
    response = client.post(f"/events/{event.id}/book", headers={"HX-Request": "true"})
    assert response.status_code == 204 and response.headers["HX-Redirect"].startswith("/bookings/")


def test_a_second_booking_is_a_409_and_makes_no_second_row(world, person):
    event = new_event(world)
    client, user = person()
    book(client, event.id)
    again = client.post(f"/events/{event.id}/book?lang=en")
    assert again.status_code == 409
    assert "data-error-summary" in text(again) and "already on the list" in text(again)
    with world() as s:
        assert len(s.exec(select(Booking).where(Booking.user_id == user.id)).all()) == 1


def test_asking_for_company_the_first_time(world, person):
    event = new_event(world)
    client, _ = person()
    booking_id = book(client, event.id, companion="mentor", companion_note="I find it hard to walk in alone")
    with world() as s:
        booking = s.get(Booking, booking_id)
        assert booking.companion == "mentor" and booking.companion_note == "I find it hard to walk in alone"
    other = new_event(world)
    assert client.post(f"/events/{other.id}/book", data={"companion": "my dog"}).status_code == 422
    with world() as s:
        assert s.exec(select(Booking).where(Booking.event_id == other.id)).first() is None


def test_a_full_event_puts_you_on_the_waitlist_with_your_number(world, person):
    event = new_event(world, capacity=1)
    first, _ = person()
    book(first, event.id)
    second, _ = person()
    assert "Join the waitlist" in text(second.get(f"/events/{event.id}?lang=en"))
    booking_id = book(second, event.id)
    assert status_of(world, booking_id) == BookingStatus.WAITLISTED
    page = text(second.get(f"/bookings/{booking_id}?lang=en"))
    assert "on the waitlist: number 1" in page  # the flash
    assert "You are number 1 on the waitlist" in page and "Your ticket" not in page


def test_releasing_a_seat_offers_it_to_the_first_in_line_who_can_say_yes(world, person):
    event = new_event(world, capacity=1)
    first, _ = person()
    seat = book(first, event.id)
    second, _ = person()
    waiting = book(second, event.id)
    third, _ = person()
    book(third, event.id)
    released = first.post(f"/bookings/{seat}/cancel")
    assert released.status_code == 303 and status_of(world, seat) == BookingStatus.CANCELLED
    assert "You released your place" in text(first.get(f"/bookings/{seat}?lang=en"))
    offer = text(second.get(f"/bookings/{waiting}?lang=en"))
    assert "A seat is free for you!" in offer and f"/bookings/{waiting}/accept" in offer
    assert "Say yes before" in offer
    assert second.post(f"/bookings/{waiting}/accept").status_code == 303
    assert status_of(world, waiting) == BookingStatus.CONFIRMED
    assert "Your ticket" in text(second.get(f"/bookings/{waiting}?lang=en"))


def test_saying_no_thanks_passes_the_place_on(world, person):
    event = new_event(world, capacity=1)
    first, _ = person()
    seat = book(first, event.id)
    second, _ = person()
    declined = book(second, event.id)
    third, _ = person()
    next_in_line = book(third, event.id)
    first.post(f"/bookings/{seat}/cancel")
    assert second.post(f"/bookings/{declined}/decline").status_code == 303
    assert status_of(world, declined) == BookingStatus.CANCELLED
    assert status_of(world, next_in_line) == BookingStatus.OFFERED
    assert f"/bookings/{next_in_line}/accept" in text(third.get(f"/bookings/{next_in_line}"))


def test_an_offer_that_ran_out_cannot_be_accepted(world, person):
    event = new_event(world, capacity=1, starts_at=utcnow() + timedelta(days=3))
    first, _ = person()
    seat = book(first, event.id)
    second, second_user = person()
    waiting = book(second, event.id)
    first.post(f"/bookings/{seat}/cancel")
    with time_machine.travel(utcnow() + timedelta(hours=13), tick=False):
        second.post("/login", data={"email": second_user.email, "password": DEFAULT_PASSWORD})
        response = second.post(f"/bookings/{waiting}/accept?lang=en")
        assert response.status_code == 409 and "the time to say yes ran out" in text(response)
        assert "The time ran out" in text(response)


def test_nobody_sees_or_changes_another_persons_booking(world, person):
    event = new_event(world)
    owner, _ = person()
    booking_id = book(owner, event.id)
    other, _ = person()
    assert other.get(f"/bookings/{booking_id}").status_code == 404
    for action in ("cancel", "accept", "decline"):
        assert other.post(f"/bookings/{booking_id}/{action}").status_code == 404
    assert status_of(world, booking_id) == BookingStatus.CONFIRMED


def test_logged_out_visitors_are_sent_to_log_in_first(client):
    for path in ("/events/1", "/bookings/1", "/events/1/calendar.ics", "/my/bookings", "/calendar"):
        assert client.get(path).headers["Location"].startswith("/login"), path
    for path in ("/events/1/book", "/bookings/1/cancel", "/bookings/1/accept", "/calendar/reset"):
        assert client.post(path).status_code == 401, path


# --- my bookings and home ---


def test_my_bookings_lists_what_is_coming_and_what_was(world, person):
    booked = new_event(world, title="Cooking", capacity=3)
    full = new_event(world, title="Climbing", capacity=1)
    released = new_event(world, title="Museum")
    other, _ = person()
    book(other, full.id)
    client, _ = person()
    book(client, booked.id)
    book(client, full.id)
    client.post(f"/bookings/{book(client, released.id)}/cancel")
    body = text(client.get("/my/bookings?lang=en"))
    coming, earlier = body.split("Earlier")
    assert "Cooking" in coming and "Climbing" in coming and "Museum" not in coming
    assert "Waitlist: you are number 1" in coming and "Museum" in earlier


def test_my_bookings_when_there_are_none_points_to_the_events(person):
    client, _ = person()
    body = text(client.get("/my/bookings?lang=en"))
    assert "Nothing booked right now" in body and 'href="/events"' in body


def offered(world, person, **event_values):
    """A live offer: someone releases the only seat, and the client is first in line.
    Returns (client, its booking id, the event, the client's booking of a later event, the person)."""
    client, user = person()
    event = new_event(world, title="Climbing", capacity=1, **event_values)
    later = new_event(world, title="Cooking", starts_at=utcnow() + timedelta(days=5))
    first, _ = person()
    seat = book(first, event.id)
    booked_later = book(client, later.id)
    waiting = book(client, event.id)
    assert first.post(f"/bookings/{seat}/cancel").status_code == 303
    assert status_of(world, waiting) == BookingStatus.OFFERED
    return client, waiting, event, booked_later, user


def test_home_without_bookings_points_to_the_events(person):
    client, _ = person()
    body = text(client.get("/?lang=en"))
    assert "Nothing booked yet" in body and "offer-card" not in body


def test_an_offer_is_the_first_card_on_home_with_its_deadline_and_two_clear_answers(world, person):
    client, waiting, event, _, _ = offered(world, person)
    body = text(client.get("/?lang=en"))
    main = body[body.index("<main") :]
    first_card = re.search(r'<section class="card[^"]*"[^>]*id="([^"]+)"', main)
    assert first_card.group(1) == f"offer-{waiting}"  # before the greeting's neighbours and "Coming up"
    start = main.index(f'id="offer-{waiting}"')
    card = main[start : main.index("</section>", start)]
    assert "A seat is free for you!" in card and "Climbing" in card and f'href="/events/{event.id}"' in card
    assert "Say yes before" in card and "(in 12 hours)" in card  # the offer window, in words
    assert f'action="/bookings/{waiting}/accept"' in card and "Yes, I'll take the seat" in html.unescape(card)
    assert f'action="/bookings/{waiting}/decline"' in card and "Give the seat to someone else" in card
    assert "No thanks" not in body  # nothing to mistake the "no" for
    coming = main[main.index('id="home-coming-up"') :]
    coming = coming[: coming.index("</section>")]
    assert "Cooking" in coming and "Climbing" not in coming  # the offer is not listed twice


def test_saying_yes_on_home_takes_the_seat_and_the_card_goes(world, person):
    client, waiting, _, _, _ = offered(world, person)
    response = client.post(f"/bookings/{waiting}/accept")
    assert response.status_code == 303 and response.headers["Location"] == f"/bookings/{waiting}"
    assert status_of(world, waiting) == BookingStatus.CONFIRMED
    body = text(client.get("/?lang=en"))
    assert "offer-card" not in body
    coming = body[body.index('id="home-coming-up"') :]
    assert "Climbing" in coming[: coming.index("</section>")]


def test_giving_the_seat_away_passes_it_on_and_the_card_goes(world, person):
    client, waiting, event, _, _ = offered(world, person)
    after, _ = person()
    next_in_line = book(after, event.id)
    assert client.post(f"/bookings/{waiting}/decline").status_code == 303
    assert status_of(world, waiting) == BookingStatus.CANCELLED
    assert status_of(world, next_in_line) == BookingStatus.OFFERED
    assert "offer-card" not in text(client.get("/?lang=en"))
    assert f'id="offer-{next_in_line}"' in text(after.get("/?lang=en"))


def test_the_offer_is_the_first_card_on_the_event_page_and_not_repeated_below(world, person):
    client, waiting, event, _, _ = offered(world, person)
    body = text(client.get(f"/events/{event.id}?lang=en"))
    main = body[body.index("<main") :]
    offer_at = main.index(f'id="offer-{waiting}"')
    assert offer_at < main.index('class="card event-detail') and offer_at < main.index("<h1")
    assert main.count(f'action="/bookings/{waiting}/accept"') == 1
    assert main.count(f'action="/bookings/{waiting}/decline"') == 1
    assert 'id="event-action"' not in main and "Give the seat to someone else" in main
    card = main[offer_at : main.index("</section>", offer_at)]
    assert f'href="/events/{event.id}"' not in card  # the page is about it already


def test_an_offer_that_ran_out_leaves_home_and_the_event(world, person):
    client, waiting, event, _, user = offered(world, person, starts_at=utcnow() + timedelta(days=3))
    assert f'id="offer-{waiting}"' in text(client.get("/?lang=en"))
    with time_machine.travel(utcnow() + timedelta(hours=13), tick=False):
        client.post("/login", data={"email": user.email, "password": DEFAULT_PASSWORD})
        for path in ("/?lang=en", f"/events/{event.id}?lang=en"):
            response = client.get(path)
            assert response.status_code == 200 and "offer-card" not in text(response), path


@pytest.mark.clock
def test_the_reminder_card_is_only_for_a_seat_still_ahead(world, person):
    """'Do you want a reminder?' sits under a seat that is coming, never under a released seat,
    a past event, a cancelled one, or an offer (whose own buttons come first)."""
    client, waiting, event, later, _ = offered(world, person)
    reminder = 'class="card push-offer"'
    assert reminder not in text(client.get(f"/bookings/{waiting}?lang=en"))  # an offer waits for an answer
    page = text(client.get(f"/bookings/{later}?lang=en"))
    assert reminder in page and page.index('id="place"') < page.index(reminder)  # under the place
    assert client.post(f"/bookings/{later}/cancel").status_code == 303
    assert reminder not in text(client.get(f"/bookings/{later}?lang=en"))  # released
    soon = new_event(world, title="Soon", starts_at=utcnow() + timedelta(hours=3))
    seat = book(client, soon.id)
    assert reminder in text(client.get(f"/bookings/{seat}?lang=en"))
    with world() as s:
        s.get(type(soon), soon.id).status = EventStatus.CANCELLED
        s.get(Booking, seat).status = BookingStatus.EVENT_CANCELLED
    assert reminder not in text(client.get(f"/bookings/{seat}?lang=en"))  # cancelled by the staff
    past = new_event(world, title="Yesterday", starts_at=utcnow() - timedelta(days=1))
    with world() as s:
        s.add(Booking(event_id=past.id, user_id=s.get(Booking, seat).user_id, status="confirmed", ticket_code="old"))
        s.flush()
        old = s.exec(select(Booking).where(Booking.event_id == past.id)).one().id
    assert reminder not in text(client.get(f"/bookings/{old}?lang=en"))  # over


# --- calendar ---


@pytest.mark.clock
def test_one_event_as_a_calendar_file(world, person):
    start = datetime(2030, 5, 2, 15, 30, tzinfo=UTC)
    event = new_event(world, title="Job fair", starts_at=start, ends_at=start + timedelta(hours=3))
    client, _ = person()
    response = client.get(f"/events/{event.id}/calendar.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    assert response.headers["Content-Disposition"] == f'attachment; filename="ungehub-{event.id}.ics"'
    [vevent] = Calendar.from_ical(response.data).walk("VEVENT")
    assert str(vevent["UID"]) == f"event-{event.id}@ungehub"
    assert vevent.decoded("DTSTART") == start and vevent.decoded("DTEND") == start + timedelta(hours=3)
    assert b"DTSTART:20300502T153000Z" in response.data
    assert str(vevent["SUMMARY"]) == "Job fair" and "Vestergade 1" in str(vevent["LOCATION"])
    assert str(vevent["URL"]) == f"http://localhost/events/{event.id}"
    assert str(vevent["STATUS"]) == "CONFIRMED"


def test_a_cancelled_event_says_so_in_the_calendar(world, person):
    event = new_event(world, status=EventStatus.CANCELLED)
    client, _ = person()
    [vevent] = Calendar.from_ical(client.get(f"/events/{event.id}/calendar.ics").data).walk("VEVENT")
    assert str(vevent["STATUS"]) == "CANCELLED"


def test_the_private_calendar_address_is_shown_once_and_a_new_one_stops_the_old(app, world, person):
    booked = new_event(world, title="Cooking")
    waiting = new_event(world, title="Climbing", capacity=1)
    other, _ = person()
    book(other, waiting.id)
    client, _ = person()
    book(client, booked.id)
    book(client, waiting.id)
    assert "Make my calendar address" in text(client.get("/calendar?lang=en"))

    made = client.post("/calendar/reset?lang=en")
    assert made.status_code == 200 and "webcal://localhost/calendar/" in text(made)
    old = FEED_LINK.search(text(made)).group(1)
    assert old.split("/")[-1].removesuffix(".ics") not in text(client.get("/calendar"))  # shown once

    phone = app.test_client()  # no login: a phone's calendar fetches it
    feed = phone.get(old)
    assert feed.status_code == 200 and feed.mimetype == "text/calendar"
    assert feed.headers["Cache-Control"] == "private, no-cache"
    calendar = Calendar.from_ical(feed.data)
    assert str(calendar["X-WR-CALNAME"]) == "Ungehub"
    assert [str(e["SUMMARY"]) for e in calendar.walk("VEVENT")] == ["Cooking"]  # seats, not waits

    new = FEED_LINK.search(text(client.post("/calendar/reset"))).group(1)
    assert phone.get(old).status_code == 404
    assert phone.get(new).status_code == 200


def test_the_calendar_feed_skips_the_privacy_notice(world, person):
    client, user = person()
    new = FEED_LINK.search(text(client.post("/calendar/reset"))).group(1)
    with world() as s:
        from hub.accounts.models import Consent

        for consent in s.exec(select(Consent).where(Consent.user_id == user.id)).all():
            s.delete(consent)
    with client.session_transaction() as session:
        session.pop("consent", None)
    assert client.get("/my/bookings").headers["Location"].startswith("/privacy/accept")
    assert client.get(new).status_code == 200


def test_an_unknown_calendar_address_is_404(client):
    assert client.get("/calendar/not-a-real-token.ics").status_code == 404


# --- klip ---


def test_a_priced_event_takes_klip_and_gives_them_back_on_time(world, person):
    event = new_event(world, price_klip=2)
    client, user = person()
    with world() as s:
        credits.grant(s, user_id=user.id, amount=3, reason="Welcome", actor_id=None)
    page = text(client.get(f"/events/{event.id}?lang=en"))
    assert "It costs 2 klip." in page and "The klip are taken when you get a seat." in page
    assert "You have 3 klip." in page
    booking_id = book(client, event.id)
    with world() as s:
        assert credits.balance(s, user.id) == 1
    assert "you get your 2 klip back" in text(client.get(f"/bookings/{booking_id}?lang=en"))
    client.post(f"/bookings/{booking_id}/cancel")
    assert "Your 2 klip are back." in text(client.get(f"/bookings/{booking_id}?lang=en"))
    with world() as s:
        assert credits.balance(s, user.id) == 3


def test_without_enough_klip_there_is_a_clear_409_and_no_booking(world, person):
    event = new_event(world, price_klip=2)
    client, user = person()
    with world() as s:
        credits.grant(s, user_id=user.id, amount=1, reason="Welcome", actor_id=None)
    response = client.post(f"/events/{event.id}/book?lang=en")
    assert response.status_code == 409
    assert "You do not have enough klip for this." in text(response) and "Book my place" in text(response)
    with world() as s:
        assert s.exec(select(Booking).where(Booking.user_id == user.id)).first() is None
        assert credits.balance(s, user.id) == 1


def test_after_the_cut_off_the_klip_stay_spent(world, person):
    start = utcnow() + timedelta(days=1)
    event = new_event(world, price_klip=2, starts_at=start, cutoff_hours=2)
    client, user = person()
    with world() as s:
        credits.grant(s, user_id=user.id, amount=2, reason="Welcome", actor_id=None)
    booking_id = book(client, event.id)
    with time_machine.travel(start - timedelta(hours=1), tick=False):
        client.post("/login", data={"email": user.email, "password": DEFAULT_PASSWORD})
        page = text(client.get(f"/bookings/{booking_id}?lang=en"))
        assert "your 2 klip do not come back" in page
        late, _ = person()
        assert "Booking has closed" in text(late.get(f"/events/{event.id}?lang=en"))
        assert late.post(f"/events/{event.id}/book?lang=en").status_code == 409
        client.post(f"/bookings/{booking_id}/cancel")
    with world() as s:
        assert credits.balance(s, user.id) == 0 and s.get(Booking, booking_id).late_cancel
