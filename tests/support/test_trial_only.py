"""The support circle and the support menu are the trial's: anyone on the internet can sign up
for an open account (events, and messages to the hub), but only a young person the staff have
enrolled chooses support people, adds them to a circle or asks for support options."""

from __future__ import annotations

import pytest
from sqlmodel import func, select

from hub.accounts.models import User
from hub.db import utcnow
from hub.errors import Forbidden
from hub.notifications.models import Notification
from hub.support import menu, nominations, services
from hub.support.models import Nomination, SupportChange, SupporterProfile, SupportItem, SupportLink, SupportOption
from tests.factories import make_user


@pytest.fixture
def hub_world(world):
    """A listed caseworker, a member of staff, and one option on the support menu."""
    with world() as s:
        caseworker = make_user(s, support_type="caseworker", name="Hanne Lund")
        s.add(SupporterProfile(user_id=caseworker.id, listed=True, phone="12 34 56 78"))
        staff = make_user(s, is_staff=True, name="Louise Holm")
        option = SupportOption(kind="mentor", name="Frivillig mentor", description="En frivillig fra en forening.")
        s.add(option)
        s.flush()
        return {"caseworker": caseworker, "staff": staff, "option": option.id}


def count(world, model) -> int:
    with world() as s:
        return s.exec(select(func.count()).select_from(model)).one()


def circle_actions(hub_world) -> dict[str, tuple[str, dict]]:
    caseworker = hub_world["caseworker"].id
    return {
        "add": (f"/support/people/{caseworker}/add", {}),
        "choose": (f"/support/people/{caseworker}/choose", {}),
        "ask": (f"/support/options/{hub_world['option']}/ask", {"wish": "En at snakke med"}),
        "nominate": ("/support/nominate", {"name": "Bo", "relation": "Min træner", "phone": "12345678"}),
    }


@pytest.mark.parametrize("action", ["add", "choose", "ask", "nominate"])
@pytest.mark.parametrize("htmx", [False, True])
def test_an_open_account_is_told_kindly_how_to_join_and_nothing_happens(
    client, login_as, world, hub_world, action, htmx
):
    login_as("young")  # signed up on the internet: not in the trial
    url, data = circle_actions(hub_world)[action]
    headers = {"HX-Request": "true", "HX-Boosted": "true"} if htmx else {}
    response = client.post(url, data=data, headers=headers)
    assert response.status_code == 403
    page = response.get_data(as_text=True)
    assert "At vælge din egen støtte er en del af et forsøg" in page  # Danish first, and kind
    assert 'href="/messages/new?to=hub"' in page  # the way to the staff, to ask to join
    for model in (SupportLink, SupportChange, SupportItem, Nomination, Notification):
        assert count(world, model) == 0, model


def test_the_same_person_once_enrolled_by_the_staff_can(client, auth, login_as, world, hub_world, make):
    young = login_as("young")
    client.post("/logout")
    auth.login(hub_world["staff"])
    response = client.post(f"/staff/people/{young.id}/trial", data={"enrol": "1"})
    assert response.status_code in (204, 303)
    client.post("/logout")
    auth.login(young)
    for name, (url, data) in circle_actions(hub_world).items():
        assert client.post(url, data=data).status_code == 303, name
    with world() as s:
        assert s.get(User, young.id).trial_enrolled_at is not None
        [link] = s.exec(select(SupportLink)).all()
        assert link.is_primary and link.supporter_id == hub_world["caseworker"].id
        assert s.exec(select(func.count()).select_from(SupportItem)).one() == 1
        assert s.exec(select(func.count()).select_from(Nomination)).one() == 1
        told = s.exec(select(Notification.kind).where(Notification.user_id == hub_world["caseworker"].id)).all()
        assert "support_added" in told and "support_chosen" in told


@pytest.mark.parametrize("path", ["/support", "/support/people", "/support/options", "/support/nominate"])
def test_the_support_tab_explains_the_trial_instead_of_a_form(client, login_as, hub_world, path):
    login_as("young")
    response = client.get(path)
    assert response.status_code == 200  # the tab leads somewhere friendly, not to an error page
    page = response.get_data(as_text=True)
    assert "At vælge din egen støtte er en del af et forsøg" in page and 'href="/messages/new?to=hub"' in page
    assert "Hanne Lund" not in page and 'action="/support' not in page and "<textarea" not in page


def test_an_open_account_does_not_see_the_directorys_people(client, login_as, hub_world):
    login_as("young")
    assert client.get(f"/support/people/{hub_world['caseworker'].id}").status_code == 404


def test_the_services_refuse_with_one_stable_code(world, hub_world):
    with world() as s:
        open_account = make_user(s, is_young=True)
        caseworker = s.get(User, hub_world["caseworker"].id)
        attempts = [
            lambda: services.add_to_circle(s, actor=open_account, person=caseworker),
            lambda: services.choose_primary(s, actor=open_account, person=caseworker),
            lambda: menu.ask_for(s, actor=open_account, option_id=hub_world["option"]),
            lambda: nominations.nominate(s, actor=open_account, name="Bo", relation="træner", phone="12345678"),
        ]
        for attempt in attempts:
            with pytest.raises(Forbidden) as error:
                attempt()
            assert error.value.code == "not_in_trial"
        assert not services.may_view_person(s, open_account, caseworker)
        open_account.trial_enrolled_at = utcnow()
        assert services.may_view_person(s, open_account, caseworker)


def test_someone_taken_out_of_the_trial_still_sees_and_may_end_their_circle(client, login_as, world, hub_world):
    young = login_as("young")
    with world() as s:
        link = SupportLink(young_id=young.id, supporter_id=hub_world["caseworker"].id, is_primary=True)
        s.add(link)
        s.flush()
        link_id = link.id
    page = client.get("/support").get_data(as_text=True)
    assert "Hanne Lund" in page and f"/support/circle/{link_id}" in page
    assert client.get(f"/support/circle/{link_id}").status_code == 200
    assert client.post(f"/support/circle/{link_id}/end").status_code == 303
    with world() as s:
        assert s.get(SupportLink, link_id).ended_at is not None


def test_the_home_page_does_not_invite_an_open_account_to_choose_support(client, login_as, hub_world):
    login_as("young")
    page = client.get("/").get_data(as_text=True)
    assert 'id="home-support"' not in page and "/support/people" not in page
