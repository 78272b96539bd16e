"""The booking rules: seats, waitlist order, offers with a time limit, klip, nudges."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlmodel import select

from hub.credits import services as credits
from hub.db import job_session, utcnow
from hub.errors import Conflict, Forbidden, NotFound
from hub.events import services
from hub.events.models import Booking, Visibility
from hub.notifications.models import Notification
from tests.events.helpers import make_event
from tests.factories import make_user


def young(s, **kw):
    return make_user(s, is_young=True, **kw)


def test_seats_then_waitlist_in_order(world):
    with world() as s:
        event = make_event(s, capacity=2)
        people = [young(s) for _ in range(4)]
    statuses = []
    for person in people:
        with world() as s:
            statuses.append(services.book(s, actor=person, event_id=event.id).status)
    assert statuses == ["confirmed", "confirmed", "waitlisted", "waitlisted"]
    with world() as s:
        waiting = s.exec(select(Booking).where(Booking.status == "waitlisted").order_by(Booking.id)).all()
        assert [services.waitlist_position(s, b) for b in waiting] == [1, 2]


def test_one_person_cannot_book_twice(world):
    with world() as s:
        event, person = make_event(s), young(s)
    with world() as s:
        services.book(s, actor=person, event_id=event.id)
    with pytest.raises(Conflict) as error, world() as s:
        services.book(s, actor=person, event_id=event.id)
    assert error.value.code == "already_booked"


def test_cancel_offers_the_seat_to_the_first_in_line(world):
    with world() as s:
        event = make_event(s, capacity=1)
        first, second, third = young(s), young(s), young(s)
    with world() as s:
        seat = services.book(s, actor=first, event_id=event.id)
        services.book(s, actor=second, event_id=event.id)
        services.book(s, actor=third, event_id=event.id)
    with world() as s:
        services.cancel(s, actor=first, booking_id=seat.id)
    with world() as s:
        by_user = {b.user_id: b for b in s.exec(select(Booking)).all()}
        assert by_user[second.id].status == "offered"
        assert by_user[third.id].status == "waitlisted"
        offer = by_user[second.id]
        assert offer.offer_expires_at - offer.offered_at == timedelta(hours=12)
        notice = s.exec(select(Notification).where(Notification.user_id == second.id)).one()
        assert notice.kind == "waitlist_offer" and notice.url == f"/bookings/{offer.id}"
    with world() as s:
        assert services.accept_offer(s, actor=second, booking_id=offer.id).status == "confirmed"


def test_declined_offer_passes_to_the_next(world):
    with world() as s:
        event = make_event(s, capacity=1)
        a, b, c = young(s), young(s), young(s)
    with world() as s:
        seat = services.book(s, actor=a, event_id=event.id)
        wait_b = services.book(s, actor=b, event_id=event.id)
        services.book(s, actor=c, event_id=event.id)
    with world() as s:
        services.cancel(s, actor=a, booking_id=seat.id)
    with world() as s:
        services.decline_offer(s, actor=b, booking_id=wait_b.id)
    with world() as s:
        assert {bk.user_id: bk.status for bk in s.exec(select(Booking)).all()}[c.id] == "offered"


def test_unanswered_offer_expires_and_passes_on(world):
    with world() as s:
        event = make_event(s, capacity=1, starts_at=utcnow() + timedelta(days=3))
        a, b, c = young(s), young(s), young(s)
    with world() as s:
        seat = services.book(s, actor=a, event_id=event.id)
        offered = services.book(s, actor=b, event_id=event.id)
        services.book(s, actor=c, event_id=event.id)
    with world() as s:
        services.cancel(s, actor=a, booking_id=seat.id)
    with time_machine.travel(utcnow() + timedelta(hours=12, minutes=1), tick=False):
        with world() as s:
            assert services.expire_offers(s) == 1
        with world() as s:
            states = {bk.user_id: bk.status for bk in s.exec(select(Booking)).all()}
            assert states[b.id] == "expired" and states[c.id] == "offered"
        with pytest.raises(Conflict) as error, world() as s:
            services.accept_offer(s, actor=b, booking_id=offered.id)
        assert error.value.code == "no_offer"


@pytest.mark.clock
def test_offers_get_shorter_close_to_the_event_and_stop_at_the_start(world):
    start = utcnow() + timedelta(hours=3)
    with world() as s:
        event = make_event(s, capacity=1, starts_at=start, cutoff_hours=0)
        a, b = young(s), young(s)
    with world() as s:
        seat = services.book(s, actor=a, event_id=event.id)
        services.book(s, actor=b, event_id=event.id)
    with world() as s:
        services.cancel(s, actor=a, booking_id=seat.id)
    with world() as s:
        offer = s.exec(select(Booking).where(Booking.user_id == b.id)).one()
        assert (
            timedelta(hours=1, minutes=29) < offer.offer_expires_at - offer.offered_at <= timedelta(hours=1, minutes=30)
        )
    assert services.offer_window(event, start - timedelta(minutes=50)) is None  # too late: no silent enrolment


def test_no_offers_after_the_event_started(world):
    start = utcnow() + timedelta(hours=5)
    with world() as s:
        event = make_event(s, capacity=1, starts_at=start, cutoff_hours=0)
        a, b = young(s), young(s)
    with world() as s:
        services.book(s, actor=a, event_id=event.id)
        services.book(s, actor=b, event_id=event.id)
    with time_machine.travel(start + timedelta(minutes=1), tick=False):
        with world() as s:
            services.expire_offers(s)
        with world() as s:
            states = {bk.user_id: bk.status for bk in s.exec(select(Booking)).all()}
            assert states == {a.id: "confirmed", b.id: "expired"}


@pytest.mark.clock
def test_booking_closes_at_the_cutoff(world):
    with world() as s:
        event = make_event(s, starts_at=utcnow() + timedelta(hours=1), cutoff_hours=2)
        person = young(s)
    with pytest.raises(Conflict) as error, world() as s:
        services.book(s, actor=person, event_id=event.id)
    assert error.value.code == "booking_closed"


def test_trial_only_events_are_hidden_from_others(world):
    with world() as s:
        event = make_event(s, visibility=Visibility.TRIAL)
        open_hub, enrolled = young(s), young(s, trial_enrolled_at=utcnow())
    with pytest.raises(NotFound), world() as s:
        services.book(s, actor=open_hub, event_id=event.id)
    with world() as s:
        assert services.book(s, actor=enrolled, event_id=event.id).status == "confirmed"


def test_only_young_people_book(world):
    with world() as s:
        event, mentor = make_event(s), make_user(s, is_mentor=True)
    with pytest.raises(Forbidden), world() as s:
        services.book(s, actor=mentor, event_id=event.id)


def test_klip_are_taken_on_booking_and_given_back_before_the_cutoff(world):
    with world() as s:
        event = make_event(s, price_klip=2)
        person = young(s)
        credits.grant(s, user_id=person.id, amount=3, reason="Velkomst", actor_id=None)
    with world() as s:
        booking = services.book(s, actor=person, event_id=event.id)
    with world() as s:
        assert credits.balance(s, person.id) == 1
        services.cancel(s, actor=person, booking_id=booking.id)
    with world() as s:
        assert credits.balance(s, person.id) == 3


def test_late_release_keeps_the_klip_but_frees_the_seat(world):
    start = utcnow() + timedelta(hours=5)
    with world() as s:
        event = make_event(s, price_klip=2, starts_at=start, cutoff_hours=2, capacity=1)
        person, waiting = young(s), young(s)
        credits.grant(s, user_id=person.id, amount=2, reason="Velkomst", actor_id=None)
    with world() as s:
        booking = services.book(s, actor=person, event_id=event.id)
        services.book(s, actor=waiting, event_id=event.id)
    with time_machine.travel(start - timedelta(hours=1, minutes=30), tick=False):
        with world() as s:
            released = services.cancel(s, actor=person, booking_id=booking.id)
            assert released.late_cancel
        with world() as s:
            assert credits.balance(s, person.id) == 0
            assert s.exec(select(Booking).where(Booking.user_id == waiting.id)).one().status == "offered"


def test_not_enough_klip_books_nothing(world):
    with world() as s:
        event, person = make_event(s, price_klip=2), young(s)
    with pytest.raises(Conflict) as error, world() as s:
        services.book(s, actor=person, event_id=event.id)
    assert error.value.code == "not_enough_klip"
    with world() as s:
        assert s.exec(select(Booking)).all() == []


def test_cannot_touch_another_persons_booking(world):
    with world() as s:
        event, owner, other = make_event(s), young(s), young(s)
    with world() as s:
        booking = services.book(s, actor=owner, event_id=event.id)
    with pytest.raises(NotFound), world() as s:
        services.cancel(s, actor=other, booking_id=booking.id)


def test_still_coming_nudge_once_the_day_before(world):
    start = utcnow() + timedelta(days=2)
    with world() as s:
        event, person = make_event(s, starts_at=start), young(s)
    with world() as s:
        services.book(s, actor=person, event_id=event.id)
    with time_machine.travel(start - timedelta(hours=30), tick=False), world() as s:
        assert services.send_still_coming_nudges(s) == 0
    with time_machine.travel(start - timedelta(hours=20), tick=False):
        with world() as s:
            assert services.send_still_coming_nudges(s) == 1
        with world() as s:
            assert services.send_still_coming_nudges(s) == 0
            assert s.exec(select(Notification).where(Notification.kind == "still_coming")).one().user_id == person.id


def test_no_shows_recorded_only_where_attendance_was_taken(world):
    start = utcnow() + timedelta(days=1)
    with world() as s:
        taken, untaken = make_event(s, starts_at=start, capacity=5), make_event(s, starts_at=start, capacity=5)
        a, b, c = young(s), young(s), young(s)
    with world() as s:
        came = services.book(s, actor=a, event_id=taken.id)
        services.book(s, actor=b, event_id=taken.id)
        services.book(s, actor=c, event_id=untaken.id)
    with world() as s:
        s.get(Booking, came.id).checked_in_at = utcnow()
    with time_machine.travel(start + timedelta(hours=3), tick=False), world() as s:
        assert services.record_no_shows(s) == 1
        assert {bk.user_id for bk in s.exec(select(Booking).where(Booking.no_show)).all()} == {b.id}


def test_demo_program_is_consistent(app):
    """The demo's bookings respect capacity, and it has a full event with a waitlist and a series."""
    from hub import demo

    with app.app_context(), job_session() as s:
        demo.load(s)
    with app.app_context(), job_session() as s:
        from hub.events.models import Event

        events = s.exec(select(Event)).all()
        seats = services.seats_for(s, [e.id for e in events])
        assert all(seats[e.id].confirmed <= e.capacity for e in events)
        assert any(seats[e.id].waitlisted and seats[e.id].left(e) == 0 for e in events)
        assert len({e.series_key for e in events if e.series_key}) == 1
        assert len(events) >= 12


def test_saying_yes_too_late_is_refused_and_the_job_passes_the_seat_on(world):
    with world() as s:
        event = make_event(s, capacity=1, starts_at=utcnow() + timedelta(days=3))
        a, b, c = young(s), young(s), young(s)
    with world() as s:
        seat = services.book(s, actor=a, event_id=event.id)
        offered = services.book(s, actor=b, event_id=event.id)
        services.book(s, actor=c, event_id=event.id)
    with world() as s:
        services.cancel(s, actor=a, booking_id=seat.id)
    with time_machine.travel(utcnow() + timedelta(hours=13), tick=False):
        with pytest.raises(Conflict) as error, world() as s:
            services.accept_offer(s, actor=b, booking_id=offered.id)
        assert error.value.code == "offer_expired"
        with world() as s:
            services.expire_offers(s)
        with world() as s:
            states = {bk.user_id: bk.status for bk in s.exec(select(Booking)).all()}
            assert states[b.id] == "expired" and states[c.id] == "offered"
