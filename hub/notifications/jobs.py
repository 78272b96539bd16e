"""The push outbox: a frequent sweep that claims due rows, fans out, sends and records.

The rows are the truth. A notification is claimed with a guarded update (pending → sending), so
two senders never both take it; each device gets one `PushDelivery`, claimed the same way before
it is sent, so a retry reaches only the phone that missed it. Deliveries are claimed a small batch
at a time, in the claimer's name, and each is recorded as soon as its send completes, in a short
transaction of its own that only the claimer's claim allows (hub/scheduler/claims.py): if the
scheduler dies mid-send, only the pushes in flight at that moment are unrecorded, and the
scheduler that takes over gives its claims back and sends those, and nothing else, again.
Sending happens outside any transaction, concurrently on a pool of threads sharing one guarded
HTTP session; no push service may take more than its share of the threads, and one that keeps
timing out gets the rest of its pushes in a later sweep, so a hanging service never holds up the
others.
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

from hub.core import outbound
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
from hub.scheduler import claims
from hub.scheduler.claims import Claimer

log = logging.getLogger("hub.push")

BATCH = 1000  # notifications fanned out at a time
CLAIM_BATCH = 100  # deliveries claimed at a time; more are claimed as the pool runs short of work
# How long a claim outside the scheduler holds (a crashed sender's deliveries are retried after
# it); the scheduler's own claims are given back as soon as another scheduler takes over.
CLAIM_FOR = timedelta(minutes=5)
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


def claim(
    session: Session, now: datetime, claimer: Claimer, limit: int = CLAIM_BATCH
) -> list[tuple[int, push.Message | None]]:
    """Take due deliveries in `claimer`'s name; (delivery id, message or None if the device is gone)."""
    claimed_ids = claims.take(session, PushDelivery, _due(now), now, claimer, limit=limit, hold=CLAIM_FOR)
    if not claimed_ids:
        return []
    rows = session.exec(
        select(PushDelivery.id, Notification, PushSubscription)
        .join(Notification, Notification.id == PushDelivery.notification_id)
        .outerjoin(PushSubscription, PushSubscription.id == PushDelivery.subscription_id)
        .where(PushDelivery.id.in_(claimed_ids))
        .order_by(PushDelivery.id)
    ).all()
    return [
        (delivery_id, push.message(n, _subscription_info(sub), now) if sub is not None else None)
        for delivery_id, n, sub in rows
    ]


def give_back(session: Session, holder: str) -> int:
    """The deliveries a dead scheduler claimed and never recorded: due again at once."""
    return claims.give_back(session, PushDelivery, holder)


def _subscription_info(sub: PushSubscription) -> dict:
    return {"endpoint": sub.endpoint, "keys": {"p256dh": sub.p256dh, "auth": sub.auth}}


