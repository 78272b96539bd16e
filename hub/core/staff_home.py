"""The staff home: one screen for a shift, read in a fixed number of queries however much data there is.

Each section comes from the domain that owns it (events, messages, support, check-ins, klip);
what is new here is how it is put together, and two questions no domain asks on its own:
who has had no contact with the hub for a long time, and whose klip run out soon.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from hub.accounts.models import User, UserSession
from hub.checkins import queries as checkin_queries
from hub.checkins.models import CheckIn
from hub.credits.ledger import replay
from hub.credits.models import KlipEntry
from hub.events import staff_queries as event_queries
from hub.events.models import Booking
from hub.messages import hours
from hub.messages import inbox as hub_inbox
from hub.messages.models import Conversation, ConversationStatus, Message
from hub.messages.urgency import UrgentClock, escalate_minutes, urgent_clock
from hub.support import menu_staff
from hub.support.models import Nomination, NominationStatus

QUIET_DAYS = 30  # no check-in, message, booking or login for this long: someone should get in touch
KLIP_DAYS = 14  # klip that run out within this many days
SHOWN = 8  # rows per section; the section's own page has the rest
OPEN_LIMIT = 200  # open conversations read for the promise column; more is a crisis of its own


# --- events today and tomorrow --------------------------------------------------------------------


# --- the inbox, with each waiting conversation against its promise ------------------------------------


@dataclass(frozen=True)
class Waiting:
    """A hub conversation where it is the hub's turn: how long it has waited, and the promise."""

    conversation: Conversation
    young: User
    since: datetime  # the young person's first unanswered words
    due: datetime | None  # the promised answer, in opening hours; None: no promise can be made
    now: datetime
    clock: UrgentClock | None = None  # an urgent one runs on its own clock, not the topic's promise

    @property
    def waited(self) -> timedelta:
        return self.now - self.since

    @property
    def late(self) -> timedelta | None:
        """How far past the promise it is, or None while there is still time (or it is urgent)."""
        if self.clock is not None:
            return None
        return self.now - self.due if self.due is not None and self.now > self.due else None

    @property
    def left(self) -> timedelta | None:
        if self.clock is not None:
            return None
        return self.due - self.now if self.due is not None and self.now <= self.due else None

    @property
    def needs_pick_up(self) -> bool:
        return self.conversation.urgent and self.conversation.picked_up_at is None

    @property
    def topic_label(self):
        return hub_inbox.TOPIC_LABELS.get(self.conversation.topic, self.conversation.topic)


@dataclass(frozen=True)
class Inbox:
    urgent: list[Waiting]  # urgent and nobody has picked it up
    waiting: list[Waiting]  # the first SHOWN: urgent first, then the latest past its promise, then the soonest due
    waiting_total: int
    new: int
    mine: int
    oldest_waiting: Waiting | None  # the longest wait that is not urgent


def _unanswered_since(session: Session, ids: list[int]) -> dict[int, datetime]:
    """Per conversation, when the young person's unanswered words began (services.waiting_since,
    for many conversations in one query): their first message after the hub's last answer."""
    if not ids:
        return {}
    answer = aliased(Message)
    last_answer = (
        select(func.max(answer.created_at))
        .where(
            answer.conversation_id == Message.conversation_id,
            answer.author_id != Conversation.young_id,
            answer.internal.is_(False),
        )
        .correlate(Message, Conversation)
        .scalar_subquery()
    )
    rows = session.exec(
        select(Message.conversation_id, func.min(Message.created_at))
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(
            Message.conversation_id.in_(ids),
            Message.author_id == Conversation.young_id,
            Message.internal.is_(False),
            or_(last_answer.is_(None), Message.created_at > last_answer),
        )
        .group_by(Message.conversation_id)
    ).all()
    return dict(rows)


def _urgency(row: Waiting) -> tuple:
    if row.needs_pick_up:
        return (0, row.since.timestamp())
    if row.late is not None:
        return (1, -row.late.total_seconds())
    return (2, row.due.timestamp() if row.due else float("inf"))


