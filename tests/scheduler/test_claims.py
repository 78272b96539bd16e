"""The push outbox after a sender dies mid-send: every completed push was already recorded, the
scheduler that takes the lease over gives the dead one's claims back at once and sends only what
was never recorded, and a sender whose claims were taken away cannot overwrite what another wrote.

The sender here is a stand-in for the push service (what each push said, at once), so the test
is about the bookkeeping; tests/scaleout/test_takeover.py does the same with real processes.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlmodel import select

from hub.accounts.models import User
from hub.notifications import jobs, push
from hub.notifications.models import DeliveryStatus, NotificationPreference, PushDelivery, PushSubscription
from hub.notifications.services import notify
from hub.scheduler import lease
from hub.scheduler.claims import Claimer
from tests.factories import make_user

NOON = datetime(2026, 3, 10, 11, 0, tzinfo=UTC)


class Killed(BaseException):
    """Stands for kill -9: nothing after it runs, no `except Exception` catches it."""


class Phone:
    """A push service that takes everything and remembers which notification it was given."""

    def __init__(self, die_at: int | None = None) -> None:
        self.got: list[int] = []
        self.die_at = die_at
        self.lock = threading.Lock()

    def __call__(self, msg: push.Message) -> push.Outcome:
        with self.lock:
            if self.die_at is not None and len(self.got) == self.die_at:
                raise Killed
            self.got.append(json.loads(msg.data)["id"])
        return push.Outcome(201)


@pytest.fixture
def outbox(app, world):
    """Twelve notifications for one person with one phone, fanned out and waiting to be sent."""
    app.config["PUSH_POOL_SIZE"] = 1  # one at a time: the order of events is the test's
    with world() as s:
        person = make_user(s, is_young=True)
        s.add(NotificationPreference(user_id=person.id, quiet_hours=False))
        s.add(PushSubscription(user_id=person.id, endpoint="https://push.example/p", p256dh="k", auth="a"))
        s.flush()
        ids = [notify(s, s.get(User, person.id), kind="plan_updated", title=f"Nummer {n}").id for n in range(12)]
        jobs.fan_out(s, NOON)
    return ids


def sweep(world, phone: Phone, claimer: Claimer | None = None, now: datetime = NOON) -> dict:
    with world() as s:
        return jobs.deliver_push(s, now=now, sender=phone, claimer=claimer)


def statuses(world) -> dict[str, int]:
    with world() as s:
        rows = s.exec(select(PushDelivery.status)).all()
    return {status: rows.count(status) for status in set(rows)}


def test_each_push_is_recorded_as_it_completes_and_only_the_unrecorded_are_sent_again(app, world, outbox):
    dying = Claimer("leader-a")
    with pytest.raises(Killed):
        sweep(world, Phone(die_at=5), dying)
    # The five pushes that were answered are written down; the rest are still claimed by the dead.
    assert statuses(world) == {DeliveryStatus.SENT: 5, DeliveryStatus.SENDING: 7}

    with world() as s:
        assert jobs.give_back(s, "leader-a") == 7
    phone = Phone()
    sweep(world, phone, Claimer("leader-b"))
    assert phone.got == outbox[5:]  # only what was never recorded, and at once (no claim to run out)
    assert statuses(world) == {DeliveryStatus.SENT: 12}


def test_a_sender_whose_claims_were_given_back_cannot_overwrite_the_new_record(app, world, outbox):
    old, new = Claimer("leader-a"), Claimer("leader-b")
    with world() as s:
        batch = jobs.claim(s, NOON, old)
    with world() as s:
        jobs.give_back(s, old.name)
    with world() as s:
        retaken = jobs.claim(s, NOON, new)
    assert [delivery_id for delivery_id, _ in retaken] == [delivery_id for delivery_id, _ in batch]
    first = batch[0][0]
    with world() as s:
        assert jobs.record(s, {first: push.Outcome(201)}, NOON, max_attempts=4, claimer=new) == 1
    with world() as s:  # the old sender wakes up and reports a failure for the same push
        assert jobs.record(s, {first: push.Outcome(500)}, NOON, max_attempts=4, claimer=old) == 0
    with world() as s:
        delivery = s.get(PushDelivery, first)
    assert (delivery.status, delivery.last_code, delivery.claimed_by) == (DeliveryStatus.SENT, 201, None)


def test_a_sender_that_lost_its_claims_stops_sending(app, world, outbox):
    """Its claims were given back while it sent: it learns so when it records, and sends no more."""
    claimer = Claimer("leader-a")
    phone = Phone()
    given_back = []

    def and_taken_over(msg: push.Message) -> push.Outcome:
        if not given_back:
            with world() as s:
                given_back.append(jobs.give_back(s, claimer.name))
        return phone(msg)

    sweep(world, and_taken_over, claimer)
    assert len(phone.got) == 1  # the one in flight when its claims went
    assert statuses(world) == {DeliveryStatus.PENDING: 12}  # all due again, for the new leader


def test_a_leased_claimer_claims_only_while_it_holds_the_lease(app, world, outbox):
    claimer = Claimer("leader-a", leased=True)
    now = datetime.now(UTC)
    with world() as s:
        assert jobs.claim(s, now, claimer) == []
    with world() as s:
        assert lease.acquire(s, claimer.name, seconds=60)
    with world() as s:
        assert len(jobs.claim(s, now, claimer)) == 12


def test_taking_the_lease_over_gives_the_dead_leaders_claims_back_in_the_same_transaction(app, world, outbox):
    dead, heir = Claimer("leader-a", leased=True), Claimer("leader-b", leased=True)
    with world() as s:
        assert lease.acquire(s, dead.name, seconds=10)
    with world() as s:
        assert len(jobs.claim(s, datetime.now(UTC), dead)) == 12
    taken_from = []

    def take_over(previous: str) -> None:
        taken_from.append((previous, jobs.give_back(s, previous)))

    with world() as s:
        assert not lease.acquire(s, heir.name, seconds=10, on_takeover=take_over)  # not yet run out
    assert taken_from == [] and statuses(world) == {DeliveryStatus.SENDING: 12}
    with time_machine.travel(datetime.now(UTC) + timedelta(seconds=11), tick=False):
        with world() as s:
            assert lease.acquire(s, heir.name, seconds=10, on_takeover=take_over)
        assert taken_from == [("leader-a", 12)]
        assert statuses(world) == {DeliveryStatus.PENDING: 12}
        phone = Phone()
        sweep(world, phone, heir, now=datetime.now(UTC))
    assert sorted(phone.got) == outbox
    with world() as s:  # the dead leader, were it only hung, can claim nothing now
        assert lease.acquire(s, heir.name, seconds=10)
        assert jobs.claim(s, datetime.now(UTC), dead) == []


def test_the_default_lease_is_taken_over_within_fifteen_seconds():
    assert lease.LEASE_SECONDS + lease.HEARTBEAT_SECONDS <= 15
    assert lease.HEARTBEAT_SECONDS * 3 <= lease.LEASE_SECONDS  # a couple of slow renewals are no takeover
