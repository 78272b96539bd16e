"""Compose your support: the menu in the young person's language, asking, taking it back, history."""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlmodel import func, select

from hub.db import utcnow
from hub.errors import Conflict, Forbidden, NotFound
from hub.notifications.models import Notification
from hub.support import menu
from hub.support.models import ChangeKind, ItemStatus, SupportChange, SupportItem, SupportOption
from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.usefixtures("english")

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


# --- helpers (other support-menu test modules import these) ------------------------------------


def add_option(world, **values) -> int:
    values = {
        "kind": "mentor",
        "name": "Frivillig mentor",
        "description": "En frivillig fra en forening.",
        "name_en": "A volunteer mentor",
        "description_en": "A volunteer from an organisation.",
        **values,
    }
    with world() as s:
        option = SupportOption(**values)
        s.add(option)
        s.flush()
        return option.id


def add_item(world, young_id: int, option_id: int, **values) -> int:
    with world() as s:
        item = SupportItem(young_id=young_id, option_id=option_id, **values)
        s.add(item)
        s.flush()
        return item.id


def get(world, model, ident):
    with world() as s:
        return s.get(model, ident)


def changes(world, young_id: int) -> list[str]:
    with world() as s:
        rows = s.exec(select(SupportChange).where(SupportChange.young_id == young_id).order_by(SupportChange.id))
        return [row.kind for row in rows]


def notes_for(world, user_id: int) -> list[Notification]:
    with world() as s:
        return list(s.exec(select(Notification).where(Notification.user_id == user_id).order_by(Notification.id)))


@pytest.fixture
def young(login_as):
    return login_as("young", locale="en", preferred_name="Sara", trial_enrolled_at=utcnow())


# --- the menu ----------------------------------------------------------------------------------


def test_the_menu_shows_active_options_in_staffs_order_in_english(client, world, young):
    add_option(world, name="Klippekort", name_en="Klippekort for leisure", position=2, kind="klip")
    add_option(world, position=1)
    add_option(world, name="Gammel ting", name_en="Old thing", active=False)
    add_option(world, name="Kun dansk", name_en="", description_en="", description="Kun på dansk", position=3)
    body = client.get("/support/options").get_data(as_text=True)
    assert body.index("A volunteer mentor") < body.index("Klippekort for leisure") < body.index("Kun dansk")
    assert "A volunteer from an organisation." in body and "Frivillig mentor" not in body
    assert "Kun på dansk" in body  # no English written: the Danish is shown
    assert "Old thing" not in body and "Gammel ting" not in body
    assert body.count("Ask for this") == 3


def test_the_menu_is_in_danish_for_danish_readers(client, world, login_as):
    client.get("/?lang=da")
    login_as("young", trial_enrolled_at=utcnow())
    add_option(world)
    body = client.get("/support/options").get_data(as_text=True)
    assert "Frivillig mentor" in body and "En frivillig fra en forening." in body and "A volunteer mentor" not in body


def test_asking_saves_the_request_with_words_history_and_tells_active_staff(client, world, young, make):
    option = add_option(world)
    staff = make.user(is_staff=True)
    gone = make.user(is_staff=True, disabled_at=menu.utcnow())
    response = client.post(f"/support/options/{option}/ask", data={"wish": "  Someone to go climbing with  "})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/support/options#option-{option}")
    with world() as s:
        item = s.exec(select(SupportItem).where(SupportItem.young_id == young.id)).one()
        assert (item.status, item.wish, item.level) == (ItemStatus.REQUESTED, "Someone to go climbing with", None)
    assert changes(world, young.id) == [ChangeKind.REQUESTED]
    [note] = notes_for(world, staff.id)
    assert "Sara" in note.title and note.url == f"/staff/support/people/{young.id}"
    assert note.body == "Someone to go climbing with"
    assert notes_for(world, gone.id) == []
    body = client.get("/support/options").get_data(as_text=True)
    assert "You asked for this" in body and "Someone to go climbing with" in body and "Ask for this" not in body


def test_asking_twice_is_a_friendly_conflict(client, world, young):
    option = add_option(world)
    assert client.post(f"/support/options/{option}/ask", data={"wish": ""}).status_code == 303
    response = client.post(f"/support/options/{option}/ask", data={"wish": "again"})
    assert response.status_code == 409
    assert "You have already asked for this" in response.get_data(as_text=True)
    with world() as s:
        assert s.exec(select(func.count()).select_from(SupportItem)).one() == 1


def test_the_service_says_already_open_and_the_index_backs_it(app, world, make, monkeypatch):
    young = make.user(is_young=True, trial_enrolled_at=utcnow())
    option = add_option(world)
    add_item(world, young.id, option, status=ItemStatus.PAUSED)
    with pytest.raises(Conflict) as error, world() as s:
        menu.ask_for(s, actor=s.get(type(young), young.id), option_id=option)
    assert error.value.code == "already_open"
    # Even when the check is passed by (a race), the partial unique index says no, kindly.
    monkeypatch.setattr(menu, "_open_item", lambda *args: None)
    with pytest.raises(Conflict) as error, world() as s:
        menu.ask_for(s, actor=s.get(type(young), young.id), option_id=option)
    assert error.value.code == "already_open"


def test_asking_again_after_a_no_or_an_end_is_fine(client, world, young):
    option = add_option(world)
    add_item(world, young.id, option, status=ItemStatus.DECLINED, note="Not now, try after summer")
    add_item(world, young.id, option, status=ItemStatus.ENDED)
    body = client.get("/support/options").get_data(as_text=True)
    assert "Ask again" in body
    assert client.post(f"/support/options/{option}/ask", data={}).status_code == 303


