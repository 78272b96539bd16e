"""Erase a person: their personal data goes, while the ledger and the statistics still add up.

The account row stays, anonymised ("Slettet bruger", no e-mail, no password), so everything that
pointed at the person keeps pointing at someone — no one. Each table that holds rows of theirs
has a policy below: delete the rows, or keep them with their words taken out (klip entries keep
amounts and kinds, bookings keep their status, conversations their topic and times). A table
with rows of theirs that is not listed loses those rows: forgetting to decide errs on erasing,
and tests/rights fail until someone decides.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Table, and_, delete, or_, update
from sqlmodel import Session, select

from hub.accounts.models import User
from hub.db import utcnow
from hub.errors import DomainError
from hub.rights.models import DeletionRequest, Erasure, ErasureCause, RequestStatus
from hub.rights.tables import PEOPLE_TABLE, Tie, rows_about

DELETED_NAME = "Slettet bruger"
ERASED_TEXT = "…"  # what is left of a message or comment; the row stays for the counts


@dataclass(frozen=True)
class Delete:
    """The rows go."""

    tie: Tie = Tie.PART  # rows tied at least this strongly to the person


@dataclass(frozen=True)
class Scrub:
    """The rows stay, with these columns set (a value, or a function of the row)."""

    values: dict[str, object | Callable[[dict], object]] = field(default_factory=dict)
    tie: Tie = Tie.PART
    column: str | None = None  # only rows where this column holds the person's id


KEEP = Scrub()  # the rows stay as they are: nothing personal is in them once the name is gone


def _new_ticket(_row: dict) -> str:
    return "erased-" + secrets.token_hex(12)


def _new_secret(_row: dict) -> str:
    return secrets.token_hex(32)


POLICIES: dict[str, tuple[Delete | Scrub, ...]] = {
    # Logins, links, devices, settings: gone (deleting the logins ends them).
    "user_session": (Delete(),),
    "passkey": (Delete(),),
    "passkey_challenge": (Delete(),),
    "totp_secret": (Delete(),),
    "recovery_code": (Delete(),),
    "second_factor_event": (Delete(Tie.OWN),),  # an admin's resets of others stay in their log
    "account_token": (Delete(Tie.OWN),),
    "consent": (Delete(),),
    "calendar_feed": (Delete(),),
    "notification": (Delete(),),
    "push_subscription": (Delete(),),
    "push_delivery": (Delete(),),
    "notification_preference": (Delete(),),
    "download_ticket": (Delete(Tie.NAMED),),  # a file of theirs waiting a minute to be fetched
    "read_mark": (Delete(Tie.OWN),),
    "activity_mark": (Delete(),),
    # Staff and supporter settings.
    "topic_route": (Delete(),),
    "duty_shift": (Delete(),),
    "supporter_profile": (Delete(),),
    "sparring_request": (Delete(),),
    # The plan: the goals stay (goals set and reached by life area), without their words.
    "plan": (Scrub({"dreams": ""}),),
    "plan_goal": (Scrub({"title": ERASED_TEXT, "why": ""}),),
    "plan_step": (Delete(),),
    "plan_suggestion": (Scrub({"text": ""}),),
    "plan_comment": (Delete(),),
    "plan_change": (Delete(),),
    # Check-ins and wellbeing: the dates and scores stay for the statistics, the words go.
    "checkin": (Scrub({"note": ""}),),
    "wellbeing": (Scrub({"words": ""}),),
    # Messages: conversations keep their topic and times (response-time statistics); every
    # message in them, and every message the person wrote anywhere, loses its text.
    "conversation": (KEEP,),
    "message": (Scrub({"body": ERASED_TEXT}, tie=Tie.NAMED),),
    # Klip: the ledger keeps every amount and kind; only the words go. This is the one change
    # ever made to a klip entry, and it is made with SQL, past the ledger's ORM guard.
    "klip_account": (KEEP,),
    "klip_entry": (Scrub({"reason": ""}),),
    "voucher": (Scrub({"qr_secret": _new_secret}),),
    # Bookings stay, so the events' numbers add up; the ticket can no longer be scanned.
    "booking": (Scrub({"companion_note": "", "ticket_code": _new_ticket}),),
    # Support: links, items and changes stay for the history and statistics, without words.
    "support_link": (KEEP,),
    "support_item": (Scrub({"wish": "", "note": ""}),),
    "support_change": (Scrub({"reason": ""}),),
    # Someone from their network they nominated: that person's details are not ours to keep.
    # If the person being erased was themselves nominated, their details leave the nomination.
    "nomination": (
        Delete(Tie.OWN),
        Scrub({"name": DELETED_NAME, "email": "", "phone": ""}, tie=Tie.NAMED, column="user_id"),
    ),
    # Ideas are the community's: they stay (without the name), their own comments lose their text.
    "proposal": (KEEP,),
    "proposal_backer": (KEEP,),
    "proposal_comment": (Scrub({"body": ERASED_TEXT}, tie=Tie.OWN),),
    # The audit log is kept: it holds no words, and now points at no one.
    "audit_entry": (KEEP,),
    # The trial's evaluation keeps its numbers; the staff's note about the network goes.
    "evaluation_enrolment": (KEEP,),
    "evaluation_status": (Scrub({"network_note": ""}),),
    "evaluation_pulse": (KEEP,),
    # Our own records: that it was asked for and done, without the person's words.
    "deletion_request": (Scrub({"reason": "", "answer": ""}),),
    "erasure": (KEEP,),
}


def erase_person(
    session: Session,
    *,
    person: User,
    cause: ErasureCause,
    actor: User | None = None,
    request_id: int | None = None,
    now: datetime | None = None,
) -> Erasure:
    """Erase or anonymise everything personal about `person`. Doing it twice is doing it once."""
    now = now or utcnow()
    session.refresh(person, with_for_update=True)
    done = session.get(Erasure, person.id)
    if done is not None:
        return done
    _release_future_bookings(session, person)
    _close_open_things(session, person, actor, now)
    session.flush()
    known = {person.name, person.display_name, person.email}
    for name, rows in reversed(list(rows_about(session, person.id, skip=[PEOPLE_TABLE]).items())):
        for policy in POLICIES.get(name, (Delete(),)):
            _apply(session, rows.table, policy, [row for row, tie in rows if _applies(policy, row, tie, person.id)])
    # Rows changed with SQL above: copies this session already holds are read afresh.
    session.expire_all()
    _forget_name_in_others_notifications(session, person, known)
    _anonymise(session, person, now)
    erasure = Erasure(user_id=person.id, cause=cause, at=now, by_id=actor.id if actor else None, request_id=request_id)
    session.add(erasure)
    session.flush()
    return erasure


def _applies(policy: Delete | Scrub, row: dict, tie: Tie, person_id: int) -> bool:
    if tie < policy.tie:
        return False
    column = getattr(policy, "column", None)
    return column is None or row.get(column) == person_id


def _apply(session: Session, table: Table, policy: Delete | Scrub, rows: list[dict]) -> None:
    if not rows:
        return
    keys = list(table.primary_key.columns)

    def match(row: dict):
        return and_(*[column == row[column.name] for column in keys])

    if isinstance(policy, Delete):
        for chunk in _chunks(rows):
            session.exec(delete(table).where(or_(*[match(row) for row in chunk])))
        return
    fixed = {column: value for column, value in policy.values.items() if not callable(value)}
    per_row = {column: value for column, value in policy.values.items() if callable(value)}
    if fixed:
        for chunk in _chunks(rows):
            session.exec(update(table).where(or_(*[match(row) for row in chunk])).values(**fixed))
    for row in rows if per_row else []:
        session.exec(update(table).where(match(row)).values(**{c: make(row) for c, make in per_row.items()}))


def _chunks(rows: list[dict], size: int = 200):
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _release_future_bookings(session: Session, person: User) -> None:
    """Places at events still to come are released (refunded, the waitlist moves up)."""
    from hub.events import services as events
    from hub.events.models import ACTIVE, Booking, Event

    upcoming = session.exec(
        select(Booking.id)
        .join(Event, Event.id == Booking.event_id)
        .where(Booking.user_id == person.id, Booking.status.in_(ACTIVE), Event.starts_at > utcnow())
    ).all()
    for booking_id in upcoming:
        try:
            events.cancel(session, actor=person, booking_id=booking_id)
        except DomainError:
            pass  # started or released meanwhile: it stays as it is


def _close_open_things(session: Session, person: User, actor: User | None, now: datetime) -> None:
    """Open conversations close, open circle links and support end: nothing waits in a queue for
    someone who is gone, and each ending is in the support history like any other."""
    from hub.messages.models import Conversation, ConversationStatus
    from hub.support.menu import record_change
    from hub.support.models import ChangeKind, ItemStatus, SupportItem, SupportLink

    # A request still waiting is answered by the erasure itself (the inactivity job got there first).
    for request in session.exec(
        select(DeletionRequest).where(
            DeletionRequest.user_id == person.id, DeletionRequest.status == RequestStatus.WAITING
        )
    ):
        request.status, request.decided_at = RequestStatus.CONFIRMED, now
        request.decided_by_id = request.decided_by_id or (actor.id if actor else None)
    for conversation in session.exec(
        select(Conversation).where(Conversation.young_id == person.id, Conversation.status != ConversationStatus.CLOSED)
    ):
        conversation.status, conversation.closed_at = ConversationStatus.CLOSED, now
    links = session.exec(
        select(SupportLink).where(
            or_(SupportLink.young_id == person.id, SupportLink.supporter_id == person.id),
            SupportLink.ended_at.is_(None),
        )
    ).all()
    for link in links:
        link.ended_at, link.ended_by_id = now, actor.id if actor else None
        record_change(session, link.young_id, ChangeKind.PERSON_ENDED, by=actor, link_id=link.id)
    items = session.exec(
        select(SupportItem).where(
            SupportItem.young_id == person.id,
            SupportItem.status.in_([ItemStatus.REQUESTED, ItemStatus.ACTIVE, ItemStatus.PAUSED]),
        )
    ).all()
    for item in items:
        kind = ChangeKind.WITHDRAWN if item.status == ItemStatus.REQUESTED else ChangeKind.ENDED
        record_change(
            session,
            person.id,
            kind,
            by=actor,
            item_id=item.id,
            option_id=item.option_id,
            level_before=item.level,
            level_after=item.level,
        )
        item.status, item.updated_at = ItemStatus(kind.value), now


def _forget_name_in_others_notifications(session: Session, person: User, names: set[str]) -> None:
    """Other people's notifications that name the person ("Sara has stepped away") lose the name."""
    from hub.notifications.models import Notification

    names = {name for name in names if name and len(name) >= 2}
    if not names:
        return
    matching = or_(
        *[Notification.title.contains(name, autoescape=True) for name in names],
        *[Notification.body.contains(name, autoescape=True) for name in names],
    )
    for notification in session.exec(select(Notification).where(Notification.user_id != person.id, matching)):
        for name in sorted(names, key=len, reverse=True):
            notification.title = notification.title.replace(name, DELETED_NAME)[:120]
            notification.body = notification.body.replace(name, DELETED_NAME)[:500]


def _anonymise(session: Session, person: User, now: datetime) -> None:
    person.name = DELETED_NAME
    person.preferred_name = None
    person.pronouns = None
    person.email = f"slettet-{person.id}@ungehub.invalid"
    person.password_hash = None  # no password: the account can never log in again
    person.password_changed_at = None
    person.locale = "da"
    person.avatar_colour = 0
    person.is_staff = person.is_admin = person.is_mentor = False
    person.support_type = None
    person.partner_id = None
    person.disabled_at = person.disabled_at or now
    session.add(person)
