"""Logins on the server: one row per device, so that logging out ends every copy of a cookie.

The session cookie holds a random token; the database keeps only its SHA-256. A login ends
on logout, on a password change, when the account is disabled, after the idle timeout for
the person's role, or at the end of its absolute lifetime.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, update
from sqlmodel import Session, select

from hub.accounts.models import User, UserSession
from hub.db import new_session, utcnow

TOUCH_EVERY = timedelta(seconds=60)  # last_seen_at is updated at most this often


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def idle_timeout(user: User, remember: bool) -> timedelta:
    config = current_app.config
    if remember:
        return timedelta(minutes=config["REMEMBER_LIFETIME"])
    if user.is_staff_member:
        minutes = config["IDLE_TIMEOUT_STAFF"]
    elif user.is_young:
        minutes = config["IDLE_TIMEOUT_YOUNG"]
    else:
        minutes = config["IDLE_TIMEOUT_OTHER"]
    return timedelta(minutes=minutes)


def lifetime(remember: bool) -> timedelta:
    key = "REMEMBER_LIFETIME" if remember else "SESSION_LIFETIME"
    return timedelta(minutes=current_app.config[key])


def ends_at(login: UserSession, user: User, now: datetime) -> datetime:
    """When `login`, used at `now`, ends if the person does nothing more: its idle timeout,
    capped by its absolute lifetime. last_seen_at is stored at most every TOUCH_EVERY, so the
    idle end is counted from no later than that: a moment early rather than late."""
    seen = max(login.last_seen_at, now - TOUCH_EVERY)
    return min(seen + idle_timeout(user, login.remember), login.created_at + lifetime(login.remember))


def can_remember(user: User) -> bool:
    """Staff log in afresh each time: they see other people's sensitive data."""
    return not user.is_staff_member


def start_login(
    session: Session, user: User, *, remember: bool, user_agent: str | None, second_factor: bool = False
) -> str:
    """A new login; `second_factor` when it was made with one (a passkey that verified its user)."""
    token = secrets.token_urlsafe(32)
    session.add(
        UserSession(
            token_hash=hash_token(token),
            user_id=user.id,
            remember=remember and can_remember(user),
            user_agent=(user_agent or "")[:300] or None,
            second_factor_at=utcnow() if second_factor else None,
        )
    )
    session.flush()
    user.bind_login(token)
    return token


def load_login(session: Session, token: str) -> tuple[User, UserSession] | None:
    """The user behind a login token, or None if the login has ended or timed out."""
    row = session.exec(
        select(UserSession, User)
        .join(User, User.id == UserSession.user_id)
        .where(UserSession.token_hash == hash_token(token), UserSession.ended_at.is_(None))
    ).first()
    if row is None:
        return None
    login, user = row
    now = utcnow()
    ended = None
    if not user.is_active:
        ended = "disabled"
    elif now - login.last_seen_at > idle_timeout(user, login.remember):
        ended = "idle"
    elif now - login.created_at > lifetime(login.remember):
        ended = "expired"
    if ended:
        _bookkeep(
            session,
            update(UserSession)
            .where(UserSession.id == login.id, UserSession.ended_at.is_(None))
            .values(ended_at=now, ended_reason=ended),
        )
        return None
    if now - login.last_seen_at > TOUCH_EVERY:
        _bookkeep(session, update(UserSession).where(UserSession.id == login.id).values(last_seen_at=now))
    user.bind_login(token)
    return user, login


def end_login(session: Session, token: str, reason: str = "logout") -> None:
    session.exec(
        update(UserSession)
        .where(UserSession.token_hash == hash_token(token), UserSession.ended_at.is_(None))
        .values(ended_at=utcnow(), ended_reason=reason)
    )


def mark_second_factor(session: Session, token: str) -> None:
    """This login has now proved a second factor."""
    session.exec(
        update(UserSession)
        .where(UserSession.token_hash == hash_token(token), UserSession.ended_at.is_(None))
        .values(second_factor_at=utcnow())
    )


def end_all_logins(session: Session, user_id: int, *, reason: str, keep_token: str | None = None) -> int:
    """End every open login of a user (but `keep_token`'s); returns how many ended."""
    statement = select(UserSession.id).where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
    if keep_token:
        statement = statement.where(UserSession.token_hash != hash_token(keep_token))
    return end_logins(session, list(session.exec(statement).all()), reason=reason)


def end_logins(session: Session, ids: list[int], *, reason: str) -> int:
    """End these logins and forget the push subscriptions made in them: a lost or passed-on
    phone stops showing our notifications too. Returns how many were still open."""
    if not ids:
        return 0
    from hub.notifications.models import PushSubscription  # notifications build on accounts

    ended = session.exec(
        update(UserSession)
        .where(UserSession.id.in_(ids), UserSession.ended_at.is_(None))
        .values(ended_at=utcnow(), ended_reason=reason)
    ).rowcount
    session.exec(delete(PushSubscription).where(PushSubscription.login_id.in_(ids)))
    return ended


# Bookkeeping on a read request runs in its own short write transaction, so a GET never holds
# the write lock and a failed touch never fails the page. A write request already holds the
# lock (BEGIN IMMEDIATE on SQLite), so there it rides along in the request's own transaction.
def _bookkeep(session: Session, statement) -> None:
    if session.get_bind().get_execution_options().get("hub_write"):
        session.exec(statement)
        return
    side = new_session(write=True)
    try:
        side.exec(statement)
        side.commit()
    except Exception:
        side.rollback()
        current_app.logger.warning("login bookkeeping skipped", exc_info=True)
    finally:
        side.close()
