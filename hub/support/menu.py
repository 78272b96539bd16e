"""Compose your support: the menu of options, asking, and staff deciding.

A young person asks for an option; staff switch it on at a level (a little, some, a lot),
scale it up or down, pause, resume or end it, always together with the young person. Every
change is a `SupportChange` row, so the history can be read and counted (hub.support.history).
Changing an item locks its row first, so two staff members cannot decide the same request twice
at once. Stepping away and coming back are in hub.support.open_door, built on the helpers here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from hub.accounts.models import User
from hub.db import utcnow
from hub.errors import Conflict, Forbidden, Invalid, NotFound
from hub.notifications.services import notify
from hub.support import circle
from hub.support.models import (
    OPEN_ITEM_STATUSES,
    ChangeKind,
    ItemStatus,
    OptionKind,
    SupportChange,
    SupportItem,
    SupportOption,
)
from hub.support.services import require_trial_member

HUB_TZ = ZoneInfo("Europe/Copenhagen")  # "today" for agreements is the hub's day
WISH_MAX = 500
REASON_MAX = 500
NAME_MAX = 80
DESCRIPTION_MAX = 600
SEARCH_LIMIT = 20

LEVEL_LABELS = {1: _l("a little"), 2: _l("some"), 3: _l("a lot")}

STATUS_LABELS = {
    ItemStatus.REQUESTED: _l("Asked for"),
    ItemStatus.ACTIVE: _l("On"),
    ItemStatus.PAUSED: _l("Paused"),
    ItemStatus.DECLINED: _l("Not this time"),
    ItemStatus.ENDED: _l("Ended"),
    ItemStatus.WITHDRAWN: _l("Taken back"),
}

KIND_LABELS = {
    OptionKind.KLIP: _l("Klippekort"),
    OptionKind.CONTACT_PERSON: _l("Support contact person"),
    OptionKind.DIGITAL_CONTACT: _l("Digital contact (switched on only after an agreement)"),
    OptionKind.MENTOR: _l("Volunteer mentor"),
    OptionKind.OTHER: _l("Something else"),
}

# What staff can do with an item, and from which states: the rule and the buttons in one place.
ACTIONS = {
    "activate": (ItemStatus.REQUESTED,),
    "decline": (ItemStatus.REQUESTED,),
    "adjust": (ItemStatus.ACTIVE,),
    "pause": (ItemStatus.ACTIVE,),
    "resume": (ItemStatus.PAUSED,),
    "end": (ItemStatus.ACTIVE, ItemStatus.PAUSED),
}
NOT_NOW = {
    "activate": _l("Only a request that is waiting can be switched on. Reload the page to see where it is now."),
    "decline": _l("Only a request that is waiting can get a no. Reload the page to see where it is now."),
    "adjust": _l("Only support that is on can be scaled up or down."),
    "pause": _l("Only support that is on can be paused."),
    "resume": _l("Only paused support can be started again."),
    "end": _l("Only support that is on or paused can be ended."),
}


class InvalidItem(Invalid):
    """Some fields are wrong; `errors` maps each field to what to fix."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("invalid_item", next(iter(errors.values())))
        self.errors = errors


def local_today() -> date:
    return utcnow().astimezone(HUB_TZ).date()


def option_name(option: SupportOption, locale: str | None = None) -> str:
    """The option's name in a language: English when asked for and written, else Danish."""
    return option.name_en if _english(locale) and option.name_en else option.name


def option_description(option: SupportOption, locale: str | None = None) -> str:
    return option.description_en if _english(locale) and option.description_en else option.description


def _english(locale: str | None) -> bool:
    if locale is None:
        locale = get_locale().language if get_locale() else "da"
    return locale.startswith("en")


def level_label(level: int | None) -> str:
    return str(LEVEL_LABELS.get(level, "")) if level else ""


def require_staff(actor: User) -> None:
    if not actor.is_staff_member:
        raise Forbidden("only_staff", _("Only the staff at the hub can do this."))


def _active_staff(session: Session) -> list[User]:
    return list(session.exec(select(User).where((User.is_staff | User.is_admin) & User.disabled_at.is_(None))))


