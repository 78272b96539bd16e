"""Youth-driven activities: a young person proposes, others back it, staff decide and make it an event.

A proposal is the young person's own idea, shown to their peers with their first name.
Backing is one row per person and proposal; the unique constraint makes a double tap harmless.
Deciding locks the proposal row first, so two staff members cannot decide it twice at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from hub.accounts.models import User
from hub.db import utcnow
from hub.errors import Conflict, Forbidden, Invalid, NotFound
from hub.events.models import Event
from hub.notifications.services import notify
from hub.proposals.models import Proposal, ProposalBacker, ProposalComment, ProposalStatus

TITLE_MAX = 120
TEXT_MAX = 2000
COST_MAX_KR = 100_000
MAX_OPEN_PER_PERSON = 5
LIST_LIMIT = 200  # a hub of a few hundred young people; more than this on one tab needs paging

BACKABLE = (ProposalStatus.OPEN, ProposalStatus.APPROVED)
CAN_APPROVE_FROM = (ProposalStatus.OPEN, ProposalStatus.DECLINED)  # the door stays open
CAN_DECLINE_FROM = (ProposalStatus.OPEN, ProposalStatus.APPROVED)
PUBLIC = (ProposalStatus.OPEN, ProposalStatus.APPROVED, ProposalStatus.EVENT)

STATUS_LABELS = {
    ProposalStatus.OPEN: _l("Open for backing"),
    ProposalStatus.APPROVED: _l("Approved"),
    ProposalStatus.DECLINED: _l("Not this time"),
    ProposalStatus.EVENT: _l("Now an event"),
}


def proposal_path(proposal_id: int) -> str:
    # Services also run outside a request (jobs), where url_for cannot build a path.
    return f"/ideas/{proposal_id}"


@dataclass(frozen=True)
class ProposalCard:
    """A proposal as a list or a button shows it: counts and what this person may do."""

    proposal: Proposal
    author_name: str
    backers: int
    comments: int
    i_back: bool
    can_back: bool
    is_mine: bool

    @property
    def id(self) -> int:
        return self.proposal.id

    @property
    def status_label(self):
        return STATUS_LABELS[ProposalStatus(self.proposal.status)]


@dataclass(frozen=True)
class CommentView:
    comment: ProposalComment
    author_name: str
    from_staff: bool


# --- who may do what ---------------------------------------------------------------------


def can_see(user: User, proposal: Proposal) -> bool:
    """Staff see every proposal; young people see their peers' public ones and all of their own."""
    if user.is_staff_member:
        return True
    if not user.is_young:
        return False
    return proposal.status in PUBLIC or proposal.author_id == user.id


def _may_back(user: User, proposal: Proposal) -> bool:
    return user.is_young and proposal.author_id != user.id and proposal.status in BACKABLE


def may_comment(user: User, proposal: Proposal) -> bool:
    return user.is_staff_member or proposal.author_id == user.id


def ensure_may_comment(user: User, proposal: Proposal) -> None:
    if not may_comment(user, proposal):
        raise Forbidden("cannot_comment", _("Only the staff and the person behind the idea can write here."))


def may_approve(user: User, proposal: Proposal) -> bool:
    return user.is_staff_member and proposal.status in CAN_APPROVE_FROM


def may_decline(user: User, proposal: Proposal) -> bool:
    return user.is_staff_member and proposal.status in CAN_DECLINE_FROM


def may_make_event(user: User, proposal: Proposal) -> bool:
    return user.is_staff_member and proposal.status == ProposalStatus.APPROVED


def get_visible(session: Session, *, actor: User, proposal_id: int) -> Proposal:
    proposal = session.get(Proposal, proposal_id)
    if proposal is None or not can_see(actor, proposal):
        raise NotFound("not_found", _("We could not find that idea."))
    return proposal


def _require_staff(actor: User) -> None:
    if not actor.is_staff_member:
        raise Forbidden("only_staff", _("Only the staff at the hub can do this."))


def _require_young(actor: User, message: str) -> None:
    if not actor.is_young:
        raise Forbidden("only_young", message)


def _lock(session: Session, proposal: Proposal) -> Proposal:
    session.refresh(proposal, with_for_update=True)
    return proposal


# --- checking what people wrote --------------------------------------------------------------


