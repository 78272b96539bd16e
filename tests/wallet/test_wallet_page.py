"""The wallet page: the few things kept for offline use, only the person's own, and nothing else private."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
import time_machine
from sqlmodel import select

from hub.checkins.models import CheckIn
from hub.credits import vouchers
from hub.credits.models import Offer, Partner, Voucher
from hub.db import utcnow
from hub.events.models import Booking, BookingStatus, Event
from hub.messages.models import Conversation, CrisisLine, Message
from hub.notifications.models import PushSubscription
from hub.plans.models import Goal, Plan, Step
from hub.support.models import SupporterProfile, SupportLink
from tests.clock import hub_today
from tests.factories import make_user
from tests.push_endpoint import make_subscriber_keys

# Words that must never reach the wallet: it sits on the phone with no login in front of it.
SECRETS = ["MARKER-MESSAGE", "MARKER-DREAM", "MARKER-GOAL", "MARKER-STEP", "MARKER-CHECKIN"]


def _event(s, title: str, days: int, status=BookingStatus.CONFIRMED, *, user_id: int, code: str) -> Booking:
    start = utcnow() + timedelta(days=days)
    event = Event(
        title=title, category="community", starts_at=start, ends_at=start + timedelta(hours=2), place="Hub", capacity=10
    )
    s.add(event)
    s.flush()
    booking = Booking(event_id=event.id, user_id=user_id, status=status, ticket_code=code)
    s.add(booking)
    s.flush()
    return booking


@pytest.fixture
def life(world, make):
    """A young person with a ticket, a voucher, a primary support person, and private words
    in messages, plan and check-ins; another young person with a ticket and voucher of their own."""
    young = make.user(is_young=True, name="Sara Wallet")
    other = make.user(is_young=True, name="Other Person")
    with world() as s:
        supporter = make_user(s, support_type="caseworker", name="Hanne Primary")
        s.add(SupporterProfile(user_id=supporter.id, phone="20 30 40 50", reachable="Hverdage 9-15"))
        s.add(SupportLink(young_id=young.id, supporter_id=supporter.id, is_primary=True, see_plan=True))
        _event(s, "Madklub", 2, user_id=young.id, code="sara-ticket-code")
        _event(s, "Ventelisten", 3, BookingStatus.WAITLISTED, user_id=young.id, code="sara-waiting-code")
        _event(s, "Andens tur", 2, user_id=other.id, code="other-ticket-code")
        partner = Partner(name="Bloc Aarhus")
        s.add(partner)
        s.flush()
        offer = Offer(title="Klatring", category="sport", price_klip=2, partner_id=partner.id)
        s.add(offer)
        s.flush()
        mine = Voucher(user_id=young.id, offer_id=offer.id, price_klip=2, qr_secret="11" * 32)
        theirs = Voucher(user_id=other.id, offer_id=offer.id, price_klip=2, qr_secret="22" * 32)
        s.add_all([mine, theirs, CrisisLine(name="Livslinien", phone="70 201 201")])
        s.add(Plan(young_id=young.id, dreams="MARKER-DREAM"))
        s.flush()
        goal = Goal(young_id=young.id, area="housing", title="MARKER-GOAL", created_by_id=young.id)
        conversation = Conversation(young_id=young.id, topic="housing", started_by_id=young.id)
        s.add_all([goal, conversation])
        s.flush()
        s.add(Step(goal_id=goal.id, what="MARKER-STEP", created_by_id=young.id))
        s.add(Message(conversation_id=conversation.id, author_id=young.id, body="MARKER-MESSAGE"))
        s.add(
            CheckIn(
                young_id=young.id,
                by_id=supporter.id,
                happened_on=hub_today(),
                way="phone",
                went="good",
                note="MARKER-CHECKIN",
                note_shared=True,
            )
        )
        s.flush()
        return {"young": young, "other": other, "mine": mine, "theirs": theirs}


def test_a_young_person_sees_their_own_wallet_and_nothing_else_private(app, client, auth, life):
    app.config["HUB_ADDRESS"] = "Frederiks Allé 20, 8000 Aarhus C"
    with time_machine.travel(datetime.now(vouchers.LOCAL).replace(hour=14), tick=False):  # the afternoon
        auth.login(life["young"])
        response = client.get("/wallet")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    # Their ticket (a QR as on the booking page), not a wait and not someone else's.
    tickets = page[page.index('id="wallet-tickets"') : page.index('id="wallet-vouchers"')]
    assert "sara-ticket-code" in tickets and "<svg" in tickets
    assert "sara-waiting-code" not in page and "other-ticket-code" not in page
    # Their voucher with today's offline code (not a minute code; tomorrow's only in the evening,
    # tests/wallet/test_offline_keep.py), not the other's.
    today, tomorrow = vouchers.offline_codes(life["mine"], datetime.now(vouchers.LOCAL).replace(hour=14))
    assert today.code in page and tomorrow.code not in page
    assert vouchers.current_code(life["mine"]).code not in page
    assert not any(c.code in page for c in vouchers.offline_codes(life["theirs"]))
    assert len(re.findall(r'class="wallet-code"', page)) == 1
    # Primary support person, how to reach them; the hub; the crisis numbers.
    assert "Hanne Primary" in page and 'href="tel:20304050"' in page and "Hverdage 9-15" in page
    assert "Frederiks Allé 20, 8000 Aarhus C" in page and 'class="staff-facts hub-hours"' in page
    assert 'href="tel:70201201"' in page and 'href="tel:112"' in page
    # Made when, and marked live (the service worker marks the copies it serves).
    assert 'data-copy="live"' in page and re.search(r'data-made-at="\d{13}"', page)
    assert 'action="/wallet/forget"' in page and "data-forget-phone" in page
    for secret in SECRETS:
        assert secret not in page, secret
    assert "Other Person" not in page


def test_the_wallet_is_never_stored_by_browsers(client, auth, life):
    auth.login(life["young"])
    assert client.get("/wallet").headers["Cache-Control"] == "no-store"  # as the plan: only the worker keeps it


def test_other_roles_get_the_hub_and_the_crisis_numbers(client, login_as, life):
    login_as("staff")
    page = client.get("/wallet").get_data(as_text=True)
    assert 'id="wallet-hub"' in page and 'id="wallet-crisis"' in page and 'href="tel:70201201"' in page
    assert 'id="wallet-tickets"' not in page and 'id="wallet-vouchers"' not in page
    assert "sara-ticket-code" not in page and "Hanne Primary" not in page


def test_the_hub_address_is_configurable(app, client, auth, life):
    auth.login(life["young"])
    unset = client.get("/wallet").get_data(as_text=True)
    assert 'class="wallet-address"' not in unset and 'class="staff-facts hub-hours"' in unset  # no made-up address
    app.config["HUB_ADDRESS"] = "Vestergade 1, 8000 Aarhus C"
    assert "Vestergade 1, 8000 Aarhus C" in client.get("/wallet").get_data(as_text=True)


def test_logged_out_the_wallet_is_the_login(client):
    response = client.get("/wallet")
    assert response.status_code in (302, 303) and response.headers["Location"].startswith("/login")


def test_the_wallet_speaks_english_too(client, auth, life, english):
    auth.login(life["young"])
    page = client.get("/wallet").get_data(as_text=True)
    assert "You are offline" in page and "Saved %(when)s" not in page and "{when}" in page


def test_forget_this_phone_logs_out_and_ends_this_phones_pushes(client, auth, life, world):
    auth.login(life["young"])
    assert client.get("/notifications/settings").status_code == 200
    # The phone's push subscription belongs to this login (as push.js registers it).
    response = client.post(
        "/push/subscriptions",
        json={"endpoint": "https://fcm.googleapis.com/fcm/send/this-phone", "keys": make_subscriber_keys().as_dict()},
    )
    assert response.status_code < 400, response.get_data(as_text=True)[:300]
    with world() as s:
        assert s.exec(select(PushSubscription).where(PushSubscription.user_id == life["young"].id)).first()
    response = client.post("/wallet/forget")
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    assert response.headers["Clear-Site-Data"] == '"cache"'
    with world() as s:
        assert s.exec(select(PushSubscription).where(PushSubscription.user_id == life["young"].id)).first() is None
    assert client.get("/wallet").headers["Location"].startswith("/login")


def test_forget_this_phone_from_htmx_redirects_to_login(client, auth, life):
    auth.login(life["young"])
    response = client.post("/wallet/forget", headers={"HX-Request": "true"})
    assert response.status_code == 204 and response.headers["HX-Redirect"] == "/login"


def test_the_me_page_offers_the_wallet_and_forgetting(client, auth, life):
    auth.login(life["young"])
    page = client.get("/me").get_data(as_text=True)
    assert 'href="/wallet"' in page and 'action="/wallet/forget"' in page


def test_the_offline_page_has_a_hidden_wallet_link_and_no_person(client):
    page = client.get("/offline").get_data(as_text=True)
    assert re.search(r'<p id="offline-wallet" hidden><a [^>]*href="/wallet"', page)
    assert "data-refresh-wallet" not in page  # logged out: nothing asks for a wallet
