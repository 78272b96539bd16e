"""Outbox rows: one message to one recipient on one channel, sealed until sent, then erased."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Index
from sqlmodel import Field, SQLModel

from hub.accounts.models import utc_column
from hub.core.sealed import SealedString
from hub.db import utcnow


class Channel(StrEnum):
    EMAIL = "email"


class OutboxStatus(StrEnum):
    PENDING = "pending"  # waiting to be sent (maybe until a retry is due)
    SENDING = "sending"  # claimed by a sender
    SENT = "sent"  # the server took it; what it said is erased
    FAILED = "failed"  # given up; what it said is erased


class OutboxMessage(SQLModel, table=True):
    __tablename__ = "outbox_message"
    __table_args__ = (Index("ix_outbox_message_due", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(default=Channel.EMAIL, max_length=10)
    kind: str = Field(max_length=40)  # what it is, for logs and metrics: password_reset, sign_up, …
    # Personal data and secrets (a reset link is a key to an account): sealed while waiting,
    # erased once the message is sent or given up.
    recipient: str | None = Field(default=None, sa_column=Column(SealedString(1000), nullable=True))
    subject: str | None = Field(default=None, sa_column=Column(SealedString(2000), nullable=True))
    body: str | None = Field(default=None, sa_column=Column(SealedString(), nullable=True))
    # The same on every attempt, so a mail sent twice (a sender died before recording it) is one
    # message to the receiving server and the reader's mail program.
    message_id: str = Field(max_length=200, unique=True)
    status: str = Field(default=OutboxStatus.PENDING, max_length=10)
    attempts: int = Field(default=0)
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(nullable=False))
    claimed_by: str | None = Field(default=None, max_length=120)
    claimed_until: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(nullable=False))
    sent_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    last_error: str | None = Field(default=None, max_length=100)  # the kind of failure, never its text
