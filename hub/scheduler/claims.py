"""Who claims outbox rows (pushes, mail), and on what authority.

A row is claimed (pending → sending, with the claimer's name) before it is sent and recorded by
that claimer as soon as its send completes, each in its own short transaction guarded by the
claim: a claimer whose claim was taken away cannot overwrite what another recorded.

The scheduler's leader claims under its lease: only while it holds it. A scheduler that takes the
lease over gives its predecessor's claims back at once (`give_back`), so after a kill -9 only what
was in flight at that moment is sent again, and nothing waits for a claim to run out. Any other
sender (the web app's "send a test push now", a test, a benchmark) claims for a while instead
(`claimed_until`); after it, a crashed sender's claim is taken again.
"""

from __future__ import annotations

import os
import socket
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Select, exists, true, update
from sqlmodel import Session, select

from hub.scheduler.lease import LEASE_NAME
from hub.scheduler.models import SchedulerLease

PENDING, SENDING = "pending", "sending"  # the statuses every outbox shares


@dataclass(frozen=True)
class Claimer:
    name: str
    leased: bool = False  # claims only while `name` holds the scheduler's lease
    stop: threading.Event | None = None  # set when the process is stopping: claim no more

    @classmethod
    def once(cls) -> Claimer:
        """A sender outside the scheduler, for one sweep."""
        return cls(name=f"once:{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}")

    def may_claim(self, now: datetime) -> ColumnElement[bool]:
        """For the claiming statement: true while this claimer may take rows."""
        if not self.leased:
            return true()
        return exists().where(
            SchedulerLease.name == LEASE_NAME,
            SchedulerLease.holder == self.name,
            SchedulerLease.expires_at > now,
        )

    def keep_going(self) -> bool:
        return self.stop is None or not self.stop.is_set()


def give_back(session: Session, model: type, holder: str) -> int:
    """Make the rows `holder` claimed and never recorded due again, at once; how many there were."""
    result = session.exec(
        update(model)
        .where(model.status == SENDING, model.claimed_by == holder)
        .values(status=PENDING, claimed_by=None, claimed_until=None)
    )
    return result.rowcount


def take(
    session: Session,
    model: type,
    due: ColumnElement[bool],
    now: datetime,
    claimer: Claimer,
    *,
    limit: int,
    hold: timedelta,
) -> list[int]:
    """Claim up to `limit` due rows of `model` in `claimer`'s name, one attempt more each; their ids.

    A guarded update (still due, and the claimer still may claim), so two senders never both take
    a row; PostgreSQL's senders also skip the rows another is claiming rather than wait for them.
    """
    query = select(model.id).where(due).order_by(model.id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    ids = list(session.exec(query))
    if not ids:
        return []
    claimed = session.exec(
        update(model)
        .where(model.id.in_(ids), due, claimer.may_claim(now))
        .values(status=SENDING, claimed_by=claimer.name, claimed_until=now + hold, attempts=model.attempts + 1)
        .returning(model.id)
    ).all()
    return sorted(row_id for (row_id,) in claimed)


def still_claimed(session: Session, query: Select, model: type, claimer: Claimer) -> Select:
    """`query` narrowed to the rows `claimer` still has claimed, locked until the recording commits
    (so a scheduler giving them back waits for it, or it for the scheduler)."""
    query = query.where(model.status == SENDING, model.claimed_by == claimer.name)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return query.execution_options(populate_existing=True)  # the claim changed them behind the ORM's back
