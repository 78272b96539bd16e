"""Scheduled klip work: monthly allotments (never twice for a month) and expiry."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from hub.accounts.models import User
from hub.credits import services as ledger
from hub.credits.models import Allotment, AllotmentRun, Audience, KlipEntry
from hub.db import utcnow
from hub.i18n import lazy_when
from hub.notifications.services import notify

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
        for person in people:
            notify(
                session,
                person,
                kind="klip_allotment",
                title=lazy_ngettext(
                    "%(num)d new klip for %(month)s",
                    "%(num)d new klip for %(month)s",
                    allotment.amount,
                    month=lazy_when(now, "month"),
                ),
                body=_l("Find something fun to spend them on."),
                url="/klip",
                dedupe_key=f"klip_allotment:{allotment.id}:{month}:{person.id}",
            )
        run.granted = len(people)
        granted += len(people)
    session.flush()
    return granted


def expire_klip(session: Session, now: datetime | None = None) -> int:
    return ledger.expire_due(session, now)


WARN_BEFORE = timedelta(days=7)


def warn_expiring(session: Session, now: datetime | None = None) -> int:
    """A week before klip run out unspent, tell the young person once per lot."""
    now = now or utcnow()
    people = session.exec(
        select(KlipEntry.user_id)
        .where(KlipEntry.expires_at.is_not(None), KlipEntry.expires_at > now, KlipEntry.expires_at <= now + WARN_BEFORE)
        .distinct()
    ).all()
    warned = 0
    for user_id in people:
        person = session.get(User, user_id)
        if person is None or person.disabled_at is not None:
            continue
        for lot in ledger.ledger_of(session, user_id).expiring(now):
            if lot.expires_at > now + WARN_BEFORE:
                break
            made = notify(
                session,
                person,
                kind="klip_expiring",
                title=lazy_ngettext("%(num)d klip runs out soon", "%(num)d klip run out soon", lot.remaining),
                body=lazy_ngettext(
                    "Use it before %(day)s, or it is gone.",
                    "Use them before %(day)s, or they are gone.",
                    lot.remaining,
                    day=lazy_when(lot.expires_at, "day_month"),
                ),
                url="/klip",
                useful_until=lot.expires_at,
                dedupe_key=f"klip_expiring:{lot.entry_id}",
            )
            warned += made is not None
    return warned
