""" "I need help now" asked many times is one urgent conversation that alerts the staff at most
every ten minutes, and nobody writes without end: per-person limits answer 429 in the person's
language, with what they wrote still in the form and, on the urgent page, the numbers to call."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
import time_machine
from sqlmodel import func, select

from hub.accounts.models import User
from hub.db import utcnow
from hub.messages import services
from hub.messages.models import Conversation, ConversationStatus, CrisisLine, DutyShift, Message
from hub.notifications.models import Notification
from tests.checkins import helpers
from tests.checkins.helpers import text
from tests.factories import make_user
from tests.messages.test_retry_race import all_at_once, logged_in

as_user = helpers.as_user  # a logged-in client of its own per person
BOOSTED = {"HX-Request": "true", "HX-Boosted": "true"}  # a form sent by htmx, as in the app


@pytest.fixture
def people(world):
    """Sara (an open account: "I need help now" is for everyone), Louise on duty, Jonas off duty,
    and the help lines."""
    with world() as s:
        now = utcnow()
        louise = make_user(s, is_staff=True, name="Louise Holm")
        jonas = make_user(s, is_staff=True, name="Jonas Berg")
        s.add(DutyShift(staff_id=louise.id, since=now - timedelta(hours=1), until=now + timedelta(hours=8)))
        s.add(CrisisLine(name="Livslinien", phone="70 201 201", anonymous=True, position=1))
        return {
            "sara": make_user(s, is_young=True, name="Sara Nielsen"),
            "mads": make_user(s, is_young=True, name="Mads Kristensen"),
            "louise": louise,
            "jonas": jonas,
        }


def urgent_alerts(world, person) -> int:
    with world() as s:
        kinds = s.exec(select(Notification.kind).where(Notification.user_id == person.id)).all()
        return kinds.count("message_urgent")


def count(world, model) -> int:
    with world() as s:
        return s.exec(select(func.count()).select_from(model)).one()


def textarea(page: str) -> str:
    return html.unescape(re.search(r"<textarea[^>]*>(.*?)</textarea>", page, re.S).group(1)).strip()


# --- one urgent conversation ------------------------------------------------------------------------


def test_fifteen_urgent_requests_are_one_conversation_and_one_alert(world, people):
    with world() as s:
        sara = s.get(User, people["sara"].id)
        ids = {
            services.start_conversation(s, actor=sara, topic="other", body=f"Tap {n}", urgent=True).id
            for n in range(15)
        }
    [conversation_id] = ids
    with world() as s:
        bodies = s.exec(select(Message.body).where(Message.conversation_id == conversation_id)).all()
    assert sorted(bodies) == sorted(f"Tap {n}" for n in range(15))  # every word kept, in one place
    assert urgent_alerts(world, people["louise"]) == 1 and urgent_alerts(world, people["jonas"]) == 0


def test_asking_again_after_ten_minutes_alerts_again_and_a_closed_one_is_not_reused(world, people):
    with world() as s:
        first = services.start_conversation(
            s, actor=s.get(User, people["sara"].id), topic="other", body="Help", urgent=True
        )
    with time_machine.travel(utcnow() + timedelta(minutes=11)), world() as s:
        again = services.start_conversation(
            s, actor=s.get(User, people["sara"].id), topic="other", body="Still", urgent=True
        )
    assert again.id == first.id and urgent_alerts(world, people["louise"]) == 2
    with world() as s:
        s.get(Conversation, first.id).status = ConversationStatus.CLOSED
    with world() as s:
        later = services.start_conversation(
            s, actor=s.get(User, people["sara"].id), topic="other", body="New", urgent=True
        )
    assert later.id != first.id and urgent_alerts(world, people["louise"]) == 3


def test_the_one_who_picked_it_up_hears_when_the_person_asks_again(world, people):
    with world() as s:
        conversation = services.start_conversation(
            s, actor=s.get(User, people["sara"].id), topic="other", body="Help", urgent=True
        )
        services.post_message(s, actor=s.get(User, people["jonas"].id), conversation=conversation, body="I am here")
    with time_machine.travel(utcnow() + timedelta(minutes=11)), world() as s:
        services.start_conversation(s, actor=s.get(User, people["sara"].id), topic="other", body="Call me", urgent=True)
    assert urgent_alerts(world, people["jonas"]) == 1 and urgent_alerts(world, people["louise"]) == 1


def test_fifteen_taps_on_the_urgent_page_keep_the_words_and_the_numbers_to_call(world, people, as_user):
    sara = as_user(people["sara"])
    sara.get("/?lang=da")
    answers = [sara.post("/help/urgent", data={"body": f"Tap number {n}"}) for n in range(15)]
    assert [a.status_code for a in answers] == [303] * 5 + [429] * 10  # 5 an hour
    [thread] = {a.headers["Location"] for a in answers[:5]}
    for n, answer in enumerate(answers[5:], start=5):
        page = text(answer)
        assert textarea(page) == f"Tap number {n}"  # nothing typed is lost
        assert 'href="tel:112"' in page and 'href="tel:70201201"' in page and "Livslinien" in page
        assert f'href="{thread}"' in page  # and she can write on in her urgent conversation
        assert "Det, du skrev, er her stadig" in page  # in her language
    assert count(world, Conversation) == 1 and count(world, Message) == 5
    assert urgent_alerts(world, people["louise"]) == 1
    boosted = sara.post("/help/urgent", data={"body": "Please"}, headers=BOOSTED)
    assert boosted.status_code == 429 and textarea(text(boosted)) == "Please" and "tel:112" in text(boosted)
    assert sara.post(thread + "/reply", data={"body": "Are you there"}).status_code == 303


def test_taps_at_the_same_moment_make_one_urgent_conversation(app, world, people, live_server):
    """Through a real threaded server, on both databases: the young person's row is locked first."""
    session, token = logged_in(live_server.url, people["sara"].email)
    taps = iter(range(100))

    def tap() -> int:
        data = {"csrf_token": token, "body": f"Help {next(taps)}"}
        url = live_server.url + "/help/urgent"
        return session.post(url, data=data, allow_redirects=False, timeout=60).status_code

    assert set(all_at_once(tap)) == {303}
    assert count(world, Conversation) == 1 and count(world, Message) == 4
    assert urgent_alerts(world, people["louise"]) == 1


