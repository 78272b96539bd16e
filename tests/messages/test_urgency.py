"""Urgent help says one true thing: who is told and how fast, worked out from the duty roster and
the opening hours, the same on the form and on the receipt; and staff see an urgent message on
its own clock (minutes waited, when it escalates), never the topic's reply norm."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
import time_machine

from hub.messages import inbox, jobs, services, urgency
from hub.messages.hours import AARHUS
from hub.messages.models import Conversation, CrisisLine, DutyShift, TopicSetting
from hub.messages.urgency import Route
from tests.checkins import helpers
from tests.factories import make_user

pytestmark = pytest.mark.usefixtures("english")

as_user = helpers.as_user

WEDNESDAY_AFTERNOON = datetime(2026, 3, 11, 15, 0, tzinfo=AARHUS)  # open 13-21 on weekdays
WEDNESDAY_LATE = datetime(2026, 3, 11, 22, 0, tzinfo=AARHUS)  # closed since 21
SATURDAY_NIGHT = datetime(2026, 3, 14, 23, 0, tzinfo=AARHUS)  # closed until Monday 13:00
MONDAY_OPENING = datetime(2026, 3, 16, 13, 0, tzinfo=AARHUS)
MINUTE = timedelta(minutes=1)

ON_DUTY = "is on duty and gets a notification at once."
ALL_STAFF = "Nobody is on duty right now, so all the staff get a notification at once."
CLOSED = "The hub is closed and nobody is on duty."
STATEMENTS = {"on_duty": ON_DUTY, "all_staff": ALL_STAFF, "closed": CLOSED}


@pytest.fixture
def hub(world):
    """Sara, young; Louise and Jonas, staff; Birgitte, the admin; a help line open all night."""
    with world() as s:
        people = {
            "sara": make_user(s, is_young=True, name="Sara Nielsen", preferred_name="Sara"),
            "louise": make_user(s, is_staff=True, name="Louise Holm", preferred_name="Louise"),
            "jonas": make_user(s, is_staff=True, name="Jonas Berg", preferred_name="Jonas"),
            "admin": make_user(s, is_admin=True, is_staff=True, name="Birgitte Admin"),
        }
        s.add(CrisisLine(name="Livslinien", phone="70 201 201", anonymous=True, position=1))
        s.add(TopicSetting(topic="feelings", response_hours=24))
    return people


def on_duty(world, person, since: datetime, until: datetime) -> None:
    with world() as s:
        s.add(DutyShift(staff_id=person.id, since=since, until=until))


def route_at(app, world, at: datetime):
    with world() as s:
        return urgency.urgent_route(s, at, 10)


def text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def statement(page: str) -> str:
    """The one statement of who is told, as the person reads it (tags and spacing gone)."""
    found = re.findall(r'id="urgent-who">\s*<p>(.*?)</p>', page)
    assert len(found) == 1, f"expected exactly one statement, found {len(found)}"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", found[0])).strip()


# --- who is told: the four states -----------------------------------------------------------------


@pytest.mark.clock
def test_open_with_someone_on_duty_names_them(app, world, hub):
    start = WEDNESDAY_AFTERNOON
    on_duty(world, hub["louise"], start - timedelta(hours=1), start + timedelta(hours=3))
    route = route_at(app, world, start)
    assert (route.route, route.on_duty, route.minutes, route.back_at) == (Route.ON_DUTY, ("Louise",), 10, None)


@pytest.mark.clock
def test_open_and_nobody_on_duty_tells_all_staff(app, world, hub):
    on_duty(world, hub["louise"], WEDNESDAY_AFTERNOON - timedelta(hours=3), WEDNESDAY_AFTERNOON - MINUTE)  # ended
    route = route_at(app, world, WEDNESDAY_AFTERNOON)
    assert (route.route, route.on_duty, route.back_at) == (Route.ALL_STAFF, (), None)


def test_closed_and_nobody_on_duty_says_when_it_opens(app, world, hub):
    route = route_at(app, world, SATURDAY_NIGHT)
    assert route.route == Route.CLOSED and route.closed and route.back_at == MONDAY_OPENING


@pytest.mark.clock
def test_a_shift_past_closing_time_still_counts(app, world, hub):
    on_duty(world, hub["jonas"], WEDNESDAY_LATE - timedelta(hours=4), WEDNESDAY_LATE + timedelta(hours=1))
    route = route_at(app, world, WEDNESDAY_LATE)
    assert route.route == Route.ON_DUTY and route.on_duty == ("Jonas",)


@pytest.mark.clock
def test_a_disabled_person_on_duty_is_nobody_on_duty(app, world, hub):
    on_duty(world, hub["louise"], WEDNESDAY_AFTERNOON - timedelta(hours=1), WEDNESDAY_AFTERNOON + timedelta(hours=1))
    with world() as s:
        s.get(type(hub["louise"]), hub["louise"].id).disabled_at = WEDNESDAY_AFTERNOON - timedelta(hours=2)
    assert route_at(app, world, WEDNESDAY_AFTERNOON).route == Route.ALL_STAFF


def test_the_route_matches_who_is_actually_told(app, world, hub):
    """What the statement says is what services.recipients does, in each state."""
    on_duty(world, hub["louise"], WEDNESDAY_AFTERNOON - timedelta(hours=1), WEDNESDAY_AFTERNOON + timedelta(hours=1))
    for moment, told in ((WEDNESDAY_AFTERNOON, {"louise"}), (SATURDAY_NIGHT, {"louise", "jonas", "admin"})):
        with time_machine.travel(moment, tick=False), world() as s:
            conversation = Conversation(young_id=hub["sara"].id, topic="other", urgent=True)
            told_ids = {person.id for person in services.recipients(s, conversation)}
            assert {name for name, person in hub.items() if person.id in told_ids} == told


# --- the clock ---------------------------------------------------------------------------------------


def send_urgent(world, hub, at: datetime) -> int:
    with time_machine.travel(at, tick=False), world() as s:
        return services.start_conversation(s, actor=hub["sara"], topic="feelings", body="Hjælp", urgent=True).id


def clock_at(world, conversation_id: int, at: datetime) -> urgency.UrgentClock:
    with world() as s:
        return urgency.urgent_clock(s.get(Conversation, conversation_id), at, 10)


def escalate(app, at: datetime) -> int:
    from hub.db import job_session

    with app.app_context(), time_machine.travel(at, tick=False), job_session() as s:
        return jobs.escalate_urgent(s)


def test_the_clock_runs_escalates_twice_and_stops_when_picked_up(app, world, hub):
    start = WEDNESDAY_AFTERNOON
    conversation_id = send_urgent(world, hub, start)

    waiting = clock_at(world, conversation_id, start + 7 * MINUTE)
    assert not waiting.stopped and waiting.waited == 7 * MINUTE
    assert (waiting.level, waiting.next_level) == (0, 1)
    assert (waiting.next_at, waiting.next_in) == (start + 10 * MINUTE, 3 * MINUTE)

    due = clock_at(world, conversation_id, start + 10 * MINUTE + 20 * timedelta(seconds=1))
    assert due.next_level == 1 and due.next_in is None  # due: the scheduler tells them within the minute

    assert escalate(app, start + 11 * MINUTE) == 1
    escalated = clock_at(world, conversation_id, start + 12 * MINUTE)
    assert escalated.escalated and escalated.level == 1 and escalated.escalated_at == start + 11 * MINUTE
    assert (escalated.next_level, escalated.next_at, escalated.next_in) == (2, start + 20 * MINUTE, 8 * MINUTE)

    assert escalate(app, start + 20 * MINUTE) == 1
    top = clock_at(world, conversation_id, start + 25 * MINUTE)
    assert top.level == 2 and top.next_level is None and top.next_at is None and top.waited == 25 * MINUTE

    with time_machine.travel(start + 26 * MINUTE, tick=False), world() as s:
        inbox.pick_up(s, actor=s.get(type(hub["jonas"]), hub["jonas"].id), conversation_id=conversation_id)
    picked = clock_at(world, conversation_id, start + 90 * MINUTE)
    assert picked.stopped and not picked.closed_unanswered and picked.waited == 26 * MINUTE
    assert picked.next_level is None and picked.level == 2


def test_an_answer_stops_the_clock_and_so_does_closing_it(app, world, hub):
    start = WEDNESDAY_AFTERNOON
    answered = send_urgent(world, hub, start)
    with time_machine.travel(start + 4 * MINUTE, tick=False), world() as s:
        conversation = s.get(Conversation, answered)
        louise = s.get(type(hub["louise"]), hub["louise"].id)
        services.post_message(s, actor=louise, conversation=conversation, body="Hej")
    clock = clock_at(world, answered, start + 30 * MINUTE)
    assert clock.stopped and clock.waited == 4 * MINUTE and clock.level == 0

    with world() as s:
        s.get(Conversation, answered).status = "closed"
        closed = Conversation(
            young_id=hub["sara"].id,
            topic="other",
            urgent=True,
            created_at=start,
            status="closed",
            closed_at=start + 3 * MINUTE,
        )
        s.add(closed)
        s.flush()
        closed_id = closed.id
    clock = clock_at(world, closed_id, start + 30 * MINUTE)
    assert clock.stopped and clock.closed_unanswered and clock.waited == 3 * MINUTE
    assert clock_at(world, answered, start + 30 * MINUTE).closed_unanswered is False  # answered, then closed


def test_no_clock_for_a_calm_conversation(world, hub):
    with world() as s:
        calm = services.start_conversation(s, actor=hub["sara"], topic="job", body="Hej")
        assert urgency.urgent_clock(calm, calm.created_at, 10) is None


# --- one statement, on the form and on the receipt ------------------------------------------------------


@pytest.mark.parametrize("state", ["on_duty", "all_staff", "closed"])
def test_the_form_says_one_thing_and_the_receipt_says_the_same(app, world, hub, as_user, state):
    moment = SATURDAY_NIGHT if state == "closed" else WEDNESDAY_AFTERNOON
    if state == "on_duty":
        on_duty(world, hub["louise"], moment - timedelta(hours=1), moment + timedelta(hours=2))
    with time_machine.travel(moment, tick=False):
        sara = as_user(hub["sara"])
        form = text(sara.get("/help/urgent"))
        said = statement(form)
        assert STATEMENTS[state] in said
        for other, words in STATEMENTS.items():  # never two stories at once
            assert other == state or words not in form
        assert "The hub is closed right now." not in form and "will be told at once" not in form
        sent = sara.post("/help/urgent", data={"body": "", "topic": ""})
        assert sent.status_code == 303
        receipt = text(sara.get(sent.headers["Location"]))
    assert "Your urgent message is sent." in receipt and "Staff have been told." not in receipt
    assert statement(receipt) == said
    if state == "on_duty":
        assert said.startswith("Louise is on duty and gets a notification at once.")
        assert "If nobody answers within 10 minutes, the rest of the staff are told." in said
    elif state == "all_staff":
        assert "If nobody answers within 10 minutes, they are all told again." in said
    else:
        assert "may not read it before we open Monday" in said and "call 112 or a help line" in said
        assert 'href="tel:70201201"' in receipt.split('id="urgent-who"')[1]  # the lines, under it


def test_two_on_duty_are_named_together_and_one_minute_is_singular(app, world, hub, as_user):
    app.config["MESSAGE_ESCALATE_MINUTES"] = 1
    moment = WEDNESDAY_AFTERNOON
    for name in ("louise", "jonas"):
        on_duty(world, hub[name], moment - timedelta(hours=1), moment + timedelta(hours=2))
    with time_machine.travel(moment, tick=False):
        said = statement(text(as_user(hub["sara"]).get("/help/urgent")))
    assert re.match(r"(Louise and Jonas|Jonas and Louise) are on duty and get a notification at once\.", said)
    assert "If nobody answers within 1 minute, the rest of the staff are told." in said


def test_the_receipt_keeps_what_was_said_and_adds_that_it_escalated(app, world, hub, as_user):
    """The shift ends after sending: the receipt still says what the form said then, and tells
    the young person when the rest of the staff were told."""
    start = WEDNESDAY_AFTERNOON
    on_duty(world, hub["louise"], start - timedelta(hours=1), start + 5 * MINUTE)
    with time_machine.travel(start, tick=False):
        sara = as_user(hub["sara"])
        said = statement(text(sara.get("/help/urgent")))
        thread = sara.post("/help/urgent", data={"body": "Hjælp"}).headers["Location"]
    escalate(app, start + 10 * MINUTE)
    with time_machine.travel(start + 12 * MINUTE, tick=False):
        receipt = text(sara.get(thread))
    assert statement(receipt) == said and said.startswith("Louise is on duty")
    assert "Nobody had answered within 10 minutes, so the rest of the staff have been told too." in receipt


# --- staff: the urgent message's own clock ------------------------------------------------------------


def test_staff_see_minutes_waited_and_when_it_escalates_not_the_reply_norm(app, world, hub, as_user):
    start = WEDNESDAY_AFTERNOON
    conversation_id = send_urgent(world, hub, start)
    with time_machine.travel(start + 7 * MINUTE, tick=False):
        louise = as_user(hub["louise"])
        listed = text(louise.get("/staff/messages"))
        home = text(louise.get("/"))
        thread = text(louise.get(f"/staff/messages/{conversation_id}"))
    for page in (listed, home, thread):
        assert "Waited 7 minutes." in page
        assert "All staff are told today at 15:10 (in 3 minutes)." in page
        assert "promised" not in page  # the topic's norm is for calm conversations
    assert 'id="urgent-clock"' in thread

    escalate(app, start + 10 * MINUTE)
    with time_machine.travel(start + 11 * MINUTE, tick=False):
        thread = text(louise.get(f"/staff/messages/{conversation_id}"))
        listed = text(louise.get("/staff/messages"))
    for page in (listed, thread):
        assert "Waited 11 minutes." in page and "All staff were told today at 15:10." in page
        assert "The management is told today at 15:20 (in 9 minutes)." in page

    escalate(app, start + 20 * MINUTE)
    with time_machine.travel(start + 21 * MINUTE, tick=False):
        thread = text(louise.get(f"/staff/messages/{conversation_id}"))
        assert "Waited 21 minutes." in thread and "All staff and the management have been told." in thread
        assert louise.post(f"/staff/messages/{conversation_id}/pick-up").status_code in (200, 303)
        thread = text(louise.get(f"/staff/messages/{conversation_id}"))
    assert "Picked up after 21 minutes." in thread
    assert "It had been escalated to all staff and the management." in thread
    assert "Waited 21 minutes." not in thread


def test_one_minute_waited_is_singular(app, world, hub, as_user):
    start = WEDNESDAY_AFTERNOON
    send_urgent(world, hub, start)
    with time_machine.travel(start + MINUTE, tick=False):
        page = text(as_user(hub["louise"]).get("/staff/messages"))
    assert "Waited 1 minute." in page and "(in 9 minutes)" in page


def test_the_calm_conversations_keep_their_promise_on_the_staff_home(app, world, hub, as_user):
    start = WEDNESDAY_AFTERNOON
    send_urgent(world, hub, start)
    with time_machine.travel(start, tick=False), world() as s:
        services.start_conversation(s, actor=hub["sara"], topic="feelings", body="Når I har tid")
    with time_machine.travel(start + 5 * MINUTE, tick=False):
        home = text(as_user(hub["louise"]).get("/"))
    waiting = home[home.index('id="home-messages"') :]
    assert waiting.count("answer promised within") == 1  # the calm one only
    assert "All staff are told today at 15:10 (in 5 minutes)." in waiting


def test_the_staff_clock_in_danish(app, world, hub, as_user):
    start = WEDNESDAY_AFTERNOON
    conversation_id = send_urgent(world, hub, start)
    with time_machine.travel(start + 7 * MINUTE, tick=False):
        louise = as_user(hub["louise"])
        louise.get("/?lang=da")
        thread = text(louise.get(f"/staff/messages/{conversation_id}"))
    assert "Har ventet 7 minutter." in thread
    assert "Hele personalet får besked i dag kl. 15.10 (om 3 minutter)." in thread


def test_the_form_in_danish_with_one_on_duty(app, world, hub, as_user):
    on_duty(world, hub["louise"], WEDNESDAY_AFTERNOON - timedelta(hours=1), WEDNESDAY_AFTERNOON + timedelta(hours=1))
    with time_machine.travel(WEDNESDAY_AFTERNOON, tick=False):
        sara = as_user(hub["sara"])
        sara.get("/?lang=da")
        said = statement(text(sara.get("/help/urgent")))
    assert said == (
        "Louise er på vagt og får besked med det samme. "
        "Svarer ingen inden for 10 minutter, får resten af personalet besked."
    )