def test_two_requests_at_once_leave_one_open_item(app, live_server, make, world):
    """Both race on a real threaded server; the partial unique index keeps one."""
    option = add_option(world)
    asker = make.user(is_young=True, trial_enrolled_at=utcnow())
    taps = 6
    ready = threading.Barrier(taps, timeout=60)
    base = live_server.url

    def tap(number: int) -> int:
        browser = requests.Session()
        token = CSRF.search(browser.get(base + "/login", timeout=30).text).group(1)
        login = {"csrf_token": token, "email": asker.email, "password": DEFAULT_PASSWORD}
        assert browser.post(base + "/login", data=login, allow_redirects=False, timeout=30).status_code == 303
        token = CSRF.search(browser.get(base + "/support/options", timeout=30).text).group(1)
        ready.wait()
        response = browser.post(
            f"{base}/support/options/{option}/ask",
            data={"csrf_token": token, "wish": f"tap {number}"},
            headers={"HX-Request": "true"} if number % 2 else {},
            allow_redirects=False,
            timeout=60,
        )
        return response.status_code

    with ThreadPoolExecutor(taps) as pool:
        statuses = list(pool.map(tap, range(taps)))
    assert sorted(statuses).count(409) == taps - 1 and set(statuses) - {409} <= {204, 303}, statuses
    with world() as s:
        assert s.exec(select(func.count()).select_from(SupportItem)).one() == 1
        kinds = s.exec(select(SupportChange.kind)).all()
        assert kinds == [ChangeKind.REQUESTED]


def test_too_many_words_is_a_422_and_keeps_them(client, world, young):
    option = add_option(world)
    words = "x" * 501
    response = client.post(f"/support/options/{option}/ask", data={"wish": words})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Keep it under 500 characters." in body and words in body and 'aria-invalid="true"' in body
    with world() as s:
        assert s.exec(select(func.count()).select_from(SupportItem)).one() == 0


def test_a_retired_or_unknown_option_cannot_be_asked_for(client, world, young):
    retired = add_option(world, active=False)
    assert client.post(f"/support/options/{retired}/ask", data={}).status_code == 404
    assert client.post("/support/options/999999/ask", data={}).status_code == 404


def test_a_retired_option_still_shows_for_those_who_have_it(client, world, young):
    option = add_option(world)
    add_item(world, young.id, option, status=ItemStatus.ACTIVE, level=2)
    with world() as s:
        s.get(SupportOption, option).active = False
    body = client.get("/support/options").get_data(as_text=True)
    assert "A volunteer mentor" in body and "no longer on the menu" in body and "Right now: some." in body
    assert "Ask for this" not in body


def test_only_young_people_ask(app, world, make):
    option = add_option(world)
    staff = make.user(is_staff=True)
    with pytest.raises(Forbidden), world() as s:
        menu.ask_for(s, actor=s.get(type(staff), staff.id), option_id=option)
    with pytest.raises(NotFound), world() as s:
        young = make.user(is_young=True, trial_enrolled_at=utcnow())
        menu.ask_for(s, actor=s.get(type(young), young.id), option_id=option + 100)


# --- taking a request back ---------------------------------------------------------------------


def test_withdraw_while_waiting_only(client, world, young):
    option = add_option(world)
    item = add_item(world, young.id, option)
    response = client.post(f"/support/items/{item}/withdraw", headers={"HX-Request": "true"})
    assert response.status_code == 204 and response.headers["HX-Redirect"].endswith(f"#option-{option}")
    assert get(world, SupportItem, item).status == ItemStatus.WITHDRAWN
    assert changes(world, young.id) == [ChangeKind.WITHDRAWN]
    again = client.post(f"/support/items/{item}/withdraw")
    assert again.status_code == 409 and "already answered" in again.get_data(as_text=True)


def test_someone_elses_item_is_a_404(client, world, young, make):
    other = make.user(is_young=True)
    item = add_item(world, other.id, add_option(world))
    assert client.post(f"/support/items/{item}/withdraw").status_code == 404
    assert get(world, SupportItem, item).status == ItemStatus.REQUESTED


# --- history and the "my support" partial --------------------------------------------------------


def test_history_in_plain_dated_words(client, world, young, make):
    staff = make.user(is_staff=True)
    option = add_option(world)
    item = add_item(world, young.id, option)
    with world() as s:
        actor = s.get(type(staff), staff.id)
        menu.activate(s, actor=actor, item=s.get(SupportItem, item), level=1)
        menu.adjust(s, actor=actor, item=s.get(SupportItem, item), level=3, reason="Going well")
    body = client.get("/support/history").get_data(as_text=True)
    assert "A volunteer mentor started, with a little" in body
    assert "A volunteer mentor: more, from a little to a lot" in body and "Going well" in body
    assert body.index("more, from") < body.index("started, with")  # newest first
    assert "Nothing yet" not in body


def test_history_is_empty_kindly(client, young):
    assert "Nothing yet. When you ask for support" in client.get("/support/history").get_data(as_text=True)


def test_the_mine_partial_lists_open_items(app, client, world, young):
    from flask import render_template
    from flask_login import login_user

    option = add_option(world)
    add_item(world, young.id, option, status=ItemStatus.ACTIVE, level=1)
    ended = add_option(world, name="Andet", name_en="Something else")
    add_item(world, young.id, ended, status=ItemStatus.ENDED)
    with app.test_request_context("/support?lang=en"):
        from hub.db import get_session

        login_user(get_session().get(type(young), young.id))
        html = render_template("support_menu/_mine.html")
    assert 'id="support-mine"' in html and "A volunteer mentor" in html and "Right now: a little." in html
    assert "Something else" not in html and "/support/options" in html
