"""Vouchers: bought once per tap, a code that changes each minute, redeemed once, by the right people."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlmodel import func, select

from hub.credits import jobs, vouchers
from hub.credits import services as ledger
from hub.credits.models import Allotment, AllotmentRun, KlipEntry, Offer, Partner, Voucher
from hub.db import job_session, utcnow
from hub.errors import Conflict, Forbidden, Invalid, NotFound
from tests.factories import make_user


@pytest.fixture
def shop(world):
    with world() as s:
        bloc = Partner(name="Bloc Aarhus")
        other = Partner(name="Kino Aarhus")
        s.add_all([bloc, other])
        s.flush()
        climbing = Offer(title="Klatring i Bloc Aarhus", category="sport", price_klip=2, partner_id=bloc.id)
        s.add(climbing)
        s.flush()
        young = make_user(s, is_young=True)
        ledger.grant(s, user_id=young.id, amount=5, reason="Velkomst", actor_id=None)
        return {
            "offer": climbing,
            "young": young,
            "staff": make_user(s, is_staff=True),
            "bloc": make_user(s, partner_id=bloc.id),
            "kino": make_user(s, partner_id=other.id),
        }


def test_buying_spends_once_per_key(world, shop):
    with world() as s:
        first = vouchers.buy(s, actor=shop["young"], offer_id=shop["offer"].id, key="tap-1")
    with world() as s:
        again = vouchers.buy(s, actor=shop["young"], offer_id=shop["offer"].id, key="tap-1")
        assert again.id == first.id
        assert ledger.balance(s, shop["young"].id) == 3
        assert s.exec(select(func.count()).select_from(Voucher)).one() == 1


def test_not_enough_klip_buys_nothing(world, shop):
    with world() as s:
        vouchers.buy(s, actor=shop["young"], offer_id=shop["offer"].id, key="a")
        vouchers.buy(s, actor=shop["young"], offer_id=shop["offer"].id, key="b")
    with pytest.raises(Conflict) as error, world() as s:
        vouchers.buy(s, actor=shop["young"], offer_id=shop["offer"].id, key="c")
    assert error.value.code == "not_enough_klip"
    with world() as s:
        assert ledger.balance(s, shop["young"].id) == 1
        assert s.exec(select(func.count()).select_from(Voucher)).one() == 2


def test_code_changes_each_minute_and_works_for_one_to_two(world, shop):
    with world() as s:
        voucher = vouchers.buy(s, actor=shop["young"], offer_id=shop["offer"].id, key="a")
    start = utcnow().replace(second=5, microsecond=0)
    with time_machine.travel(start, tick=False) as clock:
        shown = vouchers.current_code(voucher)
        clock.shift(timedelta(seconds=70))
        assert vouchers.current_code(voucher).code != shown.code
        with world() as s:
            vouchers.look_up(s, actor=shop["staff"], code=shown.code)  # last minute's code: still fine
        clock.shift(timedelta(seconds=60))
        with pytest.raises(Invalid) as error, world() as s:
            vouchers.look_up(s, actor=shop["staff"], code=shown.code)
        assert error.value.code == "code_expired"


def test_redeemed_once_by_its_partner_or_staff_only(world, shop):
    with world() as s:
        voucher = vouchers.buy(s, actor=shop["young"], offer_id=shop["offer"].id, key="a")
    code = vouchers.current_code(voucher).code
    with pytest.raises(NotFound), world() as s:
        vouchers.redeem(s, actor=shop["kino"], code=code)  # another partner's voucher looks unknown
    with pytest.raises(Forbidden), world() as s:
        vouchers.redeem(s, actor=shop["young"], code=code)
    with world() as s:
        assert vouchers.redeem(s, actor=shop["bloc"], code=code).status == "redeemed"
    with pytest.raises(Conflict) as error, world() as s:
        vouchers.redeem(s, actor=shop["staff"], code=vouchers.current_code(voucher).code)
    assert error.value.code == "already_redeemed"


@pytest.mark.parametrize("code", ["", "abc", "12", "12-345", "1-1234567", "12-34a678"])
def test_unreadable_codes_are_explained(world, shop, code):
    with pytest.raises(Invalid) as error, world() as s:
        vouchers.look_up(s, actor=shop["staff"], code=code)
    assert error.value.code == "code_unreadable"


def test_refund_gives_klip_back_and_closes_the_voucher(world, shop):
    with world() as s:
        voucher = vouchers.buy(s, actor=shop["young"], offer_id=shop["offer"].id, key="a")
    with pytest.raises(Invalid), world() as s:
        vouchers.refund(s, actor=shop["staff"], voucher_id=voucher.id, reason=" ")
    with world() as s:
        vouchers.refund(s, actor=shop["staff"], voucher_id=voucher.id, reason="Lukket pga. sygdom")
    with world() as s:
        assert ledger.balance(s, shop["young"].id) == 5
    with pytest.raises(Conflict), world() as s:
        vouchers.refund(s, actor=shop["staff"], voucher_id=voucher.id, reason="igen")
    with pytest.raises(Conflict) as error, world() as s:
        vouchers.redeem(s, actor=shop["staff"], code=vouchers.current_code(voucher).code)
    assert error.value.code == "refunded"


def test_monthly_allotment_is_granted_once_a_month(world):
    with world() as s:
        staff = make_user(s, is_staff=True)
        enrolled = make_user(s, is_young=True, trial_enrolled_at=utcnow())
        open_hub = make_user(s, is_young=True)
        s.add(
            Allotment(name="Månedens klip", audience="trial", amount=4, expires_after_days=90, created_by_id=staff.id)
        )
    with world() as s:
        assert jobs.apply_allotments(s) == 1
    with world() as s:
        assert jobs.apply_allotments(s) == 0  # the same month again: nothing
        assert ledger.balance(s, enrolled.id) == 4 and ledger.balance(s, open_hub.id) == 0
        grant = s.exec(select(KlipEntry).where(KlipEntry.user_id == enrolled.id)).one()
        assert grant.expires_at is not None and grant.allotment_run_id is not None
    with time_machine.travel(utcnow() + timedelta(days=32), tick=False), world() as s:
        assert jobs.apply_allotments(s) == 1
        assert s.exec(select(func.count()).select_from(AllotmentRun)).one() == 2


@pytest.mark.clock
def test_demo_catalogue_and_balances(app):
    from hub import demo
    from hub.accounts.models import User

    with app.app_context(), job_session() as s:
        demo.load(s)
    with app.app_context(), job_session() as s:
        offers = s.exec(select(Offer).where(Offer.active)).all()
        assert len(offers) >= 8 and {o.category for o in offers} >= {
            "sport",
            "culture",
            "creative",
            "outdoor",
            "course",
        }
        sara = s.exec(select(User).where(User.email == "ung@example.org")).one()
        amina = s.exec(select(User).where(User.email == "amina@example.org")).one()
        assert ledger.balance(s, sara.id) == 5  # 6 welcome klip, 1 on a cinema ticket
        assert ledger.ledger_of(s, amina.id).expiring(utcnow())  # some klip run out soon
        partner = s.exec(select(User).where(User.email == "bloc@example.org")).one()
        assert partner.partner_id is not None


def test_a_wish_for_company_tells_the_staff_and_waits_on_their_page(world, shop, client, login_as):
    from hub.notifications.models import Notification

    with world() as s:
        wish = Offer(title="En, der følges med dig første gang", category="other", kind="companion", price_klip=1)
        s.add(wish)
        s.flush()
    with world() as s:
        vouchers.buy(s, actor=shop["young"], offer_id=wish.id, key="w")
    with world() as s:
        told = s.exec(select(Notification).where(Notification.kind == "klip_request")).all()
        assert [n.user_id for n in told] == [shop["staff"].id]
    login_as("staff")
    page = client.get("/staff/klip").get_data(as_text=True)
    assert 'id="klip-requests"' in page and "En, der følges med dig første gang" in page
