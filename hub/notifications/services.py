"""Record a notification for a person, in their own language; it is also the push outbox row."""

from __future__ import annotations

from datetime import datetime

from flask_babel import force_locale
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, func, select, update

from hub.accounts.models import User
from hub.db import utcnow
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
    dedupe_key: str | None = None,
) -> Notification | None:
    """`title` and `body` may be lazy strings; they are rendered in the recipient's language.

    With a `dedupe_key` the notification is made at most once, ever: a second call (a job run
    twice, two schedulers racing) returns None and changes nothing.
    """
    if dedupe_key is not None and _exists(session, dedupe_key):
        return None
    with force_locale(user.locale or "da"):
        notification = Notification(
            user_id=user.id,
            kind=kind,
            title=str(title)[:120],
            body=str(body)[:500],
            url=url,
            useful_until=useful_until,
            dedupe_key=dedupe_key,
        )
    if dedupe_key is None:
        session.add(notification)
        session.flush()
        return notification
    try:
        with session.begin_nested():
            session.add(notification)
    except IntegrityError:
        return None  # made by someone else in the meantime
    return notification


def _exists(session: Session, dedupe_key: str) -> bool:
    return session.exec(select(Notification.id).where(Notification.dedupe_key == dedupe_key)).first() is not None


def unread_count(session: Session, user_id: int) -> int:
    return session.exec(
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
    ).one()


def recent(session: Session, user_id: int, *, limit: int = 50) -> list[Notification]:
    return list(
        session.exec(
            select(Notification)
            .where(Notification.user_id == user_id)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(limit)
        )
    )


def mark_all_read(session: Session, user_id: int) -> int:
    result = session.exec(
        update(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    return result.rowcount
