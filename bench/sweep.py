"""The scheduler at 10,000 due reminders: the reminder sweep, then the push fan-out that sends them.

What it builds: a database (a temporary SQLite file, or the URL given, where the schema is made if
missing and only the benchmark's own rows are deleted afterwards) with `count` young people, each
with one phone subscribed to push and quiet hours off, and one confirmed booking each for events
starting in an hour; so every booking is due its "soon" reminder (hub/events/jobs.py).

What it times, as the scheduler runs them (hub/scheduler/runner.py):
- the sweep: `send_reminders(session)`, one run that turns the due bookings into notifications,
  each made at most once (a dedupe key per booking), and its commit. Run a second time it must make
  none: that is the "exactly once" of the sweep;
- the push fan-out: `deliver_push(session)`, run until every reminder is delivered (it takes up to
  `jobs.BATCH` at a time, so several sweeps), sending to the local push service of the tests
  (tests/push_endpoint.py) in its own process, answering after a round-trip delay. Its rate is set
  against a plain sequential `pywebpush` loop over some of the same phones, in the same run.
  The push service, the loop and the step timings are bench/push.py's own functions.

Every reminder must go out exactly once: one notification per booking, one delivery per
notification, and as many pushes received by the push service as there are bookings.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from datetime import timedelta

from py_vapid import Vapid02
from sqlalchemy import delete, func
from sqlmodel import SQLModel, select

import hub.models  # noqa: F401 (every table, for create_all)
from bench import push as push_bench
from bench.report import row
from hub import create_app
from hub.accounts.models import User
from hub.db import engine_for, job_session, new_session, utcnow
from hub.events.jobs import send_reminders
from hub.events.models import Booking, BookingStatus, Event
from hub.notifications import jobs
from hub.notifications.models import (
    DeliveryStatus,
    Notification,
    NotificationPreference,
    PushDelivery,
    PushSubscription,
)
from hub.notifications.vapid import public_key
from hub.scheduler.runner import JOBS

SEATS_PER_EVENT = 100
POOL_SIZE = 32  # the default PUSH_POOL_SIZE (hub/config.py)
REMINDER_KIND = "event_reminder"


def _interval(job_name: str) -> int:
    return next(job.every_seconds for job in JOBS if job.name == job_name)


# --- the data ------------------------------------------------------------------------------------


def _seed(session, subs: list[dict], tag: str, starts_at) -> list[int]:
    """One young person per subscription, each booked on an event starting at `starts_at`."""
    now = utcnow()
    users = [
        User(email=f"bench-{tag}-{i}@example.org", name=f"Bench {i}", is_young=True, activated_at=now)
        for i in range(len(subs))
    ]
    session.add_all(users)
    session.flush()
    session.add_all(NotificationPreference(user_id=user.id, quiet_hours=False) for user in users)
    session.add_all(
        PushSubscription(
            user_id=user.id, endpoint=sub["endpoint"], p256dh=sub["keys"]["p256dh"], auth=sub["keys"]["auth"]
        )
        for user, sub in zip(users, subs, strict=True)
    )
    events = [
        Event(
            title=f"Bench {tag} {n}",
            category="community",
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=2),
            place="Ungehub",
            capacity=SEATS_PER_EVENT,
        )
        for n in range((len(users) + SEATS_PER_EVENT - 1) // SEATS_PER_EVENT)
    ]
    session.add_all(events)
    session.flush()
    bookings = [
        Booking(
            event_id=events[i // SEATS_PER_EVENT].id,
            user_id=user.id,
            status=BookingStatus.CONFIRMED,
            confirmed_at=now,
            ticket_code=f"bench-{tag}-{i}",
        )
        for i, user in enumerate(users)
    ]
    session.add_all(bookings)
    session.flush()
    return [booking.id for booking in bookings]


def _clean(tag: str) -> None:
    """Delete the benchmark's rows (bookings, devices, notifications and deliveries go with them)."""
    with job_session() as session:
        session.exec(delete(User).where(User.email.like(f"bench-{tag}-%")))
        session.exec(delete(Event).where(Event.title.like(f"Bench {tag} %")))


# --- the counts that say "exactly once" ----------------------------------------------------------


def _keys(booking_ids: list[int]) -> list[str]:
    return [f"event_reminder:soon:{booking_id}" for booking_id in booking_ids]


