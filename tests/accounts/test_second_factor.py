"""The staff second factor: the gate, authenticator codes, recovery codes and an admin's reset."""

from __future__ import annotations

import os
import re
import secrets
import uuid
from datetime import UTC, datetime

import pyotp
import pytest
import time_machine
from sqlmodel import select

from hub import create_app
from hub.accounts.login_throttle import DEVICE_COOKIE
from hub.accounts.models import User, UserSession
from hub.accounts.passkey_models import Passkey
from hub.accounts.second_factor import current_step, reset_second_factor
from hub.accounts.second_factor_models import RecoveryCode, SecondFactorEvent, TotpSecret
from hub.db import job_session
from hub.errors import Forbidden
from tests.conftest import Auth, Client, app_config, redis_running, totp_code_for
from tests.factories import TEST_TOTP_SECRET, make_user

NOW = datetime(2026, 12, 3, 12, 0, 10, tzinfo=UTC)  # 10 s into a 30-second step


def code_at(moment: datetime, steps: int = 0, secret: str = TEST_TOTP_SECRET) -> str:
    return pyotp.TOTP(secret).generate_otp(current_step(moment) + steps)


def password_login(client, user):
    response = client.post("/login", data={"email": user.email, "password": "correct horse battery"})
    assert response.status_code == 303
    return response


def open_logins(world, user_id: int) -> list[UserSession]:
    with world() as s:
        return s.exec(select(UserSession).where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))).all()


def events(world, user_id: int) -> list[str]:
    with world() as s:
        return [e.action for e in s.exec(select(SecondFactorEvent).where(SecondFactorEvent.user_id == user_id))]


# --- the gate ---------------------------------------------------------------------------------


def test_staff_password_login_goes_to_the_second_step(client, make):
    staff = make.user(is_staff=True)
    response = client.post(
        "/login?next=/staff/people", data={"email": staff.email, "password": "correct horse battery"}
    )
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/me/two-factor?next=/staff/people")


@pytest.mark.parametrize("role", [{"is_staff": True}, {"is_admin": True}])
def test_gate_blocks_every_kind_of_page_until_the_second_factor(client, make, role):
    young = make.user(is_young=True)
    staff = make.user(**role)
    password_login(client, staff)
    for path in ["/", "/staff/people", f"/staff/support/people/{young.id}", f"/young/{young.id}/plan", "/me"]:
        response = client.get(path)
        assert response.status_code == 303, path
        assert response.headers["Location"].startswith("/me/two-factor"), path
    # htmx navigates fully; fetch gets JSON; a write is refused.
    swap = client.get("/staff/people", headers={"HX-Request": "true"})
    assert swap.status_code == 401 and swap.headers["HX-Redirect"].startswith("/me/two-factor")
    fetched = client.get("/staff/people", headers={"Accept": "application/json"})
    assert fetched.status_code == 403 and fetched.get_json()["error"] == "second_factor_required"
    posted = client.post(f"/staff/people/{young.id}/reset-link")
    assert posted.status_code == 403


def staff_with_things_waiting(make, world, **staff_values):
    """A staff member with a new conversation in the inbox and an unread notification."""
    from hub.messages import services as messages
    from hub.notifications.services import notify

    staff = make.user(is_staff=True, name="Søren Skjultnavn", **staff_values)
    young = make.user(is_young=True, name="Yrsa Ungesen")
    with world() as s:
        messages.start_conversation(s, actor=s.get(User, young.id), topic="money", body="Hjælp med husleje")
        notify(s, s.get(User, staff.id), kind="test", title="Yrsa skrev til dig")
    return staff, young


def count_spies(monkeypatch) -> list[str]:
    """Record every call of the queries behind the inbox badge and the bell."""
    from hub.messages import inbox
    from hub.notifications import services as notifications

    calls: list[str] = []
    tab_counts, unread_count = inbox.tab_counts, notifications.unread_count

    def spy_tab_counts(*args, **kwargs):
        calls.append("inbox")
        return tab_counts(*args, **kwargs)

    def spy_unread_count(*args, **kwargs):
        calls.append("bell")
        return unread_count(*args, **kwargs)

    monkeypatch.setattr(inbox, "tab_counts", spy_tab_counts)
    monkeypatch.setattr(notifications, "unread_count", spy_unread_count)
    return calls


