"""Scheduled message work: escalating urgent messages nobody has answered, and deleting
conversations closed longer than the retention period. Both are safe to run twice."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete
from sqlmodel import Session, select

from hub.accounts.models import User
from hub.db import utcnow
from hub.i18n import lazy_duration
from hub.messages.models import TOPIC_LABELS, Conversation, ConversationStatus, Topic
from hub.messages.services import all_staff
from hub.messages.urgency import ADMINS, ALL_STAFF, escalate_minutes
from hub.notifications.services import notify


def escalate_urgent(session: Session, now: datetime | None = None) -> int:
    """Urgent messages to the hub nobody has answered or picked up: after the set minutes tell
    all staff, after twice that the admins. Each level is reached once, however often (and in
    however many processes) this runs: the row is locked and its level raised before telling."""
    now = now or utcnow()
    wait = timedelta(minutes=escalate_minutes())
    waiting = (
        Conversation.urgent,
        Conversation.supporter_id.is_(None),
        Conversation.first_response_at.is_(None),
        Conversation.picked_up_at.is_(None),
        Conversation.status != ConversationStatus.CLOSED,
    )
    due = session.exec(
        select(Conversation.id)
        .where(*waiting, Conversation.escalation_level < ADMINS, Conversation.created_at <= now - wait)
        .order_by(Conversation.created_at)
    ).all()
    escalated = 0
    for conversation_id in due:
        # populate_existing: a copy this session read before someone else escalated it is refreshed.
        conversation = session.exec(
            select(Conversation)
            .where(Conversation.id == conversation_id, *waiting)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).first()
        if conversation is None:
            continue  # answered or picked up meanwhile
        level = ADMINS if now - conversation.created_at >= 2 * wait else ALL_STAFF
        if level <= conversation.escalation_level:
            continue
        told: set[int] = set()
        for step in range(conversation.escalation_level + 1, level + 1):
            for person in _people_for(session, step):
                if person.id not in told:
                    told.add(person.id)
                    _tell(session, person, conversation, now - conversation.created_at)
        conversation.escalation_level, conversation.escalated_at = level, now
        session.flush()
        escalated += 1
    return escalated


def _people_for(session: Session, level: int) -> list[User]:
    if level == ALL_STAFF:
        return all_staff(session)
    return [person for person in all_staff(session) if person.is_admin]


def _tell(session: Session, person: User, conversation: Conversation, waited: timedelta) -> None:
    young = session.get(User, conversation.young_id)
    notify(
        session,
        person,
        kind="message_escalated",
        title=_l("URGENT: nobody has answered %(name)s yet", name=young.display_name if young else "?"),
        body=_l(
            "Waiting %(time)s. About: %(topic)s",
            time=lazy_duration(waited),
            topic=TOPIC_LABELS[Topic(conversation.topic)],
        ),
        url=f"/staff/messages/{conversation.id}",
    )


def delete_closed_conversations(session: Session, now: datetime | None = None) -> int:
    """Message text is not kept for ever: conversations closed longer than the retention period
    go, with their messages and read marks (by cascade). Audit entries stay; they hold no text."""
    now = now or utcnow()
    cutoff = now - timedelta(days=current_app.config.get("MESSAGE_RETENTION_DAYS", 365))
    result = session.exec(
        delete(Conversation).where(
            Conversation.status == ConversationStatus.CLOSED,
            Conversation.closed_at.is_not(None),
            Conversation.closed_at <= cutoff,
        )
    )
    session.flush()
    return result.rowcount
