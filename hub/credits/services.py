"""The klip ledger: append-only entries; a balance never goes below zero.

Before any change the person's KlipAccount row is locked (SELECT … FOR UPDATE on PostgreSQL;
on SQLite the write transaction already holds the write lock from BEGIN IMMEDIATE), so two
spends of the same klip cannot both pass the check. Entries are never updated or deleted
(see `refuse_changes_to_entries`); a mistake is put right with a correction entry.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import event, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from hub.credits.ledger import Ledger, replay
from hub.credits.models import EntryKind, KlipAccount, KlipEntry
from hub.db import utcnow
from hub.errors import Conflict, Invalid

MAX_AMOUNT = 1000  # no single grant, spend or correction is larger; catches typos like 100000


class NotEnoughKlip(Conflict):
    pass


class LedgerIsAppendOnly(RuntimeError):
    pass


@event.listens_for(Session, "before_flush")
def refuse_changes_to_entries(session, _context, _instances) -> None:
    """Nothing in the ledger is ever updated or deleted; corrections are new entries."""
    for instance in (*session.dirty, *session.deleted):
        if isinstance(instance, KlipEntry) and (instance in session.deleted or session.is_modified(instance)):
            raise LedgerIsAppendOnly("klip entries are never changed or deleted; add a correction")


def balance(session: Session, user_id: int) -> int:
    """The sum of a person's entries."""
    total = session.exec(select(func.coalesce(func.sum(KlipEntry.amount), 0)).where(KlipEntry.user_id == user_id))
    return int(total.one())


def entries_of(session: Session, user_id: int) -> list[KlipEntry]:
    return list(
        session.exec(select(KlipEntry).where(KlipEntry.user_id == user_id).order_by(KlipEntry.created_at, KlipEntry.id))
    )


def ledger_of(session: Session, user_id: int) -> Ledger:
    return replay(entries_of(session, user_id))


def available(session: Session, user_id: int, now: datetime | None = None) -> int:
    """What may be spent now: the balance less klip that expired a moment ago."""
    return ledger_of(session, user_id).available(now or utcnow())


