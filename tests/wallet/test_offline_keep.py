"""What the server lets a phone keep offline, and until when: never after the login would end if
the person did nothing more, and at most OFFLINE_KEEP_SECONDS; and whose login each answer is."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlmodel import select

from hub.accounts.models import UserSession
from hub.credits import vouchers
from hub.credits.models import Offer, Partner, Voucher
from hub.wallet.keep import KEEP_UNTIL, LOGIN

COPENHAGEN = ZoneInfo("Europe/Copenhagen")


def at(hour: int, minute: int = 0) -> datetime:
    """That time in Copenhagen on a winter Thursday."""
    return datetime(2027, 1, 14, hour, minute, tzinfo=COPENHAGEN).astimezone(UTC)


def kept_until(response) -> datetime:
    return datetime.fromisoformat(response.headers[KEEP_UNTIL])


@pytest.fixture
def young(make):
    return make.user(is_young=True)


@pytest.fixture
def voucher(world, young):
    with world() as s:
        partner = Partner(name="Bloc Aarhus")
        s.add(partner)
        s.flush()
        offer = Offer(title="Klatring", category="sport", price_klip=2, partner_id=partner.id)
        s.add(offer)
        s.flush()
        voucher = Voucher(user_id=young.id, offer_id=offer.id, price_klip=2, qr_secret="33" * 32)
        s.add(voucher)
        s.flush()
        return voucher


def test_a_young_persons_copy_may_be_shown_until_their_login_would_end(client, auth, young):
    """Not "kept logged in": the wallet and the plan go when the 30 minutes idle would end the login."""
    with time_machine.travel(at(14), tick=False) as clock:
        auth.login(young)
        clock.shift(timedelta(seconds=30))
        wallet, plan = client.get("/wallet"), client.get("/plan")
        assert wallet.status_code == plan.status_code == 200
        assert kept_until(wallet) == kept_until(plan) == at(14, 30)
        assert re.fullmatch(r"[0-9a-f]{16}", wallet.headers[LOGIN]) and wallet.headers[LOGIN] == plan.headers[LOGIN]
        # Each use online moves the end on, as it moves the login's.
        clock.shift(timedelta(minutes=20))
        # (a minute early at most: the login's last use is stored once a minute)
        half = timedelta(seconds=30)
        assert at(14, 49) + half <= kept_until(client.get("/wallet")) <= at(14, 50) + half


def test_a_login_kept_on_the_phone_keeps_its_copy_for_hours_not_weeks(client, auth, young):
    with time_machine.travel(at(9), tick=False):
        auth.login(young, remember="y")
        assert kept_until(client.get("/wallet")) == at(21)  # OFFLINE_KEEP_SECONDS: 12 hours


def test_the_copy_never_outlives_the_logins_absolute_end(client, auth, young, world):
    with time_machine.travel(at(14), tick=False):
        auth.login(young)
        with world() as s:
            login = s.exec(select(UserSession).where(UserSession.user_id == young.id)).one()
            login.created_at = at(14) - timedelta(hours=11, minutes=50)  # 12 hours end at 14:10
        assert kept_until(client.get("/wallet")) == at(14, 10)


def test_the_longest_a_copy_is_kept_is_a_setting(app, client, auth, young):
    app.config["OFFLINE_KEEP_SECONDS"] = 5
    with time_machine.travel(at(14), tick=False):
        auth.login(young)
        assert kept_until(client.get("/plan")) == at(14) + timedelta(seconds=5)


def test_only_the_kept_pages_may_be_kept_and_every_answer_names_its_login(client, auth, young, make):
    logged_out = client.get("/wallet")
    assert logged_out.status_code in (302, 303) and KEEP_UNTIL not in logged_out.headers
    assert logged_out.headers[LOGIN] == client.get("/offline").headers[LOGIN] == "none"
    auth.login(young)
    home, wallet = client.get("/"), client.get("/wallet")
    assert KEEP_UNTIL not in home.headers and KEEP_UNTIL not in client.get("/me").headers
    assert home.headers[LOGIN] == wallet.headers[LOGIN] != "none"
    assert LOGIN not in client.get("/static/css/app.css").headers  # a static file says nothing
    auth.logout()
    assert client.get("/").headers[LOGIN] == "none"
    auth.login(young)  # a new login of the same person is another login: the old copies go too
    again = client.get("/wallet").headers[LOGIN]
    auth.logout()
    auth.login(make.user(is_young=True))
    other = client.get("/wallet").headers[LOGIN]
    assert len({wallet.headers[LOGIN], again, other}) == 3


@pytest.mark.parametrize(
    ("hour", "minute", "remember", "codes"),
    [
        (14, 0, False, 1),  # the afternoon: today's code only
        (20, 30, False, 1),  # the evening, but the copy goes at 21:00: before tomorrow
        (23, 45, False, 2),  # the copy lasts until 00:15: tomorrow's code too
        (13, 0, True, 1),  # kept 12 hours, past midnight, but it is not evening yet
        (20, 30, True, 2),  # kept until 08:30 tomorrow: tomorrow's code too
    ],
)
def test_tomorrows_offline_code_is_carried_only_when_it_is_needed(
    client, auth, young, voucher, hour, minute, remember, codes
):
    with time_machine.travel(at(hour, minute), tick=False):
        auth.login(young, **({"remember": "y"} if remember else {}))
        page = client.get("/wallet").get_data(as_text=True)
        today, tomorrow = vouchers.offline_codes(voucher, at(hour, minute))
    assert today.code in page
    assert (tomorrow.code in page) == (codes == 2)
    assert len(re.findall(r'class="wallet-code"', page)) == codes


def test_the_wallet_says_until_when_the_phone_keeps_it(client, auth, young):
    with time_machine.travel(at(14), tick=False):
        client.get("/?lang=en")
        auth.login(young)
        page = client.get("/wallet").get_data(as_text=True)
    assert "This phone keeps it until 14 Jan 2027, 14:30, so it works" in page  # British: day, month, 24 hours
    assert "Keep me logged in on this phone" in page  # how to keep it longer on one's own phone
    client.post("/logout")
    with time_machine.travel(at(14), tick=False):
        auth.login(young, remember="y")
        assert "wallet-keep-longer" not in client.get("/wallet").get_data(as_text=True)
