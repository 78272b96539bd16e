"""Time at the hub: opening hours, whether someone is there now, and honest reply promises.

A promise of "an answer within 4 hours" counts only hours when the hub is open: a message
sent on Friday night is answered on Monday afternoon, and the page says so.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from hub.messages.models import CrisisLine, OpeningHours, Topic, TopicSetting

AARHUS = ZoneInfo("Europe/Copenhagen")
# Afternoons and evenings on weekdays, until staff set their own.
DEFAULT_HOURS: dict[int, tuple[time, time] | None] = {
    **{day: (time(13, 0), time(21, 0)) for day in range(5)},
    5: None,
    6: None,
}
DEFAULT_RESPONSE_HOURS = 24
HORIZON_DAYS = 60  # a hub closed for longer than this has no promise to make

Hours = dict[int, tuple[time, time] | None]


def opening_hours(session: Session) -> Hours:
    """Per weekday (0 Monday), the hours the hub is staffed, or None when closed."""
    rows = {row.weekday: row for row in session.exec(select(OpeningHours))}
    if not rows:
        return dict(DEFAULT_HOURS)
    hours: Hours = {}
    for day in range(7):
        row = rows.get(day)
        hours[day] = (row.opens, row.closes) if row and row.opens and row.closes and row.opens < row.closes else None
    return hours


def _open_span(hours: Hours, day: datetime) -> tuple[datetime, datetime] | None:
    """That local day's open hours, in UTC: arithmetic on datetimes sharing a zoneinfo ignores
    summer time, so an opening span that crosses the switch would be an hour off."""
    span = hours.get(day.weekday())
    if span is None:
        return None
    opens, closes = span
    return (
        datetime.combine(day.date(), opens, tzinfo=AARHUS).astimezone(UTC),
        datetime.combine(day.date(), closes, tzinfo=AARHUS).astimezone(UTC),
    )


def is_open(hours: Hours, at: datetime) -> bool:
    span = _open_span(hours, at.astimezone(AARHUS))
    return span is not None and span[0] <= at < span[1]


def next_opening(hours: Hours, at: datetime) -> datetime | None:
    """When the hub next opens after `at` (or `at` itself when it is open)."""
    local = at.astimezone(AARHUS)
    for offset in range(HORIZON_DAYS):
        span = _open_span(hours, local + timedelta(days=offset))
        if span is None:
            continue
        opens, closes = span
        if at < closes:
            return max(opens, at)
    return None


def reply_due(hours: Hours, start: datetime, response_hours: int) -> datetime | None:
    """When an answer is due: `response_hours` of opening time after `start`."""
    left = timedelta(hours=response_hours)
    local = start.astimezone(AARHUS)
    for offset in range(HORIZON_DAYS):
        span = _open_span(hours, local + timedelta(days=offset))
        if span is None:
            continue
        opens, closes = span
        begin = max(opens, start)
        if begin >= closes:
            continue
        if begin + left <= closes:
            return begin + left
        left -= closes - begin
    return None


def response_hours(session: Session, topic: str) -> int:
    setting = session.get(TopicSetting, topic)
    return setting.response_hours if setting else DEFAULT_RESPONSE_HOURS


def response_norms(session: Session) -> dict[str, int]:
    saved = {row.topic: row.response_hours for row in session.exec(select(TopicSetting))}
    return {topic.value: saved.get(topic.value, DEFAULT_RESPONSE_HOURS) for topic in Topic}


def line_is_open(line: CrisisLine, at: datetime) -> bool:
    if line.always_open or line.opens is None or line.closes is None:
        return True
    now = at.astimezone(AARHUS).time()
    if line.opens <= line.closes:
        return line.opens <= now < line.closes
    return now >= line.opens or now < line.closes  # open over midnight


def crisis_lines(session: Session) -> list[CrisisLine]:
    return list(session.exec(select(CrisisLine).where(CrisisLine.active).order_by(CrisisLine.position)))


def lines_open_now(session: Session, at: datetime) -> list[CrisisLine]:
    return [line for line in crisis_lines(session) if line_is_open(line, at)]
