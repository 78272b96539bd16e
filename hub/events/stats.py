"""Numbers about events for staff and the evaluation: counts per event, attendance per month.

Nothing here names a person: the CSV export holds counts only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func
from sqlmodel import Session, select

from hub.core.export import csv_text
from hub.events.models import ACTIVE, Booking, BookingStatus, Category, Event, EventStatus


@dataclass(frozen=True)
class EventCounts:
    confirmed: int = 0  # holding a seat, walk-ins included
    offered: int = 0
    waitlisted: int = 0
    attended: int = 0  # people with an account who were checked in
    walk_ins: int = 0  # of those, how many came without a place
    no_shows: int = 0  # had a seat, attendance was taken, did not come
    companion_requests: int = 0  # asked for company, nobody assigned yet

    @property
    def booked(self) -> int:
        """Places booked ahead (walk-ins are counted on their own)."""
        return self.confirmed - self.walk_ins

    @property
    def taken(self) -> int:
        return self.confirmed + self.offered


def _total(condition) -> object:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def event_counts(session: Session, events: list[Event], *, now: datetime) -> dict[int, EventCounts]:
    """Counts for many events in one grouped query."""
    ids = [event.id for event in events]
    if not ids:
        return {}
    confirmed = Booking.status == BookingStatus.CONFIRMED
    rows = session.exec(
        select(
            Booking.event_id,
            _total(confirmed),
            _total(Booking.status == BookingStatus.OFFERED),
            _total(Booking.status == BookingStatus.WAITLISTED),
            func.count(Booking.checked_in_at),
            _total(and_(confirmed, Booking.walk_in.is_(True))),
            _total(and_(confirmed, Booking.checked_in_at.is_(None))),
            _total(
                and_(Booking.status.in_(ACTIVE), Booking.companion.is_not(None), Booking.companion_user_id.is_(None))
            ),
        )
        .where(Booking.event_id.in_(ids))
        .group_by(Booking.event_id)
    ).all()
    found = {row[0]: row[1:] for row in rows}
    counts = {}
    for event in events:
        confirmed_n, offered, waitlisted, attended, walk_ins, missing, requests = found.get(event.id, (0,) * 7)
        # The same rule as the no-show job: only once it is over, and only if attendance was taken.
        no_shows = missing if event.ends_at <= now and attended else 0
        counts[event.id] = EventCounts(
            int(confirmed_n), int(offered), int(waitlisted), int(attended), int(walk_ins), int(no_shows), int(requests)
        )
    return counts


@dataclass
class Month:
    year: int
    month: int
    by_category: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.by_category.values())

    @property
    def key(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def _months_between(start: datetime, end: datetime) -> list[tuple[int, int]]:
    months, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month):
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def monthly_attendance(session: Session, *, since: datetime, until: datetime, tz: ZoneInfo) -> list[Month]:
    """People who came, per local month and category: checked in plus anonymous walk-ins.

    One grouped query per event; months are made in Python so the same code runs on SQLite
    and PostgreSQL (their date functions differ) and follow the hub's own time zone.
    """
    rows = session.exec(
        select(Event.starts_at, Event.category, Event.anonymous_walk_ins, func.count(Booking.checked_in_at))
        .select_from(Event)
        .outerjoin(Booking, Booking.event_id == Event.id)
        .where(Event.status == EventStatus.SCHEDULED, Event.starts_at >= since, Event.starts_at < until)
        .group_by(Event.id, Event.starts_at, Event.category, Event.anonymous_walk_ins)
    ).all()
    local_since, local_until = since.astimezone(tz), (until - timedelta(microseconds=1)).astimezone(tz)
    months = {ym: Month(*ym, {c.value: 0 for c in Category}) for ym in _months_between(local_since, local_until)}
    for starts_at, category, anonymous, attended in rows:
        local = starts_at.astimezone(tz)
        month = months.setdefault((local.year, local.month), Month(local.year, local.month, {}))
        month.by_category[category] = month.by_category.get(category, 0) + int(attended) + int(anonymous)
    return [months[key] for key in sorted(months)]


@dataclass(frozen=True)
class Bar:
    x: int
    y: int
    width: int
    height: int
    label: str
    value: int


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    baseline: int
    bars: list[Bar]
    highest: int


def bar_chart(months: list[Month], *, width: int = 480, height: int = 220) -> Chart:
    """Geometry for a plain bar chart of the monthly totals; the template only draws it."""
    top, bottom = 24, 28  # room for the numbers above and the months below
    highest = max((m.total for m in months), default=0)
    slot = width // max(1, len(months))
    space = height - top - bottom
    bars = []
    for i, month in enumerate(months):
        bar_height = round(space * month.total / highest) if highest else 0
        bars.append(
            Bar(
                x=i * slot + slot // 6,
                y=top + space - bar_height,
                width=max(1, slot - slot // 3),
                height=bar_height,
                label=month.key,
                value=month.total,
            )
        )
    return Chart(width=width, height=height, baseline=top + space, bars=bars, highest=highest)


CSV_COLUMNS = [
    "id",
    "title",
    "category",
    "start_local",
    "capacity",
    "booked",
    "waitlisted",
    "attended",
    "no_shows",
    "walk_ins",
    "anonymous_walk_ins",
    "status",
]


def export_csv(session: Session, *, tz: ZoneInfo, now: datetime | None = None) -> str:
    """One row per event, counts only: no names, no e-mails, nothing about a person."""
    now = now or datetime.now(UTC)
    events = list(session.exec(select(Event).order_by(Event.starts_at, Event.id)).all())
    counts = event_counts(session, events, now=now)
    rows = (
        (
            event.id,
            event.title,
            event.category,
            event.starts_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
            event.capacity,
            counts[event.id].booked,
            counts[event.id].waitlisted,
            counts[event.id].attended,
            counts[event.id].no_shows,
            counts[event.id].walk_ins,
            event.anonymous_walk_ins,
            event.status,
        )
        for event in events
    )
    return csv_text(CSV_COLUMNS, rows)
