"""Signing up with mail set up: the answer tells nobody whether an address has an account, and
an account is only made for whoever reads the mail sent to the address."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from sqlmodel import select

from hub.accounts import jobs
from hub.accounts.models import AccountToken, User
from hub.db import utcnow
from tests.factories import DEFAULT_PASSWORD
from tests.mailbox import MailServer, body_of, send_outbox

PASSWORD = "sommer i aarhus"
CONFIRM_LINK = re.compile(r"http://localhost(/welcome/confirm/\S+)")
CSRF = re.compile(r'(name="csrf_token" value="|"X-CSRFToken": ")[^"]*"')


class Mailbox:
    """A mail server of the test's own; each look at it first runs the scheduler's mail job,
    as the scheduler does every few seconds."""

    def __init__(self, app, server: MailServer) -> None:
        self.app, self.server = app, server

    def delivered(self) -> list[tuple[str, str, str]]:
        send_outbox(self.app)
        return [(mail["To"], mail["Subject"], body_of(mail)) for mail in self.server.messages]


@pytest.fixture
def mailbox(app):
    with MailServer() as server:
        server.configure(app)
        yield Mailbox(app, server)


def sign_up(client, email: str, *, password: str = PASSWORD, name: str = "Freja Holm", **headers):
    return client.post("/signup", data={"name": name, "email": email, "password": password}, headers=headers)


def log_in(app, email: str, password: str) -> int:
    return app.test_client().post("/login", data={"email": email, "password": password}).status_code


def mails_to(mailbox, email: str) -> list[str]:
    return [body for to, _, body in mailbox.delivered() if to == email]


def confirm_link(mailbox, email: str) -> str:
    return CONFIRM_LINK.search(mails_to(mailbox, email)[-1]).group(1)


def user_by_email(world, email: str) -> User | None:
    with world() as session:
        return session.exec(select(User).where(User.email == email)).first()


def the_answer(response) -> tuple:
    body = CSRF.sub(r"\1", response.get_data(as_text=True))
    return response.status_code, response.headers.get("Location"), response.headers.get("HX-Redirect"), body


@pytest.mark.parametrize("htmx", [False, True])
def test_the_answer_is_the_same_for_a_new_a_young_persons_and_a_staff_address(app, make, mailbox, htmx):
    make.user(email="ung@example.org", is_young=True)
    make.user(email="personale@example.org", is_staff=True)
    headers = {"HX-Request": "true", "HX-Boosted": "true"} if htmx else {}
    answers, pages = [], []
    for email in ("new@example.org", "ung@example.org", "personale@example.org"):
        client = app.test_client()
        response = sign_up(client, email, **headers)
        answers.append(the_answer(response))
        pages.append(the_answer(client.get(response.headers.get("Location") or response.headers["HX-Redirect"])))
    assert answers[0] == answers[1] == answers[2]
    assert answers[0][0] in (204, 303)
    assert pages[0] == pages[1] == pages[2]
    assert pages[0][0] == 200 and "e-mail" in pages[0][3]
    assert len(mailbox.delivered()) == 3  # each address got a mail, and the answer did not say which kind


def test_an_existing_account_is_told_by_mail_and_nothing_changes(app, client, make, world, mailbox):
    young = make.user(email="ung@example.org", name="Sara Nielsen", is_young=True)
    before = user_by_email(world, "ung@example.org")
    sign_up(client, "Ung@Example.org", name="Someone Else", password="an attackers phrase")
    [body] = mails_to(mailbox, "ung@example.org")
    assert "/login" in body and "/password/forgot" in body and "/welcome/confirm/" not in body
    after = user_by_email(world, "ung@example.org")
    assert (after.name, after.password_hash, after.unconfirmed_since) == (young.name, before.password_hash, None)
    with world() as session:
        assert session.exec(select(AccountToken)).all() == []
    attacker = app.test_client()
    login = attacker.post("/login", data={"email": "ung@example.org", "password": "an attackers phrase"})
    assert login.status_code == 422
    assert log_in(app, young.email, DEFAULT_PASSWORD) == 303


def test_the_link_confirms_the_address_and_logs_in(app, client, world, mailbox):
    assert sign_up(client, "Freja@Example.org").status_code in (204, 303)
    link = confirm_link(mailbox, "freja@example.org")
    phone = app.test_client()  # the mail is often opened on another browser
    page = phone.get(link)
    assert page.status_code == 200 and "Freja" in page.get_data(as_text=True)
    response = phone.post(link, data={"password": PASSWORD})
    assert response.status_code == 303 and response.headers["Location"] == "/privacy/accept"
    assert phone.post("/privacy/accept", data={"accept": "y"}).status_code == 303
    assert "Freja" in phone.get("/").get_data(as_text=True)
    freja = user_by_email(world, "freja@example.org")
    assert freja.unconfirmed_since is None and freja.activated_at is not None and freja.is_young
    # The link is spent, and the account works like any other.
    assert app.test_client().get(link).status_code == 404
    later = app.test_client()
    assert later.post("/login", data={"email": "freja@example.org", "password": PASSWORD}).status_code == 303


def test_an_unconfirmed_account_cannot_log_in_and_the_login_says_nothing_more(app, client, make, mailbox):
    make.user(email="known@example.org")
    sign_up(client, "pending@example.org")
    pending = app.test_client().post("/login", data={"email": "pending@example.org", "password": PASSWORD})
    wrong = app.test_client().post("/login", data={"email": "known@example.org", "password": "not the password"})
    assert pending.status_code == wrong.status_code == 422
    alert = re.compile(r"data-error-summary>(.*?)</div>", re.S)
    assert alert.search(pending.get_data(as_text=True)).group(1) == alert.search(wrong.get_data(as_text=True)).group(1)


def test_only_the_password_chosen_at_sign_up_finishes_it(app, client, world, mailbox):
    """Someone who signs up with another person's address cannot have them finish it unawares:
    the link asks for the password chosen when signing up."""
    sign_up(client, "noah@example.org", password="the strangers phrase")
    link = confirm_link(mailbox, "noah@example.org")
    noah = app.test_client()
    refused = noah.post(link, data={"password": "my very own phrase"})
    assert refused.status_code == 422 and "data-error-summary" in refused.get_data(as_text=True)
    assert user_by_email(world, "noah@example.org").unconfirmed_since is not None
    # Noah signs up himself: the later sign-up wins, and the stranger's link no longer works.
    sign_up(app.test_client(), "noah@example.org", password="my very own phrase", name="Noah")
    assert noah.get(link).status_code == 404
    mine = confirm_link(mailbox, "noah@example.org")
    assert noah.post(mine, data={"password": "my very own phrase"}).status_code == 303
    assert user_by_email(world, "noah@example.org").name == "Noah"


def test_a_reset_link_mailed_to_an_unconfirmed_address_confirms_it(app, client, world, mailbox):
    sign_up(client, "mia@example.org")
    app.test_client().post("/password/forgot", data={"email": "mia@example.org"})
    reset = re.search(r"http://localhost(/welcome/\S+)", mails_to(mailbox, "mia@example.org")[-1]).group(1)
    chosen = {"password": "a new phrase", "confirm": "a new phrase"}
    assert app.test_client().post(reset, data=chosen).status_code == 303
    assert user_by_email(world, "mia@example.org").unconfirmed_since is None
    assert log_in(app, "mia@example.org", "a new phrase") == 303


def test_the_confirmation_link_does_not_set_a_password(app, client, mailbox):
    sign_up(client, "ida@example.org")
    token = confirm_link(mailbox, "ida@example.org").rsplit("/", 1)[1]
    assert app.test_client().get(f"/welcome/{token}").status_code == 404


def test_staff_inviting_an_address_with_an_unconfirmed_account_reaches_the_real_person(
    app, client, world, login_as, mailbox
):
    sign_up(app.test_client(), "noah@example.org", password="the strangers phrase", name="Not Noah")
    stranger_link = confirm_link(mailbox, "noah@example.org")
    login_as("staff")  # `client` is now the staff member's
    response = client.post(
        "/staff/people/invite",
        data={"name": "Noah Sørensen", "email": "noah@example.org", "role": "young", "enrol_in_trial": "y"},
    )
    assert response.status_code == 200, response.get_data(as_text=True)[:400]
    link = re.search(r'value="http://localhost(/welcome/[^"]+)"', response.get_data(as_text=True)).group(1)
    assert app.test_client().get(stranger_link).status_code == 404
    noah = app.test_client()
    assert noah.post(link, data={"password": "my very own phrase", "confirm": "my very own phrase"}).status_code == 303
    account = user_by_email(world, "noah@example.org")
    assert account.name == "Noah Sørensen" and account.trial_enrolled_at is not None
    assert account.unconfirmed_since is None
    stranger = app.test_client().post("/login", data={"email": "noah@example.org", "password": "the strangers phrase"})
    assert stranger.status_code == 422


def test_an_unconfirmed_account_is_not_enrolled_in_the_trial(app, client, world, login_as, mailbox):
    sign_up(app.test_client(), "pending@example.org")
    pending = user_by_email(world, "pending@example.org")
    login_as("staff")  # `client` is now the staff member's
    response = client.post(f"/staff/people/{pending.id}/trial", data={"enrol": "1"})
    assert response.status_code == 422
    assert user_by_email(world, "pending@example.org").trial_enrolled_at is None


def test_an_unconfirmed_account_is_replaced_by_a_nominee_invitation(app, world, make, mailbox):
    from hub.support import nominations
    from hub.support.models import Nomination

    sign_up(app.test_client(), "kim@example.org", password="the strangers phrase")
    staff = make.user(is_staff=True)
    young = make.user(is_young=True)
    with world() as session:
        nomination = Nomination(young_id=young.id, name="Kim", relation="A friend", email="kim@example.org")
        session.add(nomination)
        session.flush()
        nomination_id = nomination.id
    with app.test_request_context(), world() as session:
        invited = nominations.invite_nominee(
            session,
            actor=session.get(User, staff.id),
            nomination=session.get(Nomination, nomination_id),
            name="Kim Berg",
            email="kim@example.org",
        )
        assert invited.token is not None
    kim = user_by_email(world, "kim@example.org")
    assert kim.support_type is not None and not kim.is_young and kim.unconfirmed_since is None


def test_confirmation_mails_are_three_an_hour_per_address(app, make, mailbox):
    """Three mails an hour to one address, whether or not it has an account; a form with a
    mistake sends no mail and is not counted."""
    make.user(email="ung@example.org", is_young=True)
    for email in ("ung@example.org", "new@example.org"):
        for _ in range(4):
            assert sign_up(app.test_client(), email, password="kort").status_code == 422
        statuses = [sign_up(app.test_client(), email).status_code for _ in range(4)]
        assert statuses == [303, 303, 303, 429], (email, statuses)
    assert len(mailbox.delivered()) == 6


def test_unconfirmed_sign_ups_are_forgotten_after_three_days(app, world, make, mailbox):
    kept = make.user(email="kept@example.org", activated_at=None, password=None)  # an invitation not yet used
    with time_machine.travel(utcnow(), tick=False) as clock:
        sign_up(app.test_client(), "pending@example.org")
        clock.shift(timedelta(days=2))
        sign_up(app.test_client(), "recent@example.org")
        with world() as session:
            jobs.purge_old_logins(session)
        assert user_by_email(world, "pending@example.org") is not None
        clock.shift(timedelta(days=1, minutes=1))
        with world() as session:
            jobs.purge_old_logins(session)
    assert user_by_email(world, "pending@example.org") is None
    assert user_by_email(world, "recent@example.org") is not None
    assert user_by_email(world, "kept@example.org").id == kept.id
