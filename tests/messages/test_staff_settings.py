"""What staff set up: who handles each topic and how soon, opening hours, help lines, canned
replies, and duty shifts that steer urgent messages."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from sqlmodel import func, select

from hub.db import utcnow
from hub.errors import Invalid
from hub.messages import hours, services, settings
from hub.messages.models import CannedReply, Conversation, CrisisLine, DutyShift, OpeningHours, Topic, TopicRoute
from tests.factories import make_user

pytestmark = pytest.mark.usefixtures("english")

TOPICS = [t.value for t in Topic]


def settings_form(**overrides) -> dict:
    data = {f"topic_{topic}-norm": "24" for topic in TOPICS}
    for day in range(7):
        if day < 5:
            data |= {f"day_{day}-opens": "13:00", f"day_{day}-closes": "21:00"}
        else:
            data[f"day_{day}-closed"] = "y"
    data.update(overrides)
    return data


def test_topics_and_opening_hours_are_saved(client, auth, world):
    with world() as s:
        me, colleague = make_user(s, is_staff=True), make_user(s, is_staff=True)
    auth.login(me)
    assert client.get("/staff/messages/settings").status_code == 200
    form = settings_form(
        **{"topic_housing-norm": "4", "day_5-closed": "", "day_5-opens": "10:00", "day_5-closes": "14:00"}
    )
    form["topic_housing-staff"] = [str(me.id), str(colleague.id)]
    response = client.post("/staff/messages/settings", data=form)
    assert response.status_code == 303
    with world() as s:
        assert hours.response_norms(s)["housing"] == 4
        assert settings.topic_routes(s)["housing"] == {me.id, colleague.id}
        assert [p.id for p in services.topic_staff(s, "housing")] == sorted([me.id, colleague.id])
        week = hours.opening_hours(s)
        assert week[5] == (time(10), time(14)) and week[6] is None and week[0] == (time(13), time(21))
    page = client.get("/staff/messages/settings").get_data(as_text=True)
    assert 'value="4"' in page and 'value="10:00"' in page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("topic_money-norm", "0", "Write a number of hours from 1 to 168."),
        ("topic_money-norm", "169", "Write a number of hours from 1 to 168."),
        ("topic_money-norm", "mange", "Write a whole number, like 12."),
        ("day_0-closes", "12:00", "It must open before it closes."),
        ("day_1-opens", "", "Write when it opens and closes, or mark the day as closed."),
        ("day_2-opens", "25:99", "Not a valid time value."),
    ],
)
def test_wrong_settings_are_422_and_nothing_is_saved(client, login_as, world, field, value, message):
    login_as("staff")
    response = client.post("/staff/messages/settings", data=settings_form(**{field: value}))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    with world() as s:
        assert s.exec(select(func.count()).select_from(OpeningHours)).one() == 0


def test_only_staff_are_routed_a_topic(world):
    with world() as s:
        me, young = make_user(s, is_staff=True), make_user(s, is_young=True)
        with pytest.raises(Invalid) as error:
            settings.save_topics(s, actor=me, routes={"job": {young.id}}, norms={"job": 24})
        # In the hub's language (Danish) when no request says otherwise.
        assert error.value.errors == {"staff-job": "Vælg blandt medarbejderne i hubben."}
        settings.save_topics(s, actor=me, routes={"job": {me.id}}, norms={"job": 12})
        settings.save_topics(s, actor=me, routes={"job": set()}, norms={"job": 12})
        assert s.exec(select(TopicRoute)).all() == []


# --- help lines ------------------------------------------------------------------------------------


def line_form(**overrides) -> dict:
    data = {"name": "Natteravnene", "phone": "+45 70 20 12 01", "description": "Nogen at tale med", "position": "3"}
    data |= {"always_open": "y", "active": "y"}
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_a_help_line_is_added_and_changed(client, login_as, world):
    login_as("staff")
    assert client.get("/staff/messages/crisis-lines/new").status_code == 200
    assert client.post("/staff/messages/crisis-lines/new", data=line_form(anonymous="y")).status_code == 303
    with world() as s:
        line = s.exec(select(CrisisLine).where(CrisisLine.name == "Natteravnene")).one()
        assert (line.phone, line.anonymous, line.always_open, line.position) == ("+45 70 20 12 01", True, True, 3)
    overnight = line_form(always_open=None, opens="22:00", closes="06:00", active=None)
    assert client.post(f"/staff/messages/crisis-lines/{line.id}", data=overnight).status_code == 303
    with world() as s:
        line = s.get(CrisisLine, line.id)
        assert (line.opens, line.closes, line.active, line.anonymous) == (time(22), time(6), False, False)
        assert hours.line_is_open(line, datetime(2026, 11, 23, 23, 30, tzinfo=UTC))  # 00:30 in Aarhus
    page = client.get("/staff/messages/crisis-lines").get_data(as_text=True)
    assert "Natteravnene" in page and "22:00–06:00" in page and "Hidden" in page
    assert client.get("/staff/messages/crisis-lines/99999").status_code == 404


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"name": ""}, "Write the name of the line."),
        ({"phone": "ring 112"}, "Use only digits, spaces and a + at the start."),
        ({"phone": "70+20"}, "Use only digits, spaces and a + at the start."),
        ({"phone": ""}, "Write the phone number."),
        ({"always_open": None}, "Write when the line opens and closes, or mark it as always open."),
        ({"always_open": None, "opens": "10:00", "closes": "10:00"}, "Opening and closing cannot be the same time."),
        ({"position": "først"}, "Write a whole number, like 12."),
        ({"description": "x" * 301}, "Keep it under 300 characters."),
    ],
)
def test_a_wrong_help_line_is_422(client, login_as, world, overrides, message):
    login_as("staff")
    response = client.post("/staff/messages/crisis-lines/new", data=line_form(**overrides))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    with world() as s:
        assert s.exec(select(CrisisLine).where(CrisisLine.name == "Natteravnene")).first() is None


# --- canned replies ----------------------------------------------------------------------------------


def test_canned_replies_are_written_changed_and_deleted(client, login_as, world):
    login_as("staff")
    response = client.post("/staff/messages/canned/new", data={"title": "Tak", "body": "Tak, {name}!", "topic": ""})
    assert response.status_code == 303
    with world() as s:
        reply = s.exec(select(CannedReply)).one()
        assert reply.topic is None
    response = client.post(
        f"/staff/messages/canned/{reply.id}", data={"title": "Bolig", "body": "Om bolig", "topic": "housing"}
    )
    assert response.status_code == 303
    assert "Bolig" in client.get("/staff/messages/canned").get_data(as_text=True)
    with world() as s:
        assert s.get(CannedReply, reply.id).topic == "housing"
    bad = client.post("/staff/messages/canned/new", data={"title": "", "body": "", "topic": "weather"})
    assert bad.status_code == 422
    assert "Give it a short title." in bad.get_data(as_text=True)
    assert client.post(f"/staff/messages/canned/{reply.id}/delete").status_code == 303
    assert client.post(f"/staff/messages/canned/{reply.id}/delete").status_code == 404
    with world() as s:
        assert s.exec(select(CannedReply)).all() == []


# --- duty -------------------------------------------------------------------------------------------


@pytest.mark.clock
def test_duty_steers_who_hears_of_an_urgent_message_first(client, auth, world):
    with world() as s:
        me, colleague = make_user(s, is_staff=True, name="Vagt Person"), make_user(s, is_staff=True)
        young = make_user(s, is_young=True)
        conversation = Conversation(young_id=young.id, topic="feelings", urgent=True, started_by_id=young.id)
        s.add(conversation)
        s.flush()
        assert {p.id for p in services.recipients(s, conversation)} == {me.id, colleague.id}
    auth.login(me)
    assert client.post("/staff/messages/duty", data={"hours": "2"}).status_code == 303
    assert "Vagt Person" in client.get("/staff/messages").get_data(as_text=True)
    with world() as s:
        found = s.get(Conversation, conversation.id)
        assert [p.id for p in services.recipients(s, found)] == [me.id]
        assert [p.id for p in services.staff_on_duty(s, utcnow() + timedelta(hours=3))] == []
    assert client.post("/staff/messages/duty", data={"hours": "off"}).status_code == 303
    with world() as s:
        assert {p.id for p in services.recipients(s, s.get(Conversation, conversation.id))} == {me.id, colleague.id}


@pytest.mark.parametrize("choice", ["", "0", "13", "many"])
def test_a_wrong_duty_choice_is_422(client, login_as, world, choice):
    login_as("staff")
    response = client.post("/staff/messages/duty", data={"hours": choice})
    assert response.status_code == 422
    assert "Choose from 1 to 12 hours." in response.get_data(as_text=True)
    with world() as s:
        assert s.exec(select(DutyShift)).all() == []


@pytest.mark.clock
def test_on_duty_until_closing_time_today(world):
    monday_afternoon = datetime(2026, 11, 23, 14, 0, tzinfo=hours.AARHUS)
    with world() as s:
        me = make_user(s, is_staff=True)
        shift = settings.go_on_duty(s, actor=me, now=monday_afternoon)
        assert shift.until == datetime(2026, 11, 23, 21, 0, tzinfo=hours.AARHUS)
        again = settings.go_on_duty(s, actor=me, hours=1, now=monday_afternoon + timedelta(minutes=5))
        assert shift.until == monday_afternoon + timedelta(minutes=5)  # the earlier shift ends
        assert settings.current_shift(s, me, monday_afternoon + timedelta(minutes=10)).id == again.id
        with pytest.raises(Invalid) as closed:
            settings.go_on_duty(s, actor=me, now=datetime(2026, 11, 28, 14, 0, tzinfo=hours.AARHUS))  # Saturday
        assert closed.value.code == "hub_closed"