def _counts(booking_ids: list[int]) -> dict:
    """Reminders made for these bookings, pushes delivered, and notifications not delivered once."""
    keys = _keys(booking_ids)
    with contextlib.closing(new_session(write=False)) as session:
        ours = select(Notification.id).where(Notification.dedupe_key.in_(keys), Notification.kind == REMINDER_KIND)
        made = session.exec(select(func.count()).select_from(ours.subquery())).one()
        sent = (
            select(PushDelivery.notification_id, func.count().label("n"))
            .where(PushDelivery.notification_id.in_(ours), PushDelivery.status == DeliveryStatus.SENT)
            .group_by(PushDelivery.notification_id)
            .subquery()
        )
        delivered = session.exec(select(func.coalesce(func.sum(sent.c.n), 0))).one()
        once = session.exec(select(func.count()).select_from(sent).where(sent.c.n == 1)).one()
    return {"reminders": made, "delivered": int(delivered), "not_once": made - once}


# --- the measurement -----------------------------------------------------------------------------


def _measure(endpoint, subs: list[dict], *, pem: bytes, database_url: str | None) -> dict:
    tag = uuid.uuid4().hex[:8]
    with push_bench._database(database_url) as url:
        app = create_app(
            {
                "TESTING": True,
                "DATABASE_URL": url,
                "SECRET_KEY": "bench",
                "VAPID_PRIVATE_PEM": pem,
                "VAPID_SUBJECT": push_bench.SUBJECT,
                "PUSH_POOL_SIZE": POOL_SIZE,
                "PUSH_SEND_NOW": False,
                "PUSH_ALLOWED_HOSTS": ["127.0.0.1"],  # the local push service, on its free port
                "PUSH_ALLOW_LOOPBACK": True,
                "RATELIMIT_STORAGE_URI": "memory://",
            }
        )
        try:
            with app.app_context():
                SQLModel.metadata.create_all(engine_for())
                try:
                    return _sweep_and_send(endpoint, subs, tag)
                finally:
                    if database_url:  # leave someone else's database as it was
                        _clean(tag)
        finally:
            app.extensions["hub_engine"].dispose()


def _sweep_and_send(endpoint, subs: list[dict], tag: str) -> dict:
    with job_session() as session:
        booking_ids = _seed(session, subs, tag, starts_at=utcnow() + timedelta(hours=1))

    started, cpu_started = time.perf_counter(), time.process_time()
    with job_session() as session:
        made = send_reminders(session)
    sweep = {"made": made, "seconds": time.perf_counter() - started, "cpu_seconds": time.process_time() - cpu_started}
    started = time.perf_counter()
    with job_session() as session:
        sweep["second_run_made"] = send_reminders(session)
    sweep["second_run_seconds"] = time.perf_counter() - started

    received_before = endpoint.received()
    phases = push_bench._Stopwatch()
    sweeps, most = 0, len(booking_ids) // jobs.BATCH + 3  # enough for every batch, and a spare
    seconds = cpu_seconds = 0.0
    with phases.patched():
        # Only the runs themselves are timed; a run with nothing left to do ends the loop, as the
        # scheduler's next run would find nothing.
        while sweeps < most:
            started, cpu_started = time.perf_counter(), time.process_time()
            with job_session() as session:
                done = jobs.deliver_push(session)
            if not done:
                break
            seconds += time.perf_counter() - started
            cpu_seconds += time.process_time() - cpu_started
            sweeps += 1
    counts = _counts(booking_ids)
    fan_out = {
        "sweeps": sweeps,
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        # The last, empty run is in the steps but not in `seconds`: "other" is commits and checks.
        "phase_seconds": {**phases.seconds, "other": max(0.0, seconds - sum(phases.seconds.values()))},
        "received_by_endpoint": endpoint.received() - received_before,
    }
    return {"bookings": len(booking_ids), "sweep": sweep, "fan_out": fan_out, "counts": counts}


