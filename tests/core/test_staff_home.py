"""The staff home: one screen for a shift. Each kind of item shows with a link to where it is
handled, nothing from beyond its window, urgent first, in the same number of queries however
much there is, and only for staff."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import event as sa_event

from hub.accounts.models import UserSession
from hub.checkins.models import CheckIn
from hub.core import staff_home
from hub.credits import services as klip
from hub.events.models import Booking
from hub.messages.models import Conversation, ConversationStatus, Message, TopicSetting
from hub.support.models import Nomination, NominationStatus, SupportItem, SupportOption
from tests.events.helpers import make_event
from tests.factories import make_user

pytestmark = pytest.mark.usefixtures("english")

# A Wednesday, 13:00 in Aarhus: the hub (13–21 on weekdays) has just opened.
NOW = datetime(2026, 3, 11, 12, 0, tzinfo=UTC)
TODAY = date(2026, 3, 11)
AARHUS = ZoneInfo("Europe/Copenhagen")
LONG_AGO = NOW - timedelta(days=90)
_tickets = itertools.count(1)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def section(page: str, ident: str) -> str:
    """The HTML of one card: from its id to the end of its <section>."""
    start = page.index(f'id="{ident}"')
    return page[start : page.index("</section>", start)]


def book(s, event, person, status="confirmed", **fields) -> Booking:
    booking = Booking(event_id=event.id, user_id=person.id, status=status, ticket_code=f"t{next(_tickets)}", **fields)
    s.add(booking)
    s.flush()
    return booking


def converse(s, young, *, ago: timedelta, topic="job", urgent=False, **fields) -> Conversation:
    at = NOW - ago
    conversation = Conversation(
        young_id=young.id,
        topic=topic,
        urgent=urgent,
        started_by_id=young.id,
        created_at=at,
        last_message_at=at,
        **fields,
    )
    s.add(conversation)
    s.flush()
    s.add(Message(conversation_id=conversation.id, author_id=young.id, body="Hej", created_at=at))
    s.flush()
    return conversation


def young(s, name: str, **fields):
    return make_user(s, is_young=True, name=name, **fields)


@pytest.fixture
def shift(world, frozen):
    """A hub with one of everything inside each window, and something just outside it."""
    ids = {}
    with world() as s:
        supporter = make_user(s, support_type="caseworker", name="Hanne Lund")
        # Events: today and tomorrow count; yesterday and in three days do not.
        today = make_event(s, title="Fællesspisning", starts_at=NOW + timedelta(hours=3), capacity=2)
        tomorrow = make_event(s, title="Yoga og søvn", starts_at=NOW + timedelta(days=1))
        make_event(s, title="Jobmesse", starts_at=NOW + timedelta(days=3))
        make_event(s, title="Budgetværksted", starts_at=NOW - timedelta(days=1))
        sara, ali, emma = young(s, "Sara Berg"), young(s, "Ali Hassan"), young(s, "Emma Dahl")
        book(s, today, sara, companion="mentor")
        book(s, today, ali)
        book(s, today, emma, status="waitlisted", waitlisted_at=NOW)
        ids |= {"today": today.id, "tomorrow": tomorrow.id}
        # Messages: an urgent one nobody has, one long past its promise, one just in.
        s.add(TopicSetting(topic="housing", response_hours=4))
        urgent = converse(s, young(s, "Nora Lund"), ago=timedelta(minutes=5), urgent=True)
        late = converse(s, young(s, "Liam Holm"), ago=timedelta(days=5), topic="housing")
        fresh = converse(s, young(s, "Mia Friis"), ago=timedelta(hours=1))
        converse(s, young(s, "Waiting Will"), ago=timedelta(hours=2), status=ConversationStatus.WAITING)
        converse(s, young(s, "Closed Clara"), ago=timedelta(hours=2), status=ConversationStatus.CLOSED)
        converse(s, young(s, "Private Pia"), ago=timedelta(hours=2), supporter_id=supporter.id)
        ids |= {"urgent": urgent.id, "late": late.id, "fresh": fresh.id}
        # Support: a request and a nomination waiting; decided ones are not.
        option = SupportOption(kind="mentor", name="Frivillig mentor", description="En frivillig")
        s.add(option)
        s.flush()
        asker = young(s, "Asger Bak")
        item = SupportItem(young_id=asker.id, option_id=option.id, wish="Gerne")
        s.add(SupportItem(young_id=sara.id, option_id=option.id, status="active"))
        nomination = Nomination(young_id=asker.id, name="Kim Træner", relation="Træner")
        s.add(Nomination(young_id=sara.id, name="Declined Dorte", relation="Nabo", status=NominationStatus.DECLINED))
        s.add_all([item, nomination])
        s.flush()
        ids |= {"asker": asker.id, "nomination": nomination.id}
        # Check-ins: one agreed for three days ago, one for today (not overdue yet).
        olga, dan = young(s, "Overdue Olga"), young(s, "Due Today Dan")
        for person, next_on in ((olga, TODAY - timedelta(days=3)), (dan, TODAY)):
            s.add(
                CheckIn(
                    young_id=person.id,
                    by_id=supporter.id,
                    happened_on=TODAY - timedelta(days=10),
                    way="phone",
                    went="good",
                    next_on=next_on,
                )
            )
        ids["olga"] = olga.id
        # Nobody heard from: only accounts older than the window can be quiet.
        quinn = young(s, "Quiet Quinn", created_at=LONG_AGO)
        oscar = young(s, "Old Oscar", created_at=LONG_AGO)
        s.add(
            CheckIn(
                young_id=oscar.id, by_id=supporter.id, happened_on=TODAY - timedelta(days=31), way="meet", went="ok"
            )
        )
        cleo = young(s, "Checked Cleo", created_at=LONG_AGO)
        s.add(
            CheckIn(young_id=cleo.id, by_id=supporter.id, happened_on=TODAY - timedelta(days=29), way="meet", went="ok")
        )
        bo = young(s, "Booked Bo", created_at=LONG_AGO)
        book(
            s,
            make_event(s, title="Tidligere", starts_at=NOW - timedelta(days=20)),
            bo,
            created_at=NOW - timedelta(days=21),
        )
        lu = young(s, "Logged Lu", created_at=LONG_AGO)
        s.add(
            UserSession(token_hash="lu" * 32, user_id=lu.id, created_at=LONG_AGO, last_seen_at=NOW - timedelta(days=5))
        )
        wes = young(s, "Wrote Wes", created_at=LONG_AGO)
        converse(s, wes, ago=timedelta(days=2), status=ConversationStatus.CLOSED)
        young(s, "New Nils", created_at=NOW - timedelta(days=5))
        young(s, "Left Lea", created_at=LONG_AGO, left_at=NOW - timedelta(days=40))
        young(s, "Gone Gry", created_at=LONG_AGO, disabled_at=NOW - timedelta(days=40))
        ids |= {"quinn": quinn.id, "oscar": oscar.id}
        # Klip: unspent and running out within 14 days; later, or already spent, is not.
        kira, kai, karl = young(s, "Kira Klip"), young(s, "Kai Later"), young(s, "Karl Spent")
        klip.grant(s, user_id=kira.id, amount=5, reason="Marts", actor_id=None, expires_at=NOW + timedelta(days=5))
        klip.grant(s, user_id=kai.id, amount=3, reason="Marts", actor_id=None, expires_at=NOW + timedelta(days=20))
        klip.grant(s, user_id=karl.id, amount=2, reason="Marts", actor_id=None, expires_at=NOW + timedelta(days=5))
        klip.spend(s, user_id=karl.id, amount=2, reason="Biograf", key="karl-cinema")
        ids["kira"] = kira.id
    return ids


def test_each_kind_of_item_links_to_where_it_is_handled(shift, client, login_as):
    login_as("staff", locale="en")
    page = text(client.get("/"))

    events = section(page, "today-at-the-hub")
    assert f'href="/staff/events/{shift["today"]}"' in events and f'href="/staff/events/{shift["tomorrow"]}"' in events
    assert "2 of 2 places taken · 1 waiting" in events
    assert "Sara asked for company" in events and "nobody assigned yet" in events

    messages = section(page, "home-messages")
    for conversation in ("urgent", "late", "fresh"):
        assert f'href="/staff/messages/{shift[conversation]}"' in messages
    assert "past the promised answer" in messages and "answer promised within" in messages

    support = section(page, "home-support")
    assert f'href="/staff/support/people/{shift["asker"]}"' in support
    assert (
        f'href="/staff/support/nominations/{shift["nomination"]}"' in support
        and "Asger nominated Kim Træner" in support
    )

    checkins = section(page, "home-checkins")
    assert f'href="/my-young-people/{shift["olga"]}"' in checkins and "3 days overdue" in checkins

    quiet = section(page, "home-quiet")
    assert (
        f'href="/my-young-people/{shift["quinn"]}"' in quiet
        and 'Quiet Quinn</a> <span class="muted">no contact yet' in quiet
    )
    assert f'href="/my-young-people/{shift["oscar"]}"' in quiet and "last contact 31 days ago" in quiet

    expiring = section(page, "home-klip-expiring")
    assert f'href="/staff/klip/people/{shift["kira"]}"' in expiring and "5 klip from" in expiring


def test_nothing_from_beyond_its_window(shift, client, login_as):
    login_as("staff", locale="en")
    page = text(client.get("/"))
    for outside in ("Jobmesse", "Budgetværksted"):  # in three days; yesterday
        assert outside not in section(page, "today-at-the-hub")
    for answered in ("Waiting Will", "Closed Clara", "Private Pia"):  # their turn, done, a support person's
        assert answered not in section(page, "home-messages")
    assert "Declined Dorte" not in section(page, "home-support")
    assert "Due Today Dan" not in section(page, "home-checkins")  # due today is not overdue yet
    quiet = section(page, "home-quiet")
    for heard_from in ("Checked Cleo", "Booked Bo", "Logged Lu", "Wrote Wes", "New Nils", "Left Lea", "Gone Gry"):
        assert heard_from not in quiet, heard_from
    assert "Sara Berg" not in quiet  # booked today, but her account is new: either keeps her out
    expiring = section(page, "home-klip-expiring")
    assert "Kai Later" not in expiring and "Karl Spent" not in expiring  # in 20 days; already spent


def test_urgent_comes_first(shift, client, login_as):
    login_as("staff", locale="en")
    page = text(client.get("/"))
    assert page.index('id="home-messages"') < page.index('id="today-at-the-hub"') < page.index('id="home-quiet"')
    messages = section(page, "home-messages")
    assert "home-messages--urgent" in page
    waiting = messages[messages.index("Waiting for an answer") :]
    # Urgent, then the one furthest past its promise, then the one with time left.
    assert waiting.index("Nora Lund") < waiting.index("Liam Holm") < waiting.index("Mia Friis")


@pytest.mark.clock
def test_the_wait_starts_at_the_first_unanswered_words(world, frozen):
    """An answer resets the clock, the young person's next words start it, an internal note does not stop it."""
    with world() as s:
        staff = make_user(s, is_staff=True)
        person = young(s, "Sara Berg")
        conversation = converse(s, person, ago=timedelta(days=3))
        s.add_all(
            [
                Message(
                    conversation_id=conversation.id, author_id=staff.id, body="Svar", created_at=NOW - timedelta(days=2)
                ),
                Message(
                    conversation_id=conversation.id,
                    author_id=person.id,
                    body="Igen",
                    created_at=NOW - timedelta(hours=2),
                ),
                Message(
                    conversation_id=conversation.id,
                    author_id=person.id,
                    body="Hallo?",
                    created_at=NOW - timedelta(hours=1),
                ),
                Message(
                    conversation_id=conversation.id,
                    author_id=staff.id,
                    body="Note",
                    internal=True,
                    created_at=NOW - timedelta(minutes=30),
                ),
            ]
        )
        s.flush()
        inbox = staff_home.inbox(s, viewer=staff, now=NOW)
    assert [row.waited for row in inbox.waiting] == [timedelta(hours=2)]


