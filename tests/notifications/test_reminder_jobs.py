"""The scheduled jobs that make notifications, on a frozen clock: each reminder comes once, in
its window, never for a cancelled booking or event, and a missed one is not sent stale. Also the
scheduler's job list: every job is idempotent, and the runner lets late runs happen."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from sqlmodel import Session, select

from hub.checkins.jobs import remind_supporters
from hub.credits import jobs as credit_jobs
from hub.credits import services as ledger
from hub.credits.models import Allotment
from hub.events.jobs import send_reminders
from hub.events.models import Booking, BookingStatus, EventStatus
from hub.notifications.models import Notification
from hub.scheduler import runner
from tests.checkins.helpers import add_checkin, add_link
from tests.events.helpers import make_event
from tests.factories import make_user

HOUR = timedelta(hours=1)
SECOND = timedelta(seconds=1)


def notes(s: Session, **where) -> list[Notification]:
    query = select(Notification).order_by(Notification.id)
    for column, value in where.items():
        query = query.where(getattr(Notification, column) == value)
    return list(s.exec(query))


@pytest.fixture
def at(world):
    """`with at(when) as s:` is one committed step with the clock frozen at `when`."""
    import contextlib

    @contextlib.contextmanager
    def step(when: datetime):
        with time_machine.travel(when, tick=False), world() as s:
            yield s

    return step


# --- events.jobs.send_reminders -----------------------------------------------------------------

START = datetime(2026, 3, 12, 17, 0, tzinfo=UTC)


def book(s: Session, event, person, status: str = BookingStatus.CONFIRMED) -> Booking:
    booking = Booking(event_id=event.id, user_id=person.id, status=status, ticket_code=f"t-{event.id}-{person.id}")
    s.add(booking)
    s.flush()
    return booking


@pytest.fixture
def evening(at):
    """An event at START with Sara booked, Mads who cancelled, and a cancelled event Sara had booked."""
    with at(START - 3 * 24 * HOUR) as s:
        sara = make_user(s, is_young=True, name="Sara Nielsen")
        mads = make_user(s, is_young=True, name="Mads Kristensen")
        event = make_event(s, starts_at=START, capacity=10)
        called_off = make_event(s, starts_at=START, capacity=10, status=EventStatus.CANCELLED)
        booking = book(s, event, sara)
        book(s, event, mads, BookingStatus.CANCELLED)
        book(s, called_off, sara)  # still "confirmed": only the event says it is off
    return booking.id


def test_day_before_reminder_comes_once_in_its_window(at, evening):
    with at(START - 24 * HOUR - SECOND) as s:
        assert send_reminders(s, now=START - 24 * HOUR - SECOND) == 0
    with at(START - 24 * HOUR) as s:
        assert send_reminders(s, now=START - 24 * HOUR) == 1
    with at(START - 24 * HOUR + SECOND) as s:
        assert send_reminders(s, now=START - 24 * HOUR + SECOND) == 0
    with at(START - 2 * HOUR - SECOND) as s:
        assert send_reminders(s, now=START - 2 * HOUR - SECOND) == 0
        [day] = notes(s)
        assert (day.kind, day.dedupe_key) == ("still_coming", f"event_reminder:day:{evening}")
        assert day.useful_until == START and day.url == f"/bookings/{evening}"


def test_two_hours_before_reminder_comes_once(at, evening):
    with at(START - 2 * HOUR) as s:
        # The scheduler was down the day before: that nudge is stale, only this one comes.
        assert send_reminders(s, now=START - 2 * HOUR) == 1
    with at(START - 2 * HOUR + SECOND) as s:
        assert send_reminders(s, now=START - 2 * HOUR + SECOND) == 0
    with at(START - SECOND) as s:
        assert send_reminders(s, now=START - SECOND) == 0
        [soon] = notes(s)
        assert (soon.kind, soon.dedupe_key) == ("event_reminder", f"event_reminder:soon:{evening}")
        assert soon.useful_until == START


@pytest.mark.clock
def test_both_reminders_over_a_day_of_runs(at, evening):
    """Every quarter of an hour from before the day before to after the start: exactly two."""
    when = START - 26 * HOUR
    while when < START + HOUR:
        with at(when) as s:
            send_reminders(s, now=when)
        when += timedelta(minutes=15)
    with at(when) as s:
        kinds = [(n.kind, n.dedupe_key) for n in notes(s)]
    assert kinds == [
        ("still_coming", f"event_reminder:day:{evening}"),
        ("event_reminder", f"event_reminder:soon:{evening}"),
    ]


def test_a_run_with_nothing_new_asks_the_same_few_queries_however_many_are_booked(app, at):
    from sqlalchemy import event as sa_event

    with at(START - 3 * 24 * HOUR) as s:
        event = make_event(s, starts_at=START, capacity=50)
        for n in range(12):
            book(s, event, make_user(s, is_young=True, name=f"Ung {n}"))

    def queries_in_a_run(when) -> tuple[int, int]:
        statements = []
        engine = app.extensions["hub_engine"]

        def listener(conn, cursor, statement, *args):
            statements.append(statement)

        sa_event.listen(engine, "before_cursor_execute", listener)
        try:
            with at(when) as s:
                sent = send_reminders(s, now=when)
        finally:
            sa_event.remove(engine, "before_cursor_execute", listener)
        return sent, len([q for q in statements if q.lstrip().upper().startswith("SELECT")])

    sent, _ = queries_in_a_run(START - 2 * HOUR)
    assert sent == 12
    sent, selects = queries_in_a_run(START - 2 * HOUR + 15 * 60 * SECOND)
    assert (sent, selects) == (0, 2)  # the day-before nudges and the soon reminders: nothing due


def test_catch_up_an_hour_before_sends_only_the_soon_reminder(at, evening):
    with at(START - HOUR) as s:
        assert send_reminders(s, now=START - HOUR) == 1
        assert [n.kind for n in notes(s)] == ["event_reminder"]


def test_nothing_after_the_event_started(at, evening):
    for when in (START, START + SECOND, START + HOUR):
        with at(when) as s:
            assert send_reminders(s, now=when) == 0
    with at(START + HOUR) as s:
        assert notes(s) == []


def test_cancelled_booking_and_cancelled_event_get_nothing(at, evening):
    for when in (START - 20 * HOUR, START - HOUR):
        with at(when) as s:
            send_reminders(s, now=when)
    with at(START) as s:
        [sara_booking] = s.exec(select(Booking).where(Booking.id == evening)).all()
        assert {n.user_id for n in notes(s)} == {sara_booking.user_id}
        assert sorted(n.dedupe_key for n in notes(s)) == [
            f"event_reminder:day:{evening}",
            f"event_reminder:soon:{evening}",
        ]


# --- checkins.jobs.remind_supporters -------------------------------------------------------------

TODAY = date(2026, 1, 14)  # winter: Copenhagen is UTC+1, so 08:00 there is 07:00 UTC
EIGHT = datetime(2026, 1, 14, 7, 0, tzinfo=UTC)


@pytest.fixture
def circle(at):
    """Sara with her mentor Peter in her circle; returns a maker of Peter's check-ins with her."""
    with at(EIGHT - 5 * 24 * HOUR) as s:
        sara = make_user(s, is_young=True, name="Sara Nielsen")
        peter = make_user(s, is_mentor=True, name="Peter Madsen")
        link = add_link(s, sara, peter)
    return {"sara": sara, "peter": peter, "link_id": link.id}