def tell_staff(session: Session, *, skip: User | None = None, kind: str, title, body, url: str) -> None:
    for person in _active_staff(session):
        if skip is None or person.id != skip.id:
            notify(session, person, kind=kind, title=title(person), body=body, url=url)


def person_path(young_id: int) -> str:
    return f"/staff/support/people/{young_id}"  # services run outside requests too


def record_change(session: Session, young_id: int, kind: ChangeKind, *, by: User | None, **fields) -> SupportChange:
    change = SupportChange(young_id=young_id, kind=kind, by_id=by.id if by else None, **fields)
    session.add(change)
    return change


def clean_text(value: str | None, limit: int, field: str, *, required: str | None = None) -> str:
    value = (value or "").strip()
    if required and not value:
        raise InvalidItem({field: required})
    if len(value) > limit:
        raise InvalidItem({field: _("Keep it under %(max)d characters.", max=limit)})
    return value


# --- the young person's menu -------------------------------------------------------------------


@dataclass(frozen=True)
class MenuEntry:
    """One option as the young person sees it, with their own latest item of it."""

    option: SupportOption
    name: str
    description: str
    item: SupportItem | None
    can_ask: bool

    @property
    def level(self) -> str:
        return level_label(self.item.level) if self.item else ""


def menu_for(session: Session, young: User) -> list[MenuEntry]:
    """Active options in staff's order, plus retired ones the young person has an item of."""
    mine: dict[int, SupportItem] = {}
    for item in session.exec(
        select(SupportItem).where(SupportItem.young_id == young.id).order_by(SupportItem.requested_at, SupportItem.id)
    ):
        current = mine.get(item.option_id)
        if current is None or current.status not in OPEN_ITEM_STATUSES:
            mine[item.option_id] = item  # the open one wins, else the latest
    options = session.exec(
        select(SupportOption)
        .where(or_(SupportOption.active, SupportOption.id.in_(list(mine) or [0])))
        .order_by(SupportOption.active.desc(), SupportOption.position, SupportOption.id)
    ).all()
    entries = []
    for option in options:
        item = mine.get(option.id)
        is_open = item is not None and item.status in OPEN_ITEM_STATUSES
        entries.append(
            MenuEntry(option, option_name(option), option_description(option), item, option.active and not is_open)
        )
    return entries


@dataclass(frozen=True)
class ItemLine:
    item: SupportItem
    name: str

    @property
    def status_label(self):
        return STATUS_LABELS[ItemStatus(self.item.status)]

    @property
    def level(self) -> str:
        return level_label(self.item.level)


def open_items(session: Session, young_id: int) -> list[ItemLine]:
    rows = session.exec(
        select(SupportItem, SupportOption)
        .join(SupportOption, SupportOption.id == SupportItem.option_id)
        .where(SupportItem.young_id == young_id, SupportItem.status.in_(OPEN_ITEM_STATUSES))
        .order_by(SupportOption.position, SupportItem.id)
    ).all()
    return [ItemLine(item, option_name(option)) for item, option in rows]


def ask_for(session: Session, *, actor: User, option_id: int, wish: str = "") -> SupportItem:
    """A young person in the trial asks for an option, perhaps in their own words; the staff hear of it."""
    require_trial_member(actor)
    wish = clean_text(wish, WISH_MAX, "wish")
    option = session.get(SupportOption, option_id)
    if option is None or not option.active:
        raise NotFound("unknown_option", _("We could not find that kind of support."))
    already = _("You have already asked for this, or you have it now. The staff will talk it through with you.")
    if _open_item(session, actor.id, option.id) is not None:
        raise Conflict("already_open", already)
    item = SupportItem(young_id=actor.id, option_id=option.id, wish=wish)
    try:
        # Two taps at once: the partial unique index keeps one open item per option.
        with session.begin_nested():
            session.add(item)
    except IntegrityError:
        raise Conflict("already_open", already) from None
    if actor.left_at is not None:
        from hub.support.open_door import come_back  # here, not at the top: open_door imports this module

        come_back(session, actor=actor, young=actor)  # asking for support is coming back
    record_change(session, actor.id, ChangeKind.REQUESTED, by=actor, item_id=item.id, option_id=option.id, reason=wish)
    session.flush()
    tell_staff(
        session,
        kind="support_request",
        title=lambda person: _l(
            "%(name)s asks for: %(option)s", name=actor.display_name, option=option_name(option, person.locale)
        ),
        body=wish or _l("Talk it through with them, then decide together."),
        url=person_path(actor.id),
    )
    return item