@pytest.mark.clock
def test_klip_need_a_lot_running_out_in_the_window_with_something_left(world, frozen):
    with world() as s:
        person = young(s, "Kira Klip")
        klip.grant(s, user_id=person.id, amount=4, reason="a", actor_id=None, expires_at=NOW + timedelta(days=3))
        klip.grant(s, user_id=person.id, amount=2, reason="b", actor_id=None, expires_at=NOW + timedelta(days=10))
        klip.grant(s, user_id=person.id, amount=7, reason="c", actor_id=None, expires_at=NOW + timedelta(days=30))
        klip.spend(s, user_id=person.id, amount=3, reason="cinema", key="k1")  # the oldest lot first
        found = staff_home.klip_expiring(s, now=NOW)
    assert [(row.young.name, row.amount, row.first_at) for row in found] == [("Kira Klip", 3, NOW + timedelta(days=3))]


# --- fast as the hub grows -----------------------------------------------------------------------------


def grow(world, n: int) -> None:
    """n more of everything the staff home shows."""
    with world() as s:
        supporter = make_user(s, support_type="caseworker")
        option = SupportOption(kind="other", name=f"Hjælp {n}", description="x")
        event = make_event(s, title=f"Event {n}", starts_at=NOW + timedelta(hours=4), capacity=n)
        s.add(option)
        s.flush()
        for i in range(n):
            person = young(s, f"Person {n}-{i}", created_at=LONG_AGO if i % 2 else NOW)
            book(s, event, person, companion="staff" if i % 3 == 0 else None)
            converse(s, person, ago=timedelta(hours=i + 1), urgent=i == 0)
            s.add(SupportItem(young_id=person.id, option_id=option.id))
            s.add(Nomination(young_id=person.id, name=f"Nominee {i}", relation="ven"))
            s.add(
                CheckIn(
                    young_id=person.id,
                    by_id=supporter.id,
                    happened_on=TODAY - timedelta(days=40),
                    way="phone",
                    went="ok",
                    next_on=TODAY - timedelta(days=2),
                )
            )
            klip.grant(s, user_id=person.id, amount=2, reason="x", actor_id=None, expires_at=NOW + timedelta(days=5))
            quiet = young(s, f"Quiet {n}-{i}", created_at=LONG_AGO)
            klip.grant(s, user_id=quiet.id, amount=1, reason="x", actor_id=None, expires_at=NOW + timedelta(days=9))
        s.flush()


