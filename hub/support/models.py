"""Youth-steered support: the people a young person chooses (their circle), what each may
see, the people they nominate from their own network, and the support options they compose.

Nothing here is ever rewritten out of existence: a relationship that ends keeps its row with
an end date, and every change to the support is a `SupportChange` row, so the history of
"up and down over the years" can be read and counted.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import Index, text
from sqlmodel import Field, SQLModel

from hub.accounts.models import utc_column
from hub.db import utcnow


class SupporterProfile(SQLModel, table=True):
    """How a support person or mentor presents themselves in the directory, in their own voice."""

    __tablename__ = "supporter_profile"

    user_id: int = Field(primary_key=True, foreign_key="user_account.id", ondelete="CASCADE")
    about: str = Field(default="", max_length=500)
    helps_with: str = Field(default="", max_length=200)  # LifeArea values, comma-separated
    languages: str = Field(default="", max_length=120)
    reachable: str = Field(default="", max_length=200)  # "weekdays 9-15, text me any time"
    phone: str = Field(default="", max_length=30)
    listed: bool = Field(default=False)  # shown in the directory young people choose from
    # Volunteer mentors: their organisation, signed agreement and intro training.
    organisation: str = Field(default="", max_length=120)
    agreement_on: date | None = Field(default=None)
    training_on: date | None = Field(default=None)
    staff_contact_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    updated_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(nullable=False))


class Area(StrEnum):
    """What a person in the circle may see. Each is the young person's choice."""

    PLAN = "plan"
    BOOKINGS = "bookings"
    WELLBEING = "wellbeing"
    KLIP = "klip"
    SUPPORT = "support"  # the support options and how the young person has scaled them


AREA_LABELS = {
    Area.PLAN: _l("Your plan"),
    Area.BOOKINGS: _l("What you have booked"),
    Area.WELLBEING: _l("Your wellbeing check-ins"),
    Area.KLIP: _l("Your klippekort"),
    Area.SUPPORT: _l("Your support options"),
}

# The same for staff, who read about the young person: "Sees Sara's plan, bookings and klippekort".
AREA_NOUNS = {
    Area.PLAN: _l("plan"),
    Area.BOOKINGS: _l("bookings"),
    Area.WELLBEING: _l("wellbeing check-ins"),
    Area.KLIP: _l("klippekort"),
    Area.SUPPORT: _l("support options"),
}


class SupportLink(SQLModel, table=True):
    """One person in a young person's support circle, for as long as the young person wants."""

    __tablename__ = "support_link"
    __table_args__ = (
        # One primary support person at a time, and one open link per pair.
        Index(
            "uq_support_link_primary",
            "young_id",
            unique=True,
            sqlite_where=text("is_primary AND ended_at IS NULL"),
            postgresql_where=text("is_primary AND ended_at IS NULL"),
        ),
        Index(
            "uq_support_link_open_pair",
            "young_id",
            "supporter_id",
            unique=True,
            sqlite_where=text("ended_at IS NULL"),
            postgresql_where=text("ended_at IS NULL"),
        ),
        Index("ix_support_link_supporter_open", "supporter_id", "ended_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    young_id: int = Field(foreign_key="user_account.id", ondelete="CASCADE")
    supporter_id: int = Field(foreign_key="user_account.id", ondelete="CASCADE")
    is_primary: bool = Field(default=False)
    see_plan: bool = Field(default=False)
    see_bookings: bool = Field(default=False)
    see_wellbeing: bool = Field(default=False)
    see_klip: bool = Field(default=False)
    see_support: bool = Field(default=False)
    may_message: bool = Field(default=False)
    nomination_id: int | None = Field(default=None, foreign_key="nomination.id", ondelete="SET NULL")
    started_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(nullable=False))
    ended_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    ended_by_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")

    def may_see(self, area: Area | str) -> bool:
        return self.ended_at is None and bool(getattr(self, f"see_{Area(area).value}"))


class NominationStatus(StrEnum):
    WAITING = "waiting"  # staff have not yet talked to the person
    INVITED = "invited"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


class Nomination(SQLModel, table=True):
    """Someone from the young person's own network they would like in their circle."""

    __tablename__ = "nomination"
    __table_args__ = (Index("ix_nomination_status", "status"),)

    id: int | None = Field(default=None, primary_key=True)
    young_id: int = Field(foreign_key="user_account.id", ondelete="CASCADE", index=True)
    name: str = Field(max_length=120)
    relation: str = Field(max_length=200)  # how the young person knows them
    email: str = Field(default="", max_length=254)
    phone: str = Field(default="", max_length=30)
    note: str = Field(default="", max_length=500)
    status: str = Field(default=NominationStatus.WAITING, max_length=10)
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(nullable=False))
    decided_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    decided_by_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    reason: str = Field(default="", max_length=500)  # staff's words when declining
    user_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")  # invited


