"""Attendance for staff: check-in by list or QR ticket, walk-ins, and who goes along.

Every change to who sits in a seat locks the event row first (services.lock_event).
"""

from __future__ import annotations

import secrets
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, select

from hub.accounts.models import User
from hub.db import utcnow
from hub.errors import Conflict, Invalid, NotFound
from hub.events import services
from hub.events.manage import MAX_ANONYMOUS_STEP, _may_host, _require_staff
from hub.events.models import ACTIVE, Booking, BookingStatus, Event, EventStatus
from hub.i18n import lazy_when
from hub.notifications.services import notify


def _lock_booking(session: Session, booking_id: int) -> tuple[Booking, Event]:
    booking = session.get(Booking, booking_id)
    if booking is None:
        raise NotFound("not_found", str(_l("We could not find that booking.")))
    event = services.lock_event(session, booking.event_id)
    session.refresh(booking, with_for_update=True)
    return booking, event


def _require_scheduled(event: Event) -> None:
    if event.status != EventStatus.SCHEDULED:
        raise Conflict("event_cancelled", str(_l("This event has been cancelled.")))


def _mark_present(booking: Booking, now: datetime, *, released_ok: bool) -> None:
    """A seat for someone who is here. Nobody physically present is turned away."""
    if booking.checked_in_at is not None and booking.status == BookingStatus.CONFIRMED:
        return
    if booking.status == BookingStatus.OFFERED:
        booking.status = BookingStatus.CONFIRMED
        booking.confirmed_at = now
        booking.offer_expires_at = None
    elif booking.status != BookingStatus.CONFIRMED:
        waiting = booking.status == BookingStatus.WAITLISTED
        if not (waiting or (released_ok and booking.status in (BookingStatus.CANCELLED, BookingStatus.EXPIRED))):
            raise Conflict("not_active", str(_l("This place was released. Add them as a walk-in instead.")))
        booking.status = BookingStatus.CONFIRMED
        booking.confirmed_at = now
        booking.cancelled_at = None
        booking.walk_in = True
    booking.checked_in_at = now
    booking.no_show = False


def check_in(session: Session, *, actor: User, booking_id: int) -> Booking:
    """Mark someone present. Doing it twice changes nothing; someone waiting comes in as a walk-in."""
    _require_staff(actor)
    booking, event = _lock_booking(session, booking_id)
    _require_scheduled(event)
    _mark_present(booking, utcnow(), released_ok=False)
    session.flush()
    return booking


def undo_check_in(session: Session, *, actor: User, booking_id: int) -> Booking:
    """Not here after all. A walk-in added by mistake leaves the list again."""
    _require_staff(actor)
    booking, event = _lock_booking(session, booking_id)
    _require_scheduled(event)
    if booking.checked_in_at is None:
        return booking
    booking.checked_in_at = None
    if booking.walk_in:
        booking.walk_in = False
        booking.status = BookingStatus.CANCELLED
        booking.cancelled_at = utcnow()
        session.flush()
        services.promote(session, event)
    session.flush()
    return booking


def find_ticket(session: Session, code: str) -> Booking:
    booking = None
    if 0 < len(code) <= 32:
        booking = session.exec(select(Booking).where(Booking.ticket_code == code)).first()
    if booking is None:
        raise NotFound("unknown_ticket", str(_l("We do not know this ticket. Check the name on the list instead.")))
    return booking


def check_in_by_code(session: Session, *, actor: User, code: str, event_id: int | None = None) -> Booking:
    """Check in the ticket in a QR code; a ticket for another event says which one."""
    booking = find_ticket(session, code)
    if event_id is not None and booking.event_id != event_id:
        other = session.get(Event, booking.event_id)
        message = _l(
            "This ticket is for another event: %(title)s, %(when)s.",
            title=other.title,
            when=lazy_when(other.starts_at, "weekday_time"),
        )
        raise Conflict("other_event", str(message))
    return check_in(session, actor=actor, booking_id=booking.id)


def add_walk_in(session: Session, *, actor: User, event_id: int, user_id: int) -> Booking:
    """A young person came without a place: they are in, even beyond the capacity."""
    _require_staff(actor)
    event = services.lock_event(session, event_id)
    _require_scheduled(event)
    person = session.get(User, user_id)
    if person is None or not person.is_young or person.disabled_at is not None:
        raise NotFound("person_not_found", str(_l("We could not find that young person.")))
    now = utcnow()
    booking = session.exec(
        select(Booking).where(Booking.event_id == event.id, Booking.user_id == person.id).with_for_update()
    ).first()
    if booking is None:
        booking = Booking(
            event_id=event.id,
            user_id=person.id,
            status=BookingStatus.CONFIRMED,
            ticket_code=secrets.token_urlsafe(16),
            confirmed_at=now,
            checked_in_at=now,
            walk_in=True,
        )
        session.add(booking)
    else:
        _mark_present(booking, now, released_ok=True)
    session.flush()
    return booking


def change_anonymous_walk_ins(session: Session, *, actor: User, event_id: int, delta: int) -> Event:
    """Count people without an account who came; the count never goes below zero."""
    _require_staff(actor)
    if not -MAX_ANONYMOUS_STEP <= delta <= MAX_ANONYMOUS_STEP:
        raise Invalid("bad_delta", str(_l("Add or take away a few people at a time.")))
    event = services.lock_event(session, event_id)
    _require_scheduled(event)
    event.anonymous_walk_ins = max(0, event.anonymous_walk_ins + delta)
    session.flush()
    return event


def may_accompany(user: User | None) -> bool:
    return _may_host(user)


def assign_companion(session: Session, *, actor: User, booking_id: int, companion_user_id: int | None) -> Booking:
    """Choose who goes with a young person who asked for company; both are told. None clears it."""
    _require_staff(actor)
    booking, event = _lock_booking(session, booking_id)
    _require_scheduled(event)
    if booking.status not in ACTIVE:
        raise Conflict("not_active", str(_l("This place was released, so nobody needs to go along.")))
    if companion_user_id is None:
        booking.companion_user_id = None
        session.flush()
        return booking
    companion = session.get(User, companion_user_id)
    if not may_accompany(companion):
        raise Invalid("companion_not_allowed", str(_l("Choose someone from the staff or a mentor.")))
    if booking.companion_user_id == companion.id:
        return booking
    booking.companion_user_id = companion.id
    session.flush()
    young = session.get(User, booking.user_id)
    notify(
        session,
        young,
        kind="companion",
        title=_l("%(name)s is going with you to %(title)s", name=companion.display_name, title=event.title),
        body=_l("%(when)s, %(place)s.", when=lazy_when(event.starts_at, "weekday_time"), place=event.place),
        url=f"/bookings/{booking.id}",
        useful_until=event.starts_at,
    )
    notify(
        session,
        companion,
        kind="companion",
        title=_l("You are going with %(name)s to %(title)s", name=young.display_name, title=event.title),
        body=_l("%(when)s, %(place)s.", when=lazy_when(event.starts_at, "weekday_time"), place=event.place),
        url="/",
        useful_until=event.starts_at,
    )
    return booking
