"""The young person's klippekort: my klip, the catalogue, buying once per tap, and the ticket."""

from __future__ import annotations

import html
import re
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
import requests
import time_machine
from sqlalchemy import event as sa_event
from sqlmodel import func, select

from hub.credits import services as ledger
from hub.credits import vouchers
from hub.credits.models import EntryKind, KlipEntry, Offer, OfferKind, Partner, Voucher, VoucherStatus
from hub.db import job_session, utcnow
from tests.factories import DEFAULT_PASSWORD, make_user

pytestmark = pytest.mark.usefixtures("english")

NOVEMBER = datetime(2027, 11, 20, 12, 0, tzinfo=UTC)
KEY = re.compile(r'name="key" value="([^"]+)"')
CODE = re.compile(r"\b\d+-\d{6}\b")


@pytest.fixture
def person(app, world):
    """A young person with a logged-in client of their own, reading English."""

    def make(klip: int = 0, **overrides):
        with world() as s:
            user = make_user(s, **{"is_young": True, **overrides})
            if klip:
                ledger.grant(s, user_id=user.id, amount=klip, reason="Velkomstklip", actor_id=None)
        client = app.test_client()
        client.get("/?lang=en")
        response = client.post("/login", data={"email": user.email, "password": DEFAULT_PASSWORD})
        assert response.status_code == 303
        return client, user

    return make


@pytest.fixture
def shop(world):
    """Two partners and their offers: climbing (2 klip), cinema (1), company the first time (1)."""
    with world() as s:
        bloc, kino = Partner(name="Bloc Aarhus"), Partner(name="Øst for Paradis")
        s.add_all([bloc, kino])
        s.flush()
        offers = {
            "climbing": Offer(
                title="Klatring i Bloc Aarhus",
                category="sport",
                price_klip=2,
                partner_id=bloc.id,
                description="Bouldering for alle niveauer. Sko kan lejes.",
                link="https://blocaarhus.dk",
                icon="star",
            ),
            "cinema": Offer(
                title="Biografbillet",
                category="culture",
                price_klip=1,
                partner_id=kino.id,
                link="javascript:alert(1)",
            ),
            "company": Offer(
                title="En fra hubben går med første gang", category="sport", kind=OfferKind.COMPANION, price_klip=1
            ),
            "gone": Offer(title="Sommerkursus", category="course", price_klip=1, active=False),
        }
        s.add_all(offers.values())
        s.flush()
        return {name: offer.id for name, offer in offers.items()}


def give(session, user, amount: int, reason: str, expires_at: datetime | None = None) -> None:
    ledger.grant(session, user_id=user.id, amount=amount, reason=reason, actor_id=None, expires_at=expires_at)


def text(response) -> str:
    return response.get_data(as_text=True)


def key_from(client, offer_id: int) -> str:
    return KEY.search(text(client.get(f"/klip/offers/{offer_id}"))).group(1)


def buy(client, offer_id: int, key: str | None = None, **kwargs):
    return client.post(f"/klip/offers/{offer_id}/buy", data={"key": key or key_from(client, offer_id)}, **kwargs)


def bought(client, offer_id: int) -> int:
    """Buy, and return the voucher's id from where the answer sends us."""
    response = buy(client, offer_id)
    assert response.status_code == 303, text(response)[:500]
    return int(response.headers["Location"].rsplit("/", 1)[1])


def count(world, model, *where) -> int:
    with world() as s:
        return s.exec(select(func.count()).select_from(model).where(*where)).one()


def balance(world, user) -> int:
    with world() as s:
        return ledger.balance(s, user.id)


# --- my klip ---


