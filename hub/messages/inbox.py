"""The staff inbox: hub conversations by tab and topic, and what staff do to one (assign it,
pick up an urgent one, close and reopen it). Conversations with a support person are theirs
alone and never appear here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from hub.accounts.models import User
from hub.db import utcnow
from hub.errors import Conflict, Invalid, NotFound
from hub.messages.models import TOPIC_LABELS, Conversation, ConversationStatus, Message, ReadMark, Topic, TopicRoute
from hub.messages.urgency import UrgentClock, escalate_minutes, urgent_clock
from hub.notifications.services import notify

TABS = ("new", "mine", "waiting", "closed")
TAB_LABELS = {
    "new": _l("New"),
    "mine": _l("Mine"),
    "waiting": _l("Waiting for them"),
    "closed": _l("Closed"),
}
PREVIEW_CHARS = 90
LIST_LIMIT = 200  # a long tail of closed conversations is for the retention job, not the screen


@dataclass(frozen=True)
class Filters:
    tab: str = "new"
    topic: str | None = None
    my_topics: bool = False  # only topics routed to the viewer (TopicRoute)

    @classmethod
    def parse(cls, tab: str | None, topic: str | None, mine: str | None) -> Filters:
        """Whatever is in the address: unknown values fall back to the defaults, never an error."""
        return cls(
            tab=tab if tab in TABS else "new",
            topic=topic if topic in {t.value for t in Topic} else None,
            my_topics=mine == "1",
        )


@dataclass(frozen=True)
class InboxRow:
    conversation: Conversation
    young: User
    assigned: User | None
    preview: str  # the first words of the young person's latest message
    waiting_since: datetime | None  # the young person's last words, while it is the hub's turn
    unread: bool
    clock: UrgentClock | None = None  # an urgent one's own clock, instead of the topic's reply norm

    @property
    def topic_label(self):
        return TOPIC_LABELS.get(self.conversation.topic, self.conversation.topic)

    @property
    def waited(self) -> timedelta | None:
        return utcnow() - self.waiting_since if self.waiting_since else None

    @property
    def needs_pick_up(self) -> bool:
        return self.conversation.urgent and self.conversation.picked_up_at is None


def _hub_only():
    return Conversation.supporter_id.is_(None)


def _tab_condition(tab: str, viewer: User):
    is_open = Conversation.status == ConversationStatus.OPEN
    return {
        "new": and_(is_open, Conversation.assigned_to_id.is_(None)),
        "mine": and_(is_open, Conversation.assigned_to_id == viewer.id),
        "waiting": Conversation.status == ConversationStatus.WAITING,
        "closed": Conversation.status == ConversationStatus.CLOSED,
    }[tab]


def _filter_conditions(filters: Filters, viewer: User) -> list:
    where = [_hub_only()]
    if filters.topic:
        where.append(Conversation.topic == filters.topic)
    if filters.my_topics:
        where.append(Conversation.topic.in_(select(TopicRoute.topic).where(TopicRoute.staff_id == viewer.id)))
    return where


def tab_counts(session: Session, *, viewer: User, filters: Filters) -> dict[str, int]:
    """How many conversations each tab holds under the same filters, in one query."""
    columns = [func.coalesce(func.sum(case((_tab_condition(tab, viewer), 1), else_=0)), 0) for tab in TABS]
    row = session.exec(select(*columns).select_from(Conversation).where(*_filter_conditions(filters, viewer))).one()
    return {tab: int(count) for tab, count in zip(TABS, row, strict=True)}


def inbox_rows(session: Session, *, viewer: User, filters: Filters) -> list[InboxRow]:
    """One tab of the inbox: urgent first, then the longest waiting (newest first once answered)."""
    young, assigned = aliased(User), aliased(User)
    oldest_first = filters.tab in ("new", "mine")
    rows = session.exec(
        select(Conversation, young, assigned, ReadMark.read_at)
        .join(young, young.id == Conversation.young_id)
        .outerjoin(assigned, assigned.id == Conversation.assigned_to_id)
        .outerjoin(ReadMark, and_(ReadMark.conversation_id == Conversation.id, ReadMark.user_id == viewer.id))
        .where(*_filter_conditions(filters, viewer), _tab_condition(filters.tab, viewer))
        .order_by(
            Conversation.urgent.desc(),
            Conversation.last_message_at.asc() if oldest_first else Conversation.last_message_at.desc(),
            Conversation.id,
        )
        .limit(LIST_LIMIT)
    ).all()
    latest = _latest_words(session, [conversation.id for conversation, *_ in rows])
    now, minutes = utcnow(), escalate_minutes()
    return [
        InboxRow(
            conversation=conversation,
            young=young_person,
            assigned=assignee,
            preview=_preview(latest.get(conversation.id)),
            waiting_since=conversation.last_message_at if conversation.status == ConversationStatus.OPEN else None,
            unread=read_at is None or read_at < conversation.last_message_at,
            clock=urgent_clock(conversation, now, minutes),
        )
        for conversation, young_person, assignee, read_at in rows
    ]


def _latest_words(session: Session, ids: list[int]) -> dict[int, str]:
    """The young person's latest message in each conversation, in one query."""
    if not ids:
        return {}
    latest = (
        select(func.max(Message.id).label("id"))
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(Message.conversation_id.in_(ids), Message.author_id == Conversation.young_id)
        .group_by(Message.conversation_id)
        .subquery()
    )
    found = session.exec(select(Message.conversation_id, Message.body).where(Message.id.in_(select(latest.c.id))))
    return dict(found.all())


