"""The ledger's rules, checked against a small independent model over random histories.

After every step: the balance is the sum of the entries and never below zero; what may be
spent equals the model's unexpired lots; a spend succeeds exactly when the model says it can,
and uses the oldest klip first; expiry takes only what was left, as an entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from hub.credits import services as credits
from hub.credits.ledger import replay
from hub.credits.models import EntryKind, KlipEntry, Offer, Voucher
from hub.db import job_session, utcnow
from hub.errors import Conflict
from tests.factories import make_user


@dataclass
class ModelLot:
    opened: int  # step number: order of arrival
    expires: object  # datetime or None
    left: int


class Model:
    def __init__(self):
        self.lots: list[ModelLot] = []
        self.payments: dict[int, list[tuple[ModelLot, int]]] = {}  # voucher id → lots used
        self.step = 0

    def live(self, now):
        return [lot for lot in self.lots if lot.expires is None or lot.expires > now]

    def available(self, now) -> int:
        return sum(lot.left for lot in self.live(now))

    def balance(self) -> int:
        return sum(lot.left for lot in self.lots)

    def add(self, amount, expires):
        self.step += 1
        lot = ModelLot(self.step, expires, amount)
        self.lots.append(lot)
        return lot

    def take(self, amount, now):
        used = []
        for lot in sorted(self.live(now), key=lambda lot: lot.opened):
            if amount == 0:
                break
            bite = min(lot.left, amount)
            if bite:
                lot.left -= bite
                amount -= bite
                used.append((lot, bite))
        return used


operations = st.lists(
    st.one_of(
        st.tuples(st.just("grant"), st.integers(1, 12), st.one_of(st.none(), st.integers(1, 96))),  # expiry, hours
        st.tuples(st.just("spend"), st.integers(1, 15), st.none()),
        st.tuples(st.just("refund"), st.none(), st.none()),
        st.tuples(st.just("correct"), st.integers(-6, 6).filter(bool), st.none()),
        st.tuples(st.just("wait"), st.integers(1, 72), st.none()),  # hours
        st.tuples(st.just("expire"), st.none(), st.none()),
    ),
    min_size=1,
    max_size=25,
)


@pytest.fixture
def setup(app):
    with app.app_context(), job_session() as s:
        offer = Offer(title="Klatring", category="sport", price_klip=1)
        s.add(offer)
        s.flush()
        return app, offer.id


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations)
def test_ledger_follows_the_model(setup, ops):
    app, offer_id = setup
    model = Model()
    key = 0
    with app.app_context(), time_machine.travel(utcnow(), tick=False) as clock:
        with job_session() as s:
            user_id = make_user(s, is_young=True).id
        for op, amount, extra in ops:
            now = utcnow()
            key += 1
            with job_session() as s:
                if op == "grant":
                    expires = now + timedelta(hours=extra) if extra else None
                    credits.grant(s, user_id=user_id, amount=amount, reason="test", actor_id=None, expires_at=expires)
                    model.add(amount, expires)
                elif op == "spend":
                    voucher = Voucher(user_id=user_id, offer_id=offer_id, price_klip=amount, qr_secret="x")
                    s.add(voucher)
                    s.flush()
                    if amount <= model.available(now):
                        credits.spend(
                            s,
                            user_id=user_id,
                            amount=amount,
                            reason="t",
                            key=f"s{user_id}-{key}",
                            voucher_id=voucher.id,
                        )
                        model.payments[voucher.id] = model.take(amount, now)
                    else:
                        with pytest.raises(Conflict):
                            credits.spend(s, user_id=user_id, amount=amount, reason="t", key=f"s{user_id}-{key}")
                elif op == "refund" and model.payments:
                    voucher_id, used = model.payments.popitem()
                    paid = sum(bite for _lot, bite in used)
                    credits.refund(
                        s,
                        user_id=user_id,
                        amount=paid,
                        reason="t",
                        key=f"r{user_id}-{key}",
                        actor_id=None,
                        voucher_id=voucher_id,
                    )
                    expiries = [lot.expires for lot, _bite in used]
                    model.add(paid, None if None in expiries else max(expiries))
                elif op == "correct":
                    if amount > 0 or -amount <= model.available(now):
                        credits.correct(
                            s, user_id=user_id, amount=amount, reason="fix", actor_id=user_id, key=f"c{user_id}-{key}"
                        )
                        if amount > 0:
                            model.add(amount, None)
                        else:
                            model.take(-amount, now)
                    else:
                        with pytest.raises(Conflict):
                            credits.correct(
                                s,
                                user_id=user_id,
                                amount=amount,
                                reason="fix",
                                actor_id=user_id,
                                key=f"c{user_id}-{key}",
                            )
                elif op == "wait":
                    clock.shift(timedelta(hours=amount))
                elif op == "expire":
                    credits.expire_due(s)
                    for lot in model.lots:
                        if lot.expires is not None and lot.expires <= now:
                            lot.left = 0
            with job_session() as s:
                now = utcnow()
                entries = s.exec(select(KlipEntry).where(KlipEntry.user_id == user_id)).all()
                balance = credits.balance(s, user_id)
                assert balance == sum(e.amount for e in entries) == model.balance() >= 0
                assert credits.available(s, user_id) == model.available(now) >= 0
                assert replay(entries).shortfall == 0
                for entry in entries:
                    if entry.kind == EntryKind.EXPIRY:
                        assert entry.source_entry_id is not None and entry.amount < 0


def test_expiry_runs_twice_without_taking_twice(app):
    with app.app_context():
        with job_session() as s:
            user_id = make_user(s, is_young=True).id
            credits.grant(
                s, user_id=user_id, amount=5, reason="t", actor_id=None, expires_at=utcnow() + timedelta(days=1)
            )
            credits.grant(s, user_id=user_id, amount=3, reason="t", actor_id=None)
        with time_machine.travel(utcnow() + timedelta(days=2), tick=False):
            with job_session() as s:
                assert credits.expire_due(s) == 1
            with job_session() as s:
                assert credits.expire_due(s) == 0
                assert credits.balance(s, user_id) == 3


def test_entries_are_never_changed_or_deleted(app):
    with app.app_context():
        with job_session() as s:
            user_id = make_user(s, is_young=True).id
            entry_id = credits.grant(s, user_id=user_id, amount=5, reason="t", actor_id=None).id
        with pytest.raises(credits.LedgerIsAppendOnly), job_session() as s:
            s.get(KlipEntry, entry_id).amount = 50
        with pytest.raises(credits.LedgerIsAppendOnly), job_session() as s:
            s.delete(s.get(KlipEntry, entry_id))
        with job_session() as s:
            assert credits.balance(s, user_id) == 5


@pytest.mark.parametrize("amount", [0, -3, 1001, 2.5, "5", True])
def test_bad_amounts_are_refused(app, amount):
    from hub.errors import Invalid

    with app.app_context():
        with job_session() as s:
            user_id = make_user(s, is_young=True).id
        with pytest.raises(Invalid), job_session() as s:
            credits.grant(s, user_id=user_id, amount=amount, reason="t", actor_id=None)
