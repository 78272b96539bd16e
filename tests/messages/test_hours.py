"""Opening hours, honest reply promises counted in open time, and which help lines are open."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from hub.messages import hours
from hub.messages.models import CrisisLine, OpeningHours, TopicSetting

DEFAULT = dict(hours.DEFAULT_HOURS)  # Mon–Fri 13–21


def local(text: str) -> datetime:
    """A wall-clock time in Aarhus, e.g. "2026-03-02 14:00" (a Monday)."""
    return datetime.fromisoformat(text).replace(tzinfo=hours.AARHUS)


def same(a: datetime | None, b: datetime) -> bool:
    return a is not None and a.astimezone(UTC) == b.astimezone(UTC)


# --- opening hours -------------------------------------------------------------------------------


def test_default_hours_until_staff_set_their_own(world):
    with world() as s:
        assert hours.opening_hours(s) == DEFAULT
        s.add(OpeningHours(weekday=0, opens=time(9), closes=time(15)))
        s.add(OpeningHours(weekday=1, opens=time(15), closes=time(9)))  # nonsense: closed
        s.add(OpeningHours(weekday=2))
        s.flush()
        saved = hours.opening_hours(s)
    assert saved[0] == (time(9), time(15))
    assert saved[1] is None and saved[2] is None
    assert saved[3] is None  # once staff set hours, a day they left out is closed


@pytest.mark.parametrize(
    ("at", "open_"),
    [
        ("2026-03-02 12:59", False),
        ("2026-03-02 13:00", True),
        ("2026-03-02 20:59", True),
        ("2026-03-02 21:00", False),
        ("2026-03-07 15:00", False),  # Saturday
    ],
)
def test_is_open(at, open_):
    assert hours.is_open(DEFAULT, local(at)) is open_
    assert hours.is_open(DEFAULT, local(at).astimezone(UTC)) is open_  # whatever zone it comes in


@pytest.mark.parametrize(
    ("at", "opens"),
    [
        ("2026-03-02 10:00", "2026-03-02 13:00"),  # later today
        ("2026-03-02 15:30", "2026-03-02 15:30"),  # open now
        ("2026-03-02 21:00", "2026-03-03 13:00"),  # just closed
        ("2026-03-06 22:00", "2026-03-09 13:00"),  # Friday night: Monday
        ("2026-03-08 12:00", "2026-03-09 13:00"),  # Sunday
    ],
)
def test_next_opening(at, opens):
    assert same(hours.next_opening(DEFAULT, local(at)), local(opens))


def test_a_hub_that_never_opens_makes_no_promise():
    closed = dict.fromkeys(range(7))
    assert hours.next_opening(closed, local("2026-03-02 10:00")) is None
    assert hours.reply_due(closed, local("2026-03-02 10:00"), 4) is None


# --- reply promises ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sent", "norm", "due"),
    [
        ("2026-03-02 14:00", 4, "2026-03-02 18:00"),  # within the afternoon
        ("2026-03-02 19:00", 4, "2026-03-03 15:00"),  # over closing time: 2 h today, 2 h tomorrow
        ("2026-03-02 09:00", 4, "2026-03-02 17:00"),  # before opening: counts from 13
        ("2026-03-02 23:30", 8, "2026-03-03 21:00"),  # at night: a whole next day
        ("2026-03-06 20:00", 4, "2026-03-09 16:00"),  # Friday evening, across the weekend
        ("2026-03-07 11:00", 4, "2026-03-09 17:00"),  # Saturday
        ("2026-03-02 13:00", 24, "2026-03-04 21:00"),  # three whole days
    ],
)
def test_reply_due_counts_only_open_hours(sent, norm, due):
    assert same(hours.reply_due(DEFAULT, local(sent), norm), local(due))


def test_reply_due_over_the_switch_to_summer_time():
    """Friday evening in winter time, answered Monday afternoon in summer time."""
    due = hours.reply_due(DEFAULT, local("2026-03-27 20:00"), 4)
    assert same(due, local("2026-03-30 16:00"))
    assert due.astimezone(UTC).hour == 14  # UTC+2 now


def test_an_open_day_with_the_switch_in_it_counts_real_hours():
    """On the night clocks go forward, 00:00–23:00 is 22 real hours, not 23."""
    all_day = {day: (time(0), time(23)) for day in range(7)}
    assert same(hours.reply_due(all_day, local("2026-03-29 00:00"), 22), local("2026-03-29 23:00"))
    # And on the night they go back, 25 real hours would be 24 on the clock: 00:00–23:00 is 24 h.
    assert same(hours.reply_due(all_day, local("2026-10-25 00:00"), 24), local("2026-10-25 23:00"))


def test_response_norms(world):
    with world() as s:
        assert hours.response_hours(s, "feelings") == hours.DEFAULT_RESPONSE_HOURS
        s.add(TopicSetting(topic="feelings", response_hours=4))
        s.flush()
        assert hours.response_hours(s, "feelings") == 4
        norms = hours.response_norms(s)
    assert norms["feelings"] == 4 and norms["housing"] == 24 and len(norms) == 8


# --- help lines ----------------------------------------------------------------------------------


def line(**fields) -> CrisisLine:
    return CrisisLine(name="Linje", phone="70 20 12 01", **fields)


@pytest.mark.parametrize(
    ("at", "open_"),
    [
        ("2026-03-02 17:59", False),
        ("2026-03-02 18:00", True),
        ("2026-03-02 23:59", True),
        ("2026-03-03 01:59", True),
        ("2026-03-03 02:00", False),
        ("2026-03-03 12:00", False),
    ],
)
def test_a_line_open_over_midnight(at, open_):
    night = line(always_open=False, opens=time(18), closes=time(2))
    assert hours.line_is_open(night, local(at).astimezone(UTC)) is open_


def test_a_daytime_line_and_one_always_open():
    day = line(always_open=False, opens=time(9), closes=time(15))
    assert hours.line_is_open(day, local("2026-03-02 14:59"))
    assert not hours.line_is_open(day, local("2026-03-02 15:00"))
    assert hours.line_is_open(line(always_open=True), local("2026-03-02 04:00"))


def test_lines_open_now_in_order_and_only_active(world):
    with world() as s:
        s.add(CrisisLine(name="Natlinjen", phone="1", always_open=False, opens=time(22), closes=time(6), position=2))
        s.add(CrisisLine(name="Døgnlinjen", phone="2", always_open=True, position=1))
        s.add(CrisisLine(name="Dagtimer", phone="3", always_open=False, opens=time(9), closes=time(17), position=0))
        s.add(CrisisLine(name="Nedlagt", phone="4", always_open=True, position=3, active=False))
        s.flush()
        assert [x.name for x in hours.crisis_lines(s)] == ["Dagtimer", "Døgnlinjen", "Natlinjen"]
        assert [x.name for x in hours.lines_open_now(s, local("2026-03-02 23:00"))] == ["Døgnlinjen", "Natlinjen"]
        assert [x.name for x in hours.lines_open_now(s, local("2026-03-02 10:00"))] == ["Dagtimer", "Døgnlinjen"]
