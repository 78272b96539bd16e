"""The staff inbox: tabs, filters, urgent first, one conversation with notes and audit, and
what staff do to it (answer, canned replies, assign, pick up, close, reopen)."""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import requests
from sqlmodel import func, select

from hub.audit.models import AuditEntry
from hub.db import job_session, utcnow
from hub.errors import Conflict, Invalid, NotFound
from hub.messages import inbox, services
from hub.messages.models import CannedReply, Conversation, ConversationStatus, Message
from hub.notifications.models import Notification
from hub.support.models import SupportLink
from tests.conftest import pass_second_step_over_http
from tests.factories import DEFAULT_PASSWORD, make_user

pytestmark = pytest.mark.usefixtures("english")

HX = {"HX-Request": "true"}


def converse(s, young, *, topic="housing", body="Jeg skal flytte", urgent=False, ago=timedelta(0), **fields):
    """A hub conversation the young person started `ago`, with their one message."""
    at = utcnow() - ago
    conversation = Conversation(
        young_id=young.id,
        topic=topic,
        urgent=urgent,
        started_by_id=young.id,
        created_at=at,
        last_message_at=at,
        **fields,
    )
    s.add(conversation)
    s.flush()
    s.add(Message(conversation_id=conversation.id, author_id=young.id, body=body, created_at=at))
    s.flush()
    return conversation


def tab_ids(s, viewer, tab, **filters) -> list[int]:
    rows = inbox.inbox_rows(s, viewer=viewer, filters=inbox.Filters(tab=tab, **filters))
    return [row.conversation.id for row in rows]


# --- the list ------------------------------------------------------------------------------------


def test_each_tab_holds_its_conversations_and_never_a_support_persons(world):
    with world() as s:
        me, colleague = make_user(s, is_staff=True), make_user(s, is_staff=True)
        young, supporter = make_user(s, is_young=True), make_user(s, support_type="caseworker")
        new = converse(s, young)
        mine = converse(s, young, assigned_to_id=me.id)
        theirs = converse(s, young, assigned_to_id=colleague.id)
        waiting = converse(s, young, status=ConversationStatus.WAITING)
        closed = converse(s, young, status=ConversationStatus.CLOSED, closed_at=utcnow())
        converse(s, young, supporter_id=supporter.id)
        assert tab_ids(s, me, "new") == [new.id]
        assert tab_ids(s, me, "mine") == [mine.id]
        assert tab_ids(s, colleague, "mine") == [theirs.id]
        assert tab_ids(s, me, "waiting") == [waiting.id]
        assert tab_ids(s, me, "closed") == [closed.id]
        counts = inbox.tab_counts(s, viewer=me, filters=inbox.Filters())
        assert counts == {"new": 1, "mine": 1, "waiting": 1, "closed": 1}


def test_urgent_ones_come_first_and_say_so(client, auth, world):
    with world() as s:
        me, young = make_user(s, is_staff=True), make_user(s, is_young=True, name="Sofie Hansen")
        calm = converse(s, young, ago=timedelta(hours=5), body="Kan I hjælpe med en ansøgning?")
        urgent = converse(s, young, urgent=True, ago=timedelta(minutes=2), body="Jeg er bange")
        assert tab_ids(s, me, "new") == [urgent.id, calm.id]
    auth.login(me)
    page = client.get("/staff/messages").get_data(as_text=True)
    assert page.index("Jeg er bange") < page.index("Kan I hjælpe med en ansøgning?")
    assert "Urgent: nobody has it yet" in page
    assert "Sofie Hansen" in page
    assert "Waiting 5 hours" in page


def test_topic_filter_and_my_topics(client, auth, world):
    from hub.messages.models import TopicRoute

    with world() as s:
        me, young = make_user(s, is_staff=True), make_user(s, is_young=True)
        housing = converse(s, young, topic="housing", body="Om bolig")
        money = converse(s, young, topic="money", body="Om penge")
        s.add(TopicRoute(topic="money", staff_id=me.id))
        s.flush()
        assert tab_ids(s, me, "new", topic="housing") == [housing.id]
        assert tab_ids(s, me, "new", my_topics=True) == [money.id]
    auth.login(me)
    page = client.get("/staff/messages?topic=housing").get_data(as_text=True)
    assert "Om bolig" in page and "Om penge" not in page
    page = client.get("/staff/messages?mine=1").get_data(as_text=True)
    assert "Om penge" in page and "Om bolig" not in page
    assert client.get("/staff/messages?tab=nonsense&topic=<script>").status_code == 200  # falls back, no error


