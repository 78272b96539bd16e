"""Events for staff: plan, change, cancel, take attendance, assign company.

Every function that changes seats (or who sits in them) locks the event row first with
services.lock_event, as the booking rules do, so a check-in, a walk-in or a new capacity
never races a young person booking the last place.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from sqlmodel import Session, select

from hub.accounts.models import User
from hub.credits import services as credits
from hub.db import utcnow
from hub.errors import Conflict, Forbidden, Invalid, NotFound
from hub.events import services
from hub.events.models import ACTIVE, Booking, BookingStatus, Category, Event, EventStatus, Visibility
from hub.i18n import lazy_when
from hub.notifications.services import notify
from hub.proposals import services as proposals
from hub.proposals.models import Proposal

AARHUS = ZoneInfo("Europe/Copenhagen")
MAX_DURATION = timedelta(hours=24)
MAX_REPEAT_WEEKS = 26
MAX_ANONYMOUS_STEP = 20

TEXT_LIMITS = {  # field: (shortest, longest)
    "title": (1, 120),
    "description": (0, 2000),
    "place": (1, 120),
    "address": (0, 200),
    "accessibility": (0, 500),
    "host_name": (0, 120),
}
NUMBER_LIMITS = {
    "capacity": (1, 500),
    "cutoff_hours": (0, 168),
    "price_klip": (0, 100),
}
REQUIRED = {
    "title": _l("Write a title."),
    "place": _l("Write where it happens."),
    "starts_at": _l("Choose when it starts."),
    "ends_at": _l("Choose when it ends."),
    "capacity": _l("Write how many places there are."),
    "cutoff_hours": _l("Write how many hours before the start booking closes (0 is fine)."),
    "price_klip": _l("Write the price in klip (0 if it is free)."),
}
OUT_OF_RANGE = {
    "capacity": _l("There can be from %(low)d to %(high)d places."),
    "cutoff_hours": _l("Booking can close from %(low)d to %(high)d hours (one week) before the start."),
    "price_klip": _l("The price can be from %(low)d to %(high)d klip."),
}


class InvalidEvent(Invalid):
    """Some fields of an event are wrong; `errors` maps each field to what to fix."""

    def __init__(self, errors: dict[str, str], code: str = "invalid_event"):
        super().__init__(code, str(_l("Something needs fixing. Look at the fields marked below.")))
        self.errors = errors


@dataclass
class EventInput:
    """What staff fill in for an event; datetimes are aware (UTC or any zone)."""

    title: str = ""
    description: str = ""
    category: str = Category.WORKSHOP.value
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    place: str = ""
    address: str = ""
    accessibility: str = ""
    host_id: int | None = None
    host_name: str = ""
    capacity: int | None = None
    cutoff_hours: int | None = 2
    price_klip: int | None = 0
    visibility: str = Visibility.OPEN.value
    proposal_id: int | None = None

    @classmethod
    def from_event(cls, event: Event) -> EventInput:
        return cls(**{f.name: getattr(event, f.name) for f in fields(cls)})

    def cleaned(self) -> EventInput:
        """Text without surrounding blanks, and None for empty text."""
        return replace(self, **{name: (getattr(self, name) or "").strip() for name in TEXT_LIMITS})


def validate(data: EventInput, *, now: datetime, creating: bool, time_changed: bool = False) -> dict[str, str]:
    """What is wrong with `data`, field by field; empty when all is well. Reads no database."""
    errors: dict[str, str] = {}
    for name, (shortest, longest) in TEXT_LIMITS.items():
        value = getattr(data, name) or ""
        if len(value) < shortest:
            errors[name] = str(REQUIRED[name])
        elif len(value) > longest:
            errors[name] = str(
                _l("Keep it to %(max)d characters or fewer (it is %(length)d now).", max=longest, length=len(value))
            )
    if data.category not in set(Category):
        errors["category"] = str(_l("Choose a category from the list."))
    if data.visibility not in set(Visibility):
        errors["visibility"] = str(_l("Choose who can see the event."))
    for name, (low, high) in NUMBER_LIMITS.items():
        value = getattr(data, name)
        if value is None:
            errors[name] = str(REQUIRED[name])
        elif not low <= value <= high:
            errors[name] = str(OUT_OF_RANGE[name] % {"low": low, "high": high})
    if data.starts_at is None:
        errors["starts_at"] = str(REQUIRED["starts_at"])
    elif (creating or time_changed) and data.starts_at <= now:
        errors["starts_at"] = str(_l("The start must be in the future."))
    if data.ends_at is None:
        errors["ends_at"] = str(REQUIRED["ends_at"])
    elif data.starts_at is not None:
        if data.ends_at <= data.starts_at:
            errors["ends_at"] = str(_l("The end must be after the start."))
        elif data.ends_at - data.starts_at > MAX_DURATION:
            errors["ends_at"] = str(_l("An event can last at most 24 hours."))
    return errors


def event_problems(
    session: Session,
    data: EventInput,
    *,
    now: datetime,
    creating: bool,
    time_changed: bool = False,
    repeat_weeks: int | None = 0,
) -> dict[str, str]:
    """`validate`, plus the checks that need the database: the host and the proposal."""
    errors = validate(data, now=now, creating=creating, time_changed=time_changed)
    if data.host_id is not None and not _may_host(session.get(User, data.host_id)):
        errors["host_id"] = str(_l("Choose a host from the list: someone from the staff or a mentor."))
    if data.proposal_id is not None and session.get(Proposal, data.proposal_id) is None:
        errors["proposal_id"] = str(_l("That proposal does not exist any more. Start a new event instead."))
    if repeat_weeks is None or not 0 <= repeat_weeks <= MAX_REPEAT_WEEKS:
        errors["repeat_weeks"] = str(_l("Repeat for 0 to %(max)d more weeks.", max=MAX_REPEAT_WEEKS))
    return errors


def _may_host(user: User | None) -> bool:
    return user is not None and user.disabled_at is None and (user.is_staff_member or user.is_mentor)


def _require_staff(actor: User) -> None:
    if not actor.is_staff_member:
        raise Forbidden("staff_only", str(_l("Only the staff at the hub can do this.")))


def _same_local_time(moment: datetime, weeks: int, tz: ZoneInfo) -> datetime:
    """`moment` moved by whole weeks, keeping the wall-clock time across summer time changes."""
    local = moment.astimezone(tz).replace(tzinfo=None) + timedelta(weeks=weeks)
    return local.replace(tzinfo=tz).astimezone(UTC)


# --- planning -------------------------------------------------------------------------------


def create_event(
    session: Session, *, actor: User, data: EventInput, repeat_weeks: int = 0, tz: ZoneInfo = AARHUS
) -> list[Event]:
    """One event, or a weekly series of 1 + `repeat_weeks` sharing a series key."""
    _require_staff(actor)
    data = data.cleaned()
    errors = event_problems(session, data, now=utcnow(), creating=True, repeat_weeks=repeat_weeks)
    if errors:
        raise InvalidEvent(errors)
    series_key = uuid.uuid4().hex if repeat_weeks else None
    length = data.ends_at - data.starts_at
    values = {f.name: getattr(data, f.name) for f in fields(EventInput)}
    events = []
    for week in range(repeat_weeks + 1):
        starts_at = _same_local_time(data.starts_at, week, tz)
        event = Event(
            **{**values, "starts_at": starts_at, "ends_at": starts_at + length},
            series_key=series_key,
            created_by_id=actor.id,
        )
        session.add(event)
        events.append(event)
    session.flush()
    if data.proposal_id is not None:
        # The young person who proposed it (and those who backed it) hear that it is happening.
        proposal = session.get(Proposal, data.proposal_id)
        for event in events:
            proposals.mark_as_event(session, actor=actor, proposal=proposal, event=event)
    return events


def duplicate_event(session: Session, *, actor: User, event_id: int, tz: ZoneInfo = AARHUS) -> EventInput:
    """A prefilled, unsaved copy one week later, for the new-event form."""
    _require_staff(actor)
    event = session.get(Event, event_id)
    if event is None:
        raise NotFound("not_found", str(_l("We could not find that event.")))
    data = EventInput.from_event(event)
    return replace(
        data,
        starts_at=_same_local_time(event.starts_at, 1, tz),
        ends_at=_same_local_time(event.starts_at, 1, tz) + (event.ends_at - event.starts_at),
        proposal_id=None,
    )


def ensure_editable(event: Event) -> None:
    if event.status == EventStatus.CANCELLED:
        raise Conflict("event_cancelled", str(_l("This event is cancelled and can no longer be changed.")))


def update_event(session: Session, *, actor: User, event_id: int, data: EventInput) -> Event:
    """Change an event. More places go to the waitlist; a new time is told to everyone on it."""
    _require_staff(actor)
    event = services.lock_event(session, event_id)
    ensure_editable(event)
    now = utcnow()
    data = replace(data.cleaned(), proposal_id=event.proposal_id)
    moved = data.starts_at != event.starts_at
    errors = event_problems(session, data, now=now, creating=False, time_changed=moved)
    if errors:
        raise InvalidEvent(errors)
    seats = services.seats_for(session, [event.id])[event.id]
    taken = seats.confirmed + seats.offered
    if data.capacity < event.capacity and data.capacity < taken:
        message = lazy_ngettext(
            "%(num)d person already has a place, so there must be at least %(num)d.",
            "%(num)d people already have a place, so there must be at least %(num)d.",
            taken,
        )
        raise InvalidEvent({"capacity": str(message)}, code="capacity_below_booked")
    grew = data.capacity > event.capacity
    retimed = moved or data.ends_at != event.ends_at
    for f in fields(EventInput):
        setattr(event, f.name, getattr(data, f.name))
    session.flush()
    if grew:
        services.promote(session, event, now)
    if retimed:
        for booking, person in _active_bookings(session, event.id):
            notify(
                session,
                person,
                kind="event_changed",
                title=_l("New time: %(title)s", title=event.title),
                body=_l("It is now %(when)s.", when=lazy_when(event.starts_at, "weekday_time")),
                url=f"/bookings/{booking.id}",
                useful_until=event.starts_at,
            )
    return event


def _active_bookings(session: Session, event_id: int) -> list[tuple[Booking, User]]:
    return list(
        session.exec(
            select(Booking, User)
            .join(User, User.id == Booking.user_id)
            .where(Booking.event_id == event_id, Booking.status.in_(ACTIVE))
            .order_by(Booking.id)
            .with_for_update(of=Booking)
        ).all()
    )


def series_rest(session: Session, event: Event, now: datetime) -> list[int]:
    """The ids of the later, still planned events of the same weekly series."""
    if not event.series_key:
        return []
    return list(
        session.exec(
            select(Event.id)
            .where(
                Event.series_key == event.series_key,
                Event.status == EventStatus.SCHEDULED,
                Event.starts_at > event.starts_at,
                Event.starts_at > now,
            )
            .order_by(Event.starts_at)
        ).all()
    )


def cancel_event(
    session: Session, *, actor: User, event_id: int, reason: str, whole_series: bool = False
) -> list[Event]:
    """Cancel an event (and the rest of its series): everyone on it is told, klip come back."""
    _require_staff(actor)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidEvent({"reason": str(_l("Write why, so the young people know."))}, code="reason_required")
    if len(reason) > 500:
        message = _l("Keep it to %(max)d characters or fewer (it is %(length)d now).", max=500, length=len(reason))
        raise InvalidEvent({"reason": str(message)}, code="reason_too_long")
    now = utcnow()
    event = services.lock_event(session, event_id)
    ensure_editable(event)
    if event.ends_at <= now:
        raise Conflict("event_over", str(_l("This event is over, so it cannot be cancelled.")))
    ids = [event.id, *(series_rest(session, event, now) if whole_series else [])]
    cancelled = []
    for one_id in sorted(ids):  # lock in one order, so two cancellations cannot deadlock
        one = services.lock_event(session, one_id)
        if one.status == EventStatus.SCHEDULED:
            _cancel_one(session, actor, one, reason, now)
            cancelled.append(one)
    session.flush()
    return sorted(cancelled, key=lambda e: e.starts_at)


def _cancel_one(session: Session, actor: User, event: Event, reason: str, now: datetime) -> None:
    event.status = EventStatus.CANCELLED
    event.cancelled_at = now
    event.cancel_reason = reason
    for booking, person in _active_bookings(session, event.id):
        booking.status = BookingStatus.EVENT_CANCELLED
        booking.cancelled_at = now
        booking.offer_expires_at = None
        refunded = booking.klip_paid
        if refunded:
            credits.refund(
                session,
                user_id=booking.user_id,
                amount=refunded,
                reason=event.title,
                booking_id=booking.id,
                actor_id=actor.id,
                key=f"event-cancel-{booking.id}",
            )
            booking.klip_paid = 0
        body = (
            lazy_ngettext(
                "%(reason)s Your %(num)d klip is back on your card.",
                "%(reason)s Your %(num)d klip are back on your card.",
                refunded,
                reason=reason,
            )
            if refunded
            else _l("%(reason)s", reason=reason)
        )
        notify(
            session,
            person,
            kind="event_cancelled",
            title=_l("Cancelled: %(title)s", title=event.title),
            body=body,
            url=f"/bookings/{booking.id}",
        )
