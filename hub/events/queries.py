"""What a young person's event pages show: read-only queries, shaped for the templates.

The booking rules live in services.py. This module only reads, and works out what a page may
offer (book, release, answer an offer), so that templates display and never decide.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from urllib.parse import quote_plus

from flask_babel import get_timezone
from sqlmodel import Session, select

from hub.accounts.models import User
from hub.events import services
from hub.events.models import Booking, BookingStatus, Event, EventStatus

MAX_LISTED = 200  # a hub's coming months fit easily; a phone should not render more
PAGE_SIZE = 20  # events on one page of the list (whole days, so a page may hold a few more)
EARLIER_SHOWN = 10
FEED_HISTORY = timedelta(days=30)  # the calendar feed keeps a month of past events


class PlaceState(StrEnum):
    """Where a person stands at an event, as they would say it."""

    CONFIRMED = "confirmed"  # they have a seat
    OFFERED = "offered"  # a seat is held for them; they can still say yes
    WAITLISTED = "waitlisted"
    MISSED = "missed"  # the offer or the wait ran out
    RELEASED = "released"  # they let it go
    EVENT_CANCELLED = "event_cancelled"


@dataclass(frozen=True)
class Place:
    """One person's booking at one event, with what they can do about it now."""

    booking: Booking
    event: Event
    state: PlaceState
    position: int | None  # on the waitlist; 1 is next in line
    closes_at: datetime  # booking and free release end here
    late: bool  # past closes_at
    started: bool
    over: bool
    offer_left: timedelta | None = None  # OFFERED: how long they still have to say yes

    @property
    def is_upcoming(self) -> bool:
        return not self.over and self.state in (PlaceState.CONFIRMED, PlaceState.OFFERED, PlaceState.WAITLISTED)

    @property
    def can_release(self) -> bool:
        return not self.started and self.state in (PlaceState.CONFIRMED, PlaceState.WAITLISTED)

    @property
    def can_answer(self) -> bool:
        return self.state == PlaceState.OFFERED

    @property
    def klip_back(self) -> bool:
        """Releasing now returns their klip: only a seat kept past the cut-off costs them."""
        return self.booking.klip_paid > 0 and not (self.state == PlaceState.CONFIRMED and self.late)

    @property
    def has_ticket(self) -> bool:
        return self.state == PlaceState.CONFIRMED and not self.over


def place_of(booking: Booking, event: Event, now: datetime, position: int | None = None) -> Place:
    started = now >= event.starts_at
    if event.status == EventStatus.CANCELLED or booking.status == BookingStatus.EVENT_CANCELLED:
        state = PlaceState.EVENT_CANCELLED
    elif booking.status == BookingStatus.OFFERED and now < booking.offer_expires_at and not started:
        state = PlaceState.OFFERED
    elif booking.status == BookingStatus.WAITLISTED and not started:
        state = PlaceState.WAITLISTED
    elif booking.status == BookingStatus.CONFIRMED:
        state = PlaceState.CONFIRMED
    elif booking.status == BookingStatus.CANCELLED:
        state = PlaceState.RELEASED
    else:  # expired, or an offer or a wait the scheduler has not closed yet
        state = PlaceState.MISSED
    closes_at = services.booking_closes_at(event)
    return Place(
        booking=booking,
        event=event,
        state=state,
        position=position if state == PlaceState.WAITLISTED else None,
        closes_at=closes_at,
        late=now >= closes_at,
        started=started,
        over=now >= event.ends_at,
        offer_left=booking.offer_expires_at - now if state == PlaceState.OFFERED else None,
    )


def _still_on(now: datetime):
    """SQL for Place.is_upcoming: a seat before the end, a live offer or a wait before the start."""
    return (Event.status == EventStatus.SCHEDULED) & (
        ((Booking.status == BookingStatus.CONFIRMED) & (Event.ends_at > now))
        | ((Booking.status == BookingStatus.WAITLISTED) & (Event.starts_at > now))
        | ((Booking.status == BookingStatus.OFFERED) & (Booking.offer_expires_at > now) & (Event.starts_at > now))
    )


def waitlist_positions(session: Session, bookings: list[Booking]) -> dict[int, int]:
    """Waitlist places for many bookings in one query, in the order services.promote uses."""
    waiting = [b for b in bookings if b.status == BookingStatus.WAITLISTED]
    if not waiting:
        return {}
    rows = session.exec(
        select(Booking.id, Booking.event_id)
        .where(Booking.event_id.in_({b.event_id for b in waiting}), Booking.status == BookingStatus.WAITLISTED)
        .order_by(Booking.event_id, Booking.waitlisted_at, Booking.id)
    ).all()
    counter: Counter = Counter()
    positions = {}
    for booking_id, event_id in rows:
        counter[event_id] += 1
        positions[booking_id] = counter[event_id]
    return positions


def places(session: Session, rows: list[tuple[Booking, Event]], now: datetime) -> list[Place]:
    positions = waitlist_positions(session, [booking for booking, _ in rows])
    return [place_of(booking, event, now, positions.get(booking.id)) for booking, event in rows]


def _mine(user_id: int):
    return select(Booking, Event).join(Event, Event.id == Booking.event_id).where(Booking.user_id == user_id)


def upcoming_places(session: Session, user: User, now: datetime, limit: int | None = None) -> list[Place]:
    """Seats, live offers and waits still ahead; offers first (they need an answer), then by start."""
    statement = _mine(user.id).where(_still_on(now)).order_by(Event.starts_at, Event.id)
    found = places(session, session.exec(statement).all(), now)
    found.sort(key=lambda p: p.state != PlaceState.OFFERED)  # a stable sort keeps the start order
    return found[:limit] if limit else found


