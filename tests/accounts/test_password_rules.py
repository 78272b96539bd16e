"""Password rules: at least 8 characters, long passphrases welcome, no composition rules,
the most common passwords and the person's own e-mail or name refused, paste allowed."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from hub.accounts import passwords, services
from hub.accounts.models import AccountToken, User
from hub.db import job_session
from hub.demo import DEMO_PASSWORD
from hub.errors import Invalid
from tests.factories import DEFAULT_PASSWORD

LONG_64 = "en lang sætning om min kat der hedder Mis og elsker at sove i sol"[:64]
LONG_500 = ("tre ord sammen " * 40)[:500]
COMMON_MESSAGE = "That password is one of the most used, so it is easy to guess."


@pytest.mark.parametrize(
    "password",
    ["kop7+sky", LONG_64, LONG_500, "x" * passwords.MAX_LENGTH, DEFAULT_PASSWORD, DEMO_PASSWORD, "alllowercase"],
)
def test_these_passwords_are_fine(app, password):
    with app.app_context():
        services.check_password_rules(password, email="sara@example.org", name="Sara Jensen")


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("kop7+sk", "password_too_short"),
        ("x" * (passwords.MAX_LENGTH + 1), "password_too_long"),
        ("password1", "password_common"),
        ("PassWord1", "password_common"),  # any case
        ("  qwertyuiop ", "password_common"),  # spaces around do not help
        ("12345678", "password_common"),
        ("kodeord1", "password_common"),  # Danish ones too
        ("Hejmeddig", "password_common"),
        ("sommer2024", "password_common"),
        ("aarhus123", "password_common"),
        ("Sara.Jensen@Example.org", "password_personal"),
        ("sara.jensen", "password_personal"),  # the part before the @
        ("Sara Jensen", "password_personal"),
        ("sarajensen", "password_personal"),
    ],
)
def test_these_passwords_are_refused(app, password, code):
    with app.app_context(), pytest.raises(Invalid) as error:
        services.check_password_rules(password, email="sara.jensen@example.org", name="Sara Jensen")
    assert error.value.code == code


def test_the_list_is_read_once_as_a_frozenset():
    common = passwords._common()
    assert isinstance(common, frozenset) and len(common) > 8000
    assert passwords._common() is common
    assert all(len(word) >= passwords.MIN_LENGTH for word in common)
    assert not any(word.startswith("# ") for word in common)  # the header is not a password


# --- sign-up ---------------------------------------------------------------------------


def _signup(client, password, email="ny@example.org", name="Ny Person"):
    return client.post("/signup", data={"name": name, "email": email, "password": password})


def _user_count(app) -> int:
    with app.app_context(), job_session() as session:
        return len(session.exec(select(User)).all())


@pytest.mark.parametrize("password", ["Password1", "ny@example.org", "kop7+sk"])
def test_signup_refuses_a_weak_password_with_a_422(app, client, english, password):
    response = _signup(client, password)
    assert response.status_code == 422
    assert 'id="password-error"' in response.get_data(as_text=True)
    assert _user_count(app) == 0


def test_signup_explains_a_common_password_kindly(app, client, english):
    body = _signup(client, "iloveyou").get_data(as_text=True)
    assert COMMON_MESSAGE in body and "Try a few words together." in body


@pytest.mark.parametrize("password", ["kop7+sky", LONG_64, LONG_500])
def test_signup_takes_short_and_long_passphrases(app, client, password):
    assert _signup(client, password).status_code == 303
    with app.app_context(), job_session() as session:
        user = session.exec(select(User)).one()
        assert passwords.verify_password(user.password_hash, password)


# --- set a password from a link ------------------------------------------------------------


def _invited(app, make) -> tuple[int, str]:
    invited = make.user(is_young=True, password=None, email="mads.holm@example.org", name="Mads Holm")
    with app.app_context(), job_session() as session:
        token = services.issue_invite(session, user=session.get(User, invited.id), actor=None)
    return invited.id, f"/welcome/{token}"


@pytest.mark.parametrize("password", ["Qwertyuiop", "mads.holm", "Mads Holm", "kop7+sk"])
def test_set_password_refuses_a_weak_password_and_keeps_the_link(app, client, make, english, password):
    user_id, link = _invited(app, make)
    response = client.post(link, data={"password": password, "confirm": password})
    assert response.status_code == 422
    assert 'id="password-error"' in response.get_data(as_text=True)
    with app.app_context(), job_session() as session:
        assert session.get(User, user_id).password_hash is None
        assert session.exec(select(AccountToken)).one().used_at is None


@pytest.mark.parametrize("password", [LONG_64, LONG_500])
def test_set_password_takes_a_long_passphrase(app, client, make, password):
    user_id, link = _invited(app, make)
    assert client.post(link, data={"password": password, "confirm": password}).status_code == 303
    with app.app_context(), job_session() as session:
        assert passwords.verify_password(session.get(User, user_id).password_hash, password)


# --- change my password --------------------------------------------------------------------


def _change(client, new):
    return client.post("/me/password", data={"current": DEFAULT_PASSWORD, "password": new})


@pytest.mark.parametrize("password", ["sommer2024", "OWN@EXAMPLE.ORG", "Own Name", "kop7+sk"])
def test_change_refuses_a_weak_password(app, client, login_as, english, password):
    user = login_as("young", email="own@example.org", name="Own Name")
    response = _change(client, password)
    assert response.status_code == 422
    assert 'id="password-error"' in response.get_data(as_text=True)
    with app.app_context(), job_session() as session:
        assert passwords.verify_password(session.get(User, user.id).password_hash, DEFAULT_PASSWORD)


@pytest.mark.parametrize("password", [LONG_64, LONG_500])
def test_change_takes_a_long_passphrase(app, client, login_as, password):
    user = login_as("young")
    assert _change(client, password).status_code == 303
    with app.app_context(), job_session() as session:
        assert passwords.verify_password(session.get(User, user.id).password_hash, password)


# --- the fields themselves ---------------------------------------------------------------


def _password_inputs(body: str) -> list[str]:
    return re.findall(r"<input[^>]*type=\"password\"[^>]*>", body)


def _check_input(tag: str, autocomplete: str) -> None:
    assert f'autocomplete="{autocomplete}"' in tag, tag
    assert "onpaste" not in tag and "oncopy" not in tag, tag  # pasting from a password manager works
    maxlength = re.search(r'maxlength="(\d+)"', tag)
    assert maxlength is None or int(maxlength.group(1)) >= 64, tag


def test_password_fields_allow_paste_managers_and_long_passphrases(app, client, make, login_as):
    (signup,) = _password_inputs(client.get("/signup").get_data(as_text=True))
    _check_input(signup, "new-password")
    _, link = _invited(app, make)
    for tag in _password_inputs(client.get(link).get_data(as_text=True)):
        _check_input(tag, "new-password")
    login_as("young")
    current, new = _password_inputs(client.get("/me/password").get_data(as_text=True))
    _check_input(current, "current-password")
    _check_input(new, "new-password")
