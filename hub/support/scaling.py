"""The young person scales their own support: more, less, a pause (perhaps until a day), start again.

Nobody has to be asked first: the change is made at once, written in the history, and the staff
are told, with the support people the option concerns (a mentor for "a volunteer mentor" …), so
they can follow up. Each change locks the item and holds it against the state the young person
saw: the same button tapped twice (or sent again by a slow phone) changes it once, and a change
made meanwhile by someone else is a friendly 409, never a surprise. A pause with an end day
starts again by itself on that day (hub.support.jobs), and while an option is paused the
check-in reminders of the people it concerns stay quiet (hub.checkins.jobs).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlmodel import Session, select

from hub.accounts.models import SupportType, User
from hub.db import utcnow
from hub.errors import Conflict, Invalid, NotFound
from hub.i18n import when
from hub.notifications.services import notify
from hub.support import circle
from hub.support.menu import (
    LEVEL_LABELS,
    local_today,
    option_name,
    person_path,
    record_change,
    tell_staff,
)
from hub.support.models import ChangeKind, ItemStatus, OptionKind, SupportItem, SupportLink, SupportOption
from hub.support.services import require_trial_member

NOTE_MAX = 300
PAUSE_MAX_DAYS = 366  # a pause with an end day ends within a year; longer is a pause without one
LOWEST, HIGHEST = min(LEVEL_LABELS), max(LEVEL_LABELS)
MIDDLE = 2  # an option switched on before levels existed counts as "some"


class Change(StrEnum):
    MORE = "more"
    LESS = "less"
    PAUSE = "pause"
    RESUME = "resume"


class InvalidScale(Invalid):
    """Some fields are wrong; `errors` maps each field to what to fix."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("invalid_scale", next(iter(errors.values())))
        self.errors = errors


# Which support people an option concerns: they are told when it changes, and their check-in
# reminders rest while it is paused. Klip and "something else" concern the staff only.
CONCERNS = {
    OptionKind.MENTOR: lambda person: circle.supporter_kind(person) == circle.MENTOR,
    OptionKind.CONTACT_PERSON: lambda person: person.support_type == SupportType.CONTACT_PERSON,
    OptionKind.DIGITAL_CONTACT: lambda person: person.support_type == SupportType.CASEWORKER,
}


# --- the state the young person saw --------------------------------------------------------------


@dataclass(frozen=True)
class State:
    status: str
    level: int | None

    @classmethod
    def of(cls, item: SupportItem) -> State:
        return cls(item.status, item.level)

    @classmethod
    def parse(cls, token: str | None) -> State | None:
        """`status:level` as the form carries it; None when missing or not one of ours."""
        status, _sep, level = (token or "").partition(":")
        if status not in set(ItemStatus) or (level and not level.isdigit()):
            return None
        return cls(status, int(level) if level else None)

    @property
    def token(self) -> str:
        return f"{self.status}:{self.level or ''}"

    def after(self, change: Change) -> State | None:
        """Where `change` leads from here, or None when it cannot be made from here."""
        level = self.level or MIDDLE
        if change == Change.MORE and self.status == ItemStatus.ACTIVE and level < HIGHEST:
            return State(ItemStatus.ACTIVE, level + 1)
        if change == Change.LESS and self.status == ItemStatus.ACTIVE and level > LOWEST:
            return State(ItemStatus.ACTIVE, level - 1)
        if change == Change.PAUSE and self.status == ItemStatus.ACTIVE:
            return State(ItemStatus.PAUSED, self.level)
        if change == Change.RESUME and self.status == ItemStatus.PAUSED:
            return State(ItemStatus.ACTIVE, self.level)
        return None


def possible(item: SupportItem) -> set[str]:
    """The changes the young person can make to this item now: the buttons, and the rule."""
    state = State.of(item)
    return {change.value for change in Change if state.after(change) is not None}


@dataclass(frozen=True)
class Controls:
    """What the young person's page needs to offer the changes for one item."""

    possible: set[str]
    seen: str  # the state as shown, sent back with the change
    told: list[str]  # who besides the staff is told
    first_until: date  # the earliest and latest end day a pause may have
    last_until: date

    @property
    def at_most(self) -> bool:
        return "less" in self.possible and "more" not in self.possible

    @property
    def at_least(self) -> bool:
        return "more" in self.possible and "less" not in self.possible


def controls(session: Session, item: SupportItem, today: date | None = None) -> Controls | None:
    """None for an item the young person cannot change (asked for, declined, ended …)."""
    if item.status not in (ItemStatus.ACTIVE, ItemStatus.PAUSED):
        return None
    today = today or local_today()
    return Controls(
        possible(item),
        State.of(item).token,
        told_names(session, item),
        today + timedelta(days=1),
        today + timedelta(days=PAUSE_MAX_DAYS),
    )


