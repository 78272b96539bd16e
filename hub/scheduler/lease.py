"""A lease in the database, so that the scheduler runs exactly once even if started twice.

The holder renews it well before it runs out; a stand-by process takes it over only once it
has expired (the holder died or hung). Works the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from hub.db import utcnow
from hub.scheduler.models import SchedulerLease

LEASE_NAME = "scheduler"


def acquire(session: Session, holder: str, *, seconds: int) -> bool:
    """Take or renew the lease for `holder`; True if `holder` now holds it."""
    now = utcnow()
    expires = now + timedelta(seconds=seconds)
    result = session.exec(
        update(SchedulerLease)
        .where(
            SchedulerLease.name == LEASE_NAME,
            or_(SchedulerLease.holder == holder, SchedulerLease.expires_at < now),
        )
        .values(holder=holder, expires_at=expires)
    )
    if result.rowcount == 1:
        return True
    if session.get(SchedulerLease, LEASE_NAME) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(SchedulerLease(name=LEASE_NAME, holder=holder, expires_at=expires))
    except IntegrityError:
        return False  # another process created it first
    return True


def holds(session: Session, holder: str) -> bool:
    lease = session.exec(select(SchedulerLease).where(SchedulerLease.name == LEASE_NAME)).first()
    return lease is not None and lease.holder == holder and lease.expires_at > utcnow()


def release(session: Session, holder: str) -> None:
    session.exec(
        update(SchedulerLease)
        .where(SchedulerLease.name == LEASE_NAME, SchedulerLease.holder == holder)
        .values(expires_at=utcnow())
    )
