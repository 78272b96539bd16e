"""A phone that sends the same message twice at once (a double tap, a retry after the network
came back) gets one message, never two and never an error: on both databases, through a
real threaded server."""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor

import requests
from sqlmodel import func, select

from hub.db import job_session
from hub.messages.forms import HUB
from hub.messages.models import Conversation, Message
from tests.factories import DEFAULT_PASSWORD, make_user

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
TAPS = 4


def logged_in(base: str, email: str) -> tuple[requests.Session, str]:
    session = requests.Session()
    token = CSRF.search(session.get(base + "/login", timeout=30).text).group(1)
    answer = session.post(
        base + "/login",
        data={"csrf_token": token, "email": email, "password": DEFAULT_PASSWORD},
        allow_redirects=False,
        timeout=30,
    )
    assert answer.status_code == 303, answer.status_code
    return session, CSRF.search(session.get(base + "/messages/new", timeout=30).text).group(1)


def all_at_once(send) -> list[int]:
    start = threading.Barrier(TAPS)

    def tap(_n):
        start.wait()
        return send()

    with ThreadPoolExecutor(TAPS) as pool:
        return list(pool.map(tap, range(TAPS)))


def test_the_same_new_message_sent_at_once_makes_one_conversation(app, live_server):
    with app.app_context(), job_session() as s:
        young = make_user(s, is_young=True)
    session, token = logged_in(live_server.url, young.email)
    form = {
        "csrf_token": token,
        "topic": "housing",
        "to": HUB,
        "body": "Jeg skal flytte på fredag og har ingen steder at bo.",
        "client_key": "retry-race-0123456789abcdef",
    }

    def send():
        return session.post(live_server.url + "/messages/new", data=form, allow_redirects=False, timeout=60).status_code

    statuses = all_at_once(send)
    assert set(statuses) == {303}, statuses
    with app.app_context(), job_session() as s:
        assert s.exec(select(func.count()).select_from(Conversation)).one() == 1
        assert s.exec(select(func.count()).select_from(Message)).one() == 1

    with app.app_context(), job_session() as s:
        conversation_id = s.exec(select(Conversation.id)).one()
    reply = {"csrf_token": token, "body": "Kan I ringe til mig?", "client_key": "retry-race-reply-0123456789"}

    def send_reply():
        url = f"{live_server.url}/messages/{conversation_id}/reply"
        return session.post(url, data=reply, allow_redirects=False, timeout=60).status_code

    statuses = all_at_once(send_reply)
    assert set(statuses) == {303}, statuses
    with app.app_context(), job_session() as s:
        bodies = s.exec(select(Message.body).where(Message.conversation_id == conversation_id)).all()
        assert sorted(bodies) == sorted(
            ["Jeg skal flytte på fredag og har ingen steder at bo.", "Kan I ringe til mig?"]
        )
