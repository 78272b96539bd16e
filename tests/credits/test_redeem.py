"""Redeeming a voucher at the door: staff and the offer's partner, once, with a fresh code."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from hub.accounts.models import User
from hub.credits import services as ledger
from hub.credits import vouchers
from hub.credits.models import Offer, Partner, Voucher
from hub.db import utcnow
from tests.factories import make_user

pytestmark = pytest.mark.usefixtures("english")

AARHUS = ZoneInfo("Europe/Copenhagen")
HX = {"HX-Request": "true"}


@pytest.fixture
def shop(world):
    """Bloc's climbing and Kino's cinema; Noah has bought climbing."""
    with world() as s:
        bloc, kino = Partner(name="Bloc Aarhus"), Partner(name="Øst for Paradis")
        s.add_all([bloc, kino])
        s.flush()
        climbing = Offer(title="Klatring i Bloc Aarhus", category="sport", price_klip=2, partner_id=bloc.id)
        cinema = Offer(title="Biograf", category="culture", price_klip=1, partner_id=kino.id)
        s.add_all([climbing, cinema])
        s.flush()
        noah = make_user(s, is_young=True, name="Noah Sørensen")
        ledger.grant(s, user_id=noah.id, amount=10, reason="Velkomst", actor_id=None)
        voucher = vouchers.buy(s, actor=noah, offer_id=climbing.id, key="tap")
        return {"bloc": bloc, "kino": kino, "climbing": climbing, "cinema": cinema, "noah": noah, "voucher": voucher}


def body_of(response) -> str:
    return response.get_data(as_text=True)


def code_of(voucher: Voucher) -> str:
    return vouchers.current_code(voucher).code


def status_of(world, voucher: Voucher) -> str:
    with world() as s:
        return s.get(Voucher, voucher.id).status


def test_looking_up_a_code_shows_the_offer_and_a_first_name_and_changes_nothing(world, client, login_as, shop):
    login_as("staff")
    code = code_of(shop["voucher"])
    response = client.get(f"/redeem?code={code}")
    body = body_of(response)
    assert response.status_code == 200
    assert "Klatring i Bloc Aarhus" in body and "For Noah" in body and "Sørensen" not in body
    assert "Valid" in body and "Use voucher" in body and f'name="code" value="{code}"' in body
    assert status_of(world, shop["voucher"]) == "open"


def test_the_scan_page_is_a_big_numeric_field(client, login_as):
    login_as("staff")
    body = body_of(client.get("/redeem"))
    assert 'inputmode="numeric"' in body and 'name="code"' in body and "Use voucher" not in body


def test_staff_redeem_and_see_a_green_confirmation_with_the_time(world, client, login_as, shop):
    staff = login_as("staff", name="Kirsten Holm")
    response = client.post("/redeem", data={"code": code_of(shop["voucher"])})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/redeem?done={shop['voucher'].id}"
    page = body_of(client.get(response.headers["Location"]))
    assert "Voucher used" in page and "Klatring i Bloc Aarhus" in page and "Noah" in page
    with world() as s:
        voucher = s.get(Voucher, shop["voucher"].id)
        assert voucher.status == "redeemed" and voucher.redeemed_by_id == staff.id
    assert f"At {voucher.redeemed_at.astimezone(AARHUS):%H:%M}" in page


def test_the_confirmation_is_only_for_who_used_it(world, client, login_as, shop, make):
    with world() as s:
        vouchers.redeem(s, actor=make_user(s, is_staff=True), code=code_of(shop["voucher"]))
    login_as("staff")
    assert "Voucher used" not in body_of(client.get(f"/redeem?done={shop['voucher'].id}"))


def test_the_offers_partner_redeems_it(world, client, auth, make, shop):
    auth.login(make.user(partner_id=shop["bloc"].id, name="Mads Bloc"))
    code = code_of(shop["voucher"])
    assert "For Noah" in body_of(client.get(f"/redeem?code={code}"))
    assert client.post("/redeem", data={"code": code}).status_code == 303
    assert status_of(world, shop["voucher"]) == "redeemed"


def test_another_partner_gets_the_answer_for_any_code_it_cannot_use(world, client, auth, make, shop):
    auth.login(make.user(partner_id=shop["kino"].id))
    code = code_of(shop["voucher"])
    for response in (client.get(f"/redeem?code={code}"), client.post("/redeem", data={"code": code})):
        assert response.status_code == 404
        assert "This code cannot be used" in body_of(response) and "Klatring" not in body_of(response)
    assert status_of(world, shop["voucher"]) == "open"


def test_used_twice_is_a_409(world, client, login_as, shop):
    login_as("staff")
    assert client.post("/redeem", data={"code": code_of(shop["voucher"])}).status_code == 303
    again = client.post("/redeem", data={"code": code_of(shop["voucher"])})
    assert again.status_code == 409 and "already been used" in body_of(again)
    looked = client.get(f"/redeem?code={code_of(shop['voucher'])}")
    assert looked.status_code == 409 and "Use voucher" not in body_of(looked)


def test_a_voucher_given_back_is_a_409(world, client, login_as, shop):
    staff = login_as("staff")
    with world() as s:
        vouchers.refund(s, actor=s.get(User, staff.id), voucher_id=shop["voucher"].id, reason="Aflyst")
    response = client.post("/redeem", data={"code": code_of(shop["voucher"])})
    assert response.status_code == 409 and "given back" in body_of(response)


def test_an_old_code_asks_for_the_newest_one(world, client, login_as, shop):
    login_as("staff")
    start = (utcnow() + timedelta(minutes=1)).replace(second=5, microsecond=0)  # forward: the login stays good
    with time_machine.travel(start, tick=False) as clock:
        code = code_of(shop["voucher"])
        clock.shift(timedelta(minutes=2))
        response = client.post("/redeem", data={"code": code})
        assert response.status_code == 422
        assert "newest code" in body_of(response)
        assert status_of(world, shop["voucher"]) == "open"
        # The page keeps the old code in the field, so it can be corrected.
        assert f'value="{code}"' in body_of(response)


@pytest.mark.parametrize("code", ["", "abc", "12-34", "'; drop table voucher; --", "1" * 50])
def test_unreadable_codes_are_a_422(client, login_as, shop, code):
    login_as("staff")
    response = client.post("/redeem", data={"code": code})
    assert response.status_code == 422 and "looks like 48-913027" in body_of(response)
    assert client.get("/redeem", query_string={"code": code or "x"}).status_code == 422


def test_digits_without_the_dash_work_from_a_number_pad(world, client, login_as, shop):
    login_as("staff")
    bare = code_of(shop["voucher"]).replace("-", "")
    assert client.post("/redeem", data={"code": bare}).status_code == 303
    assert status_of(world, shop["voucher"]) == "redeemed"


def test_an_htmx_error_answers_the_page_with_its_status(client, login_as, shop):
    login_as("staff")
    response = client.post("/redeem", data={"code": "99999-123456"}, headers=HX)
    assert response.status_code == 404 and "We do not know that code" in body_of(response)


def test_history_shows_first_names_and_only_the_partners_own(world, app, client, auth, make, shop):
    with time_machine.travel(utcnow() - timedelta(days=31)), world() as s:
        old = Offer(title="Gammel tur", category="outdoor", price_klip=1)
        s.add(old)
        s.flush()
        voucher = vouchers.buy(s, actor=s.get(User, shop["noah"].id), offer_id=old.id, key="old")
        vouchers.redeem(s, actor=make_user(s, is_staff=True), code=code_of(voucher))
    with world() as s:
        staff = make_user(s, is_staff=True)
        sara = make_user(s, is_young=True, name="Sara Jensen")
        ledger.grant(s, user_id=sara.id, amount=5, reason="x", actor_id=None)
        cinema = vouchers.buy(s, actor=sara, offer_id=shop["cinema"].id, key="tap")
        vouchers.redeem(s, actor=staff, code=code_of(shop["voucher"]))
        vouchers.redeem(s, actor=staff, code=code_of(cinema))
    auth.login(make.user(partner_id=shop["bloc"].id))
    body = body_of(client.get("/redeem/history"))
    assert "Klatring i Bloc Aarhus" in body and "Noah" in body
    assert "Biograf" not in body and "Sara" not in body and "Sørensen" not in body and "@" not in body
    auth.logout()
    auth.login(make.user(is_staff=True))
    body = body_of(client.get("/redeem/history"))
    assert "Klatring i Bloc Aarhus" in body and "Biograf" in body and "Jensen" not in body
    assert "Gammel tur" not in body  # used more than 30 days ago


@pytest.mark.parametrize("role", [{"is_young": True}, {"is_mentor": True}, {"support_type": "caseworker"}])
def test_young_people_and_mentors_cannot_redeem(world, client, auth, make, shop, role):
    auth.login(make.user(**role))
    code = code_of(shop["voucher"])
    assert client.get("/redeem").status_code == 403
    assert client.get(f"/redeem?code={code}").status_code == 403
    assert client.post("/redeem", data={"code": code}).status_code == 403
    assert client.get("/redeem/history").status_code == 403
    assert status_of(world, shop["voucher"]) == "open"


def test_anonymous_visitors_are_sent_to_log_in(client, shop):
    response = client.get(f"/redeem?code={code_of(shop['voucher'])}")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert client.post("/redeem", data={"code": "1-123456"}).status_code == 401
