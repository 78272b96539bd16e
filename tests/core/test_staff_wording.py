"""Pages where staff and support people look at a young person's things name that person
("Saras plan", "Mads' plan", "Sara's plan") instead of saying "your"."""

from __future__ import annotations

import re

import pytest

from tests.checkins.helpers import SHARE_ALL, add_link
from tests.conftest import Auth
from tests.factories import make_user


@pytest.fixture
def people(world):
    with world() as s:
        sara = make_user(s, is_young=True, name="Sara Nielsen", preferred_name="Sara")
        mads = make_user(s, is_young=True, name="Mads Kristensen")
        hanne = make_user(s, support_type="caseworker", name="Hanne Lund")
        staff = make_user(s, is_staff=True, name="Louise Holm")
        add_link(s, sara, hanne, primary=True, **SHARE_ALL)
        add_link(s, mads, hanne, see_plan=True)
        return {"sara": sara, "mads": mads, "hanne": hanne, "staff": staff}


def page_of(app, person, path: str, language: str) -> str:
    client = app.test_client()
    client.get(f"/?lang={language}")
    Auth(client).login(person)
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True).replace("&#39;", "'")


def heading(page: str) -> str:
    return re.search(r"<h1>(.*?)</h1>", page, re.S).group(1).strip()


@pytest.mark.parametrize(
    "who, language, expected",
    [("sara", "da", "Saras plan"), ("sara", "en", "Sara's plan"), ("mads", "da", "Mads' plan")],
)
def test_the_shared_plan_is_named_after_its_owner(app, people, who, language, expected):
    page = page_of(app, people["hanne"], f"/young/{people[who].id}/plan", language)
    assert heading(page) == expected
    assert "Din plan" not in page and "Your plan" not in page


@pytest.mark.parametrize(
    "language, expected",
    [("da", "Det er ændret i Saras plan"), ("en", "What has changed in Sara's plan")],
)
def test_what_changed_is_named_too(app, people, language, expected):
    assert heading(page_of(app, people["hanne"], f"/young/{people['sara'].id}/plan/changes", language)) == expected


@pytest.mark.parametrize(
    "language, expected, wrong",
    [
        ("da", "Ser Saras plan, bookinger, trivselstjek og klippekort", "Din plan"),
        ("en", "Sees Sara's plan, bookings, wellbeing check-ins and klippekort", "Your plan"),
    ],
)
def test_staff_read_what_each_circle_member_sees_about_the_young_person(app, people, language, expected, wrong):
    page = page_of(app, people["staff"], f"/staff/support/people/{people['sara'].id}", language)
    assert expected in page
    assert wrong not in page and "What you have booked" not in page


def test_the_check_in_note_hint_names_the_young_persons_support_people(app, people):
    page = page_of(app, people["hanne"], f"/my-young-people/{people['mads'].id}/checkins/new", "da")
    assert "Mads' faglige støttepersoner" in page
