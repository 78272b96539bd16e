"""Klip: leisure credits in an append-only ledger. Balance = the sum of entries."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Index
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
    idempotency_key: str | None = Field(default=None, max_length=80, unique=True)
    expires_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))  # on grants
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(nullable=False))
