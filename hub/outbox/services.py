"""Putting a message in the outbox, and how full it is (for readiness and metrics)."""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import func
from sqlmodel import Session, select

from hub.mail import new_message_id
from hub.outbox.models import Channel, OutboxMessage, OutboxStatus

WAITING = (OutboxStatus.PENDING, OutboxStatus.SENDING)


def enqueue_mail(session: Session, *, kind: str, to: str, subject: str, body: str) -> OutboxMessage:
    """A mail to send once the caller's transaction commits (never, if it rolls back)."""
    row = OutboxMessage(
        channel=Channel.EMAIL,
        kind=kind,
        recipient=to,
        subject=subject,
        body=body,
        message_id=new_message_id(current_app.config),
    )
    session.add(row)
    session.flush()
    return row


def oldest_pending(session: Session) -> datetime | None:
    """When the oldest message still waiting to be sent was queued; None when none waits."""
    return session.exec(select(func.min(OutboxMessage.created_at)).where(OutboxMessage.status.in_(WAITING))).one()


def depth(session: Session) -> int:
    """How many messages wait to be sent."""
    return session.exec(select(func.count()).where(OutboxMessage.status.in_(WAITING))).one()
