"""Control characters and lone surrogates are taken out of everything a request brings in, on
both databases alike: PostgreSQL refuses a NUL byte in text (it was a 500), SQLite stored it."""

from __future__ import annotations

import json

import pytest
from flask import request
from markupsafe import Markup
from sqlmodel import select

from hub.accounts.models import User, UserSession
from hub.checkins.models import Wellbeing
from hub.core.input_filter import clean_json, clean_text
from hub.messages.models import Message
from hub.plans.models import Goal
from hub.proposals.models import Proposal
from tests.factories import DEFAULT_PASSWORD

# NUL, a backspace, an escape and DEL between the letters: what is left is "Nul Person".
DIRTY = "Nul\x00 Per\x08s\x1bon\x7f"
CLEAN = "Nul Person"


def test_controls_and_lone_surrogates_go_and_tab_newline_and_return_stay():
    assert clean_text("a\x00b\x01c\x1fd\x7fe\ud800f\udfffg") == "abcdefg"
    assert clean_text("linje 1\r\nlinje 2\tog\nmere") == "linje 1\r\nlinje 2\tog\nmere"
    assert clean_text("æøå 😀 \u200b \u0085") == "æøå 😀 \u200b \u0085"  # letters and Unicode's own are kept
    assert isinstance(clean_text(Markup("<b>fed</b>")), Markup)  # a flash message in the session stays markup


def test_json_is_cleaned_keys_and_all_at_every_depth(app):
    body = '{"a\\u0000b": ["x\\ud800y", {"k\\u0001": "\\u0000"}], "n": 1, "t": true}'
    assert app.json.loads(body) == {"ab": ["xy", {"k": ""}], "n": 1, "t": True}
    assert clean_json("\udc00") == "" and clean_json(None) is None


def _stored(world, model, column, *where):
    with world() as session:
        return session.exec(select(column).where(*where).order_by(model.id.desc())).first()


FORMS = {
    # endpoint: (path, who logs in, the other fields, the field the text goes in); STORED_IN: where it lands
    "accounts.signup": ("/signup", None, {"email": "nul@example.org", "password": DEFAULT_PASSWORD}, "name"),
    "accounts.edit_profile": ("/me/profile", "young", {"locale": "da", "avatar_colour": "3"}, "name"),
    "messages.new": ("/messages/new", "young", {"topic": "housing", "to": "hub"}, "body"),
    "proposals.new": ("/ideas/new", "young", {"what": "En tur", "why": "", "rough_cost_kr": "600"}, "title"),
    "checkins.wellbeing": ("/wellbeing", "young", {"mood": "4", "sleep": "2", "movement": "5"}, "words"),
    "plans.new_goal": ("/plan/goals/new", "young", {"area": "housing", "why": "Ro"}, "title"),
}
STORED_IN = {
    "accounts.signup": (User, User.name),
    "accounts.edit_profile": (User, User.name),
    "messages.new": (Message, Message.body),
    "proposals.new": (Proposal, Proposal.title),
    "checkins.wellbeing": (Wellbeing, Wellbeing.words),
    "plans.new_goal": (Goal, Goal.title),
}


@pytest.mark.parametrize("endpoint", sorted(FORMS))
def test_control_characters_in_a_form_are_removed_before_saving(endpoint, client, world, login_as):
    path, who, fields, field = FORMS[endpoint]
    if who:
        login_as(who)
    response = client.post(path, data={**fields, field: DIRTY})
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    model, column = STORED_IN[endpoint]
    assert _stored(world, model, column, column.is_not(None)) == CLEAN


def test_a_control_character_in_a_field_name_or_query_string_is_removed(app):
    with app.test_request_context("/?q\x00=a\x00b&next=%00", method="POST", data={"na\x01me": "x\x00y"}):
        assert request.args.to_dict() == {"q": "ab", "next": ""}
        assert request.form.to_dict() == {"name": "xy"}


def test_a_cookie_that_unquotes_to_a_control_character_is_read_without_it(app):
    # A quoted cookie value may write any byte as an octal escape: the header itself is clean.
    with app.test_request_context("/", headers={"Cookie": 'a="x\\000y"; b="\\033z\\177"'}):
        assert request.cookies.to_dict() == {"a": "xy", "b": "z"}


def test_a_user_agent_with_a_nul_is_stored_without_it(client, make, world):
    user = make.user(is_young=True)
    response = client.post(
        "/login", data={"email": user.email, "password": DEFAULT_PASSWORD}, headers={"User-Agent": "Fire\x00fox/1"}
    )
    assert response.status_code == 303
    assert _stored(world, UserSession, UserSession.user_agent, UserSession.user_id == user.id) == "Firefox/1"


@pytest.mark.parametrize(
    "body",
    [
        '{"endpoint": "https://push.example/\\u0000"}',
        '{"endpoint": "https://push.example/\\ud800"}',
        '{"endpoint\\u0000": "\\udfff", "keys": {"auth": "\\u0000"}}',
    ],
)
def test_a_json_body_with_nul_or_a_lone_surrogate_is_no_error(body, client, login_as):
    login_as("young")
    response = client.post("/push/unsubscribe", data=body.encode(), content_type="application/json")
    assert response.status_code == 200
    assert json.loads(response.get_data()) == {"removed": False}


def test_a_path_with_a_control_character_is_not_found(client, login_as):
    login_as("staff")
    assert client.get("/staff/events/scan/matrix%00ticket").status_code == 404
    assert client.get("/welcome/abc%01def").status_code == 404