def _open_item(session: Session, young_id: int, option_id: int) -> SupportItem | None:
    return session.exec(
        select(SupportItem).where(
            SupportItem.young_id == young_id,
            SupportItem.option_id == option_id,
            SupportItem.status.in_(OPEN_ITEM_STATUSES),
        )
    ).first()


def withdraw(session: Session, *, actor: User, item: SupportItem) -> SupportItem:
    """The young person takes back a request the staff have not answered yet."""
    if item.young_id != actor.id:
        raise NotFound("not_found", _("We could not find that."))
    session.refresh(item, with_for_update=True)
    if item.status != ItemStatus.REQUESTED:
        raise Conflict("not_waiting", _("The staff have already answered this request, so it cannot be taken back."))
    item.status = ItemStatus.WITHDRAWN
    item.updated_at = utcnow()
    record_change(session, actor.id, ChangeKind.WITHDRAWN, by=actor, item_id=item.id, option_id=item.option_id)
    session.flush()
    return item


# --- staff deciding, together with the young person -------------------------------------------


def _locked(session: Session, actor: User, item: SupportItem, action: str) -> tuple[SupportOption, User]:
    require_staff(actor)
    session.refresh(item, with_for_update=True)
    if item.status not in ACTIONS[action]:
        raise Conflict(f"cannot_{action}", str(NOT_NOW[action]))
    return session.get(SupportOption, item.option_id), session.get(User, item.young_id)


def _level(value: int | None, errors: dict[str, str]) -> int | None:
    if value is None:
        errors["level"] = _("Choose how much: a little, some or a lot.")
    elif value not in LEVEL_LABELS:
        errors["level"] = _("Choose a little, some or a lot.")
    return value


def agreement_people(session: Session, young_id: int) -> list[User]:
    """Who digital contact can be agreed with: the staff and the young person's circle."""
    people = {person.id: person for person in _active_staff(session)}
    for link in circle.open_links(session, young_id=young_id):
        people.setdefault(link.supporter_id, session.get(User, link.supporter_id))
    return sorted(people.values(), key=lambda person: person.name)


def _tell_young(session: Session, young: User, title, body) -> None:
    notify(session, young, kind="support_item", title=title, body=body, url="/support/options")


def activate(
    session: Session,
    *,
    actor: User,
    item: SupportItem,
    level: int | None,
    agreed_on: date | None = None,
    agreed_with_id: int | None = None,
    today: date | None = None,
) -> SupportItem:
    """Switch a request on at a level. Digital contact needs the day and the person it was agreed with."""
    option, young = _locked(session, actor, item, "activate")
    errors: dict[str, str] = {}
    _level(level, errors)
    if option.kind == OptionKind.DIGITAL_CONTACT:
        today = today or local_today()
        if agreed_on is None:
            errors["agreed_on"] = _("Write the day you agreed it with %(name)s.", name=young.display_name)
        elif agreed_on > today:
            errors["agreed_on"] = _("The day it was agreed cannot be in the future.")
        allowed = {person.id for person in agreement_people(session, young.id)}
        if agreed_with_id is None:
            errors["agreed_with"] = _("Choose who agreed it with %(name)s.", name=young.display_name)
        elif agreed_with_id not in allowed:
            errors["agreed_with"] = _("Choose someone from the staff or from their circle.")
    if errors:
        raise InvalidItem(errors)
    if option.kind == OptionKind.DIGITAL_CONTACT:
        item.agreed_on, item.agreed_with_id = agreed_on, agreed_with_id
    item.status, item.level, item.note, item.updated_at = ItemStatus.ACTIVE, level, "", utcnow()
    record_change(
        session, young.id, ChangeKind.ACTIVATED, by=actor, item_id=item.id, option_id=option.id, level_after=level
    )
    session.flush()
    _tell_young(
        session,
        young,
        _l("%(option)s is on now", option=option_name(option, young.locale)),
        _l("You have %(level)s of it. You can choose more, less or a pause yourself.", level=LEVEL_LABELS[level]),
    )
    return item


