"""Conversations: who may read them, starting one, writing in one, reading marks, and who is
told. Views and jobs call these; they only flush (the request commits once)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from hub.accounts.models import Role, User
from hub.audit import services as audit
from hub.audit.models import Area
from hub.db import require_write, utcnow
from hub.errors import Conflict, Invalid, NotFound
from hub.messages.models import (
    TOPIC_LABELS,
    Conversation,
    ConversationStatus,
    DutyShift,
    Message,
    ReadMark,
    Topic,
    TopicRoute,
)
from hub.notifications.models import Notification
from hub.notifications.services import notify
from hub.support import circle
from hub.support.models import SupportLink
from hub.support.services import require_trial_member

BODY_MAX = 2000
URGENT_REALERT = timedelta(minutes=10)  # staff hear again of an open urgent conversation at most this often


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
    """Reading is not enough with a support person: they must still be in the circle. Once the
    link has ended, neither side writes there (new words would reach someone who has left)."""
    if not can_read(viewer, conversation):
        return False
    if conversation.supporter_id is not None:
        link = circle.open_link(session, young_id=conversation.young_id, supporter_id=conversation.supporter_id)
        return link is not None
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
    """Staff opening a young person's conversation is kept on record (once per visit)."""
    if viewer.is_staff_member and viewer.id != conversation.young_id:
        audit.record(
            session, actor=viewer, young_id=conversation.young_id, area=Area.MESSAGES, object_id=conversation.id
        )


# --- writing -------------------------------------------------------------------------------------


def clean_body(body: str | None) -> str:
    text = (body or "").replace("\r\n", "\n").strip()
    if not text:
        raise Invalid("empty", str(_l("Write a message first.")))
    if len(text) > BODY_MAX:
        raise Invalid("too_long", str(_l("Keep it under %(max)d characters.", max=BODY_MAX)))
    return text


def already_sent(session: Session, client_key: str | None, author: User) -> bool:
    """This person's message with this key is stored: sending it again changes nothing (and so
    does not count toward how much they may send)."""
    if not client_key:
        return False
    found = select(Message.id).where(Message.client_key == client_key, Message.author_id == author.id)
    return session.exec(found).first() is not None


def _existing(session: Session, client_key: str | None, author: User | None = None) -> Message | None:
    """The message a retry already sent. A key is only ever its author's: someone else's key
    (a bug, or a guess) is refused rather than leading to their conversation."""
    if not client_key:
        return None
    earlier = session.exec(select(Message).where(Message.client_key == client_key)).first()
    if earlier is not None and author is not None and earlier.author_id != author.id:
        raise Conflict("client_key", str(_l("That message was already sent. Please reload the page.")))
    return earlier


def _save_first_message(
    session: Session, conversation: Conversation, *, actor: User, text: str, client_key: str | None
) -> Conversation | None:
    """Save a new conversation with its first message. When a retry of the same message, in
    another request, saved it a moment earlier, nothing is added and that conversation is
    returned instead."""
    try:
        with session.begin_nested():
            session.add(conversation)
            session.flush()
            session.add(Message(conversation_id=conversation.id, author_id=actor.id, body=text, client_key=client_key))
            session.flush()
    except IntegrityError:
        earlier = _existing(session, client_key, actor) if client_key else None
        if earlier is None:
            raise
        return session.get(Conversation, earlier.conversation_id)
    return None


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
    """A young person starts a conversation with the hub, or (in the trial) with someone in their
    circle. "I need help now" while an urgent conversation is still open adds to that one."""
    if not actor.is_young:
        raise NotFound("not_found", str(_l("We could not find that page")))
    if topic not in {t.value for t in Topic}:
        raise Invalid("topic", str(_l("Choose what it is about.")))
    text = clean_body(body)
    earlier = _existing(session, client_key, actor)
    if earlier is not None:  # the same message sent again (a retry from a phone that was offline)
        return session.get(Conversation, earlier.conversation_id)
    if supporter_id is not None:
        if urgent:
            raise Invalid("urgent_to_hub", str(_l("Urgent messages go to the hub staff.")))
        require_trial_member(actor)  # writing to a professional directly is the trial's; the hub is for all
        link = circle.open_link(session, young_id=actor.id, supporter_id=supporter_id)
        if link is None:
            raise Invalid("not_in_circle", str(_l("Choose someone from your circle, or the hub staff.")))
    if urgent:
        _lock(session, actor)
        already = open_urgent(session, actor)
        if already is not None:  # asking again while help is on its way: the same conversation
            _add_to_urgent(session, already, actor=actor, text=text, client_key=client_key)
            return already
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
    raced = _save_first_message(session, conversation, actor=actor, text=text, client_key=client_key)
    if raced is not None:
        return raced
    mark_read(session, user=actor, conversation=conversation)
    for person in recipients(session, conversation):
        _tell_new(session, person, conversation, actor)
    return conversation


