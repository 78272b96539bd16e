"""Young people write to the hub staff or someone in their circle, read answers as they come,
and see honest promises about when an answer comes."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
import time_machine
from sqlmodel import select

from hub.messages import services
from hub.messages.hours import AARHUS
from hub.messages.models import Conversation, ConversationStatus, CrisisLine, Message, TopicSetting
from hub.messages.text import message_html
from tests.checkins import helpers
from tests.checkins.helpers import notices, text

pytestmark = pytest.mark.usefixtures("english")

# Fixtures shared with the check-ins: Sara and her circle, and a logged-in client per person.
as_user = helpers.as_user
circle_world = helpers.circle_world

FRIDAY_EVENING = datetime(2026, 3, 13, 20, 30, tzinfo=AARHUS)  # the hub closes at 21:00
FRIDAY_NIGHT = datetime(2026, 3, 13, 22, 0, tzinfo=AARHUS)


@pytest.fixture
def sara(circle_world, as_user):
    people = circle_world()
    return people, as_user(people["young"])


def conversations(world, young_id):
    with world() as s:
        return list(s.exec(select(Conversation).where(Conversation.young_id == young_id)))


def write(client, **fields):
    data = {"topic": "housing", "to": "hub", "body": "I have to move out next month", **fields}
    return client.post("/messages/new", data=data)


def thread_id(response) -> int:
    return int(response.headers["Location"].rsplit("/", 1)[1])


def poll_url(page: str) -> str:
    return re.search(r'hx-get="(/messages/\d+/poll[^"]*)"', page).group(1).replace("&amp;", "&")


# --- writing ---------------------------------------------------------------------------------------


def test_write_to_the_hub_about_housing(world, sara):
    people, client = sara
    page = text(client.get("/messages/new"))
    assert page.count('name="topic"') == 8 and "Housing, a place to live" in page
    assert "The staff at Ungehub" in page and "Hanne" in page and 'name="client_key"' in page
    response = write(client)
    assert response.status_code == 303
    [conversation] = conversations(world, people["young"].id)
    assert (conversation.topic, conversation.supporter_id, conversation.status) == ("housing", None, "open")
    assert response.headers["Location"] == f"/messages/{conversation.id}"
    with world() as s:  # nobody handles housing yet: every staff member hears of it
        assert [n.kind for n in notices(s, people["staff"].id)] == ["message_new"]
    body = text(client.get(f"/messages/{conversation.id}"))
    assert "I have to move out next month" in body and "The staff at Ungehub" in body


def test_write_to_someone_in_the_circle(world, sara):
    people, client = sara
    hanne = people["caseworker"]
    response = write(client, to=str(hanne.id), topic="job", body="Can we talk about the job centre?")
    assert response.status_code == 303
    [conversation] = conversations(world, people["young"].id)
    assert conversation.supporter_id == hanne.id
    with world() as s:
        assert [n.kind for n in notices(s, hanne.id)] == ["message_new"]
        assert notices(s, people["staff"].id) == []
    assert "They will answer when they can." in text(client.get(f"/messages/{conversation.id}"))


def test_not_to_someone_outside_the_circle(world, sara):
    people, client = sara
    response = write(client, to=str(people["outside_caseworker"].id))
    assert response.status_code == 422
    assert "Choose someone from your circle, or the hub staff." in text(response)
    assert conversations(world, people["young"].id) == []


@pytest.mark.parametrize(
    "fields,message",
    [
        ({"body": "   "}, "Write a message first."),
        ({"body": "x" * 2001}, "Keep it under 2000 characters."),
        ({"topic": "aliens"}, "Choose what it is about."),
        ({"topic": ""}, "Choose what it is about."),
        ({"to": ""}, "Choose who you want to write to."),
        ({"to": "nobody"}, "Choose someone from your circle, or the hub staff."),
    ],
)
def test_bad_input_is_answered_clearly_and_nothing_is_saved(world, sara, fields, message):
    people, client = sara
    response = write(client, **fields)
    assert response.status_code == 422
    assert message in text(response)
    assert conversations(world, people["young"].id) == []
    # What was written is still there to fix.
    if fields.get("body", "").strip() and len(fields["body"]) > 2000:
        assert "x" * 2001 in text(response)


def test_a_double_tap_or_a_retry_sends_once(world, sara):
    people, client = sara
    page = text(client.get("/messages/new"))
    key = re.search(r'name="client_key" type="hidden" value="([^"]+)"', page).group(1)
    first = write(client, client_key=key)
    again = write(client, client_key=key)
    assert first.headers["Location"] == again.headers["Location"]
    assert len(conversations(world, people["young"].id)) == 1
    with world() as s:
        assert len(s.exec(select(Message)).all()) == 1


def test_each_form_gets_its_own_key(sara):
    _people, client = sara
    keys = [
        re.search(r'name="client_key" type="hidden" value="([^"]+)"', text(client.get("/messages/new"))) for _ in "ab"
    ]
    assert keys[0].group(1) != keys[1].group(1)


def test_htmx_form_goes_to_the_thread(sara):
    _people, client = sara
    response = client.post(
        "/messages/new", data={"topic": "money", "to": "hub", "body": "Hi"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 204 and response.headers["HX-Redirect"].startswith("/messages/")


# --- promises ----------------------------------------------------------------------------------


def test_friday_evening_the_answer_is_promised_for_monday(world, circle_world, as_user):
    people = circle_world()
    with world() as s:
        s.add(TopicSetting(topic="housing", response_hours=4))
    with time_machine.travel(FRIDAY_EVENING, tick=False):
        client = as_user(people["young"])  # logged in on the frozen clock
        promise = text(client.get("/messages/new?topic=housing", headers={"HX-Request": "true"}))
        assert 'id="reply-promise"' in promise and "<html" not in promise
        # Half an hour on Friday, three and a half on Monday from 13:00.
        assert "You can expect an answer by Monday 16 March, 16:30" in promise
        assert "closed" not in promise
        conversation_id = thread_id(write(client))
        assert "You can expect an answer by Monday 16 March, 16:30" in text(client.get(f"/messages/{conversation_id}"))


def test_when_the_hub_is_closed_it_says_when_staff_are_back_and_offers_help_lines(world, circle_world, as_user):
    people = circle_world()
    with world() as s:
        s.add(CrisisLine(name="Headspace chat", phone="33 73 00 00", anonymous=True))
        s.add(CrisisLine(name="Lægevagten", phone="70 11 31 31", anonymous=False))
    with time_machine.travel(FRIDAY_NIGHT, tick=False):
        client = as_user(people["young"])
        page = text(client.get("/messages/new"))
    assert "The hub is closed right now." in page and "Staff are back Monday 16 March, 13:00" in page
    assert "Your message is safe" in page
    assert 'href="tel:33730000"' in page and "Headspace chat" in page
    assert "Lægevagten" not in page  # only the anonymous ones here


def test_a_support_person_answers_when_they_can(world, sara):
    people, client = sara
    page = text(client.get(f"/messages/new?to={people['caseworker'].id}", headers={"HX-Request": "true"}))
    assert "They will answer when they can." in page and "You can expect" not in page


# --- reading ---------------------------------------------------------------------------------------


def test_new_answers_appear_without_a_reload(world, sara):
    people, client = sara
    conversation_id = thread_id(write(client))
    page = text(client.get(f"/messages/{conversation_id}"))
    assert 'hx-trigger="every 10s"' in page
    url = poll_url(page)
    htmx = {"HX-Request": "true"}
    assert client.get(url, headers=htmx).status_code == 204  # nothing new: htmx swaps nothing
    with world() as s:
        conversation = s.get(Conversation, conversation_id)
        services.post_message(s, actor=people["staff"], conversation=conversation, body="We can help. Come by!")
    response = client.get(url, headers=htmx)
    assert response.status_code == 200
    fresh = text(response)
    assert "We can help. Come by!" in fresh and 'id="thread-live"' in fresh and "<html" not in fresh
    assert client.get(poll_url(fresh), headers=htmx).status_code == 204
    # Without htmx the poll address is just the thread.
    assert client.get(url).headers["Location"] == f"/messages/{conversation_id}"


def test_seen_marker_under_my_last_message(world, sara):
    people, client = sara
    conversation_id = thread_id(write(client))
    page = text(client.get(f"/messages/{conversation_id}"))
    assert "Seen" not in page
    with world() as s:
        services.mark_read(s, user=people["staff"], conversation=s.get(Conversation, conversation_id))
    response = client.get(poll_url(page), headers={"HX-Request": "true"})
    assert response.status_code == 200 and "✓ Seen" in text(response)
    assert "✓ Seen" in text(client.get("/messages"))


def test_unread_answers_count_until_read(app, world, sara):
    people, client = sara
    conversation_id = thread_id(write(client))
    assert "Write to us" in text(client.get("/"))
    with world() as s:
        conversation = s.get(Conversation, conversation_id)
        services.post_message(s, actor=people["staff"], conversation=conversation, body="Hi Sara")
        assert services.unread_count(s, people["young"]) == 1
    home = text(client.get("/"))
    assert 'id="home-messages"' in home and "You have 1 new answer" in home
    listing = text(client.get("/messages"))
    assert "msg-row--unread" in listing and "Hi Sara" in listing
    client.get(f"/messages/{conversation_id}")
    with world() as s:
        assert services.unread_count(s, people["young"]) == 0
    with app.test_request_context():
        assert app.jinja_env.globals["unread_messages"](people["young"]) == 0


def test_the_list_puts_closed_conversations_lower(world, sara):
    people, client = sara
    first = thread_id(write(client, body="About my flat"))
    thread_id(write(client, body="About money", topic="money"))
    with world() as s:
        s.get(Conversation, first).status = ConversationStatus.CLOSED
    listing = text(client.get("/messages"))
    assert listing.index("About money") < listing.index("About my flat")
    assert "Closed" in listing


def test_a_closed_conversation_says_so_and_writing_reopens_it(world, sara):
    _people, client = sara
    conversation_id = thread_id(write(client))
    with world() as s:
        s.get(Conversation, conversation_id).status = ConversationStatus.CLOSED
    assert "This conversation is closed." in text(client.get(f"/messages/{conversation_id}"))
    response = client.post(f"/messages/{conversation_id}/reply", data={"body": "It is me again"})
    assert response.status_code == 303
    with world() as s:
        assert s.get(Conversation, conversation_id).status == ConversationStatus.OPEN


def test_an_empty_reply_is_answered_clearly(world, sara):
    _people, client = sara
    conversation_id = thread_id(write(client))
    response = client.post(f"/messages/{conversation_id}/reply", data={"body": ""})
    assert response.status_code == 422 and "Write a message first." in text(response)
    with world() as s:
        assert len(s.exec(select(Message)).all()) == 1


def test_links_are_clickable_and_html_is_shown_as_text(sara):
    _people, client = sara
    body = "<script>alert(1)</script>\nSee https://aarhus.dk/bolig. <b>thanks</b>"
    conversation_id = thread_id(write(client, body=body))
    page = text(client.get(f"/messages/{conversation_id}"))
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;<br>" in page
    assert '<a href="https://aarhus.dk/bolig" rel="noopener noreferrer nofollow">https://aarhus.dk/bolig</a>.' in page
    assert "&lt;b&gt;thanks&lt;/b&gt;" in page


@pytest.mark.parametrize(
    "plain,html",
    [
        ("hi", "hi"),
        ("a\nb", "a<br>\nb"),
        ("(https://x.dk)", '(<a href="https://x.dk" rel="noopener noreferrer nofollow">https://x.dk</a>)'),
        ("javascript:alert(1)", "javascript:alert(1)"),
        ("http://", "http://"),
        ('https://x.dk/"onmouseover="1', '<a href="https://x.dk/" rel="noopener noreferrer nofollow">'),
        ("ftp://x.dk", "ftp://x.dk"),
    ],
)
def test_message_html(plain, html):
    assert html in str(message_html(plain))


# --- who may see it ----------------------------------------------------------------------------


def test_nobody_else_reads_it(world, sara, as_user):
    people, client = sara
    conversation_id = thread_id(write(client))
    for name in ("other_young", "outside_caseworker", "caseworker", "mentor"):
        other = as_user(people[name])
        for path in ("", "/poll?after=0"):
            assert other.get(f"/messages/{conversation_id}{path}").status_code == 404, (name, path)
        assert other.post(f"/messages/{conversation_id}/reply", data={"body": "hi"}).status_code == 404, name
    for guess in (conversation_id + 1, 2147483647, 99999999999):
        assert client.get(f"/messages/{guess}").status_code == 404
    with world() as s:
        assert len(s.exec(select(Message)).all()) == 1


def test_staff_are_sent_to_their_inbox(sara, as_user):
    people, client = sara
    conversation_id = thread_id(write(client))
    staff = as_user(people["staff"])
    assert staff.get(f"/messages/{conversation_id}").headers["Location"] == f"/staff/messages/{conversation_id}"
    assert staff.get("/messages").headers["Location"] == "/staff/messages"