def _text(value: str | None, *, code: str, required: bool, limit: int, empty, too_long) -> str:
    value = (value or "").strip()
    if required and not value:
        raise Invalid(f"{code}_missing", str(empty))
    if len(value) > limit:
        raise Invalid(f"{code}_too_long", str(too_long))
    return value


def _amount(value: int | None, *, code: str) -> int | None:
    if value is None:
        return None
    if value < 0:
        raise Invalid(f"{code}_negative", _("The amount cannot be less than 0 kr."))
    if value > COST_MAX_KR:
        raise Invalid(f"{code}_too_high", _("The amount can be at most %(max)d kr.", max=COST_MAX_KR))
    return value


def _comment_body(body: str | None) -> str:
    return _text(
        body,
        code="comment",
        required=True,
        limit=TEXT_MAX,
        empty=_l("Write something first."),
        too_long=_l("Keep it under %(max)d characters.", max=TEXT_MAX),
    )


# --- proposing and backing -------------------------------------------------------------------


def propose(
    session: Session,
    *,
    actor: User,
    title: str,
    what: str,
    why: str = "",
    rough_cost_kr: int | None = None,
) -> Proposal:
    """A young person shares an idea with their peers and the staff."""
    _require_young(actor, _("Ideas come from the young people at the hub."))
    title = _text(
        title,
        code="title",
        required=True,
        limit=TITLE_MAX,
        empty=_l("Give your idea a short name."),
        too_long=_l("Keep the name under %(max)d characters.", max=TITLE_MAX),
    )
    what = _text(
        what,
        code="what",
        required=True,
        limit=TEXT_MAX,
        empty=_l("Tell us what you would like to do."),
        too_long=_l("Keep it under %(max)d characters.", max=TEXT_MAX),
    )
    why = _text(
        why,
        code="why",
        required=False,
        limit=TEXT_MAX,
        empty=None,
        too_long=_l("Keep it under %(max)d characters.", max=TEXT_MAX),
    )
    rough_cost_kr = _amount(rough_cost_kr, code="cost")
    # Lock the author's row so two quick submits cannot both slip under the limit.
    session.exec(
        select(User.id).where(User.id == actor.id).with_for_update().execution_options(populate_existing=True)
    ).one()
    open_count = count_open(session, actor)
    if open_count >= MAX_OPEN_PER_PERSON:
        raise Conflict(
            "too_many_open",
            _(
                "You already have %(count)d ideas waiting for an answer. When the staff have looked at one, "
                "you can share a new one.",
                count=open_count,
            ),
        )
    proposal = Proposal(author_id=actor.id, title=title, what=what, why=why, rough_cost_kr=rough_cost_kr)
    session.add(proposal)
    session.flush()
    return proposal


def count_open(session: Session, user: User) -> int:
    """How many of this person's ideas are still waiting for the staff's answer."""
    return session.exec(
        select(func.count())
        .select_from(Proposal)
        .where(Proposal.author_id == user.id, Proposal.status == ProposalStatus.OPEN)
    ).one()


def back(session: Session, *, actor: User, proposal: Proposal) -> None:
    """Say "I'd join this". Backing twice is the same as backing once."""
    _require_young(actor, _("Only young people back ideas."))
    if proposal.author_id == actor.id:
        raise Forbidden("own_idea", _("This is your own idea, so you are already in."))
    if proposal.status not in BACKABLE:
        raise Conflict("not_backable", _("This idea can no longer be backed."))
    if _backs(session, actor.id, proposal.id):
        return
    try:
        # A double tap sends two requests at once: the unique constraint keeps one row.
        with session.begin_nested():
            session.add(ProposalBacker(proposal_id=proposal.id, user_id=actor.id))
    except IntegrityError:
        pass


def unback(session: Session, *, actor: User, proposal: Proposal) -> None:
    """Take your backing back. Doing it twice is the same as once."""
    _require_young(actor, _("Only young people back ideas."))
    session.exec(
        delete(ProposalBacker).where(ProposalBacker.proposal_id == proposal.id, ProposalBacker.user_id == actor.id)
    )
    session.flush()


def _backs(session: Session, user_id: int, proposal_id: int) -> bool:
    found = session.exec(
        select(ProposalBacker.id).where(ProposalBacker.proposal_id == proposal_id, ProposalBacker.user_id == user_id)
    ).first()
    return found is not None


