"""Asking to be deleted: nothing is erased until a member of staff confirms; only staff confirm."""

from __future__ import annotations

from sqlmodel import select

from hub.db import job_session
from hub.rights.models import DeletionRequest, Erasure, RequestStatus
from tests.conftest import Auth
from tests.factories import DEFAULT_PASSWORD


def requests_of(app, user_id: int) -> list[DeletionRequest]:
    with app.app_context(), job_session() as session:
        return list(session.exec(select(DeletionRequest).where(DeletionRequest.user_id == user_id)))


def erased(app, user_id: int) -> bool:
    with app.app_context(), job_session() as session:
        return session.get(Erasure, user_id) is not None


def ask(client, reason: str = "Jeg er færdig med hubben"):
    return client.post("/me/data/delete", data={"reason": reason, "sure": "y"})


def test_asking_is_not_deleting(app, client, login_as, make):
    staff = make.user(is_staff=True)
    young = login_as("young")
    response = ask(client)
    assert response.status_code == 303
    [request] = requests_of(app, young.id)
    assert request.status == RequestStatus.WAITING and request.reason == "Jeg er færdig med hubben"
    assert not erased(app, young.id)
    assert client.get("/me").status_code == 200  # still here, still logged in
    page = client.get("/me/data").get_data(as_text=True)
    assert "/me/data/delete/withdraw" in page
    # Asking again while one waits changes nothing.
    assert ask(client).status_code == 303
    assert len(requests_of(app, young.id)) == 1
    # The staff are told.
    from hub.notifications.models import Notification

    with app.app_context(), job_session() as session:
        told = session.exec(select(Notification).where(Notification.user_id == staff.id)).all()
    assert [n.kind for n in told] == ["deletion_requested"]
    assert told[0].url == f"/staff/deletion-requests/{request.id}"


def test_asking_needs_the_box_ticked(app, client, login_as, english):
    young = login_as("young")
    response = client.post("/me/data/delete", data={"reason": "x"})
    assert response.status_code == 422
    assert "Tick the box if you are sure." in response.get_data(as_text=True)
    response = client.post("/me/data/delete", data={"reason": "x" * 501, "sure": "y"})
    assert response.status_code == 422
    assert "Keep it under 500 characters." in response.get_data(as_text=True)
    assert requests_of(app, young.id) == []


def test_staff_accounts_cannot_ask(client, login_as):
    login_as("staff")
    assert client.post("/me/data/delete", data={"sure": "y"}).status_code == 403


def test_only_staff_confirm(app, client, auth, login_as, make):
    young = make.user(is_young=True)
    auth.login(young)
    ask(client)
    [request] = requests_of(app, young.id)
    # The young person themselves cannot confirm their own request …
    assert client.post(f"/staff/deletion-requests/{request.id}/confirm", data={"sure": "y"}).status_code == 403
    assert client.get(f"/staff/deletion-requests/{request.id}").status_code == 403
    auth.logout()
    # … nor can a support person or a mentor.
    for role in ("support", "mentor"):
        login_as(role)
        response = client.post(f"/staff/deletion-requests/{request.id}/confirm", data={"sure": "y"})
        assert response.status_code == 403
        auth.logout()
    assert not erased(app, young.id)
    # Staff must tick the box; then it is done.
    login_as("staff")
    response = client.post(f"/staff/deletion-requests/{request.id}/confirm", data={})
    assert response.status_code == 422
    assert not erased(app, young.id)
    response = client.post(f"/staff/deletion-requests/{request.id}/confirm", data={"sure": "y"})
    assert response.status_code == 303
    assert erased(app, young.id)
    [request] = requests_of(app, young.id)
    assert request.status == RequestStatus.CONFIRMED and request.reason == ""
    # Confirming twice is refused, not done twice.
    assert client.post(f"/staff/deletion-requests/{request.id}/confirm", data={"sure": "y"}).status_code == 409