def test_the_same_number_of_queries_for_a_small_or_a_big_hub(app, world, client, login_as, frozen):
    login_as("staff", locale="en")

    def statements() -> int:
        seen = []
        engine = app.extensions["hub_engine"]
        listener = lambda *args: seen.append(args[2])  # noqa: E731
        sa_event.listen(engine, "before_cursor_execute", listener)
        try:
            assert client.get("/").status_code == 200
        finally:
            sa_event.remove(engine, "before_cursor_execute", listener)
        return len(seen)

    grow(world, 2)
    client.get("/")  # the first page after login also checks consent once
    small = statements()
    grow(world, 12)
    page = text(client.get("/"))
    assert "Quiet 12-11" in page or "and " in section(page, "home-quiet")  # the bigger hub is on the page
    assert statements() == small


# --- who sees it ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["young", "support", "mentor"])
def test_only_staff_get_the_shift_overview(shift, client, login_as, role):
    login_as(role, locale="en")
    page = text(client.get("/"))
    for ident in ("home-quiet", "home-klip-expiring", "today-at-the-hub", "home-checkins"):
        assert f'id="{ident}"' not in page
    for name in ("Quiet Quinn", "Kira Klip", "Nora Lund", "Overdue Olga"):
        assert name not in page


def test_the_young_person_gets_their_own_home(shift, client, login_as):
    login_as("young", locale="en")
    page = text(client.get("/"))
    assert 'id="home-coming-up"' in page and 'id="home-quiet"' not in page


def test_the_home_is_built_only_for_staff(app, shift, client, login_as, monkeypatch):
    calls = []
    monkeypatch.setattr(staff_home, "build", lambda *a, **k: calls.append(1) or pytest.fail("built for a non-staff"))
    login_as("young", locale="en")
    assert client.get("/").status_code == 200 and calls == []


def test_an_empty_hub(client, login_as, frozen):
    login_as("staff", locale="en")
    page = text(client.get("/"))
    assert "Everyone has been in touch lately." in page and "No klip run out soon." in page
    assert "No events today or tomorrow." in page and "Waiting for an answer" not in page