# --- the conversation and the decision -----------------------------------------------------


def comment(session: Session, *, actor: User, proposal: Proposal, body: str) -> ProposalComment:
    """Staff ask and answer; the young person whose idea it is can reply."""
    ensure_may_comment(actor, proposal)
    entry = ProposalComment(proposal_id=proposal.id, author_id=actor.id, body=_comment_body(body))
    session.add(entry)
    session.flush()
    if actor.is_staff_member and actor.id != proposal.author_id:
        notify(
            session,
            session.get(User, proposal.author_id),
            kind="proposal_comment",
            title=_l("New comment on your idea: %(title)s", title=proposal.title),
            body=_l("%(name)s from the hub wrote to you about it.", name=actor.display_name),
            url=proposal_path(proposal.id),
        )
    return entry


def approve(session: Session, *, actor: User, proposal: Proposal, budget_kr: int | None = None) -> Proposal:
    """Staff say yes, perhaps with money from the youth budget ("ungebudget")."""
    _require_staff(actor)
    budget_kr = _amount(budget_kr, code="budget")
    _lock(session, proposal)
    if proposal.status not in CAN_APPROVE_FROM:
        raise Conflict("not_open", _("This idea has already been decided."))
    proposal.status = ProposalStatus.APPROVED
    proposal.budget_kr = budget_kr
    proposal.decided_by_id = actor.id
    proposal.decided_at = utcnow()
    session.flush()
    if budget_kr:
        body = _l("The staff said yes, with %(budget)d kr. from the youth budget.", budget=budget_kr)
    else:
        body = _l("The staff said yes. Next, they will help you make it happen.")
    notify(
        session,
        session.get(User, proposal.author_id),
        kind="proposal_approved",
        title=_l("Your idea is a go: %(title)s", title=proposal.title),
        body=body,
        url=proposal_path(proposal.id),
    )
    return proposal


def decline(session: Session, *, actor: User, proposal: Proposal, reason: str) -> Proposal:
    """Staff say no for now, and always say why: the reason is kept as a comment."""
    _require_staff(actor)
    reason = _text(
        reason,
        code="reason",
        required=True,
        limit=TEXT_MAX,
        empty=_l("Write a few kind words about why, so they understand."),
        too_long=_l("Keep it under %(max)d characters.", max=TEXT_MAX),
    )
    _lock(session, proposal)
    if proposal.status not in CAN_DECLINE_FROM:
        raise Conflict("not_open", _("This idea has already been decided."))
    proposal.status = ProposalStatus.DECLINED
    proposal.budget_kr = None
    proposal.decided_by_id = actor.id
    proposal.decided_at = utcnow()
    session.add(ProposalComment(proposal_id=proposal.id, author_id=actor.id, body=reason))
    session.flush()
    notify(
        session,
        session.get(User, proposal.author_id),
        kind="proposal_declined",
        title=_l("About your idea: %(title)s", title=proposal.title),
        body=_l("The staff could not say yes this time. Read why, and what could work instead."),
        url=proposal_path(proposal.id),
    )
    return proposal


def mark_as_event(session: Session, *, actor: User, proposal: Proposal, event: Event) -> Proposal:
    """`event` grew from this idea: link the two and tell the proposer and the backers.

    Meant for the staff event form (/staff/events/new?proposal=<id>), in the transaction that
    creates the event. Making an event is a yes, so an open idea counts as approved now.
    Calling it again (a weekly series) only links the event; nobody is told twice.
    """
    _require_staff(actor)
    _lock(session, proposal)
    if proposal.status == ProposalStatus.EVENT:
        event.proposal_id = proposal.id
        session.flush()
        return proposal
    if proposal.status not in (ProposalStatus.OPEN, ProposalStatus.APPROVED):
        raise Conflict("not_approved", _("This idea was declined. Approve it first, then make it an event."))
    if proposal.decided_at is None:
        proposal.decided_by_id = actor.id
        proposal.decided_at = utcnow()
    event.proposal_id = proposal.id
    proposal.status = ProposalStatus.EVENT
    session.flush()
    event_path = f"/events/{event.id}" if event.id else proposal_path(proposal.id)
    author = session.get(User, proposal.author_id)
    notify(
        session,
        author,
        kind="proposal_event",
        title=_l("Your idea is happening: %(title)s", title=event.title),
        body=_l("It is on the hub's calendar now, with your name on it."),
        url=event_path,
    )
    backers = session.exec(
        select(User)
        .join(ProposalBacker, ProposalBacker.user_id == User.id)
        .where(ProposalBacker.proposal_id == proposal.id)
    ).all()
    for backer in backers:
        notify(
            session,
            backer,
            kind="proposal_event",
            title=_l("An idea you backed is happening: %(title)s", title=event.title),
            body=_l("Book a place before it fills up."),
            url=event_path,
        )
    return proposal


