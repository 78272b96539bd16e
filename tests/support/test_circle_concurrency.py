"""Only one primary support person, ever: two phones choose at the same moment against a real server."""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor

import requests
from sqlmodel import select

from hub.db import job_session, utcnow
from hub.support.models import SupporterProfile, SupportLink
from tests.factories import DEFAULT_PASSWORD, make_user

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
ROUNDS = 4


def logged_in(base: str, email: str) -> tuple[requests.Session, str]:
    session = requests.Session()
    token = CSRF.search(session.get(base + "/login", timeout=30).text).group(1)
    response = session.post(
        base + "/login",
        data={"csrf_token": token, "email": email, "password": DEFAULT_PASSWORD},
        allow_redirects=False,
        timeout=30,
    )
    assert response.status_code == 303, response.status_code
    return session, CSRF.search(session.get(base + "/support", timeout=30).text).group(1)


def world(app, supporters: int):
    with app.app_context(), job_session() as s:
        young = make_user(s, is_young=True, trial_enrolled_at=utcnow())
        people = [make_user(s, support_type="caseworker") for _ in range(supporters)]
        s.add_all(SupporterProfile(user_id=person.id, listed=True) for person in people)
    return young, [person.id for person in people]


def race(base: str, phones, targets: list[int]) -> list[int]:
    """Each phone chooses its target at the same moment."""
    start = threading.Barrier(len(targets))

    def choose(pair):
        (session, token), target = pair
        start.wait()
        url = f"{base}/support/people/{target}/choose"
        return session.post(url, data={"csrf_token": token}, allow_redirects=False, timeout=60).status_code

    with ThreadPoolExecutor(len(targets)) as pool:
        return list(pool.map(choose, zip(phones, targets, strict=True)))


def open_primaries(app, young_id: int) -> list[SupportLink]:
    with app.app_context(), job_session() as s:
        return list(
            s.exec(
                select(SupportLink).where(
                    SupportLink.young_id == young_id, SupportLink.is_primary, SupportLink.ended_at.is_(None)
                )
            ).all()
        )


def test_two_phones_choosing_different_people_leave_one_primary(app, live_server):
    young, (a, b) = world(app, 2)
    phones = [logged_in(live_server.url, young.email) for _ in range(2)]
    for _ in range(ROUNDS):
        statuses = race(live_server.url, phones, [a, b])
        assert all(status < 500 for status in statuses), statuses
        assert len(open_primaries(app, young.id)) == 1
    with app.app_context(), job_session() as s:
        links = s.exec(select(SupportLink).where(SupportLink.young_id == young.id)).all()
    assert sorted(link.supporter_id for link in links) == sorted([a, b])  # both in the circle, once each


def test_a_double_tap_on_choose_makes_one_link(app, live_server):
    young, (a,) = world(app, 1)
    phones = [logged_in(live_server.url, young.email) for _ in range(3)]
    statuses = race(live_server.url, phones, [a, a, a])
    assert statuses == [303, 303, 303]
    primaries = open_primaries(app, young.id)
    assert [link.supporter_id for link in primaries] == [a]
