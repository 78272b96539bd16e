"""My sessions: a person sees where they are logged in and ends any login, or all the others;
an admin ends all of a person's logins; a password change can end the others. An ended
login's cookie stops working at once."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlmodel import select

from hub.accounts.devices_label import browser_and_system
from hub.accounts.logins import hash_token
from hub.accounts.models import User, UserSession
from hub.audit.models import AuditEntry
from hub.db import job_session, utcnow
from hub.notifications.models import PushSubscription
from tests.conftest import Auth
from tests.factories import DEFAULT_PASSWORD

ANDROID_CHROME = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Mobile Safari/537.36"
)
IPHONE_SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Mobile/15E148 Safari/604.1"
)
WINDOWS_EDGE = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0"
)


@pytest.fixture
def device(app):
    """Another phone or computer: `phone = device(user, IPHONE_SAFARI)` is a client logged in as `user`."""

    def log_in(user, user_agent: str = ANDROID_CHROME, **form):
        other = app.test_client()
        other.environ_base["HTTP_USER_AGENT"] = user_agent
        Auth(other).login(user, **form)
        return other

    return log_in


def _logged_in(client) -> bool:
    response = client.get("/me")
    if response.status_code == 200:
        return True
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    return False


def _login_ids(body: str) -> list[int]:
    return [int(i) for i in re.findall(r'data-login-id="(\d+)"', body)]


def _open_logins(app, user_id: int) -> dict[str, int]:
    """user agent → login id, of the user's open logins."""
    with app.app_context(), job_session() as session:
        rows = session.exec(
            select(UserSession).where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
        ).all()
        return {row.user_agent: row.id for row in rows}


@pytest.mark.parametrize(
    ("agent", "expected"),
    [
        (ANDROID_CHROME, ("Chrome", "Android")),
        (IPHONE_SAFARI, ("Safari", "iPhone")),
        (WINDOWS_EDGE, ("Edge", "Windows")),
        ("Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0", ("Firefox", "Linux")),
        (
            "Mozilla/5.0 (Linux; Android 14; SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) "
            "SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36",
            ("Samsung Internet", "Android"),
        ),
        ("curl/8.5.0", (None, None)),
        (None, (None, None)),
    ],
)
def test_device_names_from_user_agents(agent, expected):
    assert browser_and_system(agent) == expected


def test_the_list_shows_my_open_logins_only(app, client, english, make, device):
    me = make.user(is_young=True)
    client.environ_base["HTTP_USER_AGENT"] = WINDOWS_EDGE
    Auth(client).login(me)
    device(me, IPHONE_SAFARI, remember="y")
    ended = device(me, ANDROID_CHROME)
    ended.post("/logout")
    device(make.user(is_young=True), ANDROID_CHROME)  # someone else's
    with app.app_context(), job_session() as session:  # a login that timed out long ago
        session.add(
            UserSession(token_hash=hash_token("old"), user_id=me.id, last_seen_at=utcnow() - timedelta(days=40))
        )

    response = client.get("/me/sessions")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    mine = _open_logins(app, me.id)
    assert _login_ids(body) == [mine[WINDOWS_EDGE], mine[IPHONE_SAFARI]]  # this one first
    current = re.search(r'<li class="login login--current"[^>]*data-login-id="(\d+)"', body)
    assert int(current.group(1)) == mine[WINDOWS_EDGE]
    assert "Edge on Windows" in body and "Safari on iPhone" in body
    assert body.count('class="badge badge--quiet login__remember"') == 1  # the iPhone kept logged in
    assert 'id="end-others"' in body


def test_me_links_to_my_sessions(client, login_as):
    login_as("young")
    assert 'href="/me/sessions"' in client.get("/me").get_data(as_text=True)


