"""Nominations: a young person suggests someone from their own network; the staff talk to them,
then invite them (a login whose link shares nothing) or say why not."""

from __future__ import annotations

import pytest
from sqlmodel import select

from hub.accounts.models import AccountToken, User
from hub.db import utcnow
from hub.errors import Conflict, Invalid
from hub.notifications.models import Notification
from hub.support import nominations
from hub.support.circle import may_see
from hub.support.models import ChangeKind, Nomination, NominationStatus, SupportChange, SupportLink
from tests.factories import make_user

pytestmark = pytest.mark.usefixtures("english")

KIM = {"name": "Kim Jensen", "relation": "My football coach", "email": "kim@example.net", "phone": "", "note": ""}


@pytest.fixture
def young(login_as):
    return login_as("young", preferred_name="Sara", trial_enrolled_at=utcnow())


def nomination_of(world, young_id: int) -> Nomination:
    with world() as s:
        return s.exec(select(Nomination).where(Nomination.young_id == young_id)).one()


def nominate(world, young_id: int, **values) -> int:
    with world() as s:
        nomination = Nomination(young_id=young_id, **{**KIM, **values})
        s.add(nomination)
        s.flush()
        return nomination.id


# --- the young person ------------------------------------------------------------------------------


def test_a_young_person_suggests_someone_and_the_staff_hear_of_it(client, world, young):
    with world() as s:
        staff = make_user(s, is_staff=True)
    assert client.get("/support/nominate").status_code == 200
    response = client.post("/support/nominate", data=KIM)
    assert response.status_code == 303 and response.headers["Location"] == "/support"
    nomination = nomination_of(world, young.id)
    assert (nomination.name, nomination.status, nomination.email) == ("Kim Jensen", "waiting", "kim@example.net")
    page = client.get("/support").get_data(as_text=True)
    assert "Kim Jensen" in page and "Withdraw" in page
    with world() as s:
        note = s.exec(select(Notification).where(Notification.user_id == staff.id)).one()
        assert note.kind == "nomination" and note.url == f"/staff/support/nominations/{nomination.id}"


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"email": "", "phone": ""}, "Write an e-mail or a phone number"),
        ({"email": "not-an-email"}, "does not look like an e-mail"),
        ({"phone": "call me"}, "Write a phone number with digits"),
        ({"name": ""}, "Write their name."),
        ({"relation": ""}, "Write how you know them."),
        ({"note": "x" * 501}, "Keep it under 500 characters."),
    ],
)
def test_bad_suggestions_say_what_to_fix(client, world, young, values, message):
    response = client.post("/support/nominate", data={**KIM, **values})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    with world() as s:
        assert s.exec(select(Nomination)).all() == []


def test_a_phone_number_alone_is_enough(client, world, young):
    response = client.post("/support/nominate", data={**KIM, "email": "", "phone": "+45 12 34 56 78"})
    assert response.status_code == 303
    assert nomination_of(world, young.id).phone == "+45 12 34 56 78"


def test_too_many_waiting_suggestions_is_a_clear_no(world):
    with world() as s:
        sara = make_user(s, is_young=True, trial_enrolled_at=utcnow())
        for number in range(nominations.MAX_WAITING_NOMINATIONS):
            nominations.nominate(s, actor=sara, name=f"Person {number}", relation="friend", phone="12345678")
        with pytest.raises(Conflict) as error:
            nominations.nominate(s, actor=sara, name="One more", relation="friend", phone="12345678")
        assert error.value.code == "too_many"
        with pytest.raises(Invalid) as error:
            nominations.nominate(s, actor=sara, name="No way to reach", relation="friend")
        assert error.value.code == "email"


def test_withdrawing_a_waiting_suggestion(client, world, young):
    nomination_id = nominate(world, young.id)
    response = client.post(f"/support/nominations/{nomination_id}/withdraw")
    assert response.status_code == 303
    assert nomination_of(world, young.id).status == NominationStatus.WITHDRAWN
    assert "Kim Jensen" not in client.get("/support").get_data(as_text=True)
    again = client.post(f"/support/nominations/{nomination_id}/withdraw")
    assert again.status_code == 409


def test_another_young_person_cannot_withdraw(client, world, login_as):
    with world() as s:
        sara = make_user(s, is_young=True)
    nomination_id = nominate(world, sara.id)
    login_as("young")
    assert client.post(f"/support/nominations/{nomination_id}/withdraw").status_code == 404
    assert nomination_of(world, sara.id).status == NominationStatus.WAITING


# --- the staff ---------------------------------------------------------------------------------------------