def checkin(at, circle, *, next_on: date | None, on: date = TODAY - timedelta(days=7)) -> int:
    with at(EIGHT - 5 * 24 * HOUR) as s:
        return add_checkin(s, circle["sara"], circle["peter"], on=on, next_on=next_on).id


@pytest.mark.clock
def test_checkin_reminder_after_eight_in_the_morning_once(at, circle):
    made = checkin(at, circle, next_on=TODAY)
    with at(EIGHT - SECOND) as s:
        assert remind_supporters(s, now=EIGHT - SECOND) == 0  # 07:59:59 in Copenhagen
    with at(EIGHT) as s:
        assert remind_supporters(s, now=EIGHT) == 1
    with at(EIGHT + 5 * HOUR) as s:
        assert remind_supporters(s, now=EIGHT + 5 * HOUR) == 0
        [note] = notes(s)
    assert note.user_id == circle["peter"].id and note.kind == "checkin_due"
    assert note.dedupe_key == f"checkin_due:{made}"
    assert note.url == f"/my-young-people/{circle['sara'].id}"


@pytest.mark.clock
def test_no_checkin_reminder_before_the_day(at, circle):
    checkin(at, circle, next_on=TODAY + timedelta(days=1))
    with at(EIGHT + HOUR) as s:
        assert remind_supporters(s, now=EIGHT + HOUR) == 0


