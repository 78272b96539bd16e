"""My sessions: a person's open logins, and ending one, all the others, or (an admin) all of them.

Ending a login also forgets the push subscriptions made in it: a lost or passed-on phone stops
showing our notifications too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, select

from hub.accounts.logins import end_all_logins, end_logins, hash_token, idle_timeout, lifetime
from hub.accounts.models import User, UserSession
from hub.db import utcnow
from hub.errors import Forbidden, Invalid, NotFound

REVOKED = "revoked"  # ended_reason when a person ends one of their own logins from the list
BY_ADMIN = "admin"  # ended_reason when an admin ends all of a person's logins


@dataclass(frozen=True)
class OpenLogin:
    id: int
    user_agent: str | None
    created_at: datetime
    last_seen_at: datetime
    remember: bool
    is_current: bool


def open_logins(session: Session, user: User, *, current_token: str | None) -> list[OpenLogin]:
    """Where `user` is logged in now: this login first, then the most recently used."""
    current_hash = hash_token(current_token) if current_token else None
    now = utcnow()
    rows = session.exec(
        select(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())
    ).all()
    logins = [
        OpenLogin(
            id=row.id,
            user_agent=row.user_agent,
            created_at=row.created_at,
            last_seen_at=row.last_seen_at,
            remember=row.remember,
            is_current=row.token_hash == current_hash,
        )
        for row in rows
        # A login past its idle or absolute limit is ended the next time it is used; it is not open.
        if now - row.last_seen_at <= idle_timeout(user, row.remember) and now - row.created_at <= lifetime(row.remember)
    ]
    return sorted(logins, key=lambda login: not login.is_current)


def end_my_login(session: Session, *, user: User, login_id: int, current_token: str | None) -> bool:
    """End one of `user`'s open logins; True when it was the one making this request."""
    login = session.exec(
        select(UserSession).where(
            UserSession.id == login_id, UserSession.user_id == user.id, UserSession.ended_at.is_(None)
        )
    ).first()
    if login is None:  # someone else's, or already ended: the same answer
        raise NotFound("login_not_found", str(_l("That login has already ended.")))
    end_logins(session, [login.id], reason=REVOKED)
    return current_token is not None and login.token_hash == hash_token(current_token)


def end_other_logins(session: Session, *, user: User, current_token: str) -> int:
    """End every open login of `user` but this one; returns how many ended."""
    return end_all_logins(session, user.id, reason=REVOKED, keep_token=current_token)


def end_all_logins_by_admin(session: Session, *, actor: User, user: User) -> int:
    """An admin logs a person out everywhere (a lost phone, a shared account); returns how many ended."""
    if not actor.is_admin:
        raise Forbidden("admin_only", str(_l("Only an administrator can end another person's logins.")))
    if actor.id == user.id:
        raise Invalid("own_logins", str(_l("To end your own logins, use My sessions.")))
    return end_all_logins(session, user.id, reason=BY_ADMIN)
