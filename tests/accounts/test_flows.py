"""Getting an account: staff invitations, self sign-up, reset links, consent, profile."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from sqlmodel import select

from hub.accounts.models import Consent, User
from hub.accounts.services import PRIVACY_NOTICE_VERSION
from hub.db import job_session, utcnow
from tests.mailbox import MailServer, body_of, send_outbox

LINK = re.compile(r'value="(http://[^"]+/welcome/[^"]+)"')


def invite_link(client, **form) -> str:
    data = {"name": "Noah Sørensen", "email": "noah@example.org", "role": "young", "support_type": ""}
    data.update(form)
    response = client.post("/staff/people/invite", data=data)
    assert response.status_code == 200, response.get_data(as_text=True)[:400]
    body = response.get_data(as_text=True)
    assert "<svg" in body  # the QR code to scan on the young person's phone
    return LINK.search(body).group(1).replace("http://localhost", "")


def test_staff_invite_link_sets_a_password_once(app, client, login_as):
    login_as("staff")
    link = invite_link(client, enrol_in_trial="y")
    client.post("/logout")
    invitee = app.test_client()
    page = invitee.get(link)
    assert page.status_code == 200 and "Noah" in page.get_data(as_text=True)
    response = invitee.post(link, data={"password": "my own secret", "confirm": "my own secret"})
    assert response.status_code == 303
    # First login: the privacy notice comes before anything else.
    home = invitee.get("/")
    assert home.status_code == 302 and home.headers["Location"].startswith("/privacy/accept")
    # The link is spent.
    assert app.test_client().get(link).status_code == 404
    with app.app_context(), job_session() as session:
        noah = session.exec(select(User).where(User.email == "noah@example.org")).one()
        assert noah.is_young and noah.trial_enrolled_at is not None and noah.activated_at is not None


def test_invite_link_expires(app, client, login_as):
    login_as("staff")
    with time_machine.travel(utcnow(), tick=False) as clock:
        link = invite_link(client)
        clock.shift(timedelta(days=7, minutes=1))
        response = app.test_client().get(link)
        assert response.status_code == 404
        assert "link" in response.get_data(as_text=True).lower()


def test_set_password_form_explains_mistakes(app, client, login_as):
    login_as("staff")
    link = invite_link(client)
    response = app.test_client().post(link, data={"password": "short", "confirm": "other"})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "8" in body and 'aria-invalid="true"' in body


def test_only_admins_invite_staff(client, login_as):
    login_as("staff")
    response = client.post(
        "/staff/people/invite", data={"name": "X", "email": "x@example.org", "role": "staff", "support_type": ""}
    )
    assert response.status_code == 422  # "staff" is not among a staff member's choices


def test_admin_invites_a_support_person_of_a_kind(app, client, login_as):
    login_as("admin")
    invite_link(client, name="Kim", email="kim@example.org", role="support", support_type="uu_vejleder")
    with app.app_context(), job_session() as session:
        kim = session.exec(select(User).where(User.email == "kim@example.org")).one()
        assert kim.support_type == "uu_vejleder" and not kim.is_young


def test_inviting_an_existing_email_is_a_clear_422(client, login_as, make):
    make.user(email="taken@example.org")
    login_as("staff")
    response = client.post(
        "/staff/people/invite", data={"name": "X", "email": "Taken@example.org", "role": "young", "support_type": ""}
    )
    assert response.status_code == 422
    assert "taken@example.org" not in response.get_data(as_text=True).split("data-error-summary")[0][-50:]


def test_staff_reset_link_replaces_the_password_and_ends_logins(app, client, login_as, make):
    young = make.user(is_young=True)
    young_client = app.test_client()
    young_client.post("/login", data={"email": young.email, "password": "correct horse battery"})
    login_as("staff")
    response = client.post(f"/staff/people/{young.id}/reset-link")
    link = LINK.search(response.get_data(as_text=True)).group(1).replace("http://localhost", "")
    fresh = app.test_client()
    assert fresh.post(link, data={"password": "new password 1", "confirm": "new password 1"}).status_code == 303
    assert young_client.get("/me").status_code == 302
    assert fresh.get("/me").status_code == 200


def test_staff_cannot_reset_another_staff_members_password(client, login_as, make):
    colleague = make.user(is_staff=True)
    login_as("staff")
    assert client.post(f"/staff/people/{colleague.id}/reset-link").status_code == 403


def test_young_person_signs_up_for_the_open_hub(app, client):
    response = client.post(
        "/signup", data={"name": "Freja Holm", "email": "Freja@Example.org", "password": "sommer i aarhus"}
    )
    assert response.status_code == 303 and response.headers["Location"] == "/privacy/accept"
    page = client.get("/privacy/accept")
    assert page.status_code == 200
    assert client.post("/privacy/accept", data={"accept": "y"}).status_code == 303
    assert "Freja" in client.get("/").get_data(as_text=True)
    with app.app_context(), job_session() as session:
        freja = session.exec(select(User).where(User.email == "freja@example.org")).one()
        assert freja.is_young and freja.trial_enrolled_at is None  # a light account
        consent = session.exec(select(Consent).where(Consent.user_id == freja.id)).one()
        assert consent.notice_version == PRIVACY_NOTICE_VERSION


def test_signup_with_a_short_password_keeps_what_was_typed(client):
    response = client.post("/signup", data={"name": "Freja", "email": "freja@example.org", "password": "kort"})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert 'value="freja@example.org"' in body and 'value="Freja"' in body


def test_signup_with_a_taken_email_says_so(client, make):
    make.user(email="taken@example.org")
    response = client.post("/signup", data={"name": "A", "email": "taken@example.org", "password": "long enough"})
    assert response.status_code == 422


def test_privacy_consent_is_required_before_anything_else(client, login_as):
    login_as("young", consented=False)
    assert client.get("/me").headers["Location"].startswith("/privacy/accept")
    assert client.post("/privacy/accept", data={}).status_code == 422
    assert client.post("/privacy/accept?next=/me", data={"accept": "y"}).headers["Location"] == "/me"
    assert client.get("/me").status_code == 200


def test_profile_edit_changes_name_language_and_colour(app, client, login_as):
    user = login_as("young")
    response = client.post(
        "/me/profile",
        data={"name": "Sara Nielsen", "preferred_name": "Sas", "pronouns": "hun", "locale": "en", "avatar_colour": "3"},
    )
    assert response.status_code == 303
    page = client.get("/me").get_data(as_text=True)
    assert '<html lang="en">' in page and "Sas" in page and "avatar--c3" in page
    with app.app_context(), job_session() as session:
        assert session.get(User, user.id).locale == "en"


def test_profile_rejects_bad_values_without_losing_data(client, login_as):
    login_as("young", name="Sara Nielsen")
    response = client.post("/me/profile", data={"name": "", "locale": "xx", "avatar_colour": "99"})
    assert response.status_code == 422
    assert "Sara Nielsen" in client.get("/me").get_data(as_text=True)


def test_wrong_current_password_is_explained(client, login_as):
    login_as("young")
    response = client.post("/me/password", data={"current": "nope nope", "password": "a new phrase here"})
    assert response.status_code == 422


@pytest.fixture
def mail_server(app):
    with MailServer() as server:
        server.configure(app)
        yield server


def test_forgot_password_by_email_when_smtp_is_configured(app, client, make, mail_server):
    user = make.user(email="mail@example.org")
    for email in ("mail@example.org", "nobody@example.org"):
        response = client.post("/password/forgot", data={"email": email})
        assert response.status_code == 200
        assert 'role="status"' in response.get_data(as_text=True)
    assert mail_server.messages == []  # the request only queued it: the scheduler sends
    assert send_outbox(app) == {"sent": 1}
    [mail] = mail_server.messages
    assert mail["To"] == user.email
    link = re.search(r"http://\S+/welcome/\S+", body_of(mail)).group(0).replace("http://localhost", "")
    assert app.test_client().post(link, data={"password": "back again!", "confirm": "back again!"}).status_code == 303
    assert send_outbox(app) == {}  # sent once


def test_forgot_password_without_smtp_points_to_staff(client):
    body = client.get("/password/forgot").get_data(as_text=True)
    assert '<form method="post" novalidate>' not in body


def test_demo_command_loads_once_and_prints_logins(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo"])
    assert "ung@example.org" in first.output and "Loaded demo data" in first.output
    second = runner.invoke(args=["demo"])
    assert "not loaded" in second.output
    with app.app_context(), job_session() as session:
        sara = session.exec(select(User).where(User.email == "ung@example.org")).one()
        assert sara.is_young and sara.preferred_name == "Sara"


def test_create_admin_prints_a_working_link(app):
    result = app.test_cli_runner().invoke(args=["create-admin", "--email", "lead@example.org", "--name", "Lead"])
    link = re.search(r"/welcome/\S+", result.output).group(0)
    response = app.test_client().post(link, data={"password": "lead password", "confirm": "lead password"})
    assert response.status_code == 303
