"""The open door: leaving deletes nothing and pauses what is on; coming back is one tap away."""

from __future__ import annotations

import pytest
from sqlmodel import func, select

from hub.accounts.models import User
from hub.db import utcnow
from hub.errors import Forbidden, NotFound
from hub.support import menu_demo, open_door
from hub.support.history import change_counts, history_lines
from hub.support.models import (
    ChangeKind,
    ItemStatus,
    OptionKind,
    SupportChange,
    SupportItem,
    SupportLink,
    SupportOption,
)
from tests.factories import make_user
from tests.support.test_menu import add_item, add_option, changes, get, notes_for

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def young(login_as):
    return login_as("young", locale="en", preferred_name="Mads", trial_enrolled_at=utcnow())


def test_leaving_pauses_what_is_on_keeps_everything_and_tells_staff(client, world, young, make):
    staff = make.user(is_staff=True, locale="en")
    mentor = make.user(is_mentor=True)
    with world() as s:
        s.add(SupportLink(young_id=young.id, supporter_id=mentor.id, is_primary=True))
    on = add_item(world, young.id, add_option(world), status=ItemStatus.ACTIVE, level=2)
    asked = add_item(world, young.id, add_option(world, name="Klip", name_en="Klip for leisure"))
    page = client.get("/support/leave").get_data(as_text=True)
    assert "This will be paused while you are away:" in page and "A volunteer mentor" in page
    assert "Klip for leisure" not in page  # only what is on is paused

    response = client.post("/support/leave", data={"reason": "Too much going on"})
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert get(world, User, young.id).left_at is not None
    assert get(world, SupportItem, on).status == ItemStatus.PAUSED
    assert get(world, SupportItem, on).level == 2
    assert get(world, SupportItem, asked).status == ItemStatus.REQUESTED
    assert changes(world, young.id) == [ChangeKind.LEFT, ChangeKind.PAUSED]
    with world() as s:
        assert s.exec(select(func.count()).select_from(SupportItem)).one() == 2
        assert s.exec(select(SupportLink)).one().ended_at is None  # the circle stays
    [note] = notes_for(world, staff.id)
    assert note.title == "Mads has stepped away for a while"

    assert client.post("/support/leave", data={}).status_code == 303  # twice is once
    assert changes(world, young.id) == [ChangeKind.LEFT, ChangeKind.PAUSED]
    assert "You are taking a break" in client.get("/support/leave").get_data(as_text=True)


def test_the_welcome_back_card_shows_only_while_away(client, world, young, make):
    staff = make.user(is_staff=True, locale="en")
    assert 'id="home-welcome-back"' not in client.get("/").get_data(as_text=True)
    paused = add_item(world, young.id, add_option(world), status=ItemStatus.ACTIVE, level=1)
    client.post("/support/leave", data={})
    home = client.get("/").get_data(as_text=True)
    assert 'id="home-welcome-back"' in home and "1 kind of support is paused." in home

    response = client.post("/support/return", headers={"HX-Request": "true"})
    assert response.status_code == 204 and response.headers["HX-Redirect"] == "/"
    assert get(world, User, young.id).left_at is None
    assert get(world, SupportItem, paused).status == ItemStatus.PAUSED  # until staff resume it with them
    assert changes(world, young.id)[-1] == ChangeKind.RETURNED
    assert notes_for(world, staff.id)[-1].title == "Mads is back"
    assert 'id="home-welcome-back"' not in client.get("/").get_data(as_text=True)
    assert client.post("/support/return").status_code == 303  # not away: nothing happens
    assert changes(world, young.id).count(ChangeKind.RETURNED) == 1


def test_the_welcome_back_partial_renders_nothing_when_not_away(app, world, make):
    from flask import render_template
    from flask_login import login_user

    from hub.db import get_session

    person = make.user(is_young=True)
    with app.test_request_context("/"):
        login_user(get_session().get(User, person.id))
        assert render_template("support_menu/_welcome_back.html").strip() == ""


def test_too_many_words_when_leaving_is_a_422(client, young):
    response = client.post("/support/leave", data={"reason": "x" * 501})
    assert response.status_code == 422 and "Keep it under 500 characters." in response.get_data(as_text=True)


def test_asking_for_support_opens_the_door_again(client, world, young):
    option = add_option(world)
    client.post("/support/leave", data={})
    assert client.post(f"/support/options/{option}/ask", data={}).status_code == 303
    assert get(world, User, young.id).left_at is None
    assert changes(world, young.id) == [ChangeKind.LEFT, ChangeKind.RETURNED, ChangeKind.REQUESTED]


def test_staff_record_a_break_and_a_return_and_the_young_person_is_told(client, world, login_as, make):
    person = make.user(is_young=True, locale="en")
    on = add_item(world, person.id, add_option(world), status=ItemStatus.ACTIVE, level=3)
    staff = login_as("staff")
    url = f"/staff/support/people/{person.id}"
    assert client.post(url + "/left", data={"reason": "x" * 501}).status_code == 422
    assert client.post(url + "/left", data={"reason": "Moved to Odense for a while"}).status_code == 303
    assert get(world, SupportItem, on).status == ItemStatus.PAUSED
    assert notes_for(world, person.id)[-1].title == "Your support is paused for now"
    with world() as s:
        left = s.exec(select(SupportChange).where(SupportChange.kind == ChangeKind.LEFT)).one()
        assert (left.by_id, left.reason) == (staff.id, "Moved to Odense for a while")
    body = client.get(url).get_data(as_text=True)
    assert "Record that they are back" in body and "Taking a break" in body

    assert client.post(url + "/return").status_code == 303
    assert get(world, User, person.id).left_at is None
    assert notes_for(world, person.id)[-1].title == "Welcome back"
    assert client.post(f"/staff/support/items/{on}/resume", data={}).status_code == 303
    assert get(world, SupportItem, on).status == ItemStatus.ACTIVE


def test_only_the_person_or_staff_open_and_close_the_door(world, make):
    person = make.user(is_young=True)
    other = make.user(is_young=True)
    with pytest.raises(Forbidden), world() as s:
        open_door.leave(s, actor=s.get(User, other.id), young=s.get(User, person.id))
    with pytest.raises(NotFound), world() as s:
        staff = make_user(s, is_staff=True)
        open_door.leave(s, actor=staff, young=staff)


def test_the_demo_tells_a_story(world):
    with world() as s:
        by_login = {
            login: make_user(s, **fields)
            for login, fields in {
                "ung": {"is_young": True},
                "amina": {"is_young": True},
                "mads": {"is_young": True},
                "personale": {"is_staff": True},
                "sagsbehandler": {"support_type": "caseworker"},
            }.items()
        }
        menu_demo.load(s, by_login)
        sara, mads = by_login["ung"], by_login["mads"]
        lines = history_lines(s, sara.id)
        assert change_counts(lines) == {"up": 1, "down": 0, "paused": 1}
        digital = s.exec(
            select(SupportItem).join(SupportOption).where(SupportOption.kind == OptionKind.DIGITAL_CONTACT)
        ).one()
        assert digital.agreed_with_id == by_login["sagsbehandler"].id and digital.agreed_on is not None
        assert mads.left_at is not None
        assert [i.status for i in s.exec(select(SupportItem).where(SupportItem.young_id == mads.id))] == ["declined"]
        assert s.exec(select(SupportItem).where(SupportItem.young_id == by_login["amina"].id)).one().wish