def test_a_row_shows_the_latest_words_and_what_is_unread_for_me(client, auth, world):
    with world() as s:
        me, young = make_user(s, is_staff=True), make_user(s, is_young=True)
        conversation = converse(s, young, body="Første besked")
        s.add(Message(conversation_id=conversation.id, author_id=young.id, body="Anden  besked\nmed linjeskift"))
        s.flush()
        (row,) = inbox.inbox_rows(s, viewer=me, filters=inbox.Filters())
        assert row.preview == "Anden besked med linjeskift"
        assert row.unread
    auth.login(me)
    client.get(f"/staff/messages/{conversation.id}")
    with world() as s:
        (row,) = inbox.inbox_rows(s, viewer=s.get(type(me), me.id), filters=inbox.Filters())
        assert not row.unread


def test_the_list_refreshes_itself_as_a_fragment(client, login_as):
    login_as("staff")
    page = client.get("/staff/messages?tab=waiting").get_data(as_text=True)
    assert 'hx-trigger="every 30s"' in page
    fragment = client.get("/staff/messages?tab=waiting", headers=HX).get_data(as_text=True)
    assert fragment.lstrip().startswith("{#") is False and 'id="inbox"' in fragment and "<html" not in fragment


# --- one conversation -------------------------------------------------------------------------------


def test_reading_a_conversation_is_audited_once_per_visit(client, auth, world):
    with world() as s:
        me, young = make_user(s, is_staff=True), make_user(s, is_young=True, name="Ali Nielsen")
        conversation = converse(s, young)
    auth.login(me)
    page = client.get(f"/staff/messages/{conversation.id}").get_data(as_text=True)
    assert "Jeg skal flytte" in page and f"/staff/support/people/{young.id}" in page
    client.get(f"/staff/messages/{conversation.id}")
    with world() as s:
        entries = s.exec(select(AuditEntry).where(AuditEntry.object_id == conversation.id)).all()
    assert [(e.actor_id, e.young_id, e.area, e.action) for e in entries] == [(me.id, young.id, "messages", "read")]


def test_a_conversation_with_a_support_person_is_not_the_staffs(client, login_as, world):
    with world() as s:
        young, supporter = make_user(s, is_young=True), make_user(s, support_type="caseworker")
        conversation = converse(s, young, supporter_id=supporter.id)
    login_as("admin")
    for method, path in [
        ("GET", ""),
        ("POST", "/reply"),
        ("POST", "/assign"),
        ("POST", "/close"),
        ("POST", "/pick-up"),
    ]:
        response = client.open(f"/staff/messages/{conversation.id}{path}", method=method, data={"body": "Hej"})
        assert response.status_code == 404, path
    with world() as s:
        assert s.exec(select(func.count()).select_from(AuditEntry)).one() == 0


def test_an_internal_note_is_for_staff_only(client, auth, world):
    with world() as s:
        me, young = make_user(s, is_staff=True), make_user(s, is_young=True)
        conversation = converse(s, young)
    auth.login(me)
    response = client.post(
        f"/staff/messages/{conversation.id}/reply", data={"body": "Ring til boligsocialt team", "internal": "y"}
    )
    assert response.status_code == 303
    page = client.get(f"/staff/messages/{conversation.id}").get_data(as_text=True)
    assert "Ring til boligsocialt team" in page and "only staff see this" in page
    with world() as s:
        found = s.get(Conversation, conversation.id)
        assert found.status == ConversationStatus.OPEN and found.first_response_at is None  # a note is no answer
        assert [m.body for m in services.visible_messages(s, s.get(type(young), young.id), found)] == [
            "Jeg skal flytte"
        ]
    auth.logout()
    auth.login(young)
    thread = client.get(f"/messages/{conversation.id}").get_data(as_text=True)
    assert "Jeg skal flytte" in thread and "Ring til boligsocialt team" not in thread


def test_an_answer_is_sent_and_tells_the_young_person(client, auth, world):
    with world() as s:
        me, young = make_user(s, is_staff=True), make_user(s, is_young=True)
        conversation = converse(s, young)
    auth.login(me)
    response = client.post(f"/staff/messages/{conversation.id}/reply", data={"body": "Vi ringer i morgen"}, headers=HX)
    assert response.status_code == 204 and response.headers["HX-Redirect"] == f"/staff/messages/{conversation.id}"
    with world() as s:
        found = s.get(Conversation, conversation.id)
        assert found.status == ConversationStatus.WAITING and found.first_response_at is not None
        assert s.exec(select(Notification).where(Notification.user_id == young.id)).first() is not None