def lock_account(session: Session, user_id: int) -> KlipAccount:
    account = session.exec(
        select(KlipAccount)
        .where(KlipAccount.user_id == user_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if account is not None:
        return account
    try:
        with session.begin_nested():
            session.add(KlipAccount(user_id=user_id))
    except IntegrityError:
        pass  # made by a concurrent request a moment ago
    return session.exec(
        select(KlipAccount)
        .where(KlipAccount.user_id == user_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def _existing(session: Session, key: str | None) -> KlipEntry | None:
    if key is None:
        return None
    return session.exec(select(KlipEntry).where(KlipEntry.idempotency_key == key)).first()


def _check_amount(amount: int) -> None:
    if not isinstance(amount, int) or isinstance(amount, bool):
        raise Invalid("amount_not_a_number", str(_l("Write a whole number of klip.")))
    if amount <= 0:
        raise Invalid("amount_not_positive", str(_l("The number of klip must be at least 1.")))
    if amount > MAX_AMOUNT:
        raise Invalid("amount_too_large", str(_l("That is more klip than we allow at once (%(max)d).", max=MAX_AMOUNT)))


def _add(session: Session, **values) -> KlipEntry:
    entry = KlipEntry(created_at=utcnow(), **values)
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
    allotment_run_id: int | None = None,
) -> KlipEntry:
    _check_amount(amount)
    if expires_at is not None and expires_at <= utcnow():
        raise Invalid("expiry_in_past", str(_l("The expiry date must be in the future.")))
    lock_account(session, user_id)
    return _existing(session, key) or _add(
        session,
        user_id=user_id,
        amount=amount,
        kind=EntryKind.GRANT,
        reason=reason[:300],
        actor_id=actor_id,
        expires_at=expires_at,
        idempotency_key=key,
        allotment_run_id=allotment_run_id,
    )


def spend(
    session: Session,
    *,
    user_id: int,
    amount: int,
    reason: str,
    key: str,
    booking_id: int | None = None,
    voucher_id: int | None = None,
) -> KlipEntry:
    """Take `amount` klip, oldest first; a retried request with the same `key` spends nothing more."""
    _check_amount(amount)
    lock_account(session, user_id)
    done = _existing(session, key)
    if done is not None:
        return done
    if available(session, user_id) < amount:
        raise NotEnoughKlip("not_enough_klip", str(_l("You do not have enough klip for this.")))
    return _add(
        session,
        user_id=user_id,
        amount=-amount,
        kind=EntryKind.SPEND,
        reason=reason[:300],
        actor_id=user_id,
        booking_id=booking_id,
        voucher_id=voucher_id,
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
    voucher_id: int | None = None,
) -> KlipEntry:
    """Give klip back. They keep the expiry of the klip they were paid with, so a refund
    never turns klip that were about to expire into klip that last for ever."""
    _check_amount(amount)
    lock_account(session, user_id)
    done = _existing(session, key)
    if done is not None:
        return done
    expires_at = _expiry_of_payment(session, user_id, booking_id=booking_id, voucher_id=voucher_id)
    return _add(
        session,
        user_id=user_id,
        amount=amount,
        kind=EntryKind.REFUND,
        reason=reason[:300],
        actor_id=actor_id,
        booking_id=booking_id,
        voucher_id=voucher_id,
        expires_at=expires_at,
        idempotency_key=key,
    )


def _expiry_of_payment(session: Session, user_id: int, *, booking_id: int | None, voucher_id: int | None):
    if booking_id is None and voucher_id is None:
        return None
    entries = entries_of(session, user_id)
    payment = next(
        (
            e
            for e in reversed(entries)
            if e.kind == EntryKind.SPEND
            and ((booking_id and e.booking_id == booking_id) or (voucher_id and e.voucher_id == voucher_id))
        ),
        None,
    )
    if payment is None:
        return None
    lots = [lot for lot, _taken in replay(entries).used.get(payment.id, [])]
    expiries = [lot.expires_at for lot in lots]
    if not expiries or None in expiries:
        return None  # paid (partly) with klip that never expire
    return max(expiries)


def correct(session: Session, *, user_id: int, amount: int, reason: str, actor_id: int, key: str) -> KlipEntry:
    """Put a mistake right with a new entry (positive or negative); never below zero."""
    if not reason.strip():
        raise Invalid("reason_missing", str(_l("Write why, so others can understand it later.")))
    _check_amount(abs(amount))
    lock_account(session, user_id)
    done = _existing(session, key)
    if done is not None:
        return done
    if amount < 0 and available(session, user_id) < -amount:
        raise NotEnoughKlip("not_enough_klip", str(_l("The balance cannot go below zero.")))
    return _add(
        session,
        user_id=user_id,
        amount=amount,
        kind=EntryKind.CORRECTION,
        reason=reason.strip()[:300],
        actor_id=actor_id,
        idempotency_key=key,
    )


def expire_due(session: Session, now: datetime | None = None) -> int:
    """Write an expiry entry for every lot that has run out unspent (the scheduled job)."""
    now = now or utcnow()
    people = session.exec(
        select(KlipEntry.user_id).where(KlipEntry.expires_at.is_not(None), KlipEntry.expires_at <= now).distinct()
    ).all()
    written = 0
    for user_id in people:
        lock_account(session, user_id)
        for lot in ledger_of(session, user_id).due_to_expire(now):
            key = f"expiry-{lot.entry_id}"
            if _existing(session, key):
                continue
            _add(
                session,
                user_id=user_id,
                amount=-lot.remaining,
                kind=EntryKind.EXPIRY,
                reason="",
                source_entry_id=lot.entry_id,
                idempotency_key=key,
            )
            written += 1
    return written