def test_klip_page_shows_what_i_have_when_it_expires_and_what_happened(world, person, shop, make):
    staff = make.user(is_staff=True)
    with time_machine.travel(NOVEMBER - timedelta(days=40), tick=False):
        client, user = person(klip=6)
        with world() as s:
            give(s, user, 3, "Sommerklip", utcnow() + timedelta(days=5))
    with time_machine.travel(NOVEMBER, tick=False) as clock:
        with world() as s:
            ledger.expire_due(s)
            give(s, user, 3, "Novemberklip", datetime(2027, 12, 1, 12, tzinfo=UTC))
            give(s, user, 4, "Vinterklip", datetime(2028, 1, 12, 12, tzinfo=UTC))
        clock.shift(timedelta(minutes=1))
        client.post("/login?lang=en", data={"email": user.email, "password": DEFAULT_PASSWORD})  # 40 days on
        climbing = bought(client, shop["climbing"])  # takes the oldest klip: the 6 that never expire
        clock.shift(timedelta(minutes=1))
        bought(client, shop["cinema"])
        clock.shift(timedelta(minutes=1))
        with world() as s:
            vouchers.refund(s, actor=staff, voucher_id=climbing, reason="Bloc holdt lukket")
            ledger.correct(s, user_id=user.id, amount=2, reason="Glemt i oktober", actor_id=staff.id, key="fix-1")
        clock.shift(timedelta(minutes=1))
        page = client.get("/klip")
    body = text(page)
    assert page.status_code == 200
    assert re.search(r'klip-balance__number">\s*14\s', body)  # 6 - 2 - 1 + 2 + 2 + 3 + 4
    assert "3 klip expire on 1 December" in body and "4 klip expire on 12 January 2028" in body
    history = [
        "Correction: +2 (Glemt i oktober)",
        "You got 2 klip back: Bloc holdt lukket",
        "You used 1 klip on Biografbillet",
        "You used 2 klip on Klatring i Bloc Aarhus",
        "You got 4 klip: Vinterklip",
        "You got 3 klip: Novemberklip",
        "3 klip expired",
        "You got 3 klip: Sommerklip",
        "You got 6 klip: Velkomstklip",
    ]
    positions = [body.index(line) for line in history]
    assert positions == sorted(positions), "newest first"
    assert 'href="/klip/offers"' in body and 'href="/klip/vouchers"' in body


def test_klip_that_ran_out_before_the_nightly_job_are_not_counted(world, person):
    client, user = person(klip=2)
    with world() as s:
        give(s, user, 3, "Sommerklip", utcnow() + timedelta(minutes=5))
    with time_machine.travel(utcnow() + timedelta(minutes=10)):
        body = text(client.get("/klip"))
    assert re.search(r'klip-balance__number">\s*2\s', body)
    assert "3 klip ran out and can no longer be used" in body


def test_danish_is_the_default(person):
    client, _ = person(klip=1)
    body = text(client.get("/klip?lang=da"))
    assert '<html lang="da"' in body


def test_only_young_people_have_a_klippekort(client, login_as):
    assert client.get("/klip").headers["Location"].startswith("/login")
    login_as("mentor")
    for path in ("/klip", "/klip/offers", "/klip/vouchers"):
        assert client.get(path).status_code == 403, path


# --- the catalogue ---


def test_catalogue_shows_offers_by_category_with_partner_price_and_link(person, shop):
    client, _ = person(klip=5)
    body = text(client.get("/klip/offers"))
    assert "Klatring i Bloc Aarhus" in body and "Bloc Aarhus" in body and "Biografbillet" in body
    assert "Bouldering for alle niveauer" in body and "You have 5 klip" in body
    assert 'href="https://blocaarhus.dk" rel="noopener"' in body and 'target="_blank"' not in body
    assert "javascript:" not in body  # a link that is not a web page is left out
    assert "Sommerkursus" not in body  # no longer offered
    company = body.split("Someone to go with / a talk afterwards")[1]
    assert "En fra hubben går med første gang" in company and "Klatring" not in company
    assert f'href="/klip/offers/{shop["climbing"]}"' in body


def test_category_chips_filter_and_a_bad_category_is_a_clear_400(person, shop):
    client, _ = person()
    body = text(client.get("/klip/offers?category=culture"))
    assert "Biografbillet" in body and "Klatring" not in body
    assert 'href="/klip/offers?category=culture" aria-current="true"' in body
    response = client.get("/klip/offers?category=parties")
    assert response.status_code == 400
    assert "We do not have that kind of offer" in text(response) and "Klatring" in text(response)