def adjust(session: Session, *, actor: User, item: SupportItem, level: int | None, reason: str) -> SupportItem:
    """Scale support up or down; the reason is kept in the history."""
    option, young = _locked(session, actor, item, "adjust")
    errors: dict[str, str] = {}
    _level(level, errors)
    if level is not None and level == item.level:
        errors["level"] = _("That is the level it has now. Choose another.")
    try:
        reason = clean_text(reason, REASON_MAX, "reason", required=_("Write why, in a few words."))
    except InvalidItem as error:
        errors.update(error.errors)
    if errors:
        raise InvalidItem(errors)
    before = item.level
    kind = ChangeKind.SCALED_UP if level > (before or 0) else ChangeKind.SCALED_DOWN
    item.level, item.updated_at = level, utcnow()
    record_change(
        session,
        young.id,
        kind,
        by=actor,
        item_id=item.id,
        option_id=option.id,
        level_before=before,
        level_after=level,
        reason=reason,
    )
    session.flush()
    _tell_young(
        session,
        young,
        _l("Your support has changed: %(option)s", option=option_name(option, young.locale)),
        _l("Now you have %(level)s of it.", level=LEVEL_LABELS[level]),
    )
    return item


def decline(session: Session, *, actor: User, item: SupportItem, reason: str) -> SupportItem:
    """Say no for now, and always say why: the young person reads the reason."""
    option, young = _locked(session, actor, item, "decline")
    reason = clean_text(
        reason,
        REASON_MAX,
        "reason",
        required=_("Write a few kind words about why, so %(name)s understands.", name=young.display_name),
    )
    item.status, item.note, item.updated_at = ItemStatus.DECLINED, reason, utcnow()
    record_change(session, young.id, ChangeKind.DECLINED, by=actor, item_id=item.id, option_id=option.id, reason=reason)
    session.flush()
    _tell_young(
        session,
        young,
        _l("About your request: %(option)s", option=option_name(option, young.locale)),
        _l("The staff could not say yes this time. Read why on your support page. You can always ask again."),
    )
    return item


def pause(session: Session, *, actor: User, item: SupportItem, reason: str = "") -> SupportItem:
    return _simple(session, actor, item, "pause", reason)


def resume(session: Session, *, actor: User, item: SupportItem, reason: str = "") -> SupportItem:
    return _simple(session, actor, item, "resume", reason)


def end(session: Session, *, actor: User, item: SupportItem, reason: str = "") -> SupportItem:
    return _simple(session, actor, item, "end", reason)


SIMPLE = {
    "pause": (
        ItemStatus.PAUSED,
        ChangeKind.PAUSED,
        lambda name: _l("%(option)s is paused", option=name),
        _l("It is still yours. Start it again yourself whenever you want."),
    ),
    "resume": (
        ItemStatus.ACTIVE,
        ChangeKind.RESUMED,
        lambda name: _l("%(option)s is on again", option=name),
        _l("Welcome back to it. You can choose more or less yourself."),
    ),
    "end": (
        ItemStatus.ENDED,
        ChangeKind.ENDED,
        lambda name: _l("%(option)s has ended", option=name),
        _l("You can ask for it again any time. The door stays open."),
    ),
}


def _simple(session: Session, actor: User, item: SupportItem, action: str, reason: str) -> SupportItem:
    option, young = _locked(session, actor, item, action)
    reason = clean_text(reason, REASON_MAX, "reason")
    status, kind, title, body = SIMPLE[action]
    item.status, item.updated_at = status, utcnow()
    item.paused_until = None  # a pause staff make, end or lift has no end day of the young person's
    record_change(
        session,
        young.id,
        kind,
        by=actor,
        item_id=item.id,
        option_id=option.id,
        level_before=item.level,
        level_after=item.level,
        reason=reason,
    )
    session.flush()
    _tell_young(session, young, title(option_name(option, young.locale)), body)
    return item
