"""Conversations: who may read them, starting one, writing in one, reading marks, and who is
told. Views and jobs call these; they only flush (the request commits once)."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_
from sqlmodel import Session, select

from hub.accounts.models import User
from hub.db import utcnow
from hub.errors import Invalid, NotFound
from hub.messages.models import (
    TOPIC_LABELS,
    AuditEntry,
    Conversation,
    ConversationStatus,
    DutyShift,
    Message,
    ReadMark,
    Topic,
    TopicRoute,
)
from hub.notifications.services import notify
from hub.support import circle

BODY_MAX = 2000


# --- who may read --------------------------------------------------------------------------------


def can_read(viewer: User, conversation: Conversation) -> bool:
    """The young person, the support person it is with (while in the circle), and hub staff
    for conversations with the hub. Nobody else, ever."""
    if viewer.id == conversation.young_id:
        return True
    if conversation.supporter_id is not None:
        return viewer.id == conversation.supporter_id
    return viewer.is_staff_member


def can_write(session: Session, viewer: User, conversation: Conversation) -> bool:
    """Reading is not enough with a support person: they must still be in the circle."""
    if not can_read(viewer, conversation):
        return False
    if conversation.supporter_id is not None and viewer.id == conversation.supporter_id:
        return circle.open_link(session, young_id=conversation.young_id, supporter_id=viewer.id) is not None
    return True


def is_hub_side(viewer: User, conversation: Conversation) -> bool:
    """Someone answering: hub staff on a hub conversation, or the support person on theirs."""
    if conversation.supporter_id is not None:
        return viewer.id == conversation.supporter_id
    return viewer.is_staff_member and viewer.id != conversation.young_id


def visible_messages(session: Session, viewer: User, conversation: Conversation) -> list[Message]:
    """The thread as this person may see it: internal notes only for staff."""
    statement = select(Message).where(Message.conversation_id == conversation.id).order_by(Message.created_at)
    if not (viewer.is_staff_member and conversation.supporter_id is None):
        statement = statement.where(Message.internal.is_(False))
    return list(session.exec(statement))


def audit_read(session: Session, *, viewer: User, conversation: Conversation) -> None:
    """Staff opening a young person's conversation is kept on record."""
    if viewer.is_staff_member and viewer.id != conversation.young_id:
        session.add(
            AuditEntry(
                actor_id=viewer.id,
                young_id=conversation.young_id,
                action="read_conversation",
                object_id=conversation.id,
            )
        )
        session.flush()


# --- writing -------------------------------------------------------------------------------------


def clean_body(body: str | None) -> str:
    text = (body or "").replace("\r\n", "\n").strip()
    if not text:
        raise Invalid("empty", str(_l("Write a message first.")))
    if len(text) > BODY_MAX:
        raise Invalid("too_long", str(_l("Keep it under %(max)d characters.", max=BODY_MAX)))
    return text


def _existing(session: Session, client_key: str | None) -> Message | None:
    if not client_key:
        return None
    return session.exec(select(Message).where(Message.client_key == client_key)).first()


def start_conversation(
    session: Session,
    *,
    actor: User,
    topic: str,
    body: str,
    supporter_id: int | None = None,
    urgent: bool = False,
    client_key: str | None = None,
) -> Conversation:
    """A young person starts a conversation with the hub, or with someone in their circle who
    may be messaged."""
    if not actor.is_young:
        raise NotFound("not_found", str(_l("We could not find that page")))
    if topic not in {t.value for t in Topic}:
        raise Invalid("topic", str(_l("Choose what it is about.")))
    text = clean_body(body)
    earlier = _existing(session, client_key)
    if earlier is not None:  # the same message sent again (a retry from a phone that was offline)
        return session.get(Conversation, earlier.conversation_id)
    if supporter_id is not None:
        if urgent:
            raise Invalid("urgent_to_hub", str(_l("Urgent messages go to the hub staff.")))
        link = circle.open_link(session, young_id=actor.id, supporter_id=supporter_id)
        if link is None:
            raise Invalid("not_in_circle", str(_l("Choose someone from your circle, or the hub staff.")))
    now = utcnow()
    conversation = Conversation(
        young_id=actor.id,
        topic=topic,
        supporter_id=supporter_id,
        started_by_id=actor.id,
        urgent=urgent,
        created_at=now,
        last_message_at=now,
    )
    session.add(conversation)
    session.flush()
    session.add(Message(conversation_id=conversation.id, author_id=actor.id, body=text, client_key=client_key))
    session.flush()
    mark_read(session, user=actor, conversation=conversation)
    for person in recipients(session, conversation):
        _tell_new(session, person, conversation, actor)
    return conversation