def test_ending_another_login_stops_its_cookie(app, client, make, device):
    me = make.user(is_young=True)
    Auth(client).login(me)
    phone = device(me, IPHONE_SAFARI)
    assert _logged_in(phone)
    phone_login = _open_logins(app, me.id)[IPHONE_SAFARI]

    response = client.post(f"/me/sessions/{phone_login}/end")
    assert response.status_code == 303 and response.headers["Location"] == "/me/sessions"
    assert not _logged_in(phone)
    assert _logged_in(client)
    with app.app_context(), job_session() as session:
        assert session.get(UserSession, phone_login).ended_reason == "revoked"
    assert phone_login not in _login_ids(client.get("/me/sessions").get_data(as_text=True))


def test_ending_with_htmx_redirects_the_htmx_way(app, client, make, device):
    me = make.user(is_young=True)
    Auth(client).login(me)
    device(me, IPHONE_SAFARI)
    phone_login = _open_logins(app, me.id)[IPHONE_SAFARI]
    response = client.post(f"/me/sessions/{phone_login}/end", headers={"HX-Request": "true"})
    assert response.status_code == 204 and response.headers["HX-Redirect"] == "/me/sessions"


def test_ending_this_login_logs_me_out(app, client, make, device):
    me = make.user(is_young=True)
    client.environ_base["HTTP_USER_AGENT"] = WINDOWS_EDGE
    Auth(client).login(me)
    phone = device(me, IPHONE_SAFARI)
    response = client.post(f"/me/sessions/{_open_logins(app, me.id)[WINDOWS_EDGE]}/end")
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    assert "cache" in response.headers["Clear-Site-Data"]
    assert not _logged_in(client)
    assert _logged_in(phone)


def test_end_all_others_keeps_mine(app, client, make, device):
    me = make.user(is_young=True)
    Auth(client).login(me)
    others = [device(me, IPHONE_SAFARI), device(me, ANDROID_CHROME, remember="y")]
    stranger = device(make.user(is_young=True))
    response = client.post("/me/sessions/end-others")
    assert response.status_code == 303
    assert [_logged_in(other) for other in others] == [False, False]
    assert _logged_in(client) and _logged_in(stranger)
    assert len(_open_logins(app, me.id)) == 1
    assert 'id="end-others"' not in client.get("/me/sessions").get_data(as_text=True)  # nothing left to end


def test_someone_elses_login_is_not_found(app, client, make, device):
    Auth(client).login(make.user(is_young=True))
    other = make.user(is_young=True)
    their_phone = device(other)
    (their_login,) = _open_logins(app, other.id).values()
    assert client.post(f"/me/sessions/{their_login}/end").status_code == 404
    assert client.post("/me/sessions/999999/end").status_code == 404
    assert _logged_in(their_phone)


def test_an_ended_login_cannot_be_ended_again(app, client, make, device):
    me = make.user(is_young=True)
    Auth(client).login(me)
    device(me, IPHONE_SAFARI)
    phone_login = _open_logins(app, me.id)[IPHONE_SAFARI]
    assert client.post(f"/me/sessions/{phone_login}/end").status_code == 303
    assert client.post(f"/me/sessions/{phone_login}/end").status_code == 404


def test_ending_needs_the_csrf_token(app, client, make, device):
    me = make.user(is_young=True)
    Auth(client).login(me)
    phone = device(me, IPHONE_SAFARI)
    phone_login = _open_logins(app, me.id)[IPHONE_SAFARI]
    assert client.post(f"/me/sessions/{phone_login}/end", csrf=False).status_code == 400
    assert _logged_in(phone)


def test_an_ended_phone_stops_getting_pushes(app, client, make, device):
    me = make.user(is_young=True)
    Auth(client).login(me)
    device(me, IPHONE_SAFARI)
    phone_login = _open_logins(app, me.id)[IPHONE_SAFARI]
    with app.app_context(), job_session() as session:
        session.add(
            PushSubscription(
                user_id=me.id, endpoint="https://push.example/1", p256dh="k", auth="a", login_id=phone_login
            )
        )
    client.post(f"/me/sessions/{phone_login}/end")
    with app.app_context(), job_session() as session:
        assert session.exec(select(PushSubscription)).all() == []


