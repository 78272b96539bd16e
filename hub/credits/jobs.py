"""Scheduled klip work: monthly allotments (never twice for a month) and expiry."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from hub.accounts.models import User
from hub.credits import services as ledger
from hub.credits.models import Allotment, AllotmentRun, Audience
from hub.db import utcnow

AARHUS = ZoneInfo("Europe/Copenhagen")


def audience_of(session: Session, audience: str) -> list[User]:
    statement = select(User).where(User.is_young, User.disabled_at.is_(None))
    if audience == Audience.TRIAL:
        statement = statement.where(User.trial_enrolled_at.is_not(None))
    return list(session.exec(statement.order_by(User.id)))


def apply_allotments(session: Session, now: datetime | None = None) -> int:
    """Grant each active allotment for this month, once: a second run finds the month taken."""
    now = now or utcnow()
    month = now.astimezone(AARHUS).strftime("%Y-%m")
    granted = 0
    for allotment in session.exec(select(Allotment).where(Allotment.active)).all():
        try:
            with session.begin_nested():
                run = AllotmentRun(allotment_id=allotment.id, month=month)
                session.add(run)
        except IntegrityError:
            continue  # this month is done
        expires = now + timedelta(days=allotment.expires_after_days) if allotment.expires_after_days else None
        people = audience_of(session, allotment.audience)
        for person in people:
            ledger.grant(
                session,
                user_id=person.id,
                amount=allotment.amount,
                reason=allotment.name,
                actor_id=allotment.created_by_id,
                expires_at=expires,
                key=f"allotment-{allotment.id}-{month}-{person.id}",
                allotment_run_id=run.id,
            )
        run.granted = len(people)
        granted += len(people)
    session.flush()
    return granted


def expire_klip(session: Session, now: datetime | None = None) -> int:
    return ledger.expire_due(session, now)
