"""Hub events and workshops, and the bookings for them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from hub.accounts.models import utc_column
from hub.db import utcnow


class Category(StrEnum):
    WORKSHOP = "workshop"
    COMMUNITY = "community"
    HEALTH = "health"
    EXCURSION = "excursion"
    JOB_FAIR = "job_fair"
    GROUP = "group"


CATEGORY_LABELS = {
    Category.WORKSHOP: _l("Workshop"),
    Category.COMMUNITY: _l("Community"),
    Category.HEALTH: _l("Movement and health"),
    Category.EXCURSION: _l("Excursion"),
    Category.JOB_FAIR: _l("Job fair"),
    Category.GROUP: _l("Group"),
}

CATEGORY_HINTS = {
    Category.WORKSHOP: _l("Budget, cooking on a student grant, housing skills, job seeking"),
    Category.COMMUNITY: _l("Cooking and eating together, open guidance"),
    Category.HEALTH: _l("Yoga, sleep, substances"),
    Category.EXCURSION: _l("Schools and colleges, culture, company visits"),
    Category.JOB_FAIR: _l("Meet employers and places to study"),
    Category.GROUP: _l("For example: new in your own home"),
}


class Visibility(StrEnum):
    OPEN = "open"  # everyone with an account
    TRIAL = "trial"  # only young people enrolled in the support trial (and staff)


class EventStatus(StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class Event(SQLModel, table=True):
    __tablename__ = "event"
    __table_args__ = (
        CheckConstraint("capacity > 0", name="ck_event_capacity_positive"),
        CheckConstraint("price_klip >= 0", name="ck_event_price_not_negative"),
        CheckConstraint("ends_at > starts_at", name="ck_event_ends_after_start"),
        Index("ix_event_starts_at", "starts_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=120)
    description: str = Field(default="", max_length=2000)
    # English, when written: shown to a reader who reads English (hub.core.wording.localized).
    title_en: str = Field(default="", max_length=120)
    description_en: str = Field(default="", max_length=2000)
    category: str = Field(max_length=20)
    starts_at: datetime = Field(sa_column=utc_column(nullable=False))
    ends_at: datetime = Field(sa_column=utc_column(nullable=False))
    place: str = Field(max_length=120)
    address: str = Field(default="", max_length=200)
    host_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    host_name: str = Field(default="", max_length=120)  # who runs it, when not a user (a partner)
    capacity: int
    cutoff_hours: int = Field(default=2)  # booking and free cancellation close this long before start
    price_klip: int = Field(default=0)
    accessibility: str = Field(default="", max_length=500)
    accessibility_en: str = Field(default="", max_length=500)
    visibility: str = Field(default=Visibility.OPEN, max_length=10)
    status: str = Field(default=EventStatus.SCHEDULED, max_length=10)
    series_key: str | None = Field(default=None, max_length=32, index=True)  # a weekly series
    proposal_id: int | None = Field(default=None, foreign_key="proposal.id", ondelete="SET NULL")
    anonymous_walk_ins: int = Field(default=0)  # people without an account who came
    created_by_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(nullable=False))
    cancelled_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    cancel_reason: str = Field(default="", max_length=500)


class BookingStatus(StrEnum):
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    OFFERED = "offered"  # a seat is held for them until offer_expires_at
    CANCELLED = "cancelled"  # they released it (or declined an offer)
    EXPIRED = "expired"  # an offer ran out, or the event started while waiting
    EVENT_CANCELLED = "event_cancelled"


ACTIVE = (BookingStatus.CONFIRMED, BookingStatus.WAITLISTED, BookingStatus.OFFERED)


class Companion(StrEnum):
    MENTOR = "mentor"
    VOLUNTEER = "volunteer"
    STAFF = "staff"


COMPANION_LABELS = {
    Companion.MENTOR: _l("My mentor"),
    Companion.VOLUNTEER: _l("A volunteer"),
    Companion.STAFF: _l("Someone from the staff"),
}


class Booking(SQLModel, table=True):
    """One person's place at one event: booked, waiting, offered a seat, or released."""

    __tablename__ = "booking"
    __table_args__ = (
        UniqueConstraint("event_id", "user_id", name="uq_booking_event_user"),
        Index("ix_booking_event_status", "event_id", "status"),
        Index("ix_booking_user_status", "user_id", "status"),
        Index("ix_booking_companion_user", "companion_user_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", ondelete="CASCADE")
    user_id: int = Field(foreign_key="user_account.id", ondelete="CASCADE")
    status: str = Field(max_length=20)
    ticket_code: str = Field(max_length=32, unique=True)  # in the QR ticket staff scan
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(nullable=False))
    confirmed_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    waitlisted_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    offered_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    offer_expires_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    cancelled_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    late_cancel: bool = Field(default=False)  # released after the cut-off
    companion: str | None = Field(default=None, max_length=10)
    companion_note: str = Field(default="", max_length=300)
    companion_user_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    checked_in_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    walk_in: bool = Field(default=False)
    no_show: bool = Field(default=False)
    nudge_sent_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    klip_paid: int = Field(default=0)


class CalendarFeed(SQLModel, table=True):
    """A person's private calendar address; only the hash of its secret is kept."""

    __tablename__ = "calendar_feed"

    user_id: int = Field(primary_key=True, foreign_key="user_account.id", ondelete="CASCADE")
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(nullable=False))
