"""Check-ins: the agreed follow-ups by support people and mentors, and the young person's
own ten-second wellbeing check-ins."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Index
from sqlmodel import Field, SQLModel

from hub.accounts.models import utc_column
from hub.db import utcnow


class ContactWay(StrEnum):
    MEETING = "meeting"
    PHONE = "phone"
    CHAT = "chat"
    ACTIVITY = "activity"


CONTACT_WAY_LABELS = {
    ContactWay.MEETING: _l("Meeting"),
    ContactWay.PHONE: _l("Phone"),
    ContactWay.CHAT: _l("Chat"),
    ContactWay.ACTIVITY: _l("Activity together"),
}


class HowItWent(StrEnum):
    GOOD = "good"
    MIXED = "mixed"
    HARD = "hard"


HOW_IT_WENT_LABELS = {
    HowItWent.GOOD: _l("Good"),
    HowItWent.MIXED: _l("Mixed"),
    HowItWent.HARD: _l("Hard"),
}


class CheckIn(SQLModel, table=True):
    """A contact with a young person, logged by the adult who had it."""

    __tablename__ = "checkin"
    __table_args__ = (
        Index("ix_checkin_young_on", "young_id", "happened_on"),
        Index("ix_checkin_by_young", "by_id", "young_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    young_id: int = Field(foreign_key="user_account.id", ondelete="CASCADE")
    by_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    happened_on: date
    way: str = Field(max_length=10)
    went: str = Field(max_length=10)
    note: str = Field(default="", max_length=1000)
    # Shared: the young person reads it too. Otherwise it stays on the staff side.
    note_shared: bool = Field(default=False)
    next_on: date | None = Field(default=None)  # the agreed next check-in ("tryghedsopkald")
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(nullable=False))


class Wellbeing(SQLModel, table=True):
    """Ten seconds: how are you, how did you sleep, did you move. Scores 1 (low) to 5 (high)."""

    __tablename__ = "wellbeing"
    __table_args__ = (
        Index("ix_wellbeing_young_at", "young_id", "at"),
        CheckConstraint("mood BETWEEN 1 AND 5", name="ck_wellbeing_mood"),
        CheckConstraint("sleep BETWEEN 1 AND 5", name="ck_wellbeing_sleep"),
        CheckConstraint("movement BETWEEN 1 AND 5", name="ck_wellbeing_movement"),
    )

    id: int | None = Field(default=None, primary_key=True)
    young_id: int = Field(foreign_key="user_account.id", ondelete="CASCADE")
    at: datetime = Field(default_factory=utcnow, sa_column=utc_column(nullable=False))
    mood: int
    sleep: int
    movement: int
    words: str = Field(default="", max_length=280)
