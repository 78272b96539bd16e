"""Profiles: support people and mentors present themselves; staff decide who is listed."""

from __future__ import annotations

import re
from datetime import date

import pytest

from hub.errors import Invalid
from hub.support import profiles
from hub.support.models import SupporterProfile
from tests.factories import make_user

pytestmark = pytest.mark.usefixtures("english")

GOOD = {
    "about": "I grew up in care myself.",
    "helps_with": ["housing", "job"],
    "languages": "Danish, English",
    "reachable": "Weekdays 9-15",
    "phone": "12 34 56 78",
}


def profile(world, user_id: int) -> SupporterProfile | None:
    with world() as s:
        return s.get(SupporterProfile, user_id)


def test_a_support_person_writes_their_profile(client, world, login_as):
    hanne = login_as("support")
    assert client.get("/support/my-profile").status_code == 200
    response = client.post("/support/my-profile", data=GOOD)
    assert response.status_code == 303
    saved = profile(world, hanne.id)
    assert (saved.about, saved.helps_with, saved.phone, saved.listed) == (
        "I grew up in care myself.",
        "job,housing",  # in the order of the life areas
        "12 34 56 78",
        False,  # staff decide when they are listed
    )
    page = client.get("/support/my-profile").get_data(as_text=True)
    assert "Your profile is saved." in page and "not shown in the directory yet" in page
    assert re.search(r'<input[^>]*checked[^>]*value="housing"', page)
    assert not re.search(r'<input[^>]*checked[^>]*value="education"', page)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"helps_with": ["flying"]}, "Choose from the list."),
        ({"about": "x" * 501}, "Keep it under 500 characters."),
        ({"phone": "ring me"}, "Write a phone number with digits"),
    ],
)
def test_bad_profile_input_says_what_to_fix(client, world, login_as, values, message):
    mentor = login_as("mentor")
    response = client.post("/support/my-profile", data={**GOOD, **values})
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert profile(world, mentor.id) is None


def test_young_people_and_plain_staff_have_no_profile_page(client, login_as, auth):
    login_as("young")
    assert client.get("/support/my-profile").status_code == 403
    auth.logout()
    login_as("staff")
    assert client.get("/support/my-profile").status_code == 403


# --- staff listing -----------------------------------------------------------------------------------


def test_a_mentor_is_listed_only_with_agreement_and_training(world):
    with world() as s:
        staff = make_user(s, is_staff=True)
        mentor = make_user(s, is_mentor=True)
        values = {"organisation": "Ungdommens Røde Kors", "staff_contact_id": staff.id}
        with pytest.raises(Invalid) as error:
            profiles.save_listing(
                s, actor=staff, person=mentor, listed=True, agreement_on=date(2026, 8, 1), training_on=None, **values
            )
        assert error.value.code == "listed"
        saved = profiles.save_listing(
            s,
            actor=staff,
            person=mentor,
            listed=True,
            agreement_on=date(2026, 8, 1),
            training_on=date(2026, 8, 20),
            **values,
        )
        assert saved.listed and saved.staff_contact_id == staff.id


def test_staff_list_a_mentor_through_the_page(client, world, login_as):
    with world() as s:
        mentor = make_user(s, is_mentor=True, name="Peter Madsen")
    staff = login_as("staff")
    page = client.get("/staff/support/supporters").get_data(as_text=True)
    assert "Peter Madsen" in page and "Not listed" in page
    url = f"/staff/support/supporters/{mentor.id}"
    refused = client.post(url, data={"listed": "y", "organisation": "Ungdommens Røde Kors"})
    assert refused.status_code == 422
    assert "agreement and the intro training are recorded" in refused.get_data(as_text=True)
    assert profile(world, mentor.id) is None
    bad_date = client.post(url, data={"listed": "y", "agreement_on": "soon"})
    assert bad_date.status_code == 422 and "Choose a date." in bad_date.get_data(as_text=True)
    done = client.post(
        url,
        data={
            "listed": "y",
            "organisation": "Ungdommens Røde Kors",
            "agreement_on": "2026-08-14",
            "training_on": "2026-08-28",
            "staff_contact_id": str(staff.id),
        },
    )
    assert done.status_code == 303
    saved = profile(world, mentor.id)
    assert saved.listed and saved.agreement_on == date(2026, 8, 14) and saved.staff_contact_id == staff.id


def test_a_network_person_is_never_listed_and_the_contact_must_be_staff(client, world, login_as):
    with world() as s:
        coach = make_user(s, support_type="network")
        caseworker = make_user(s, support_type="caseworker")
    login_as("staff")
    refused = client.post(f"/staff/support/supporters/{coach.id}", data={"listed": "y"})
    assert refused.status_code == 422 and "never listed" in refused.get_data(as_text=True)
    wrong_contact = client.post(
        f"/staff/support/supporters/{caseworker.id}", data={"listed": "y", "staff_contact_id": str(coach.id)}
    )
    assert wrong_contact.status_code == 422 and "Choose someone from the staff." in wrong_contact.get_data(as_text=True)
    assert client.post(f"/staff/support/supporters/{caseworker.id}", data={"listed": "y"}).status_code == 303


def test_someone_who_is_not_a_supporter_has_no_staff_profile_page(client, world, login_as):
    with world() as s:
        young = make_user(s, is_young=True)
    login_as("staff")
    assert client.get(f"/staff/support/supporters/{young.id}").status_code == 404
    assert client.get("/staff/support/supporters/2147483647").status_code == 404
