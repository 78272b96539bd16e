"""A staff member's second factor: an authenticator app (TOTP) and recovery codes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from hub.accounts.models import utc_column
from hub.core.sealed import SealedString
from hub.db import utcnow


class TotpSecret(SQLModel, table=True):
    """A person's confirmed authenticator app: one per account (setting up a new one replaces it).

    The secret is a key like a password's, but it must be readable to check a code: it is sealed
    in the database (hub/core/sealed.py), never exported and never shown again after setup.
    """

    __tablename__ = "totp_secret"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", unique=True, ondelete="CASCADE")
    secret: str = Field(sa_column=Column(SealedString(255), nullable=False))  # base32, sealed
    confirmed_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(nullable=False))
    # The last 30-second step a code was accepted for: a code is never accepted twice (RFC 6238 §5.2).
    last_used_step: int | None = Field(default=None)


class RecoveryCode(SQLModel, table=True):
    """One of a set of ten single-use codes for when the phone is lost; only its SHA-256 is kept."""

    __tablename__ = "recovery_code"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    code_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(nullable=False))
    used_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


class SecondFactorEvent(SQLModel, table=True):
    """The security log of a person's second factor: set up, replaced, reset, a recovery code used."""

    __tablename__ = "second_factor_event"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    # Who did it: the person themselves, or the admin who reset it.
    actor_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    action: str = Field(max_length=30)
    at: datetime = Field(default_factory=utcnow, sa_column=utc_column(nullable=False))
