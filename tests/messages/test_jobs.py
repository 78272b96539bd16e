"""Urgent messages nobody answers are escalated, once per level, on a frozen clock; closed
conversations are deleted after the retention period, audit entries stay."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlmodel import func, select

from hub.accounts.models import User
from hub.audit.models import AuditEntry
from hub.db import job_session, utcnow
from hub.messages import jobs, services
from hub.messages.models import Conversation, ConversationStatus, Message, ReadMark
from hub.notifications.models import Notification
from tests.factories import make_user

MINUTE = timedelta(minutes=1)


@pytest.fixture
def urgent(app, world):
    """Sara sends an urgent message at T; Louise and Jonas are staff, Birgitte is the admin."""
    start = utcnow().replace(microsecond=0)
    with world() as s:
        people = {
            "sara": make_user(s, is_young=True, name="Sara Nielsen"),
            "louise": make_user(s, is_staff=True),
            "jonas": make_user(s, is_staff=True),
            "admin": make_user(s, is_admin=True, is_staff=True),
            "gone": make_user(s, is_staff=True, disabled_at=start),
        }
        with time_machine.travel(start, tick=False):
            conversation = services.start_conversation(
                s, actor=people["sara"], topic="feelings", body="Jeg har det rigtig skidt nu.", urgent=True
            )
        for row in s.exec(select(Notification)):  # what the start told people is not what we test
            s.delete(row)
    return start, conversation.id, {name: user.id for name, user in people.items()}


def escalate(app, at):
    with app.app_context(), time_machine.travel(at, tick=False), job_session() as s:
        return jobs.escalate_urgent(s)


def told(world, kind="message_escalated") -> list[int]:
    with world() as s:
        return sorted(n.user_id for n in s.exec(select(Notification).where(Notification.kind == kind)))


@pytest.mark.clock
def test_nobody_is_told_before_the_minutes_pass(app, world, urgent):
    start, conversation_id, _ = urgent
    assert escalate(app, start + 9 * MINUTE + timedelta(seconds=59)) == 0
    assert told(world) == []
    with world() as s:
        assert s.get(Conversation, conversation_id).escalation_level == 0


def test_all_staff_at_ten_minutes_then_the_admins_at_twenty(app, world, urgent):
    start, conversation_id, ids = urgent
    assert escalate(app, start + 10 * MINUTE) == 1
    assert told(world) == sorted([ids["louise"], ids["jonas"], ids["admin"]])  # not the disabled one
    with world() as s:
        conversation = s.get(Conversation, conversation_id)
        assert (conversation.escalation_level, conversation.escalated_at) == (1, start + 10 * MINUTE)
        notice = s.exec(select(Notification).where(Notification.user_id == ids["louise"])).one()
        assert "Sara" in notice.title and notice.url == f"/staff/messages/{conversation_id}"

    assert escalate(app, start + 19 * MINUTE) == 0
    assert escalate(app, start + 20 * MINUTE) == 1
    assert told(world) == sorted([ids["louise"], ids["jonas"], ids["admin"], ids["admin"]])
    with world() as s:
        assert s.get(Conversation, conversation_id).escalation_level == 2


def test_never_twice(app, world, urgent):
    start, _, ids = urgent
    for minutes in (10, 10, 11, 20, 20, 45):
        escalate(app, start + minutes * MINUTE)
    assert told(world) == sorted([ids["louise"], ids["jonas"], ids["admin"], ids["admin"]])


def test_a_late_run_tells_everyone_once(app, world, urgent):
    """A scheduler that was down catches up both levels, and tells each person once."""
    start, conversation_id, ids = urgent
    assert escalate(app, start + 30 * MINUTE) == 1
    assert told(world) == sorted([ids["louise"], ids["jonas"], ids["admin"]])
    with world() as s:
        assert s.get(Conversation, conversation_id).escalation_level == 2


def test_two_schedulers_never_tell_twice(app, world, urgent):
    """A second process that read the conversation before the first one escalated it sees the
    new level when it locks the row."""
    start, conversation_id, ids = urgent
    with app.app_context(), time_machine.travel(start + 10 * MINUTE, tick=False):
        with job_session() as second:
            stale = second.get(Conversation, conversation_id)  # read early, and held
            assert stale.escalation_level == 0
            second.commit()  # keeps the stale copy (expire_on_commit=False), lets the first one write
            with job_session() as first:
                assert jobs.escalate_urgent(first) == 1
            assert jobs.escalate_urgent(second) == 0
            assert stale.escalation_level == 1
    assert told(world) == sorted([ids["louise"], ids["jonas"], ids["admin"]])


@pytest.mark.parametrize("how", ["answered", "picked_up", "closed"])
def test_nothing_once_someone_has_it(app, world, urgent, how):
    start, conversation_id, ids = urgent
    with world() as s:
        conversation = s.get(Conversation, conversation_id)
        if how == "answered":
            louise = s.get(User, ids["louise"])
            services.post_message(s, actor=louise, conversation=conversation, body="Jeg er her. Jeg ringer nu.")
        elif how == "picked_up":
            conversation.picked_up_by_id, conversation.picked_up_at = ids["jonas"], start + MINUTE
        else:
            conversation.status, conversation.closed_at = ConversationStatus.CLOSED, start + MINUTE
    assert escalate(app, start + 25 * MINUTE) == 0
    assert told(world) == []


def test_only_urgent_messages_to_the_hub_are_escalated(app, world, urgent):
    start, conversation_id, ids = urgent
    with world() as s:
        s.get(Conversation, conversation_id).urgent = False
    assert escalate(app, start + 25 * MINUTE) == 0


def test_the_minutes_are_configurable(app, world, urgent):
    start, _, ids = urgent
    app.config["MESSAGE_ESCALATE_MINUTES"] = 3
    assert escalate(app, start + 2 * MINUTE) == 0
    assert escalate(app, start + 3 * MINUTE) == 1
    assert escalate(app, start + 6 * MINUTE) == 1
    assert told(world).count(ids["admin"]) == 2


# --- retention -----------------------------------------------------------------------------------


@pytest.mark.clock
def test_retention_deletes_only_conversations_closed_long_ago(app, world):
    now = utcnow()
    with world() as s:
        sara = make_user(s, is_young=True)
        staff = make_user(s, is_staff=True)
        kept = {}
        for name, status, closed_days_ago in [
            ("old", ConversationStatus.CLOSED, 366),
            ("recent", ConversationStatus.CLOSED, 364),
            ("reopened", ConversationStatus.OPEN, None),
            ("waiting", ConversationStatus.WAITING, None),
        ]:
            conversation = services.start_conversation(s, actor=sara, topic="housing", body=f"Om {name}")
            services.post_message(s, actor=staff, conversation=conversation, body="Svar")
            services.audit_read(s, viewer=staff, conversation=conversation)
            conversation.status = status
            conversation.closed_at = now - timedelta(days=closed_days_ago) if closed_days_ago else None
            conversation.created_at = now - timedelta(days=400)  # age alone is no reason to delete
            kept[name] = conversation.id
    with app.app_context(), job_session() as s:
        assert jobs.delete_closed_conversations(s, now) == 1
    with app.app_context(), job_session() as s:
        assert jobs.delete_closed_conversations(s, now) == 0
    with world() as s:
        left = set(s.exec(select(Conversation.id)).all())
        assert left == {kept["recent"], kept["reopened"], kept["waiting"]}
        old = kept["old"]
        assert s.exec(select(func.count()).select_from(Message).where(Message.conversation_id == old)).one() == 0
        assert s.exec(select(func.count()).select_from(ReadMark).where(ReadMark.conversation_id == old)).one() == 0
        assert s.exec(select(AuditEntry).where(AuditEntry.object_id == old)).one().young_id == sara.id


@pytest.mark.clock
def test_the_retention_period_is_configurable(app, world):
    now = utcnow()
    with world() as s:
        sara = make_user(s, is_young=True)
        conversation = services.start_conversation(s, actor=sara, topic="money", body="Hej")
        conversation.status, conversation.closed_at = ConversationStatus.CLOSED, now - timedelta(days=31)
    app.config["MESSAGE_RETENTION_DAYS"] = 30
    with app.app_context(), job_session() as s:
        assert jobs.delete_closed_conversations(s, now) == 1


def test_the_jobs_are_scheduled():
    from hub.scheduler.runner import JOBS

    runs = {job.run: job.every_seconds for job in JOBS}
    assert runs[jobs.escalate_urgent] == 60
    assert runs[jobs.delete_closed_conversations] == 6 * 3600