def test_no_checkin_reminder_when_the_link_ended(at, circle):
    checkin(at, circle, next_on=TODAY)
    with at(EIGHT - HOUR) as s:
        from hub.support.models import SupportLink

        s.get(SupportLink, circle["link_id"]).ended_at = EIGHT - HOUR
    with at(EIGHT + HOUR) as s:
        assert remind_supporters(s, now=EIGHT + HOUR) == 0


@pytest.mark.clock
def test_no_checkin_reminder_after_a_newer_checkin_without_a_next_date(at, circle):
    checkin(at, circle, next_on=TODAY)
    checkin(at, circle, next_on=None, on=TODAY - timedelta(days=1))  # they talked already
    with at(EIGHT + HOUR) as s:
        assert remind_supporters(s, now=EIGHT + HOUR) == 0


@pytest.mark.clock
@pytest.mark.parametrize(("days_late", "reminded"), [(1, 1), (2, 1), (3, 0)])
def test_checkin_reminder_catches_up_two_days_late_at_most(at, circle, days_late, reminded):
    checkin(at, circle, next_on=TODAY - timedelta(days=days_late))
    with at(EIGHT + HOUR) as s:
        assert remind_supporters(s, now=EIGHT + HOUR) == reminded
    with at(EIGHT + 2 * HOUR) as s:
        assert remind_supporters(s, now=EIGHT + 2 * HOUR) == 0
        assert len(notes(s, kind="checkin_due")) == reminded


# --- credits.jobs.warn_expiring and apply_allotments ----------------------------------------------

NOW = datetime(2026, 5, 6, 10, 0, tzinfo=UTC)


def grant(s: Session, person, amount: int, expires_in: timedelta | None, key: str):
    return ledger.grant(
        s,
        user_id=person.id,
        amount=amount,
        reason="Test",
        actor_id=None,
        expires_at=NOW + expires_in if expires_in else None,
        key=key,
    )


@pytest.mark.clock
def test_klip_expiry_warning_a_week_before_once_per_lot(at):
    with at(NOW) as s:
        sara = make_user(s, is_young=True)
        soon = grant(s, sara, 3, timedelta(days=5), "soon")
        grant(s, sara, 2, timedelta(days=10), "later")
        grant(s, sara, 4, None, "forever")
    with at(NOW) as s:
        assert credit_jobs.warn_expiring(s, now=NOW) == 1
    with at(NOW + HOUR) as s:
        assert credit_jobs.warn_expiring(s, now=NOW + HOUR) == 0
        [warning] = notes(s)
    assert warning.user_id == sara.id and warning.kind == "klip_expiring"
    assert warning.useful_until == NOW + timedelta(days=5)
    assert warning.dedupe_key == f"klip_expiring:{soon.id}"


@pytest.mark.clock
def test_the_later_lot_is_warned_about_when_its_week_comes(at):
    with at(NOW) as s:
        sara = make_user(s, is_young=True)
        later = grant(s, sara, 2, timedelta(days=10), "later")
    with at(NOW) as s:
        assert credit_jobs.warn_expiring(s, now=NOW) == 0
    with at(NOW + 3 * 24 * HOUR) as s:
        assert credit_jobs.warn_expiring(s, now=NOW + 3 * 24 * HOUR) == 1
        assert [n.dedupe_key for n in notes(s)] == [f"klip_expiring:{later.id}"]