def assert_nothing_of_the_staff_side(page: str, staff) -> None:
    assert 'class="topnav' not in page and 'class="tabbar"' not in page  # the menu's class may go on
    assert "nav-badge" not in page
    assert 'href="/staff/messages"' not in page and 'href="/notifications"' not in page
    assert staff.name not in page and "Yrsa" not in page
    assert f'data-person="{staff.id}"' not in page


@pytest.mark.parametrize("totp", [True, False])  # proving the factor, or setting it up at first login
def test_the_second_step_shows_no_navigation_counts_or_names(client, make, world, monkeypatch, totp):
    staff, _young = staff_with_things_waiting(make, world, totp=totp)
    password_login(client, staff)
    calls = count_spies(monkeypatch)
    pages = ["/me/two-factor", "/me/two-factor?recovery=1"]
    if not totp:  # the pages that set one up
        pages += ["/me/two-factor/app", "/me/passkeys"]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        assert_nothing_of_the_staff_side(response.get_data(as_text=True), staff)
    wrong = client.post("/me/two-factor", data={"code": "abcdef"} if totp else {})
    assert_nothing_of_the_staff_side(wrong.get_data(as_text=True), staff)
    assert calls == []  # the counts were not even asked for


def test_pages_behind_the_second_step_give_nothing_away(client, make, world, monkeypatch):
    staff, young = staff_with_things_waiting(make, world)
    password_login(client, staff)
    calls = count_spies(monkeypatch)
    paths = [
        "/",
        "/staff/messages",
        f"/staff/support/people/{young.id}",
        "/notifications",
        "/push/key",
        "/me/data/export.json",
        "/wallet",
    ]
    for path in paths:
        for headers in ({}, {"HX-Request": "true"}, {"Accept": "application/json"}):
            response = client.get(path, headers=headers)
            assert response.status_code in (303, 401, 403), (path, headers)
            body = response.get_data(as_text=True)
            assert "Yrsa" not in body and "husleje" not in body and staff.name not in body, (path, headers)
            location = response.headers.get("Location") or response.headers.get("HX-Redirect")
            if location is None:
                location = response.get_json()["location"]
            assert location.startswith("/me/two-factor"), (path, headers)
    assert client.post("/notifications/read").status_code == 403
    assert calls == []


def test_a_staff_login_with_a_factor_sees_no_passkeys_before_proving_it(client, make, world):
    staff = make.user(is_staff=True)
    with world() as s:
        s.add(
            Passkey(user_id=staff.id, credential_id=b"cred", public_key=b"key", user_handle=b"handle", name="Min Pixel")
        )
    password_login(client, staff)
    response = client.get("/me/passkeys")
    assert response.status_code == 303 and response.headers["Location"].startswith("/me/two-factor")


def test_a_proved_staff_login_sees_its_navigation_and_counts(client, make, world, auth):
    staff, _young = staff_with_things_waiting(make, world)
    auth.login(staff)
    page = client.get("/me/two-factor").get_data(as_text=True)
    assert 'class="topnav' in page and 'href="/staff/messages"' in page and "nav-badge" in page


def test_an_admin_login_without_the_factor_cannot_reset_anyone(client, make, world):
    admin, staff = make.user(is_admin=True), make.user(is_staff=True)
    password_login(client, admin)
    assert client.post(f"/staff/people/{staff.id}/reset-second-factor").status_code == 403
    with world() as s:
        assert s.exec(select(TotpSecret).where(TotpSecret.user_id == staff.id)).first() is not None


