"""The outbox sweep: claim due messages, send each, record each at once; retries with backoff.

A message is claimed in the sender's name (pending → sending) before it is sent and recorded in
a short transaction of its own as soon as the mail server has answered, only while the claim is
still the sender's (hub/scheduler/claims.py). If the scheduler dies between sending and
recording, the one that takes over sends that message again, with the same Message-ID, so the
receiving side can tell it is the same mail; nothing else is sent twice. What a message says,
and to whom, is erased as soon as it is sent or given up.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, delete, or_, update
from sqlmodel import Session, select

from hub.db import utcnow
from hub.mail import Mail, MailFailed, Smtp, mail_configured
from hub.outbox.models import Channel, OutboxMessage, OutboxStatus
from hub.scheduler import claims
from hub.scheduler.claims import Claimer

log = logging.getLogger("hub.outbox")

CLAIM_BATCH = 20  # messages claimed at a time
CLAIM_FOR = timedelta(minutes=5)  # how long a claim outside the scheduler holds (see claims.py)
MAX_ATTEMPTS = 10  # over about four hours with the backoff below
FIRST_BACKOFF = timedelta(seconds=30)
MAX_BACKOFF = timedelta(hours=1)
KEEP_DONE = timedelta(days=30)  # the bookkeeping of sent and failed messages (nothing personal)


def _due(now: datetime):
    return and_(
        OutboxMessage.channel == Channel.EMAIL,
        or_(
            and_(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= now),
            and_(OutboxMessage.status == OutboxStatus.SENDING, OutboxMessage.claimed_until < now),
        ),
    )


def claim(session: Session, now: datetime, claimer: Claimer, limit: int = CLAIM_BATCH) -> list[tuple[int, str, Mail]]:
    """Take due mails in `claimer`'s name: (row id, kind, mail)."""
    claimed = claims.take(session, OutboxMessage, _due(now), now, claimer, limit=limit, hold=CLAIM_FOR)
    if not claimed:
        return []
    rows = session.exec(
        select(OutboxMessage)
        .where(OutboxMessage.id.in_(claimed))
        .order_by(OutboxMessage.id)
        .execution_options(populate_existing=True)
    ).all()
    return [(row.id, row.kind, Mail(row.recipient, row.subject, row.body, row.message_id)) for row in rows]


def give_back(session: Session, holder: str) -> int:
    """The mails a dead scheduler claimed and never recorded: due again at once."""
    return claims.give_back(session, OutboxMessage, holder)


def record(session: Session, row_id: int, failure: MailFailed | None, now: datetime, *, claimer: Claimer) -> str | None:
    """Write down what became of one mail, if `claimer` still holds its claim: its new status, or
    None when the claim was no longer `claimer`'s."""
    query = select(OutboxMessage).where(OutboxMessage.id == row_id)
    row = session.exec(claims.still_claimed(session, query, OutboxMessage, claimer)).first()
    if row is None:
        log.warning("mail %s was no longer claimed by this sender", row_id)
        return None
    row.claimed_by = row.claimed_until = None
    if failure is None:
        row.status, row.sent_at = OutboxStatus.SENT, now
        _erase(row)
    elif failure.permanent or row.attempts >= MAX_ATTEMPTS:
        row.status, row.last_error = OutboxStatus.FAILED, failure.label
        _erase(row)
        log.error("gave up on mail %s (%s) after %d attempts: %s", row.id, row.kind, row.attempts, failure.label)
    else:
        row.status, row.last_error = OutboxStatus.PENDING, failure.label
        row.next_attempt_at = now + min(MAX_BACKOFF, FIRST_BACKOFF * 2 ** (row.attempts - 1))
        log.warning("could not send mail %s (%s), attempt %d: %s", row.id, row.kind, row.attempts, failure.label)
    session.flush()
    return row.status


def _erase(row: OutboxMessage) -> None:
    """Done with: only the bookkeeping stays (kind, Message-ID, times, the kind of failure)."""
    row.recipient = row.subject = row.body = None


def _put_back(session: Session, row_ids: list[int], claimer: Claimer) -> None:
    """Claimed but never tried (the mail server was out of reach): as they were, due again."""
    session.exec(
        update(OutboxMessage)
        .where(
            OutboxMessage.id.in_(row_ids),
            OutboxMessage.status == OutboxStatus.SENDING,
            OutboxMessage.claimed_by == claimer.name,
        )
        .values(status=OutboxStatus.PENDING, claimed_by=None, claimed_until=None, attempts=OutboxMessage.attempts - 1)
    )


def send_mail(session: Session, now: datetime | None = None, *, claimer: Claimer | None = None) -> dict:
    """The sweep: claim, send over one connection, record each at once, until nothing is due."""
    if not mail_configured():
        return {}  # nothing is queued without a mail server; what is, waits for one
    clock = (lambda: now) if now is not None else utcnow
    claimer = claimer or Claimer.once()
    tally: Counter[str] = Counter()
    with Smtp(current_app.config) as smtp:
        while claimer.keep_going():
            batch = claim(session, clock(), claimer)
            session.commit()  # the claims hold before a single mail leaves
            if not batch:
                break
            for number, (row_id, _kind, mail) in enumerate(batch):
                failure = None
                try:
                    smtp.send(mail)
                except MailFailed as error:
                    failure = error
                status = record(session, row_id, failure, clock(), claimer=claimer)
                session.commit()  # each at once: a sender dying now leaves only this one unrecorded
                tally[str(status) if status else "lost"] += 1
                if status is None or (failure is not None and failure.connection) or not claimer.keep_going():
                    _put_back(session, [rest for rest, _, _ in batch[number + 1 :]], claimer)
                    session.commit()
                    return _summary(tally)
    return _summary(tally)


def _summary(tally: Counter[str]) -> dict[str, int]:
    return dict(tally)


def purge_done(session: Session, now: datetime | None = None) -> int:
    """Forget the bookkeeping of messages sent or given up long ago."""
    cutoff = (now or utcnow()) - KEEP_DONE
    done = OutboxMessage.status.in_([OutboxStatus.SENT, OutboxStatus.FAILED])
    return session.exec(delete(OutboxMessage).where(done, OutboxMessage.created_at < cutoff)).rowcount