def test_a_chip_asks_for_the_list_only(person, shop):
    client, _ = person()
    body = text(client.get("/klip/offers?category=sport", headers={"HX-Request": "true"}))
    assert body.lstrip().startswith('<div id="offers"') and "<html" not in body
    boosted = client.get("/klip/offers?category=sport", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert "<html" in text(boosted)


def test_staff_see_the_catalogue_but_do_not_buy(client, login_as, shop):
    login_as("staff")
    assert "Klatring i Bloc Aarhus" in text(client.get("/klip/offers"))
    page = client.get(f"/klip/offers/{shop['climbing']}")
    assert page.status_code == 200 and "Young people use their klip here" in text(page)
    assert 'name="key"' not in text(page)
    assert client.post(f"/klip/offers/{shop['climbing']}/buy", data={"key": "abc"}).status_code == 403
    assert client.get("/klip").status_code == 403


def test_a_mentor_may_not_look_at_an_offer(client, login_as, shop):
    login_as("mentor")
    assert client.get(f"/klip/offers/{shop['climbing']}").status_code == 403


def test_unknown_or_ended_offers_are_404(person, shop):
    client, _ = person(klip=5)
    for offer_id in (shop["gone"], 999999):
        assert client.get(f"/klip/offers/{offer_id}").status_code == 404
        assert client.post(f"/klip/offers/{offer_id}/buy", data={"key": "k"}).status_code == 404


# --- buying ---


def test_buying_gives_a_ticket_with_a_qr_code_and_a_code_to_type(world, person, shop):
    client, user = person(klip=5)
    page = text(client.get(f"/klip/offers/{shop['climbing']}"))
    assert "Use 2 klip" in page and "You have 5 klip." in page and "Afterwards you have 3 left." in page
    voucher_id = bought(client, shop["climbing"])
    ticket = client.get(f"/klip/vouchers/{voucher_id}")
    body = html.unescape(text(ticket))
    assert ticket.status_code == 200 and "It's yours! Show the ticket at Bloc Aarhus." in body  # the flash
    assert "Show this at the counter" in body and "Klatring i Bloc Aarhus" in body
    code_block = body.split('id="voucher-code"')[1]
    assert "<svg" in code_block and 'hx-trigger="every 20s"' in body
    with world() as s:
        expected = vouchers.current_code(s.get(Voucher, voucher_id)).code
    assert expected in code_block
    for word in ("free", "gratis", "support", "help"):
        assert word not in body.split('class="ticket-card')[1].split("</article>")[0].lower(), word
    assert balance(world, user) == 3


def test_the_ticket_qr_code_holds_the_redeem_address_with_todays_code(world, person, shop, monkeypatch):
    from hub.credits import views

    seen = []
    monkeypatch.setattr(views, "qr_svg", lambda link: seen.append(link) or "<svg></svg>")
    client, _ = person(klip=5)
    voucher_id = bought(client, shop["climbing"])
    body = text(client.get(f"/klip/vouchers/{voucher_id}"))
    [link] = seen
    code = CODE.search(body).group(0)
    assert link.startswith("http://localhost/redeem") and link.endswith(code)


def test_buying_with_htmx_navigates_to_the_ticket(person, shop):
    client, _ = person(klip=5)
    response = buy(client, shop["cinema"], headers={"HX-Request": "true"})
    assert response.status_code == 204 and response.headers["HX-Redirect"].startswith("/klip/vouchers/")


def test_a_double_tap_buys_once(world, person, shop):
    client, user = person(klip=5)
    key = key_from(client, shop["climbing"])
    first, second = buy(client, shop["climbing"], key), buy(client, shop["climbing"], key)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert count(world, Voucher, Voucher.user_id == user.id) == 1
    assert count(world, KlipEntry, KlipEntry.user_id == user.id, KlipEntry.kind == EntryKind.SPEND) == 1
    assert balance(world, user) == 3
    assert key_from(client, shop["climbing"]) != key  # the next page view is a new purchase


def test_not_enough_klip_is_a_kind_409_and_buys_nothing(world, person, shop):
    client, user = person(klip=1)
    page = text(client.get(f"/klip/offers/{shop['climbing']}"))
    assert "You have 1 klip; this costs 2." in page and "Use 2 klip" not in page
    response = buy(client, shop["climbing"], "a-key-from-an-older-page")
    assert response.status_code == 409
    assert "data-error-summary" in text(response) and "You have 1 klip; this costs 2." in text(response)
    assert count(world, Voucher) == 0
    assert count(world, KlipEntry, KlipEntry.kind == EntryKind.SPEND) == 0
    assert balance(world, user) == 1


def test_a_buy_without_its_key_is_a_422(world, person, shop):
    client, _ = person(klip=5)
    response = client.post(f"/klip/offers/{shop['climbing']}/buy", data={})
    assert response.status_code == 422 and "Please tap once more" in text(response)
    assert count(world, Voucher) == 0


def test_company_the_first_time_is_arranged_with_the_staff(person, shop):
    client, _ = person(klip=5)
    voucher_id = bought(client, shop["company"])
    body = text(client.get(f"/klip/vouchers/{voucher_id}"))
    assert "The staff will get in touch to find a time with you" in body  # the flash
    assert "Show this when you meet" in body


# --- my tickets ---


def test_my_tickets_lists_open_ones_first_then_used_and_given_back(world, person, shop, make):
    staff = make.user(is_staff=True)
    client, user = person(klip=5)
    used, returned, ready = (bought(client, shop[name]) for name in ("cinema", "climbing", "company"))
    with world() as s:
        code = vouchers.current_code(s.get(Voucher, used)).code
        vouchers.redeem(s, actor=staff, code=code)
        vouchers.refund(s, actor=staff, voucher_id=returned, reason="Lukket")
    body = text(client.get("/klip/vouchers"))
    open_part, earlier = body.split("Used and given back")
    assert f"/klip/vouchers/{ready}" in open_part and "Ready to use" in open_part
    assert f"/klip/vouchers/{used}" in earlier and f"/klip/vouchers/{returned}" in earlier
    assert "Used on" in earlier and "Given back on" in earlier

    used_page = text(client.get(f"/klip/vouchers/{used}"))
    assert "Used on" in used_page and "every 20s" not in used_page and 'class="qr"' not in used_page
    assert not CODE.search(used_page)
    returned_page = text(client.get(f"/klip/vouchers/{returned}"))
    assert "Your 2 klip are back" in returned_page and 'class="qr"' not in returned_page


def test_no_tickets_yet_points_to_the_catalogue(person):
    client, _ = person()
    body = text(client.get("/klip/vouchers"))
    assert "No tickets right now" in body and 'href="/klip/offers"' in body


def test_nobody_sees_another_persons_ticket(person, shop, client):
    owner, _ = person(klip=5)
    voucher_id = bought(owner, shop["climbing"])
    other, _ = person(klip=5)
    assert other.get(f"/klip/vouchers/{voucher_id}").status_code == 404
    assert other.get(f"/klip/vouchers/{voucher_id}/code", headers={"HX-Request": "true"}).status_code == 404
    assert client.get(f"/klip/vouchers/{voucher_id}").headers["Location"].startswith("/login")
    polled = client.get(f"/klip/vouchers/{voucher_id}/code", headers={"HX-Request": "true"})
    assert polled.status_code == 401 and polled.headers["HX-Redirect"].startswith("/login")


def test_the_code_block_is_a_fragment_that_changes_each_minute(person, shop):
    with time_machine.travel(NOVEMBER + timedelta(seconds=5), tick=False) as clock:
        client, _ = person(klip=5)
        voucher_id = bought(client, shop["climbing"])
        url = f"/klip/vouchers/{voucher_id}/code"
        first = client.get(url, headers={"HX-Request": "true"})
        body = text(first)
        assert body.lstrip().startswith('<div id="voucher-code"') and "<html" not in body
        assert 'hx-get="' + url + '"' in body and 'hx-swap="outerHTML"' in body
        assert "Changes in 55 seconds" in body
        assert first.headers["Cache-Control"] == "no-store"
        clock.shift(timedelta(seconds=20))
        assert CODE.search(text(client.get(url, headers={"HX-Request": "true"}))).group(0) == CODE.search(body).group(0)
        clock.shift(timedelta(seconds=40))
        later = text(client.get(url, headers={"HX-Request": "true"}))
    assert CODE.search(later).group(0) != CODE.search(body).group(0)
    assert "Changes in 55 seconds" in later  # the next minute, five seconds in
    assert "<html" in text(client.get(url))  # without htmx: the whole ticket page


# --- home and me ---


def test_home_shows_my_klip_and_what_expires_soon(world, person):
    with time_machine.travel(NOVEMBER, tick=False):
        client, user = person(klip=2)
        with world() as s:
            give(s, user, 3, "Novemberklip", datetime(2027, 12, 1, 12, tzinfo=UTC))
            give(s, user, 4, "Vinterklip", datetime(2028, 1, 12, 12, tzinfo=UTC))
        body = text(client.get("/"))
    card = body.split('id="home-klip"')[1].split("</section>")[0]
    assert "You have 9 klip" in card and 'href="/klip"' in card
    assert "3 klip expire on 1 December" in card
    assert "Vinterklip" not in card and "January" not in card  # more than 30 days away


def test_home_and_me_with_no_klip_yet(person):
    client, _ = person()
    assert "You have 0 klip" in text(client.get("/"))
    assert 'href="/klip"' in text(client.get("/me"))


def test_home_and_my_tickets_cost_the_same_queries_for_few_or_many(app, world, person, shop):
    client, _ = person(klip=40)

    def statements(path: str) -> int:
        seen = []
        engine = app.extensions["hub_engine"]
        listener = lambda *args: seen.append(args[2])  # noqa: E731
        sa_event.listen(engine, "before_cursor_execute", listener)
        try:
            assert client.get(path).status_code == 200
        finally:
            sa_event.remove(engine, "before_cursor_execute", listener)
        return len(seen)

    bought(client, shop["cinema"])
    client.get("/")  # the first page after login also checks consent once
    few = {path: statements(path) for path in ("/", "/klip", "/klip/vouchers", "/klip/offers")}
    for name in ("climbing", "company", "cinema", "climbing"):
        bought(client, shop[name])
    assert {path: statements(path) for path in few} == few


# --- many taps at once, against a real server ---

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def tap_buy(base: str, email: str, offer_id: int, keys: list[str]) -> list[int]:
    """One client process: log in once, then tap "buy" from one thread per key, all at once."""
    login = requests.Session()
    token = CSRF.search(login.get(base + "/login", timeout=30).text).group(1)
    data = {"csrf_token": token, "email": email, "password": DEFAULT_PASSWORD}
    assert login.post(base + "/login", data=data, allow_redirects=False, timeout=30).status_code == 303
    token = CSRF.search(login.get(f"{base}/klip/offers/{offer_id}", timeout=30).text).group(1)

    def tap(key: str) -> int:
        session = requests.Session()  # a phone's second tap: same login, its own connection
        session.cookies.update(login.cookies)
        url = f"{base}/klip/offers/{offer_id}/buy"
        return session.post(url, data={"csrf_token": token, "key": key}, allow_redirects=False, timeout=60).status_code

    with ThreadPoolExecutor(len(keys)) as pool:
        return list(pool.map(tap, keys))


def race(app, base: str, klip: int, price: int, keys: list[str]) -> tuple[list[int], int, int, int]:
    """12 taps from 3 processes for one young person: (statuses, vouchers, spends, balance)."""
    with app.app_context(), job_session() as s:
        user = make_user(s, is_young=True)
        ledger.grant(s, user_id=user.id, amount=klip, reason="Velkomstklip", actor_id=None)
        offer = Offer(title="Klatring", category="sport", price_klip=price)
        s.add(offer)
        s.flush()
        user_id, offer_id = user.id, offer.id
    groups = [keys[i::3] for i in range(3)]
    with ProcessPoolExecutor(3) as pool:
        runs = pool.map(tap_buy, [base] * 3, [user.email] * 3, [offer_id] * 3, groups)
        statuses = [status for run in runs for status in run]
    with app.app_context(), job_session() as s:
        made = s.exec(select(func.count()).select_from(Voucher).where(Voucher.user_id == user_id)).one()
        spends = s.exec(
            select(func.count())
            .select_from(KlipEntry)
            .where(KlipEntry.user_id == user_id, KlipEntry.kind == EntryKind.SPEND)
        ).one()
        return statuses, made, spends, ledger.balance(s, user_id)


def test_twelve_taps_with_the_same_key_buy_once(app, gunicorn_server):
    statuses, made, spends, left = race(app, gunicorn_server, klip=5, price=2, keys=["one-page-view"] * 12)
    assert statuses == [303] * 12, statuses
    assert (made, spends, left) == (1, 1, 3)


def test_twelve_different_taps_buy_only_what_the_klip_cover(app, gunicorn_server):
    statuses, made, spends, left = race(app, gunicorn_server, klip=5, price=2, keys=[f"view-{i}" for i in range(12)])
    assert all(status < 500 for status in statuses), statuses
    assert sorted(statuses) == [303] * 2 + [409] * 10, statuses
    assert (made, spends, left) == (2, 2, 1)
    with app.app_context(), job_session() as s:
        assert {v.status for v in s.exec(select(Voucher)).all()} == {VoucherStatus.OPEN}