class OptionKind(StrEnum):
    KLIP = "klip"
    CONTACT_PERSON = "contact_person"
    DIGITAL_CONTACT = "digital_contact"  # switched on only after an agreement is recorded
    MENTOR = "mentor"
    OTHER = "other"


class SupportOption(SQLModel, table=True):
    """One item on the menu of support, managed by staff."""

    __tablename__ = "support_option"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(default=OptionKind.OTHER, max_length=20)
    name: str = Field(max_length=80)
    description: str = Field(default="", max_length=600)
    name_en: str = Field(default="", max_length=80)
    description_en: str = Field(default="", max_length=600)
    active: bool = Field(default=True)
    position: int = Field(default=0)
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(nullable=False))


class ItemStatus(StrEnum):
    REQUESTED = "requested"
    ACTIVE = "active"
    PAUSED = "paused"
    DECLINED = "declined"
    ENDED = "ended"
    WITHDRAWN = "withdrawn"


OPEN_ITEM_STATUSES = (ItemStatus.REQUESTED, ItemStatus.ACTIVE, ItemStatus.PAUSED)


class SupportItem(SQLModel, table=True):
    """A support option in one young person's support: asked for, active, paused or ended."""

    __tablename__ = "support_item"
    __table_args__ = (
        Index(
            "uq_support_item_open",
            "young_id",
            "option_id",
            unique=True,
            sqlite_where=text("status IN ('requested', 'active', 'paused')"),
            postgresql_where=text("status IN ('requested', 'active', 'paused')"),
        ),
        Index("ix_support_item_status", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    young_id: int = Field(foreign_key="user_account.id", ondelete="CASCADE", index=True)
    option_id: int = Field(foreign_key="support_option.id", ondelete="RESTRICT")
    status: str = Field(default=ItemStatus.REQUESTED, max_length=10)
    level: int | None = Field(default=None)  # 1 light … 3 a lot; set by staff with the young person
    wish: str = Field(default="", max_length=500)  # the young person's words when asking
    note: str = Field(default="", max_length=500)  # staff's words to the young person (why declined …)
    # Digital contact is only switched on after it was agreed with the young person.
    agreed_on: date | None = Field(default=None)
    agreed_with_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    # A pause the young person set to end on a day: it starts again by itself then (hub.support.jobs).
    paused_until: date | None = Field(default=None)
    requested_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(nullable=False))


class ChangeKind(StrEnum):
    # Support options
    REQUESTED = "requested"
    ACTIVATED = "activated"
    SCALED_UP = "scaled_up"
    SCALED_DOWN = "scaled_down"
    PAUSED = "paused"
    RESUMED = "resumed"
    DECLINED = "declined"
    ENDED = "ended"
    WITHDRAWN = "withdrawn"
    # The circle
    PRIMARY_CHOSEN = "primary_chosen"
    PERSON_ADDED = "person_added"
    PERSON_ENDED = "person_ended"
    # The open door
    LEFT = "left"
    RETURNED = "returned"


class SupportChange(SQLModel, table=True):
    """One dated change to a young person's support, for their history and for evaluation."""

    __tablename__ = "support_change"
    __table_args__ = (Index("ix_support_change_young_at", "young_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    young_id: int = Field(foreign_key="user_account.id", ondelete="CASCADE")
    kind: str = Field(max_length=20)
    at: datetime = Field(default_factory=utcnow, sa_column=utc_column(nullable=False))
    by_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    item_id: int | None = Field(default=None, foreign_key="support_item.id", ondelete="SET NULL")
    option_id: int | None = Field(default=None, foreign_key="support_option.id", ondelete="SET NULL")
    link_id: int | None = Field(default=None, foreign_key="support_link.id", ondelete="SET NULL")
    supporter_type: str = Field(default="", max_length=30)  # for counting primary person types
    level_before: int | None = Field(default=None)
    level_after: int | None = Field(default=None)
    until: date | None = Field(default=None)  # a pause: the day it was to end, if one was set
    reason: str = Field(default="", max_length=500)


class SparringRequest(SQLModel, table=True):
    """A volunteer mentor asks the staff for a talk about how it is going."""

    __tablename__ = "sparring_request"

    id: int | None = Field(default=None, primary_key=True)
    mentor_id: int = Field(foreign_key="user_account.id", ondelete="CASCADE", index=True)
    text: str = Field(max_length=1000)
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(nullable=False))
    answered_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    answered_by_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
