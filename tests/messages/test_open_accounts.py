"""An open account (anyone can sign up) writes to the hub's staff; writing straight to a
caseworker, a counsellor or a mentor is for young people in the support trial."""

from __future__ import annotations

import pytest
from sqlmodel import func, select

from hub.accounts.models import User
from hub.db import utcnow
from hub.errors import Forbidden
from hub.messages import services
from hub.messages.models import Conversation, Message
from hub.notifications.models import Notification
from hub.support.models import SupportLink
from tests.checkins import helpers
from tests.checkins.helpers import text
from tests.factories import make_user

as_user = helpers.as_user  # a logged-in client of its own per person
WORDS = "Hej Hanne, kan vi mødes på tirsdag"


@pytest.fixture
def people(world):
    """Hanne, a caseworker, is in the circle of Sara (in the trial) and of Mads (an open account:
    the link was made before the circle was closed to open accounts, or before he left the trial)."""
    with world() as s:
        hanne = make_user(s, support_type="caseworker", name="Hanne Lund")
        sara = make_user(s, is_young=True, name="Sara Nielsen", trial_enrolled_at=utcnow())
        mads = make_user(s, is_young=True, name="Mads Kristensen")
        for young in (sara, mads):
            s.add(SupportLink(young_id=young.id, supporter_id=hanne.id, may_message=True))
        return {"hanne": hanne, "sara": sara, "mads": mads}


def count(world, model) -> int:
    with world() as s:
        return s.exec(select(func.count()).select_from(model)).one()


def test_an_open_account_is_not_offered_and_may_not_write_to_a_professional(world, people, as_user):
    mads = as_user(people["mads"])
    mads.get("/?lang=da")
    hanne = people["hanne"].id
    assert f'value="{hanne}"' not in text(mads.get("/messages/new"))  # only the hub's staff to choose
    for headers in ({}, {"HX-Request": "true", "HX-Boosted": "true"}):
        response = mads.post(
            "/messages/new", data={"topic": "housing", "to": str(hanne), "body": WORDS}, headers=headers
        )
        assert response.status_code == 403
        page = text(response)
        assert WORDS in page  # what he wrote is still there
        assert "At vælge dine egne støttepersoner er en del af et forsøg" in page  # Danish, and kind
    assert count(world, Conversation) == 0 and count(world, Message) == 0 and count(world, Notification) == 0


def test_an_open_account_still_writes_to_the_hub(world, people, as_user):
    mads = as_user(people["mads"])
    response = mads.post("/messages/new", data={"topic": "housing", "to": "hub", "body": WORDS})
    assert response.status_code == 303
    with world() as s:
        [conversation] = s.exec(select(Conversation)).all()
        assert conversation.young_id == people["mads"].id and conversation.supporter_id is None


def test_a_young_person_in_the_trial_writes_to_their_caseworker(world, people, as_user):
    sara = as_user(people["sara"])
    hanne = people["hanne"].id
    assert f'value="{hanne}"' in text(sara.get("/messages/new"))
    response = sara.post("/messages/new", data={"topic": "housing", "to": str(hanne), "body": WORDS})
    assert response.status_code == 303
    with world() as s:
        [conversation] = s.exec(select(Conversation)).all()
        assert conversation.supporter_id == hanne
        assert s.exec(select(Notification.kind).where(Notification.user_id == hanne)).all() == ["message_new"]


def test_the_service_refuses_an_open_account_with_a_stable_code(world, people):
    with world() as s:
        mads = s.get(User, people["mads"].id)
        with pytest.raises(Forbidden) as error:
            services.start_conversation(s, actor=mads, topic="housing", body=WORDS, supporter_id=people["hanne"].id)
        assert error.value.code == "not_in_trial"
        assert services.start_conversation(s, actor=mads, topic="housing", body=WORDS).supporter_id is None
