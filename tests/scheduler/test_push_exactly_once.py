"""Two real scheduler processes on one database push every notification exactly once: the
leader makes the reminders and sweeps the outbox, the other stands by; when the leader is
killed, the stand-by takes over within a lease and sends what came since, once.

Runs on PostgreSQL (skipped with a reason when HUB_TEST_DATABASE_URL is unset) and on SQLite.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from py_vapid import Vapid02
from sqlmodel import Session, select

from hub import ROOT
from hub.accounts.models import User
from hub.db import job_session, utcnow
from hub.events.models import Booking, BookingStatus
from hub.notifications import vapid
from hub.notifications.models import (
    DeliveryStatus,
    Notification,
    NotificationPreference,
    PushDelivery,
    PushStatus,
    PushSubscription,
)
from hub.notifications.services import notify
from hub.scheduler.models import SchedulerLease
from tests.conftest import TEST_VAPID_PEM
from tests.events.helpers import make_event
from tests.factories import make_user
from tests.push_endpoint import PushEndpoint, Received

HEARTBEAT, LEASE, SWEEP = 1, 3, 1  # seconds
PEOPLE = 40  # each with one booking two hours ahead, so one reminder each
PLAIN = 10  # notices made by the app, per round
SLACK = 3.0  # seconds a loaded test machine may add to what the lease promises


def start_scheduler(db_url: str, log: Path) -> subprocess.Popen:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("HUB_")},
        "HUB_DATABASE_URL": db_url,
        "HUB_SECRET_KEY": "test-secret",
        "HUB_VAPID_PRIVATE_KEY": TEST_VAPID_PEM.decode(),
        "HUB_PUSH_SWEEP_SECONDS": str(SWEEP),
        "HUB_PUSH_ALLOWED_HOSTS": "127.0.0.1",  # the local push service, on its free port
        "HUB_PUSH_ALLOW_LOOPBACK": "true",
    }
    flask = Path(sys.executable).parent / "flask"
    return subprocess.Popen(
        [str(flask), "--app", "hub", "scheduler", "--heartbeat", str(HEARTBEAT), "--lease", str(LEASE)],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )


def build_world(s: Session, service: PushEndpoint) -> dict[int, str]:
    """People with one phone each and no quiet hours, booked on an event in 90 minutes;
    returns each person's subscription token."""
    event = make_event(s, starts_at=utcnow() + timedelta(minutes=90), capacity=PEOPLE)
    tokens = {}
    for number in range(PEOPLE):
        person = make_user(s, is_young=True)
        sub = service.subscription(f"phone-{number}")
        s.add(PushSubscription(user_id=person.id, endpoint=sub["endpoint"], **sub["keys"]))
        s.add(NotificationPreference(user_id=person.id, quiet_hours=False))
        s.add(
            Booking(
                event_id=event.id,
                user_id=person.id,
                status=BookingStatus.CONFIRMED,
                ticket_code=f"ticket-{person.id}",
                confirmed_at=utcnow(),
            )
        )
        tokens[person.id] = sub["endpoint"].rsplit("/", 1)[1]
    s.flush()
    return tokens


def add_plain(s: Session, tokens: dict[int, str], label: str) -> None:
    for number, user_id in enumerate(list(tokens)[:PLAIN]):
        notify(s, s.get(User, user_id), kind="plan_updated", title=f"{label} {number}", url="/plan")


def expected_pushes(app, tokens: dict[int, str]) -> set[tuple[int, str]]:
    """(notification id, token) for every notification in the database: one push each."""
    with app.app_context(), job_session() as s:
        return {(n.id, tokens[n.user_id]) for n in s.exec(select(Notification))}


def arrived(received: list[Received]) -> Counter:
    return Counter((push.payload["id"], push.token) for push in received)


def lease_holder(app) -> str | None:
    with app.app_context(), job_session() as s:
        row = s.exec(select(SchedulerLease)).first()
        return row.holder if row and row.expires_at > utcnow() else None


def wait_until(predicate, seconds: float, step: float = 0.1):
    deadline = time.monotonic() + seconds
    while (value := predicate()) is None or value is False:
        if time.monotonic() > deadline:
            return value
        time.sleep(step)
    return value


def logs(tmp_path: Path) -> str:
    """What the schedulers said, without APScheduler's line per run."""
    parts = []
    for log in sorted(tmp_path.glob("*.log")):
        lines = [line for line in log.read_text().splitlines() if "apscheduler" not in line]
        parts.append(f"--- {log.name}\n" + "\n".join(lines[-40:]))
    return "\n".join(parts)


@pytest.mark.real_clock  # the schedulers are processes of their own, on the machine's clock
def test_two_schedulers_push_each_notification_once_and_take_over(app, db_url, tmp_path):
    key = vapid.public_key(Vapid02.from_pem(TEST_VAPID_PEM))
    with PushEndpoint(expected_public_key=key) as service:
        with app.app_context(), job_session() as s:
            tokens = build_world(s, service)
            add_plain(s, tokens, "Before")
        processes = {p.pid: p for p in (start_scheduler(db_url, tmp_path / f"{n}.log") for n in ("a", "b"))}
        try:
            # The leader makes a "soon" reminder per booking at start and pushes it with the rest.
            total = PEOPLE + PLAIN
            service.wait_for(total, timeout=45)  # starting Python on a busy machine is slow
            time.sleep(2 * SWEEP + 0.5)  # more sweeps: nothing more may come
            expected = expected_pushes(app, tokens)
            assert len(expected) == total, logs(tmp_path)
            assert arrived(service.received) == Counter(expected), logs(tmp_path)
            assert service.rejected == []

            holder = lease_holder(app)
            assert holder, logs(tmp_path)
            leader_pid = int(holder.split(":")[1])
            standby_pid = next(pid for pid in processes if pid != leader_pid)
            processes[leader_pid].send_signal(signal.SIGKILL)  # dies holding the lease
            processes[leader_pid].wait()
            killed_at = time.monotonic()

            with app.app_context(), job_session() as s:
                add_plain(s, tokens, "After")
            new_holder = wait_until(lambda: (h := lease_holder(app)) != holder and h, LEASE + HEARTBEAT + SLACK)
            took_over = time.monotonic() - killed_at
            assert new_holder and int(new_holder.split(":")[1]) == standby_pid, logs(tmp_path)
            assert took_over <= LEASE + HEARTBEAT + SLACK

            service.wait_for(total + PLAIN, timeout=SWEEP + 2 * SLACK)
            time.sleep(2 * SWEEP + 0.5)
            expected = expected_pushes(app, tokens)
            assert len(expected) == total + PLAIN
            assert arrived(service.received) == Counter(expected), logs(tmp_path)
            assert processes[standby_pid].poll() is None
        finally:
            for process in processes.values():
                if process.poll() is None:
                    process.terminate()
                    try:
                        process.wait(10)
                    except subprocess.TimeoutExpired:
                        process.kill()
                        process.wait()

    with app.app_context(), job_session() as s:
        reminders = s.exec(select(Notification).where(Notification.kind == "event_reminder")).all()
        assert len(reminders) == PEOPLE
        assert {n.push_status for n in s.exec(select(Notification))} == {PushStatus.SENT}
        deliveries = s.exec(select(PushDelivery)).all()
        assert len(deliveries) == total + PLAIN
        assert {(d.status, d.attempts) for d in deliveries} == {(DeliveryStatus.SENT, 1)}