@pytest.mark.parametrize("body", ["", "   ", "x" * (services.BODY_MAX + 1)])
def test_an_empty_or_too_long_answer_is_422_and_kept(client, auth, world, body):
    with world() as s:
        me, young = make_user(s, is_staff=True), make_user(s, is_young=True)
        conversation = converse(s, young)
    auth.login(me)
    response = client.post(f"/staff/messages/{conversation.id}/reply", data={"body": body})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Write a message first." in page or "Keep it under 2000 characters." in page
    if body.strip():
        assert body in page  # nothing written is lost
    with world() as s:
        assert s.exec(select(func.count()).select_from(Message)).one() == 1


def test_a_canned_reply_fills_the_box_with_and_without_htmx(client, auth, world):
    with world() as s:
        me, young = make_user(s, is_staff=True), make_user(s, is_young=True, name="Mads Berg")
        conversation = converse(s, young, topic="money")
        canned = CannedReply(title="Tak", body="Hej {name}, tak for din besked.", topic="money")
        elsewhere = CannedReply(title="Bolig", body="Om bolig", topic="housing")
        s.add_all([canned, elsewhere])
        s.flush()
    auth.login(me)
    page = client.get(f"/staff/messages/{conversation.id}").get_data(as_text=True)
    assert "Tak" in page and "Bolig" not in page  # only canned replies for this topic (or any)
    url = f"/staff/messages/{conversation.id}/canned/{canned.id}"
    fragment = client.get(url + "?body=Godt+spørgsmål", headers=HX).get_data(as_text=True)
    assert 'id="reply-form"' in fragment and "<html" not in fragment
    assert "Godt spørgsmål\n\nHej Mads, tak for din besked." in fragment
    full = client.get(url)
    assert full.status_code == 200 and "<html" in full.get_data(as_text=True)
    assert "Hej Mads, tak for din besked." in full.get_data(as_text=True)
    with world() as s:
        assert s.exec(select(func.count()).select_from(Message)).one() == 1  # nothing is sent
    assert client.get(f"/staff/messages/{conversation.id}/canned/99999").status_code == 404


# --- assign, pick up, close, reopen ---------------------------------------------------------------------


def test_assigning_tells_the_colleague_and_checks_they_are_staff(client, auth, world):
    with world() as s:
        me, colleague = make_user(s, is_staff=True), make_user(s, is_staff=True, name="Hanne Holm")
        young = make_user(s, is_young=True)
        conversation = converse(s, young)
    auth.login(me)
    response = client.post(f"/staff/messages/{conversation.id}/assign", data={"assignee": str(colleague.id)})
    assert response.status_code == 303
    assert client.post(f"/staff/messages/{conversation.id}/assign", data={"assignee": str(young.id)}).status_code == 422
    assert client.post(f"/staff/messages/{conversation.id}/assign", data={"assignee": "x"}).status_code == 422
    with world() as s:
        assert s.get(Conversation, conversation.id).assigned_to_id == colleague.id
        told = s.exec(select(Notification).where(Notification.user_id == colleague.id)).all()
        assert [n.kind for n in told] == ["message_assigned"]
    client.post(f"/staff/messages/{conversation.id}/assign", data={"assignee": "me"})
    with world() as s:
        assert s.get(Conversation, conversation.id).assigned_to_id == me.id
    client.post(f"/staff/messages/{conversation.id}/assign", data={"assignee": ""})
    with world() as s:
        assert s.get(Conversation, conversation.id).assigned_to_id is None


def test_picking_up_an_urgent_message_once(world):
    with world() as s:
        first, second = make_user(s, is_staff=True, name="Første Person"), make_user(s, is_staff=True)
        young = make_user(s, is_young=True)
        urgent, calm = converse(s, young, urgent=True), converse(s, young)
        inbox.pick_up(s, actor=first, conversation_id=urgent.id)
        inbox.pick_up(s, actor=first, conversation_id=urgent.id)  # a double tap changes nothing
        with pytest.raises(Conflict) as taken:
            inbox.pick_up(s, actor=second, conversation_id=urgent.id)
        assert taken.value.code == "taken" and "Første Person" in taken.value.message
        assert urgent.picked_up_by_id == first.id and urgent.assigned_to_id == first.id
        with pytest.raises(Conflict) as not_urgent:
            inbox.pick_up(s, actor=first, conversation_id=calm.id)
        assert not_urgent.value.code == "not_urgent"
        with pytest.raises(Invalid):
            inbox.assign_conversation(s, actor=first, conversation_id=calm.id, assignee_id=young.id)
        with pytest.raises(NotFound):
            inbox.pick_up(s, actor=first, conversation_id=99999)


