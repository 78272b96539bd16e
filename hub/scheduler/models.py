"""The scheduler's leader lease, and what each scheduled job last did (for monitoring)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from hub.accounts.models import utc_column


class SchedulerLease(SQLModel, table=True):
    """Whoever holds it runs the jobs; others stand by."""

    __tablename__ = "scheduler_lease"

    name: str = Field(primary_key=True, max_length=40)
    holder: str = Field(max_length=120)
    expires_at: datetime = Field(sa_column=utc_column(nullable=False))


class SchedulerJob(SQLModel, table=True):
    """One scheduled job's last start, success and error, written by the runner around each run."""

    __tablename__ = "scheduler_job"

    name: str = Field(primary_key=True, max_length=60)
    every_seconds: int = Field(default=0)
    last_started_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    last_success_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    last_error_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