@pytest.mark.clock
def test_no_expiry_warning_for_klip_already_spent(at):
    with at(NOW) as s:
        sara = make_user(s, is_young=True)
        grant(s, sara, 2, timedelta(days=5), "soon")
        ledger.spend(s, user_id=sara.id, amount=2, reason="Mad for en SU", key="spend-1")
    with at(NOW) as s:
        assert credit_jobs.warn_expiring(s, now=NOW) == 0
        assert notes(s) == []


def test_allotment_notifies_each_young_person_once_a_month(at):
    with at(NOW) as s:
        staff = make_user(s, is_staff=True)
        sara = make_user(s, is_young=True)
        mads = make_user(s, is_young=True)
        make_user(s, is_mentor=True)  # not young: no klip, no notice
        s.add(Allotment(name="Månedens klip", audience="all_young", amount=4, created_by_id=staff.id))
        s.add(Allotment(name="Sommerklip", audience="all_young", amount=2, expires_after_days=30))
    with at(NOW) as s:
        assert credit_jobs.apply_allotments(s, now=NOW) == 4
    with at(NOW + HOUR) as s:
        assert credit_jobs.apply_allotments(s, now=NOW + HOUR) == 0
        per_person = Counter(n.user_id for n in notes(s, kind="klip_allotment"))
        assert per_person == {sara.id: 2, mads.id: 2}  # one per allotment
        assert len(notes(s)) == 4
    june = NOW + 31 * 24 * HOUR
    with at(june) as s:
        assert credit_jobs.apply_allotments(s, now=june) == 4
        assert credit_jobs.apply_allotments(s, now=june) == 0
        assert len(notes(s, kind="klip_allotment")) == 8
        assert len({n.dedupe_key for n in notes(s)}) == 8


# --- the scheduler's job list ------------------------------------------------------------------


@pytest.mark.parametrize("job", runner.JOBS, ids=lambda job: job.name)
def test_every_job_runs_twice_on_an_empty_database(world, job):
    assert callable(job.run) and job.every_seconds >= 1
    with world() as s:
        job.run(s)
    with world() as s:
        job.run(s)
        assert notes(s) == []


def test_job_names_are_unique():
    names = [job.name for job in runner.JOBS]
    assert len(names) == len(set(names))


class FakeScheduler:
    """Records what the runner schedules; `start()` returns at once instead of blocking."""

    made: list[FakeScheduler] = []

    def __init__(self, **kwargs):
        self.jobs: dict[str, dict] = {}
        FakeScheduler.made.append(self)

    def add_job(self, func, trigger, **kwargs):
        self.jobs[kwargs["id"]] = {"func": func, "trigger": trigger, **kwargs}

    def start(self):
        pass

    def shutdown(self, wait=True):
        pass


def test_runner_lets_late_runs_happen_once_and_runs_every_job_at_start(app, monkeypatch):
    """APScheduler's default grace of one second would drop a run that starts a little late,
    without coalescing a process that was busy would run a job several times in a row, and an
    interval trigger alone first fires a whole interval after a restart."""
    FakeScheduler.made.clear()
    monkeypatch.setattr(runner, "BlockingScheduler", FakeScheduler)
    monkeypatch.setattr(runner.signal, "signal", lambda *_args: None)  # leave pytest's handlers alone
    started = datetime.now(UTC)
    runner.run(app, heartbeat=1, lease_seconds=3)
    [scheduler] = FakeScheduler.made
    assert set(scheduler.jobs) == {job.name for job in runner.JOBS} | {"lease"}
    for job in runner.JOBS:
        added = scheduler.jobs[job.name]
        assert added["coalesce"] is True, job.name
        grace = added["misfire_grace_time"]
        assert grace is None or grace >= 1, job.name  # None: however late
        assert added["max_instances"] == 1, job.name
        assert added["trigger"].interval == timedelta(seconds=job.every_seconds), job.name
        first_run = added.get("next_run_time")
        assert first_run is not None and first_run <= started + timedelta(seconds=5), job.name
    assert scheduler.jobs["lease"]["coalesce"] is True
