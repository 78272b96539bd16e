"""Scheduled housekeeping for accounts."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, or_
from sqlmodel import Session

from hub.accounts.models import AccountToken, UserSession
from hub.db import utcnow

KEEP_ENDED = timedelta(days=90)


def purge_old_logins(session: Session) -> int:
    """Forget logins that ended, and links that were used or expired, over 90 days ago."""
    cutoff = utcnow() - KEEP_ENDED
    logins = session.exec(delete(UserSession).where(UserSession.ended_at < cutoff)).rowcount
    links = session.exec(
        delete(AccountToken).where(or_(AccountToken.used_at < cutoff, AccountToken.expires_at < cutoff))
    ).rowcount
    return logins + links
