"""Guessing voucher codes at the redeem page: counted, slowed down, answered alike, told to staff.

The counts (hub/credits/redeem_throttle.py): wrong codes per account (10 an hour, 30 a day) and
per address (20 an hour, 60 a day), and every look-up, right or wrong, more roomily (120 an hour
per account). The clock stands still in each test, so the codes and the counts are exact.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlmodel import select

from hub.accounts.models import User
from hub.credits import services as ledger
from hub.credits import vouchers
from hub.credits.models import Offer, Partner, Voucher
from hub.db import utcnow
from hub.notifications.models import Notification
from tests.conftest import Auth
from tests.factories import make_user

HOME = "192.0.2.10"  # the partner's own network
ELSEWHERE = "198.51.100.7"


# 10:00:05 in Copenhagen on a Tuesday: a day's counts and a day's notification stay in one day.
MORNING = datetime(2030, 3, 12, 9, 0, 5, tzinfo=UTC)


@pytest.fixture
def clock():
    """A clock that stands still; everyone logs in after it has stopped."""
    with time_machine.travel(MORNING, tick=False) as traveller:
        yield traveller


@pytest.fixture
def shop(world):
    """Bloc's climbing and Kino's cinema, and Noah with klip enough for many vouchers."""
    with world() as s:
        bloc, kino = Partner(name="Bloc Aarhus"), Partner(name="Øst for Paradis")
        s.add_all([bloc, kino])
        s.flush()
        climbing = Offer(title="Klatring i Bloc Aarhus", category="sport", price_klip=1, partner_id=bloc.id)
        cinema = Offer(title="Biograf", category="culture", price_klip=1, partner_id=kino.id)
        s.add_all([climbing, cinema])
        s.flush()
        noah = make_user(s, is_young=True, name="Noah Sørensen")
        ledger.grant(s, user_id=noah.id, amount=100, reason="Velkomst", actor_id=None)
        return {"bloc": bloc, "kino": kino, "climbing": climbing, "cinema": cinema, "noah": noah}


def buy(world, shop, offer: str = "climbing", key: str = "tap") -> Voucher:
    with world() as s:
        return vouchers.buy(s, actor=s.get(User, shop["noah"].id), offer_id=shop[offer].id, key=key)


def code_of(voucher: Voucher) -> str:
    return vouchers.current_code(voucher).code


def wrong_codes(voucher_id: int, count: int) -> list[str]:
    """Codes naming a voucher id with digits that are none of its good ones (or any: no voucher)."""
    return [f"{voucher_id}-{n:06d}" for n in range(count)]


def sure_wrong(voucher: Voucher, count: int) -> list[str]:
    good = {code_of(voucher)} | {shown.code for shown in vouchers.offline_codes(voucher)}
    return [code for code in wrong_codes(voucher.id, count + len(good)) if code not in good][:count]


def partner_client(app, make, partner: Partner, *, english: bool = True):
    """A browser of its own, logged in as a new account at `partner` (remembered, as the phone
    at a door would be, so the hours the clock moves on do not log it out)."""
    client = app.test_client()
    if english:
        client.get("/?lang=en")
    account = make.user(partner_id=partner.id, name=f"Mads {partner.name}")
    Auth(client).login(account, remember="y")
    return client, account


def look(client, code: str, address: str = HOME):
    return client.get("/redeem", query_string={"code": code}, environ_base={"REMOTE_ADDR": address})


def use(client, code: str, address: str = HOME):
    return client.post("/redeem", data={"code": code}, environ_base={"REMOTE_ADDR": address})


def test_a_partner_account_guessing_codes_is_stopped_at_ten_wrong_codes_an_hour(app, world, make, shop, clock):
    door, _account = partner_client(app, make, shop["bloc"])
    voucher = buy(world, shop)
    for code in sure_wrong(voucher, 10):
        assert look(door, code).status_code == 404
    # Any address, any code: the account waits, and the page says for how long.
    for response in (look(door, code_of(voucher), ELSEWHERE), use(door, code_of(voucher), ELSEWHERE)):
        assert response.status_code == 429
        assert 0 < int(response.headers["Retry-After"]) <= 3600
        body = response.get_data(as_text=True)
        assert "Try again in 1 hour" in body and "Klatring" not in body
    partial = look(door, "1-123456", ELSEWHERE)
    assert partial.status_code == 429
    clock.shift(timedelta(hours=1, minutes=1))
    assert look(door, code_of(voucher)).status_code == 200
    assert use(door, code_of(voucher)).status_code == 303


@pytest.mark.clock
def test_thirty_wrong_codes_a_day_stop_an_account_until_the_next_day(app, world, make, shop, clock):
    door, _account = partner_client(app, make, shop["bloc"])
    voucher = buy(world, shop)
    codes = sure_wrong(voucher, 30)
    for hour in range(3):
        for code in codes[hour * 10 : hour * 10 + 10]:
            assert look(door, code).status_code == 404
        clock.shift(timedelta(hours=1, minutes=1))
    response = look(door, code_of(voucher))
    assert response.status_code == 429 and "Try again tomorrow at 10:00" in response.get_data(as_text=True)
    assert int(response.headers["Retry-After"]) > 20 * 3600
    clock.shift(timedelta(hours=21))
    assert look(door, code_of(voucher)).status_code == 200


def test_accounts_sharing_an_address_are_stopped_together(app, world, make, shop, clock):
    """Twenty wrong codes an hour from one address, whichever partner accounts typed them."""
    voucher = buy(world, shop)
    first, _ = partner_client(app, make, shop["bloc"])
    second, _ = partner_client(app, make, shop["kino"])
    third, _ = partner_client(app, make, shop["bloc"], english=False)
    codes = sure_wrong(voucher, 20)
    for code in codes[:10]:
        assert look(first, code).status_code == 404
    for code in codes[10:]:
        assert use(second, code).status_code == 404
    refused = look(third, code_of(voucher))  # its first try, but from the same address
    assert refused.status_code == 429 and "Prøv igen om 1 time" in refused.get_data(as_text=True)
    assert look(third, code_of(voucher), ELSEWHERE).status_code == 200


def test_every_code_a_partner_cannot_use_gets_the_same_answer(app, world, make, shop, clock):
    """Unknown id, another partner's voucher, wrong digits, an old code, used, given back: one
    status and one page, apart from the code typed back into the field."""
    staff = make.user(is_staff=True)
    own, used, given_back = (buy(world, shop, key=key) for key in ("own", "used", "back"))
    others = buy(world, shop, "cinema", key="cinema")
    old_code = code_of(own)
    clock.shift(timedelta(minutes=2))
    with world() as s:
        vouchers.redeem(s, actor=s.get(User, staff.id), code=code_of(used))
        vouchers.refund(s, actor=s.get(User, staff.id), voucher_id=given_back.id, reason="Aflyst")
    codes = [
        f"{others.id + 1000}-{code_of(own)[-6:]}",  # no such voucher
        code_of(others),
        sure_wrong(own, 1)[0],
        old_code,
        code_of(used),
        code_of(given_back),
    ]
    for ask in (look, use):  # a fresh account each: six of each are well under the limits
        door, _account = partner_client(app, make, shop["bloc"])
        answers = [ask(door, code) for code in codes]
        assert {answer.status_code for answer in answers} == {404}
        pages = {
            answer.get_data(as_text=True).replace(code, "CODE") for answer, code in zip(answers, codes, strict=True)
        }
        assert len(pages) == 1
        page = pages.pop()
        assert "This code cannot be used" in page and 'value="CODE"' in page
        assert "Klatring" not in page and "Biograf" not in page and "Noah" not in page
    with world() as s:
        assert s.get(Voucher, own.id).status == "open" and s.get(Voucher, others.id).status == "open"


def test_staff_still_see_why_a_code_fails_and_count_like_everyone(app, world, client, auth, make, shop, clock):
    client.get("/?lang=en")
    voucher = buy(world, shop)
    staff = make.user(is_staff=True)
    auth.login(staff)
    assert use(client, code_of(voucher)).status_code == 303
    again = look(client, code_of(voucher))
    assert again.status_code == 409 and "already been used" in again.get_data(as_text=True)
    for code in sure_wrong(voucher, 9):
        look(client, code)
    assert look(client, code_of(voucher)).status_code == 429
    with world() as s:
        assert not s.exec(select(Notification).where(Notification.kind == "klip_guessing")).all()


def test_a_right_code_works_after_a_few_wrong_ones(app, world, make, shop, clock):
    door, _account = partner_client(app, make, shop["bloc"])
    voucher, next_one = buy(world, shop, key="a"), buy(world, shop, key="b")
    for code in sure_wrong(voucher, 9):  # typos at the door
        assert look(door, code).status_code == 404
    assert look(door, code_of(voucher)).status_code == 200
    assert use(door, code_of(voucher)).status_code == 303
    assert look(door, sure_wrong(next_one, 1)[0]).status_code == 404  # the tenth wrong code
    assert look(door, code_of(next_one)).status_code == 429


def test_a_busy_door_is_not_held_up_by_right_codes(app, world, make, shop, clock):
    """Sixty look-ups of right codes and a few wrong ones in an hour all work; only a flood of
    look-ups (over 120 an hour) waits."""
    door, _account = partner_client(app, make, shop["bloc"])
    tickets = [buy(world, shop, key=f"t{n}") for n in range(30)]
    for number, ticket in enumerate(tickets):
        if number % 6 == 0:
            assert look(door, sure_wrong(ticket, 1)[0]).status_code == 404
        assert look(door, code_of(ticket)).status_code == 200
        assert use(door, code_of(ticket)).status_code == 303
    spare = buy(world, shop, key="spare")
    for _ in range(120 - 65):
        assert look(door, code_of(spare)).status_code == 200
    assert look(door, code_of(spare)).status_code == 429


def test_staff_hear_once_when_a_partner_account_guesses(app, world, make, shop, clock):
    with world() as s:
        staff = [make_user(s, is_staff=True), make_user(s, is_admin=True, is_staff=True)]
        gone = make_user(s, is_staff=True, disabled_at=utcnow())
    voucher = buy(world, shop)
    door, account = partner_client(app, make, shop["bloc"])
    codes = sure_wrong(voucher, 30)
    for code in codes[:9]:
        look(door, code)
    with world() as s:
        assert not s.exec(select(Notification).where(Notification.kind == "klip_guessing")).all()
    look(door, codes[9])  # the tenth: the account has to wait, and the staff hear of it
    look(door, codes[10])
    clock.shift(timedelta(hours=1, minutes=1))
    for code in codes[10:20]:  # another hour's worth the same day: no second notification
        look(door, code)
    with world() as s:
        told = s.exec(select(Notification).where(Notification.kind == "klip_guessing")).all()
    assert sorted(n.user_id for n in told) == sorted(person.id for person in staff)
    assert gone.id not in {n.user_id for n in told} and account.id not in {n.user_id for n in told}
    for notification in told:
        assert "Bloc Aarhus" in notification.title and "Mads" in notification.body
        assert notification.url.startswith("/staff/people?q=")
        assert code_of(voucher)[-6:] not in notification.title + notification.body
