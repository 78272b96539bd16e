"""The support history: a young person's `SupportChange` rows read back as plain lines, and counted."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlmodel import Session, select

from hub.accounts.models import User
from hub.i18n import when
from hub.support.menu import level_label, option_name
from hub.support.models import ChangeKind, SupportChange, SupportLink, SupportOption


@dataclass(frozen=True)
class HistoryLine:
    change: SupportChange
    text: str
    by_name: str | None


def history_lines(session: Session, young_id: int) -> list[HistoryLine]:
    """Every change to the young person's support, newest first, in plain words."""
    changes = session.exec(
        select(SupportChange)
        .where(SupportChange.young_id == young_id)
        .order_by(SupportChange.at.desc(), SupportChange.id.desc())
    ).all()
    options = _by_id(session, SupportOption, {c.option_id for c in changes})
    links = _by_id(session, SupportLink, {c.link_id for c in changes})
    people = _by_id(session, User, {c.by_id for c in changes} | {link.supporter_id for link in links.values()})
    lines = []
    for change in changes:
        option = options.get(change.option_id)
        link = links.get(change.link_id)
        person = people.get(link.supporter_id) if link else None
        words = _words(
            change,
            option_name(option) if option else _("support"),
            person.name if person else _("someone"),
        )
        by = people.get(change.by_id)
        lines.append(HistoryLine(change, words, by.name if by else None))
    return lines


def _by_id(session: Session, model, ids: set[int | None]) -> dict:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return {row.id: row for row in session.exec(select(model).where(model.id.in_(ids)))}


def _words(change: SupportChange, option: str, person: str) -> str:
    before, after = level_label(change.level_before), level_label(change.level_after)
    words = {
        ChangeKind.REQUESTED: lambda: _("Asked for: %(option)s", option=option),
        ChangeKind.ACTIVATED: lambda: _("%(option)s started, with %(level)s", option=option, level=after),
        ChangeKind.SCALED_UP: lambda: _(
            "%(option)s: more, from %(before)s to %(after)s", option=option, before=before, after=after
        ),
        ChangeKind.SCALED_DOWN: lambda: _(
            "%(option)s: less, from %(before)s to %(after)s", option=option, before=before, after=after
        ),
        ChangeKind.PAUSED: lambda: (
            _("%(option)s paused until %(day)s", option=option, day=when(change.until, "date"))
            if change.until
            else _("%(option)s paused", option=option)
        ),
        ChangeKind.RESUMED: lambda: (
            _("%(option)s started again by itself: the pause had ended", option=option)
            if change.until  # only a pause with an end day ends by itself
            else _("%(option)s started again", option=option)
        ),
        ChangeKind.DECLINED: lambda: _("%(option)s: not this time", option=option),
        ChangeKind.ENDED: lambda: _("%(option)s ended", option=option),
        ChangeKind.WITHDRAWN: lambda: _("Took back the request for %(option)s", option=option),
        ChangeKind.PRIMARY_CHOSEN: lambda: _("Chose %(person)s as main support person", person=person),
        ChangeKind.PERSON_ADDED: lambda: _("%(person)s joined the circle", person=person),
        ChangeKind.PERSON_ENDED: lambda: _("%(person)s is no longer in the circle", person=person),
        ChangeKind.LEFT: lambda: _("Stepped away for a while. The door stays open."),
        ChangeKind.RETURNED: lambda: _("Came back"),
    }
    return words[change.kind]() if change.kind in words else change.kind


def change_counts(lines: list[HistoryLine]) -> dict[str, int]:
    """How often support went up, down, and was paused: for staff and for evaluation."""
    kinds = Counter(line.change.kind for line in lines)
    return {
        "up": kinds[ChangeKind.SCALED_UP],
        "down": kinds[ChangeKind.SCALED_DOWN],
        "paused": kinds[ChangeKind.PAUSED],
    }
