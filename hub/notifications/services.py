"""Record a notification for a person, in their own language. Push delivery reads these."""

from __future__ import annotations

from datetime import datetime

from flask_babel import force_locale
from sqlmodel import Session

from hub.accounts.models import User
from hub.notifications.models import Notification


def notify(
    session: Session,
    user: User,
    *,
    kind: str,
    title,
    body="",
    url: str = "/",
    useful_until: datetime | None = None,
) -> Notification:
    """`title` and `body` may be lazy strings; they are rendered in the recipient's language."""
    with force_locale(user.locale or "da"):
        notification = Notification(
            user_id=user.id,
            kind=kind,
            title=str(title)[:120],
            body=str(body)[:500],
            url=url,
            useful_until=useful_until,
        )
    session.add(notification)
    session.flush()
    return notification