def run(database_url: str | None, count: int, small: bool) -> dict:
    """The section "Reminders at scale": the sweep, the fan-out, and the exactly-once counts."""
    delay = 0.01 if small else 0.1
    sequential = min(count, 5 if small else 100)
    vapid = Vapid02()
    vapid.generate_keys()
    with push_bench.RemoteEndpoint(delay=delay, expected_key=public_key(vapid)) as endpoint:
        subs = endpoint.subscriptions(count)
        push_bench._say(f"reminder sweep and push fan-out: {count} due reminders …")
        measured = _measure(endpoint, subs, pem=vapid.private_pem(), database_url=database_url)
        push_bench._say(f"sequential pywebpush loop: {sequential} pushes …")
        reference = push_bench.run_sequential(subs[:sequential], vapid)
        rejected = endpoint.rejected()
    backend = database_url.split(":", 1)[0].split("+")[0] if database_url else "sqlite (fresh temporary file)"
    return _section(measured, reference, rejected, delay=delay, database=backend)


# --- the section ---------------------------------------------------------------------------------


def _section(measured: dict, reference: dict, rejected: list, *, delay: float, database: str) -> dict:
    n, sweep, fan_out, counts = measured["bookings"], measured["sweep"], measured["fan_out"], measured["counts"]
    every = _interval("event_reminders")
    push_rate = counts["delivered"] / fan_out["seconds"] if fan_out["seconds"] else 0.0
    rows = [
        row(
            "reminder sweep",
            "time for all",
            round(sweep["seconds"], 2),
            "s",
            target=f"< {every} s (it runs every {every} s)",
            met=sweep["seconds"] < every,
        ),
        row("reminder sweep", "per reminder", round(sweep["seconds"] / max(1, n) * 1000, 3), "ms"),
        row("reminder sweep", "notifications made", round(sweep["made"] / sweep["seconds"], 1), "per s"),
        row("reminder sweep", "next run, nothing new", round(sweep["second_run_seconds"], 2), "s"),
        row(
            "push fan-out",
            "deliveries",
            round(push_rate, 1),
            "per s",
            reference=round(reference["per_second"], 1),
            reference_name=f"sequential pywebpush loop ({reference['pushes']} pushes)",
        ),
        row("push fan-out", "time for all", round(fan_out["seconds"], 2), "s"),
        row(
            "exactly once",
            "reminders made",
            counts["reminders"],
            "count",
            target=f"= {n}",
            met=counts["reminders"] == n,
        ),
        row(
            "exactly once",
            "made by a second sweep",
            sweep["second_run_made"],
            "count",
            target="= 0",
            met=sweep["second_run_made"] == 0,
        ),
        row(
            "exactly once",
            "pushes delivered",
            counts["delivered"],
            "count",
            target=f"= {n}",
            met=counts["delivered"] == n,
        ),
        row(
            "exactly once",
            "pushes received by the push service",
            fan_out["received_by_endpoint"],
            "count",
            target=f"= {n}",
            met=fan_out["received_by_endpoint"] == n,
        ),
        row(
            "exactly once",
            "reminders not delivered exactly once",
            counts["not_once"],
            "count",
            target="= 0",
            met=counts["not_once"] == 0,
        ),
    ]
    phases = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in fan_out["phase_seconds"].items())
    notes = [
        f"{n:,} young people, one phone each, quiet hours off, each with one confirmed booking for an event "
        f"starting in an hour ({SEATS_PER_EVENT} per event): every booking is due its “soon” reminder. "
        f"Database: {database}.",
        f"The sweep is one run of hub.events.jobs.send_reminders with its commit ({sweep['cpu_seconds']:.2f} s of "
        f"CPU in this process). The next run finds the same bookings due and must make none; its time is "
        "what every run costs while they stay due (two hours).",
        f"The fan-out is hub.notifications.jobs.deliver_push run {fan_out['sweeps']} times (up to {jobs.BATCH} "
        f"per run, pool of {POOL_SIZE} threads) until all were delivered; its steps: {phases}.",
        f"Push service: tests/push_endpoint.py in its own process (verifies VAPID, decrypts each push), "
        f"answering after {delay} s; the reference is a plain pywebpush.webpush() loop to the same service.",
    ]
    if rejected:
        notes.append(f"The push service refused {len(rejected)} pushes, e.g. {rejected[:3]}")
    return {
        "name": "sweep",
        "title": "Reminders at scale: the sweep and the push fan-out",
        "rows": rows,
        "notes": notes,
        "details": {**measured, "sequential": reference, "endpoint_delay_seconds": delay, "database": database},
    }