# --- an admin ends all of a person's logins ------------------------------------------------


def test_admin_ends_all_of_a_persons_logins(app, client, login_as, make, device):
    admin = login_as("admin")
    young = make.user(is_young=True)
    phones = [device(young, IPHONE_SAFARI), device(young, ANDROID_CHROME)]
    response = client.post(f"/staff/people/{young.id}/end-sessions")
    assert response.status_code == 303 and response.headers["Location"].startswith("/staff/people?q=")
    assert [_logged_in(phone) for phone in phones] == [False, False]
    assert _logged_in(client)
    with app.app_context(), job_session() as session:
        reasons = session.exec(select(UserSession.ended_reason).where(UserSession.user_id == young.id)).all()
        assert reasons == ["admin", "admin"]
        entry = session.exec(select(AuditEntry).where(AuditEntry.young_id == young.id)).one()
        assert entry.actor_id == admin.id and entry.detail == "account.sessions_ended"


def test_admin_sees_how_many_ended(client, login_as, make, device, english):
    login_as("admin")
    young = make.user(is_young=True, name="Sofie Lund")
    device(young)
    device(young, IPHONE_SAFARI)
    page = client.post(f"/staff/people/{young.id}/end-sessions", follow_redirects=True)
    assert "Sofie is logged out on 2 devices." in page.get_data(as_text=True)
    assert 'class="end-sessions"' in page.get_data(as_text=True)  # the button is on the person's row


def test_staff_who_are_not_admins_cannot_end_a_persons_logins(client, login_as, make, device):
    login_as("staff")
    young = make.user(is_young=True)
    phone = device(young)
    assert client.post(f"/staff/people/{young.id}/end-sessions").status_code == 403
    assert _logged_in(phone)
    assert 'class="end-sessions"' not in client.get("/staff/people").get_data(as_text=True)


def test_admin_cannot_end_their_own_logins_from_the_staff_page(client, login_as):
    admin = login_as("admin")
    assert client.post(f"/staff/people/{admin.id}/end-sessions").status_code == 422
    assert _logged_in(client)


def test_young_people_cannot_end_anyones_logins(client, login_as, make, device):
    login_as("young")
    other = make.user(is_young=True)
    phone = device(other)
    assert client.post(f"/staff/people/{other.id}/end-sessions").status_code == 403
    assert _logged_in(phone)


# --- a password change ends the others when asked -------------------------------------------


@pytest.mark.parametrize("end_others", [True, False])
def test_password_change_logs_me_out_everywhere_else_when_ticked(app, client, make, device, end_others):
    me = make.user(is_young=True)
    Auth(client).login(me)
    phone = device(me, IPHONE_SAFARI)
    phone_login = _open_logins(app, me.id)[IPHONE_SAFARI]
    with app.app_context(), job_session() as session:
        session.add(
            PushSubscription(
                user_id=me.id, endpoint="https://push.example/2", p256dh="k", auth="a", login_id=phone_login
            )
        )
    data = {"current": DEFAULT_PASSWORD, "password": "a whole new phrase"}
    if end_others:
        data["end_others"] = "y"
    assert client.post("/me/password", data=data).status_code == 303
    assert _logged_in(phone) is not end_others
    assert _logged_in(client)
    with app.app_context(), job_session() as session:
        assert session.get(User, me.id).password_changed_at is not None
        # The phone that was logged out stops getting pushes, as when a login is ended from the list.
        assert len(session.exec(select(PushSubscription)).all()) == (0 if end_others else 1)


def test_password_change_offers_to_log_out_everywhere_else(client, login_as, english):
    login_as("young")
    body = client.get("/me/password").get_data(as_text=True)
    assert "Log me out everywhere else" in body
    assert re.search(r'<input checked[^>]*name="end_others"|<input[^>]*name="end_others"[^>]*checked', body)
