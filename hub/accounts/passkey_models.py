"""Passkeys (WebAuthn credentials) and the one-time challenges behind them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, LargeBinary
from sqlmodel import Field, SQLModel

from hub.accounts.models import utc_column
from hub.db import utcnow


class Passkey(SQLModel, table=True):
    """A passkey a person made on a phone or a computer; they log in with it instead of a password."""

    __tablename__ = "passkey"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    credential_id: bytes = Field(sa_type=LargeBinary, unique=True)
    public_key: bytes = Field(sa_type=LargeBinary)  # COSE-encoded, as the authenticator gave it
    # The user handle the authenticator keeps with the passkey and returns at each login; kept
    # as given, so a new SECRET_KEY (from which handles are made) does not lock anyone out.
    user_handle: bytes = Field(sa_type=LargeBinary)
    # The authenticator's counter (a 32-bit unsigned number); many passkeys keep it at 0.
    sign_count: int = Field(default=0, sa_type=BigInteger)
    transports: str | None = Field(default=None, max_length=100)  # "internal,hybrid"
    name: str = Field(max_length=60)
    backed_up: bool = Field(default=False)  # synced to a cloud account, so it survives a lost phone
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(nullable=False))
    last_used_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


class ChallengePurpose(StrEnum):
    REGISTER = "register"
    LOGIN = "login"
    VERIFY = "verify"  # a second factor for a login that is already made


class PasskeyChallenge(SQLModel, table=True):
    """A challenge handed to a browser; usable once, for one purpose, for a few minutes.

    Kept in the database, not in memory or the cookie, so any worker process can check it and a
    used one can never be used again (the browser's signed answer cannot be replayed).
    """

    __tablename__ = "passkey_challenge"

    id: int | None = Field(default=None, primary_key=True)
    challenge_hash: str = Field(max_length=64, unique=True)  # SHA-256 of the challenge bytes
    purpose: str = Field(max_length=10)
    user_id: int | None = Field(default=None, foreign_key="user_account.id", index=True, ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(nullable=False))
    expires_at: datetime = Field(sa_column=utc_column(nullable=False, index=True))
    used_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
