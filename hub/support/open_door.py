"""The open door: a young person steps away and comes back (or staff record it); nothing is deleted."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func
from sqlmodel import Session, select

from hub.accounts.models import User
from hub.db import utcnow
from hub.errors import NotFound
from hub.notifications.services import notify
from hub.support.menu import REASON_MAX, clean_text, person_path, record_change, require_staff, tell_staff
from hub.support.models import ChangeKind, ItemStatus, SupportItem


def leave(session: Session, *, actor: User, young: User, reason: str = "") -> bool:
    """The young person steps away (or staff record it): active support pauses, nothing is deleted.

    Doing it twice is the same as once; returns whether anything changed.
    """
    _require_self_or_staff(actor, young)
    reason = clean_text(reason, REASON_MAX, "reason")
    session.refresh(young, with_for_update=True)
    if young.left_at is not None:
        return False
    young.left_at = utcnow()
    record_change(session, young.id, ChangeKind.LEFT, by=actor, reason=reason)
    active = session.exec(
        select(SupportItem).where(SupportItem.young_id == young.id, SupportItem.status == ItemStatus.ACTIVE)
    ).all()
    for item in active:
        item.status, item.updated_at = ItemStatus.PAUSED, utcnow()
        record_change(
            session,
            young.id,
            ChangeKind.PAUSED,
            by=actor,
            item_id=item.id,
            option_id=item.option_id,
            level_before=item.level,
            level_after=item.level,
            reason=str(_l("Stepped away for a while")),
        )
    session.flush()
    if actor.id == young.id:
        tell_staff(
            session,
            kind="support_left",
            title=lambda _person: _l("%(name)s has stepped away for a while", name=young.display_name),
            body=_l("Their active support is paused. Nothing is deleted, and the door stays open."),
            url=person_path(young.id),
        )
    else:
        notify(
            session,
            young,
            kind="support_left",
            title=_l("Your support is paused for now"),
            body=_l("Nothing is deleted. Whenever you are ready, the door is open: come back from the app."),
            url="/",
        )
    return True


def come_back(session: Session, *, actor: User, young: User) -> bool:
    """The door opens again. Paused support stays paused until the young person (or staff) starts it."""
    _require_self_or_staff(actor, young)
    session.refresh(young, with_for_update=True)
    if young.left_at is None:
        return False
    young.left_at = None
    record_change(session, young.id, ChangeKind.RETURNED, by=actor)
    session.flush()
    tell_staff(
        session,
        skip=actor,
        kind="support_returned",
        title=lambda _person: _l("%(name)s is back", name=young.display_name),
        body=_l("Paused support stays paused until they start it again, or you do with them."),
        url=person_path(young.id),
    )
    if actor.id != young.id:
        notify(
            session,
            young,
            kind="support_returned",
            title=_l("Welcome back"),
            body=_l("Start your paused support again whenever you want, under Put your support together."),
            url="/support/options",
        )
    return True


def _require_self_or_staff(actor: User, young: User) -> None:
    if not young.is_young:
        raise NotFound("not_found", _("We could not find that person."))
    if actor.id != young.id:
        require_staff(actor)


def open_door_for(session: Session, young: User) -> dict | None:
    """For the welcome-back card: when they left and how much support is paused."""
    if not young.is_young or young.left_at is None:
        return None
    paused = session.exec(
        select(func.count())
        .select_from(SupportItem)
        .where(SupportItem.young_id == young.id, SupportItem.status == ItemStatus.PAUSED)
    ).one()
    return {"left_at": young.left_at, "paused": paused}
