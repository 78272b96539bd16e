"""The scheduler's leader lease: whoever holds it runs the jobs; others stand by."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from hub.accounts.models import utc_column


class SchedulerLease(SQLModel, table=True):
    __tablename__ = "scheduler_lease"

    name: str = Field(primary_key=True, max_length=40)
    holder: str = Field(max_length=120)
    expires_at: datetime = Field(sa_column=utc_column(nullable=False))
