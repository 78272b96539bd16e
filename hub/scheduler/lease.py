"""A lease in the database, so that the scheduler runs exactly once even if started twice.

The holder renews it every HEARTBEAT_SECONDS; a stand-by process takes it over once it has
expired (the holder died or hung), and so within LEASE_SECONDS + HEARTBEAT_SECONDS of a kill -9.
Works the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from hub.db import utcnow
from hub.scheduler.models import SchedulerLease

LEASE_NAME = "scheduler"
HEARTBEAT_SECONDS = 3
# Long enough for a few missed renewals (a slow database), short enough that a stand-by takes
# over within LEASE_SECONDS + HEARTBEAT_SECONDS = 13 s of the leader's death.
LEASE_SECONDS = 10


def acquire(session: Session, holder: str, *, seconds: int, on_takeover: Callable[[str], None] | None = None) -> bool:
    """Take or renew the lease for `holder`; True if `holder` now holds it.

    When `holder` takes over an expired lease, `on_takeover(previous holder)` runs in the same
    transaction, so what the predecessor left half done is dealt with before anyone else can
    take the lease.
    """
    now = utcnow()
    expires = now + timedelta(seconds=seconds)
    renewed = session.exec(
        update(SchedulerLease)
        .where(SchedulerLease.name == LEASE_NAME, SchedulerLease.holder == holder)
        .values(expires_at=expires)
    )
    if renewed.rowcount == 1:
        return True
    current = session.exec(
        select(SchedulerLease.holder, SchedulerLease.expires_at).where(SchedulerLease.name == LEASE_NAME)
    ).first()
    if current is None:
        try:
            with session.begin_nested():
                session.add(SchedulerLease(name=LEASE_NAME, holder=holder, expires_at=expires))
        except IntegrityError:
            return False  # another process created it first
        return True
    previous, until = current
    if until >= now:
        return False
    taken = session.exec(
        update(SchedulerLease)
        .where(
            SchedulerLease.name == LEASE_NAME,
            SchedulerLease.holder == previous,  # nobody took it over since we looked
            SchedulerLease.expires_at < now,
        )
        .values(holder=holder, expires_at=expires)
    )
    if taken.rowcount != 1:
        return False
    if on_takeover is not None:
        on_takeover(previous)
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
