"""What a young person's klippekort pages show: read-only queries, shaped for the templates.

The ledger rules live in services.py and ledger.py, buying and codes in vouchers.py. This
module only reads: each function is one or two queries, whatever the number of rows.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask_babel import get_timezone
from sqlmodel import Session, select

from hub.core.wording import localized
from hub.credits import services as ledger
from hub.credits import vouchers
from hub.credits.ledger import replay
from hub.credits.models import KlipEntry, Offer, Partner, Voucher, VoucherStatus

SOON = timedelta(days=30)  # klip that run out within this are mentioned on the home page


@dataclass(frozen=True)
class Expiring:
    """Klip that run out on one day (in the hub's time zone), from one or more lots."""

    day: date
    amount: int


@dataclass(frozen=True)
class Wallet:
    """A person's klip now: what they can use, what runs out when, and how they got here."""

    usable: int  # what may be spent now: lots that ran out a moment ago are left out
    ran_out: int  # klip past their date that the nightly job has not taken away yet
    expiring: list[Expiring]  # soonest first
    soon: list[Expiring]  # the ones within SOON
    entries: list[KlipEntry]  # newest first
    # What each bought voucher was for: a spend or a refund names its offer in the reader's language.
    offers: dict[int, Offer] = field(default_factory=dict)

    def reason(self, entry: KlipEntry) -> str:
        """The entry's reason; an offer's title as written when bought is shown in the reader's language."""
        offer = self.offers.get(entry.voucher_id) if entry.voucher_id else None
        if offer is not None and entry.reason == offer.title:
            return localized(offer, "title")
        return entry.reason


def local_day(moment: datetime) -> date:
    """The day it is at `moment` in the hub's time zone."""
    return moment.astimezone(get_timezone()).date()


def wallet_of(session: Session, user_id: int, now: datetime) -> Wallet:
    """Everything the klippekort page and the home card show, from one query."""
    entries = ledger.entries_of(session, user_id)
    lots = replay(entries)
    by_day: dict[date, int] = defaultdict(int)
    for lot in lots.expiring(now):
        by_day[local_day(lot.expires_at)] += lot.remaining
    expiring = [Expiring(day, amount) for day, amount in sorted(by_day.items())]
    usable = lots.available(now)
    voucher_ids = {entry.voucher_id for entry in entries if entry.voucher_id}
    offers = (
        dict(
            session.exec(
                select(Voucher.id, Offer).join(Offer, Offer.id == Voucher.offer_id).where(Voucher.id.in_(voucher_ids))
            ).all()
        )
        if voucher_ids
        else {}
    )
    return Wallet(
        usable=usable,
        ran_out=sum(entry.amount for entry in entries) - usable,
        expiring=expiring,
        soon=[lot for lot in expiring if lot.day <= local_day(now + SOON)],
        entries=entries[::-1],
        offers=offers,
    )


# --- the catalogue ---


@dataclass(frozen=True)
class OfferCard:
    offer: Offer
    partner: Partner | None

    @property
    def is_request(self) -> bool:
        """Company the first time, or a talk afterwards: arranged with the staff."""
        return vouchers.is_request(self.offer)

    @property
    def link(self) -> str:
        """The offer's web page, if it is one: a typed `javascript:` never becomes a link."""
        link = self.offer.link.strip()
        return link if link.lower().startswith(("https://", "http://")) else ""


def _offers_with_partners():
    return select(Offer, Partner).outerjoin(Partner, Partner.id == Offer.partner_id).where(Offer.active)


def offer_cards(session: Session, category: str | None = None) -> list[OfferCard]:
    """The active offers, with their partners, in one query; cheapest first."""
    statement = _offers_with_partners()
    if category is not None:
        statement = statement.where(Offer.category == category)
    statement = statement.order_by(Offer.price_klip, Offer.title, Offer.id)
    return [OfferCard(offer, partner) for offer, partner in session.exec(statement)]


def offer_card(session: Session, offer_id: int) -> OfferCard | None:
    """One active offer with its partner; None if it is unknown or no longer offered."""
    found = session.exec(_offers_with_partners().where(Offer.id == offer_id)).first()
    return OfferCard(*found) if found else None


# --- vouchers ---


@dataclass(frozen=True)
class VoucherCard:
    voucher: Voucher
    offer: Offer
    partner: Partner | None

    @property
    def is_open(self) -> bool:
        return self.voucher.status == VoucherStatus.OPEN

    @property
    def is_request(self) -> bool:
        return vouchers.is_request(self.offer)


def _voucher_statement():
    return (
        select(Voucher, Offer, Partner)
        .join(Offer, Offer.id == Voucher.offer_id)
        .outerjoin(Partner, Partner.id == Offer.partner_id)
    )


def voucher_cards(session: Session, user_id: int) -> tuple[list[VoucherCard], list[VoucherCard]]:
    """A person's vouchers in one query: (open ones, used or given back ones), newest first."""
    rows = session.exec(
        _voucher_statement().where(Voucher.user_id == user_id).order_by(Voucher.created_at.desc(), Voucher.id.desc())
    )
    cards = [VoucherCard(*row) for row in rows]
    return [c for c in cards if c.is_open], [c for c in cards if not c.is_open]


def voucher_card(session: Session, voucher: Voucher) -> VoucherCard:
    offer, partner = session.exec(
        select(Offer, Partner).outerjoin(Partner, Partner.id == Offer.partner_id).where(Offer.id == voucher.offer_id)
    ).one()
    return VoucherCard(voucher, offer, partner)
