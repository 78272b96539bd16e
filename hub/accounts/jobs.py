"""Scheduled housekeeping for accounts."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, or_
from sqlmodel import Session

from hub.accounts.models import AccountToken, User, UserSession
from hub.db import utcnow

KEEP_ENDED = timedelta(days=90)
KEEP_UNCONFIRMED = timedelta(days=3)  # the link lasts a day; a little longer to ask again


def purge_old_logins(session: Session) -> int:
    """Forget logins that ended, and links that were used or expired, over 90 days ago, and
    sign-ups whose address was not confirmed within three days (their links go with them)."""
    unconfirmed = session.exec(delete(User).where(User.unconfirmed_since < utcnow() - KEEP_UNCONFIRMED)).rowcount
    cutoff = utcnow() - KEEP_ENDED
    logins = session.exec(delete(UserSession).where(UserSession.ended_at < cutoff)).rowcount
    links = session.exec(
        delete(AccountToken).where(or_(AccountToken.used_at < cutoff, AccountToken.expires_at < cutoff))
    ).rowcount
    return unconfirmed + logins + links