def test_a_second_pick_up_says_who_has_it(client, auth, world):
    with world() as s:
        first, second = make_user(s, is_staff=True, name="Hanne Holm"), make_user(s, is_staff=True)
        conversation = converse(s, make_user(s, is_young=True), urgent=True)
        inbox.pick_up(s, actor=first, conversation_id=conversation.id)
    auth.login(second)
    response = client.post(f"/staff/messages/{conversation.id}/pick-up")
    assert response.status_code == 409 and "Hanne Holm already has it." in response.get_data(as_text=True)


CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _logged_in(app, base: str, email: str) -> tuple[requests.Session, str]:
    session = requests.Session()
    token = CSRF.search(session.get(base + "/login", timeout=30).text).group(1)
    response = session.post(
        base + "/login",
        data={"csrf_token": token, "email": email, "password": DEFAULT_PASSWORD},
        allow_redirects=False,
        timeout=30,
    )
    assert response.status_code == 303, response.status_code
    pass_second_step_over_http(app, session, base, email)
    return session, CSRF.search(session.get(base + "/staff/messages", timeout=30).text).group(1)


def test_two_staff_picking_up_at_once_one_wins(app, live_server):
    with app.app_context(), job_session() as s:
        staff = [make_user(s, is_staff=True) for _ in range(3)]
        young = make_user(s, is_young=True)
        conversations = [converse(s, young, urgent=True).id for _ in range(3)]
    phones = [_logged_in(app, live_server.url, person.email) for person in staff]
    for conversation_id in conversations:
        start = threading.Barrier(len(phones))

        def tap(phone, conversation_id=conversation_id, start=start):
            session, token = phone
            start.wait()
            url = f"{live_server.url}/staff/messages/{conversation_id}/pick-up"
            return session.post(url, data={"csrf_token": token}, allow_redirects=False, timeout=60).status_code

        with ThreadPoolExecutor(len(phones)) as pool:
            statuses = sorted(pool.map(tap, phones))
        assert statuses == [303, 409, 409]
        with app.app_context(), job_session() as s:
            found = s.get(Conversation, conversation_id)
            assert found.picked_up_by_id in {person.id for person in staff}
            assert found.assigned_to_id == found.picked_up_by_id


def test_close_and_reopen_tell_nobody(client, auth, world):
    with world() as s:
        me, young = make_user(s, is_staff=True), make_user(s, is_young=True)
        conversation = converse(s, young)
        before = s.exec(select(func.count()).select_from(Notification)).one()
    auth.login(me)
    assert client.post(f"/staff/messages/{conversation.id}/close").status_code == 303
    with world() as s:
        found = s.get(Conversation, conversation.id)
        assert found.status == ConversationStatus.CLOSED and found.closed_at is not None
        assert tab_ids(s, me, "closed") == [conversation.id]
    assert client.post(f"/staff/messages/{conversation.id}/reopen").status_code == 303
    with world() as s:
        found = s.get(Conversation, conversation.id)
        assert found.status == ConversationStatus.OPEN and found.closed_at is None
        assert s.exec(select(func.count()).select_from(Notification)).one() == before


# --- the home card, and who may come in -----------------------------------------------------------------


def test_the_home_card_puts_urgent_first(client, auth, world):
    with world() as s:
        me, young = make_user(s, is_staff=True), make_user(s, is_young=True, name="Nora Lund")
        converse(s, young, ago=timedelta(hours=3))
        converse(s, young, urgent=True)
        converse(s, young, assigned_to_id=me.id)
    auth.login(me)
    page = client.get("/").get_data(as_text=True)
    card = page[page.index('id="home-messages"') :]
    assert card.index("Urgent: Nora Lund needs help now") < card.index("new conversations")
    assert "2 new conversations" in card and "1 waiting for you" in card
    assert "Waited longest: Nora Lund, 3 hours" in card


@pytest.mark.parametrize("role", ["young", "support", "mentor"])
def test_only_staff_come_in(client, login_as, world, role):
    with world() as s:
        conversation = converse(s, make_user(s, is_young=True))
    login_as(role)
    assert client.get("/staff/messages").status_code == 403
    assert client.get(f"/staff/messages/{conversation.id}").status_code == 403
    assert client.post(f"/staff/messages/{conversation.id}/reply", data={"body": "Hej"}).status_code == 403


def test_an_ended_circle_does_not_open_the_staff_inbox(world):
    """A support person's conversation stays out of the inbox even after the link ends."""
    with world() as s:
        me, young = make_user(s, is_staff=True), make_user(s, is_young=True)
        supporter = make_user(s, support_type="caseworker")
        s.add(SupportLink(young_id=young.id, supporter_id=supporter.id, ended_at=utcnow()))
        converse(s, young, supporter_id=supporter.id)
        assert inbox.tab_counts(s, viewer=me, filters=inbox.Filters()) == dict.fromkeys(inbox.TABS, 0)