def test_gate_lets_through_what_proving_the_factor_needs(client, make):
    staff = make.user(is_staff=True, totp=False)  # first login: setting one up
    password_login(client, staff)
    for path in ["/me/two-factor", "/me/two-factor/app", "/privacy", "/healthz", "/sw.js", "/offline", "/me/passkeys"]:
        assert client.get(path).status_code == 200, path
    assert client.get("/static/css/app.css").status_code == 200
    assert client.post("/logout").status_code == 303


def test_non_staff_are_not_gated(client, make, auth):
    young = make.user(is_young=True, totp=True)  # even with an app set up: it is their choice
    auth.login(young)
    assert client.get("/").status_code == 200
    assert client.get("/me").status_code == 200


def test_a_proved_login_reaches_staff_pages(client, make, auth):
    staff = make.user(is_staff=True)
    auth.login(staff)
    assert client.get("/staff/people").status_code == 200


# --- authenticator codes ----------------------------------------------------------------------


def test_right_code_passes_the_gate_and_keeps_next(client, make):
    staff = make.user(is_staff=True)
    with time_machine.travel(NOW, tick=False):
        password_login(client, staff)
        response = client.post("/me/two-factor?next=/staff/people", data={"code": code_at(NOW)})
        assert response.status_code == 303 and response.headers["Location"] == "/staff/people"
        assert client.get("/staff/people").status_code == 200


def test_wrong_code_is_422_and_the_gate_stays(client, make):
    staff = make.user(is_staff=True)
    with time_machine.travel(NOW, tick=False):
        password_login(client, staff)
        wrong = "000000" if code_at(NOW) != "000000" else "111111"
        assert client.post("/me/two-factor", data={"code": wrong}).status_code == 422
        assert client.post("/me/two-factor", data={"code": "not a code"}).status_code == 422
        assert client.post("/me/two-factor", data={}).status_code == 422
        assert client.get("/staff/people").status_code == 303


def test_a_code_is_never_accepted_twice(app, client, make):
    staff = make.user(is_staff=True)
    with time_machine.travel(NOW, tick=False):
        password_login(client, staff)
        assert client.post("/me/two-factor", data={"code": code_at(NOW)}).status_code == 303
        other = app.test_client()
        password_login(other, staff)
        assert other.post("/me/two-factor", data={"code": code_at(NOW)}).status_code == 422
        # An earlier step is spent too, once a later one was used.
        assert other.post("/me/two-factor", data={"code": code_at(NOW, -1)}).status_code == 422


@pytest.mark.parametrize(("steps", "accepted"), [(-1, True), (1, True), (-2, False), (2, False)])
def test_clock_drift_of_one_step_is_allowed_two_is_not(client, make, steps, accepted):
    staff = make.user(is_staff=True)
    with time_machine.travel(NOW, tick=False):
        password_login(client, staff)
        response = client.post("/me/two-factor", data={"code": code_at(NOW, steps)})
    assert response.status_code == (303 if accepted else 422)


def test_wrong_codes_are_throttled(client, make):
    staff = make.user(is_staff=True)
    password_login(client, staff)
    statuses = [client.post("/me/two-factor", data={"code": "abcdef"}).status_code for _ in range(6)]
    assert statuses == [422] * 5 + [429]
    # Even the right code waits: guessing must not go on.
    assert client.post("/me/two-factor", data={"code": code_at(datetime.now(UTC))}).status_code == 429


# --- wrong codes from someone who knows the password ------------------------------------------

ATTACKER = "198.51.100.7"
HOME = "203.0.113.20"
ELSEWHERE = "100.64.0.9"


def wrong_code(secret: str = TEST_TOTP_SECRET) -> str:
    """Six digits that are not the app's code now, nor a step either side."""
    now = datetime.now(UTC)
    taken = {code_at(now, steps, secret) for steps in range(-2, 3)}
    return next(code for code in (f"{n:06d}" for n in range(1000)) if code not in taken)


