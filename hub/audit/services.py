"""Writing the audit log, and what the young person sees of it.

Every page that shows a young person's things to someone else calls `record(…, action="read")`,
and every staff action that changes them calls `record(…, action="change")`. Views and services
call it; it only flushes (the request commits once). Admins search the log in hub.audit.search.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func
from sqlmodel import Session, select

from hub.accounts.models import ROLE_LABELS, SUPPORT_TYPE_LABELS, Role, User
from hub.audit.models import AREA_LABELS, Action, Area, AuditEntry
from hub.db import require_write, utcnow
from hub.support.circle import MENTOR, supporter_kind

READ_GAP = timedelta(minutes=10)  # one line per person, area and thing per visit, not per click
SHOWN_DAYS = 90  # how far back the young person's page looks
SHOWN_LINES = 60  # a bound on that page: one line per person, area and read/change


def actor_kind(actor: User) -> str:
    """What the actor is, as the young person would name them: staff first."""
    if actor.is_admin:
        return Role.ADMIN.value
    if actor.is_staff:
        return Role.STAFF.value
    return supporter_kind(actor) or ""


def kind_label(kind: str) -> object:
    if kind in (Role.STAFF, Role.ADMIN):
        return ROLE_LABELS[Role(kind)]
    if kind == MENTOR:
        return ROLE_LABELS[Role.MENTOR]
    return SUPPORT_TYPE_LABELS.get(kind, ROLE_LABELS[Role.SUPPORT])


def record(
    session: Session,
    *,
    actor: User,
    young_id: int,
    area: Area | str,
    action: Action | str = Action.READ,
    object_id: int | None = None,
    detail: str = "",
    now: datetime | None = None,
) -> AuditEntry | None:
    """Write down that `actor` read or changed something of the young person's.

    The young person's own use is not logged. A read the same person made of the same thing in
    the last READ_GAP is not written again (a page and its htmx swaps are one look); a change
    always is.
    """
    area, action = Area(area), Action(action)
    if actor.id == young_id:
        return None
    now = now or utcnow()
    if action is Action.READ and _read_lately(session, actor.id, young_id, area, object_id, now):
        return None
    require_write(session)
    entry = AuditEntry(
        actor_id=actor.id,
        actor_kind=actor_kind(actor),
        young_id=young_id,
        area=area,
        action=action,
        detail=detail[:40],
        object_id=object_id,
        at=now,
    )
    session.add(entry)
    session.flush()
    return entry


def record_change(session: Session, *, actor: User, young_id: int, area: Area | str, detail: str, **more):
    return record(session, actor=actor, young_id=young_id, area=area, action=Action.CHANGE, detail=detail, **more)


def record_changes(session: Session, *, actor: User, young_ids: Iterable[int], area: Area | str, detail: str) -> None:
    """One change to many young people at once (klip to a whole group)."""
    for young_id in young_ids:
        record_change(session, actor=actor, young_id=young_id, area=area, detail=detail)


def _read_lately(session: Session, actor_id: int, young_id: int, area: Area, object_id: int | None, now) -> bool:
    same_object = AuditEntry.object_id.is_(None) if object_id is None else AuditEntry.object_id == object_id
    return (
        session.exec(
            select(AuditEntry.id)
            .where(
                AuditEntry.actor_id == actor_id,
                AuditEntry.at > now - READ_GAP,
                AuditEntry.young_id == young_id,
                AuditEntry.area == area,
                AuditEntry.action == Action.READ,
                same_object,
            )
            .limit(1)
        ).first()
        is not None
    )


# --- what the young person sees ------------------------------------------------------------------


@dataclass(frozen=True)
class Look:
    """Someone reading or changing one area of the young person's things, in the last 90 days."""

    name: str
    kind: object  # a label: "Hub staff", "Caseworker" …
    area: object  # a label in the young person's words
    changed: bool
    times: int
    last: datetime


def looks(session: Session, *, young_id: int, now: datetime | None = None) -> list[Look]:
    """Who read or changed the young person's things lately, most recent first: one line per
    person, area and read-or-change. Only this young person's entries, ever."""
    since = (now or utcnow()) - timedelta(days=SHOWN_DAYS)
    last = func.max(AuditEntry.at)
    rows = session.exec(
        select(AuditEntry.actor_id, AuditEntry.actor_kind, AuditEntry.area, AuditEntry.action, func.count(), last)
        .where(AuditEntry.young_id == young_id, AuditEntry.at >= since)
        .group_by(AuditEntry.actor_id, AuditEntry.actor_kind, AuditEntry.area, AuditEntry.action)
        .order_by(last.desc())
        .limit(SHOWN_LINES)
    ).all()
    ids = {row[0] for row in rows if row[0] is not None}
    names = dict(session.exec(select(User.id, User.name).where(User.id.in_(ids))).all()) if ids else {}
    gone = str(_l("Someone who no longer uses Ungehub"))
    return [
        Look(
            name=names.get(actor_id, gone),
            kind=kind_label(kind),
            area=AREA_LABELS.get(area, area),
            changed=action == Action.CHANGE,
            times=times,
            last=at,
        )
        for actor_id, kind, area, action, times, at in rows
    ]


def last_reads(session: Session, *, young_id: int, actor_ids: Iterable[int]) -> dict[tuple[int, str], datetime]:
    """When each of these people last read each area of the young person's things."""
    ids = list(actor_ids)
    if not ids:
        return {}
    rows = session.exec(
        select(AuditEntry.actor_id, AuditEntry.area, func.max(AuditEntry.at))
        .where(AuditEntry.young_id == young_id, AuditEntry.actor_id.in_(ids), AuditEntry.action == Action.READ)
        .group_by(AuditEntry.actor_id, AuditEntry.area)
    ).all()
    return {(actor_id, area): at for actor_id, area, at in rows}
