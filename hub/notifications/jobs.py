"""The push outbox: a frequent sweep that claims due rows, fans out, sends and records.

The rows are the truth. A notification is claimed with a guarded update (pending → sending), so
two senders never both take it; each device gets one `PushDelivery`, claimed the same way before
it is sent, so a retry reaches only the phone that missed it. Sending happens after the claim is
committed, concurrently on a pool of threads sharing one guarded HTTP session; no push service
may take more than its share of the threads, and one that keeps timing out gets the rest of its
pushes in a later sweep, so a hanging service never holds up the others.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, delete, or_, update
from sqlmodel import Session, select

from hub.db import utcnow
from hub.notifications import endpoints, prefs, push, vapid
from hub.notifications.models import (
    DeliveryStatus,
    Notification,
    NotificationPreference,
    PushDelivery,
    PushStatus,
    PushSubscription,
)

log = logging.getLogger("hub.push")

BATCH = 1000
CLAIM_FOR = timedelta(minutes=5)  # a sender that dies mid-send gives its deliveries back after this
MAX_BACKOFF = 3600.0
HOST_TIMEOUTS = 2  # a push service that timed out this often in a sweep gets the rest later
LATER = timedelta(minutes=1)  # when the pushes put back for a hanging service are due again

Sender = Callable[[push.Message], push.Outcome]


def fan_out(session: Session, now: datetime) -> int:
    """Turn due notifications into one delivery per device, or settle them without a push.

    Each outcome is one guarded update over its ids (still pending → decided), so a notification
    that another sender took in the meantime is left alone; deliveries are made only for the ids
    this sender really claimed.
    """
    due = session.exec(
        select(Notification)
        .where(
            Notification.push_status == PushStatus.PENDING,
            or_(Notification.push_after.is_(None), Notification.push_after <= now),
        )
        .order_by(Notification.id)
        .limit(BATCH)
        .execution_options(populate_existing=True)
    ).all()
    if not due:
        return 0
    users = {n.user_id for n in due}
    devices = _devices_of(session, users)
    wishes = _preferences_of(session, users)
    decided: dict[str | datetime, list[int]] = defaultdict(list)
    for notification in due:
        pref = wishes.get(notification.user_id) or NotificationPreference(user_id=notification.user_id)
        decided[_decide(notification, pref, devices.get(notification.user_id, []), now)].append(notification.id)
    pending = Notification.push_status == PushStatus.PENDING
    owner = {n.id: n.user_id for n in due}
    fanned = 0
    for outcome, ids in decided.items():
        if isinstance(outcome, datetime):  # quiet hours: wait until they end, still pending
            session.exec(update(Notification).where(Notification.id.in_(ids), pending).values(push_after=outcome))
            continue
        claimed = session.exec(
            update(Notification)
            .where(Notification.id.in_(ids), pending)
            .values(push_status=outcome)
            .returning(Notification.id)
        ).all()
        if outcome == PushStatus.SENDING:
            session.add_all(
                PushDelivery(notification_id=notification_id, subscription_id=sub_id, next_attempt_at=now)
                for (notification_id,) in claimed
                for sub_id in devices[owner[notification_id]]
            )
            fanned += len(claimed)
    session.flush()
    return fanned


def _preferences_of(session: Session, user_ids: set[int]) -> dict[int, NotificationPreference]:
    rows = session.exec(select(NotificationPreference).where(NotificationPreference.user_id.in_(user_ids)))
    return {pref.user_id: pref for pref in rows}


def _devices_of(session: Session, user_ids: set[int]) -> dict[int, list[int]]:
    devices: dict[int, list[int]] = {}
    if user_ids:
        rows = session.exec(
            select(PushSubscription.user_id, PushSubscription.id).where(PushSubscription.user_id.in_(user_ids))
        )
        for user_id, sub_id in rows:
            devices.setdefault(user_id, []).append(sub_id)
    return devices


def _decide(notification: Notification, pref, devices: list[int], now: datetime) -> str | datetime:
    if notification.useful_until is not None and notification.useful_until <= now:
        return PushStatus.EXPIRED
    if not devices or not prefs.wants(pref, notification.kind):
        return PushStatus.SKIPPED
    if notification.kind not in prefs.URGENT_KINDS:
        quiet_end = prefs.quiet_until(pref, now)
        if quiet_end is not None:
            if notification.useful_until is not None and notification.useful_until <= quiet_end:
                return PushStatus.EXPIRED  # it would be stale by morning
            return quiet_end
    return PushStatus.SENDING


def _due(now: datetime):
    return or_(
        and_(PushDelivery.status == DeliveryStatus.PENDING, PushDelivery.next_attempt_at <= now),
        and_(PushDelivery.status == DeliveryStatus.SENDING, PushDelivery.claimed_until < now),
    )


def claim(session: Session, now: datetime) -> list[tuple[int, push.Message | None]]:
    """Take the due deliveries for this sender; (delivery id, message or None if the device is gone)."""
    query = select(PushDelivery.id).where(_due(now)).order_by(PushDelivery.id).limit(BATCH)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    ids = list(session.exec(query))
    if not ids:
        return []
    claimed = session.exec(
        update(PushDelivery)
        .where(PushDelivery.id.in_(ids), _due(now))
        .values(
            status=DeliveryStatus.SENDING,
            claimed_until=now + CLAIM_FOR,
            attempts=PushDelivery.attempts + 1,
        )
        .returning(PushDelivery.id)
    ).all()
    claimed_ids = [row[0] for row in claimed]
    rows = session.exec(
        select(PushDelivery.id, Notification, PushSubscription)
        .join(Notification, Notification.id == PushDelivery.notification_id)
        .outerjoin(PushSubscription, PushSubscription.id == PushDelivery.subscription_id)
        .where(PushDelivery.id.in_(claimed_ids))
    ).all()
    return [
        (delivery_id, push.message(n, _subscription_info(sub), now) if sub is not None else None)
        for delivery_id, n, sub in rows
    ]


def _subscription_info(sub: PushSubscription) -> dict:
    return {"endpoint": sub.endpoint, "keys": {"p256dh": sub.p256dh, "auth": sub.auth}}


def send_all(
    batch: Iterable[tuple[int, push.Message | None]], sender: Sender, pool_size: int
) -> dict[int, push.Outcome]:
    """Send concurrently; a gone device answers 410 without a request.

    Each push service (host and port) gets at most three quarters of the threads while another
    one has pushes waiting, and after HOST_TIMEOUTS timeouts its remaining pushes are put back
    untried (`push.LATER`).
    """
    batch = list(batch)
    outcomes = {delivery_id: push.Outcome(410) for delivery_id, msg in batch if msg is None}
    queues: dict[str, deque[tuple[int, push.Message]]] = defaultdict(deque)
    for delivery_id, msg in batch:
        if msg is not None:
            queues[push.host(msg)].append((delivery_id, msg))
    if not queues:
        return outcomes
    workers = max(1, min(pool_size, sum(len(q) for q in queues.values())))
    share = workers if len(queues) == 1 else max(1, workers * 3 // 4)
    busy: Counter[str] = Counter()
    timeouts: Counter[str] = Counter()
    running: dict[Future, tuple[str, int]] = {}
    with ThreadPoolExecutor(max_workers=workers) as pool:
        while queues or running:
            for host in list(queues):
                waiting = queues[host]
                if timeouts[host] >= HOST_TIMEOUTS:
                    outcomes.update((delivery_id, push.Outcome(None, problem=push.LATER)) for delivery_id, _ in waiting)
                    waiting.clear()
                while waiting and busy[host] < share and len(running) < workers:
                    delivery_id, msg = waiting.popleft()
                    running[pool.submit(sender, msg)] = (host, delivery_id)
                    busy[host] += 1
                if not waiting:
                    del queues[host]
            if not running:
                continue
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                host, delivery_id = running.pop(future)
                busy[host] -= 1
                outcomes[delivery_id] = outcome = future.result()
                timeouts[host] += outcome.timed_out
    return outcomes


def record(session: Session, outcomes: dict[int, push.Outcome], now: datetime, *, max_attempts: int) -> None:
    """Write down what each push service said, drop dead devices and settle finished notifications."""
    if not outcomes:
        return
    # populate_existing: the claim changed these rows behind the ORM's back (attempts, status).
    deliveries = session.exec(
        select(PushDelivery).where(PushDelivery.id.in_(outcomes)).execution_options(populate_existing=True)
    ).all()
    gone: set[int] = set()
    reached: set[int] = set()
    for delivery in deliveries:
        outcome = outcomes[delivery.id]
        delivery.claimed_until = None
        if outcome.later:  # never tried: given back as it was, for a later sweep
            delivery.status, delivery.next_attempt_at = DeliveryStatus.PENDING, now + LATER
            delivery.attempts -= 1
            continue
        delivery.last_code = outcome.code
        if outcome.delivered:
            delivery.status, delivery.sent_at = DeliveryStatus.SENT, now
            if delivery.subscription_id is not None:
                reached.add(delivery.subscription_id)
        elif outcome.gone:
            delivery.status = DeliveryStatus.GONE
            if delivery.subscription_id is not None:
                gone.add(delivery.subscription_id)
        elif outcome.retryable and delivery.attempts < max_attempts:
            delivery.status = DeliveryStatus.PENDING
            delivery.next_attempt_at = now + timedelta(seconds=_wait(delivery.attempts, outcome.retry_after))
            _mark_device(session, delivery.subscription_id, error=outcome.label)
        else:
            delivery.status = DeliveryStatus.FAILED
            _log_failure(delivery, outcome)
            _mark_device(session, delivery.subscription_id, error=outcome.label)
    session.flush()
    if reached:
        session.exec(
            update(PushSubscription)
            .where(PushSubscription.id.in_(reached))
            .values(last_success_at=now, last_error=None)
        )
    if gone:
        # At once: the push service told us this device will never take a push again.
        session.exec(delete(PushSubscription).where(PushSubscription.id.in_(gone)))
    settle(session, {d.notification_id for d in deliveries}, now)


def _wait(attempts: int, retry_after: float | None) -> float:
    backoff = min(MAX_BACKOFF, 30.0 * 2 ** (attempts - 1))
    return max(backoff, retry_after or 0.0)


def _log_failure(delivery: PushDelivery, outcome: push.Outcome) -> None:
    if outcome.problem == push.REFUSED:
        log.error("push %s refused before sending: %s", delivery.id, outcome.error)
    elif outcome.code in (400, 413):
        log.error("push %s refused as malformed or too large (%s): a bug", delivery.id, outcome.error)
    elif outcome.code in (401, 403):
        log.error("push %s refused (%s): check the VAPID key and subject", delivery.id, outcome.error)
    else:
        log.warning("push %s gave up after %d attempts (%s)", delivery.id, delivery.attempts, outcome.error)


def _mark_device(session: Session, sub_id: int | None, *, error: str) -> None:
    if sub_id is not None:
        session.exec(update(PushSubscription).where(PushSubscription.id == sub_id).values(last_error=error[:200]))


def settle(session: Session, notification_ids: set[int], now: datetime) -> None:
    """A notification whose deliveries are all done is sent (some device took it) or failed."""
    statuses: dict[int, set[str]] = defaultdict(set)
    rows = session.exec(
        select(PushDelivery.notification_id, PushDelivery.status).where(
            PushDelivery.notification_id.in_(notification_ids)
        )
    )
    for notification_id, status in rows:
        statuses[notification_id].add(status)
    open_ = {DeliveryStatus.PENDING, DeliveryStatus.SENDING}
    finished = {nid: DeliveryStatus.SENT in found for nid, found in statuses.items() if not found & open_}
    sending = Notification.push_status == PushStatus.SENDING
    sent = [nid for nid, ok in finished.items() if ok]
    failed = [nid for nid, ok in finished.items() if not ok]
    if sent:
        session.exec(
            update(Notification)
            .where(Notification.id.in_(sent), sending)
            .values(push_status=PushStatus.SENT, pushed_at=now)
        )
    if failed:
        session.exec(
            update(Notification).where(Notification.id.in_(failed), sending).values(push_status=PushStatus.FAILED)
        )


def deliver_push(session: Session, now: datetime | None = None, *, sender: Sender | None = None) -> dict:
    """The sweep: fan out, claim, send (outside any transaction), record. Safe to run anywhere, any time."""
    key = vapid.current()
    if key is None and sender is None:
        return {}  # push is off here (no VAPID key); the bell still has everything
    now = now or utcnow()
    config = current_app.config
    fanned = fan_out(session, now)
    batch = claim(session, now)
    session.commit()  # the claims hold before a single byte leaves
    if not batch:
        return {"fanned": fanned} if fanned else {}
    http = None
    if sender is None:
        http = push.http_session(config["PUSH_POOL_SIZE"], endpoints.Rules.of(config))
        subject = config["VAPID_SUBJECT"]

        def sender(msg: push.Message) -> push.Outcome:
            return push.send(key, subject, msg, http)

    try:
        outcomes = send_all(batch, sender, config["PUSH_POOL_SIZE"])
    finally:
        if http is not None:
            http.close()
    record(session, outcomes, now, max_attempts=config["PUSH_MAX_ATTEMPTS"])
    session.commit()
    return {"fanned": fanned, "sent": sum(o.delivered for o in outcomes.values()), "tried": len(outcomes)}
