"""Klip: leisure credits in an append-only ledger. Balance = the sum of entries."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from hub.accounts.models import utc_column
from hub.db import utcnow


class EntryKind(StrEnum):
    GRANT = "grant"
    SPEND = "spend"
    REFUND = "refund"
    EXPIRY = "expiry"
    CORRECTION = "correction"


class KlipAccount(SQLModel, table=True):
    """One row per person, locked before a debit so two spends cannot both pass the check."""

    __tablename__ = "klip_account"

    user_id: int = Field(primary_key=True, foreign_key="user_account.id", ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(nullable=False))


class KlipEntry(SQLModel, table=True):
    """One change of a balance. Never updated or deleted; a correction is a new entry."""

    __tablename__ = "klip_entry"
    __table_args__ = (
        CheckConstraint("amount <> 0", name="ck_klip_entry_not_zero"),
        Index("ix_klip_entry_user_created", "user_id", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="klip_account.user_id", ondelete="CASCADE")
    amount: int  # positive adds klip, negative takes them
    kind: str = Field(max_length=12)
    reason: str = Field(default="", max_length=300)
    actor_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    booking_id: int | None = Field(default=None, foreign_key="booking.id", ondelete="SET NULL")
    voucher_id: int | None = Field(default=None, foreign_key="voucher.id", ondelete="SET NULL")
    allotment_run_id: int | None = Field(default=None, foreign_key="allotment_run.id", ondelete="SET NULL")
    # An expiry names the lot (grant or refund) whose unspent klip it takes away.
    source_entry_id: int | None = Field(default=None, foreign_key="klip_entry.id", ondelete="SET NULL")
    idempotency_key: str | None = Field(default=None, max_length=80, unique=True)
    expires_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))  # on klip that come in
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(nullable=False))


class OfferCategory(StrEnum):
    SPORT = "sport"
    CULTURE = "culture"
    CREATIVE = "creative"
    OUTDOOR = "outdoor"
    COURSE = "course"
    OTHER = "other"


OFFER_CATEGORY_LABELS = {
    OfferCategory.SPORT: _l("Sport"),
    OfferCategory.CULTURE: _l("Culture"),
    OfferCategory.CREATIVE: _l("Creative"),
    OfferCategory.OUTDOOR: _l("Outdoors"),
    OfferCategory.COURSE: _l("Courses"),
    OfferCategory.OTHER: _l("Other"),
}


class OfferKind(StrEnum):
    LEISURE = "leisure"  # redeemed with a voucher at a partner or at the hub
    COMPANION = "companion"  # someone to come with me the first time
    AFTER_TALK = "after_talk"  # a talk with staff afterwards


class Partner(SQLModel, table=True):
    """A club, venue or course provider that takes klip; its accounts redeem its vouchers."""

    __tablename__ = "partner"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120, unique=True)
    website: str = Field(default="", max_length=300)
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(nullable=False))


class Offer(SQLModel, table=True):
    """Something in the catalogue a young person can spend klip on."""

    __tablename__ = "offer"
    __table_args__ = (CheckConstraint("price_klip > 0", name="ck_offer_price_positive"),)

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=120)
    category: str = Field(max_length=12)
    kind: str = Field(default=OfferKind.LEISURE, max_length=12)
    partner_id: int | None = Field(default=None, foreign_key="partner.id", index=True, ondelete="SET NULL")
    price_klip: int
    description: str = Field(default="", max_length=1000)
    # English, when written: shown to a reader who reads English (hub.core.wording.localized).
    title_en: str = Field(default="", max_length=120)
    description_en: str = Field(default="", max_length=1000)
    link: str = Field(default="", max_length=300)
    icon: str = Field(default="star", max_length=20)  # a symbol in static/icons/sprite.svg
    active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(nullable=False))


class VoucherStatus(StrEnum):
    OPEN = "open"
    REDEEMED = "redeemed"
    REFUNDED = "refunded"


class Voucher(SQLModel, table=True):
    """What a spend on an offer buys: valid until redeemed once, or refunded."""

    __tablename__ = "voucher"
    __table_args__ = (Index("ix_voucher_user_status", "user_id", "status"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", ondelete="CASCADE")
    offer_id: int = Field(foreign_key="offer.id", index=True, ondelete="RESTRICT")
    status: str = Field(default=VoucherStatus.OPEN, max_length=10)
    price_klip: int  # what it cost, should the offer's price change later
    qr_secret: str = Field(max_length=64)  # the rotating code is derived from it; never shown
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(nullable=False))
    redeemed_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    redeemed_by_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    refunded_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


class Audience(StrEnum):
    TRIAL = "trial"  # young people enrolled in the support trial
    ALL_YOUNG = "all_young"  # every young person with an account


class Allotment(SQLModel, table=True):
    """A monthly grant to a group, applied by a scheduled job once per month."""

    __tablename__ = "allotment"
    __table_args__ = (CheckConstraint("amount > 0", name="ck_allotment_amount_positive"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120)
    audience: str = Field(max_length=12)
    amount: int
    expires_after_days: int | None = Field(default=None)
    active: bool = Field(default=True)
    created_by_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(nullable=False))


class AllotmentRun(SQLModel, table=True):
    """That an allotment was applied for a month: the unique pair makes a second run a no-op."""

    __tablename__ = "allotment_run"
    __table_args__ = (UniqueConstraint("allotment_id", "month", name="uq_allotment_run_month"),)

    id: int | None = Field(default=None, primary_key=True)
    allotment_id: int = Field(foreign_key="allotment.id", ondelete="CASCADE")
    month: str = Field(max_length=7)  # YYYY-MM, in the hub's time zone
    granted: int = Field(default=0)  # how many people got it
    ran_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(nullable=False))
