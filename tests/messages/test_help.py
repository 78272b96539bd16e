""" "I need help now": the crisis numbers for everyone (also offline), and the urgent message
that goes to the staff on duty first, said plainly before it is sent."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from sqlmodel import select

from hub.db import utcnow
from hub.messages import services
from hub.messages.hours import AARHUS
from hub.messages.models import Conversation, CrisisLine, DutyShift
from tests.checkins import helpers
from tests.checkins.helpers import notices, text

pytestmark = pytest.mark.usefixtures("english")

# Fixtures shared with the check-ins: Sara and her circle, and a logged-in client per person.
as_user = helpers.as_user
circle_world = helpers.circle_world

WEDNESDAY_AFTERNOON = datetime(2026, 3, 11, 15, 0, tzinfo=AARHUS)
SATURDAY_NIGHT = datetime(2026, 3, 14, 23, 0, tzinfo=AARHUS)


@pytest.fixture
def lines(world):
    with world() as s:
        s.add_all(
            [
                CrisisLine(name="Livslinien", phone="70 201 201", anonymous=True, position=1),
                CrisisLine(
                    name="Headspace",
                    phone="33 73 00 00",
                    anonymous=True,
                    always_open=False,
                    opens=datetime(2026, 1, 1, 12).time(),
                    closes=datetime(2026, 1, 1, 18).time(),
                    position=2,
                ),
            ]
        )


def test_help_for_everyone_logged_out(client, lines):
    with time_machine.travel(WEDNESDAY_AFTERNOON, tick=False):
        response = client.get("/help?lang=en")  # the cookie is signed on the frozen clock
    assert response.status_code == 200
    page = text(response)
    assert 'href="tel:112"' in page and "If someone is in danger, call 112" in page
    assert 'href="tel:70201201"' in page and 'href="tel:33730000"' in page
    assert page.count("Open now") == 3  # both lines, and the hub (Wednesday 15:00)
    assert "Wednesday" in page and "13:00" in page
    assert "Send an urgent message" not in page
    assert response.headers.get("Cache-Control") != "no-store"  # the service worker may keep it


def test_help_is_linked_from_every_page(client, login_as):
    assert 'href="/help"' in text(client.get("/login"))
    login_as("staff")
    assert 'href="/help"' in text(client.get("/"))


def test_help_at_night_says_when_the_hub_opens(client, lines):
    with time_machine.travel(SATURDAY_NIGHT, tick=False):
        page = text(client.get("/help?lang=en"))
    assert "The hub is closed right now." in page and "Staff are back Monday 16 March, 13:00" in page
    assert "Closed now" in page  # Headspace at 23:00


def test_a_young_person_gets_the_big_button(circle_world, as_user, lines):
    people = circle_world()
    page = text(as_user(people["young"]).get("/help"))
    assert 'href="/help/urgent"' in page
    assert 'href="/help/urgent"' not in text(as_user(people["caseworker"]).get("/help"))


def test_urgent_page_says_who_is_told_within_what_time_and_the_duty_to_report(app, world, circle_world, as_user):
    people = circle_world()
    app.config["MESSAGE_ESCALATE_MINUTES"] = 7
    with time_machine.travel(WEDNESDAY_AFTERNOON, tick=False):
        sara = as_user(people["young"])
        page = text(sara.get("/help/urgent"))
        assert "Nobody is on duty right now, so all the staff get a notification at once." in page
        assert "If nobody answers within 7 minutes, they are all told again." in page
        assert "underretningspligt" in page and "they must tell the municipality" in page
        assert "They will tell you first when they can." in page
        assert "The hub is closed" not in page
        with world() as s:
            now = utcnow()
            s.add(
                DutyShift(staff_id=people["staff"].id, since=now - timedelta(hours=1), until=now + timedelta(hours=3))
            )
        page = text(sara.get("/help/urgent"))
        assert "Louise is on duty and gets a notification at once." in page
        assert "If nobody answers within 7 minutes, the rest of the staff are told." in page
        assert "Nobody is on duty" not in page


def test_urgent_page_at_night_is_honest_that_the_hub_is_closed(circle_world, as_user, lines):
    people = circle_world()
    with time_machine.travel(SATURDAY_NIGHT, tick=False):
        page = text(as_user(people["young"]).get("/help/urgent"))
    assert "The hub is closed and nobody is on duty." in page and "may not read it before we open Monday" in page
    assert "If you are in danger now, call 112 or a help line." in page
    assert 'href="tel:70201201"' in page and 'href="tel:33730000"' not in page  # Headspace is closed


@pytest.mark.clock
def test_urgent_goes_to_the_staff_on_duty_first(world, circle_world, as_user):
    people = circle_world()
    with world() as s:
        now = utcnow()
        s.add(DutyShift(staff_id=people["staff"].id, since=now - timedelta(hours=1), until=now + timedelta(hours=3)))
        off_duty = services.all_staff(s)
    sara = as_user(people["young"])
    response = sara.post("/help/urgent", data={"body": "", "topic": ""})  # no words needed in a crisis
    assert response.status_code == 303
    with world() as s:
        [conversation] = s.exec(select(Conversation)).all()
        assert conversation.urgent and conversation.topic == "other" and conversation.supporter_id is None
        assert [n.kind for n in notices(s, people["staff"].id)] == ["message_urgent"]
        assert all(notices(s, p.id) == [] for p in off_duty if p.id != people["staff"].id)
    page = text(sara.get(f"/messages/{conversation.id}"))
    assert "Urgent message received today at" in page and "I need help now." in page
    assert "Your urgent message is sent." in page
    assert "Louise is on duty and gets a notification at once." in page  # what the form said
    with world() as s:
        conversation = s.get(Conversation, conversation.id)
        services.post_message(s, actor=people["staff"], conversation=conversation, body="I am here. Call me?")
    page = text(sara.get(f"/messages/{conversation.id}"))
    assert "Louise has picked it up" in page and "I am here. Call me?" in page


def test_urgent_with_words_and_a_topic(world, circle_world, as_user):
    people = circle_world()
    sara = as_user(people["young"])
    data = {"body": "I cannot go home tonight", "topic": "housing"}
    assert sara.post("/help/urgent", data=data).status_code == 303
    assert sara.post("/help/urgent", data={"body": "x" * 2001}).status_code == 422
    assert sara.post("/help/urgent", data={"topic": "aliens"}).status_code == 422
    with world() as s:
        [conversation] = s.exec(select(Conversation)).all()
        assert conversation.topic == "housing" and conversation.urgent


def test_urgent_is_for_young_people(client, circle_world, as_user):
    people = circle_world()
    assert client.get("/help/urgent").headers["Location"].startswith("/login")
    for name in ("caseworker", "mentor", "staff"):
        assert as_user(people[name]).post("/help/urgent", data={"body": "help"}).status_code == 403