def _lock(session: Session, young: User) -> None:
    """One request at a time per young person: two taps on "I need help now" make one conversation."""
    session.exec(select(User.id).where(User.id == young.id).with_for_update()).one()


def open_urgent(session: Session, young: User) -> Conversation | None:
    """The young person's urgent conversation with the hub that is not closed yet, if any."""
    return session.exec(
        select(Conversation)
        .where(
            Conversation.young_id == young.id,
            Conversation.urgent,
            Conversation.supporter_id.is_(None),
            Conversation.status != ConversationStatus.CLOSED,
        )
        .order_by(Conversation.created_at.desc())
    ).first()


def _add_to_urgent(
    session: Session, conversation: Conversation, *, actor: User, text: str, client_key: str | None
) -> None:
    """The words join the open urgent conversation; the staff are alerted again, but not more
    often than once per URGENT_REALERT (a person in crisis may tap many times)."""
    message = Message(conversation_id=conversation.id, author_id=actor.id, body=text, client_key=client_key)
    try:
        with session.begin_nested():
            session.add(message)
            session.flush()
    except IntegrityError:
        if _existing(session, client_key, actor) is None:
            raise
        return  # the same retry saved it a moment earlier
    now = utcnow()
    conversation.last_message_at, conversation.status = now, ConversationStatus.OPEN
    session.flush()
    mark_read(session, user=actor, conversation=conversation)
    if _alerted_since(session, conversation, now - URGENT_REALERT):
        return
    picked_up_by = session.get(User, conversation.picked_up_by_id) if conversation.picked_up_by_id else None
    if picked_up_by is not None and picked_up_by.disabled_at is None:
        people = [picked_up_by]  # the one who said "I have it" hears first
    else:
        people = _answerers(session, conversation)
    for person in people:
        _tell_new(session, person, conversation, actor)


def _alerted_since(session: Session, conversation: Conversation, since: datetime) -> bool:
    return (
        session.exec(
            select(Notification.id).where(
                Notification.kind == "message_urgent",
                Notification.url == _answer_url(conversation),
                Notification.created_at > since,
            )
        ).first()
        is not None
    )


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
    earlier = _existing(session, client_key, actor)
    if earlier is not None:
        if earlier.conversation_id != conversation.id:
            raise Conflict("client_key", str(_l("That message was already sent. Please reload the page.")))
        return earlier
    hub_side = is_hub_side(actor, conversation)
    if internal and not (hub_side and conversation.supporter_id is None):
        raise Invalid("internal", str(_l("Only staff can write internal notes.")))
    now = utcnow()
    message = Message(
        conversation_id=conversation.id, author_id=actor.id, body=text, internal=internal, client_key=client_key
    )
    try:
        with session.begin_nested():
            session.add(message)
            session.flush()
    except IntegrityError:
        # The same retry, a moment earlier, in another request: the first one stands.
        earlier = _existing(session, client_key, actor) if client_key else None
        if earlier is None:
            raise
        return earlier
    if not internal:
        conversation.last_message_at = now
        conversation.closed_at = None  # a new word reopens it, whoever writes
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
    require_write(session)
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


# --- the young person's and the support person's side (part A) --------------------------------------


def start_with_young(
    session: Session, *, actor: User, young_id: int, topic: str, body: str, client_key: str | None = None
) -> Conversation:
    """A support person starts a conversation with a young person who has them in their circle
    and lets them write. It is then the young person's turn, and they are told."""
    link = circle.open_link(session, young_id=young_id, supporter_id=actor.id)
    if link is None or not link.may_message or actor.id == young_id:
        raise NotFound("not_found", str(_l("We could not find that page")))
    if topic not in {t.value for t in Topic}:
        raise Invalid("topic", str(_l("Choose what it is about.")))
    text = clean_body(body)
    earlier = _existing(session, client_key, actor)
    if earlier is not None:
        return session.get(Conversation, earlier.conversation_id)
    now = utcnow()
    conversation = Conversation(
        young_id=young_id,
        topic=topic,
        supporter_id=actor.id,
        started_by_id=actor.id,
        status=ConversationStatus.WAITING,
        created_at=now,
        last_message_at=now,
    )
    raced = _save_first_message(session, conversation, actor=actor, text=text, client_key=client_key)
    if raced is not None:
        return raced
    mark_read(session, user=actor, conversation=conversation)
    notify(
        session,
        session.get(User, young_id),
        kind="message_new",
        title=_l("%(name)s wrote to you", name=actor.display_name),
        body=_l("About: %(topic)s", topic=TOPIC_LABELS[Topic(topic)]),
        url=f"/messages/{conversation.id}",
    )
    return conversation


