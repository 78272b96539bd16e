"""The audit log: who read or changed a young person's data, and when.

One row per look or change by someone other than the young person: hub staff, support
people and volunteer mentors. The young person sees their rows on "Who can see what";
admins search them all. The app never deletes a row: the log is kept as long as the hub
keeps anything (an account deleted under the data rights keeps its rows, without the name).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import Index, event
from sqlmodel import Field, SQLModel

from hub.accounts.models import utc_column
from hub.db import utcnow


class Area(StrEnum):
    """What part of the young person's things was read or changed."""

    PLAN = "plan"
    BOOKINGS = "bookings"
    WELLBEING = "wellbeing"
    KLIP = "klip"
    CHECKINS = "checkins"
    MESSAGES = "messages"
    PROFILE = "profile"
    SUPPORT = "support"
    EVALUATION = "evaluation"


class Action(StrEnum):
    READ = "read"
    CHANGE = "change"


# In the young person's words: "Louise looked at your plan".
AREA_LABELS = {
    Area.PLAN: _l("your plan"),
    Area.BOOKINGS: _l("what you have booked"),
    Area.WELLBEING: _l("your wellbeing check-ins"),
    Area.KLIP: _l("your klippekort"),
    Area.CHECKINS: _l("check-in notes about you"),
    Area.MESSAGES: _l("your messages to the hub"),
    Area.PROFILE: _l("your account"),
    Area.SUPPORT: _l("your support"),
    Area.EVALUATION: _l("your answers for the trial"),
}

# For the admins' search.
AREA_NAMES = {
    Area.PLAN: _l("Plan"),
    Area.BOOKINGS: _l("Bookings"),
    Area.WELLBEING: _l("Wellbeing"),
    Area.KLIP: _l("Klippekort"),
    Area.CHECKINS: _l("Check-ins"),
    Area.MESSAGES: _l("Messages"),
    Area.PROFILE: _l("Account"),
    Area.SUPPORT: _l("Support"),
    Area.EVALUATION: _l("Evaluation"),
}

ACTION_NAMES = {Action.READ: _l("Read"), Action.CHANGE: _l("Changed")}


class AuditEntry(SQLModel, table=True):
    """Someone reading or changing something of a young person's."""

    __tablename__ = "audit_entry"
    __table_args__ = (
        Index("ix_audit_entry_young_at", "young_id", "at"),
        Index("ix_audit_entry_actor_at", "actor_id", "at"),
        Index("ix_audit_entry_at", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    actor_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    # What the actor was when it happened (staff, admin, a support type, mentor): kept even if
    # their roles change or their account goes.
    actor_kind: str = Field(default="", max_length=30)
    young_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    area: str = Field(max_length=12)  # an Area
    action: str = Field(max_length=10)  # an Action
    detail: str = Field(default="", max_length=40)  # what was done, e.g. "klip.grant"
    object_id: int | None = Field(default=None)  # the conversation, booking, item … it was about
    at: datetime = Field(default_factory=utcnow, sa_column=utc_column(nullable=False))


class AuditEntryDeleted(Exception):
    """The app tried to delete an audit entry: the log is append-only."""


@event.listens_for(AuditEntry, "before_delete")
def _refuse_delete(_mapper, _connection, entry: AuditEntry) -> None:
    raise AuditEntryDeleted(f"audit entry {entry.id} may not be deleted")
