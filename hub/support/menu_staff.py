"""The staff side of the support menu: what is waiting, one young person's support, the menu itself."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, or_
from sqlmodel import Session, select

from hub.accounts.models import User
from hub.db import utcnow
from hub.errors import Invalid, NotFound
from hub.support import circle
from hub.support.menu import (
    ACTIONS,
    DESCRIPTION_MAX,
    NAME_MAX,
    SEARCH_LIMIT,
    STATUS_LABELS,
    level_label,
    option_name,
    require_staff,
)
from hub.support.models import (
    AREA_NOUNS,
    OPEN_ITEM_STATUSES,
    ItemStatus,
    Nomination,
    NominationStatus,
    OptionKind,
    SparringRequest,
    SupportItem,
    SupportLink,
    SupportOption,
)

# --- what is waiting ---------------------------------------------------------------------------


@dataclass(frozen=True)
class WaitingRequest:
    item: SupportItem
    young: User
    name: str

    @property
    def days(self) -> int:
        return max((utcnow() - self.item.requested_at).days, 0)


def waiting_requests(session: Session, limit: int | None = None) -> list[WaitingRequest]:
    """Requests nobody has answered yet, the oldest first."""
    statement = (
        select(SupportItem, User, SupportOption)
        .join(User, User.id == SupportItem.young_id)
        .join(SupportOption, SupportOption.id == SupportItem.option_id)
        .where(SupportItem.status == ItemStatus.REQUESTED)
        .order_by(SupportItem.requested_at, SupportItem.id)
    )
    if limit:
        statement = statement.limit(limit)
    return [WaitingRequest(item, young, option_name(option)) for item, young, option in session.exec(statement)]


def _count(session: Session, model, *where) -> int:
    return session.exec(select(func.count()).select_from(model).where(*where)).one()


def summary(session: Session) -> dict:
    """For the staff home card and the support overview."""
    return {
        "requests": _count(session, SupportItem, SupportItem.status == ItemStatus.REQUESTED),
        "oldest": waiting_requests(session, limit=3),
        "nominations": _count(session, Nomination, Nomination.status == NominationStatus.WAITING),
        "sparring": _count(session, SparringRequest, SparringRequest.answered_at.is_(None)),
    }


def open_sparring(session: Session) -> list[tuple[SparringRequest, User]]:
    return list(
        session.exec(
            select(SparringRequest, User)
            .join(User, User.id == SparringRequest.mentor_id)
            .where(SparringRequest.answered_at.is_(None))
            .order_by(SparringRequest.created_at, SparringRequest.id)
        )
    )


def close_sparring(session: Session, *, actor: User, sparring: SparringRequest) -> SparringRequest:
    """A staff member has talked with the mentor. Marking it twice is the same as once."""
    require_staff(actor)
    session.refresh(sparring, with_for_update=True)
    if sparring.answered_at is None:
        sparring.answered_at, sparring.answered_by_id = utcnow(), actor.id
        session.flush()
    return sparring


def find_young(session: Session, query: str) -> list[User]:
    query = query.strip()[:100]
    if not query:
        return []
    pattern = f"%{query}%"
    return list(
        session.exec(
            select(User)
            .where(User.is_young, or_(User.name.ilike(pattern), User.preferred_name.ilike(pattern)))
            .order_by(User.name)
            .limit(SEARCH_LIMIT)
        )
    )


# --- one young person's support ----------------------------------------------------------------


@dataclass(frozen=True)
class StaffItem:
    """An item on the staff person page, with what staff can do with it now."""

    item: SupportItem
    option: SupportOption
    name: str
    agreed_with: User | None

    @property
    def status_label(self):
        return STATUS_LABELS[ItemStatus(self.item.status)]

    @property
    def level(self) -> str:
        return level_label(self.item.level)

    @property
    def actions(self) -> set[str]:
        return {action for action, statuses in ACTIONS.items() if self.item.status in statuses}

    @property
    def needs_agreement(self) -> bool:
        return self.option.kind == OptionKind.DIGITAL_CONTACT


def items_of(session: Session, young_id: int) -> list[StaffItem]:
    """Open items first (in the menu's order), then closed ones, newest first."""
    rows = session.exec(
        select(SupportItem, SupportOption)
        .join(SupportOption, SupportOption.id == SupportItem.option_id)
        .where(SupportItem.young_id == young_id)
        .order_by(SupportItem.requested_at.desc(), SupportItem.id.desc())
    ).all()
    agreed = {item.agreed_with_id for item, _option in rows if item.agreed_with_id}
    people = {u.id: u for u in session.exec(select(User).where(User.id.in_(agreed)))} if agreed else {}
    views = [StaffItem(item, option, option_name(option), people.get(item.agreed_with_id)) for item, option in rows]
    return sorted(views, key=lambda v: v.item.status not in OPEN_ITEM_STATUSES)  # stable: newest first within


@dataclass(frozen=True)
class CircleMember:
    link: SupportLink
    person: User
    kind: str | None
    sees: list  # what they may see, as nouns: "plan", "bookings" …


def circle_of(session: Session, young_id: int) -> list[CircleMember]:
    """The young person's circle today, primary first, with what each may see (read-only here)."""
    members = []
    for link in circle.open_links(session, young_id=young_id):
        person = session.get(User, link.supporter_id)
        sees = [noun for area, noun in AREA_NOUNS.items() if getattr(link, f"see_{area.value}")]
        members.append(CircleMember(link, person, circle.supporter_kind(person), sees))
    return members


# --- the menu ----------------------------------------------------------------------------------


@dataclass
class OptionInput:
    kind: str = OptionKind.OTHER
    name: str = ""
    description: str = ""
    name_en: str = ""
    description_en: str = ""

    @classmethod
    def from_option(cls, option: SupportOption) -> OptionInput:
        return cls(option.kind, option.name, option.description, option.name_en, option.description_en)


class InvalidOption(Invalid):
    def __init__(self, errors: dict[str, str]):
        super().__init__("invalid_option", next(iter(errors.values())))
        self.errors = errors


def option_problems(data: OptionInput) -> dict[str, str]:
    errors = {}
    if data.kind not in set(OptionKind):
        errors["kind"] = _("Choose what kind of support it is.")
    if not data.name.strip():
        errors["name"] = _("Give it a short name in Danish.")
    for field, limit in (("name", NAME_MAX), ("name_en", NAME_MAX)):
        if len(getattr(data, field).strip()) > limit:
            errors[field] = _("Keep it under %(max)d characters.", max=limit)
    for field in ("description", "description_en"):
        if len(getattr(data, field).strip()) > DESCRIPTION_MAX:
            errors[field] = _("Keep it under %(max)d characters.", max=DESCRIPTION_MAX)
    return errors


def all_options(session: Session) -> list[SupportOption]:
    """Active first, in the order young people see them; then the retired ones."""
    return list(
        session.exec(
            select(SupportOption).order_by(SupportOption.active.desc(), SupportOption.position, SupportOption.id)
        )
    )


def save_option(
    session: Session, *, actor: User, data: OptionInput, option: SupportOption | None = None
) -> SupportOption:
    """Add an option to the end of the menu, or change one. Existing items keep pointing at it."""
    require_staff(actor)
    errors = option_problems(data)
    if errors:
        raise InvalidOption(errors)
    if option is None:
        last = session.exec(select(func.max(SupportOption.position))).one()
        option = SupportOption(position=(last or 0) + 1)
        session.add(option)
    else:
        session.refresh(option, with_for_update=True)
    option.kind = data.kind
    option.name, option.description = data.name.strip(), data.description.strip()
    option.name_en, option.description_en = data.name_en.strip(), data.description_en.strip()
    session.flush()
    return option


def move_option(session: Session, *, actor: User, option: SupportOption, direction: str) -> None:
    """One step up or down among the options of its kind (active or retired)."""
    require_staff(actor)
    if direction not in ("up", "down"):
        raise Invalid("direction_missing", _("Choose up or down."))
    ordered = list(
        session.exec(
            select(SupportOption)
            .order_by(SupportOption.active.desc(), SupportOption.position, SupportOption.id)
            .with_for_update()
        )
    )
    at = next((i for i, o in enumerate(ordered) if o.id == option.id), None)
    if at is None:
        raise NotFound("not_found", _("We could not find that option."))
    other = at - 1 if direction == "up" else at + 1
    if 0 <= other < len(ordered) and ordered[other].active == ordered[at].active:
        ordered[at], ordered[other] = ordered[other], ordered[at]
    for position, row in enumerate(ordered, start=1):
        row.position = position
    session.flush()


def set_option_active(session: Session, *, actor: User, option: SupportOption, active: bool) -> SupportOption:
    """Retire an option or bring it back. Items young people already have are not touched."""
    require_staff(actor)
    session.refresh(option, with_for_update=True)
    option.active = active
    session.flush()
    return option
