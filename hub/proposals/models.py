"""Youth-driven activities: a young person proposes, others back it, staff make it happen."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from hub.accounts.models import utc_column
from hub.db import utcnow


class ProposalStatus(StrEnum):
    OPEN = "open"
    APPROVED = "approved"
    DECLINED = "declined"
    EVENT = "event"  # turned into an event


class Proposal(SQLModel, table=True):
    __tablename__ = "proposal"

    id: int | None = Field(default=None, primary_key=True)
    author_id: int = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    title: str = Field(max_length=120)
    what: str = Field(max_length=2000)
    why: str = Field(default="", max_length=2000)
    rough_cost_kr: int | None = Field(default=None)
    status: str = Field(default=ProposalStatus.OPEN, max_length=10)
    budget_kr: int | None = Field(default=None)  # granted from the youth budget ("ungebudget")
    decided_by_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    decided_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(nullable=False))


class ProposalBacker(SQLModel, table=True):
    __tablename__ = "proposal_backer"
    __table_args__ = (UniqueConstraint("proposal_id", "user_id", name="uq_proposal_backer"),)

    id: int | None = Field(default=None, primary_key=True)
    proposal_id: int = Field(foreign_key="proposal.id", index=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="user_account.id", ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(nullable=False))


class ProposalComment(SQLModel, table=True):
    __tablename__ = "proposal_comment"

    id: int | None = Field(default=None, primary_key=True)
    proposal_id: int = Field(foreign_key="proposal.id", index=True, ondelete="CASCADE")
    author_id: int = Field(foreign_key="user_account.id", ondelete="CASCADE")
    body: str = Field(max_length=2000)
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(nullable=False))
