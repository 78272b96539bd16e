"""Each run of a job as the leader is written down (started, succeeded or failed), for monitoring;
a process that does not hold the lease runs nothing and writes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from hub.scheduler import lease, runner, status
from hub.scheduler.claims import Claimer

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def run(app, job: runner.Job, claimer: Claimer) -> None:
    runner.run_as_leader(app, job, claimer)


def statuses(world) -> dict[str, status.JobStatus]:
    with world() as s:
        return {row.name: row for row in status.job_status(s)}


def test_a_leaders_runs_are_written_down_and_a_stand_by_runs_nothing(app, world):
    leader, standby = Claimer("host:1:a", leased=True), Claimer("host:2:b", leased=True)
    ran = []
    job = runner.Job("tidy", lambda session: ran.append(session) or {"tidied": 1}, every_seconds=60)
    broken = runner.Job("broken", lambda session: 1 / 0, every_seconds=60)
    with time_machine.travel(T0, tick=False):
        with world() as s:
            assert lease.acquire(s, leader.name, seconds=600)
        run(app, job, standby)
        assert ran == [] and statuses(world) == {}

        run(app, job, leader)
        with pytest.raises(ZeroDivisionError):
            run(app, broken, leader)
    assert len(ran) == 1
    found = statuses(world)
    assert found["tidy"] == status.JobStatus("tidy", 60, T0, T0, None)
    assert found["broken"] == status.JobStatus("broken", 60, T0, None, T0)

    later = T0 + timedelta(minutes=1)
    with time_machine.travel(later, tick=False):
        run(app, job, leader)
    assert statuses(world)["tidy"] == status.JobStatus("tidy", 60, later, later, None)


def test_a_job_without_a_recent_success_is_overdue():
    done = status.JobStatus("tidy", 60, T0, T0, None)
    assert not done.overdue(T0 + timedelta(minutes=3))
    assert done.overdue(T0 + timedelta(minutes=3, seconds=1))
    assert status.JobStatus("new", 60, T0, None, T0).overdue(T0)


def test_the_leader_is_read_from_the_lease(app, world):
    with world() as s:
        assert status.leader(s) is None
        lease.acquire(s, "host:1:a", seconds=10)
    with world() as s:
        found = status.leader(s)
    assert found.holder == "host:1:a" and found.holds(datetime.now(UTC))


def test_every_scheduled_job_has_a_unique_name_that_fits_its_row():
    names = [job.name for job in runner.JOBS]
    assert len(names) == len(set(names)) and max(map(len, names)) <= 60
    assert {job.name for job in runner.JOBS if job.give_back} == {"deliver_push", "send_mail"}
