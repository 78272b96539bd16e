"""Messages: conversations young people start with the hub staff or their support person,
the urgent path ("I need help now"), and what staff set up around them (who handles which
topic, canned replies, opening hours, reply norms, crisis lines, who is on duty).

Message text is sensitive personal data: staff reading a young person's conversation is
written to the audit log (hub.audit), and closed conversations are deleted after a retention
period (their audit lines are kept).
"""

from __future__ import annotations

from datetime import datetime, time
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from hub.accounts.models import utc_column
from hub.db import utcnow


class Topic(StrEnum):
    HOUSING = "housing"
    FEELINGS = "feelings"
    SUBSTANCES = "substances"
    TROUBLE = "trouble"
    EDUCATION = "education"
    JOB = "job"
    MONEY = "money"
    OTHER = "other"


# In the young person's words.
TOPIC_LABELS = {
    Topic.HOUSING: _l("Housing, a place to live"),
    Topic.FEELINGS: _l("Anxiety and how you feel"),
    Topic.SUBSTANCES: _l("Alcohol, hash and other substances"),
    Topic.TROUBLE: _l("Crime or trouble"),
    Topic.EDUCATION: _l("Education"),
    Topic.JOB: _l("Job"),
    Topic.MONEY: _l("Money"),
    Topic.OTHER: _l("Something else"),
}


class ConversationStatus(StrEnum):
    OPEN = "open"  # the hub's (or support person's) turn to answer
    WAITING = "waiting"  # waiting for the young person
    CLOSED = "closed"


class Conversation(SQLModel, table=True):
    """A thread between one young person and either the hub staff or one support person."""

    __tablename__ = "conversation"
    __table_args__ = (
        Index("ix_conversation_young_last", "young_id", "last_message_at"),
        Index("ix_conversation_status_last", "status", "last_message_at"),
        Index("ix_conversation_supporter", "supporter_id", "last_message_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    young_id: int = Field(foreign_key="user_account.id", ondelete="CASCADE")
    topic: str = Field(max_length=12)
    # None: the hub staff. Otherwise the support person in the young person's circle.
    supporter_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    started_by_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    status: str = Field(default=ConversationStatus.OPEN, max_length=8)
    assigned_to_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    urgent: bool = Field(default=False)
    # The urgent path: who picked it up, and how far it has been escalated (0 on duty, 1 all staff, 2 admins).
    picked_up_by_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    picked_up_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    escalation_level: int = Field(default=0)
    escalated_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(nullable=False))
    last_message_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(nullable=False))
    # The first answer from the other side: response time for evaluation.
    first_response_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    closed_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


class Message(SQLModel, table=True):
    """Plain text. An internal note is for staff only and never shown to the young person."""

    __tablename__ = "message"
    __table_args__ = (Index("ix_message_conversation_created", "conversation_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: int = Field(foreign_key="conversation.id", ondelete="CASCADE")
    author_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    body: str = Field(max_length=4000)
    internal: bool = Field(default=False)
    # A key the phone sends with a message written offline, so a retry never posts it twice.
    client_key: str | None = Field(default=None, max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(nullable=False))


class ReadMark(SQLModel, table=True):
    """How far a person has read a conversation: unread badges and the "seen" marker."""

    __tablename__ = "read_mark"

    conversation_id: int = Field(primary_key=True, foreign_key="conversation.id", ondelete="CASCADE")
    user_id: int = Field(primary_key=True, foreign_key="user_account.id", ondelete="CASCADE")
    read_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(nullable=False))


class TopicSetting(SQLModel, table=True):
    """Per topic: how soon the hub promises an answer (in opening hours)."""

    __tablename__ = "topic_setting"

    topic: str = Field(primary_key=True, max_length=12)
    response_hours: int = Field(default=24)


class TopicRoute(SQLModel, table=True):
    """The staff who handle a topic; a new conversation on it goes to them first."""

    __tablename__ = "topic_route"

    topic: str = Field(primary_key=True, max_length=12)
    staff_id: int = Field(primary_key=True, foreign_key="user_account.id", ondelete="CASCADE")


class CannedReply(SQLModel, table=True):
    __tablename__ = "canned_reply"

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=80)
    body: str = Field(max_length=2000)
    topic: str | None = Field(default=None, max_length=12)
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(nullable=False))


class OpeningHours(SQLModel, table=True):
    """When the hub is staffed, per weekday (0 Monday … 6 Sunday), Europe/Copenhagen."""

    __tablename__ = "opening_hours"

    weekday: int = Field(primary_key=True)
    opens: time | None = Field(default=None)  # None: closed that day
    closes: time | None = Field(default=None)


class CrisisLine(SQLModel, table=True):
    """A help line shown on "I need help now", with when it is open."""

    __tablename__ = "crisis_line"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=80)
    phone: str = Field(max_length=30)
    description: str = Field(default="", max_length=300)
    # English, when written: shown to a reader who reads English (hub.core.wording.localized).
    name_en: str = Field(default="", max_length=80)
    description_en: str = Field(default="", max_length=300)
    anonymous: bool = Field(default=False)
    always_open: bool = Field(default=True)
    opens: time | None = Field(default=None)
    closes: time | None = Field(default=None)  # may be before opens: open over midnight
    position: int = Field(default=0)
    active: bool = Field(default=True)


class DutyShift(SQLModel, table=True):
    """A staff member on duty: urgent messages go to them first."""

    __tablename__ = "duty_shift"
    __table_args__ = (Index("ix_duty_shift_until", "until"),)

    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(foreign_key="user_account.id", ondelete="CASCADE")
    since: datetime = Field(default_factory=utcnow, sa_column=utc_column(nullable=False))
    until: datetime = Field(sa_column=utc_column(nullable=False))
