"""Offline voucher codes: one per Copenhagen day, same format, redeemed like a minute code."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from hub.credits import vouchers
from hub.credits.models import Offer, Partner, Voucher, VoucherStatus
from hub.errors import Invalid
from tests.factories import make_user

# 14:00 in Copenhagen (winter time, UTC+1) on a Thursday.
AFTERNOON = datetime(2026, 12, 3, 13, 0, tzinfo=UTC)


@pytest.fixture
def ticket(world):
    with world() as s:
        partner = Partner(name="Bloc Aarhus")
        s.add(partner)
        s.flush()
        offer = Offer(title="Klatring", category="sport", price_klip=2, partner_id=partner.id)
        s.add(offer)
        s.flush()
        young = make_user(s, is_young=True)
        voucher = Voucher(user_id=young.id, offer_id=offer.id, price_klip=2, qr_secret="ab" * 32)
        s.add(voucher)
        s.flush()
        return {
            "voucher": voucher,
            "staff": make_user(s, is_staff=True),
            "partner": make_user(s, partner_id=partner.id),
        }


def test_todays_and_tomorrows_codes_cover_copenhagen_days(ticket):
    today, tomorrow = vouchers.offline_codes(ticket["voucher"], AFTERNOON)
    assert today.valid_from == datetime(2026, 12, 2, 23, 0, tzinfo=UTC)  # midnight in Copenhagen
    assert today.valid_until == tomorrow.valid_from == datetime(2026, 12, 3, 23, 0, tzinfo=UTC)
    assert tomorrow.valid_until == datetime(2026, 12, 4, 23, 0, tzinfo=UTC)
    for shown in (today, tomorrow):  # the one format staff and partners already type
        assert vouchers.parse(shown.code)[0] == ticket["voucher"].id
    assert today.code != tomorrow.code
    assert today.code != vouchers.current_code(ticket["voucher"], AFTERNOON).code


def test_an_offline_code_redeems_once(world, ticket):
    today, _tomorrow = vouchers.offline_codes(ticket["voucher"], AFTERNOON)
    with time_machine.travel(AFTERNOON + timedelta(hours=8, minutes=59), tick=False), world() as s:  # 23:59 local
        redeemed = vouchers.redeem(s, actor=ticket["partner"], code=today.code)
        assert redeemed.status == VoucherStatus.REDEEMED


def test_an_expired_offline_code_is_refused(world, ticket):
    today, _tomorrow = vouchers.offline_codes(ticket["voucher"], AFTERNOON)
    with time_machine.travel(AFTERNOON + timedelta(hours=10), tick=False), world() as s:  # 01:00 the next day
        with pytest.raises(Invalid) as error:
            vouchers.redeem(s, actor=ticket["staff"], code=today.code)
    assert error.value.code == "code_expired"


def test_tomorrows_code_works_only_from_midnight(world, ticket):
    _today, tomorrow = vouchers.offline_codes(ticket["voucher"], AFTERNOON)
    with time_machine.travel(AFTERNOON, tick=False), world() as s:
        with pytest.raises(Invalid):
            vouchers.look_up(s, actor=ticket["staff"], code=tomorrow.code)
    with time_machine.travel(AFTERNOON + timedelta(hours=10, minutes=1), tick=False), world() as s:
        voucher, _offer, _owner = vouchers.look_up(s, actor=ticket["staff"], code=tomorrow.code)
        assert voucher.id == ticket["voucher"].id


def test_minute_codes_still_work_and_still_expire(world, ticket):
    shown = vouchers.current_code(ticket["voucher"], AFTERNOON)
    with time_machine.travel(AFTERNOON + timedelta(seconds=61), tick=False), world() as s:
        assert vouchers.look_up(s, actor=ticket["staff"], code=shown.code)[0].id == ticket["voucher"].id
    with time_machine.travel(AFTERNOON + timedelta(minutes=3), tick=False), world() as s:
        with pytest.raises(Invalid) as error:
            vouchers.look_up(s, actor=ticket["staff"], code=shown.code)
    assert error.value.code == "code_expired"


def test_staff_type_an_offline_code_as_before(client, auth, world, ticket):
    """The same redeem page: scanned, or typed with no dash on a number pad."""
    today, _tomorrow = vouchers.offline_codes(ticket["voucher"])
    auth.login(ticket["partner"])
    assert client.get("/redeem", query_string={"code": today.code}).status_code == 200
    response = client.post("/redeem", data={"code": today.code.replace("-", "")})
    assert response.status_code == 303
    with world() as s:
        assert s.get(Voucher, ticket["voucher"].id).status == VoucherStatus.REDEEMED
