"""The klip ledger: append-only entries; a balance never goes below zero.

Before a debit the person's KlipAccount row is locked (SELECT … FOR UPDATE on PostgreSQL; on
SQLite the write transaction already holds the database's write lock from BEGIN IMMEDIATE),
so two spends of the same klip cannot both pass the balance check.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from hub.credits.models import EntryKind, KlipAccount, KlipEntry
from hub.errors import Conflict, Invalid


class NotEnoughKlip(Conflict):
    pass


def balance(session: Session, user_id: int) -> int:
    total = session.exec(select(func.coalesce(func.sum(KlipEntry.amount), 0)).where(KlipEntry.user_id == user_id))
    return int(total.one())


def lock_account(session: Session, user_id: int) -> KlipAccount:
    account = session.exec(select(KlipAccount).where(KlipAccount.user_id == user_id).with_for_update()).first()
    if account is not None:
        return account
    try:
        with session.begin_nested():
            session.add(KlipAccount(user_id=user_id))
    except IntegrityError:
        pass  # made by a concurrent request a moment ago
    return session.exec(select(KlipAccount).where(KlipAccount.user_id == user_id).with_for_update()).one()


def _existing(session: Session, key: str | None) -> KlipEntry | None:
    if key is None:
        return None
    return session.exec(select(KlipEntry).where(KlipEntry.idempotency_key == key)).first()


def _add(session: Session, **values) -> KlipEntry:
    entry = KlipEntry(**values)
    session.add(entry)
    session.flush()
    return entry


def grant(
    session: Session,
    *,
    user_id: int,
    amount: int,
    reason: str,
    actor_id: int | None,
    expires_at: datetime | None = None,
    key: str | None = None,
) -> KlipEntry:
    if amount <= 0:
        raise Invalid("amount_not_positive", str(_l("Give at least 1 klip.")))
    lock_account(session, user_id)
    return _existing(session, key) or _add(
        session,
        user_id=user_id,
        amount=amount,
        kind=EntryKind.GRANT,
        reason=reason,
        actor_id=actor_id,
        expires_at=expires_at,
        idempotency_key=key,
    )


def spend(
    session: Session, *, user_id: int, amount: int, reason: str, key: str, booking_id: int | None = None
) -> KlipEntry:
    """Take `amount` klip; a retried request with the same `key` spends nothing more."""
    if amount <= 0:
        raise Invalid("amount_not_positive")
    lock_account(session, user_id)
    done = _existing(session, key)
    if done is not None:
        return done
    if balance(session, user_id) < amount:
        raise NotEnoughKlip("not_enough_klip", str(_l("You do not have enough klip for this.")))
    return _add(
        session,
        user_id=user_id,
        amount=-amount,
        kind=EntryKind.SPEND,
        reason=reason,
        actor_id=user_id,
        booking_id=booking_id,
        idempotency_key=key,
    )


def refund(
    session: Session,
    *,
    user_id: int,
    amount: int,
    reason: str,
    key: str,
    actor_id: int | None,
    booking_id: int | None = None,
) -> KlipEntry:
    lock_account(session, user_id)
    return _existing(session, key) or _add(
        session,
        user_id=user_id,
        amount=amount,
        kind=EntryKind.REFUND,
        reason=reason,
        actor_id=actor_id,
        booking_id=booking_id,
        idempotency_key=key,
    )