def messageable_young(session: Session, supporter: User) -> list[User]:
    """The young people who have this person in their circle and let them write first."""
    return list(
        session.exec(
            select(User)
            .join(SupportLink, SupportLink.young_id == User.id)
            .where(SupportLink.supporter_id == supporter.id, SupportLink.ended_at.is_(None), SupportLink.may_message)
            .order_by(User.name)
        )
    )


@dataclass(frozen=True)
class ConversationRow:
    """One line in someone's list of conversations, as they may see it."""

    conversation: Conversation
    other: User | None  # the support person, or the young person; None: the hub staff
    last: Message | None
    last_is_mine: bool
    unread: bool
    seen: bool  # my last words have been read by the other side

    @property
    def closed(self) -> bool:
        return self.conversation.status == ConversationStatus.CLOSED


def overview(session: Session, user: User) -> list[ConversationRow]:
    """A young person's conversations, or those a support person is in; open ones first, newest first.

    A few queries for the whole list: the conversations, their last visible words, and reading marks."""
    mine = Conversation.young_id == user.id
    if not user.is_young:
        mine = Conversation.supporter_id == user.id
    elif user.has_role(Role.SUPPORT, Role.MENTOR):
        mine = or_(mine, Conversation.supporter_id == user.id)
    conversations = list(session.exec(select(Conversation).where(mine).order_by(Conversation.last_message_at.desc())))
    if not conversations:
        return []
    ids = [c.id for c in conversations]
    newest = (
        select(Message.conversation_id, func.max(Message.id).label("id"))
        .where(Message.conversation_id.in_(ids), Message.internal.is_(False))
        .group_by(Message.conversation_id)
        .subquery()
    )
    last = {m.conversation_id: m for m in session.exec(select(Message).join(newest, Message.id == newest.c.id))}
    marks = list(session.exec(select(ReadMark).where(ReadMark.conversation_id.in_(ids))))
    own = {m.conversation_id: m.read_at for m in marks if m.user_id == user.id}
    by_id = {c.id: c for c in conversations}
    others: dict[int, datetime] = {}
    for mark in marks:
        young_id = by_id[mark.conversation_id].young_id
        # For the young person, anyone on the other side; for a support person, the young person.
        other_side = mark.user_id != user.id if user.id == young_id else mark.user_id == young_id
        if other_side and (mark.conversation_id not in others or others[mark.conversation_id] < mark.read_at):
            others[mark.conversation_id] = mark.read_at
    people = {u.id: u for u in session.exec(select(User).where(User.id.in_(_other_ids(conversations, user))))}
    rows = []
    for conversation in conversations:
        message = last.get(conversation.id)
        is_mine = message is not None and message.author_id == user.id
        read = own.get(conversation.id)
        unread = message is not None and not is_mine and (read is None or read < message.created_at)
        seen_at = others.get(conversation.id)
        other_id = conversation.supporter_id if conversation.young_id == user.id else conversation.young_id
        rows.append(
            ConversationRow(
                conversation=conversation,
                other=people.get(other_id) if other_id is not None else None,
                last=message,
                last_is_mine=is_mine,
                unread=unread,
                seen=is_mine and seen_at is not None and seen_at >= message.created_at,
            )
        )
    return sorted(rows, key=lambda row: row.closed)  # stable: newest first within open and closed


def _other_ids(conversations: list[Conversation], user: User) -> set[int]:
    return {i for c in conversations for i in (c.young_id, c.supporter_id) if i is not None and i != user.id}


def waiting_since(conversation: Conversation, messages: list[Message]) -> datetime | None:
    """When the young person's unanswered words began: the start of the reply promise."""
    since = None
    for message in messages:
        if message.internal:
            continue
        if message.author_id == conversation.young_id:
            since = since or message.created_at
        else:
            since = None
    return since