def test_inviting_a_nominee_makes_an_account_whose_link_shares_nothing(client, world, auth):
    with world() as s:
        sara = make_user(s, is_young=True, preferred_name="Sara")
        staff = make_user(s, is_staff=True)
    nomination_id = nominate(world, sara.id, email="")
    auth.login(staff)
    page = client.get(f"/staff/support/nominations/{nomination_id}").get_data(as_text=True)
    assert "Talk to Kim Jensen first" in page
    listing = client.get("/staff/support/nominations").get_data(as_text=True)
    assert "Kim Jensen" in listing and "Waiting" in listing

    missing = client.post(f"/staff/support/nominations/{nomination_id}/invite", data={"name": "Kim Jensen"})
    assert missing.status_code == 422 and "Write their e-mail" in missing.get_data(as_text=True)

    response = client.post(
        f"/staff/support/nominations/{nomination_id}/invite", data={"name": "Kim Jensen", "email": "Kim@Example.net"}
    )
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "/welcome/" in body and "<svg" in body  # the one-time link and its QR code
    with world() as s:
        kim = s.exec(select(User).where(User.email == "kim@example.net")).one()
        assert kim.support_type == "network" and kim.password_hash is None
        assert s.exec(select(AccountToken).where(AccountToken.user_id == kim.id)).one()
        link = s.exec(select(SupportLink).where(SupportLink.supporter_id == kim.id)).one()
        assert link.young_id == sara.id and link.nomination_id == nomination_id and not link.is_primary
        assert not any(link.may_see(area) for area in ("plan", "bookings", "wellbeing", "klip"))
        assert not link.may_message
        assert not may_see(s, kim, sara.id, "plan")
        nomination = s.get(Nomination, nomination_id)
        assert (nomination.status, nomination.user_id, nomination.decided_by_id) == ("invited", kim.id, staff.id)
        assert s.exec(select(SupportChange.kind).where(SupportChange.young_id == sara.id)).all() == [
            ChangeKind.PERSON_ADDED
        ]
        told = s.exec(select(Notification).where(Notification.user_id == sara.id)).one()
        assert told.kind == "nomination_invited" and told.url == f"/support/circle/{link.id}"
    # Answered once: a second invitation is refused.
    again = client.post(
        f"/staff/support/nominations/{nomination_id}/invite", data={"name": "Kim Jensen", "email": "kim@example.net"}
    )
    assert again.status_code == 409


def test_a_network_person_sees_nothing_until_the_young_person_opens_an_area(client, world, auth):
    with world() as s:
        sara = make_user(s, is_young=True)
        kim = make_user(s, support_type="network")
        staff = make_user(s, is_staff=True)
        nomination = Nomination(young_id=sara.id, **{**KIM, "email": kim.email})
        s.add(nomination)
    with world() as s:
        invited = nominations.invite_nominee(
            s, actor=s.get(User, staff.id), nomination=s.get(Nomination, nomination.id), name="Kim", email=kim.email
        )
        assert invited.existing and invited.token is None
        assert not may_see(s, kim, sara.id, "plan")
    auth.login(sara)
    page = client.get(f"/support/circle/{invited.link.id}").get_data(as_text=True)
    assert kim.name in page and "checked" not in page  # every toggle off
    client.post(f"/support/circle/{invited.link.id}", data={"see_plan": "y"})
    with world() as s:
        assert may_see(s, kim, sara.id, "plan") and not may_see(s, kim, sara.id, "wellbeing")


def test_an_email_with_an_account_links_that_account_and_says_so(client, world, auth):
    with world() as s:
        sara = make_user(s, is_young=True)
        teacher = make_user(s, support_type="network", name="Kim Jensen")
        staff = make_user(s, is_staff=True)
    nomination_id = nominate(world, sara.id, email=teacher.email)
    auth.login(staff)
    response = client.post(
        f"/staff/support/nominations/{nomination_id}/invite", data={"name": "Kim Jensen", "email": teacher.email}
    )
    assert response.status_code == 303
    assert "already has an account" in client.get(response.headers["Location"]).get_data(as_text=True)
    with world() as s:
        assert len(s.exec(select(User).where(User.email == teacher.email)).all()) == 1
        assert s.exec(select(AccountToken).where(AccountToken.user_id == teacher.id)).all() == []
        assert s.exec(select(SupportLink).where(SupportLink.supporter_id == teacher.id)).one().young_id == sara.id
        kinds = s.exec(select(Notification.kind).where(Notification.user_id == teacher.id)).all()
        assert kinds == ["support_added"]


def test_an_email_of_a_young_persons_account_is_refused(client, world, auth):
    with world() as s:
        sara = make_user(s, is_young=True)
        friend = make_user(s, is_young=True)
        staff = make_user(s, is_staff=True)
    nomination_id = nominate(world, sara.id)
    auth.login(staff)
    for email in (friend.email, sara.email):
        response = client.post(
            f"/staff/support/nominations/{nomination_id}/invite", data={"name": "Kim", "email": email}
        )
        assert response.status_code == 422
    assert nomination_of(world, sara.id).status == NominationStatus.WAITING


def test_declining_needs_a_reason_the_young_person_reads(client, world, auth):
    with world() as s:
        sara = make_user(s, is_young=True, locale="en", trial_enrolled_at=utcnow())
        staff = make_user(s, is_staff=True)
    nomination_id = nominate(world, sara.id)
    auth.login(staff)
    empty = client.post(f"/staff/support/nominations/{nomination_id}/decline", data={"reason": "  "})
    assert empty.status_code == 422 and "Write a few kind words" in empty.get_data(as_text=True)
    reason = "We could not reach Kim. Ask Kim to call us, and we will try again."
    response = client.post(f"/staff/support/nominations/{nomination_id}/decline", data={"reason": reason})
    assert response.status_code == 303
    with world() as s:
        assert s.exec(select(Notification.kind).where(Notification.user_id == sara.id)).all() == ["nomination_declined"]
    auth.logout()
    auth.login(sara)
    page = client.get("/support").get_data(as_text=True)
    assert "could not invite them this time" in page and "We could not reach Kim" in page
    assert "Withdraw" not in page


def test_young_people_and_supporters_cannot_answer_nominations(client, world, login_as, auth):
    with world() as s:
        sara = make_user(s, is_young=True)
    nomination_id = nominate(world, sara.id)
    for role in ("young", "support", "mentor"):
        login_as(role)
        url = f"/staff/support/nominations/{nomination_id}/invite"
        assert client.post(url, data={"name": "Kim", "email": "kim@example.net"}).status_code == 403
        auth.logout()
    assert nomination_of(world, sara.id).status == NominationStatus.WAITING
