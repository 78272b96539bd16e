"""Mail leaves through the outbox: queued in the transaction of the action that causes it, sealed
while it waits, sent by the scheduler's job with retries and backoff, recorded once per mail
(a stable Message-ID if it ever has to go twice), and erased once sent or given up."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import text
from sqlmodel import select

from hub.outbox import jobs
from hub.outbox.models import OutboxMessage, OutboxStatus
from hub.outbox.services import depth, enqueue_mail, oldest_pending
from hub.rights import jobs as rights_jobs
from hub.scheduler.claims import Claimer
from tests.mailbox import MailServer, body_of, send_outbox

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # before any moment a test run may be set to
SECRET_LINK = "https://ungehub.example/welcome/s3cr3t-token-in-the-link"


@pytest.fixture
def server(app):
    with MailServer() as running:
        running.configure(app)
        yield running


def queue(world, number: int = 1, *, kind: str = "password_reset") -> list[int]:
    """Mails queued at T0 (due from then on)."""
    with time_machine.travel(T0, tick=False), world() as s:
        return [
            enqueue_mail(
                s, kind=kind, to=f"sara{n}@example.org", subject="Din nye adgangskode", body=f"Brug {SECRET_LINK}/{n}"
            ).id
            for n in range(number)
        ]


def row(world, row_id: int) -> OutboxMessage:
    with world() as s:
        return s.get(OutboxMessage, row_id)


def raw(world, row_id: int) -> str:
    """The row as a database dump shows it."""
    with world() as s:
        found = s.execute(text("SELECT * FROM outbox_message WHERE id = :id"), {"id": row_id}).one()
    return " ".join(str(value) for value in found)


def test_a_queued_mail_is_sealed_then_sent_once_and_erased(app, world, server):
    with time_machine.travel(T0, tick=False):
        [row_id] = queue(world)
        dump = raw(world, row_id)
        assert "sara0@example.org" not in dump and "s3cr3t" not in dump and "adgangskode" not in dump
        with world() as s:
            assert (depth(s), oldest_pending(s)) == (1, T0)
        assert server.messages == []  # nothing leaves until the scheduler's job runs

        assert send_outbox(app) == {"sent": 1}
        assert send_outbox(app) == {}  # once
    [mail] = server.messages
    assert (mail["To"], mail["Subject"]) == ("sara0@example.org", "Din nye adgangskode")
    assert body_of(mail).strip() == f"Brug {SECRET_LINK}/0"
    sent = row(world, row_id)
    assert (sent.status, sent.attempts, sent.sent_at, sent.message_id) == (OutboxStatus.SENT, 1, T0, mail["Message-ID"])
    assert (sent.recipient, sent.subject, sent.body, sent.claimed_by) == (None, None, None, None)
    with world() as s:
        assert (depth(s), oldest_pending(s)) == (0, None)


def test_a_refused_recipient_is_retried_with_growing_backoff_then_sent(app, world, server):
    [row_id] = queue(world)
    server.refuse(450, 451)
    with time_machine.travel(T0, tick=False):
        assert send_outbox(app) == {"pending": 1}
    first = row(world, row_id)
    assert (first.status, first.attempts) == (OutboxStatus.PENDING, 1)
    assert first.next_attempt_at == T0 + timedelta(seconds=30)
    assert first.last_error == "SMTPRecipientsRefused 450" and first.body is not None  # kept for the retry
    with time_machine.travel(T0 + timedelta(seconds=29), tick=False):
        assert send_outbox(app) == {}  # not yet
    with time_machine.travel(T0 + timedelta(seconds=30), tick=False):
        assert send_outbox(app) == {"pending": 1}
    assert row(world, row_id).next_attempt_at == T0 + timedelta(seconds=90)  # twice as long
    with time_machine.travel(T0 + timedelta(seconds=90), tick=False):
        assert send_outbox(app) == {"sent": 1}
    assert len(server.messages) == 1 and row(world, row_id).attempts == 3


def test_a_mailbox_that_does_not_exist_fails_at_once_and_is_logged_without_the_address(app, world, server, caplog):
    [row_id] = queue(world)
    server.refuse(550)
    with caplog.at_level(logging.INFO):
        assert send_outbox(app) == {"failed": 1}
    failed = row(world, row_id)
    assert (failed.status, failed.last_error, failed.recipient, failed.body) == (
        OutboxStatus.FAILED,
        "SMTPRecipientsRefused 550",
        None,
        None,
    )
    assert f"mail {row_id} (password_reset)" in caplog.text
    assert "sara0" not in caplog.text and "s3cr3t" not in caplog.text and "adgangskode" not in caplog.text
    assert send_outbox(app) == {} and server.messages == []


def test_it_gives_up_after_the_last_attempt(app, world, server):
    [row_id] = queue(world)
    with world() as s:
        s.get(OutboxMessage, row_id).attempts = jobs.MAX_ATTEMPTS - 1
    server.refuse(450)
    assert send_outbox(app) == {"failed": 1}
    assert row(world, row_id).status == OutboxStatus.FAILED


def test_an_unreachable_mail_server_costs_one_attempt_and_the_rest_wait_untried(app, world):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=MailServer().port, MAIL_STARTTLS=False)  # nobody listens
    ids = queue(world, 3)
    with time_machine.travel(T0, tick=False):
        assert send_outbox(app) == {"pending": 1}
    rows = [row(world, row_id) for row_id in ids]
    assert [(r.status, r.attempts) for r in rows] == [(OutboxStatus.PENDING, 1)] + [(OutboxStatus.PENDING, 0)] * 2
    assert rows[0].last_error.startswith("ConnectionRefusedError")
    assert all(r.claimed_by is None for r in rows)


def test_a_sender_that_dies_after_sending_leaves_only_that_mail_to_go_again_with_its_message_id(
    app, world, server, monkeypatch
):
    ids = queue(world, 3)
    recorded = jobs.record

    def dies_after_the_second(session, row_id, failure, now, *, claimer):
        if row_id == ids[1]:
            raise KeyboardInterrupt  # kill -9 between sending and recording
        return recorded(session, row_id, failure, now, claimer=claimer)

    monkeypatch.setattr(jobs, "record", dies_after_the_second)
    with pytest.raises(KeyboardInterrupt):
        send_outbox(app, claimer=Claimer("leader-a"))
    monkeypatch.setattr(jobs, "record", recorded)
    assert [row(world, row_id).status for row_id in ids] == [OutboxStatus.SENT] + [OutboxStatus.SENDING] * 2

    with world() as s:  # the scheduler that takes over
        assert jobs.give_back(s, "leader-a") == 2
    assert send_outbox(app, claimer=Claimer("leader-b")) == {"sent": 2}
    got = [(mail["To"], mail["Message-ID"]) for mail in server.messages]
    assert [to for to, _ in got] == ["sara0@example.org", "sara1@example.org", "sara1@example.org", "sara2@example.org"]
    assert got[1][1] == got[2][1] == row(world, ids[1]).message_id  # the same mail, as the receiver can tell
    assert len({message_id for _, message_id in got}) == 3


def test_a_stale_sender_cannot_overwrite_what_the_new_one_recorded(app, world, server):
    [row_id] = queue(world)
    old, new = Claimer("leader-a"), Claimer("leader-b")
    with world() as s:
        assert [claimed for claimed, _, _ in jobs.claim(s, T0, old)] == [row_id]
    with world() as s:
        jobs.give_back(s, old.name)
    with world() as s:
        jobs.claim(s, T0, new)
        assert jobs.record(s, row_id, None, T0, claimer=new) == OutboxStatus.SENT
    with world() as s:
        assert jobs.record(s, row_id, None, T0 + timedelta(seconds=5), claimer=old) is None
    assert row(world, row_id).sent_at == T0


def test_a_leased_sender_claims_nothing_without_the_lease(app, world, server):
    queue(world)
    assert send_outbox(app, claimer=Claimer("not-the-leader", leased=True)) == {}
    assert server.messages == []


def test_the_inactivity_warning_is_queued_with_the_jobs_work_and_never_twice(app, world, make, server):
    """A warning job that rolls back queued nothing (it used to have mailed already, and mailed
    again on its next run); the run that commits queues one mail, sent once."""
    app.config.update(RETENTION_INACTIVE_DAYS=365, RETENTION_WARNING_DAYS=30)
    with time_machine.travel(T0, tick=False):
        quiet = make.user(is_young=True, email="stille@example.org")
    with time_machine.travel(T0 + timedelta(days=340), tick=False):
        with pytest.raises(RuntimeError), world() as s:
            assert rights_jobs.anonymise_inactive(s) == {"warned": 1, "anonymised": 0}
            raise RuntimeError("the job's transaction fails after the warning")
        with world() as s:
            assert depth(s) == 0
        with world() as s:
            assert rights_jobs.anonymise_inactive(s) == {"warned": 1, "anonymised": 0}
        with world() as s:
            assert rights_jobs.anonymise_inactive(s) == {}
        assert send_outbox(app) == {"sent": 1}
    [mail] = server.messages
    assert mail["To"] == quiet.email and "Ungehub" in mail["Subject"]
    with world() as s:
        assert s.exec(select(OutboxMessage.kind)).all() == ["inactive_warning"]


def test_without_a_mail_server_nothing_is_sent_and_the_rows_wait(app, world):
    app.config["MAIL_SERVER"] = None
    [row_id] = queue(world)
    assert send_outbox(app) == {}
    assert row(world, row_id).status == OutboxStatus.PENDING


def test_sent_bookkeeping_is_forgotten_after_thirty_days(app, world, server):
    with time_machine.travel(T0, tick=False):
        queue(world, 2)
        send_outbox(app)
        queue(world, 1)  # still waiting: kept however old
    with world() as s:
        assert jobs.purge_done(s, T0 + timedelta(days=29)) == 0
        assert jobs.purge_done(s, T0 + timedelta(days=31)) == 2
        assert depth(s) == 1


def test_a_waiting_mail_is_sealed_again_with_a_new_secret_key(app, world, db_url, tmp_path):
    """After `reseal`, the old key can leave the fallbacks: the mail still goes out."""
    from hub import create_app
    from tests.conftest import app_config

    [row_id] = queue(world)
    only_new = create_app({**app_config(db_url, tmp_path), "SECRET_KEY": "new"})
    rotating = create_app({**only_new.config, "SECRET_KEY_FALLBACKS": ["test-secret"]})
    try:
        result = rotating.test_cli_runner().invoke(args=["reseal"])
        assert result.exit_code == 0 and "1 waiting mails" in result.output
        with MailServer() as server:
            server.configure(only_new)
            assert send_outbox(only_new) == {"sent": 1}
        assert server.messages[0]["To"] == "sara0@example.org"
    finally:
        for each in (rotating, only_new):
            each.extensions["hub_engine"].dispose()
    assert row(world, row_id).status == OutboxStatus.SENT
