"""The tests' clock: no in-process test reads the real date, and a test that depends on the date
or the time of day is also run where days and summer time turn over.

- Every test whose app runs in this process starts at `DEFAULT`, a summer Wednesday afternoon,
  and its clock runs on from there (time-machine, `tick=True`): a run on any day, at any hour,
  sees the same dates.
- `@pytest.mark.clock` (or `pytestmark = pytest.mark.clock` for a module) marks a test whose
  outcome depends on the date or the time of day; asking for the `clock` fixture marks it too.
  Its clock stands still (`tick=False`) at `DEFAULT` on both databases, and the test runs once
  more at each moment of `EDGES` on SQLite (the hub's date arithmetic is Python, not SQL), as
  `test_x[sqlite-before-midnight]` and so on. `clock` is the traveller:
  `clock.shift(timedelta(hours=1))`, `clock.move_to(...)`.
- `HUB_TEST_NOW` starts every in-process test at one moment instead, marked tests standing still
  there: `HUB_TEST_NOW=after-midnight make test`, or an ISO time; without an offset it is the
  hub's wall time (`2027-03-28T01:59`), with one it is exact (`2027-10-31T02:30+01:00`, the
  second 02:30 of the autumn night).
- Tests whose app runs in another process (Chromium's servers, gunicorn, schedulers started as
  processes, the scale-out test) keep the machine's clock: the other process cannot follow a
  frozen one. Such a test is marked `@pytest.mark.real_clock` unless its marker or fixture says
  so already (`browser`, `gunicorn_server`). `HUB_TEST_NOW=real` puts every test on the machine's
  clock, as before the frozen one.

Dates a test computes belong inside the test (or a fixture), never at import: parameters made
at import see the real day, the app under test the frozen one.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

HUB_TZ = ZoneInfo("Europe/Copenhagen")

DEFAULT = "afternoon"
MOMENTS = {
    DEFAULT: datetime(2027, 6, 9, 14, 0, tzinfo=HUB_TZ),  # a Wednesday in summer time, after the release
    # Sunday night to Monday morning, February to March: the day, the week and the month turn.
    "before-midnight": datetime(2027, 2, 28, 23, 59, tzinfo=HUB_TZ),
    "after-midnight": datetime(2027, 3, 1, 0, 1, tzinfo=HUB_TZ),
    # The last Sunday of March: 02:00 becomes 03:00, the day has 23 hours and 02:30 never happens.
    "spring-forward": datetime(2027, 3, 28, 3, 1, tzinfo=HUB_TZ),
    # The last Sunday of October: 03:00 becomes 02:00, the day has 25 hours; this is the second 02:30.
    "fall-back": datetime(2027, 10, 31, 2, 30, fold=1, tzinfo=HUB_TZ),
}
EDGES = [name for name in MOMENTS if name != DEFAULT]

# Tests whose server is another process, on the real clock.
REAL_CLOCK_MARKERS = ("real_clock", "browser")
REAL_CLOCK_FIXTURES = ("gunicorn_server", "web")  # web: test_log_privacy.py's gunicorn and scheduler
REAL_CLOCK_PATHS = ("tests/scaleout/", "tests/ops/", "tests/test_bench")  # installs, outages, backups, benchmarks


def hub_today() -> date:
    """The day it is in Aarhus, on the tests' clock: the app's "today" (`date.today()` is the machine's)."""
    return datetime.now(HUB_TZ).date()


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


NOW = os.environ.get("HUB_TEST_NOW", "")
REAL = NOW == "real"
EVERYWHERE = parse_moment(NOW) if NOW and not REAL else None


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "clock: depends on the date or the time of day; runs on a frozen clock, also at midnight and on DST days",
    )
    config.addinivalue_line(
        "markers", "real_clock: runs the app in another process, so keeps the machine's clock (tests/clock.py)"
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
    if REAL or EVERYWHERE is not None or not (_on_clock(metafunc.definition) or "clock" in metafunc.fixturenames):
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
    """The name of the moment this test runs at (its `clock_moment` parameter, if it has one)."""
    return _moment_of(request.node) or DEFAULT


def _moment_of(item) -> str | None:
    # Read from the parameters: pytest leaves a parameter's fixture out of the test's own names.
    return getattr(getattr(item, "callspec", None), "params", {}).get("clock_moment")


@pytest.fixture
def clock(request):
    """The clock stopped at this test's moment; the traveller moves it (`clock.shift(...)`)."""
    moment = EVERYWHERE or MOMENTS[_moment_of(request.node) or DEFAULT]
    with _travel(moment, tick=False) as traveller:
        yield traveller


def _travel(moment: datetime, *, tick: bool):
    # To the UTC instant: a ZoneInfo destination would also change the process's local zone.
    return time_machine.travel(moment.astimezone(UTC), tick=tick)


@pytest.fixture(autouse=True)
def _test_clock(request):
    """Marked tests on the stopped `clock`; every other in-process test from the same moment on."""
    if REAL or _on_real_clock(request.node):
        yield
    elif _moment_of(request.node) or (EVERYWHERE and _on_clock(request.node)):
        request.getfixturevalue("clock")
        yield
    else:
        with _travel(EVERYWHERE or MOMENTS[DEFAULT], tick=True):
            yield