def browser_at(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def guess(client, kind: str):
    if kind == "code":
        return client.post("/me/two-factor", data={"code": wrong_code()})
    return client.post("/me/two-factor/recovery", data={"recovery_code": "aaaa-bbbb-cccc"})


def owners_phone(app, staff):
    """The staff member's own phone: it has passed the second step before, then logged out."""
    phone = browser_at(app, HOME)
    Auth(phone).login(staff)
    phone.post("/logout")
    return phone


@pytest.mark.parametrize("kind", ["code", "recovery"])
def test_an_attacker_with_the_password_cannot_lock_the_owner_out(app, make, kind):
    staff = make.user(is_staff=True)
    phone = owners_phone(app, staff)
    attacker = browser_at(app, ATTACKER)
    password_login(attacker, staff)
    statuses = [guess(attacker, kind).status_code for _ in range(200)]
    assert statuses[:5] == [422] * 5 and set(statuses[5:]) == {429}
    # The owner, on their own phone and another network, types today's code as usual.
    password_login(phone, staff)
    answer = phone.post("/me/two-factor", data={"code": totp_code_for(app, staff.id)})
    assert answer.status_code == 303
    assert phone.get("/staff/people").status_code == 200


def test_the_attackers_address_is_told_when_to_try_again(app, make):
    staff = make.user(is_staff=True)
    attacker = browser_at(app, ATTACKER)
    attacker.get("/?lang=en")
    password_login(attacker, staff)
    for _ in range(5):
        assert guess(attacker, "code").status_code == 422
    held = attacker.post("/me/two-factor", data={"code": totp_code_for(app, staff.id)})  # even the right one
    assert held.status_code == 429 and 0 < int(held.headers["Retry-After"]) <= 3600
    assert "Try again in" in held.get_data(as_text=True)
    assert guess(attacker, "recovery").status_code == 429  # recovery codes count with the app's codes


def test_unknown_browsers_from_many_addresses_are_held_by_the_account_wide_count(app, make):
    staff = make.user(is_staff=True)
    phone = owners_phone(app, staff)
    for n in range(5):  # one wrong code from each of five places, each after the right password
        bot = browser_at(app, f"192.0.2.{n + 1}")
        password_login(bot, staff)
        assert guess(bot, "code").status_code == 422
    stranger = browser_at(app, "192.0.2.200")
    password_login(stranger, staff)
    assert stranger.get_cookie(DEVICE_COOKIE) is not None  # the password alone does not make it known
    assert stranger.post("/me/two-factor", data={"code": totp_code_for(app, staff.id)}).status_code == 429
    password_login(phone, staff)  # the owner's own phone, from yet another network
    assert phone.post("/me/two-factor", data={"code": totp_code_for(app, staff.id)}).status_code == 303


def test_unknown_browsers_get_ten_wrong_codes_a_day_and_a_hundred_in_thirty_days(app, make):
    """The numbers that keep guessing a six-digit code out of reach (login_throttle.SECOND_FACTOR)."""
    from datetime import timedelta

    staff = make.user(is_staff=True)
    start = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)

    def bots_guess(at: datetime, count: int) -> list[int]:
        with time_machine.travel(at, tick=False):
            bot = browser_at(app, f"192.0.2.{at.day}")
            bot.get("/?lang=en")
            password_login(bot, staff)
            statuses = []
            for n in range(count):
                bot.environ_base["REMOTE_ADDR"] = f"198.18.{at.day}.{at.hour * 10 + n}"  # a new address each
                statuses.append(guess(bot, "code").status_code)
            return statuses

    assert bots_guess(start, 6) == [422] * 5 + [429]  # five an hour
    assert bots_guess(start + timedelta(hours=1, minutes=1), 6) == [422] * 5 + [429]
    with time_machine.travel(start + timedelta(hours=3), tick=False):
        stranger = browser_at(app, "192.0.2.250")
        stranger.get("/?lang=en")
        password_login(stranger, staff)
        held = guess(stranger, "code")
    assert held.status_code == 429 and 3600 < int(held.headers["Retry-After"]) <= 24 * 3600  # ten a day
    page = held.get_data(as_text=True)
    assert "hours" in page and "where you have logged in with two steps before" in page
    for day in range(1, 10):  # ten a day for nine more days: a hundred
        morning = start + timedelta(days=day)
        assert bots_guess(morning, 5) == [422] * 5
        assert bots_guess(morning + timedelta(hours=1, minutes=1), 5) == [422] * 5
    assert bots_guess(start + timedelta(days=10), 1) == [429]  # the thirty days' count is spent
    assert bots_guess(start + timedelta(days=29), 1) == [429]
    assert bots_guess(start + timedelta(days=30, minutes=1), 1) == [422]


