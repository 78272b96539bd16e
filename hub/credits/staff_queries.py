"""What the staff klip pages and the redeem page read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from hub.accounts.models import User
from hub.credits.models import (
    Allotment,
    AllotmentRun,
    KlipEntry,
    Offer,
    Partner,
    Voucher,
    VoucherStatus,
)
from hub.db import MAX_ID, utcnow
from hub.errors import Forbidden
from hub.events.models import Booking, Event


@dataclass(frozen=True)
class HistoryRow:
    """One entry of a person's klip, with who did it and what it was for."""

    entry: KlipEntry
    actor_name: str | None
    event: Event | None  # paid for, or refunded for, a booking
    offer_title: str | None  # a voucher's offer
    allotment_name: str | None
    allotment_month: str | None
    source: KlipEntry | None  # the lot an expiry took away

    @property
    def cause(self) -> str:
        if self.event is not None:
            return "booking"
        if self.offer_title is not None:
            return "voucher"
        if self.allotment_name is not None:
            return "allotment"
        return ""


def history(session: Session, user_id: int) -> list[HistoryRow]:
    """A person's whole ledger, newest first, in one query."""
    actor, source = aliased(User), aliased(KlipEntry)
    rows = session.exec(
        select(KlipEntry, actor.name, Event, Offer.title, Allotment.name, AllotmentRun.month, source)
        .outerjoin(actor, actor.id == KlipEntry.actor_id)
        .outerjoin(Booking, Booking.id == KlipEntry.booking_id)
        .outerjoin(Event, Event.id == Booking.event_id)
        .outerjoin(Voucher, Voucher.id == KlipEntry.voucher_id)
        .outerjoin(Offer, Offer.id == Voucher.offer_id)
        .outerjoin(AllotmentRun, AllotmentRun.id == KlipEntry.allotment_run_id)
        .outerjoin(Allotment, Allotment.id == AllotmentRun.allotment_id)
        .outerjoin(source, source.id == KlipEntry.source_entry_id)
        .where(KlipEntry.user_id == user_id)
        .order_by(KlipEntry.created_at.desc(), KlipEntry.id.desc())
    ).all()
    return [HistoryRow(*row) for row in rows]


def open_vouchers(session: Session, user_id: int) -> list[tuple[Voucher, Offer]]:
    return list(
        session.exec(
            select(Voucher, Offer)
            .join(Offer, Offer.id == Voucher.offer_id)
            .where(Voucher.user_id == user_id, Voucher.status == VoucherStatus.OPEN)
            .order_by(Voucher.created_at)
        ).all()
    )


def young_people(session: Session) -> list[User]:
    """Everyone who can get klip now, by name: the list to tick on a grant to many."""
    return list(
        session.exec(select(User).where(User.is_young, User.disabled_at.is_(None)).order_by(User.name, User.id)).all()
    )


def allotments_with_runs(session: Session) -> list[tuple[Allotment, list[AllotmentRun]]]:
    allotments = session.exec(select(Allotment).order_by(Allotment.active.desc(), Allotment.name)).all()
    runs: dict[int, list[AllotmentRun]] = {a.id: [] for a in allotments}
    for run in session.exec(select(AllotmentRun).order_by(AllotmentRun.month.desc())).all():
        runs.setdefault(run.allotment_id, []).append(run)
    return [(allotment, runs[allotment.id]) for allotment in allotments]


def offers_with_partners(session: Session) -> list[tuple[Offer, Partner | None]]:
    return list(
        session.exec(
            select(Offer, Partner)
            .outerjoin(Partner, Partner.id == Offer.partner_id)
            .order_by(Offer.active.desc(), Offer.title, Offer.id)
        ).all()
    )


def partners_with_counts(session: Session) -> list[tuple[Partner, int, int]]:
    """Each partner with how many offers and how many accounts it has."""
    offers = select(func.count(Offer.id)).where(Offer.partner_id == Partner.id).scalar_subquery()
    accounts = select(func.count(User.id)).where(User.partner_id == Partner.id).scalar_subquery()
    return [tuple(row) for row in session.exec(select(Partner, offers, accounts).order_by(Partner.name)).all()]


def partners(session: Session) -> list[Partner]:
    return list(session.exec(select(Partner).order_by(Partner.name)).all())


@dataclass(frozen=True)
class Redeemed:
    voucher: Voucher
    offer: Offer
    first_name: str  # of the young person: nothing more is shown to a partner
    redeemed_by: str  # the first name of whoever took the voucher


def recent_redemptions(session: Session, *, actor: User, days: int = 30, limit: int = 300) -> list[Redeemed]:
    """Vouchers used in the last `days`: a partner sees its own offers', staff see all."""
    if not (actor.is_staff_member or actor.partner_id):
        raise Forbidden("not_allowed")
    owner, redeemer = aliased(User), aliased(User)
    statement = (
        select(Voucher, Offer, owner, redeemer)
        .join(Offer, Offer.id == Voucher.offer_id)
        .join(owner, owner.id == Voucher.user_id)
        .outerjoin(redeemer, redeemer.id == Voucher.redeemed_by_id)
        .where(Voucher.status == VoucherStatus.REDEEMED, Voucher.redeemed_at >= utcnow() - timedelta(days=days))
        .order_by(Voucher.redeemed_at.desc(), Voucher.id.desc())
        .limit(limit)
    )
    if not actor.is_staff_member:
        statement = statement.where(Offer.partner_id == actor.partner_id)
    return [
        Redeemed(voucher, offer, person.display_name, who.display_name if who else "")
        for voucher, offer, person, who in session.exec(statement).all()
    ]


def redeemed_by_me(session: Session, *, actor: User, voucher_id: int | None) -> Redeemed | None:
    """The voucher this person has just used, for the confirmation; anyone else's is None."""
    if voucher_id is None or not 0 < voucher_id <= MAX_ID:
        return None
    row = session.exec(
        select(Voucher, Offer, User)
        .join(Offer, Offer.id == Voucher.offer_id)
        .join(User, User.id == Voucher.user_id)
        .where(
            Voucher.id == voucher_id,
            Voucher.status == VoucherStatus.REDEEMED,
            Voucher.redeemed_by_id == actor.id,
        )
    ).first()
    if row is None:
        return None
    voucher, offer, person = row
    return Redeemed(voucher, offer, person.display_name, actor.display_name)
