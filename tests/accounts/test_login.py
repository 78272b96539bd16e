"""Logging in and out: argon2id, no enumeration, sessions that really end."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from sqlmodel import select

from hub.accounts.models import UserSession
from hub.db import job_session, utcnow


def test_login_is_case_insensitive_and_lands_on_home(client, make):
    user = make.user(is_young=True, email="sara@example.org", preferred_name="Sara")
    response = client.post("/login", data={"email": "  SARA@Example.org ", "password": "correct horse battery"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    page = client.get("/").get_data(as_text=True)
    assert "Hej Sara" in page or "Hi Sara" in page
    assert user.password_hash.startswith("$argon2id$")


def test_wrong_password_and_unknown_email_get_the_same_answer(client, make):
    make.user(email="known@example.org")
    wrong = client.post("/login", data={"email": "known@example.org", "password": "not the password"})
    unknown = client.post("/login", data={"email": "nobody@example.org", "password": "not the password"})
    assert wrong.status_code == unknown.status_code == 422

    def message(response):
        body = response.get_data(as_text=True)
        start = body.index("data-error-summary")
        return body[start : body.index("</div>", start)]

    assert message(wrong) == message(unknown)


def test_unknown_email_is_checked_against_a_real_hash(app, monkeypatch):
    """Timing: an unknown account costs one argon2 verification, like a known one."""
    from hub.accounts import passwords, services

    calls = []
    real = passwords.PasswordHasher.verify
    monkeypatch.setattr(passwords.PasswordHasher, "verify", lambda self, h, p: calls.append(h) or real(self, h, p))
    with app.test_request_context(), job_session() as session:
        try:
            services.authenticate(session, email="nobody@example.org", password="whatever123")
        except services.LoginFailed as error:
            assert error.code == "bad_credentials"
    assert len(calls) == 1 and calls[0].startswith("$argon2id$")


def test_logout_ends_every_copy_of_the_cookie(app, client, make, auth):
    user = make.user(is_young=True)
    auth.login(user)
    stolen = client.get_cookie("ungehub").value
    response = auth.logout()
    assert response.headers["Clear-Site-Data"] == '"cache"'
    thief = app.test_client()
    thief.set_cookie("ungehub", stolen)
    assert thief.get("/me").status_code == 302  # to the login page
    with app.app_context(), job_session() as session:
        login = session.exec(select(UserSession).where(UserSession.user_id == user.id)).one()
        assert login.ended_reason == "logout"


def test_password_change_ends_other_logins(app, make, auth):
    user = make.user(is_young=True)
    other = app.test_client()
    other.post("/login", data={"email": user.email, "password": "correct horse battery"})
    assert other.get("/me").status_code == 200
    auth.login(user)
    response = auth.client.post(
        "/me/password",
        data={"current": "correct horse battery", "password": "a brand new phrase", "end_others": "y"},
    )
    assert response.status_code == 303
    assert other.get("/me").status_code == 302
    assert auth.client.get("/me").status_code == 200


def test_disabled_account_loses_its_login_at_once(app, client, make, auth):
    admin = make.user(is_admin=True, is_staff=True)
    young = make.user(is_young=True)
    young_client = app.test_client()
    young_client.post("/login", data={"email": young.email, "password": "correct horse battery"})
    auth.login(admin)
    assert client.post(f"/staff/people/{young.id}/disable", data={"disable": "1"}).status_code == 303
    assert young_client.get("/me").status_code == 302
    again = young_client.post("/login", data={"email": young.email, "password": "correct horse battery"})
    assert again.status_code == 422


def test_idle_timeout_is_shorter_for_staff(app, make):
    staff, young = make.user(is_staff=True), make.user(is_young=True)
    staff_client, young_client = app.test_client(), app.test_client()
    with time_machine.travel(utcnow(), tick=False) as clock:
        for c, u in ((staff_client, staff), (young_client, young)):
            c.post("/login", data={"email": u.email, "password": "correct horse battery"})
        clock.shift(timedelta(minutes=20))
        assert staff_client.get("/me").status_code == 302
        assert young_client.get("/me").status_code == 200
        clock.shift(timedelta(minutes=31))
        assert young_client.get("/me").status_code == 302


def test_absolute_lifetime_ends_an_active_login(app, client, make, auth):
    user = make.user(is_young=True)
    with time_machine.travel(utcnow(), tick=False) as clock:
        auth.login(user)
        for _ in range(12 * 60 // 20):
            clock.shift(timedelta(minutes=20))
            client.get("/me")
        clock.shift(timedelta(minutes=20))
        assert client.get("/me").status_code == 302


def test_remember_me_cookie_is_safe_and_not_for_staff(app, make):
    young, staff = make.user(is_young=True), make.user(is_staff=True)
    for user, expected in ((young, True), (staff, False)):
        c = app.test_client()
        response = c.post("/login", data={"email": user.email, "password": "correct horse battery", "remember": "y"})
        cookies = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("ungehub_remember=")]
        assert bool(cookies) is expected
        if cookies:
            assert "HttpOnly" in cookies[0] and "SameSite=Lax" in cookies[0]


def test_remembered_login_survives_a_closed_browser_until_logout(app, make):
    user = make.user(is_young=True)
    c = app.test_client()
    c.post("/login", data={"email": user.email, "password": "correct horse battery", "remember": "y"})
    remember = c.get_cookie("ungehub_remember").value
    fresh = app.test_client()  # the browser was closed: only the remember cookie is left
    fresh.set_cookie("ungehub_remember", remember)
    assert fresh.get("/me").status_code == 200
    c.post("/logout")
    again = app.test_client()
    again.set_cookie("ungehub_remember", remember)
    assert again.get("/me").status_code == 302


def test_failed_logins_slow_down_with_a_clear_message(client, make):
    user = make.user(email="target@example.org")
    for _ in range(5):
        assert client.post("/login", data={"email": user.email, "password": "wrong-password"}).status_code == 422
    blocked = client.post("/login", data={"email": user.email, "password": "correct horse battery"})
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) > 0
    assert "min" in blocked.get_data(as_text=True)
    # Another account from the same address is not held up by this one.
    other = make.user()
    assert client.post("/login", data={"email": other.email, "password": "correct horse battery"}).status_code == 303


def test_next_accepts_only_local_paths(client, make):
    user = make.user(is_young=True)
    for evil in ("//evil.example/x", "/\\evil.example", "https://evil.example/", "javascript:alert(1)"):
        r = client.post(f"/login?next={evil}", data={"email": user.email, "password": "correct horse battery"})
        assert r.headers["Location"] == "/", evil
        client.post("/logout")
    r = client.post("/login?next=/me/profile", data={"email": user.email, "password": "correct horse battery"})
    assert r.headers["Location"] == "/me/profile"


def test_htmx_request_with_expired_login_gets_401_and_a_redirect(client):
    r = client.get("/me", headers={"HX-Request": "true"})
    assert r.status_code == 401
    assert r.headers["HX-Redirect"].startswith("/login?next=")
