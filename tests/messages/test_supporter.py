"""Support people: the conversations young people start with them, writing first when the young
person lets them, and reading (not writing) once they have left the circle."""

from __future__ import annotations

import pytest
from sqlmodel import select

from hub.db import utcnow
from hub.messages import services
from hub.messages.models import Conversation, ConversationStatus
from hub.support.models import SupportLink
from tests.checkins import helpers
from tests.checkins.helpers import notices, text

pytestmark = pytest.mark.usefixtures("english")

# Fixtures shared with the check-ins: Sara and her circle, and a logged-in client per person.
as_user = helpers.as_user
circle_world = helpers.circle_world


@pytest.fixture
def people(circle_world, world):
    people = circle_world()
    with world() as s:  # Sara lets Hanne (her caseworker) write to her; the network person may not
        for link in s.exec(select(SupportLink).where(SupportLink.young_id == people["young"].id)):
            link.may_message = link.supporter_id == people["caseworker"].id
    return people


def start(world, people, to="caseworker", body="Can we meet?") -> int:
    with world() as s:
        conversation = services.start_conversation(
            s, actor=people["young"], topic="job", body=body, supporter_id=people[to].id
        )
        return conversation.id


def test_support_person_sees_and_answers_what_a_young_person_started(world, people, as_user):
    conversation_id = start(world, people)
    hanne = as_user(people["caseworker"])
    listing = text(hanne.get("/messages"))
    assert "Sara" in listing and "Can we meet?" in listing and "msg-row--unread" in listing
    with world() as s:
        assert services.unread_count(s, people["caseworker"]) == 1
    assert "Can we meet?" in text(hanne.get(f"/messages/{conversation_id}"))
    response = hanne.post(f"/messages/{conversation_id}/reply", data={"body": "Yes, Tuesday at 10?"})
    assert response.status_code == 303
    with world() as s:
        conversation = s.get(Conversation, conversation_id)
        assert conversation.status == ConversationStatus.WAITING and conversation.first_response_at
        assert [n.kind for n in notices(s, people["young"].id)] == ["message_reply"]
        assert services.unread_count(s, people["caseworker"]) == 0
    sara = as_user(people["young"])
    assert "Yes, Tuesday at 10?" in text(sara.get(f"/messages/{conversation_id}"))


def test_the_young_person_sees_when_their_support_person_has_read_it(world, people, as_user):
    conversation_id = start(world, people)
    sara = as_user(people["young"])
    assert "✓ Seen" not in text(sara.get(f"/messages/{conversation_id}"))
    as_user(people["caseworker"]).get(f"/messages/{conversation_id}")
    assert "✓ Seen" in text(sara.get(f"/messages/{conversation_id}"))


def test_write_first_when_the_young_person_lets_you(world, people, as_user):
    hanne = as_user(people["caseworker"])
    young_id = people["young"].id
    listing = text(hanne.get("/messages"))
    assert f"/messages/to/{young_id}" in listing and "Write to Sara" in listing
    page = text(hanne.get(f"/messages/to/{young_id}"))
    assert page.count('name="topic"') == 8
    assert hanne.post(f"/messages/to/{young_id}", data={"topic": "job", "body": ""}).status_code == 422
    response = hanne.post(f"/messages/to/{young_id}", data={"topic": "job", "body": "How did the interview go?"})
    assert response.status_code == 303
    with world() as s:
        [conversation] = s.exec(select(Conversation).where(Conversation.young_id == young_id)).all()
        assert conversation.supporter_id == people["caseworker"].id
        assert conversation.started_by_id == people["caseworker"].id
        assert conversation.status == ConversationStatus.WAITING
        assert [n.kind for n in notices(s, young_id)] == ["message_new"]
        assert services.unread_count(s, people["young"]) == 1
    sara = as_user(people["young"])
    assert "How did the interview go?" in text(sara.get(f"/messages/{conversation.id}"))
    assert sara.post(f"/messages/{conversation.id}/reply", data={"body": "Well!"}).status_code == 303
    with world() as s:
        assert s.get(Conversation, conversation.id).status == ConversationStatus.OPEN


@pytest.mark.parametrize("name", ["network", "outside_caseworker", "other_young", "staff", "young"])
def test_nobody_else_writes_first(world, people, as_user, name):
    """The network person is in the circle but may not write first; the others are not in it."""
    client = as_user(people[name])
    young_id = people["young"].id
    assert client.get(f"/messages/to/{young_id}").status_code == 404
    assert client.post(f"/messages/to/{young_id}", data={"topic": "job", "body": "Hi"}).status_code == 404
    with world() as s:
        assert s.exec(select(Conversation)).all() == []


def test_after_leaving_the_circle_they_read_but_do_not_write(world, people, as_user):
    conversation_id = start(world, people)
    with world() as s:
        link = s.exec(select(SupportLink).where(SupportLink.supporter_id == people["caseworker"].id)).one()
        link.ended_at = utcnow()
    hanne = as_user(people["caseworker"])
    page = text(hanne.get(f"/messages/{conversation_id}"))
    assert "Can we meet?" in page and "no longer write here" in page and 'name="body"' not in page
    assert hanne.post(f"/messages/{conversation_id}/reply", data={"body": "Still here"}).status_code == 404
    assert hanne.get(f"/messages/to/{people['young'].id}").status_code == 404
    sara = as_user(people["young"])
    assert "no longer write here" in text(sara.get(f"/messages/{conversation_id}"))


def test_support_people_never_see_the_hub_conversations(world, people, as_user):
    with world() as s:
        hub = services.start_conversation(s, actor=people["young"], topic="money", body="Rent is late")
    hanne = as_user(people["caseworker"])
    assert "Rent is late" not in text(hanne.get("/messages"))
    assert hanne.get(f"/messages/{hub.id}").status_code == 404
    assert "Can we meet?" not in text(as_user(people["uu"]).get("/messages"))
