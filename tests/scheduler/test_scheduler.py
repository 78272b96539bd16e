"""The scheduler runs exactly once: a lease in the database, held by one process at a time."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from sqlmodel import select

from hub import ROOT
from hub.accounts.jobs import purge_old_logins
from hub.accounts.models import UserSession
from hub.db import job_session, utcnow
from hub.scheduler import lease
from hub.scheduler.models import SchedulerLease


def test_only_one_holder_until_the_lease_runs_out(app):
    with app.app_context():
        with job_session() as s:
            assert lease.acquire(s, "a", seconds=60)
        with job_session() as s:
            assert not lease.acquire(s, "b", seconds=60)
            assert lease.acquire(s, "a", seconds=60)  # renewing is fine
            assert lease.holds(s, "a") and not lease.holds(s, "b")
        with time_machine.travel(utcnow() + timedelta(seconds=61), tick=False):
            with job_session() as s:
                assert not lease.holds(s, "a")
                assert lease.acquire(s, "b", seconds=60)
            with job_session() as s:
                assert not lease.acquire(s, "a", seconds=60)


def test_released_lease_is_free_at_once(app):
    with app.app_context():
        with job_session() as s:
            lease.acquire(s, "a", seconds=60)
            lease.release(s, "a")
        with job_session() as s:
            assert lease.acquire(s, "b", seconds=60)


def test_purge_forgets_only_old_ended_logins(app, make):
    user = make.user()
    with app.app_context():
        with job_session() as s:
            old = utcnow() - timedelta(days=91)
            s.add(UserSession(token_hash="a" * 64, user_id=user.id, ended_at=old, created_at=old, last_seen_at=old))
            s.add(UserSession(token_hash="b" * 64, user_id=user.id, ended_at=utcnow()))
            s.add(UserSession(token_hash="c" * 64, user_id=user.id))
        with job_session() as s:
            assert purge_old_logins(s) == 1
            assert purge_old_logins(s) == 0
            assert len(s.exec(select(UserSession)).all()) == 2


def _start_scheduler(db_url: str, log: Path) -> subprocess.Popen:
    env = {**os.environ, "HUB_DATABASE_URL": db_url, "HUB_SECRET_KEY": "test"}
    flask = Path(sys.executable).parent / "flask"
    return subprocess.Popen(
        [str(flask), "--app", "hub", "scheduler", "--heartbeat", "1", "--lease", "3"],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )


def _holder(app) -> str | None:
    with app.app_context(), job_session() as s:
        row = s.exec(select(SchedulerLease)).first()
        return row.holder if row and row.expires_at > utcnow() else None


def _wait_for(predicate, seconds: float):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    return predicate()


@pytest.mark.real_clock  # the schedulers are processes of their own, on the machine's clock
def test_two_scheduler_processes_one_leader_and_a_takeover(app, db_url, tmp_path):
    """Started twice, one process leads; when it dies, the other takes over."""
    first = _start_scheduler(db_url, tmp_path / "first.log")
    second = _start_scheduler(db_url, tmp_path / "second.log")
    processes = {first.pid: first, second.pid: second}
    try:
        holder = _wait_for(lambda: _holder(app), 30)
        assert holder, (tmp_path / "first.log").read_text()
        leader_pid = int(holder.split(":")[1])
        assert leader_pid in processes
        time.sleep(2.5)  # several heartbeats: the lease must not flip between them
        assert _holder(app) == holder
        processes[leader_pid].send_signal(signal.SIGKILL)  # dies without releasing
        processes[leader_pid].wait()
        standby_pid = next(pid for pid in processes if pid != leader_pid)
        new_holder = _wait_for(lambda: (h := _holder(app)) and h != holder and h, 15)
        assert new_holder and int(new_holder.split(":")[1]) == standby_pid
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.terminate()
                process.wait(10)
