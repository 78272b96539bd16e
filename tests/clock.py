"""The tests' clock: a test that depends on the date or the time of day runs on a frozen clock,
and again at the moments where days and summer time turn over.

- `@pytest.mark.clock` (or `pytestmark = pytest.mark.clock` for a module) marks such a test;
  asking for the `clock` fixture marks it too. It runs with time stopped (time-machine,
  `tick=False`) at `DEFAULT`, a summer Wednesday afternoon, on both databases, and once more
  at each moment of `EDGES` on SQLite (the hub's date arithmetic is Python, not SQL), as
  `test_x[sqlite-before-midnight]`, and so on. `clock` is the traveller:
  `clock.shift(timedelta(hours=1))`, `clock.move_to(...)`.
- `HUB_TEST_NOW` runs every in-process test at one moment instead, marked or not:
  `HUB_TEST_NOW=after-midnight make test`, or an ISO time; without an offset it is the hub's
  wall time (`2027-03-28T01:59`), with one it is exact (`2026-10-25T02:30+01:00`, the second
  02:30 of the autumn night).
- Tests whose app runs in another process (Chromium's servers, gunicorn, the scale-out test)
  keep the real clock: the server cannot follow a frozen one.

Dates a test computes belong inside the test (or a fixture), never at import: parameters made
at import see the real day, the app under test the frozen one.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

HUB_TZ = ZoneInfo("Europe/Copenhagen")

DEFAULT = "afternoon"
MOMENTS = {
    DEFAULT: datetime(2026, 6, 10, 14, 0, tzinfo=HUB_TZ),  # a Wednesday in summer time
    # Sunday night to Monday morning, February to March: the day, the week and the month turn.
    "before-midnight": datetime(2027, 2, 28, 23, 59, tzinfo=HUB_TZ),
    "after-midnight": datetime(2027, 3, 1, 0, 1, tzinfo=HUB_TZ),
    # The last Sunday of March: 02:00 becomes 03:00, the day has 23 hours and 02:30 never happens.
    "spring-forward": datetime(2027, 3, 28, 3, 1, tzinfo=HUB_TZ),
    # The last Sunday of October: 03:00 becomes 02:00, the day has 25 hours; this is the second 02:30.
    "fall-back": datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=HUB_TZ),
}
EDGES = [name for name in MOMENTS if name != DEFAULT]

# Tests whose server is another process, on the real clock.
REAL_CLOCK_MARKERS = ("browser",)
REAL_CLOCK_FIXTURES = ("gunicorn_server",)
REAL_CLOCK_PATHS = ("tests/scaleout/",)


def parse_moment(value: str) -> datetime:
    """A moment by name (`MOMENTS`) or ISO time; a time without an offset is the hub's wall time."""
    if value in MOMENTS:
        return MOMENTS[value]
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        names = ", ".join(MOMENTS)
        raise pytest.UsageError(f"HUB_TEST_NOW={value!r}: name one of {names} or give an ISO time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=HUB_TZ)


EVERYWHERE = parse_moment(os.environ["HUB_TEST_NOW"]) if os.environ.get("HUB_TEST_NOW") else None


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "clock: depends on the date or the time of day; runs on a frozen clock, also at midnight and on DST days",
    )


def _on_clock(definition) -> bool:
    return definition.get_closest_marker("clock") is not None


def _on_real_clock(item) -> bool:
    path = item.nodeid.replace("\\", "/")
    return (
        any(item.get_closest_marker(name) for name in REAL_CLOCK_MARKERS)
        or any(name in item.fixturenames for name in REAL_CLOCK_FIXTURES)
        or path.startswith(REAL_CLOCK_PATHS)
    )


def pytest_generate_tests(metafunc):
    if EVERYWHERE is not None or not (_on_clock(metafunc.definition) or "clock" in metafunc.fixturenames):
        return
    metafunc.fixturenames.append("clock_moment")
    metafunc.parametrize("clock_moment", [DEFAULT, *EDGES], indirect=True)


def pytest_collection_modifyitems(config, items):
    """The edge moments run on SQLite only: what they test is the app's date arithmetic."""
    keep, drop = [], []
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        edge = params.get("clock_moment", DEFAULT) != DEFAULT
        (drop if edge and params.get("database") == "postgresql" else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture
def clock_moment(request) -> str:
    return getattr(request, "param", DEFAULT)


@pytest.fixture
def clock(request):
    """The clock stopped at this test's moment; the traveller moves it (`clock.shift(...)`)."""
    if EVERYWHERE is not None:
        moment = EVERYWHERE
    else:
        moment = MOMENTS[request.getfixturevalue("clock_moment")]
    # Travel to the UTC instant: a ZoneInfo destination would also change the process's local zone.
    with time_machine.travel(moment.astimezone(UTC), tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def _frozen_clock(request):
    """Freezes the marked tests, and every in-process test when HUB_TEST_NOW is set."""
    if not hasattr(request.node, "fixturenames") or _on_real_clock(request.node):
        return
    if EVERYWHERE is not None or "clock_moment" in request.fixturenames:
        request.getfixturevalue("clock")