def live_offers(session: Session, user: User, now: datetime) -> list[Place]:
    """Seats held for this person that they can still say yes to, the soonest deadline first."""
    statement = _mine(user.id).where(
        Event.status == EventStatus.SCHEDULED,
        Booking.status == BookingStatus.OFFERED,
        Booking.offer_expires_at > now,
        Event.starts_at > now,
    )
    found = places(session, session.exec(statement.order_by(Booking.offer_expires_at, Booking.id)).all(), now)
    return [place for place in found if place.can_answer]


def earlier_places(session: Session, user: User, now: datetime) -> list[Place]:
    """What is over or was let go: the latest first, a handful only."""
    statement = (
        _mine(user.id).where(~_still_on(now)).order_by(Event.starts_at.desc(), Event.id.desc()).limit(EARLIER_SHOWN)
    )
    return places(session, session.exec(statement).all(), now)


def feed_events(session: Session, user_id: int, now: datetime) -> list[Event]:
    """Events in a person's calendar: seats they hold, and events cancelled under them."""
    return list(
        session.exec(
            select(Event)
            .join(Booking, Booking.event_id == Event.id)
            .where(
                Booking.user_id == user_id,
                Booking.status.in_([BookingStatus.CONFIRMED, BookingStatus.EVENT_CANCELLED]),
                Event.starts_at >= now - FEED_HISTORY,
            )
            .order_by(Event.starts_at)
        ).all()
    )


# --- the list of events ---


@dataclass(frozen=True)
class EventCard:
    event: Event
    host: str
    seats_left: int
    waiting: int
    place: Place | None

    @property
    def cancelled(self) -> bool:
        return self.event.status == EventStatus.CANCELLED

    @property
    def full(self) -> bool:
        return self.seats_left <= 0


@dataclass
class Day:
    day: date
    cards: list[EventCard] = field(default_factory=list)


@dataclass
class Section:
    key: str  # today | week | later
    days: list[Day] = field(default_factory=list)


def upcoming_events(
    session: Session, user: User, now: datetime, category: str | None = None, start: date | None = None
) -> list[Event]:
    """Events that have not ended and that this person may see, by start; with `start` (a day
    after today: a later page of the list), only those from that local day on."""
    statement = select(Event).where(Event.ends_at > now).order_by(Event.starts_at, Event.id).limit(MAX_LISTED)
    if category:
        statement = statement.where(Event.category == category)
    if start is not None:
        midnight = datetime.combine(start, datetime.min.time(), tzinfo=get_timezone())
        statement = statement.where(Event.starts_at >= midnight)
    return [event for event in session.exec(statement).all() if services.can_see(user, event)]


def list_day_of(when: datetime) -> date:
    return when.astimezone(get_timezone()).date()


def list_day(event: Event, now: datetime) -> date:
    """The local day an event is listed under: its first, or today for one that began earlier."""
    return max(list_day_of(event.starts_at), list_day_of(now))


def page_of(events: list[Event], now: datetime) -> tuple[list[Event], date | None]:
    """One page of the list: the first PAGE_SIZE events and the rest of the last one's day (a day
    is never split over two pages), and the day the next page starts on (None: this is the last)."""
    if len(events) <= PAGE_SIZE:
        return events, None
    last_day = list_day(events[PAGE_SIZE - 1], now)
    end = PAGE_SIZE
    while end < len(events) and list_day(events[end], now) == last_day:
        end += 1
    return events[:end], list_day(events[end], now) if end < len(events) else None


def host_names(session: Session, events: list[Event]) -> dict[int, str]:
    """Who runs each event: the host's name, or the partner named on the event."""
    host_ids = {e.host_id for e in events if e.host_id}
    hosts = {}
    if host_ids:
        hosts = {u.id: u.display_name for u in session.exec(select(User).where(User.id.in_(host_ids))).all()}
    return {e.id: hosts.get(e.host_id) or e.host_name for e in events}


def event_cards(session: Session, user: User, events: list[Event], now: datetime) -> list[EventCard]:
    """Cards with seats, host and the person's own place: a fixed handful of queries for any number."""
    ids = [e.id for e in events]
    if not ids:
        return []
    seats = services.seats_for(session, ids)
    hosts = host_names(session, events)
    events_by_id = {e.id: e for e in events}
    own = session.exec(select(Booking).where(Booking.user_id == user.id, Booking.event_id.in_(ids))).all()
    mine = {p.event.id: p for p in places(session, [(b, events_by_id[b.event_id]) for b in own], now)}
    return [
        EventCard(
            event=e,
            host=hosts[e.id],
            seats_left=seats[e.id].left(e),
            waiting=seats[e.id].waitlisted,
            place=mine.get(e.id),
        )
        for e in events
    ]


def by_day(cards: list[EventCard], now: datetime) -> list[Section]:
    """Group cards by local day, under Today, This week (to Sunday) and Later."""
    today = list_day_of(now)
    sunday = today + timedelta(days=6 - today.weekday())
    sections: list[Section] = []
    for card in cards:
        day = list_day(card.event, now)
        key = "today" if day == today else "week" if day <= sunday else "later"
        if not sections or sections[-1].key != key:
            sections.append(Section(key))
        days = sections[-1].days
        if not days or days[-1].day != day:
            days.append(Day(day))
        days[-1].cards.append(card)
    return sections


def map_url(event: Event) -> str:
    return "https://www.openstreetmap.org/search?query=" + quote_plus(event.address or event.place)
