"""Retention on a schedule: old check-ins go, new ones stay; a young person not seen for the
limit is warned, then anonymised, never before, and a login before then keeps everything."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import delete
from sqlmodel import select

from hub.db import job_session
from hub.rights import jobs
from hub.rights.models import Erasure
from tests.factories import DEFAULT_PASSWORD

T0 = datetime(2026, 1, 5, 11, 0, tzinfo=UTC)


def run(app, job, now=None):
    with app.app_context(), job_session() as session:
        return job(session, now=now)


@pytest.mark.clock
def test_old_checkins_go_and_new_ones_stay(app, make):
    from hub.checkins.models import CheckIn, Wellbeing

    app.config["CHECKIN_RETENTION_DAYS"] = 100
    young = make.user(is_young=True)
    now = datetime.now(UTC)
    with app.app_context(), job_session() as session:
        session.add_all(
            [
                CheckIn(young_id=young.id, happened_on=now.date() - timedelta(days=101), way="phone", went="good"),
                CheckIn(young_id=young.id, happened_on=now.date() - timedelta(days=99), way="phone", went="good"),
                Wellbeing(young_id=young.id, at=now - timedelta(days=101), mood=3, sleep=3, movement=3),
                Wellbeing(young_id=young.id, at=now - timedelta(days=99), mood=4, sleep=4, movement=4),
            ]
        )
    assert run(app, jobs.delete_old_checkins, now) == 2
    assert run(app, jobs.delete_old_checkins, now) == 0  # twice is once
    with app.app_context(), job_session() as session:
        assert [c.happened_on for c in session.exec(select(CheckIn))] == [now.date() - timedelta(days=99)]
        assert [w.mood for w in session.exec(select(Wellbeing))] == [4]


def warnings_of(app, user_id: int) -> int:
    from hub.notifications.models import Notification

    with app.app_context(), job_session() as session:
        found = session.exec(
            select(Notification).where(Notification.user_id == user_id, Notification.kind == "inactive_warning")
        )
        return len(found.all())


def is_erased(app, user_id: int) -> bool:
    with app.app_context(), job_session() as session:
        return session.get(Erasure, user_id) is not None


def test_inactive_young_people_are_warned_then_anonymised_and_a_login_keeps_everything(app, client, auth, make):
    app.config.update(RETENTION_INACTIVE_DAYS=365, RETENTION_WARNING_DAYS=30)
    with time_machine.travel(T0, tick=False):
        # Both take a break on the same day; one comes back in time, one does not.
        back = make.user(is_young=True, left_at=T0)
        gone = make.user(is_young=True, left_at=T0)
        staff = make.user(is_staff=True)

    def day(n: int) -> datetime:
        return T0 + timedelta(days=n)

    with time_machine.travel(day(300), tick=False):
        assert run(app, jobs.anonymise_inactive) == {}  # long before the limit: nothing
    with time_machine.travel(day(336), tick=False):
        assert run(app, jobs.anonymise_inactive) == {"warned": 2, "anonymised": 0}
        assert run(app, jobs.anonymise_inactive) == {}  # warned once, however often it runs
    assert warnings_of(app, back.id) == warnings_of(app, gone.id) == 1
    assert warnings_of(app, staff.id) == 0
    with app.app_context(), job_session() as session:
        from hub.notifications.models import Notification

        warning = session.exec(select(Notification).where(Notification.user_id == back.id)).one()
    assert warning.title == "Vi savner dig. Din konto bliver gemt indtil 6. januar 2027"  # a date, not 2027-01-06

    with time_machine.travel(day(364), tick=False):
        # The door is still open: log in, come back.
        auth.login(back)
        assert client.post("/support/return").status_code == 303
        auth.logout()
        assert run(app, jobs.anonymise_inactive) == {}  # one day before the limit: nobody goes
    assert not is_erased(app, gone.id)

    # Logins are forgotten after a while; the job remembers the last one it saw.
    from hub.accounts.models import UserSession

    with app.app_context(), job_session() as session:
        session.exec(delete(UserSession))

    with time_machine.travel(day(366), tick=False):
        assert run(app, jobs.anonymise_inactive) == {"warned": 0, "anonymised": 1}
        assert run(app, jobs.anonymise_inactive) == {}  # once
    assert is_erased(app, gone.id) and not is_erased(app, back.id)
    response = client.post("/login", data={"email": gone.email, "password": DEFAULT_PASSWORD})
    assert response.status_code != 303

    # The one who came back starts a new year, and is warned again before its end.
    with time_machine.travel(day(364 + 336), tick=False):
        assert run(app, jobs.anonymise_inactive) == {"warned": 1, "anonymised": 0}
    with time_machine.travel(day(364 + 366), tick=False):
        assert run(app, jobs.anonymise_inactive) == {"warned": 0, "anonymised": 1}
    assert is_erased(app, back.id)


def test_no_one_is_anonymised_without_a_warning_first(app, make):
    """If the job did not run in the month before (a long outage), it warns first, and waits."""
    app.config.update(RETENTION_INACTIVE_DAYS=365, RETENTION_WARNING_DAYS=30)
    with time_machine.travel(T0, tick=False):
        quiet = make.user(is_young=True)
    with time_machine.travel(T0 + timedelta(days=400), tick=False):
        assert run(app, jobs.anonymise_inactive) == {"warned": 1, "anonymised": 0}
    with time_machine.travel(T0 + timedelta(days=429), tick=False):
        assert run(app, jobs.anonymise_inactive) == {}
    with time_machine.travel(T0 + timedelta(days=430), tick=False):
        assert run(app, jobs.anonymise_inactive) == {"warned": 0, "anonymised": 1}
    assert is_erased(app, quiet.id)


def test_activity_is_a_sign_of_life(app, make):
    """Not only logins: a wellbeing check-in (or a message, a booking …) keeps the account."""
    from hub.checkins.models import Wellbeing

    app.config.update(RETENTION_INACTIVE_DAYS=365, RETENTION_WARNING_DAYS=30)
    with time_machine.travel(T0, tick=False):
        young = make.user(is_young=True)
    with app.app_context(), job_session() as session:
        session.add(Wellbeing(young_id=young.id, at=T0 + timedelta(days=200), mood=3, sleep=3, movement=3))
    with time_machine.travel(T0 + timedelta(days=366), tick=False):
        assert run(app, jobs.anonymise_inactive) == {}
    with time_machine.travel(T0 + timedelta(days=200 + 336), tick=False):
        assert run(app, jobs.anonymise_inactive) == {"warned": 1, "anonymised": 0}


def test_the_jobs_are_scheduled():
    from hub.scheduler.runner import JOBS

    scheduled = {job.name: job.run for job in JOBS}
    assert scheduled["delete_old_checkins"] is jobs.delete_old_checkins
    assert scheduled["anonymise_inactive"] is jobs.anonymise_inactive
    assert "delete_closed_conversations" in scheduled  # messages keep their own


def test_retention_is_configuration(monkeypatch, tmp_path):
    from hub import config

    monkeypatch.setenv("HUB_RETENTION_INACTIVE_DAYS", "730")
    monkeypatch.setenv("HUB_CHECKIN_RETENTION_DAYS", "90")
    monkeypatch.setenv("HUB_MESSAGE_RETENTION_DAYS", "180")
    loaded = config.load(tmp_path)
    assert loaded["RETENTION_INACTIVE_DAYS"] == 730
    assert loaded["CHECKIN_RETENTION_DAYS"] == 90
    assert loaded["MESSAGE_RETENTION_DAYS"] == 180
    assert loaded["RETENTION_WARNING_DAYS"] == 30


def test_the_privacy_page_tells_the_configured_periods(app, client, english):
    app.config.update(
        MESSAGE_RETENTION_DAYS=365, CHECKIN_RETENTION_DAYS=730, RETENTION_INACTIVE_DAYS=1095, RETENTION_WARNING_DAYS=30
    )
    page = client.get("/privacy").get_data(as_text=True)
    assert "deleted 1 year after it was closed" in page
    assert "deleted after 2 years" in page
    assert "used the hub for 3 years" in page and "We tell you 1 month before" in page
    assert "Taking a break deletes nothing" in page
    app.config.update(RETENTION_INACTIVE_DAYS=400)
    assert "used the hub for 400 days" in client.get("/privacy").get_data(as_text=True)


def test_the_privacy_page_links_to_my_data(client, login_as, english):
    login_as("young")
    page = client.get("/privacy").get_data(as_text=True)
    assert 'href="/me/data"' in page
    assert 'href="/me/data"' in client.get("/me").get_data(as_text=True)


def test_a_waiting_request_is_answered_when_the_job_erases_first(app, client, auth, make):
    from hub.rights.models import DeletionRequest, RequestStatus

    app.config.update(RETENTION_INACTIVE_DAYS=365, RETENTION_WARNING_DAYS=30)
    with time_machine.travel(T0, tick=False):
        young = make.user(is_young=True)
        with app.app_context(), job_session() as session:
            session.add(DeletionRequest(user_id=young.id, reason="slet mig"))
    with time_machine.travel(T0 + timedelta(days=336), tick=False):
        run(app, jobs.anonymise_inactive)
    with time_machine.travel(T0 + timedelta(days=366), tick=False):
        assert run(app, jobs.anonymise_inactive) == {"warned": 0, "anonymised": 1}
    with app.app_context(), job_session() as session:
        [request] = session.exec(select(DeletionRequest).where(DeletionRequest.user_id == young.id)).all()
        assert request.status == RequestStatus.CONFIRMED and request.reason == ""
