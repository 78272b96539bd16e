"""Enrolling in a cohort, recording a status with the young person, and the pulse they answer."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from hub.accounts.models import User
from hub.db import utcnow
from hub.errors import Conflict, Forbidden, Invalid
from hub.evaluation import services
from hub.evaluation.models import EvaluationEnrolment, PulseAnswer, StatusRecord
from tests.evaluation.conftest import add_pulse, add_status, enrol, text
from tests.factories import make_user

pytestmark = pytest.mark.usefixtures("english")

STATUS = {"housing": "supported", "occupation": "job", "risk": "middle", "network": "4", "network_note": "Ny kæreste"}
PULSE = {"talk": "4", "home": "3", "days": "2", "say": "5", "future": "4"}


@pytest.fixture
def staff(world, as_user):
    with world() as s:
        person = make_user(s, is_staff=True, name="Louise Holm")
    return person, as_user(person)


def rows(world, model, young_id):
    with world() as s:
        return list(s.exec(select(model).where(model.young_id == young_id)))


# --- enrolment ------------------------------------------------------------------------------------------


def test_staff_enrol_a_young_person_in_a_cohort_from_their_page(world, staff):
    louise, client = staff
    with world() as s:
        sara = make_user(s, is_young=True, name="Sara Nielsen")
    people = text(client.get("/staff/people?q=sara"))
    assert f'/staff/evaluation/people/{sara.id}"' in people  # "Enrol in the trial" leads to the cohort form
    page = client.get(f"/staff/evaluation/people/{sara.id}")
    assert page.status_code == 200 and 'name="cohort_year"' in text(page) and "Not in the trial" in text(page)

    response = client.post(f"/staff/evaluation/people/{sara.id}/enrol", data={"cohort_year": "2026"})
    assert response.status_code == 303 and response.headers["Location"] == f"/staff/evaluation/people/{sara.id}"
    [enrolment] = rows(world, EvaluationEnrolment, sara.id)
    assert (enrolment.cohort_year, enrolment.enrolled_by_id) == (2026, louise.id)
    with world() as s:
        assert s.get(User, sara.id).trial_enrolled_at is not None
    assert "In the trial, cohort 2026" in text(client.get(f"/staff/evaluation/people/{sara.id}"))

    # Enrolling again corrects the cohort; there is still one enrolment.
    assert client.post(f"/staff/evaluation/people/{sara.id}/enrol", data={"cohort_year": "2025"}).status_code == 303
    [enrolment] = rows(world, EvaluationEnrolment, sara.id)
    assert enrolment.cohort_year == 2025


@pytest.mark.parametrize("year", ["", "abc", "1999", "2999", "2026.5"])
def test_a_bad_cohort_year_is_a_clear_422_and_enrols_nobody(world, staff, year):
    _louise, client = staff
    with world() as s:
        sara = make_user(s, is_young=True)
    response = client.post(f"/staff/evaluation/people/{sara.id}/enrol", data={"cohort_year": year})
    assert response.status_code == 422
    assert "Choose the year the young person joins the trial." in text(response)
    assert rows(world, EvaluationEnrolment, sara.id) == []
    with world() as s:
        assert s.get(User, sara.id).trial_enrolled_at is None


def test_only_young_people_have_an_evaluation_page(world, staff):
    _louise, client = staff
    with world() as s:
        mentor = make_user(s, is_mentor=True)
    assert client.get(f"/staff/evaluation/people/{mentor.id}").status_code == 404
    assert client.post(f"/staff/evaluation/people/{mentor.id}/enrol", data={"cohort_year": "2026"}).status_code == 404
    assert client.get("/staff/evaluation/people/2147483647").status_code == 404


def test_young_people_enrolled_the_old_way_are_listed_until_they_get_a_cohort(world, staff):
    _louise, client = staff
    with world() as s:
        old_way = make_user(s, is_young=True, name="Amina Hassan", trial_enrolled_at=utcnow())
    page = text(client.get("/staff/evaluation"))
    assert "In the trial, without a cohort" in page and "Amina Hassan" in page
    client.post(f"/staff/evaluation/people/{old_way.id}/enrol", data={"cohort_year": "2026"})
    assert "In the trial, without a cohort" not in text(client.get("/staff/evaluation"))


# --- status records ---------------------------------------------------------------------------------------


def test_staff_record_a_status_at_the_start_and_then_follow_ups(world, staff):
    louise, client = staff
    with world() as s:
        sara = make_user(s, is_young=True)
        enrol(s, sara)
    page = client.get(f"/staff/evaluation/people/{sara.id}/status")
    assert page.status_code == 200 and "Risk of dropping out (staff only)" in text(page)
    response = client.post(f"/staff/evaluation/people/{sara.id}/status", data=STATUS)
    assert response.status_code == 303 and response.headers["Location"] == f"/staff/evaluation/people/{sara.id}"
    client.post(f"/staff/evaluation/people/{sara.id}/status", data={**STATUS, "housing": "own_home"})
    first, second = sorted(rows(world, StatusRecord, sara.id), key=lambda r: r.id)
    assert (first.kind, first.housing, first.occupation, first.risk, first.network) == (
        "start",
        "supported",
        "job",
        "middle",
        4,
    )
    assert first.network_note == "Ny kæreste" and first.recorded_by_id == louise.id
    assert (second.kind, second.housing) == ("follow_up", "own_home")
    person = text(client.get(f"/staff/evaluation/people/{sara.id}"))
    assert "Supported housing" in person and "Middle" in person and "Ny kæreste" in person


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"housing": ""}, "Choose where the young person lives."),
        ({"housing": "castle"}, "Choose where the young person lives."),
        ({"occupation": "pirate"}, "Choose education or job."),
        ({"risk": ""}, "Choose a risk category."),
        ({"risk": "extreme"}, "Choose a risk category."),
        ({"network": "9"}, "Choose one of the five answers."),
        ({"network": "x"}, "Choose one of the five answers."),
        ({"network_note": "x" * 301}, "Keep it under 300 characters."),
    ],
)
def test_a_bad_status_is_a_clear_422_and_saves_nothing(world, staff, change, message):
    _louise, client = staff
    with world() as s:
        sara = make_user(s, is_young=True)
        enrol(s, sara)
    response = client.post(f"/staff/evaluation/people/{sara.id}/status", data={**STATUS, **change})
    assert response.status_code == 422
    assert message in text(response)
    if "network_note" not in change:
        assert "Ny kæreste" in text(response)  # what was typed stays
    assert rows(world, StatusRecord, sara.id) == []


def test_no_status_for_someone_outside_the_trial(world, staff):
    _louise, client = staff
    with world() as s:
        mads = make_user(s, is_young=True)
        taken_out = make_user(s, is_young=True)
        enrol(s, taken_out)
        taken_out.trial_enrolled_at = None  # taken out of the trial on the people page
    for person in (mads, taken_out):
        page = client.get(f"/staff/evaluation/people/{person.id}/status")
        assert page.status_code == 303 and page.headers["Location"] == f"/staff/evaluation/people/{person.id}"
        assert client.post(f"/staff/evaluation/people/{person.id}/status", data=STATUS).status_code == 409
        assert rows(world, StatusRecord, person.id) == []


def test_the_services_say_no_to_anyone_but_staff(world):
    with world() as s:
        sara, mentor = make_user(s, is_young=True), make_user(s, is_mentor=True)
        enrol(s, sara)
        with pytest.raises(Forbidden):
            services.enrol(s, actor=sara, young=sara, cohort_year=2026)
        with pytest.raises(Forbidden):
            services.record_status(
                s, actor=mentor, young=sara, housing="family", occupation="job", risk="low", network=3
            )


# --- who is due -------------------------------------------------------------------------------------------


@pytest.mark.clock
def test_staff_see_who_is_due_a_status_record(world, staff):
    _louise, client = staff
    now = utcnow()
    with world() as s:
        never = make_user(s, is_young=True, name="Aa Never")
        recent = make_user(s, is_young=True, name="Bb Recent")
        long_ago = make_user(s, is_young=True, name="Cc Longago")
        for young in (never, recent, long_ago):
            enrol(s, young, at=now - timedelta(days=400))
        add_status(s, recent, at=now - timedelta(days=30))
        add_status(s, long_ago, at=now - timedelta(days=190))
        found = {p.young.id: p for p in services.participants(s, now=now)}
    assert found[never.id].status_due and found[long_ago.id].status_due and not found[recent.id].status_due
    # Six months after the recent one, it is due too.
    with world() as s:
        later = {p.young.id: p for p in services.participants(s, now=now + timedelta(days=160))}
    assert later[recent.id].status_due
    page = text(client.get("/staff/evaluation"))
    assert "2 are due a status record" in page
    assert page.count("Status due") == 2
    assert page.index("Aa Never") < page.index("Cc Longago") < page.index("Bb Recent")  # due first


# --- the pulse ------------------------------------------------------------------------------------------------


def test_a_young_person_in_the_trial_answers_the_pulse_themselves(world, as_user):
    with world() as s:
        sara = make_user(s, is_young=True)
        enrol(s, sara)
    client = as_user(sara)
    home = text(client.get("/"))
    assert "Answer five questions" in home and 'href="/pulse"' in home
    page = client.get("/pulse")
    assert page.status_code == 200 and text(page).count('type="radio"') == 25
    assert "I have someone to talk to when things are hard." in text(page)
    response = client.post("/pulse", data=PULSE)
    assert response.status_code == 303 and response.headers["Location"] == "/"
    [answer] = rows(world, PulseAnswer, sara.id)
    assert (answer.talk, answer.home, answer.days, answer.say, answer.future) == (4, 3, 2, 5, 4)
    assert "Thank you for answering on" in text(client.get("/"))


@pytest.mark.parametrize("change", [{"talk": ""}, {"future": "6"}, {"say": "0"}, {"home": "three"}])
def test_a_missing_or_odd_pulse_answer_is_a_clear_422(world, as_user, change):
    with world() as s:
        sara = make_user(s, is_young=True)
        enrol(s, sara)
    response = as_user(sara).post("/pulse", data={**PULSE, **change})
    assert response.status_code == 422 and "Choose one of the five answers." in text(response)
    assert rows(world, PulseAnswer, sara.id) == []


def test_the_pulse_is_only_for_young_people_in_the_trial(world, as_user):
    with world() as s:
        mads = make_user(s, is_young=True)
    client = as_user(mads)
    assert "Answer five questions" not in text(client.get("/"))
    page = client.get("/pulse")
    assert page.status_code == 200 and "for young people in the trial" in text(page)
    assert 'type="radio"' not in text(page)
    assert client.post("/pulse", data=PULSE).status_code == 403
    assert rows(world, PulseAnswer, mads.id) == []


def test_staff_see_the_scores_but_cannot_answer_for_anyone(world, staff, as_user):
    _louise, client = staff
    with world() as s:
        sara = make_user(s, is_young=True)
        enrol(s, sara)
        add_pulse(s, sara, score=2)
    assert client.post("/pulse", data=PULSE).status_code == 403
    assert client.post(f"/pulse?young_id={sara.id}", data=PULSE).status_code == 403
    assert len(rows(world, PulseAnswer, sara.id)) == 1
    person = text(client.get(f"/staff/evaluation/people/{sara.id}"))
    assert "Someone to talk to" in person and person.count("<td>2</td>") == 5
    with world() as s:
        staff_user = make_user(s, is_staff=True)
        with pytest.raises(Forbidden):
            services.answer_pulse(s, actor=staff_user, answers=dict.fromkeys(PULSE, 3))
        with pytest.raises(Invalid):
            services.answer_pulse(s, actor=s.get(User, sara.id), answers={"talk": 3})


def test_the_service_refuses_a_status_for_someone_not_enrolled(world):
    with world() as s:
        louise, mads = make_user(s, is_staff=True), make_user(s, is_young=True)
        with pytest.raises(Conflict) as error:
            services.record_status(
                s, actor=louise, young=mads, housing="family", occupation="job", risk="low", network=3
            )
    assert error.value.code == "not_enrolled"