def cannot(change: Change, state: State) -> str:
    """Why `change` cannot be made from `state`, in the young person's words."""
    if state.status not in (ItemStatus.ACTIVE, ItemStatus.PAUSED):
        return _("You can change support you have now or have paused. This one is not on right now.")
    if change == Change.MORE and state.status == ItemStatus.ACTIVE:
        return _("You already have a lot of it. If you need even more, write to the staff.")
    if change == Change.LESS and state.status == ItemStatus.ACTIVE:
        return _("You have a little of it now. If you want less, you can pause it.")
    if change == Change.RESUME:
        return _("It is on already.")
    return _("It is paused. Start it again first.")


# --- who is told ---------------------------------------------------------------------------------


def concerned(session: Session, item: SupportItem, option: SupportOption) -> list[tuple[User, SupportLink]]:
    """The people in the young person's circle whom this option concerns, with their links."""
    match = CONCERNS.get(option.kind)
    people = []
    for link in circle.open_links(session, young_id=item.young_id):
        person = session.get(User, link.supporter_id)
        if person is None or person.disabled_at is not None:
            continue
        if (match is not None and match(person)) or link.supporter_id == item.agreed_with_id:
            people.append((person, link))
    return people


def told_names(session: Session, item: SupportItem) -> list[str]:
    """Who besides the staff hears of a change to this item, for the young person to read first."""
    option = session.get(SupportOption, item.option_id)
    return [person.display_name for person, _link in concerned(session, item, option)]


TITLES = {
    Change.MORE: lambda name, option: _l("%(name)s wants more: %(option)s", name=name, option=option),
    Change.LESS: lambda name, option: _l("%(name)s wants less: %(option)s", name=name, option=option),
    Change.PAUSE: lambda name, option: _l("%(name)s has paused: %(option)s", name=name, option=option),
    Change.RESUME: lambda name, option: _l("%(name)s has started again: %(option)s", name=name, option=option),
    "ended": lambda name, option: _l("The pause has ended for %(name)s: %(option)s", name=name, option=option),
}


def _body(change: Change, before: State, after: State, until: date | None):
    if change in (Change.MORE, Change.LESS):
        return _l("From %(before)s to %(after)s.", before=_level(before), after=_level(after))
    if change == Change.PAUSE and until:
        # The day is written when the note is, in the language of the person who reads it.
        return _l("Until %(day)s. It starts again by itself that day.", day=LazyString(when, until, "date"))
    if change == Change.PAUSE:
        return _l("Until they start it again.")
    return _l("It is on again, with %(level)s.", level=_level(after))


def _with_words(body, note: str):
    """The body and the young person's own words after it, still lazy: written in the reader's language."""
    return LazyString(lambda: f"{body} “{note}”") if note else body


def _level(state: State):
    return LEVEL_LABELS.get(state.level or MIDDLE)


def _tell(
    session: Session,
    *,
    young: User,
    item: SupportItem,
    option: SupportOption,
    change: Change,
    before: State,
    after: State,
    until: date | None,
    note: str,
    title=None,
) -> None:
    """The staff hear of it with the young person's words; the people it concerns hear of it too,
    and read the words only when the young person lets them see their support."""
    title = title or TITLES[change]
    body = _body(change, before, after, until)
    told = set()
    tell_staff(
        session,
        skip=young,
        kind="support_scaled",
        title=lambda person: title(young.display_name, option_name(option, person.locale)),
        body=_with_words(body, note),
        url=person_path(young.id),
    )
    told.update(person.id for person in session.exec(select(User).where(User.is_staff | User.is_admin)))
    for person, link in concerned(session, item, option):
        if person.id in told:
            continue
        notify(
            session,
            person,
            kind="support_scaled",
            title=title(young.display_name, option_name(option, person.locale)),
            body=_with_words(body, note) if link.see_support else body,
            url=f"/my-young-people/{young.id}",
        )


# --- the change ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    item: SupportItem
    change: Change
    changed: bool  # False when this was the same tap again: nothing new was written


