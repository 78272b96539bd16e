"""Booking rules: seats, the waitlist, offers, cancellations, check-in.

Every change to an event's seats first locks the event row (SELECT … FOR UPDATE on
PostgreSQL; on SQLite the write transaction holds the write lock from BEGIN IMMEDIATE), then
counts and decides. That is what keeps the last seat from going to two people.
"""

from __future__ import annotations

import secrets
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func
from sqlmodel import Session, select

from hub.accounts.models import User
from hub.credits import services as credits
from hub.db import utcnow
from hub.errors import Conflict, Forbidden, NotFound
from hub.events.models import (
    ACTIVE,
    Booking,
    BookingStatus,
    Companion,
    Event,
    EventStatus,
    Visibility,
)
from hub.notifications.services import notify

OFFER_WINDOW = timedelta(hours=12)
MIN_OFFER_WINDOW = timedelta(minutes=30)  # closer to the start than this, no seat is offered


@dataclass(frozen=True)
class Seats:
    confirmed: int = 0
    offered: int = 0
    waitlisted: int = 0
    attended: int = 0

    def left(self, event: Event) -> int:
        return max(0, event.capacity - self.confirmed - self.offered)


def can_see(user: User, event: Event) -> bool:
    if user.is_staff_member:
        return True
    if event.visibility == Visibility.TRIAL:
        return user.is_young and user.trial_enrolled_at is not None
    return True


def get_visible_event(session: Session, user: User, event_id: int) -> Event:
    event = session.get(Event, event_id)
    if event is None or not can_see(user, event):
        raise NotFound("not_found", str(_l("We could not find that event.")))
    return event


def lock_event(session: Session, event_id: int) -> Event:
    # populate_existing: a copy read earlier in this request is refreshed by the locking read,
    # so no rule below decides on what the row was before another request changed it.
    event = session.exec(
        select(Event).where(Event.id == event_id).with_for_update().execution_options(populate_existing=True)
    ).first()
    if event is None:
        raise NotFound("not_found", str(_l("We could not find that event.")))
    return event


def seats_for(session: Session, event_ids: list[int]) -> dict[int, Seats]:
    """Seat counts for many events in one query."""
    if not event_ids:
        return {}
    rows = session.exec(
        select(Booking.event_id, Booking.status, func.count(), func.count(Booking.checked_in_at))
        .where(Booking.event_id.in_(event_ids))
        .group_by(Booking.event_id, Booking.status)
    ).all()
    counts: dict[int, Counter] = {event_id: Counter() for event_id in event_ids}
    for event_id, status, number, attended in rows:
        counts[event_id][status] += number
        counts[event_id]["attended"] += attended
    return {
        event_id: Seats(
            confirmed=c[BookingStatus.CONFIRMED],
            offered=c[BookingStatus.OFFERED],
            waitlisted=c[BookingStatus.WAITLISTED],
            attended=c["attended"],
        )
        for event_id, c in counts.items()
    }


def booking_closes_at(event: Event) -> datetime:
    return event.starts_at - timedelta(hours=event.cutoff_hours)


def offer_window(event: Event, now: datetime) -> timedelta | None:
    """How long a freed seat is held for the next in line; None when it is too late to offer."""
    window = min(OFFER_WINDOW, (event.starts_at - now) / 2)
    return window if window >= MIN_OFFER_WINDOW else None


