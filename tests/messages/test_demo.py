"""The messages demo sets up the hub and tells the stories it promises, consistently."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from hub.accounts.models import User
from hub.db import utcnow
from hub.messages import demo, hours, services
from hub.messages.models import (
    CannedReply,
    Conversation,
    ConversationStatus,
    DutyShift,
    Message,
    ReadMark,
    TopicRoute,
)
from tests.checkins.helpers import add_link
from tests.factories import make_user

LOGINS = {
    "ung": {"is_young": True, "name": "Sara Nielsen"},
    "mads": {"is_young": True},
    "amina": {"is_young": True},
    "personale": {"is_staff": True},
    "jonas": {"is_staff": True},
    "admin": {"is_admin": True},
    "mentor": {"is_mentor": True},
    "sagsbehandler": {"support_type": "caseworker"},
    "traener": {"support_type": "network"},
}


@pytest.fixture
def by_login(world):
    with world() as s:
        people = {login: make_user(s, **flags) for login, flags in LOGINS.items()}
        add_link(s, people["ung"], people["sagsbehandler"], primary=True, may_message=True)
        demo.load(s, people)
    return people


def conversations_of(s, young) -> dict[str, Conversation]:
    return {c.topic: c for c in s.exec(select(Conversation).where(Conversation.young_id == young.id))}


def test_the_hub_is_set_up(world, by_login):
    with world() as s:
        opening = hours.opening_hours(s)
        assert opening[0][0].hour == 13 and opening[4][1].hour == 21 and opening[5] is None
        norms = hours.response_norms(s)
        assert (norms["feelings"], norms["housing"], norms["money"]) == (4, 8, 24)
        routes = {(r.topic, r.staff_id) for r in s.exec(select(TopicRoute))}
        assert ("housing", by_login["personale"].id) in routes and ("feelings", by_login["jonas"].id) in routes
        assert len(routes) == 7
        assert len(s.exec(select(CannedReply)).all()) == 3
        assert services.staff_on_duty(s) == [by_login["personale"]]
        shift = s.exec(select(DutyShift)).one()
        assert shift.until - shift.since == timedelta(hours=4)


def test_saras_conversations(world, by_login):
    sara, louise = by_login["ung"], by_login["personale"]
    with world() as s:
        mine = conversations_of(s, sara)
        assert set(mine) == {"housing", "money", "job"}

        housing = mine["housing"]
        assert housing.status == ConversationStatus.OPEN and housing.supporter_id is None
        words = services.visible_messages(s, sara, housing)
        assert [m.author_id for m in words] == [sara.id, louise.id, sara.id]
        assert housing.first_response_at == words[1].created_at
        assert housing.last_message_at == words[-1].created_at
        assert s.get(ReadMark, (housing.id, louise.id)).read_at < housing.last_message_at  # new for staff

        assert mine["money"].status == ConversationStatus.CLOSED and mine["money"].closed_at < utcnow()

        job = mine["job"]
        assert job.supporter_id == by_login["sagsbehandler"].id and job.status == ConversationStatus.WAITING
        assert services.can_write(s, by_login["sagsbehandler"], job)
        assert services.unread_count(s, sara) == 1  # Hanne's answer


def test_amina_waits_and_mads_was_helped(world, by_login):
    with world() as s:
        [education] = conversations_of(s, by_login["amina"]).values()
        assert education.topic == "education" and education.first_response_at is None
        assert education.status == ConversationStatus.OPEN and not education.urgent
        assert timedelta(hours=20) < utcnow() - education.created_at < timedelta(hours=28)

        [trouble] = conversations_of(s, by_login["mads"]).values()
        assert trouble.urgent and trouble.status == ConversationStatus.CLOSED
        assert trouble.picked_up_by_id == by_login["jonas"].id
        assert trouble.first_response_at == trouble.picked_up_at
        assert trouble.created_at < trouble.picked_up_at < trouble.closed_at
        assert utcnow() - trouble.created_at > timedelta(days=6)


def test_every_message_fits_and_is_in_time(world, by_login):
    with world() as s:
        for message in s.exec(select(Message)):
            conversation = s.get(Conversation, message.conversation_id)
            assert 0 < len(message.body) <= services.BODY_MAX
            assert conversation.created_at <= message.created_at <= conversation.last_message_at
            assert services.can_read(s.get(User, message.author_id), conversation)


def test_the_jobs_leave_the_demo_alone(app, world, by_login):
    from hub.messages import jobs

    with world() as s:
        assert jobs.escalate_urgent(s) == 0
        assert jobs.delete_closed_conversations(s) == 0