def scale(
    session: Session,
    *,
    actor: User,
    item: SupportItem,
    change: str | None,
    seen: str | None = None,
    note: str | None = "",
    until: date | None = None,
    today: date | None = None,
) -> Outcome:
    """The young person changes one of their own support options. `seen` is the state their page
    showed (`status:level`); a repeat of a change already made returns `changed=False`."""
    if item.young_id != actor.id:
        raise NotFound("not_found", _("We could not find that."))
    require_trial_member(actor)
    if change not in set(Change):
        raise Invalid("unknown_change", _("Choose more, less, a pause or starting again."))
    change = Change(change)
    errors: dict[str, str] = {}
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        errors["note"] = _("Keep it under %(max)d characters.", max=NOTE_MAX)
    today = today or local_today()
    if change != Change.PAUSE:
        until = None
    elif until is not None and until <= today:
        errors["until"] = _("Choose a day after today, or leave it empty.")
    elif until is not None and until > today + timedelta(days=PAUSE_MAX_DAYS):
        errors["until"] = _("Choose a day within a year, or leave it empty and start it again when you want.")
    if errors:
        raise InvalidScale(errors)

    session.refresh(item, with_for_update=True)
    now = State.of(item)
    saw = State.parse(seen) or now
    if saw != now:
        if saw.after(change) == now:
            return Outcome(item, change, changed=False)  # the same tap again: it is done already
        raise Conflict(
            "changed_meanwhile",
            _("This support was changed while you were looking. Here is how it is now; choose again if you want."),
        )
    after = now.after(change)
    if after is None:
        raise Conflict(f"cannot_{change.value}", cannot(change, now))
    if change == Change.RESUME and actor.left_at is not None:
        from hub.support.open_door import come_back  # here, not at the top: open_door imports menu

        come_back(session, actor=actor, young=actor)  # starting support again is coming back
    _apply(session, actor, item, change, now, after, until, note)
    option = session.get(SupportOption, item.option_id)
    _tell(
        session, young=actor, item=item, option=option, change=change, before=now, after=after, until=until, note=note
    )
    return Outcome(item, change, changed=True)


KINDS = {
    Change.MORE: ChangeKind.SCALED_UP,
    Change.LESS: ChangeKind.SCALED_DOWN,
    Change.PAUSE: ChangeKind.PAUSED,
    Change.RESUME: ChangeKind.RESUMED,
}


def _apply(
    session: Session,
    by: User | None,
    item: SupportItem,
    change: Change,
    before: State,
    after: State,
    until: date | None,
    note: str,
) -> None:
    item.status, item.level = after.status, after.level
    item.paused_until = until if change == Change.PAUSE else None
    item.updated_at = utcnow()
    record_change(
        session,
        item.young_id,
        KINDS[change],
        by=by,
        item_id=item.id,
        option_id=item.option_id,
        level_before=before.level,
        level_after=after.level,
        until=until,
        reason=note,
    )
    session.flush()


# --- pauses that end by themselves, and the reminders that rest meanwhile ------------------------


def resume_ended_pauses(session: Session, today: date | None = None) -> int:
    """Every pause whose end day has come starts again; the young person, the staff and the people
    it concerns are told. Run twice, it does nothing the second time."""
    today = today or local_today()
    due = session.exec(
        select(SupportItem)
        .where(
            SupportItem.status == ItemStatus.PAUSED,
            SupportItem.paused_until.is_not(None),
            SupportItem.paused_until <= today,
        )
        .order_by(SupportItem.id)
        .with_for_update()
    ).all()
    for item in due:
        young, option = session.get(User, item.young_id), session.get(SupportOption, item.option_id)
        before, until = State.of(item), item.paused_until
        after = State(ItemStatus.ACTIVE, item.level)
        _apply(session, None, item, Change.RESUME, before, after, until, "")  # `until` marks it as by itself
        notify(
            session,
            young,
            kind="support_item",
            title=_l("%(option)s is on again", option=option_name(option, young.locale)),
            body=_l("Your pause has ended, as you chose. You can change it again whenever you want."),
            url="/support/options",
            dedupe_key=f"pause_ended:{item.id}:{until.isoformat()}",
        )
        _tell(
            session,
            young=young,
            item=item,
            option=option,
            change=Change.RESUME,
            before=before,
            after=after,
            until=None,
            note="",
            title=TITLES["ended"],
        )
    return len(due)


def reminders_rest(session: Session, *, young_id: int, supporter: User) -> bool:
    """True while everything of the young person's support that concerns `supporter` is paused:
    then nobody reminds them to check in. Nothing paused, or something of theirs on: False."""
    kinds = [kind for kind, match in CONCERNS.items() if match(supporter)]
    rows = session.exec(
        select(SupportItem.status)
        .join(SupportOption, SupportOption.id == SupportItem.option_id)
        .where(
            SupportItem.young_id == young_id,
            SupportItem.status.in_((ItemStatus.ACTIVE, ItemStatus.PAUSED)),
            SupportOption.kind.in_(kinds or [""]) | (SupportItem.agreed_with_id == supporter.id),
        )
    ).all()
    return bool(rows) and all(status == ItemStatus.PAUSED for status in rows)
