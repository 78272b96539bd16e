"""The conversation rules: who reads and writes, whose turn it is, what stays internal, who is
told, retries that never post twice, and unread counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import func, select

from hub.audit.models import AuditEntry
from hub.db import utcnow
from hub.errors import Conflict, Invalid, NotFound
from hub.messages import services
from hub.messages.models import (
    Conversation,
    ConversationStatus,
    DutyShift,
    Message,
    TopicRoute,
)
from hub.notifications.models import Notification
from tests.checkins.helpers import add_link
from tests.factories import make_user


@pytest.fixture
def people(world):
    """Sara and her caseworker Hanne; another young person, staff, an admin, a mentor outside."""
    with world() as s:
        people = {
            "sara": make_user(s, is_young=True, name="Sara Nielsen", trial_enrolled_at=utcnow()),
            "mads": make_user(s, is_young=True),
            "hanne": make_user(s, support_type="caseworker", name="Hanne Lund"),
            "louise": make_user(s, is_staff=True, name="Louise Holm"),
            "jonas": make_user(s, is_staff=True),
            "admin": make_user(s, is_admin=True),
            "mentor": make_user(s, is_mentor=True),
        }
        add_link(s, people["sara"], people["hanne"], primary=True, may_message=True)
    return people


def start(s, people, *, to=None, **fields):
    values = {"topic": "housing", "body": "Jeg skal flytte og ved ikke hvorhen.", **fields}
    return services.start_conversation(s, actor=people["sara"], supporter_id=people[to].id if to else None, **values)


def notices(s, user) -> list[Notification]:
    return list(s.exec(select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)))


# --- who reads and writes ------------------------------------------------------------------------


def test_who_reads_and_writes_a_conversation_with_the_hub(world, people):
    with world() as s:
        conversation = start(s, people)
        expected = {"sara": True, "mads": False, "hanne": False, "louise": True, "admin": True, "mentor": False}
        for name, allowed in expected.items():
            assert services.can_read(people[name], conversation) is allowed, name
            assert services.can_write(s, people[name], conversation) is allowed, name


def test_who_reads_and_writes_a_conversation_with_a_support_person(world, people):
    with world() as s:
        conversation = start(s, people, to="hanne")
        expected = {"sara": True, "hanne": True, "mads": False, "louise": False, "admin": False, "mentor": False}
        for name, allowed in expected.items():
            assert services.can_read(people[name], conversation) is allowed, name
            assert services.can_write(s, people[name], conversation) is allowed, name


def test_a_former_support_person_reads_but_nobody_writes_there(world, people):
    with world() as s:
        conversation = start(s, people, to="hanne")
        link = services.circle.open_link(s, young_id=people["sara"].id, supporter_id=people["hanne"].id)
        link.ended_at = utcnow()
        s.flush()
        assert services.can_read(people["hanne"], conversation)
        assert not services.can_write(s, people["hanne"], conversation)
        assert not services.can_write(s, people["sara"], conversation)
        with pytest.raises(NotFound):
            services.post_message(s, actor=people["hanne"], conversation=conversation, body="Hej igen")


def test_guessing_an_id_finds_nothing(world, people):
    with world() as s:
        conversation = start(s, people)
        assert services.get_conversation_or_404(s, people["louise"], conversation.id) is conversation
        for name in ("mads", "hanne", "mentor"):
            with pytest.raises(NotFound) as e:
                services.get_conversation_or_404(s, people[name], conversation.id)
            assert e.value.code == "not_found"
        with pytest.raises(NotFound):
            services.get_conversation_or_404(s, people["sara"], conversation.id + 1000)
        with pytest.raises(NotFound):
            services.post_message(s, actor=people["mads"], conversation=conversation, body="Hej")


def test_staff_reading_is_written_to_the_audit_log(world, people):
    with world() as s:
        conversation = start(s, people)
        services.audit_read(s, viewer=people["sara"], conversation=conversation)
        services.audit_read(s, viewer=people["louise"], conversation=conversation)
        entry = s.exec(select(AuditEntry)).one()
        assert (entry.actor_id, entry.young_id, entry.object_id, entry.action) == (
            people["louise"].id,
            people["sara"].id,
            conversation.id,
            "read",
        )


# --- starting --------------------------------------------------------------------------------------


def test_only_young_people_start_conversations(world, people):
    with world() as s:
        with pytest.raises(NotFound):
            services.start_conversation(s, actor=people["louise"], topic="housing", body="Hej")


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"topic": "weather"}, "topic"),
        ({"body": "   \n "}, "empty"),
        ({"body": "x" * (services.BODY_MAX + 1)}, "too_long"),
        ({"to": "louise"}, "not_in_circle"),  # staff are reached as the hub, not one by one
        ({"to": "mentor"}, "not_in_circle"),
        ({"to": "hanne", "urgent": True}, "urgent_to_hub"),
    ],
)
def test_bad_starts_are_answered_clearly(world, people, fields, code):
    with world() as s:
        with pytest.raises(Invalid) as e:
            start(s, people, **fields)
        assert e.value.code == code and e.value.message
        assert s.exec(select(func.count()).select_from(Conversation)).one() == 0


def test_starting_keeps_the_words_and_marks_them_read(world, people):
    with world() as s:
        conversation = start(s, people, body="  Hej.\r\nJeg skal flytte.  ")
        assert conversation.status == ConversationStatus.OPEN
        assert conversation.started_by_id == people["sara"].id and conversation.first_response_at is None
        [message] = services.visible_messages(s, people["sara"], conversation)
        assert message.body == "Hej.\nJeg skal flytte."
        assert services.unread_count(s, people["sara"]) == 0


def test_a_retry_with_the_same_key_never_starts_twice(world, people):
    with world() as s:
        first = start(s, people, client_key="phone-1")
        again = start(s, people, client_key="phone-1")
        assert again.id == first.id
        assert s.exec(select(func.count()).select_from(Message)).one() == 1


def test_a_key_is_only_its_authors(world, people):
    with world() as s:
        start(s, people, client_key="phone-1")
        with pytest.raises(Conflict) as e:
            services.start_conversation(s, actor=people["mads"], topic="job", body="Hej", client_key="phone-1")
        assert e.value.code == "client_key"


# --- turns -----------------------------------------------------------------------------------------


def test_status_turns_and_the_first_response(world, people):
    with world() as s:
        conversation = start(s, people)
        services.post_message(s, actor=people["louise"], conversation=conversation, body="Hej Sara, kom forbi.")
        assert conversation.status == ConversationStatus.WAITING
        answered = conversation.first_response_at
        assert answered is not None

        services.post_message(s, actor=people["sara"], conversation=conversation, body="Tak, det gør jeg.")
        assert conversation.status == ConversationStatus.OPEN
        services.post_message(s, actor=people["jonas"], conversation=conversation, body="Vi ses.")
        assert conversation.status == ConversationStatus.WAITING
        assert conversation.first_response_at == answered  # the first answer counts, not the last


def test_the_support_persons_answer_makes_it_the_young_persons_turn(world, people):
    with world() as s:
        conversation = start(s, people, to="hanne", topic="job")
        services.post_message(s, actor=people["hanne"], conversation=conversation, body="Godt spørgsmål.")
        assert conversation.status == ConversationStatus.WAITING and conversation.first_response_at is not None


def test_a_new_word_reopens_a_closed_conversation(world, people):
    with world() as s:
        conversation = start(s, people)
        conversation.status, conversation.closed_at = ConversationStatus.CLOSED, utcnow()
        services.post_message(s, actor=people["sara"], conversation=conversation, body="Jeg har et spørgsmål mere.")
        assert (conversation.status, conversation.closed_at) == (ConversationStatus.OPEN, None)
        conversation.status, conversation.closed_at = ConversationStatus.CLOSED, utcnow()
        services.post_message(s, actor=people["louise"], conversation=conversation, body="Vi skriver lige igen.")
        assert (conversation.status, conversation.closed_at) == (ConversationStatus.WAITING, None)


def test_answering_an_urgent_message_picks_it_up(world, people):
    with world() as s:
        conversation = start(s, people, topic="feelings", urgent=True)
        services.post_message(s, actor=people["jonas"], conversation=conversation, body="Jeg er her.")
        services.post_message(s, actor=people["louise"], conversation=conversation, body="Også mig.")
        assert conversation.picked_up_by_id == people["jonas"].id and conversation.picked_up_at is not None


def test_a_retry_of_a_reply_never_posts_twice(world, people):
    with world() as s:
        conversation = start(s, people)
        other = start(s, people, topic="money")
        first = services.post_message(s, actor=people["sara"], conversation=conversation, body="Hej", client_key="k")
        again = services.post_message(s, actor=people["sara"], conversation=conversation, body="Hej", client_key="k")
        assert again.id == first.id
        with pytest.raises(Conflict):
            services.post_message(s, actor=people["sara"], conversation=other, body="Hej", client_key="k")
        with pytest.raises(Conflict):
            services.post_message(s, actor=people["louise"], conversation=conversation, body="Hej", client_key="k")
        assert len(services.visible_messages(s, people["sara"], conversation)) == 2


# --- internal notes --------------------------------------------------------------------------------


def test_internal_notes_are_for_staff_only(world, people):
    with world() as s:
        conversation = start(s, people)
        before = conversation.last_message_at
        services.post_message(
            s, actor=people["louise"], conversation=conversation, body="Ring til Hanne først.", internal=True
        )
        assert conversation.status == ConversationStatus.OPEN  # a note is no answer
        assert conversation.first_response_at is None and conversation.last_message_at == before
        assert [m.internal for m in services.visible_messages(s, people["jonas"], conversation)] == [False, True]
        assert [m.internal for m in services.visible_messages(s, people["sara"], conversation)] == [False]
        assert notices(s, people["sara"]) == []


@pytest.mark.parametrize("writer", ["sara", "hanne"])
def test_only_staff_write_internal_notes(world, people, writer):
    with world() as s:
        conversation = start(s, people, to="hanne")
        with pytest.raises(Invalid) as e:
            services.post_message(s, actor=people[writer], conversation=conversation, body="Hemmeligt", internal=True)
        assert e.value.code == "internal"


# --- who is told -----------------------------------------------------------------------------------


def test_a_topic_goes_to_the_staff_who_handle_it(world, people):
    with world() as s:
        s.add(TopicRoute(topic="housing", staff_id=people["louise"].id))
        s.flush()
        conversation = start(s, people)
        assert services.recipients(s, conversation) == [people["louise"]]
        [notice] = notices(s, people["louise"])
        assert "Sara" in notice.title and notice.url == f"/staff/messages/{conversation.id}"
        assert notices(s, people["jonas"]) == []


def test_a_topic_nobody_handles_goes_to_all_staff(world, people):
    with world() as s:
        s.add(TopicRoute(topic="housing", staff_id=people["louise"].id))
        gone = make_user(s, is_staff=True, disabled_at=utcnow())
        s.flush()
        conversation = start(s, people, topic="money")
        assert {p.id for p in services.recipients(s, conversation)} == {
            people["louise"].id,
            people["jonas"].id,
            people["admin"].id,
        }
        assert notices(s, gone) == []


@pytest.mark.clock
def test_urgent_goes_to_staff_on_duty_first(world, people):
    with world() as s:
        now = utcnow()
        s.add(DutyShift(staff_id=people["jonas"].id, since=now - timedelta(hours=1), until=now + timedelta(hours=3)))
        s.add(DutyShift(staff_id=people["louise"].id, since=now - timedelta(hours=5), until=now - timedelta(hours=1)))
        s.add(TopicRoute(topic="feelings", staff_id=people["louise"].id))
        s.flush()
        conversation = start(s, people, topic="feelings", urgent=True)
        assert services.recipients(s, conversation) == [people["jonas"]]
        [notice] = notices(s, people["jonas"])
        assert notice.kind == "message_urgent"


def test_urgent_with_nobody_on_duty_goes_to_all_staff(world, people):
    with world() as s:
        conversation = start(s, people, topic="feelings", urgent=True)
        assert len(services.recipients(s, conversation)) == 3


def test_the_support_person_hears_about_their_conversation(world, people):
    with world() as s:
        conversation = start(s, people, to="hanne", topic="job")
        assert services.recipients(s, conversation) == [people["hanne"]]
        assert notices(s, people["louise"]) == []
        assert notices(s, people["hanne"])[0].url == f"/messages/{conversation.id}"


def test_answers_and_new_words_reach_the_other_side(world, people):
    with world() as s:
        conversation = start(s, people)
        services.post_message(s, actor=people["louise"], conversation=conversation, body="Hej Sara.")
        [answer] = notices(s, people["sara"])
        assert answer.kind == "message_reply" and answer.url == f"/messages/{conversation.id}"

        conversation.assigned_to_id = people["jonas"].id
        services.post_message(s, actor=people["sara"], conversation=conversation, body="Hej igen.")
        assert notices(s, people["jonas"])[-1].kind == "message_new"
        assert len(notices(s, people["louise"])) == 1  # only the start; now it is Jonas's


# --- reading marks ---------------------------------------------------------------------------------


def test_unread_counts_for_the_young_person(world, people):
    with world() as s:
        housing = start(s, people)
        start(s, people, topic="money")
        services.post_message(s, actor=people["louise"], conversation=housing, body="Hej Sara.")
        assert services.unread_count(s, people["sara"]) == 1
        assert services.unread_count(s, people["mads"]) == 0
        services.mark_read(s, user=people["sara"], conversation=housing)
        assert services.unread_count(s, people["sara"]) == 0


def test_unread_counts_for_the_support_person(world, people):
    with world() as s:
        conversation = start(s, people, to="hanne", topic="job")
        assert services.unread_count(s, people["hanne"]) == 1
        services.mark_read(s, user=people["hanne"], conversation=conversation)
        assert services.unread_count(s, people["hanne"]) == 0
        services.post_message(s, actor=people["hanne"], conversation=conversation, body="Godt.")
        services.post_message(s, actor=people["sara"], conversation=conversation, body="Tak.")
        assert services.unread_count(s, people["hanne"]) == 1


def test_seen_by_the_other_side(world, people):
    with world() as s:
        conversation = start(s, people)
        assert services.seen_by_other_side(s, conversation) is None
        services.mark_read(s, user=people["louise"], conversation=conversation)
        assert services.seen_by_other_side(s, conversation) >= conversation.last_message_at
