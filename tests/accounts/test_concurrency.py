"""Many people at once against a real server: no 500s, no lost or doubled accounts."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import requests
from sqlmodel import func, select

from hub.accounts.models import User, UserSession
from hub.db import job_session

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def browser_session(base: str, path: str) -> tuple[requests.Session, str]:
    session = requests.Session()
    page = session.get(base + path, timeout=30)
    return session, CSRF.search(page.text).group(1)


def sign_up(base: str, email: str) -> int:
    session, token = browser_session(base, "/signup")
    response = session.post(
        base + "/signup",
        data={"csrf_token": token, "name": "Samme Person", "email": email, "password": "et langt kodeord"},
        allow_redirects=False,
        timeout=30,
    )
    return response.status_code


def test_same_email_signed_up_twelve_times_at_once_makes_one_account(app, live_server):
    with ThreadPoolExecutor(12) as pool:
        statuses = list(pool.map(lambda _: sign_up(live_server.url, "same@example.org"), range(12)))
    assert statuses.count(303) == 1, statuses
    assert set(statuses) <= {303, 422}, statuses
    with app.app_context(), job_session() as s:
        assert s.exec(select(func.count()).select_from(User)).one() == 1


def test_many_different_signups_and_logins_at_once(app, live_server, make):
    user = make.user()

    def log_in(_):
        session, token = browser_session(live_server.url, "/login")
        data = {"csrf_token": token, "email": user.email, "password": "correct horse battery"}
        return session.post(live_server.url + "/login", data=data, allow_redirects=False, timeout=30).status_code

    with ThreadPoolExecutor(10) as pool:
        signups = list(pool.map(lambda n: sign_up(live_server.url, f"ung{n}@example.org"), range(20)))
        logins = list(pool.map(log_in, range(10)))
    assert signups == [303] * 20 and logins == [303] * 10
    with app.app_context(), job_session() as s:
        assert s.exec(select(func.count()).select_from(User)).one() == 21
        assert s.exec(select(func.count()).select_from(UserSession)).one() == 30
