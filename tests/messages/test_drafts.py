"""What messages written offline rely on (static/js/drafts.js sends them later, from the page or
the service worker, as an htmx request with the form's fields as they were kept): the same
draft sent twice is one message; the CSRF token kept with it still works later; a logged-out
sending is told so (401 and the way to the login), and a refused one gets the server's words
(422 with the field error the script reads), never a 500."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from sqlmodel import func, select

from hub.db import utcnow
from hub.messages.models import Conversation, Message
from tests.checkins.helpers import text

HX = {"HX-Request": "true", "HX-Boosted": "true"}  # as a boosted form sends: full pages, never a fragment
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
KEY = re.compile(r'name="client_key" type="hidden" value="([^"]+)"|name="client_key" value="([^"]+)"')
FIELD_ERROR = re.compile(r'class="field__error"[^>]*>([^<]*)<')  # what drafts.js reads on a 422


@pytest.fixture
def young(make, auth):
    person = make.user(is_young=True)
    auth.login(person)
    return person


def kept(page: str) -> dict:
    """The hidden fields a draft keeps from the page it was written on."""
    key = KEY.search(page)
    return {"csrf_token": CSRF.search(page).group(1), "client_key": key.group(1) or key.group(2)}


def count(world, model) -> int:
    with world() as s:
        return s.exec(select(func.count()).select_from(model)).one()


def send(client, url: str, fields: dict):
    """As drafts.js sends: the kept token in the form (not the test client's header)."""
    return client.post(url, data=fields, headers=HX, csrf=False)


def test_a_draft_sent_twice_is_one_message(client, young, world):
    fields = {
        **kept(text(client.get("/messages/new"))),
        "topic": "housing",
        "to": "hub",
        "body": "Hej, jeg mangler et sted at bo",
    }
    first, again = send(client, "/messages/new", fields), send(client, "/messages/new", fields)

    assert (first.status_code, again.status_code) == (204, 204)
    thread = first.headers["HX-Redirect"]
    assert re.fullmatch(r"/messages/\d+", thread) and again.headers["HX-Redirect"] == thread
    assert count(world, Conversation) == 1 and count(world, Message) == 1

    reply = {**kept(text(client.get(thread))), "body": "Er der nogen der kan ringe?"}
    answers = [send(client, thread + "/reply", reply) for _ in range(2)]
    assert [a.status_code for a in answers] == [204, 204]
    assert all(a.headers["HX-Redirect"].startswith(thread) for a in answers)
    with world() as s:
        bodies = s.exec(select(Message.body).order_by(Message.id)).all()
    assert bodies == ["Hej, jeg mangler et sted at bo", "Er der nogen der kan ringe?"]


def test_the_token_kept_with_a_draft_still_works_days_later(client, make, auth, world):
    auth.login(make.user(is_young=True), remember="y")  # "keep me logged in on this phone"
    fields = {**kept(text(client.get("/messages/new"))), "topic": "money", "to": "hub", "body": "Skrevet i bussen"}
    with time_machine.travel(utcnow() + timedelta(days=3)):
        answer = send(client, "/messages/new", fields)
    assert answer.status_code == 204, text(answer)[:300]
    assert count(world, Message) == 1


def test_a_draft_sent_after_the_login_ended_is_told_to_log_in(client, young, world, auth):
    fields = {**kept(text(client.get("/messages/new"))), "topic": "money", "to": "hub", "body": "Hej"}
    with client.session_transaction() as session:  # the login ends (revoked, timed out); the token stays
        for key in [k for k in session if k not in ("csrf_token", "lang")]:
            session.pop(key)

    answer = send(client, "/messages/new", fields)
    assert answer.status_code == 401
    assert answer.headers["HX-Redirect"].startswith("/login")
    plain = client.post("/messages/new", data=fields, csrf=False)  # the same without htmx
    assert plain.status_code in (302, 303, 401)
    assert count(world, Message) == 0

    auth.logout()  # logged out for good: the kept token went with the session
    assert send(client, "/messages/new", fields).status_code == 400
    assert count(world, Message) == 0


def test_a_refused_draft_gets_the_servers_words(client, young, english):
    fields = {**kept(text(client.get("/messages/new"))), "topic": "housing", "to": "hub", "body": "   "}
    answer = send(client, "/messages/new", fields)
    assert answer.status_code == 422
    assert FIELD_ERROR.findall(text(answer)) == ["Write a message first."]


def test_someone_elses_key_is_refused_not_a_500(client, young, make, auth, world):
    fields = {**kept(text(client.get("/messages/new"))), "topic": "housing", "to": "hub", "body": "Mit"}
    assert send(client, "/messages/new", fields).status_code == 204
    auth.logout()
    auth.login(make.user(is_young=True))
    other = {**fields, **{"csrf_token": kept(text(client.get("/messages/new")))["csrf_token"]}}
    answer = send(client, "/messages/new", other)
    assert answer.status_code == 409
    assert count(world, Message) == 1


def test_the_message_pages_carry_the_drafts_hooks(client, young):
    new = text(client.get("/messages/new"))
    assert re.search(r'<form [^>]*id="new-message"[^>]*data-drafts', new)
    assert 'data-drafts-list="page"' in new
    thread = send(client, "/messages/new", {**kept(new), "topic": "housing", "to": "hub", "body": "x"})
    page = text(client.get(thread.headers["HX-Redirect"]))
    assert re.search(r'<form [^>]*id="reply"[^>]*data-drafts', page)
    assert 'data-drafts-list="all"' in text(client.get("/messages"))
