"""Nominations: a young person suggests someone from their own network for their circle, and
the staff talk to that person first, then invite them or say why not."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func
from sqlmodel import Session, select

from hub.accounts import services as accounts
from hub.accounts.models import Role, SupportType, User
from hub.db import utcnow
from hub.errors import Conflict, Invalid, NotFound
from hub.notifications.services import notify
from hub.support.circle import DEFAULT_SHARING, open_link, supporter_kind
from hub.support.models import ChangeKind, Nomination, NominationStatus, SupportChange, SupportLink
from hub.support.services import (
    STAFF_LIST_LIMIT,
    clean_text,
    flush_circle,
    lock_user,
    require_staff,
    require_trial_member,
    staff_members,
)

NETWORK_SHARING = {**DEFAULT_SHARING[SupportType.NETWORK], "may_message": False}
MAX_WAITING_NOMINATIONS = 5


def _young_path() -> str:
    return "/support"


def _link_path(link: SupportLink) -> str:
    # Services also run outside a request, where url_for cannot build a path.
    return f"/support/circle/{link.id}"


def nominate(
    session: Session, *, actor: User, name: str, relation: str, email: str = "", phone: str = "", note: str = ""
) -> Nomination:
    """The young person suggests someone from their own network; the staff talk to them first."""
    require_trial_member(actor)
    name = clean_text(name, code="name", limit=120, required=_l("Write their name."))
    relation = clean_text(relation, code="relation", limit=200, required=_l("Write how you know them."))
    email = accounts.normalize_email(clean_text(email, code="email", limit=254))
    phone = clean_text(phone, code="phone", limit=30)
    note = clean_text(note, code="note", limit=500)
    if not email and not phone:
        raise Invalid("email", str(_l("Write an e-mail or a phone number, so the staff can reach them.")))
    lock_user(session, actor)
    waiting = session.exec(
        select(func.count())
        .select_from(Nomination)
        .where(Nomination.young_id == actor.id, Nomination.status == NominationStatus.WAITING)
    ).one()
    if waiting >= MAX_WAITING_NOMINATIONS:
        raise Conflict(
            "too_many",
            str(_l("You have %(count)d suggestions waiting. The staff will answer those first.", count=waiting)),
        )
    nomination = Nomination(young_id=actor.id, name=name, relation=relation, email=email, phone=phone, note=note)
    session.add(nomination)
    session.flush()
    for member in staff_members(session):
        notify(
            session,
            member,
            kind="nomination",
            title=_l("%(name)s suggested %(person)s for their circle", name=actor.display_name, person=name),
            body=_l("Talk to the person first, then invite them or say why not."),
            url=f"/staff/support/nominations/{nomination.id}",
        )
    return nomination


def my_nominations(session: Session, *, young: User) -> list[Nomination]:
    """Waiting first, then the answered ones; withdrawn ones are gone from view."""
    rows = session.exec(
        select(Nomination)
        .where(Nomination.young_id == young.id, Nomination.status != NominationStatus.WITHDRAWN)
        .order_by(Nomination.created_at.desc(), Nomination.id.desc())
    ).all()
    return sorted(rows, key=lambda n: n.status != NominationStatus.WAITING)


def _lock_nomination(session: Session, nomination: Nomination) -> Nomination:
    return session.exec(
        select(Nomination)
        .where(Nomination.id == nomination.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def _require_waiting(nomination: Nomination) -> None:
    if nomination.status != NominationStatus.WAITING:
        raise Conflict("not_waiting", str(_l("This suggestion has already been answered.")))


def withdraw_nomination(session: Session, *, actor: User, nomination: Nomination) -> Nomination:
    nomination = _lock_nomination(session, nomination)
    if nomination.young_id != actor.id:
        raise NotFound("not_found", str(_l("We could not find that page")))
    _require_waiting(nomination)
    nomination.status = NominationStatus.WITHDRAWN
    nomination.decided_at = utcnow()
    nomination.decided_by_id = actor.id
    session.flush()
    return nomination


@dataclass(frozen=True)
class Invited:
    """What inviting a nominee did: a new account with a one-time `token`, or an existing account linked."""

    user: User
    link: SupportLink
    token: str | None

    @property
    def existing(self) -> bool:
        return self.token is None


def invite_nominee(session: Session, *, actor: User, nomination: Nomination, name: str, email: str) -> Invited:
    """The staff have talked to the person: make their account (or use the one they have) and
    put them in the circle, seeing nothing until the young person opens something up."""
    require_staff(actor)
    name = clean_text(name, code="name", limit=120, required=_l("Write their name."))
    email = accounts.normalize_email(clean_text(email, code="email", limit=254, required=_l("Write their e-mail.")))
    nomination = _lock_nomination(session, nomination)
    _require_waiting(nomination)
    young = lock_user(session, session.get(User, nomination.young_id))
    user = accounts.find_user_by_email(session, email)
    token = None
    if user is None or user.awaits_confirmation:  # a sign-up nobody confirmed gives way to the invitation
        user, token = accounts.invite(
            session, actor=actor, name=name, email=email, role=Role.SUPPORT, support_type=SupportType.NETWORK
        )
    elif user.id == young.id:
        raise Invalid("email", str(_l("That is the young person's own e-mail.")))
    elif supporter_kind(user) is None or user.disabled_at is not None:
        raise Invalid(
            "email",
            str(_l("That e-mail belongs to an account that is not a support person. Use another e-mail.")),
        )
    link = open_link(session, young_id=young.id, supporter_id=user.id)
    if link is None:
        link = SupportLink(young_id=young.id, supporter_id=user.id, nomination_id=nomination.id, **NETWORK_SHARING)
        session.add(link)
        flush_circle(session)
        session.add(SupportChange(young_id=young.id, kind=ChangeKind.PERSON_ADDED, by_id=actor.id, link_id=link.id))
    nomination.status = NominationStatus.INVITED
    nomination.email = email
    nomination.user_id = user.id
    nomination.decided_at = utcnow()
    nomination.decided_by_id = actor.id
    session.flush()
    notify(
        session,
        young,
        kind="nomination_invited",
        title=_l("%(person)s is in your support circle now", person=nomination.name),
        body=_l("They see nothing of yours until you say so. Choose what they may see."),
        url=_link_path(link),
    )
    if token is None:
        notify(
            session,
            user,
            kind="support_added",
            title=_l("%(name)s added you to their support circle", name=young.display_name),
            body=_l("They decide what you can see. Get in touch and say hello."),
        )
    return Invited(user, link, token)


def decline_nomination(session: Session, *, actor: User, nomination: Nomination, reason: str) -> Nomination:
    """The staff cannot invite this person, and say why in words the young person reads."""
    require_staff(actor)
    reason = clean_text(reason, code="reason", limit=500, required=_l("Write a few kind words about why."))
    nomination = _lock_nomination(session, nomination)
    _require_waiting(nomination)
    nomination.status = NominationStatus.DECLINED
    nomination.reason = reason
    nomination.decided_at = utcnow()
    nomination.decided_by_id = actor.id
    session.flush()
    notify(
        session,
        session.get(User, nomination.young_id),
        kind="nomination_declined",
        title=_l("About %(person)s, whom you suggested", person=nomination.name),
        body=_l("The staff could not invite them this time. Read why on your support page."),
        url=_young_path(),
    )
    return nomination


def nominations_for_staff(session: Session) -> list[tuple[Nomination, User]]:
    """Waiting first, oldest first; then the answered ones, newest first."""
    rows = session.exec(
        select(Nomination, User)
        .join(User, User.id == Nomination.young_id)
        .order_by(Nomination.created_at.desc(), Nomination.id.desc())
        .limit(STAFF_LIST_LIMIT)
    ).all()
    waiting = [row for row in rows if row[0].status == NominationStatus.WAITING]
    waiting.reverse()
    return waiting + [row for row in rows if row[0].status != NominationStatus.WAITING]
