"""Klip for staff: who has what, grants to one or many, corrections, vouchers given back,
monthly grants, the catalogue and its partners, numbers, and partner accounts."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import event as sa_event
from sqlmodel import func, select

from hub.accounts.models import User
from hub.credits import jobs, stats, vouchers
from hub.credits import services as ledger
from hub.credits.models import Allotment, EntryKind, KlipEntry, Offer, Partner, Voucher
from hub.db import utcnow
from hub.events.models import Booking, BookingStatus
from tests.events.helpers import make_event
from tests.factories import make_user

pytestmark = pytest.mark.usefixtures("english")

AARHUS = ZoneInfo("Europe/Copenhagen")
HX = {"HX-Request": "true"}
KEY = "0123456789abcdef0123456789abcdef"
LINK = re.compile(r'value="(http://[^"]+/welcome/[^"]+)"')


@pytest.fixture
def young(world):
    """A young person in the trial with 10 klip."""
    with world() as s:
        person = make_user(s, is_young=True, name="Noah Sørensen", trial_enrolled_at=utcnow())
        ledger.grant(s, user_id=person.id, amount=10, reason="Velkomstklip", actor_id=None)
        return person


@pytest.fixture
def shop(world):
    with world() as s:
        bloc, kino = Partner(name="Bloc Aarhus"), Partner(name="Øst for Paradis")
        s.add_all([bloc, kino])
        s.flush()
        climbing = Offer(title="Klatring i Bloc Aarhus", category="sport", price_klip=2, partner_id=bloc.id)
        cinema = Offer(title="Biograf", category="culture", price_klip=1, partner_id=kino.id)
        s.add_all([climbing, cinema])
        s.flush()
        return {"bloc": bloc, "kino": kino, "climbing": climbing, "cinema": cinema}


def body_of(response) -> str:
    return response.get_data(as_text=True)


def balance_of(world, user_id: int) -> int:
    with world() as s:
        return ledger.balance(s, user_id)


def entries_of(world, user_id: int) -> list[KlipEntry]:
    with world() as s:
        return ledger.entries_of(s, user_id)


def buy(world, person, offer, key="tap") -> Voucher:
    with world() as s:
        return vouchers.buy(s, actor=s.get(User, person.id), offer_id=offer.id, key=key)


# --- who has what ---------------------------------------------------------------------------


@pytest.mark.clock
def test_overview_shows_balance_available_and_what_runs_out_soon(world, client, login_as, young):
    with world() as s:
        other = make_user(s, is_young=True, name="Sara Jensen")
        soon = utcnow() + timedelta(days=5)
        ledger.grant(s, user_id=other.id, amount=3, reason="Maj", actor_id=None, expires_at=soon)
        ledger.grant(s, user_id=other.id, amount=4, reason="Juni", actor_id=None)
        make_user(s, is_staff=True, name="Kirsten Staff")
    login_as("staff")
    body = body_of(client.get("/staff/klip"))
    assert "Noah Sørensen" in body and "Sara Jensen" in body and "Kirsten Staff" not in body
    row = body.split("Sara Jensen")[1].split("</tr>")[0]
    assert [int(n) for n in re.findall(r"<td>(\d+)", row)] == [7, 7, 3]


def test_overview_reads_balances_in_one_grouped_query(app, world, client, login_as):
    with world() as s:
        for number in range(6):
            person = make_user(s, is_young=True)
            ledger.grant(s, user_id=person.id, amount=number + 1, reason="x", actor_id=None)
            if number % 2:
                ledger.grant(s, user_id=person.id, amount=1, reason="y", actor_id=None, expires_at=utcnow() + SOON)
    login_as("staff")
    statements = []

    def count(_conn, _cursor, statement, *_args):
        if "klip_entry" in statement:
            statements.append(statement)

    engine = app.extensions["hub_engine"]
    sa_event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get("/staff/klip").status_code == 200
    finally:
        sa_event.remove(engine, "before_cursor_execute", count)
    # One grouped query for every balance, one for the lots of those whose klip can run out.
    assert len(statements) == 2, statements


SOON = timedelta(days=3)


def test_search_answers_htmx_with_the_list_only(client, login_as, young, make):
    make.user(is_young=True, name="Sara Jensen")
    login_as("staff")
    response = client.get("/staff/klip?q=noah", headers=HX)
    body = body_of(response)
    assert response.status_code == 200 and "<html" not in body and 'id="klip-people"' in body
    assert "Noah Sørensen" in body and "Sara Jensen" not in body
    assert "<html" in body_of(client.get("/staff/klip?q=noah"))


def test_person_page_tells_who_why_and_what_for(world, client, login_as, young, shop):
    buy(world, young, shop["climbing"])
    with world() as s:
        event = make_event(s, title="Mad for en SU", price_klip=1)
        booking = Booking(event_id=event.id, user_id=young.id, status=BookingStatus.CONFIRMED, ticket_code="t1")
        s.add(booking)
        s.flush()
        ledger.spend(s, user_id=young.id, amount=1, reason=event.title, key="book-1", booking_id=booking.id)
        s.add(Allotment(name="Månedens klip", audience="trial", amount=2))
    with world() as s:
        jobs.apply_allotments(s)
    staff = login_as("staff", name="Kirsten Holm")
    client.post(
        f"/staff/klip/people/{young.id}/grant",
        data={"grant-amount": "3", "grant-reason": "Fødselsdag", "grant-key": KEY},
    )
    body = body_of(client.get(f"/staff/klip/people/{young.id}"))
    history = body.split('id="history"')[1]
    assert "Fødselsdag" in history and staff.name in history
    assert "Voucher:" in history and "Klatring i Bloc Aarhus" in history
    assert "Event:" in history and "Mad for en SU" in history
    assert "Every month:" in history and "Månedens klip" in history
    assert balance_of(world, young.id) == 10 - 2 - 1 + 2 + 3
    vouchers_part = body.split('id="vouchers"')[1].split('id="history"')[0]
    assert "Klatring i Bloc Aarhus" in vouchers_part and "Give back" in vouchers_part


def test_only_young_people_have_klip_pages(client, login_as, make):
    mentor = make.user(is_mentor=True)
    staff = login_as("staff")
    for user_id in (mentor.id, staff.id, 999999):
        assert client.get(f"/staff/klip/people/{user_id}").status_code == 404
        response = client.post(f"/staff/klip/people/{user_id}/grant", data={"grant-amount": "2", "grant-reason": "x"})
        assert response.status_code == 404


# --- giving klip to one person ----------------------------------------------------------------


def grant(client, person, **fields):
    data = {"grant-amount": "5", "grant-reason": "Godt gået", "grant-expires_on": "", "grant-key": KEY}
    data.update({f"grant-{name}": value for name, value in fields.items()})
    return client.post(f"/staff/klip/people/{person.id}/grant", data=data)


@pytest.mark.clock
def test_grant_with_an_expiry_at_the_end_of_the_day_in_aarhus(world, client, login_as, young):
    staff = login_as("staff")
    day = (utcnow() + timedelta(days=40)).astimezone(AARHUS).date()
    response = grant(client, young, expires_on=day.isoformat())
    assert response.status_code == 303 and response.headers["Location"] == f"/staff/klip/people/{young.id}"
    entry = entries_of(world, young.id)[-1]
    assert (entry.amount, entry.kind, entry.reason, entry.actor_id) == (5, EntryKind.GRANT, "Godt gået", staff.id)
    assert entry.expires_at == datetime.combine(day, time(23, 59, 59), AARHUS).astimezone(UTC)
    assert balance_of(world, young.id) == 15


def test_a_grant_posted_twice_grants_once(world, client, login_as, young):
    login_as("staff")
    assert grant(client, young).status_code == 303
    assert grant(client, young).status_code == 303
    assert balance_of(world, young.id) == 15


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"amount": "0"}, "at least 1"),
        ({"amount": "-3"}, "at least 1"),
        ({"amount": "1001"}, "more klip than we allow at once (1000)"),
        ({"amount": "abc"}, "Write a whole number"),
        ({"amount": "2.5"}, "Write a whole number"),
        ({"amount": ""}, "Write how many klip"),
        ({"reason": "   "}, "Write why"),
        ({"reason": "x" * 301}, "300 characters or fewer"),
        ({"expires_on": "2001-01-01"}, "today or later"),
        ({"expires_on": "next week"}, "Choose a date"),
        ({"expires_on": "2099-01-01"}, "at most two years ahead"),
        ({"key": "not-a-key"}, "The form had expired"),
    ],
)
def test_bad_grants_are_a_422_with_a_message(world, client, login_as, young, fields, message):
    login_as("staff")
    response = grant(client, young, **fields)
    assert response.status_code == 422
    assert message in body_of(response)
    assert balance_of(world, young.id) == 10


def test_every_wrong_grant_field_says_so_at_once(client, login_as, young):
    login_as("staff")
    response = grant(client, young, amount="abc", reason="", expires_on="2001-01-01")
    body = body_of(response)
    assert response.status_code == 422
    assert "Write a whole number" in body and "Write why" in body and "today or later" in body
    assert body.count('aria-invalid="true"') == 3


# --- corrections -------------------------------------------------------------------------------


def correct(client, person, amount, reason="Tastefejl", key=KEY):
    data = {"correct-amount": amount, "correct-reason": reason, "correct-key": key}
    return client.post(f"/staff/klip/people/{person.id}/correct", data=data)


def test_a_correction_is_a_new_entry_up_or_down(world, client, login_as, young):
    login_as("staff")
    assert correct(client, young, "-4").status_code == 303
    assert correct(client, young, "2", key="f" * 32).status_code == 303
    assert [(e.kind, e.amount) for e in entries_of(world, young.id)] == [
        ("grant", 10),
        ("correction", -4),
        ("correction", 2),
    ]


def test_a_correction_cannot_take_the_balance_below_zero(world, client, login_as, young):
    login_as("staff")
    response = correct(client, young, "-11")
    assert response.status_code == 409
    assert "cannot go below zero" in body_of(response)
    assert balance_of(world, young.id) == 10


@pytest.mark.parametrize(
    ("amount", "reason", "message"),
    [
        ("0", "x", "above or below 0"),
        ("abc", "x", "Write a whole number"),
        ("2.5", "x", "Write a whole number"),
        ("-1001", "x", "more klip than we allow"),
        ("3", "", "Write why"),
    ],
)
def test_bad_corrections_are_a_422(world, client, login_as, young, amount, reason, message):
    login_as("staff")
    response = correct(client, young, amount, reason)
    assert response.status_code == 422 and message in body_of(response)
    assert balance_of(world, young.id) == 10


# --- vouchers given back ---------------------------------------------------------------------------


def give_back(client, person, voucher_id, reason="Lukket pga. sygdom"):
    data = {"back-voucher_id": str(voucher_id), "back-reason": reason}
    return client.post(f"/staff/klip/people/{person.id}/give-back", data=data)


def test_giving_back_closes_the_voucher_and_restores_the_klip(world, client, login_as, young, shop):
    voucher = buy(world, young, shop["climbing"])
    assert balance_of(world, young.id) == 8
    login_as("staff")
    response = give_back(client, young, voucher.id)
    assert response.status_code == 303
    with world() as s:
        assert s.get(Voucher, voucher.id).status == "refunded"
    assert balance_of(world, young.id) == 10
    assert entries_of(world, young.id)[-1].reason == "Lukket pga. sygdom"
    again = give_back(client, young, voucher.id)
    assert again.status_code == 409 and "Only an unused voucher" in body_of(again)


def test_giving_back_needs_a_reason_and_the_persons_own_voucher(world, client, login_as, young, shop):
    voucher = buy(world, young, shop["climbing"])
    with world() as s:
        other = make_user(s, is_young=True)
    login_as("staff")
    response = give_back(client, young, voucher.id, reason=" ")
    assert response.status_code == 422 and "Write why" in body_of(response)
    assert give_back(client, other, voucher.id).status_code == 404
    assert give_back(client, young, "abc").status_code == 404
    assert give_back(client, young, 999999).status_code == 404
    assert give_back(client, young, "").status_code == 422
    assert balance_of(world, young.id) == 8


# --- to many at once ---------------------------------------------------------------------------


def many(client, confirmed="", **fields):
    data = {"recipients": "trial", "amount": "3", "reason": "Sommerklip", "expires_on": "", "key": KEY}
    data.update(fields)
    if confirmed:
        data["confirmed"] = confirmed
    return client.post("/staff/klip/grant", data=data)


@pytest.fixture
def group(world, young):
    """Noah and Sara in the trial, Ali only in the open hub, Ida closed."""
    with world() as s:
        sara = make_user(s, is_young=True, name="Sara Jensen", trial_enrolled_at=utcnow())
        ali = make_user(s, is_young=True, name="Ali Hassan")
        ida = make_user(s, is_young=True, name="Ida Closed", disabled_at=utcnow(), trial_enrolled_at=utcnow())
        return {"noah": young, "sara": sara, "ali": ali, "ida": ida}


def test_grant_to_the_trial_confirms_then_grants_once(world, client, login_as, group):
    login_as("staff")
    page = client.get("/staff/klip/grant")
    assert page.status_code == 200 and re.search(r'name="key" [^>]*value="[0-9a-f]{32}"', body_of(page))
    confirm = many(client)
    body = body_of(confirm)
    assert confirm.status_code == 200 and "2 people get 3 klip each." in body and "6 klip in all." in body
    assert balance_of(world, group["sara"].id) == 0  # nothing given yet
    done = many(client, confirmed="yes")
    assert done.status_code == 303 and done.headers["Location"] == "/staff/klip"
    assert many(client, confirmed="yes").status_code == 303  # a double submit
    assert balance_of(world, group["noah"].id) == 13
    assert balance_of(world, group["sara"].id) == 3
    assert balance_of(world, group["ali"].id) == balance_of(world, group["ida"].id) == 0


def test_grant_to_every_young_person_and_to_people_ticked(world, client, login_as, group):
    login_as("staff")
    assert "3 people get 3 klip each." in body_of(many(client, recipients="all_young"))
    response = many(client, confirmed="yes", recipients="chosen", people=[str(group["ali"].id), str(group["sara"].id)])
    assert response.status_code == 303
    assert (balance_of(world, group["ali"].id), balance_of(world, group["sara"].id)) == (3, 3)
    assert balance_of(world, group["noah"].id) == 10


def test_change_it_goes_back_to_the_filled_in_form(client, login_as, group):
    login_as("staff")
    response = many(client, confirmed="edit", reason="Sommerklip")
    assert response.status_code == 200 and 'value="Sommerklip"' in body_of(response)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"recipients": "chosen"}, "Tick at least one person"),
        ({"recipients": "everyone"}, "Choose who gets the klip"),
        ({"amount": "0"}, "at least 1"),
        ({"amount": "1001"}, "more klip than we allow"),
        ({"amount": "abc"}, "Write a whole number"),
        ({"amount": "2.5"}, "Write a whole number"),
        ({"reason": ""}, "Write why"),
        ({"expires_on": "2001-01-01"}, "today or later"),
    ],
)
def test_bad_grants_to_many_are_a_422(world, client, login_as, group, fields, message):
    login_as("staff")
    for confirmed in ("", "yes"):
        response = many(client, confirmed=confirmed, **fields)
        assert response.status_code == 422 and message in body_of(response)
    assert balance_of(world, group["sara"].id) == 0


def test_people_ticked_must_be_young_and_open(world, client, login_as, group, make):
    staff = login_as("staff")
    for tampered in (str(staff.id), str(group["ida"].id), "999999", "abc"):
        response = many(client, confirmed="yes", recipients="chosen", people=[str(group["ali"].id), tampered])
        assert response.status_code == 422 and "cannot get klip" in body_of(response)
    assert balance_of(world, group["ali"].id) == 0


def test_an_empty_group_says_so(client, login_as, make):
    make.user(is_young=True)
    login_as("staff")
    response = many(client)
    assert response.status_code == 422 and "Nobody is in that group yet" in body_of(response)


# --- monthly grants -----------------------------------------------------------------------------


def allotment(client, **fields):
    data = {"name": "Månedens klip", "audience": "trial", "amount": "4", "expires_after_days": "60"}
    data.update(fields)
    return client.post("/staff/klip/allotments", data=data)


@pytest.mark.clock
def test_create_pause_and_resume_a_monthly_grant(world, client, login_as, young):
    staff = login_as("staff")
    assert allotment(client).status_code == 303
    with world() as s:
        [saved] = s.exec(select(Allotment)).all()
        assert (saved.name, saved.audience, saved.amount, saved.expires_after_days) == ("Månedens klip", "trial", 4, 60)
        assert saved.active and saved.created_by_id == staff.id
    response = client.post(f"/staff/klip/allotments/{saved.id}/active", data={"active": "0"})
    assert response.status_code == 303
    with world() as s:
        assert jobs.apply_allotments(s) == 0  # paused: skipped
    client.post(f"/staff/klip/allotments/{saved.id}/active", data={"active": "1"})
    with world() as s:
        assert jobs.apply_allotments(s) == 1
    assert balance_of(world, young.id) == 14
    page = body_of(client.get("/staff/klip/allotments"))
    month = utcnow().astimezone(AARHUS).strftime("%Y-%m")
    assert "Månedens klip" in page and f"{month} to 1 person" in page


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": ""}, "Give it a name"),
        ({"audience": "friends"}, "Choose who gets it"),
        ({"amount": "0"}, "at least 1"),
        ({"amount": "1001"}, "more klip than we allow"),
        ({"amount": "abc"}, "Write a whole number"),
        ({"expires_after_days": "0"}, "from 1 to 730"),
        ({"expires_after_days": "2.5"}, "Write a whole number"),
    ],
)
def test_bad_monthly_grants_are_a_422(world, client, login_as, fields, message):
    login_as("staff")
    response = allotment(client, **fields)
    assert response.status_code == 422 and message in body_of(response)
    with world() as s:
        assert s.exec(select(func.count()).select_from(Allotment)).one() == 0


def test_pausing_needs_a_known_grant_and_a_choice(client, login_as):
    login_as("staff")
    assert client.post("/staff/klip/allotments/999/active", data={"active": "0"}).status_code == 404
    assert client.post("/staff/klip/allotments/999/active", data={"active": "maybe"}).status_code == 422


# --- the catalogue and partners -------------------------------------------------------------------


def offer_form(**fields) -> dict:
    data = {
        "title": "Svømning i Spanien",
        "category": "sport",
        "kind": "leisure",
        "partner_id": "",
        "price_klip": "3",
        "description": "Morgensvømning.",
        "link": "https://example.org/svim",
        "icon": "star",
    }
    data.update(fields)
    return data


def test_create_edit_and_take_out_an_offer(world, client, login_as, shop):
    login_as("staff")
    response = client.post("/staff/klip/offers/new", data=offer_form(partner_id=str(shop["bloc"].id)))
    assert response.status_code == 303 and response.headers["Location"] == "/staff/klip/offers"
    with world() as s:
        offer = s.exec(select(Offer).where(Offer.title == "Svømning i Spanien")).one()
        assert (offer.partner_id, offer.price_klip, offer.active) == (shop["bloc"].id, 3, True)
    form = body_of(client.get(f"/staff/klip/offers/{offer.id}/edit"))
    assert 'value="Svømning i Spanien"' in form
    response = client.post(f"/staff/klip/offers/{offer.id}/edit", data=offer_form(title="Svømning", price_klip="4"))
    assert response.status_code == 303
    assert client.post(f"/staff/klip/offers/{offer.id}/active", data={"active": "0"}).status_code == 303
    with world() as s:
        offer = s.get(Offer, offer.id)
        assert (offer.title, offer.price_klip, offer.partner_id, offer.active) == ("Svømning", 4, None, False)
    assert "Not in the catalogue" in body_of(client.get("/staff/klip/offers"))


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"price_klip": "0"}, "from 1 to 100"),
        ({"price_klip": "-2"}, "from 1 to 100"),
        ({"price_klip": "101"}, "from 1 to 100"),
        ({"price_klip": "1001"}, "from 1 to 100"),
        ({"price_klip": "abc"}, "Write a whole number"),
        ({"price_klip": "2.5"}, "Write a whole number"),
        ({"price_klip": ""}, "Write the price in klip"),
        ({"title": " "}, "Write a title"),
        ({"title": "x" * 121}, "120 characters or fewer"),
        ({"description": "x" * 1001}, "1000 characters or fewer"),
        ({"link": "javascript:alert(1)"}, "starts with https://"),
        ({"link": "ftp://example.org"}, "starts with https://"),
        ({"link": "https://"}, "starts with https://"),
        ({"link": "https://exa mple.org"}, "starts with https://"),
        ({"link": "https://example.org/" + "x" * 290}, "300 characters or fewer"),
        ({"category": "weapons"}, "Choose a category"),
        ({"category": "events"}, "Choose a category"),
        ({"kind": "party"}, "Choose a kind"),
        ({"partner_id": "999999"}, "Choose a partner from the list"),
        ({"partner_id": "abc"}, "Choose a partner from the list"),
        ({"icon": "skull"}, "Choose an icon"),
    ],
)
def test_bad_offers_are_a_422_with_a_message(world, client, login_as, fields, message):
    login_as("staff")
    response = client.post("/staff/klip/offers/new", data=offer_form(**fields))
    assert response.status_code == 422
    assert message in body_of(response)
    with world() as s:
        assert s.exec(select(func.count()).select_from(Offer)).one() == 0


def test_an_unknown_offer_is_a_404(client, login_as, shop):
    login_as("staff")
    assert client.get("/staff/klip/offers/999999/edit").status_code == 404
    assert client.post("/staff/klip/offers/999999/edit", data=offer_form()).status_code == 404
    assert client.post("/staff/klip/offers/999999/active", data={"active": "0"}).status_code == 404
    assert client.post(f"/staff/klip/offers/{shop['climbing'].id}/active", data={}).status_code == 422


def test_partners_have_unique_names_and_real_websites(world, client, login_as, shop):
    login_as("staff")
    response = client.post("/staff/klip/partners/new", data={"name": "Klatreklubben", "website": "https://klatring.dk"})
    assert response.status_code == 303
    taken = client.post("/staff/klip/partners/new", data={"name": "bloc aarhus", "website": ""})
    assert taken.status_code == 422 and "already a partner with this name" in body_of(taken)
    bad = client.post("/staff/klip/partners/new", data={"name": "X", "website": "javascript:alert(1)"})
    assert bad.status_code == 422 and "starts with https://" in body_of(bad)
    empty = client.post("/staff/klip/partners/new", data={"name": "", "website": ""})
    assert empty.status_code == 422 and "Write the partner" in body_of(empty)
    bloc = shop["bloc"].id
    assert (
        client.post(f"/staff/klip/partners/{bloc}/edit", data={"name": "Bloc Aarhus", "website": ""}).status_code == 303
    )
    same = client.post(f"/staff/klip/partners/{bloc}/edit", data={"name": "Øst for Paradis", "website": ""})
    assert same.status_code == 422
    assert client.get("/staff/klip/partners/999999/edit").status_code == 404
    page = body_of(client.get("/staff/klip/partners"))
    assert "Klatreklubben" in page and "1 offer" in page


# --- numbers ---------------------------------------------------------------------------------------


@pytest.mark.clock
def test_stats_page_and_csv_count_klip_per_month_and_category(world, client, login_as, young, shop):
    climbing = buy(world, young, shop["climbing"], key="a")  # 2 klip, sport
    buy(world, young, shop["cinema"], key="b")  # 1 klip, culture
    with world() as s:
        event = make_event(s, title="Mad for en SU", price_klip=1)
        booking = Booking(event_id=event.id, user_id=young.id, status=BookingStatus.CONFIRMED, ticket_code="t1")
        s.add(booking)
        s.flush()
        ledger.spend(s, user_id=young.id, amount=1, reason=event.title, key="book-1", booking_id=booking.id)
        vouchers.redeem(s, actor=make_user(s, is_staff=True), code=vouchers.current_code(climbing).code)
    second = buy(world, young, shop["climbing"], key="c")
    staff = login_as("staff")
    with world() as s:
        vouchers.refund(s, actor=s.get(User, staff.id), voucher_id=second.id, reason="Aflyst")
    page = client.get("/staff/klip/stats")
    body = body_of(page)
    assert page.status_code == 200
    assert "<svg" in body and "<title" in body and "<desc" in body and "<table" in body
    month = utcnow().astimezone(AARHUS).strftime("%Y-%m")
    assert f"{month}: granted 10, spent 4" in body  # 2 + 1 + 1 + 2 spent, 2 given back
    offers = body.split("Per offer")[-1]
    climbing_row = offers.split("Klatring i Bloc Aarhus")[1].split("</tr>")[0]
    assert re.findall(r"<td>(\d+)</td>", climbing_row) == ["2", "1", "1", "0", "2"]

    response = client.get("/staff/klip/export.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert re.match(
        r'attachment; filename="ungehub-klip-\d{4}-\d{2}-\d{2}\.csv"', response.headers["Content-Disposition"]
    )
    rows = list(csv.DictReader(io.StringIO(body_of(response))))
    assert len(rows) == 12 * len(stats.CATEGORIES)
    now = {row["category"]: row for row in rows if row["month"] == month}
    assert (now["sport"]["klip_spent"], now["sport"]["klip_given_back"], now["sport"]["klip_net"]) == ("4", "2", "2")
    assert now["culture"]["klip_net"] == "1" and now["events"]["klip_net"] == "1" and now["outdoor"]["klip_net"] == "0"
    text = body_of(response)
    assert "@" not in text and "Noah" not in text and "Sørensen" not in text


def test_csv_cells_never_start_a_formula():
    month = stats.Month("=cmd|'/C calc'!A0")
    assert stats.export_csv([month]).splitlines()[1].startswith("'=cmd")


def test_months_follow_aarhus_time(world):
    """A grant at 23:30 UTC on 31 January is a February grant in Aarhus."""
    moment = datetime(2027, 1, 31, 23, 30, tzinfo=UTC)
    with time_machine.travel(moment, tick=False), world() as s:
        person = make_user(s, is_young=True)
        ledger.grant(s, user_id=person.id, amount=2, reason="x", actor_id=None)
        since, until = stats.year_back(moment, AARHUS)
        months = {m.key: m for m in stats.monthly(s, since=since, until=until, tz=AARHUS)}
    assert len(months) == 12 and months["2027-02"].granted == 2 and "2027-01" in months


# --- partner accounts ---------------------------------------------------------------------------


def test_admin_invites_a_partner_account_that_lands_on_redeem(app, world, client, login_as, shop):
    login_as("admin")
    page = client.get(f"/staff/klip/partners/invite?partner={shop['bloc'].id}")
    assert page.status_code == 200 and f'<option selected value="{shop["bloc"].id}">' in body_of(page)
    response = client.post(
        "/staff/klip/partners/invite",
        data={"name": "Mads Bloc", "email": "mads@bloc.dk", "partner_id": str(shop["bloc"].id)},
    )
    assert response.status_code == 200
    link = LINK.search(body_of(response)).group(1).replace("http://localhost", "")
    with world() as s:
        mads = s.exec(select(User).where(User.email == "mads@bloc.dk")).one()
        assert mads.partner_id == shop["bloc"].id and not (mads.is_young or mads.is_staff_member or mads.is_mentor)
    invitee = app.test_client()
    invitee.get("/?lang=en")
    assert invitee.post(link, data={"password": "bloc secret 1", "confirm": "bloc secret 1"}).status_code == 303
    assert invitee.post("/privacy/accept", data={"accept": "y"}).status_code in (302, 303)
    home = body_of(invitee.get("/"))
    assert 'action="/redeem"' in home and 'inputmode="numeric"' in home
    assert 'href="/redeem"' in home.split("</header>")[0]  # the menu: Redeem and Me
    assert 'href="/events"' not in home.split("</header>")[0]
    assert invitee.get("/redeem").status_code == 200
    assert invitee.get("/staff/klip").status_code == 403


def test_staff_invite_partners_but_must_choose_one(world, client, login_as):
    login_as("staff")
    missing = client.post("/staff/klip/partners/invite", data={"name": "X", "email": "x@example.org", "partner_id": ""})
    assert missing.status_code == 422 and "Choose which partner" in body_of(missing)
    for tampered in ("999999", "abc"):
        data = {"name": "X", "email": "x@example.org", "partner_id": tampered}
        response = client.post("/staff/klip/partners/invite", data=data)
        assert response.status_code == 422 and "Choose a partner from the list" in body_of(response)
    with world() as s:
        assert s.exec(select(User).where(User.email == "x@example.org")).first() is None


def test_the_general_invite_form_still_has_no_partner_role(client, login_as):
    login_as("admin")
    body = body_of(client.get("/staff/people/invite"))
    assert 'value="partner"' not in body


# --- who gets in ------------------------------------------------------------------------------------


STAFF_ROUTES = [
    ("GET", "/staff/klip"),
    ("GET", "/staff/klip/people/{young}"),
    ("POST", "/staff/klip/people/{young}/grant"),
    ("POST", "/staff/klip/people/{young}/correct"),
    ("POST", "/staff/klip/people/{young}/give-back"),
    ("GET", "/staff/klip/grant"),
    ("POST", "/staff/klip/grant"),
    ("GET", "/staff/klip/allotments"),
    ("POST", "/staff/klip/allotments"),
    ("POST", "/staff/klip/allotments/1/active"),
    ("GET", "/staff/klip/offers"),
    ("GET", "/staff/klip/offers/new"),
    ("POST", "/staff/klip/offers/new"),
    ("GET", "/staff/klip/offers/{offer}/edit"),
    ("POST", "/staff/klip/offers/{offer}/edit"),
    ("POST", "/staff/klip/offers/{offer}/active"),
    ("GET", "/staff/klip/partners"),
    ("GET", "/staff/klip/partners/new"),
    ("POST", "/staff/klip/partners/new"),
    ("GET", "/staff/klip/partners/{partner}/edit"),
    ("POST", "/staff/klip/partners/{partner}/edit"),
    ("GET", "/staff/klip/partners/invite"),
    ("POST", "/staff/klip/partners/invite"),
    ("GET", "/staff/klip/stats"),
    ("GET", "/staff/klip/export.csv"),
]


@pytest.mark.parametrize("role", ["young", "mentor", "support", "partner"])
def test_only_staff_use_the_staff_klip_pages(world, client, auth, make, young, shop, role):
    extra = {"partner": {"partner_id": shop["bloc"].id}}.get(role) or {
        "young": {"is_young": True},
        "mentor": {"is_mentor": True},
        "support": {"support_type": "caseworker"},
    }[role]
    auth.login(make.user(**extra))
    ids = {"young": young.id, "offer": shop["climbing"].id, "partner": shop["bloc"].id}
    for method, path in STAFF_ROUTES:
        response = client.open(path.format(**ids), method=method, data={"active": "0", "amount": "5"})
        assert response.status_code == 403, (role, method, path)
    with world() as s:
        assert ledger.balance(s, young.id) == 10
        assert s.get(Offer, shop["climbing"].id).active


def test_numbers_too_big_to_be_ids_are_missing_not_errors(world, client, login_as, young, shop):
    """PostgreSQL ids are 32-bit: a tampered URL or form with a huge number is a 404 or a 422."""
    login_as("staff")
    huge = "9" * 20
    for path in (f"/staff/klip/people/{huge}", f"/staff/klip/offers/{huge}/edit", f"/staff/klip/partners/{huge}/edit"):
        assert client.get(path).status_code == 404, path
    assert client.post(f"/staff/klip/allotments/{huge}/active", data={"active": "0"}).status_code == 404
    assert client.post("/staff/klip/offers/new", data=offer_form(partner_id=huge)).status_code == 422
    assert give_back(client, young, huge).status_code == 404
    response = many(client, confirmed="yes", recipients="chosen", people=[huge])
    assert response.status_code == 422
    data = {"name": "X", "email": "x@example.org", "partner_id": huge}
    assert client.post("/staff/klip/partners/invite", data=data).status_code == 422
    assert client.get(f"/redeem?done={huge}").status_code == 200
