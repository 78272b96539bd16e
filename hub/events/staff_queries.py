"""What the staff event pages read: rosters, companion requests, searches, lists."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from hub.accounts.models import User
from hub.events import stats
from hub.events.models import ACTIVE, Booking, BookingStatus, Event, EventStatus


@dataclass(frozen=True)
class Entry:
    """One booking on a staff list, with the person and who goes along with them."""

    booking: Booking
    person: User
    companion: User | None = None

    @property
    def present(self) -> bool:
        return self.booking.checked_in_at is not None


@dataclass(frozen=True)
class Roster:
    booked: list[Entry]  # a seat: confirmed or offered, walk-ins too
    waitlist: list[Entry]  # in the order seats will be offered
    released: list[Entry]
    companion_requests: list[Entry]  # everyone active who asked for company

    @property
    def attendance(self) -> list[Entry]:
        """Who may turn up: seated people first, then the waitlist, each by name."""
        return sorted(self.booked, key=lambda e: e.person.name.lower()) + self.waitlist


def roster(session: Session, event: Event) -> Roster:
    """Everyone on an event, in one query."""
    companion = aliased(User)
    rows = session.exec(
        select(Booking, User, companion)
        .join(User, User.id == Booking.user_id)
        .outerjoin(companion, companion.id == Booking.companion_user_id)
        .where(Booking.event_id == event.id)
        .order_by(Booking.waitlisted_at, Booking.id)
    ).all()
    entries = [Entry(booking, person, helper) for booking, person, helper in rows]
    seated = (BookingStatus.CONFIRMED, BookingStatus.OFFERED)
    return Roster(
        booked=sorted((e for e in entries if e.booking.status in seated), key=lambda e: e.booking.id),
        waitlist=[e for e in entries if e.booking.status == BookingStatus.WAITLISTED],
        released=[e for e in entries if e.booking.status not in ACTIVE],
        companion_requests=[e for e in entries if e.booking.companion and e.booking.status in ACTIVE],
    )


def companion_requests(session: Session, event_ids: list[int]) -> dict[int, list[Entry]]:
    """Who asked for company, per event, in one query."""
    found: dict[int, list[Entry]] = {event_id: [] for event_id in event_ids}
    if not event_ids:
        return found
    companion = aliased(User)
    rows = session.exec(
        select(Booking, User, companion)
        .join(User, User.id == Booking.user_id)
        .outerjoin(companion, companion.id == Booking.companion_user_id)
        .where(Booking.event_id.in_(event_ids), Booking.status.in_(ACTIVE), Booking.companion.is_not(None))
        .order_by(Booking.id)
    ).all()
    for booking, person, helper in rows:
        found[booking.event_id].append(Entry(booking, person, helper))
    return found


def entry_for(session: Session, booking: Booking) -> Entry:
    companion = session.get(User, booking.companion_user_id) if booking.companion_user_id else None
    return Entry(booking, session.get(User, booking.user_id), companion)


def companion_choices(session: Session) -> list[User]:
    """Staff and mentors who can host an event or go along with a young person."""
    return list(
        session.exec(
            select(User)
            .where(User.disabled_at.is_(None), or_(User.is_staff, User.is_admin, User.is_mentor))
            .order_by(User.name)
        ).all()
    )


def find_young(session: Session, event_id: int, query: str, limit: int = 10) -> list[tuple[User, Booking | None]]:
    """Young people matching a name or e-mail, with their place at this event if they have one."""
    query = query.strip()[:100]
    if len(query) < 2:
        return []
    pattern = f"%{query.lower()}%"
    return list(
        session.exec(
            select(User, Booking)
            .outerjoin(Booking, (Booking.user_id == User.id) & (Booking.event_id == event_id))
            .where(
                User.is_young,
                User.disabled_at.is_(None),
                or_(User.name.ilike(pattern), User.email.like(pattern), User.preferred_name.ilike(pattern)),
            )
            .order_by(User.name)
            .limit(limit)
        ).all()
    )


def events_between(session: Session, start: datetime, end: datetime, *, newest_first: bool = False) -> list[Event]:
    order = Event.starts_at.desc() if newest_first else Event.starts_at
    return list(
        session.exec(select(Event).where(Event.starts_at >= start, Event.starts_at < end).order_by(order)).all()
    )


def upcoming_and_recent(session: Session, now: datetime, *, recent_days: int = 30) -> tuple[list[Event], list[Event]]:
    """Events not yet over (soonest first) and those of the last weeks (latest first)."""
    upcoming = list(session.exec(select(Event).where(Event.ends_at > now).order_by(Event.starts_at).limit(200)).all())
    recent = list(
        session.exec(
            select(Event)
            .where(Event.ends_at <= now, Event.ends_at > now - timedelta(days=recent_days))
            .order_by(Event.starts_at.desc())
        ).all()
    )
    return upcoming, recent


def companion_bookings(session: Session, user: User, now: datetime) -> list[tuple[Booking, Event, User]]:
    """Where `user` goes along with a young person, soonest first."""
    return list(
        session.exec(
            select(Booking, Event, User)
            .join(Event, Event.id == Booking.event_id)
            .join(User, User.id == Booking.user_id)
            .where(
                Booking.companion_user_id == user.id,
                Booking.status.in_([BookingStatus.CONFIRMED, BookingStatus.OFFERED, BookingStatus.WAITLISTED]),
                Event.status == EventStatus.SCHEDULED,
                Event.ends_at > now,
            )
            .order_by(Event.starts_at)
        ).all()
    )


def event_days(session: Session, now: datetime, tz: ZoneInfo) -> dict:
    """Today's and tomorrow's events with their bookings and who asked for company: three queries.

    The staff home shows it; `tz` is the hub's.
    """
    today = now.astimezone(tz).date()
    start = datetime.combine(today, time(), tz)
    events = events_between(session, start, start + timedelta(days=2))
    counts = stats.event_counts(session, events, now=now)
    requests = companion_requests(session, [e.id for e in events])
    days = []
    for offset, label in ((0, _l("Today")), (1, _l("Tomorrow"))):
        day = today + timedelta(days=offset)
        on_day = [e for e in events if e.starts_at.astimezone(tz).date() == day]
        days.append({"label": label, "date": day, "events": on_day})
    return {"days": days, "counts": counts, "requests": requests, "any": bool(events)}
