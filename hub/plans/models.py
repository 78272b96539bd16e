"""PLAN1: one plan per young person, built on their own hopes and dreams.

Goals by life area, each with steps. Support people may suggest and comment; nothing enters
the plan without the young person's say. Every change is kept (who, what, when) so "what
changed since we last met" can be read.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from hub.accounts.models import utc_column
from hub.db import utcnow


class LifeArea(StrEnum):
    EDUCATION = "education"
    JOB = "job"
    HOUSING = "housing"
    ECONOMY = "economy"
    HEALTH = "health"
    RELATIONS = "relations"
    LEISURE = "leisure"


LIFE_AREA_LABELS = {
    LifeArea.EDUCATION: _l("Education"),
    LifeArea.JOB: _l("Job"),
    LifeArea.HOUSING: _l("Housing"),
    LifeArea.ECONOMY: _l("Money"),
    LifeArea.HEALTH: _l("Health and how you feel"),
    LifeArea.RELATIONS: _l("Relations and network"),
    LifeArea.LEISURE: _l("Leisure"),
}


class GoalStatus(StrEnum):
    NOT_STARTED = "not_started"
    UNDER_WAY = "under_way"
    DONE = "done"
    DROPPED = "dropped"


GOAL_STATUS_LABELS = {
    GoalStatus.NOT_STARTED: _l("Not started"),
    GoalStatus.UNDER_WAY: _l("Under way"),
    GoalStatus.DONE: _l("Done"),
    GoalStatus.DROPPED: _l("Dropped"),
}


class Helper(StrEnum):
    """Who helps with a step."""

    ME = "me"
    SUPPORT = "support"
    STAFF = "staff"
    OTHER = "other"


HELPER_LABELS = {
    Helper.ME: _l("Me"),
    Helper.SUPPORT: _l("My support person"),
    Helper.STAFF: _l("The staff at the hub"),
    Helper.OTHER: _l("Someone else"),
}


class Plan(SQLModel, table=True):
    """The page's first words: the young person's hopes and dreams, in their own words."""

    __tablename__ = "plan"

    young_id: int = Field(primary_key=True, foreign_key="user_account.id", ondelete="CASCADE")
    dreams: str = Field(default="", max_length=2000)
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(nullable=False))
    updated_by_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")


class Goal(SQLModel, table=True):
    __tablename__ = "plan_goal"
    __table_args__ = (Index("ix_plan_goal_young_area", "young_id", "area"),)

    id: int | None = Field(default=None, primary_key=True)
    young_id: int = Field(foreign_key="plan.young_id", ondelete="CASCADE")
    area: str = Field(max_length=20)
    title: str = Field(max_length=120)
    why: str = Field(default="", max_length=500)  # in the young person's words
    status: str = Field(default=GoalStatus.NOT_STARTED, max_length=12)
    position: int = Field(default=0)
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(nullable=False))
    created_by_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    updated_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(nullable=False))


class Step(SQLModel, table=True):
    """A sub-goal: what, who helps, by when, and how far it has come."""

    __tablename__ = "plan_step"

    id: int | None = Field(default=None, primary_key=True)
    goal_id: int = Field(foreign_key="plan_goal.id", ondelete="CASCADE", index=True)
    what: str = Field(max_length=200)
    helper: str = Field(default=Helper.ME, max_length=10)
    helper_name: str = Field(default="", max_length=80)  # "someone else": who
    due_on: date | None = Field(default=None)
    status: str = Field(default=GoalStatus.NOT_STARTED, max_length=12)
    position: int = Field(default=0)
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(nullable=False))
    created_by_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    updated_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(nullable=False))


class Answer(StrEnum):
    """The young person's say on a suggestion."""

    AGREE = "agree"
    NOT_FOR_ME = "not_for_me"
    LETS_TALK = "lets_talk"


ANSWER_LABELS = {
    Answer.AGREE: _l("Agree"),
    Answer.NOT_FOR_ME: _l("Not for me"),
    Answer.LETS_TALK: _l("Let's talk"),
}


class Suggestion(SQLModel, table=True):
    """A support person's idea for the plan: a new goal, or a step on a goal. Waits for an answer."""

    __tablename__ = "plan_suggestion"
    __table_args__ = (Index("ix_plan_suggestion_young_answer", "young_id", "answer"),)

    id: int | None = Field(default=None, primary_key=True)
    young_id: int = Field(foreign_key="plan.young_id", ondelete="CASCADE")
    goal_id: int | None = Field(default=None, foreign_key="plan_goal.id", ondelete="CASCADE")  # a step on it
    area: str | None = Field(default=None, max_length=20)  # a new goal in this area
    text: str = Field(max_length=200)
    by_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(nullable=False))
    answer: str | None = Field(default=None, max_length=12)
    answered_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    # What "agree" made of it.
    made_goal_id: int | None = Field(default=None, foreign_key="plan_goal.id", ondelete="SET NULL")
    made_step_id: int | None = Field(default=None, foreign_key="plan_step.id", ondelete="SET NULL")


class GoalComment(SQLModel, table=True):
    __tablename__ = "plan_comment"

    id: int | None = Field(default=None, primary_key=True)
    goal_id: int = Field(foreign_key="plan_goal.id", ondelete="CASCADE", index=True)
    by_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    text: str = Field(max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(nullable=False))


class PlanChange(SQLModel, table=True):
    """Who changed what and when: the plan's history, read as "what changed since"."""

    __tablename__ = "plan_change"
    __table_args__ = (Index("ix_plan_change_young_at", "young_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    young_id: int = Field(foreign_key="plan.young_id", ondelete="CASCADE")
    at: datetime = Field(default_factory=utcnow, sa_column=utc_column(nullable=False))
    by_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    entity: str = Field(max_length=12)  # dreams, goal, step, suggestion, comment
    entity_id: int | None = Field(default=None)  # no foreign key: the history outlives what it names
    action: str = Field(max_length=12)  # added, edited, status, removed, answered
    title: str = Field(default="", max_length=200)  # what it was called then
    before: str = Field(default="", max_length=60)
    after: str = Field(default="", max_length=60)