def _preview(body: str | None) -> str:
    text = " ".join((body or "").split())
    return text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 1].rstrip() + "…"


@dataclass(frozen=True)
class Summary:
    urgent: list[InboxRow]  # urgent and nobody has picked it up
    new: int
    mine: int
    oldest_waiting: InboxRow | None


def summary(session: Session, *, viewer: User) -> Summary:
    """For the staff home: what needs someone now."""
    counts = tab_counts(session, viewer=viewer, filters=Filters())
    waiting = inbox_rows(session, viewer=viewer, filters=Filters(tab="new")) + inbox_rows(
        session, viewer=viewer, filters=Filters(tab="mine")
    )
    urgent = [row for row in waiting if row.needs_pick_up]
    calm = [row for row in waiting if not row.conversation.urgent]
    oldest = min(calm, key=lambda row: row.conversation.last_message_at, default=None)
    return Summary(urgent=urgent, new=counts["new"], mine=counts["mine"], oldest_waiting=oldest)


# --- what staff do to a conversation ---------------------------------------------------------------


def get_hub_conversation_or_404(session: Session, conversation_id: int, *, lock: bool = False) -> Conversation:
    """A conversation with the hub. One with a support person is not the staff's: 404."""
    statement = select(Conversation).where(Conversation.id == conversation_id, _hub_only())
    if lock:
        # populate_existing: a copy loaded earlier in this request must not hide what the lock waited for.
        statement = statement.with_for_update().execution_options(populate_existing=True)
    conversation = session.exec(statement).first()
    if conversation is None:
        raise NotFound("not_found", str(_l("We could not find that page")))
    return conversation


def people_by_id(session: Session, ids: set[int | None]) -> dict[int, User]:
    """The authors and helpers named on a conversation page, in one query."""
    wanted = {i for i in ids if i is not None}
    return {user.id: user for user in session.exec(select(User).where(User.id.in_(wanted)))} if wanted else {}


def active_staff(session: Session) -> list[User]:
    return list(
        session.exec(
            select(User).where(or_(User.is_staff, User.is_admin), User.disabled_at.is_(None)).order_by(User.name)
        )
    )


def assign_conversation(
    session: Session, *, actor: User, conversation_id: int, assignee_id: int | None
) -> Conversation:
    """Give it to a colleague (told), to oneself, or to nobody (back to "new")."""
    conversation = get_hub_conversation_or_404(session, conversation_id, lock=True)
    assignee = None
    if assignee_id is not None:
        assignee = session.get(User, assignee_id)
        if assignee is None or not assignee.is_staff_member or assignee.disabled_at is not None:
            raise Invalid("not_staff", str(_l("Choose someone from the hub staff.")))
    if conversation.assigned_to_id == assignee_id:
        return conversation
    conversation.assigned_to_id = assignee_id
    session.flush()
    if assignee is not None and assignee.id != actor.id:
        young = session.get(User, conversation.young_id)
        notify(
            session,
            assignee,
            kind="message_assigned",
            title=_l("%(name)s gave you a conversation with %(young)s", name=actor.display_name, young=young.name),
            body=_l("About: %(topic)s", topic=TOPIC_LABELS[Topic(conversation.topic)]),
            url=f"/staff/messages/{conversation.id}",
        )
    return conversation


def pick_up(session: Session, *, actor: User, conversation_id: int) -> Conversation:
    """ "I have it" on an urgent message: the first one wins, and it becomes theirs if nobody's."""
    conversation = get_hub_conversation_or_404(session, conversation_id, lock=True)
    if not conversation.urgent:
        raise Conflict("not_urgent", str(_l("Only urgent messages are picked up.")))
    if conversation.picked_up_by_id is not None:
        if conversation.picked_up_by_id == actor.id:
            return conversation
        holder = session.get(User, conversation.picked_up_by_id)
        name = holder.name if holder else str(_l("someone else"))
        raise Conflict("taken", str(_l("%(name)s already has it.", name=name)))
    conversation.picked_up_by_id, conversation.picked_up_at = actor.id, utcnow()
    conversation.assigned_to_id = conversation.assigned_to_id or actor.id
    session.flush()
    return conversation


def close_conversation(session: Session, *, actor: User, conversation_id: int) -> Conversation:
    """Done for now; nobody is told. The young person writing again opens it."""
    conversation = get_hub_conversation_or_404(session, conversation_id, lock=True)
    if conversation.status != ConversationStatus.CLOSED:
        conversation.status, conversation.closed_at = ConversationStatus.CLOSED, utcnow()
        session.flush()
    return conversation


def reopen_conversation(session: Session, *, actor: User, conversation_id: int) -> Conversation:
    conversation = get_hub_conversation_or_404(session, conversation_id, lock=True)
    if conversation.status == ConversationStatus.CLOSED:
        conversation.status, conversation.closed_at = ConversationStatus.OPEN, None
        session.flush()
    return conversation
