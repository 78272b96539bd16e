"""Volunteer mentors: their agreement, their staff contact, and asking the staff for a talk."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from hub.checkins import services
from hub.errors import Forbidden, Invalid
from hub.support.models import SparringRequest, SupporterProfile
from tests.checkins.helpers import notices, text
from tests.factories import make_user

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def staff(world):
    with world() as s:
        louise = make_user(s, is_staff=True, name="Louise Holm")
        jonas = make_user(s, is_staff=True, name="Jonas Berg")
        make_user(s, is_staff=True, name="Gone Staff", disabled_at=louise.created_at)
        s.add(SupporterProfile(user_id=louise.id, phone="12 34 56 78"))
    return louise, jonas


@pytest.fixture
def peter(world, staff):
    louise, _jonas = staff
    with world() as s:
        mentor = make_user(s, is_mentor=True, name="Peter Madsen")
        s.add(
            SupporterProfile(
                user_id=mentor.id,
                organisation="Red Barnet",
                agreement_on=date(2025, 9, 1),
                training_on=date(2025, 9, 20),
                staff_contact_id=louise.id,
            )
        )
    return mentor


def test_the_page_shows_the_agreement_and_the_contact(as_user, peter):
    body = text(as_user(peter).get("/volunteer"))
    assert "Red Barnet" in body and "1 September 2025" in body and "20 September 2025" in body
    assert "Louise Holm" in body and 'href="tel:12345678"' in body
    assert "Not recorded yet" not in body


def test_missing_facts_are_said_plainly(world, as_user, staff):
    with world() as s:
        mentor = make_user(s, is_mentor=True)
    body = text(as_user(mentor).get("/volunteer"))
    assert body.count("Not recorded yet") == 3
    assert "You do not have a fixed contact yet" in body


def test_asking_for_a_talk_tells_the_staff_contact(world, as_user, peter, staff):
    louise, jonas = staff
    client = as_user(peter)
    response = client.post("/volunteer/sparring", data={"text": "  Amina keeps cancelling.  "})
    assert response.status_code == 303 and response.headers["Location"] == "/volunteer#sparring"
    with world() as s:
        [request] = s.exec(select(SparringRequest)).all()
        assert (request.mentor_id, request.text, request.answered_at) == (peter.id, "Amina keeps cancelling.", None)
        [notice] = notices(s, louise.id)
        assert notice.kind == "sparring" and notice.url == "/staff/support"
        assert notices(s, jonas.id) == []
    body = text(client.get("/volunteer"))
    assert "Amina keeps cancelling." in body and "Waiting for the staff" in body


def test_without_a_contact_all_active_staff_are_told(world, as_user, staff):
    louise, jonas = staff
    with world() as s:
        mentor = make_user(s, is_mentor=True)
        services.ask_sparring(s, actor=mentor, text="Can we talk?")
        assert len(notices(s, louise.id)) == 1 and len(notices(s, jonas.id)) == 1
        gone = s.exec(select(type(louise)).where(type(louise).name == "Gone Staff")).one()
        assert notices(s, gone.id) == []


def test_an_answered_request_says_so(world, as_user, peter):
    with world() as s:
        request = services.ask_sparring(s, actor=peter, text="Talk?")
        request.answered_at = request.created_at
        s.add(request)
    assert "Answered" in text(as_user(peter).get("/volunteer"))


@pytest.mark.parametrize(("value", "message"), [("", "Write a few words"), ("x" * 1001, "Keep it under 1000")])
def test_bad_input_is_422(world, as_user, peter, value, message):
    response = as_user(peter).post("/volunteer/sparring", data={"text": value})
    assert response.status_code == 422 and message in text(response)
    with world() as s:
        assert s.exec(select(SparringRequest)).first() is None


def test_the_service_rules(world, peter):
    with world() as s:
        with pytest.raises(Invalid) as error:
            services.ask_sparring(s, actor=peter, text="   ")
        assert error.value.code == "text_missing"
        with pytest.raises(Forbidden):
            services.ask_sparring(s, actor=make_user(s, support_type="caseworker"), text="Hi")


def test_only_mentors(login_as, client):
    login_as("support")
    assert client.get("/volunteer").status_code == 403
    assert client.post("/volunteer/sparring", data={"text": "Hi"}).status_code == 403