def inbox(session: Session, *, viewer: User, now: datetime) -> Inbox:
    """Five queries: the tab counts, the open conversations, when each began to wait, the opening
    hours and the reply norms. The promise is counted in opening hours, as the young person was told."""
    counts = hub_inbox.tab_counts(session, viewer=viewer, filters=hub_inbox.Filters())
    rows = session.exec(
        select(Conversation, User)
        .join(User, User.id == Conversation.young_id)
        .where(Conversation.supporter_id.is_(None), Conversation.status == ConversationStatus.OPEN)
        .order_by(Conversation.urgent.desc(), Conversation.last_message_at, Conversation.id)
        .limit(OPEN_LIMIT)
    ).all()
    since = _unanswered_since(session, [conversation.id for conversation, _young in rows])
    opening = hours.opening_hours(session)
    norms = hours.response_norms(session)
    minutes = escalate_minutes()
    waiting = []
    for conversation, young in rows:
        began = since.get(conversation.id, conversation.last_message_at)
        norm = norms.get(conversation.topic, hours.DEFAULT_RESPONSE_HOURS)
        due = hours.reply_due(opening, began, norm)
        waiting.append(Waiting(conversation, young, began, due, now, urgent_clock(conversation, now, minutes)))
    waiting.sort(key=_urgency)
    calm = [row for row in waiting if not row.conversation.urgent]
    return Inbox(
        urgent=[row for row in waiting if row.needs_pick_up],
        waiting=waiting[:SHOWN],
        waiting_total=len(waiting),
        new=counts["new"],
        mine=counts["mine"],
        oldest_waiting=min(calm, key=lambda row: row.since, default=None),
    )


# --- support requests and nominations ----------------------------------------------------------------


def support(session: Session) -> dict:
    """What waits in support: the counts and oldest requests as the support card has them, and the
    nominations waiting, oldest first, so each can be opened from here."""
    summary = menu_staff.summary(session)
    summary["oldest"] = menu_staff.waiting_requests(session, limit=SHOWN)
    summary["nominees"] = list(
        session.exec(
            select(Nomination, User)
            .join(User, User.id == Nomination.young_id)
            .where(Nomination.status == NominationStatus.WAITING)
            .order_by(Nomination.created_at, Nomination.id)
            .limit(SHOWN)
        ).all()
    )
    return summary


# --- check-ins overdue ---------------------------------------------------------------------------------


def checkins(session: Session, *, viewer: User, today: date, quiet_days: int) -> dict:
    overview = checkin_queries.staff_overview(session, today, quiet_days)
    return {
        "overdue": len(overview.overdue),
        "quiet": len(overview.quiet),
        "overdue_rows": overview.overdue[:SHOWN],
        "mine": len(checkin_queries.my_young_people(session, viewer, today)),
    }


# --- nobody has heard from them ------------------------------------------------------------------------


@dataclass(frozen=True)
class Quiet:
    young: User
    last_on: date | None  # the last day of any contact; None: never
    days: int | None


def _latest(*moments: date | datetime | None, tz: ZoneInfo) -> date | None:
    days = [m.astimezone(tz).date() if isinstance(m, datetime) else m for m in moments if m is not None]
    return max(days, default=None)


def quiet(session: Session, *, now: datetime, tz: ZoneInfo, days: int = QUIET_DAYS) -> list[Quiet]:
    """Young people with no check-in, no message of their own, no booking or visit and no login
    for `days` days, in one query: the latest of each, grouped per person, joined to the people.

    Someone whose account is younger than that, who is away ("åben dør") or disabled is left out.
    Never heard from first, then the longest quiet.
    """
    cutoff = now - timedelta(days=days)
    cutoff_day = cutoff.astimezone(tz).date()
    checked = (
        select(CheckIn.young_id.label("who"), func.max(CheckIn.happened_on).label("at"))
        .group_by(CheckIn.young_id)
        .subquery()
    )
    wrote = (
        select(Conversation.young_id.label("who"), func.max(Message.created_at).label("at"))
        .join(Message, Message.conversation_id == Conversation.id)
        .where(Message.author_id == Conversation.young_id)
        .group_by(Conversation.young_id)
        .subquery()
    )
    booked = (
        select(
            Booking.user_id.label("who"),
            func.max(Booking.created_at).label("at"),
            func.max(Booking.checked_in_at).label("came"),
        )
        .group_by(Booking.user_id)
        .subquery()
    )
    seen = (
        select(UserSession.user_id.label("who"), func.max(UserSession.last_seen_at).label("at"))
        .group_by(UserSession.user_id)
        .subquery()
    )

    def before(column, limit):
        return or_(column.is_(None), column < limit)

    rows = session.exec(
        select(User, checked.c.at, wrote.c.at, booked.c.at, booked.c.came, seen.c.at)
        .outerjoin(checked, checked.c.who == User.id)
        .outerjoin(wrote, wrote.c.who == User.id)
        .outerjoin(booked, booked.c.who == User.id)
        .outerjoin(seen, seen.c.who == User.id)
        .where(
            User.is_young,
            User.disabled_at.is_(None),
            User.left_at.is_(None),
            User.created_at < cutoff,
            before(checked.c.at, cutoff_day),
            before(wrote.c.at, cutoff),
            before(booked.c.at, cutoff),
            before(booked.c.came, cutoff),
            before(seen.c.at, cutoff),
        )
    ).all()
    today = now.astimezone(tz).date()
    found = []
    for young, *moments in rows:
        last = _latest(*moments, tz=tz)
        found.append(Quiet(young, last, (today - last).days if last else None))
    found.sort(key=lambda q: (q.last_on is not None, q.last_on or date.min, q.young.name))
    return found


