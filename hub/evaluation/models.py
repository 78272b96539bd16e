"""The trial's evaluation: cohorts, status records and the wellbeing pulse.

A young person in the trial belongs to one cohort (the year they joined). Staff record a short
status with them at the start and about every six months; the young person answers a short
wellbeing pulse themselves. The risk category on a status record is for staff only: it is never
shown to the young person.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from hub.accounts.models import utc_column
from hub.db import utcnow


class Housing(StrEnum):
    OWN_HOME = "own_home"
    FAMILY = "family"  # with family or in foster care
    SUPPORTED = "supported"  # supported housing, a kollegium with a caretaker
    HOMELESS = "homeless"  # homeless or sofa-surfing
    OTHER = "other"


HOUSING_LABELS = {
    Housing.OWN_HOME: _l("Own home"),
    Housing.FAMILY: _l("With family or in foster care"),
    Housing.SUPPORTED: _l("Supported housing"),
    Housing.HOMELESS: _l("Homeless or sofa-surfing"),
    Housing.OTHER: _l("Something else"),
}


class Occupation(StrEnum):
    EDUCATION = "education"
    JOB = "job"
    BOTH = "both"
    NEITHER = "neither"


OCCUPATION_LABELS = {
    Occupation.EDUCATION: _l("In education"),
    Occupation.JOB: _l("In a job"),
    Occupation.BOTH: _l("Both education and a job"),
    Occupation.NEITHER: _l("Neither"),
}


class Risk(StrEnum):
    """Staff's judgement of the risk of dropping out of education or work. Staff only."""

    LOW = "low"
    MIDDLE = "middle"
    HIGH = "high"


RISK_LABELS = {Risk.LOW: _l("Low"), Risk.MIDDLE: _l("Middle"), Risk.HIGH: _l("High")}


class RecordKind(StrEnum):
    START = "start"
    FOLLOW_UP = "follow_up"


RECORD_KIND_LABELS = {RecordKind.START: _l("At the start"), RecordKind.FOLLOW_UP: _l("Follow-up")}

# The five pulse questions, in the young person's own words, each answered 1 (not at all) … 5.
PULSE_QUESTIONS = {
    "talk": _l("I have someone to talk to when things are hard."),
    "home": _l("I feel good about where I live."),
    "days": _l("My days have something I care about: school, a job or something else."),
    "say": _l("I decide what my support looks like."),
    "future": _l("I look forward to what is coming."),
}
PULSE_SHORT = {
    "talk": _l("Someone to talk to"),
    "home": _l("Where I live"),
    "days": _l("My days"),
    "say": _l("My say in my support"),
    "future": _l("The future"),
}
PULSE_WORDS = [_l("Not at all"), _l("A little"), _l("Partly"), _l("Mostly"), _l("Completely")]
NETWORK_WORDS = [_l("Very few"), _l("Few"), _l("Some"), _l("Good"), _l("Very good")]


class EvaluationEnrolment(SQLModel, table=True):
    """A young person in the trial, and the cohort (year) they joined. One row per person."""

    __tablename__ = "evaluation_enrolment"
    __table_args__ = (Index("ix_evaluation_enrolment_cohort", "cohort_year"),)

    id: int | None = Field(default=None, primary_key=True)
    young_id: int = Field(foreign_key="user_account.id", ondelete="CASCADE", unique=True)
    cohort_year: int
    enrolled_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(nullable=False))
    enrolled_by_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")


class StatusRecord(SQLModel, table=True):
    """A short status recorded by staff with the young person: housing, education/job, network."""

    __tablename__ = "evaluation_status"
    __table_args__ = (Index("ix_evaluation_status_young_at", "young_id", "recorded_at"),)

    id: int | None = Field(default=None, primary_key=True)
    young_id: int = Field(foreign_key="user_account.id", ondelete="CASCADE")
    kind: str = Field(max_length=10)
    housing: str = Field(max_length=12)
    occupation: str = Field(max_length=10)
    risk: str = Field(max_length=6)  # staff only
    network: int  # 1 … 5
    network_note: str = Field(default="", max_length=300)
    recorded_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(nullable=False))
    recorded_by_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")


class PulseAnswer(SQLModel, table=True):
    """The young person's own answers to the five pulse questions, each 1 … 5."""

    __tablename__ = "evaluation_pulse"
    __table_args__ = (Index("ix_evaluation_pulse_young_at", "young_id", "answered_at"),)

    id: int | None = Field(default=None, primary_key=True)
    young_id: int = Field(foreign_key="user_account.id", ondelete="CASCADE")
    talk: int
    home: int
    days: int
    say: int
    future: int
    answered_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(nullable=False))


class EvaluationExport(SQLModel, table=True):
    """That an export for the evaluator was made: by whom, when, and its id (for the pseudonyms)."""

    __tablename__ = "evaluation_export"

    id: int | None = Field(default=None, primary_key=True)
    export_id: str = Field(max_length=32, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(nullable=False))
    created_by_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    people: int = Field(default=0)  # how many pseudonymous people it held
