"""You said, we did: staff tell the young people what changed because of their ideas and feedback.

A post is public to everyone logged in; only staff write, edit and delete. It may point at the
idea (Proposal) it came from; the link is shown only to those who may open that idea.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Index
from sqlmodel import Field, Session, SQLModel, select

from hub.accounts.models import User, utc_column
from hub.core.forms import optional_id
from hub.db import MAX_ID, utcnow
from hub.errors import Forbidden, Invalid, NotFound
from hub.proposals import services as proposals
from hub.proposals.models import Proposal

TITLE_MAX = 120
TEXT_MAX = 1000
ON_HOME = 3  # the newest few on the young person's home
LIST_LIMIT = 100  # a year or two of posts; older ones are history, not news
CHOICES_LIMIT = 100  # the newest ideas offered in the form


class YouSaid(SQLModel, table=True):
    """One change the hub made because of what young people said."""

    __tablename__ = "you_said"
    __table_args__ = (Index("ix_you_said_posted_at", "posted_at"),)

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=TITLE_MAX)
    you_said: str = Field(max_length=TEXT_MAX)
    we_did: str = Field(max_length=TEXT_MAX)
    proposal_id: int | None = Field(default=None, foreign_key="proposal.id", ondelete="SET NULL")
    posted_by_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    posted_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(nullable=False))
    updated_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


class InvalidPost(Invalid):
    """Some fields are wrong; `errors` maps each field name to what to fix."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("invalid_you_said", next(iter(errors.values())))
        self.errors = errors


# --- reading ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shown:
    """A post as one person sees it: the idea behind it only if they may open that idea."""

    post: YouSaid
    poster_name: str
    proposal: Proposal | None

    @property
    def id(self) -> int:
        return self.post.id

    @property
    def proposal_path(self) -> str | None:
        return proposals.proposal_path(self.proposal.id) if self.proposal else None


def latest(session: Session, *, viewer: User, limit: int = LIST_LIMIT) -> list[Shown]:
    """The newest posts first, with who posted them and the idea behind them, in one query."""
    rows = session.exec(
        select(YouSaid, User.name, Proposal)
        .outerjoin(User, User.id == YouSaid.posted_by_id)
        .outerjoin(Proposal, Proposal.id == YouSaid.proposal_id)
        .order_by(YouSaid.posted_at.desc(), YouSaid.id.desc())
        .limit(limit)
    ).all()
    return [
        Shown(post, name or "", proposal if proposal is not None and proposals.can_see(viewer, proposal) else None)
        for post, name, proposal in rows
    ]


def proposal_choices(session: Session, keep: int | None = None) -> list[tuple[int, str]]:
    """The newest ideas to link a post to, and the one it already links to."""
    newest = (Proposal.created_at.desc(), Proposal.id.desc())
    rows = session.exec(select(Proposal.id, Proposal.title).order_by(*newest).limit(CHOICES_LIMIT)).all()
    choices = [(ident, title) for ident, title in rows]
    if keep is not None and keep not in {ident for ident, _title in choices}:
        kept = session.get(Proposal, keep)
        if kept is not None:
            choices.insert(0, (kept.id, kept.title))
    return choices


# --- writing ---------------------------------------------------------------------------------------


def _require_staff(actor: User) -> None:
    if not actor.is_staff_member:
        raise Forbidden("only_staff", str(_l("Only the staff at the hub can do this.")))


def _text(errors: dict, name: str, value: str, limit: int, empty) -> str:
    value = (value or "").strip()
    if not value:
        errors[name] = str(empty)
    elif len(value) > limit:
        errors[name] = str(_l("Keep it under %(max)d characters.", max=limit))
    return value


def _checked(session: Session, title: str, you_said: str, we_did: str, proposal_id: str | int | None) -> dict:
    errors: dict[str, str] = {}
    values = {
        "title": _text(errors, "title", title, TITLE_MAX, _l("Give it a short title.")),
        "you_said": _text(errors, "you_said", you_said, TEXT_MAX, _l("Write what the young people said.")),
        "we_did": _text(errors, "we_did", we_did, TEXT_MAX, _l("Write what the hub did about it.")),
        "proposal_id": None,
    }
    raw = str(proposal_id).strip() if proposal_id is not None else ""
    if raw:
        ident = optional_id(raw)
        if session.get(Proposal, ident) is None:
            errors["proposal_id"] = str(_l("Choose one of the ideas, or none."))
        values["proposal_id"] = ident
    if errors:
        raise InvalidPost(errors)
    return values


def post(
    session: Session, *, actor: User, title: str, you_said: str, we_did: str, proposal_id: str | int | None = None
) -> YouSaid:
    _require_staff(actor)
    item = YouSaid(**_checked(session, title, you_said, we_did, proposal_id), posted_by_id=actor.id)
    session.add(item)
    session.flush()
    return item


def get_or_404(session: Session, post_id: int) -> YouSaid:
    item = session.get(YouSaid, post_id) if 0 < post_id <= MAX_ID else None
    if item is None:
        raise NotFound("not_found", str(_l("We could not find that page")))
    return item


def update(
    session: Session,
    *,
    actor: User,
    post_id: int,
    title: str,
    you_said: str,
    we_did: str,
    proposal_id: str | int | None = None,
) -> YouSaid:
    _require_staff(actor)
    item = get_or_404(session, post_id)
    for name, value in _checked(session, title, you_said, we_did, proposal_id).items():
        setattr(item, name, value)
    item.updated_at = utcnow()
    session.flush()
    return item


def delete(session: Session, *, actor: User, post_id: int) -> None:
    _require_staff(actor)
    session.delete(get_or_404(session, post_id))
    session.flush()
