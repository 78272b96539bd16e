"""The directory young people choose from: listed people only, filtered by what they need help with."""

from __future__ import annotations

import pytest

from hub.db import utcnow
from hub.support.models import SupporterProfile, SupportLink
from tests.factories import make_user

pytestmark = pytest.mark.usefixtures("english")


def person(session, *, listed=True, helps_with="", about="", **fields):
    user = make_user(session, **fields)
    session.add(SupporterProfile(user_id=user.id, listed=listed, helps_with=helps_with, about=about))
    session.flush()
    return user


@pytest.fixture
def people(world):
    with world() as s:
        return {
            "hanne": person(s, name="Hanne Lund", support_type="caseworker", helps_with="housing,economy"),
            "mette": person(s, name="Mette Dahl", support_type="uu_vejleder", helps_with="education,job"),
            "peter": person(s, name="Peter Madsen", is_mentor=True, helps_with="leisure", about="I lived in care."),
            "hidden": person(s, name="Hidden Person", support_type="caseworker", listed=False),
            "coach": person(s, name="Ali Coach", support_type="network", helps_with="leisure"),
            "closed": person(s, name="Closed Account", support_type="paedagog", disabled_at=utcnow()),
        }


def names(page: str) -> set[str]:
    everyone = {"Hanne Lund", "Mette Dahl", "Peter Madsen", "Hidden Person", "Ali Coach", "Closed Account"}
    return {name for name in everyone if name in page}


def test_the_directory_lists_listed_active_support_people_and_mentors(client, login_as, people):
    login_as("young", trial_enrolled_at=utcnow())
    page = client.get("/support/people").get_data(as_text=True)
    assert names(page) == {"Hanne Lund", "Mette Dahl", "Peter Madsen"}
    assert "Volunteer mentor" in page and "Caseworker" in page and "I lived in care." in page


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?area=housing", {"Hanne Lund"}),
        ("?area=leisure", {"Peter Madsen"}),
        ("?kind=mentor", {"Peter Madsen"}),
        ("?kind=uu_vejleder&area=job", {"Mette Dahl"}),
        ("?kind=network", {"Hanne Lund", "Mette Dahl", "Peter Madsen"}),  # not a choice: ignored
        ("?area=nonsense", {"Hanne Lund", "Mette Dahl", "Peter Madsen"}),
        ("?area=health", set()),
    ],
)
def test_the_filter_narrows_the_list(client, login_as, people, query, expected):
    login_as("young", trial_enrolled_at=utcnow())
    response = client.get("/support/people" + query)
    assert response.status_code == 200
    assert names(response.get_data(as_text=True)) == expected


def test_the_filter_answers_htmx_with_just_the_results(client, login_as, people):
    login_as("young", trial_enrolled_at=utcnow())
    response = client.get("/support/people?area=education", headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<div id="directory"') and "<html" not in body
    assert names(body) == {"Mette Dahl"}


def test_unlisted_and_network_people_have_no_profile_page_unless_in_the_circle(client, world, login_as, people):
    young = login_as("young", trial_enrolled_at=utcnow())
    for key in ("hidden", "coach", "closed"):
        assert client.get(f"/support/people/{people[key].id}").status_code == 404
        assert client.post(f"/support/people/{people[key].id}/add").status_code == 404
    with world() as s:
        s.add(SupportLink(young_id=young.id, supporter_id=people["coach"].id))
    page = client.get(f"/support/people/{people['coach'].id}")
    assert page.status_code == 200 and "Ali Coach" in page.get_data(as_text=True)


def test_the_profile_page_shows_the_choice_state(client, login_as, people):
    login_as("young", trial_enrolled_at=utcnow())
    hanne = people["hanne"].id
    page = client.get(f"/support/people/{hanne}").get_data(as_text=True)
    assert "Choose as my support person" in page and "Add to my circle" in page
    client.post(f"/support/people/{hanne}/choose")
    page = client.get(f"/support/people/{hanne}").get_data(as_text=True)
    assert "You chose Hanne" in page and "Choose as my support person" not in page
    assert "You chose Hanne" in client.get("/support/people").get_data(as_text=True)


def test_only_young_people_use_the_directory(client, login_as, people):
    login_as("mentor")
    assert client.get("/support/people").status_code == 403
    assert client.get(f"/support/people/{people['hanne'].id}").status_code == 404
