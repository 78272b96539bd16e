"""Asking to be deleted, and the staff's answer. Nothing is erased until a member of staff
confirms: a young person in a bad moment talks to someone first, and nobody erases an account
by getting hold of a phone that is logged in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from hub.accounts.models import User
from hub.audit import services as audit
from hub.audit.models import Area
from hub.db import utcnow
from hub.errors import Conflict, Forbidden, Invalid, NotFound
from hub.notifications.services import notify
from hub.rights.erase import erase_person
from hub.rights.models import DeletionRequest, Erasure, ErasureCause, RequestStatus

TEXT_MAX = 500
STAFF_LIST_LIMIT = 200


def may_ask(person: User) -> bool:
    """Anyone but staff: an account that runs the hub is closed by an administrator instead."""
    return not person.is_staff_member


def _clean(value: str | None, *, field: str, required: str | None = None) -> str:
    value = (value or "").strip()
    if required and not value:
        raise Invalid(field, required)
    if len(value) > TEXT_MAX:
        raise Invalid(field, _("Keep it under %(max)d characters.", max=TEXT_MAX))
    return value


def _staff(session: Session) -> list[User]:
    return list(session.exec(select(User).where((User.is_staff | User.is_admin) & User.disabled_at.is_(None))))


def waiting_request(session: Session, user_id: int) -> DeletionRequest | None:
    return session.exec(
        select(DeletionRequest).where(
            DeletionRequest.user_id == user_id, DeletionRequest.status == RequestStatus.WAITING
        )
    ).first()


def latest_request(session: Session, user_id: int) -> DeletionRequest | None:
    return session.exec(
        select(DeletionRequest)
        .where(DeletionRequest.user_id == user_id)
        .order_by(DeletionRequest.created_at.desc(), DeletionRequest.id.desc())
    ).first()


def ask_deletion(session: Session, *, actor: User, reason: str = "") -> DeletionRequest:
    """Ask to have one's own account deleted. Asking again while one waits changes nothing."""
    if not may_ask(actor):
        raise Forbidden("staff_account", _("A staff account is closed by an administrator. Talk to them."))
    reason = _clean(reason, field="reason")
    existing = waiting_request(session, actor.id)
    if existing is not None:
        return existing
    request = DeletionRequest(user_id=actor.id, reason=reason)
    try:
        with session.begin_nested():
            session.add(request)
    except IntegrityError:  # asked twice at once: the other one counts
        return waiting_request(session, actor.id)
    for person in _staff(session):
        notify(
            session,
            person,
            kind="deletion_requested",
            title=_l("%(name)s asks to have their account deleted", name=actor.display_name),
            body=_l("Talk it through with them, then confirm or decline."),
            url=f"/staff/deletion-requests/{request.id}",
        )
    return request


def withdraw(session: Session, *, actor: User) -> bool:
    """Take a waiting request back; returns whether there was one."""
    request = waiting_request(session, actor.id)
    if request is None:
        return False
    session.refresh(request, with_for_update=True)
    if request.status != RequestStatus.WAITING:
        return False
    request.status, request.decided_at = RequestStatus.WITHDRAWN, utcnow()
    session.flush()
    return True


def _require_staff(actor: User) -> None:
    if not actor.is_staff_member:
        raise Forbidden("only_staff", _("Only the staff at the hub can do this."))


def _lock_waiting(session: Session, request: DeletionRequest) -> DeletionRequest:
    session.refresh(request, with_for_update=True)
    if request.status != RequestStatus.WAITING:
        raise Conflict("not_waiting", _("This request has already been answered."))
    return request


def confirm(session: Session, *, actor: User, request: DeletionRequest, now: datetime | None = None) -> Erasure:
    """Staff confirm: the person's data is erased now, in this transaction."""
    _require_staff(actor)
    request = _lock_waiting(session, request)
    person = session.get(User, request.user_id)
    if person is None:
        raise NotFound("not_found", _("We could not find that person."))
    if person.id == actor.id:
        raise Forbidden("own_request", _("Someone else on the staff must confirm this."))
    now = now or utcnow()
    request.status, request.decided_at, request.decided_by_id = RequestStatus.CONFIRMED, now, actor.id
    session.flush()
    # The audit log keeps its rows (without a name): that the account was erased, by whom.
    audit.record_change(session, actor=actor, young_id=person.id, area=Area.PROFILE, detail="rights.erase")
    return erase_person(session, person=person, cause=ErasureCause.REQUEST, actor=actor, request_id=request.id, now=now)


def decline(session: Session, *, actor: User, request: DeletionRequest, answer: str) -> DeletionRequest:
    """Staff decline, and say why in words the person reads."""
    _require_staff(actor)
    answer = _clean(answer, field="answer", required=_("Write a few words about why. They read it."))
    request = _lock_waiting(session, request)
    request.status, request.decided_at, request.decided_by_id = RequestStatus.DECLINED, utcnow(), actor.id
    request.answer = answer
    session.flush()
    audit.record_change(session, actor=actor, young_id=request.user_id, area=Area.PROFILE, detail="rights.decline")
    person = session.get(User, request.user_id)
    if person is not None:
        notify(
            session,
            person,
            kind="deletion_declined",
            title=_l("About deleting your account"),
            body=_l("The staff answered your request. Read their answer on your data page."),
            url="/me/data",
        )
    return request


@dataclass(frozen=True)
class RequestRow:
    request: DeletionRequest
    person: User
    decided_by: User | None
    erased: bool


def requests_for_staff(session: Session) -> list[RequestRow]:
    """Waiting first (oldest first), then the answered ones (newest first)."""
    rows = session.exec(
        select(DeletionRequest, User)
        .join(User, User.id == DeletionRequest.user_id)
        .order_by(DeletionRequest.created_at.desc(), DeletionRequest.id.desc())
        .limit(STAFF_LIST_LIMIT)
    ).all()
    deciders = {row[0].decided_by_id for row in rows if row[0].decided_by_id}
    people = {u.id: u for u in session.exec(select(User).where(User.id.in_(deciders)))} if deciders else {}
    erased = (
        set(session.exec(select(Erasure.user_id).where(Erasure.user_id.in_([r[1].id for r in rows]))))
        if rows
        else set()
    )
    lines = [
        RequestRow(request, person, people.get(request.decided_by_id), person.id in erased) for request, person in rows
    ]
    waiting = [line for line in lines if line.request.status == RequestStatus.WAITING]
    waiting.reverse()
    return waiting + [line for line in lines if line.request.status != RequestStatus.WAITING]


def waiting_by_person(session: Session) -> dict[int, int]:
    """Person id → their waiting request's id (for badges on the staff's people list)."""
    return dict(
        session.exec(
            select(DeletionRequest.user_id, DeletionRequest.id).where(DeletionRequest.status == RequestStatus.WAITING)
        ).all()
    )


@dataclass(frozen=True)
class Retention:
    """The retention settings, in days, as the privacy page tells them."""

    messages: int
    checkins: int
    inactive: int
    warning: int

    @property
    def inactive_years(self) -> float:
        return round(self.inactive / 365, 1)


def retention(config=None) -> Retention:
    config = config or current_app.config
    return Retention(
        messages=config.get("MESSAGE_RETENTION_DAYS", 365),
        checkins=config.get("CHECKIN_RETENTION_DAYS", 730),
        inactive=config.get("RETENTION_INACTIVE_DAYS", 1095),
        warning=config.get("RETENTION_WARNING_DAYS", 30),
    )