# --- limits per person -------------------------------------------------------------------------------


def test_ten_new_conversations_an_hour_then_a_429_that_keeps_the_words(world, people, as_user):
    sara = as_user(people["sara"])
    data = {"topic": "housing", "to": "hub"}
    for n in range(10):
        assert sara.post("/messages/new", data={**data, "body": f"Question {n}"}).status_code == 303
    for headers in ({}, BOOSTED):
        response = sara.post("/messages/new", data={**data, "body": "One more question"}, headers=headers)
        assert response.status_code == 429
        assert textarea(text(response)) == "One more question" and "What you wrote is still here" in text(response)
    assert count(world, Conversation) == 10
    mads = as_user(people["mads"])  # a limit is one person's, not everyone's
    assert mads.post("/messages/new", data={**data, "body": "Hello"}).status_code == 303


def test_sending_the_same_message_again_does_not_count(world, people, as_user):
    """A phone that sends a kept message twice (a retry, both tabs, the worker and the page)
    stores it once and is charged once: the person can still write nine more."""
    sara = as_user(people["sara"])
    data = {"topic": "housing", "to": "hub", "body": "Kan I hjælpe?", "client_key": "k" * 32}
    for _ in range(12):
        assert sara.post("/messages/new", data=data).status_code == 303
    for n in range(9):
        assert sara.post("/messages/new", data={**data, "body": f"Q {n}", "client_key": f"{n}" * 32}).status_code == 303
    assert count(world, Conversation) == 10


def test_sixty_answers_an_hour_then_a_429_that_keeps_the_words(world, people, as_user):
    sara = as_user(people["sara"])
    thread = sara.post("/messages/new", data={"topic": "job", "to": "hub", "body": "Hi"}).headers["Location"]
    for n in range(60):
        assert sara.post(thread + "/reply", data={"body": f"Line {n}"}).status_code == 303
    response = sara.post(thread + "/reply", data={"body": "Line sixty"}, headers=BOOSTED)
    assert response.status_code == 429 and textarea(text(response)) == "Line sixty"
    assert count(world, Message) == 61
