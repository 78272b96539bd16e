"""A person's data rights: asking to be deleted, the record that it was done, and the clock
that anonymises a young person who has not been seen for a long time."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import Index, text
from sqlmodel import Field, SQLModel

from hub.accounts.models import utc_column
from hub.db import utcnow


class RequestStatus(StrEnum):
    WAITING = "waiting"  # for the staff to confirm or decline
    CONFIRMED = "confirmed"  # the data is erased
    DECLINED = "declined"  # the staff said why not
    WITHDRAWN = "withdrawn"  # the person changed their mind


REQUEST_STATUS_LABELS = {
    RequestStatus.WAITING: _l("Waiting for the staff"),
    RequestStatus.CONFIRMED: _l("Deleted"),
    RequestStatus.DECLINED: _l("Declined"),
    RequestStatus.WITHDRAWN: _l("Taken back"),
}


class DeletionRequest(SQLModel, table=True):
    """A person asks to have their account deleted; a member of staff confirms or declines."""

    __tablename__ = "deletion_request"
    __table_args__ = (
        # One waiting request per person: asking twice is the same as asking once.
        Index(
            "uq_deletion_request_waiting",
            "user_id",
            unique=True,
            sqlite_where=text("status = 'waiting'"),
            postgresql_where=text("status = 'waiting'"),
        ),
        Index("ix_deletion_request_status_created", "status", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", ondelete="CASCADE")
    reason: str = Field(default="", max_length=500)  # the person's own words, if they gave any
    status: str = Field(default=RequestStatus.WAITING, max_length=10)
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(nullable=False))
    decided_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    decided_by_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    answer: str = Field(default="", max_length=500)  # staff's words when declining; the person reads them


class ErasureCause(StrEnum):
    REQUEST = "request"  # the person asked, and staff confirmed
    INACTIVE = "inactive"  # not seen for longer than the retention limit


class Erasure(SQLModel, table=True):
    """That a person's data was erased or anonymised: when, why, and who confirmed it.

    The anonymised account row stays, so the ledger, bookings and statistics that pointed at
    the person still add up; this row is what says it is no longer anyone.
    """

    __tablename__ = "erasure"

    user_id: int = Field(primary_key=True, foreign_key="user_account.id", ondelete="CASCADE")
    cause: str = Field(max_length=10)
    at: datetime = Field(default_factory=utcnow, sa_column=utc_column(nullable=False))
    by_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    request_id: int | None = Field(default=None, foreign_key="deletion_request.id", ondelete="SET NULL")


class ActivityMark(SQLModel, table=True):
    """The latest sign of life the retention job has seen of a person, and when it warned them.

    Logins are forgotten 90 days after they end, so the job keeps the latest it saw here:
    an account is never anonymised because the evidence of its last visit was cleaned away.
    """

    __tablename__ = "activity_mark"

    user_id: int = Field(primary_key=True, foreign_key="user_account.id", ondelete="CASCADE")
    last_active_at: datetime = Field(sa_column=utc_column(nullable=False))
    warned_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
