"""Notifications: everything the app tells a person, kept so nothing is lost without push."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from hub.accounts.models import utc_column
from hub.db import utcnow


class Notification(SQLModel, table=True):
    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_user_created", "user_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", ondelete="CASCADE")
    kind: str = Field(max_length=30)  # e.g. waitlist_offer, still_coming, event_cancelled
    title: str = Field(max_length=120)
    body: str = Field(default="", max_length=500)
    url: str = Field(default="/", max_length=300)
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(nullable=False))
    # Until this time the notice is still worth pushing to a phone (a reminder goes stale).
    useful_until: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    read_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    pushed_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