def test_a_browser_becomes_known_only_by_passing_the_second_step(app, make):
    staff = make.user(is_staff=True)
    laptop = browser_at(app, HOME)
    password_login(laptop, staff)
    assert laptop.post("/me/two-factor/recovery", data={"recovery_code": "aaaa-bbbb-cccc"}).status_code == 422
    laptop.post("/logout")
    for n in range(5):
        bot = browser_at(app, f"192.0.2.{n + 1}")
        password_login(bot, staff)
        guess(bot, "recovery")
    password_login(laptop, staff)  # logged in with the password here before, never past the second step
    laptop.environ_base["REMOTE_ADDR"] = ELSEWHERE
    assert laptop.post("/me/two-factor", data={"code": totp_code_for(app, staff.id)}).status_code == 429


@pytest.fixture
def redis_app(db_url, tmp_path):
    if not redis_running():
        if os.environ.get("CI"):
            pytest.fail("Redis is not running on 127.0.0.1:6379, and CI must prove shared rate limits")
        pytest.skip("Redis is not running on 127.0.0.1:6379 (CI has it)")
    app = create_app({**app_config(db_url, tmp_path), "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/15"})
    app.test_client_class = Client
    yield app
    app.extensions["hub_engine"].dispose()


def test_with_redis_the_attacker_is_held_and_the_owner_is_not(redis_app):
    # Fresh e-mail and addresses: Redis keeps counts between test runs.
    with redis_app.app_context(), job_session() as s:
        staff = make_user(s, is_staff=True, email=f"{uuid.uuid4().hex}@example.org")
    home, attacker_address = (f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.{n}" for n in (1, 2))
    phone = browser_at(redis_app, home)
    Auth(phone).login(staff)
    phone.post("/logout")
    attacker = browser_at(redis_app, attacker_address)
    password_login(attacker, staff)
    statuses = [guess(attacker, "code").status_code for _ in range(50)]
    assert statuses[:5] == [422] * 5 and set(statuses[5:]) == {429}
    phone.environ_base["REMOTE_ADDR"] = attacker_address.rsplit(".", 1)[0] + ".77"
    password_login(phone, staff)
    assert phone.post("/me/two-factor", data={"code": totp_code_for(redis_app, staff.id)}).status_code == 303


# --- setting up -------------------------------------------------------------------------------


def test_first_login_sets_up_an_app_and_gets_ten_recovery_codes_once(client, make, world):
    staff = make.user(is_staff=True, totp=False)
    password_login(client, staff)
    page = client.get("/me/two-factor").get_data(as_text=True)
    assert 'data-state="enrol"' in page and 'id="choose-app"' in page and 'id="choose-passkey"' in page
    setup = client.get("/me/two-factor/app?next=/staff/people").get_data(as_text=True)
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', setup).group(1)
    assert client.get("/me/two-factor/app").get_data(as_text=True).count(secret) >= 1  # the same until confirmed
    response = client.post(
        "/me/two-factor/app?next=/staff/people", data={"code": code_at(datetime.now(UTC), secret=secret)}
    )
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    codes = re.findall(r"<code>([a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4})</code>", body)
    assert len(set(codes)) == 10
    assert 'id="codes-saved" href="/staff/people"' in body
    assert client.get("/staff/people").status_code == 200
    with world() as s:
        stored = s.exec(select(RecoveryCode).where(RecoveryCode.user_id == staff.id)).all()
        assert len(stored) == 10 and not {row.code_hash for row in stored} & set(codes)
        assert s.exec(select(TotpSecret).where(TotpSecret.user_id == staff.id)).one().secret == secret
    assert events(world, staff.id) == ["totp.setup", "recovery.new_set"]


def test_setting_up_wants_a_right_code(client, make, world):
    staff = make.user(is_staff=True, totp=False)
    password_login(client, staff)
    client.get("/me/two-factor/app")
    assert client.post("/me/two-factor/app", data={"code": "12345x"}).status_code == 422
    with world() as s:
        assert s.exec(select(TotpSecret).where(TotpSecret.user_id == staff.id)).first() is None
    assert client.get("/").status_code == 303


def test_replacing_the_app_needs_the_factor_proved_first(client, make):
    staff = make.user(is_staff=True)
    password_login(client, staff)
    assert client.get("/me/two-factor/app").status_code == 403
    assert client.post("/me/two-factor/recovery-codes").status_code == 403


def test_any_user_may_set_up_an_app_and_then_must_prove_it_to_change_it(client, make, auth):
    young = make.user(is_young=True)
    auth.login(young)
    setup = client.get("/me/two-factor/app").get_data(as_text=True)
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', setup).group(1)
    assert (
        client.post("/me/two-factor/app", data={"code": code_at(datetime.now(UTC), secret=secret)}).status_code == 200
    )
    auth.logout()
    auth.login(young)  # not gated: young people are never asked
    assert client.get("/").status_code == 200
    assert client.get("/me/two-factor/app").status_code == 403


def test_staff_regenerate_recovery_codes_after_proving(client, make, auth, world):
    staff = make.user(is_staff=True)
    auth.login(staff)
    first = client.post("/me/two-factor/recovery-codes").get_data(as_text=True)
    second = client.post("/me/two-factor/recovery-codes").get_data(as_text=True)
    old = re.findall(r"<code>([a-z0-9-]{14})</code>", first)
    new = re.findall(r"<code>([a-z0-9-]{14})</code>", second)
    assert len(old) == len(new) == 10 and not set(old) & set(new)
    with world() as s:
        assert len(s.exec(select(RecoveryCode).where(RecoveryCode.user_id == staff.id)).all()) == 10


# --- recovery codes ---------------------------------------------------------------------------


def test_a_recovery_code_works_once(app, client, make, auth, world):
    staff = make.user(is_staff=True)
    auth.login(staff)
    codes = re.findall(
        r"<code>([a-z0-9-]{14})</code>", client.post("/me/two-factor/recovery-codes").get_data(as_text=True)
    )
    auth.logout()
    password_login(client, staff)
    response = client.post("/me/two-factor/recovery?next=/staff/people", data={"recovery_code": codes[0].upper()})
    assert response.status_code == 303 and response.headers["Location"] == "/staff/people"
    assert client.get("/staff/people").status_code == 200
    other = app.test_client()
    password_login(other, staff)
    assert other.post("/me/two-factor/recovery", data={"recovery_code": codes[0]}).status_code == 422
    assert other.post("/me/two-factor/recovery", data={"recovery_code": "aaaa-bbbb-cccc"}).status_code == 422
    assert other.get("/staff/people").status_code == 303
    assert "recovery.used" in events(world, staff.id)


def test_someone_elses_recovery_code_does_not_work(app, client, make, auth):
    owner, other_staff = make.user(is_staff=True), make.user(is_staff=True)
    auth.login(owner)
    codes = re.findall(
        r"<code>([a-z0-9-]{14})</code>", client.post("/me/two-factor/recovery-codes").get_data(as_text=True)
    )
    other = app.test_client()
    password_login(other, other_staff)
    assert other.post("/me/two-factor/recovery", data={"recovery_code": codes[0]}).status_code == 422


# --- an admin's reset -------------------------------------------------------------------------


def test_admin_resets_a_staff_members_second_factor(app, client, make, auth, world):
    admin = make.user(is_admin=True)
    staff = make.user(is_staff=True)
    with world() as s:
        s.add(RecoveryCode(user_id=staff.id, code_hash="ab" * 32))
        s.add(
            Passkey(user_id=staff.id, credential_id=b"cred", public_key=b"key", user_handle=b"handle", name="Telefon")
        )
    theirs = app.test_client()
    auth_theirs = type(auth)(theirs)
    auth_theirs.login(staff)
    auth.login(admin)
    response = client.post(f"/staff/people/{staff.id}/reset-second-factor")
    assert response.status_code == 303
    with world() as s:
        for model in (TotpSecret, RecoveryCode, Passkey):
            assert s.exec(select(model).where(model.user_id == staff.id)).first() is None, model
    assert open_logins(world, staff.id) == []
    assert theirs.get("/staff/people").status_code == 302  # logged out: to the login page
    assert events(world, staff.id)[-1] == "reset"
    # At the next login they set up a new factor.
    password_login(theirs, staff)
    assert 'data-state="enrol"' in theirs.get("/me/two-factor").get_data(as_text=True)


def test_staff_cannot_reset_and_an_admin_not_their_own(client, make, auth, world):
    admin = make.user(is_admin=True)
    staff, other = make.user(is_staff=True), make.user(is_staff=True)
    auth.login(staff)
    assert client.post(f"/staff/people/{other.id}/reset-second-factor").status_code == 403
    auth.logout()
    auth.login(admin)
    assert client.post(f"/staff/people/{admin.id}/reset-second-factor").status_code == 403
    assert client.post("/staff/people/999999/reset-second-factor").status_code == 404
    with world() as s:
        assert s.exec(select(TotpSecret).where(TotpSecret.user_id.in_([admin.id, other.id]))).all()


@pytest.mark.parametrize(
    ("actor_role", "own", "code"), [("is_staff", False, "admin_only"), ("is_admin", True, "own_account")]
)
def test_the_reset_service_refuses_non_admins_and_ones_own(make, world, actor_role, own, code):
    actor = make.user(**{actor_role: True})
    target = actor if own else make.user(is_staff=True)
    with world() as s, pytest.raises(Forbidden) as refused:
        reset_second_factor(s, actor=s.get(User, actor.id), user=s.get(User, target.id))
    assert refused.value.code == code
    with world() as s:
        assert s.exec(select(TotpSecret).where(TotpSecret.user_id == target.id)).first() is not None


def test_the_reset_button_shows_for_an_admin_on_other_staff_only(client, make, auth):
    admin = make.user(is_admin=True, name="Aase Admin")
    staff = make.user(is_staff=True, name="Søren Staff")
    young = make.user(is_young=True, name="Yrsa Young")
    auth.login(admin)
    page = client.get("/staff/people").get_data(as_text=True)
    assert f"/staff/people/{staff.id}/reset-second-factor" in page
    assert f"/staff/people/{admin.id}/reset-second-factor" not in page
    assert f"/staff/people/{young.id}/reset-second-factor" not in page


def test_me_links_to_the_two_step_page(client, make, auth):
    auth.login(make.user(is_young=True))
    assert 'id="me-two-factor"' in client.get("/me").get_data(as_text=True)


# --- the demo --------------------------------------------------------------------------------


def test_demo_code_prints_a_working_code_for_demo_staff_only(app, world):
    from hub import demo

    with world() as s:
        demo.load(s)
    runner = app.test_cli_runner()
    with time_machine.travel(NOW, tick=False):
        result = runner.invoke(args=["demo-code", "personale@example.org"])
        assert result.exit_code == 0 and result.output.startswith(code_at(NOW, secret=demo.DEMO_TOTP_SECRET))
    assert runner.invoke(args=["demo-code", "ung@example.org"]).exit_code != 0  # no app set up
    with world() as s:
        totp = s.exec(select(TotpSecret).join(User).where(User.email == "admin@example.org")).one()
        totp.secret = "JBSWY3DPEHPK3PXP"  # a real person's secret: never printed
    refused = runner.invoke(args=["demo-code", "admin@example.org"])
    assert refused.exit_code != 0 and "demo" in refused.output