def _booking_of(session: Session, event_id: int, user_id: int) -> Booking | None:
    return session.exec(
        select(Booking)
        .where(Booking.event_id == event_id, Booking.user_id == user_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()


def _charge(session: Session, event: Event, booking: Booking, now: datetime) -> None:
    if event.price_klip:
        credits.spend(
            session,
            user_id=booking.user_id,
            amount=event.price_klip,
            reason=event.title,
            booking_id=booking.id,
            key=f"booking-{booking.id}-{int(now.timestamp() * 1_000_000)}",
        )
        booking.klip_paid = event.price_klip


def _refund(session: Session, booking: Booking, event: Event, now: datetime, actor_id: int | None) -> None:
    if booking.klip_paid:
        credits.refund(
            session,
            user_id=booking.user_id,
            amount=booking.klip_paid,
            reason=event.title,
            booking_id=booking.id,
            actor_id=actor_id,
            key=f"refund-{booking.id}-{int(now.timestamp() * 1_000_000)}",
        )
        booking.klip_paid = 0


def book(
    session: Session, *, actor: User, event_id: int, companion: Companion | None = None, companion_note: str = ""
) -> Booking:
    """Take a seat if one is free, else a place on the waitlist."""
    if not actor.is_young:
        raise Forbidden("only_young", str(_l("Only young people book a place.")))
    event = lock_event(session, event_id)
    if not can_see(actor, event):
        raise NotFound("not_found", str(_l("We could not find that event.")))
    now = utcnow()
    if event.status == EventStatus.CANCELLED:
        raise Conflict("event_cancelled", str(_l("This event has been cancelled.")))
    if now >= booking_closes_at(event):
        raise Conflict("booking_closed", str(_l("It is too late to book this event.")))
    booking = _booking_of(session, event.id, actor.id)
    if booking is not None and booking.status in ACTIVE:
        raise Conflict("already_booked", str(_l("You are already on the list for this event.")))
    if booking is None:
        booking = Booking(event_id=event.id, user_id=actor.id, status=BookingStatus.WAITLISTED, ticket_code="")
        booking.ticket_code = secrets.token_urlsafe(16)
        session.add(booking)
    booking.companion = companion.value if companion else None
    booking.companion_note = companion_note.strip()[:300]
    booking.cancelled_at = booking.offered_at = booking.offer_expires_at = None
    booking.late_cancel = False
    booking.klip_paid = 0  # klip kept by an earlier late release stay spent
    seats = seats_for(session, [event.id])[event.id]
    if seats.left(event) > 0:
        booking.status = BookingStatus.CONFIRMED
        booking.confirmed_at = now
        session.flush()
        _charge(session, event, booking, now)
    else:
        booking.status = BookingStatus.WAITLISTED
        booking.waitlisted_at = now
    session.flush()
    return booking


def waitlist_position(session: Session, booking: Booking) -> int | None:
    """1 for the first in line; None when not waiting."""
    if booking.status != BookingStatus.WAITLISTED:
        return None
    ahead = session.exec(
        select(func.count())
        .select_from(Booking)
        .where(
            Booking.event_id == booking.event_id,
            Booking.status == BookingStatus.WAITLISTED,
            (Booking.waitlisted_at < booking.waitlisted_at)
            | ((Booking.waitlisted_at == booking.waitlisted_at) & (Booking.id < booking.id)),
        )
    ).one()
    return ahead + 1


def promote(session: Session, event: Event, now: datetime | None = None) -> list[Booking]:
    """Offer freed seats to the first in line, each for a limited time. The event is locked."""
    now = now or utcnow()
    if event.status != EventStatus.SCHEDULED or now >= event.starts_at:
        return []
    window = offer_window(event, now)
    free = seats_for(session, [event.id])[event.id].left(event)
    if window is None or free <= 0:
        return []
    waiting = session.exec(
        select(Booking)
        .where(Booking.event_id == event.id, Booking.status == BookingStatus.WAITLISTED)
        .order_by(Booking.waitlisted_at, Booking.id)
        .limit(free)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    for booking in waiting:
        booking.status = BookingStatus.OFFERED
        booking.offered_at = now
        booking.offer_expires_at = now + window
        person = session.get(User, booking.user_id)
        notify(
            session,
            person,
            kind="waitlist_offer",
            title=_l("A place is free for you: %(title)s", title=event.title),
            body=_l("Say yes before the time runs out, or it goes to the next in line."),
            url=f"/bookings/{booking.id}",
            useful_until=booking.offer_expires_at,
        )
    session.flush()
    return list(waiting)


def _own_booking(session: Session, actor: User, booking_id: int) -> tuple[Booking, Event]:
    booking = session.get(Booking, booking_id)
    if booking is None or booking.user_id != actor.id:
        raise NotFound("not_found", str(_l("We could not find that booking.")))
    event = lock_event(session, booking.event_id)
    session.refresh(booking, with_for_update=True)
    return booking, event


def cancel(session: Session, *, actor: User, booking_id: int) -> Booking:
    """Release my place (or leave the waitlist). Free of charge until the cut-off."""
    booking, event = _own_booking(session, actor, booking_id)
    now = utcnow()
    if booking.status not in ACTIVE:
        raise Conflict("not_active", str(_l("This place is already released.")))
    if now >= event.starts_at:
        raise Conflict("event_started", str(_l("The event has already started.")))
    held_a_seat = booking.status in (BookingStatus.CONFIRMED, BookingStatus.OFFERED)
    booking.late_cancel = booking.status == BookingStatus.CONFIRMED and now >= booking_closes_at(event)
    booking.status = BookingStatus.CANCELLED
    booking.cancelled_at = now
    if not booking.late_cancel:
        _refund(session, booking, event, now, actor_id=actor.id)
    session.flush()
    if held_a_seat:
        promote(session, event, now)
    return booking


def accept_offer(session: Session, *, actor: User, booking_id: int) -> Booking:
    booking, event = _own_booking(session, actor, booking_id)
    now = utcnow()
    if booking.status != BookingStatus.OFFERED:
        raise Conflict("no_offer", str(_l("There is no place waiting for you here.")))
    if now >= booking.offer_expires_at or now >= event.starts_at:
        # The expire_offers job passes the seat on; this request only says no.
        raise Conflict("offer_expired", str(_l("Sorry, the time to say yes ran out.")))
    booking.status = BookingStatus.CONFIRMED
    booking.confirmed_at = now
    session.flush()
    _charge(session, event, booking, now)
    session.flush()
    return booking


def decline_offer(session: Session, *, actor: User, booking_id: int) -> Booking:
    return cancel(session, actor=actor, booking_id=booking_id)


def expire_offers(session: Session, now: datetime | None = None) -> int:
    """Pass on offers nobody answered in time; stop waiting lists of events that began."""
    now = now or utcnow()
    due = session.exec(
        select(Booking.event_id)
        .join(Event, Event.id == Booking.event_id)
        .where(
            ((Booking.status == BookingStatus.OFFERED) & (Booking.offer_expires_at <= now))
            | (Booking.status.in_([BookingStatus.OFFERED, BookingStatus.WAITLISTED]) & (Event.starts_at <= now))
        )
        .distinct()
    ).all()
    changed = 0
    for event_id in due:
        event = lock_event(session, event_id)
        stale = session.exec(
            select(Booking)
            .where(Booking.event_id == event_id, Booking.status.in_([BookingStatus.OFFERED, BookingStatus.WAITLISTED]))
            .with_for_update()
            .execution_options(populate_existing=True)
        ).all()
        for booking in stale:
            started = now >= event.starts_at
            if started or (booking.status == BookingStatus.OFFERED and booking.offer_expires_at <= now):
                booking.status = BookingStatus.EXPIRED
                changed += 1
        session.flush()
        promote(session, event, now)
    return changed


def send_still_coming_nudges(session: Session, now: datetime | None = None) -> int:
    """The day before: ask those with a seat whether they still come, so they can free it."""
    now = now or utcnow()
    due = session.exec(
        select(Booking, Event)
        .join(Event, Event.id == Booking.event_id)
        .where(
            Booking.status == BookingStatus.CONFIRMED,
            Booking.nudge_sent_at.is_(None),
            Event.status == EventStatus.SCHEDULED,
            Event.starts_at > now + timedelta(hours=2),
            Event.starts_at <= now + timedelta(hours=24),
        )
        .with_for_update(of=Booking)
        .execution_options(populate_existing=True)
    ).all()
    for booking, event in due:
        booking.nudge_sent_at = now
        notify(
            session,
            session.get(User, booking.user_id),
            kind="still_coming",
            title=_l("Still coming? %(title)s", title=event.title),
            body=_l("If you cannot come, release your place so someone else can have it."),
            url=f"/bookings/{booking.id}",
            useful_until=event.starts_at,
            dedupe_key=f"event_reminder:day:{booking.id}",
        )
    session.flush()
    return len(due)


def record_no_shows(session: Session, now: datetime | None = None) -> int:
    """After an event where attendance was taken, a seat nobody used is a no-show."""
    now = now or utcnow()
    taken = select(Booking.event_id).where(Booking.checked_in_at.is_not(None)).distinct().scalar_subquery()
    missing = session.exec(
        select(Booking)
        .join(Event, Event.id == Booking.event_id)
        .where(
            Event.ends_at <= now,
            Booking.event_id.in_(taken),
            Booking.status == BookingStatus.CONFIRMED,
            Booking.checked_in_at.is_(None),
            Booking.no_show.is_(False),
        )
    ).all()
    for booking in missing:
        booking.no_show = True
    session.flush()
    return len(missing)
