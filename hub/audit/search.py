"""Admins search the audit log: by young person, by who did it, by area, by dates."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from hub.accounts.models import User
from hub.audit import sentences
from hub.audit.models import ACTION_NAMES, AREA_NAMES, Action, Area, AuditEntry
from hub.audit.services import kind_label
from hub.core.forms import optional_id, whole_number

PAGE_SIZE = 50
MAX_PAGE = 10_000
CSV_MAX = 50_000  # rows in one download; narrow the search for more
TEXT_MAX = 100
EARLIEST = date(2000, 1, 1)


@dataclass(frozen=True)
class Filters:
    young: str = ""  # a name or e-mail, or part of one
    young_id: int | None = None
    actor: str = ""
    actor_id: int | None = None
    area: Area | None = None
    action: Action | None = None
    since: date | None = None  # local dates, both days included
    until: date | None = None
    page: int = 1

    def args(self, **changes) -> dict[str, object]:
        """The query string that gives these filters back (for links to other pages)."""
        values = {
            "young": self.young,
            "young_id": self.young_id,
            "actor": self.actor,
            "actor_id": self.actor_id,
            "area": self.area.value if self.area else None,
            "action": self.action.value if self.action else None,
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "page": self.page if self.page > 1 else None,
        } | changes
        return {key: value for key, value in values.items() if value not in (None, "")}


@dataclass
class Parsed:
    filters: Filters
    errors: dict[str, str] = field(default_factory=dict)  # field name → message


def _id(raw: str | None, name: str, errors: dict[str, str]) -> int | None:
    number = optional_id(raw)
    if number == -1:
        errors[name] = str(_l("That person could not be found. Search by name instead."))
        return None
    return number


def _day(raw: str | None, name: str, errors: dict[str, str]) -> date | None:
    if not raw:
        return None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        errors[name] = str(_l("Write the date like this: 2026-03-31."))
        return None
    if day < EARLIEST or day.year > 2999:
        errors[name] = str(_l("Pick a date after 1 January 2000."))
        return None
    return day


def parse(args: Mapping[str, str]) -> Parsed:
    """The filters from a query string; anything that does not make sense gets a message."""
    errors: dict[str, str] = {}
    area = (args.get("area") or "").strip()
    action = (args.get("action") or "").strip()
    if area and area not in set(Area):
        errors["area"] = str(_l("Choose an area from the list."))
    if action and action not in set(Action):
        errors["action"] = str(_l("Choose read or changed."))
    since = _day((args.get("since") or "").strip(), "since", errors)
    until = _day((args.get("until") or "").strip(), "until", errors)
    if since and until and since > until:
        errors["until"] = str(_l("The end date must be on or after the start date."))
    page_raw = (args.get("page") or "1").strip()
    page = whole_number(page_raw, minimum=1, maximum=MAX_PAGE)
    if page is None:
        errors["page"] = str(_l("That page does not exist."))
    filters = Filters(
        young=(args.get("young") or "").strip()[:TEXT_MAX],
        young_id=_id((args.get("young_id") or "").strip(), "young", errors),
        actor=(args.get("actor") or "").strip()[:TEXT_MAX],
        actor_id=_id((args.get("actor_id") or "").strip(), "actor", errors),
        area=Area(area) if area and "area" not in errors else None,
        action=Action(action) if action and "action" not in errors else None,
        since=since if "since" not in errors else None,
        until=until if "until" not in errors else None,
        page=page or 1,
    )
    return Parsed(filters, errors)


# --- the search ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    entry: AuditEntry
    actor_name: str | None
    young_name: str | None
    thing: str | None = None  # what the entry's object is called: an option, an event, an offer …

    @property
    def sentence(self) -> str:
        """Who did what to whose data, in words (plain text)."""
        return sentences.describe(self.entry, actor=self.actor_name, young=self.young_name, thing=self.thing)

    def sentence_html(self, *, actor_url: str, young_url: str):
        return sentences.describe_html(
            self.entry,
            actor=self.actor_name,
            young=self.young_name,
            thing=self.thing,
            actor_url=actor_url,
            young_url=young_url,
        )

    @property
    def kind(self) -> object:
        return kind_label(self.entry.actor_kind) if self.entry.actor_kind else ""

    @property
    def area(self) -> object:
        return AREA_NAMES.get(self.entry.area, self.entry.area)

    @property
    def action(self) -> object:
        return ACTION_NAMES.get(self.entry.action, self.entry.action)


@dataclass(frozen=True)
class Page:
    rows: list[Row]
    total: int
    number: int
    pages: int

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def _person_matches(person, text: str):
    pattern = f"%{text.lower()}%"
    return or_(func.lower(person.name).like(pattern), person.email.like(pattern))


def _statement(filters: Filters, tz: ZoneInfo):
    actor, young = aliased(User), aliased(User)
    statement = (
        select(AuditEntry, actor.name, young.name)
        .outerjoin(actor, actor.id == AuditEntry.actor_id)
        .outerjoin(young, young.id == AuditEntry.young_id)
    )
    if filters.young_id is not None:
        statement = statement.where(AuditEntry.young_id == filters.young_id)
    if filters.young:
        statement = statement.where(_person_matches(young, filters.young))
    if filters.actor_id is not None:
        statement = statement.where(AuditEntry.actor_id == filters.actor_id)
    if filters.actor:
        statement = statement.where(_person_matches(actor, filters.actor))
    if filters.area is not None:
        statement = statement.where(AuditEntry.area == filters.area)
    if filters.action is not None:
        statement = statement.where(AuditEntry.action == filters.action)
    if filters.since is not None:
        statement = statement.where(AuditEntry.at >= datetime.combine(filters.since, time(), tz))
    if filters.until is not None:
        statement = statement.where(AuditEntry.at < datetime.combine(filters.until + timedelta(days=1), time(), tz))
    return statement


def search(session: Session, filters: Filters, *, tz: ZoneInfo, page_size: int = PAGE_SIZE) -> Page:
    """One page of matching entries, newest first."""
    statement = _statement(filters, tz)
    total = session.exec(select(func.count()).select_from(statement.subquery())).one()
    pages = max(1, -(-total // page_size))
    found = session.exec(
        statement.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .offset((filters.page - 1) * page_size)
        .limit(page_size)
    ).all()
    things = sentences.things_for(session, [entry for entry, *_names in found])
    rows = [Row(entry, actor, young, sentences.thing_of(entry, things)) for entry, actor, young in found]
    return Page(rows, total, filters.page, pages)


CSV_COLUMNS = [
    "at",
    "actor_id",
    "actor_name",
    "actor_kind",
    "young_id",
    "young_name",
    "area",
    "action",
    "detail",
    "object_id",
    "sentence",  # the same line in words, in the language of the person downloading
]


def csv_rows(session: Session, filters: Filters, *, tz: ZoneInfo) -> Iterator[list[object]]:
    """Every matching entry (up to CSV_MAX), newest first, with times in the hub's time zone."""
    statement = _statement(filters, tz).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(CSV_MAX)
    found = session.exec(statement).all()
    things = sentences.things_for(session, [entry for entry, *_names in found])
    for entry, actor_name, young_name in found:
        thing = sentences.thing_of(entry, things)
        yield [
            entry.at.astimezone(tz).isoformat(timespec="seconds"),
            entry.actor_id,
            actor_name or "",
            entry.actor_kind,
            entry.young_id,
            young_name or "",
            entry.area,
            entry.action,
            entry.detail,
            entry.object_id,
            sentences.describe(entry, actor=actor_name, young=young_name, thing=thing),
        ]
