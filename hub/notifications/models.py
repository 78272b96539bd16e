"""Notifications: everything the app tells a person, kept so nothing is lost without push.

A `Notification` is also the push outbox: it is written in the same transaction as the event
that causes it (a booking, a reply, a promotion) and carries its push status. The sender fans
it out to the person's devices as `PushDelivery` rows, one per subscription, so a retry to one
phone never repeats the push to another.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from hub.accounts.models import utc_column
from hub.db import utcnow


class PushStatus(StrEnum):
    PENDING = "pending"  # waiting to be pushed (maybe until quiet hours end)
    SENDING = "sending"  # fanned out to devices; deliveries under way
    SENT = "sent"  # reached at least one device
    FAILED = "failed"  # no device took it
    EXPIRED = "expired"  # stopped being useful before it could be pushed
    SKIPPED = "skipped"  # no devices, or the person turned this kind off: the bell only


class Notification(SQLModel, table=True):
    __tablename__ = "notification"
    __table_args__ = (
        Index("ix_notification_user_created", "user_id", "created_at"),
        Index("ix_notification_push_due", "push_status", "push_after"),
    )

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
    # The same reminder is never made twice: e.g. "event_reminder:day:<booking id>".
    dedupe_key: str | None = Field(default=None, max_length=120, unique=True)
    push_status: str = Field(default=PushStatus.PENDING, max_length=10)
    # Not before this time (quiet hours); None means as soon as possible.
    push_after: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


class PushSubscription(SQLModel, table=True):
    """One device's browser push subscription; a person may have several."""

    __tablename__ = "push_subscription"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", ondelete="CASCADE", index=True)
    endpoint: str = Field(max_length=1000, unique=True)
    p256dh: str = Field(max_length=200)
    auth: str = Field(max_length=100)
    name: str = Field(default="", max_length=60)
    # The login it was made in: logging out there stops this phone's pushes (a shared phone).
    login_id: int | None = Field(default=None, foreign_key="user_session.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(nullable=False))
    last_success_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    last_error: str | None = Field(default=None, max_length=200)


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    GONE = "gone"  # the push service said the subscription no longer exists


class PushDelivery(SQLModel, table=True):
    __tablename__ = "push_delivery"
    __table_args__ = (
        UniqueConstraint("notification_id", "subscription_id", name="uq_push_delivery_once"),
        Index("ix_push_delivery_due", "status", "next_attempt_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    notification_id: int = Field(foreign_key="notification.id", ondelete="CASCADE")
    # Kept when the subscription goes away, so the notification's status can still be told.
    subscription_id: int | None = Field(default=None, foreign_key="push_subscription.id", ondelete="SET NULL")
    status: str = Field(default=DeliveryStatus.PENDING, max_length=10)
    attempts: int = Field(default=0)
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(nullable=False))
    # A claimed delivery belongs to one sender, named here, until then; after it, a crashed send
    # is retried. A scheduler that takes the lease over gives its predecessor's claims back at once.
    claimed_by: str | None = Field(default=None, max_length=120)
    claimed_until: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    last_code: int | None = Field(default=None)
    sent_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


class NotificationPreference(SQLModel, table=True):
    """What a person wants pushed to their phone, and when not. The bell always shows all."""

    __tablename__ = "notification_preference"

    user_id: int = Field(foreign_key="user_account.id", ondelete="CASCADE", primary_key=True)
    events: bool = Field(default=True)
    waitlist: bool = Field(default=True)
    messages: bool = Field(default=True)
    checkins: bool = Field(default=True)
    klip: bool = Field(default=True)
    support: bool = Field(default=True)
    quiet_hours: bool = Field(default=True)
    quiet_from: str = Field(default="22:00", max_length=5)  # Europe/Copenhagen wall clock
    quiet_until: str = Field(default="08:00", max_length=5)
