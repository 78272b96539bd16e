"""What the scheduler did, for monitoring and readiness: each job's last runs, and the leader.

The runner writes a job's row around every run it makes as the leader (`started`, then
`succeeded` or `failed`, each in a short transaction of its own); anyone may read them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from hub.db import utcnow
from hub.scheduler.lease import LEASE_NAME
from hub.scheduler.models import SchedulerJob, SchedulerLease


@dataclass(frozen=True)
class JobStatus:
    name: str
    every_seconds: int
    last_started_at: datetime | None
    last_success_at: datetime | None
    last_error_at: datetime | None

    def overdue(self, now: datetime, *, grace: timedelta = timedelta(minutes=1)) -> bool:
        """No success within two intervals (and a grace): the job fails, hangs or is not run."""
        due = timedelta(seconds=2 * self.every_seconds) + grace
        return self.last_success_at is None or now - self.last_success_at > due


@dataclass(frozen=True)
class Leader:
    holder: str  # host:pid:tag of the scheduler process
    expires_at: datetime

    def holds(self, now: datetime) -> bool:
        return self.expires_at > now


def job_status(session: Session) -> list[JobStatus]:
    """Every job the scheduler has run, by name."""
    rows = session.exec(select(SchedulerJob).order_by(SchedulerJob.name)).all()
    return [
        JobStatus(row.name, row.every_seconds, row.last_started_at, row.last_success_at, row.last_error_at)
        for row in rows
    ]


def leader(session: Session) -> Leader | None:
    """The lease as it stands (it may have run out: compare `expires_at` with now)."""
    row = session.exec(select(SchedulerLease).where(SchedulerLease.name == LEASE_NAME)).first()
    return Leader(row.holder, row.expires_at) if row else None


def started(session: Session, name: str, every_seconds: int, at: datetime | None = None) -> None:
    _write(session, name, every_seconds=every_seconds, last_started_at=at or utcnow())


def succeeded(session: Session, name: str, at: datetime | None = None) -> None:
    _write(session, name, last_success_at=at or utcnow())


def failed(session: Session, name: str, at: datetime | None = None) -> None:
    _write(session, name, last_error_at=at or utcnow())


def _write(session: Session, name: str, **values) -> None:
    if session.exec(update(SchedulerJob).where(SchedulerJob.name == name).values(**values)).rowcount:
        return
    try:
        with session.begin_nested():
            session.add(SchedulerJob(name=name, **values))
    except IntegrityError:  # made meanwhile by a scheduler that has just taken over
        session.exec(update(SchedulerJob).where(SchedulerJob.name == name).values(**values))
