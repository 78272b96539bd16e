"""Numbers about messages for evaluation: how soon the hub answers, and what young people
write about, per month. Counts and durations only: nothing here names a person.

One query, grouped in Python: medians and local months come out the same on SQLite and
PostgreSQL (their date and percentile functions differ).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from hub.core.export import csv_text
from hub.events.stats import Month, bar_chart  # the same plain chart as for events
from hub.messages.models import Conversation, Topic

__all__ = ["Month", "Numbers", "bar_chart", "export_csv", "numbers", "year_back"]


def year_back(now: datetime, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """From the first day of the month eleven months ago until the end of this month, local time."""
    local = now.astimezone(tz)
    year, month = (local.year, local.month - 11) if local.month > 11 else (local.year - 1, local.month + 1)
    since = datetime.combine(local.replace(year=year, month=month, day=1).date(), time(), tz)
    next_month = (local.replace(day=28) + timedelta(days=4)).replace(day=1)
    return since, datetime.combine(next_month.date(), time(), tz)


def _months(since: datetime, until: datetime) -> list[tuple[int, int]]:
    months, year, month = [], since.year, since.month
    last = until - timedelta(microseconds=1)
    while (year, month) <= (last.year, last.month):
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


@dataclass
class Numbers:
    months: list[Month]  # conversations started, per local month and topic
    median_all: timedelta | None  # first response on hub conversations
    median_by_topic: dict[str, timedelta | None]
    answered_by_topic: dict[str, int] = field(default_factory=dict)
    # per (year, month, topic): (started, answered by the hub, median first response)
    cells: dict[tuple[int, int, str], tuple[int, int, timedelta | None]] = field(default_factory=dict)

    @property
    def answered(self) -> int:
        return sum(self.answered_by_topic.values())


def _median(values: list[timedelta]) -> timedelta | None:
    if not values:
        return None
    return timedelta(seconds=round(statistics.median(v.total_seconds() for v in values)))


def numbers(session: Session, *, since: datetime, until: datetime, tz: ZoneInfo) -> Numbers:
    """Conversations young people started in [since, until): with the hub or a support person
    (both count as messages); first-response times for the hub's only."""
    rows = session.exec(
        select(Conversation.created_at, Conversation.topic, Conversation.supporter_id, Conversation.first_response_at)
        .where(Conversation.created_at >= since, Conversation.created_at < until)
        .where(Conversation.started_by_id == Conversation.young_id)
    ).all()
    topics = [topic.value for topic in Topic]
    months = {ym: Month(*ym, dict.fromkeys(topics, 0)) for ym in _months(since.astimezone(tz), until.astimezone(tz))}
    waits: dict[str, list[timedelta]] = {topic: [] for topic in topics}
    cell_waits: dict[tuple[int, int, str], list[timedelta]] = {}
    for created_at, topic, supporter_id, first_response_at in rows:
        local = created_at.astimezone(tz)
        month = months.setdefault((local.year, local.month), Month(local.year, local.month, dict.fromkeys(topics, 0)))
        month.by_category[topic] = month.by_category.get(topic, 0) + 1
        key = (local.year, local.month, topic)
        cell_waits.setdefault(key, [])
        if supporter_id is None and first_response_at is not None:
            wait = first_response_at - created_at
            waits.setdefault(topic, []).append(wait)
            cell_waits[key].append(wait)
    everything = [wait for per_topic in waits.values() for wait in per_topic]
    cells = {
        key: (months[key[:2]].by_category.get(key[2], 0), len(found), _median(found))
        for key, found in cell_waits.items()
    }
    return Numbers(
        months=[months[key] for key in sorted(months)],
        median_all=_median(everything),
        median_by_topic={topic: _median(found) for topic, found in waits.items()},
        answered_by_topic={topic: len(found) for topic, found in waits.items()},
        cells=cells,
    )


CSV_COLUMNS = ["month", "topic", "conversations_started", "answered_by_hub", "median_first_response_minutes"]


def export_csv(result: Numbers) -> str:
    """One row per month and topic with anything in it: counts and minutes, no people."""
    rows = []
    for month in result.months:
        for topic in (t.value for t in Topic):
            started, answered, median = result.cells.get((month.year, month.month, topic), (0, 0, None))
            if started:
                minutes = round(median.total_seconds() / 60) if median is not None else ""
                rows.append((month.key, topic, started, answered, minutes))
    return csv_text(CSV_COLUMNS, rows)