def test_confirming_logs_the_person_out_for_good(app, client, auth, make):
    from hub.accounts.models import User

    young = make.user(is_young=True)
    staff = make.user(is_staff=True)
    auth.login(young)
    ask(client)
    [request] = requests_of(app, young.id)
    other = app.test_client()
    Auth(other).login(staff)
    response = other.post(
        f"/staff/deletion-requests/{request.id}/confirm",
        data={"sure": "y"},
        headers={"X-CSRFToken": other.csrf_token()},
    )
    assert response.status_code == 303
    # The young person's open login is ended …
    response = client.get("/me")
    assert response.status_code in (302, 303) and "/login" in response.headers["Location"]
    # … and neither the old e-mail nor any password opens the account again.
    response = client.post("/login", data={"email": young.email, "password": DEFAULT_PASSWORD})
    assert response.status_code != 303
    with app.app_context(), job_session() as session:
        assert session.get(User, young.id).password_hash is None


def test_staff_decline_with_a_reason_the_person_reads(app, client, auth, login_as, make, english):
    young = make.user(is_young=True)
    auth.login(young)
    ask(client)
    [request] = requests_of(app, young.id)
    auth.logout()
    login_as("staff")
    page = client.get(f"/staff/deletion-requests/{request.id}").get_data(as_text=True)
    assert young.name in page and "Jeg er færdig med hubben" in page
    response = client.post(f"/staff/deletion-requests/{request.id}/decline", data={"answer": ""})
    assert response.status_code == 422
    assert "Skriv et par ord om hvorfor" in response.get_data(as_text=True)  # the hub speaks Danish first
    response = client.post(f"/staff/deletion-requests/{request.id}/decline", data={"answer": "Vi ringer dig op"})
    assert response.status_code == 303
    [request] = requests_of(app, young.id)
    assert request.status == RequestStatus.DECLINED and not erased(app, young.id)
    auth.logout()
    auth.login(young)
    page = client.get("/me/data").get_data(as_text=True)
    assert "Vi ringer dig op" in page
    assert "/me/data/delete" in page  # they may ask again


def test_taking_it_back(app, client, login_as):
    young = login_as("young")
    ask(client)
    assert client.post("/me/data/delete/withdraw").status_code == 303
    [request] = requests_of(app, young.id)
    assert request.status == RequestStatus.WITHDRAWN
    assert client.post("/me/data/delete/withdraw").status_code == 303  # nothing left to take back


def test_the_staff_list_and_the_people_page(app, client, auth, login_as, make, english):
    waiting = make.user(is_young=True, name="Wanda Venter")
    other = make.user(is_young=True, name="Otto Andet")
    for person in (other, waiting):
        auth.login(person)
        ask(client)
        auth.logout()
    auth.login(other)
    client.post("/me/data/delete/withdraw")
    auth.logout()
    login_as("staff")
    page = client.get("/staff/deletion-requests").get_data(as_text=True)
    assert page.index("Wanda Venter") < page.index("Otto Andet")  # waiting first
    people = client.get("/staff/people").get_data(as_text=True)
    assert "Beder om at blive slettet" in people and "1 venter" in people  # Danish first


def test_a_missing_request_is_404(client, login_as):
    login_as("staff")
    assert client.get("/staff/deletion-requests/2147483647").status_code == 404
    assert client.get("/staff/deletion-requests/99999999999").status_code == 404
    assert client.post("/staff/deletion-requests/2147483647/confirm", data={"sure": "y"}).status_code == 404


def test_the_service_refuses_anyone_but_staff(app, make):
    import pytest

    from hub.accounts.models import User
    from hub.errors import Forbidden
    from hub.rights import services

    young = make.user(is_young=True)
    mentor = make.user(is_mentor=True)
    with app.app_context(), job_session() as session:
        request = services.ask_deletion(session, actor=session.get(User, young.id))
        for actor in (young, mentor):
            with pytest.raises(Forbidden) as error:
                services.confirm(session, actor=session.get(User, actor.id), request=request)
            assert error.value.code == "only_staff"
    assert not erased(app, young.id)