def send_all(
    batch: Iterable[tuple[int, push.Message | None]],
    sender: Sender,
    pool_size: int,
    *,
    on_done: Callable[[dict[int, push.Outcome]], bool] | None = None,
    more: Callable[[], list[tuple[int, push.Message | None]]] | None = None,
) -> dict[int, push.Outcome]:
    """Send concurrently; a gone device answers 410 without a request.

    `on_done` gets the outcomes as the sends complete, a few at a time, to record them at once;
    when it answers False (the claims were taken away) nothing more is sent. `more()` claims
    further deliveries whenever fewer are waiting than there are threads.

    Each push service (host and port) gets at most three quarters of the threads while another
    one has pushes waiting, and after HOST_TIMEOUTS timeouts its remaining pushes are put back
    untried (`push.LATER`).
    """
    outcomes: dict[int, push.Outcome] = {}
    queues: dict[str, deque[tuple[int, push.Message]]] = defaultdict(deque)
    hosts: set[str] = set()  # every push service met in this sweep
    stopped = False

    def finish(done: dict[int, push.Outcome]) -> None:
        nonlocal stopped
        outcomes.update(done)
        if done and on_done is not None and on_done(done) is False:
            stopped = True

    def take(items: Iterable[tuple[int, push.Message | None]]) -> None:
        gone = {}
        for delivery_id, msg in items:
            if msg is None:
                gone[delivery_id] = push.Outcome(410)
            else:
                queues[push.host(msg)].append((delivery_id, msg))
        hosts.update(queues)
        finish(gone)

    take(batch)
    exhausted = more is None
    workers = pool_size if more else max(1, min(pool_size, sum(len(q) for q in queues.values())))
    busy: Counter[str] = Counter()
    timeouts: Counter[str] = Counter()
    running: dict[Future, tuple[str, int]] = {}
    with ThreadPoolExecutor(max_workers=workers) as pool:
        while True:
            if not stopped and not exhausted and sum(len(q) for q in queues.values()) < workers:
                fresh = more()
                exhausted = not fresh
                take(fresh)
            if stopped:
                queues.clear()  # no longer ours to send
            share = workers if len(hosts) == 1 else max(1, workers * 3 // 4)
            for host in list(queues):
                waiting = queues[host]
                if timeouts[host] >= HOST_TIMEOUTS:
                    finish({delivery_id: push.Outcome(None, problem=push.LATER) for delivery_id, _ in waiting})
                    waiting.clear()
                while waiting and busy[host] < share and len(running) < workers:
                    delivery_id, msg = waiting.popleft()
                    running[pool.submit(sender, msg)] = (host, delivery_id)
                    busy[host] += 1
                if not waiting:
                    del queues[host]
            if not running:
                if queues or not (stopped or exhausted):
                    continue
                break
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            completed = {}
            for future in done:
                host, delivery_id = running.pop(future)
                busy[host] -= 1
                completed[delivery_id] = outcome = future.result()
                timeouts[host] += outcome.timed_out
            finish(completed)
    return outcomes


def record(
    session: Session, outcomes: dict[int, push.Outcome], now: datetime, *, max_attempts: int, claimer: Claimer
) -> int:
    """Write down what each push service said, drop dead devices and settle finished notifications.

    Only deliveries still claimed by `claimer` are written (locked first, so a scheduler giving
    them back waits for this or this for it); how many that was.
    """
    if not outcomes:
        return 0
    query = select(PushDelivery).where(PushDelivery.id.in_(outcomes))
    deliveries = session.exec(claims.still_claimed(session, query, PushDelivery, claimer)).all()
    if len(deliveries) < len(outcomes):
        log.warning("%d pushes were no longer claimed by this sender", len(outcomes) - len(deliveries))
    gone: set[int] = set()
    reached: set[int] = set()
    for delivery in deliveries:
        outcome = outcomes[delivery.id]
        delivery.claimed_by = delivery.claimed_until = None
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
    return len(deliveries)


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


def deliver_push(
    session: Session, now: datetime | None = None, *, sender: Sender | None = None, claimer: Claimer | None = None
) -> dict:
    """The sweep: fan out, then claim, send (outside any transaction) and record, a few at a time,
    until nothing is due. Safe to run anywhere, any time; the scheduler runs it as `claimer`."""
    key = vapid.current()
    if key is None and sender is None:
        return {}  # push is off here (no VAPID key); the bell still has everything
    clock = (lambda: now) if now is not None else utcnow
    claimer = claimer or Claimer.once()
    config = current_app.config
    tally: Counter[str] = Counter()
    http = None

    def claim_more() -> list[tuple[int, push.Message | None]]:
        if not claimer.keep_going():
            return []  # the scheduler is stopping: finish what is under way, take nothing new
        batch = claim(session, clock(), claimer)
        session.commit()  # the claims hold before a single byte leaves
        return batch

    def recorded(outcomes: dict[int, push.Outcome]) -> bool:
        written = record(session, outcomes, clock(), max_attempts=config["PUSH_MAX_ATTEMPTS"], claimer=claimer)
        session.commit()  # each at once: a sender dying now leaves only what is in flight unrecorded
        tally["tried"] += len(outcomes)
        tally["sent"] += sum(o.delivered for o in outcomes.values())
        return written == len(outcomes)

    try:
        while True:
            fanned = fan_out(session, clock())
            session.commit()
            tally["fanned"] += fanned
            batch = claim_more()
            if batch:
                if sender is None:
                    http, sender = _web_push(key, config)
                send_all(batch, sender, config["PUSH_POOL_SIZE"], on_done=recorded, more=claim_more)
            if fanned < BATCH or not claimer.keep_going():
                break
    finally:
        if http is not None:
            http.close()
    return {name: count for name, count in tally.items() if count}


def _web_push(key, config) -> tuple[outbound.GuardedSession, Sender]:
    """One guarded HTTP session for the sweep, and a sender that signs and sends with it."""
    http = push.http_session(config["PUSH_POOL_SIZE"], endpoints.Rules.of(config))
    subject = config["VAPID_SUBJECT"]

    def send(msg: push.Message) -> push.Outcome:
        return push.send(key, subject, msg, http)

    return http, send