def proposal_credit(session: Session, event: Event) -> str | None:
    """ "Proposed by Sara" for an event that grew from a young person's idea, else None."""
    if getattr(event, "proposal_id", None) is None:
        return None
    author = session.exec(
        select(User).join(Proposal, Proposal.author_id == User.id).where(Proposal.id == event.proposal_id)
    ).first()
    return _("Proposed by %(name)s", name=author.display_name) if author else None


# --- reading ---------------------------------------------------------------------------------


def cards(
    session: Session,
    *,
    actor: User,
    statuses: tuple[str, ...] | None = None,
    author_id: int | None = None,
    proposal_id: int | None = None,
) -> list[ProposalCard]:
    """Proposals with their counts, most backed first, in one query."""
    backer_counts = (
        select(ProposalBacker.proposal_id, func.count().label("n")).group_by(ProposalBacker.proposal_id).subquery()
    )
    comment_counts = (
        select(ProposalComment.proposal_id, func.count().label("n")).group_by(ProposalComment.proposal_id).subquery()
    )
    mine = aliased(ProposalBacker)
    backers = func.coalesce(backer_counts.c.n, 0)
    statement = (
        select(Proposal, User, backers, func.coalesce(comment_counts.c.n, 0), mine.id)
        .join(User, User.id == Proposal.author_id)
        .outerjoin(backer_counts, backer_counts.c.proposal_id == Proposal.id)
        .outerjoin(comment_counts, comment_counts.c.proposal_id == Proposal.id)
        .outerjoin(mine, (mine.proposal_id == Proposal.id) & (mine.user_id == actor.id))
        .order_by(backers.desc(), Proposal.created_at.desc(), Proposal.id.desc())
        .limit(LIST_LIMIT)
    )
    if statuses is not None:
        statement = statement.where(Proposal.status.in_(statuses))
    if author_id is not None:
        statement = statement.where(Proposal.author_id == author_id)
    if proposal_id is not None:
        statement = statement.where(Proposal.id == proposal_id)
    return [
        ProposalCard(
            proposal=proposal,
            author_name=author.display_name,
            backers=backer_count,
            comments=comment_count,
            i_back=my_backing is not None,
            can_back=_may_back(actor, proposal),
            is_mine=proposal.author_id == actor.id,
        )
        for proposal, author, backer_count, comment_count, my_backing in session.exec(statement).all()
        if can_see(actor, proposal)
    ]


def card(session: Session, *, actor: User, proposal: Proposal) -> ProposalCard:
    found = cards(session, actor=actor, proposal_id=proposal.id)
    if not found:
        raise NotFound("not_found", _("We could not find that idea."))
    return found[0]


def thread(session: Session, proposal: Proposal) -> list[CommentView]:
    """The comments on a proposal, oldest first, with their writers, in one query."""
    rows = session.exec(
        select(ProposalComment, User)
        .join(User, User.id == ProposalComment.author_id)
        .where(ProposalComment.proposal_id == proposal.id)
        .order_by(ProposalComment.created_at, ProposalComment.id)
    ).all()
    return [CommentView(entry, user.display_name, user.is_staff_member) for entry, user in rows]


def backer_names(session: Session, proposal: Proposal) -> list[str]:
    """Who backs it, for the staff planning the activity."""
    users = session.exec(
        select(User)
        .join(ProposalBacker, ProposalBacker.user_id == User.id)
        .where(ProposalBacker.proposal_id == proposal.id)
        .order_by(ProposalBacker.created_at)
    ).all()
    return [user.display_name for user in users]


def author_of(session: Session, proposal: Proposal) -> User:
    return session.get(User, proposal.author_id)


def event_for(session: Session, proposal: Proposal) -> Event | None:
    return session.exec(select(Event).where(Event.proposal_id == proposal.id).order_by(Event.starts_at)).first()