def post_message(
    session: Session,
    *,
    actor: User,
    conversation: Conversation,
    body: str,
    internal: bool = False,
    client_key: str | None = None,
) -> Message:
    """Write in a conversation. The young person's words make it the hub's turn; an answer
    from the other side makes it the young person's and counts as the first response."""
    if not can_write(session, actor, conversation):
        raise NotFound("not_found", str(_l("We could not find that page")))
    text = clean_body(body)
    earlier = _existing(session, client_key)
    if earlier is not None:
        return earlier
    hub_side = is_hub_side(actor, conversation)
    if internal and not (hub_side and conversation.supporter_id is None):
        raise Invalid("internal", str(_l("Only staff can write internal notes.")))
    now = utcnow()
    message = Message(
        conversation_id=conversation.id, author_id=actor.id, body=text, internal=internal, client_key=client_key
    )
    session.add(message)
    if not internal:
        conversation.last_message_at = now
        if hub_side:
            conversation.status = ConversationStatus.WAITING
            conversation.first_response_at = conversation.first_response_at or now
            if conversation.urgent and conversation.picked_up_at is None:
                conversation.picked_up_by_id, conversation.picked_up_at = actor.id, now
            young = session.get(User, conversation.young_id)
            notify(
                session,
                young,
                kind="message_reply",
                title=_l("%(name)s answered you", name=actor.display_name),
                body=_l("About: %(topic)s", topic=TOPIC_LABELS[Topic(conversation.topic)]),
                url=f"/messages/{conversation.id}",
            )
        else:
            conversation.status = ConversationStatus.OPEN
            conversation.closed_at = None
            for person in _answerers(session, conversation):
                notify(
                    session,
                    person,
                    kind="message_new",
                    title=_l("%(name)s wrote again", name=actor.display_name),
                    body=_l("About: %(topic)s", topic=TOPIC_LABELS[Topic(conversation.topic)]),
                    url=_answer_url(conversation),
                )
    session.flush()
    mark_read(session, user=actor, conversation=conversation)
    return message


# --- who is told ---------------------------------------------------------------------------------


def staff_on_duty(session: Session, now: datetime | None = None) -> list[User]:
    now = now or utcnow()
    return list(
        session.exec(
            select(User)
            .join(DutyShift, DutyShift.staff_id == User.id)
            .where(DutyShift.since <= now, DutyShift.until > now, User.disabled_at.is_(None))
            .distinct()
        )
    )


def all_staff(session: Session) -> list[User]:
    return list(
        session.exec(
            select(User).where(or_(User.is_staff, User.is_admin), User.disabled_at.is_(None)).order_by(User.id)
        )
    )


def topic_staff(session: Session, topic: str) -> list[User]:
    return list(
        session.exec(
            select(User)
            .join(TopicRoute, TopicRoute.staff_id == User.id)
            .where(TopicRoute.topic == topic, User.disabled_at.is_(None))
        )
    )


def recipients(session: Session, conversation: Conversation) -> list[User]:
    """Who hears about a new conversation first: the support person it is with; for the hub,
    an urgent one goes to staff on duty (everyone when nobody is), others to the staff who
    handle the topic (everyone when the topic has nobody)."""
    if conversation.supporter_id is not None:
        person = session.get(User, conversation.supporter_id)
        return [person] if person is not None else []
    if conversation.urgent:
        return staff_on_duty(session) or all_staff(session)
    return topic_staff(session, conversation.topic) or all_staff(session)


def _answerers(session: Session, conversation: Conversation) -> list[User]:
    if conversation.supporter_id is None and conversation.assigned_to_id is not None:
        assigned = session.get(User, conversation.assigned_to_id)
        if assigned is not None and assigned.disabled_at is None:
            return [assigned]
    return recipients(session, conversation)


def _answer_url(conversation: Conversation) -> str:
    if conversation.supporter_id is None:
        return f"/staff/messages/{conversation.id}"
    return f"/messages/{conversation.id}"


def _tell_new(session: Session, person: User, conversation: Conversation, young: User) -> None:
    if conversation.urgent:
        title = _l("URGENT: %(name)s needs help now", name=young.display_name)
    else:
        title = _l("%(name)s wrote to you", name=young.display_name)
    notify(
        session,
        person,
        kind="message_urgent" if conversation.urgent else "message_new",
        title=title,
        body=_l("About: %(topic)s", topic=TOPIC_LABELS[Topic(conversation.topic)]),
        url=_answer_url(conversation),
    )


# --- reading marks -------------------------------------------------------------------------------


def mark_read(session: Session, *, user: User, conversation: Conversation) -> None:
    mark = session.get(ReadMark, (conversation.id, user.id))
    now = utcnow()
    if mark is None:
        session.add(ReadMark(conversation_id=conversation.id, user_id=user.id, read_at=now))
    else:
        mark.read_at = now
    session.flush()


def seen_by_other_side(session: Session, conversation: Conversation) -> datetime | None:
    """When someone on the other side last read it: the young person's "seen" marker."""
    return session.exec(
        select(func.max(ReadMark.read_at)).where(
            ReadMark.conversation_id == conversation.id, ReadMark.user_id != conversation.young_id
        )
    ).one()


def unread_count(session: Session, user: User) -> int:
    """Conversations of this person's with something new from the other side."""
    mark = (
        select(ReadMark.read_at)
        .where(ReadMark.conversation_id == Conversation.id, ReadMark.user_id == user.id)
        .scalar_subquery()
    )
    unread = or_(mark.is_(None), Conversation.last_message_at > mark)
    if user.is_young:
        # Only answers count: their own last words are not news to them.
        where = [Conversation.young_id == user.id, Conversation.status == ConversationStatus.WAITING, unread]
    else:
        where = [Conversation.supporter_id == user.id, Conversation.status == ConversationStatus.OPEN, unread]
    statement = select(func.count()).select_from(Conversation).where(*where)
    return session.exec(statement).one()


def get_conversation_or_404(session: Session, viewer: User, conversation_id: int) -> Conversation:
    conversation = session.get(Conversation, conversation_id)
    if conversation is None or not can_read(viewer, conversation):
        raise NotFound("not_found", str(_l("We could not find that page")))
    return conversation