# --- klip about to run out ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Expiring:
    young: User
    amount: int  # klip left that run out within the window
    first_at: datetime  # when the first of them runs out


def klip_expiring(session: Session, *, now: datetime, days: int = KLIP_DAYS) -> list[Expiring]:
    """Young people with unspent klip that run out within `days` days, soonest first.

    Two queries: every entry of the people who have a lot ending in the window, so each ledger
    can be replayed (a lot ending soon may already be spent), then the people with some left.
    The entries are read as plain rows: where most young people hold a monthly allotment there
    are many, and the replay needs only a few of their columns.
    """
    until = now + timedelta(days=days)
    holders = select(KlipEntry.user_id).where(
        KlipEntry.amount > 0, KlipEntry.expires_at > now, KlipEntry.expires_at <= until
    )
    entries: dict[int, list] = defaultdict(list)
    columns = (KlipEntry.id, KlipEntry.user_id, KlipEntry.amount, KlipEntry.kind, KlipEntry.source_entry_id)
    for entry in session.exec(
        select(*columns, KlipEntry.expires_at, KlipEntry.created_at).where(KlipEntry.user_id.in_(holders))
    ).all():
        entries[entry.user_id].append(entry)
    running_out: dict[int, tuple[int, datetime]] = {}
    for user_id, theirs in entries.items():
        soon = [lot for lot in replay(theirs).expiring(now) if lot.expires_at <= until]
        if soon:
            running_out[user_id] = (sum(lot.remaining for lot in soon), soon[0].expires_at)
    if not running_out:
        return []
    people = session.exec(select(User).where(User.id.in_(holders), User.disabled_at.is_(None))).all()
    found = [Expiring(person, *running_out[person.id]) for person in people if person.id in running_out]
    found.sort(key=lambda e: (e.first_at, e.young.name))
    return found


# --- the whole screen ------------------------------------------------------------------------------------


@dataclass
class StaffHome:
    days: dict
    inbox: Inbox
    support: dict
    checkins: dict
    quiet: list[Quiet]
    klip: list[Expiring]
    quiet_days: int = QUIET_DAYS
    klip_days: int = KLIP_DAYS

    @property
    def quiet_shown(self) -> list[Quiet]:
        return self.quiet[:SHOWN]

    @property
    def klip_shown(self) -> list[Expiring]:
        return self.klip[:SHOWN]


def build(
    session: Session,
    *,
    viewer: User,
    now: datetime,
    tz: ZoneInfo,
    quiet_days: int = QUIET_DAYS,
    checkin_quiet_days: int = 42,
) -> StaffHome:
    """Everything on the staff home. Only staff see it: the caller checks the role."""
    today = now.astimezone(tz).date()
    return StaffHome(
        days=event_queries.event_days(session, now, tz),
        inbox=inbox(session, viewer=viewer, now=now),
        support=support(session),
        checkins=checkins(session, viewer=viewer, today=today, quiet_days=checkin_quiet_days),
        quiet=quiet(session, now=now, tz=tz, days=quiet_days),
        klip=klip_expiring(session, now=now),
        quiet_days=quiet_days,
    )
