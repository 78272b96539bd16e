"""Staff side of events: plan, change, cancel, take attendance, assign company, count."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from hub.credits import services as credits
from hub.credits.models import KlipEntry
from hub.db import job_session, utcnow
from hub.errors import Conflict
from hub.events import attendance, manage, services, stats
from hub.events.models import Booking, Event
from hub.notifications.models import Notification
from hub.proposals.models import Proposal
from tests.conftest import Auth
from tests.events.helpers import make_event
from tests.factories import make_user

pytestmark = pytest.mark.usefixtures("english")

AARHUS = ZoneInfo("Europe/Copenhagen")
HX = {"HX-Request": "true"}


def local(moment: datetime) -> str:
    return moment.astimezone(AARHUS).strftime("%Y-%m-%dT%H:%M")


def in_days(days: int, hour: int = 17) -> datetime:
    day = (utcnow() + timedelta(days=days)).astimezone(AARHUS)
    return day.replace(hour=hour, minute=0, second=0, microsecond=0)


def event_form(**overrides) -> dict:
    start = in_days(3)
    data = {
        "title": "Mad for en SU",
        "category": "workshop",
        "description": "Vi laver billig mad sammen.",
        "starts_at": local(start),
        "ends_at": local(start + timedelta(hours=2)),
        "place": "Køkkenet",
        "address": "Vestergade 1, 8000 Aarhus C",
        "accessibility": "",
        "host_id": "",
        "host_name": "",
        "capacity": "12",
        "cutoff_hours": "2",
        "price_klip": "0",
        "visibility": "open",
        "repeat_weeks": "0",
    }
    data.update(overrides)
    return data


def form_of(event: Event, **overrides) -> dict:
    data = event_form(
        title=event.title,
        category=event.category,
        starts_at=local(event.starts_at),
        ends_at=local(event.ends_at),
        place=event.place,
        capacity=str(event.capacity),
        cutoff_hours=str(event.cutoff_hours),
        price_klip=str(event.price_klip),
    )
    del data["repeat_weeks"]
    data.update(overrides)
    return data


def all_events(world) -> list[Event]:
    with world() as s:
        return list(s.exec(select(Event).order_by(Event.starts_at)).all())


def body_of(response) -> str:
    return response.get_data(as_text=True)


# --- planning ---------------------------------------------------------------------------------


@pytest.mark.clock
def test_staff_plan_an_event_in_aarhus_time(world, client, login_as):
    login_as("staff")
    form = event_form()
    response = client.post("/staff/events/new", data=form)
    assert response.status_code == 303, body_of(response)[:800]
    [event] = all_events(world)
    assert response.headers["Location"] == f"/staff/events/{event.id}"
    typed = datetime.strptime(form["starts_at"], "%Y-%m-%dT%H:%M").replace(tzinfo=AARHUS)
    assert event.starts_at == typed.astimezone(UTC) and event.series_key is None
    page = body_of(client.get(f"/staff/events/{event.id}"))
    assert "Mad for en SU" in page and "Køkkenet" in page


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"capacity": "0"}, "from 1 to 500 places"),
        ({"capacity": "-4"}, "from 1 to 500 places"),
        ({"capacity": "501"}, "from 1 to 500 places"),
        ({"capacity": "tolv"}, "Write a whole number"),
        ({"capacity": ""}, "Write how many places there are"),
        ({"title": "x" * 121}, "120 characters or fewer"),
        ({"title": "   "}, "Write a title"),
        ({"place": ""}, "Write where it happens"),
        ({"description": "x" * 2001}, "2000 characters or fewer"),
        ({"category": "party"}, "Choose a category from the list"),
        ({"visibility": "secret"}, "Choose who can see the event"),
        ({"host_id": "99999"}, "Choose a host from the list"),
        ({"host_id": "nobody"}, "Choose a host from the list"),
        ({"cutoff_hours": "200"}, "from 0 to 168 hours"),
        ({"price_klip": "101"}, "from 0 to 100 klip"),
        ({"starts_at": "next friday"}, "Choose a date and a time"),
        ({"repeat_weeks": "27"}, "Repeat for 0 to 26 more weeks"),
        ({"proposal_id": "424242"}, "That proposal does not exist"),
    ],
)
def test_bad_event_input_is_a_422_with_a_message_and_nothing_saved(world, client, login_as, overrides, message):
    login_as("staff")
    response = client.post("/staff/events/new", data=event_form(**overrides))
    assert response.status_code == 422
    body = body_of(response)
    assert message in body
    assert 'value="Vestergade 1, 8000 Aarhus C"' in body  # nothing typed is lost
    assert all_events(world) == []


@pytest.mark.clock
@pytest.mark.parametrize(
    ("times", "message"),
    [
        (lambda: (in_days(-1), in_days(-1) + timedelta(hours=1)), "in the future"),
        (lambda: (in_days(3), in_days(3, hour=16)), "The end must be after the start"),
        (lambda: (in_days(3), in_days(5)), "at most 24 hours"),
    ],
    ids=["past", "ends-before-start", "too-long"],
)
def test_bad_event_times_are_a_422_with_a_message_and_nothing_saved(world, client, login_as, times, message):
    """The times are made as the test runs, on its clock, never at import: made then, they are
    counted from another day than the form's once the run has passed midnight."""
    login_as("staff")
    starts_at, ends_at = times()
    response = client.post("/staff/events/new", data=event_form(starts_at=local(starts_at), ends_at=local(ends_at)))
    assert response.status_code == 422
    body = body_of(response)
    assert message in body
    assert 'value="Vestergade 1, 8000 Aarhus C"' in body  # nothing typed is lost
    assert all_events(world) == []


def test_a_young_person_cannot_host(world, client, login_as, make):
    young = make.user(is_young=True)
    mentor = make.user(is_mentor=True)
    login_as("staff")
    response = client.post("/staff/events/new", data=event_form(host_id=str(young.id)))
    assert response.status_code == 422 and "Choose a host from the list" in body_of(response)
    assert client.post("/staff/events/new", data=event_form(host_id=str(mentor.id))).status_code == 303
    [event] = all_events(world)
    assert event.host_id == mentor.id


def test_every_wrong_field_says_so_at_once(client, login_as):
    login_as("staff")
    response = client.post(
        "/staff/events/new",
        data=event_form(title="x" * 121, capacity="abc", ends_at=local(in_days(3, hour=10)), category="nope"),
    )
    assert response.status_code == 422
    body = body_of(response)
    for message in ("120 characters or fewer", "Write a whole number", "after the start", "Choose a category"):
        assert message in body
    assert body.count('aria-invalid="true"') == 4


@pytest.mark.clock
def test_weekly_series_keeps_the_local_time(world, client, login_as):
    login_as("staff")
    assert client.post("/staff/events/new", data=event_form(repeat_weeks="3")).status_code == 303
    events = all_events(world)
    assert len(events) == 4
    assert len({e.series_key for e in events}) == 1 and len(events[0].series_key) == 32
    local_starts = [e.starts_at.astimezone(AARHUS) for e in events]
    assert {(t.hour, t.minute, t.weekday()) for t in local_starts} == {(17, 0, local_starts[0].weekday())}
    assert [(b.date() - a.date()).days for a, b in zip(local_starts, local_starts[1:], strict=False)] == [7, 7, 7]


@pytest.mark.clock
def test_series_across_the_summer_time_change_stays_at_17():
    winter = datetime(2025, 3, 20, 17, 0, tzinfo=AARHUS)
    moved = manage._same_local_time(winter, 2, AARHUS)
    assert moved.astimezone(AARHUS).hour == 17 and moved - winter == timedelta(weeks=2, hours=-1)


@pytest.mark.clock
def test_duplicate_prefills_the_form_a_week_later(world, client, login_as):
    with world() as s:
        event = make_event(s, title="Yoga", starts_at=in_days(2).astimezone(UTC))
    login_as("staff")
    page = client.get(f"/staff/events/new?duplicate={event.id}")
    assert page.status_code == 200
    body = body_of(page)
    assert 'value="Yoga"' in body and f'value="{local(in_days(9))}"' in body
    assert client.get("/staff/events/new?duplicate=987654").status_code == 404


def test_event_from_a_proposal(world, client, login_as, make):
    author = make.user(is_young=True)
    with world() as s:
        proposal = Proposal(author_id=author.id, title="Klatring i Aarhus", what="Lad os prøve at klatre.")
        s.add(proposal)
        s.flush()
    login_as("staff")
    body = body_of(client.get(f"/staff/events/new?proposal={proposal.id}"))
    assert 'value="Klatring i Aarhus"' in body and "Lad os prøve at klatre." in body
    assert client.get("/staff/events/new?proposal=987654").status_code == 404
    form = event_form(title="Klatring i Aarhus", proposal_id=str(proposal.id))
    assert client.post("/staff/events/new", data=form).status_code == 303
    [event] = all_events(world)
    assert event.proposal_id == proposal.id
    with world() as s:
        assert s.get(Proposal, proposal.id).status == "event"
        told = s.exec(select(Notification).where(Notification.user_id == author.id)).all()
        assert [n.kind for n in told] == ["proposal_event"]


def test_a_declined_proposal_cannot_become_an_event(world, client, login_as, make):
    author = make.user(is_young=True)
    with world() as s:
        proposal = Proposal(author_id=author.id, title="Paintball", what="Alle sammen.", status="declined")
        s.add(proposal)
        s.flush()
    login_as("staff")
    response = client.post("/staff/events/new", data=event_form(proposal_id=str(proposal.id)))
    assert response.status_code == 422 and "Approve it first" in body_of(response)
    assert all_events(world) == []


# --- changing -------------------------------------------------------------------------------------


def book(world, event_id: int, person):
    with world() as s:
        return services.book(s, actor=person, event_id=event_id)


def test_more_places_offer_one_to_the_waitlist(world, client, login_as):
    with world() as s:
        event = make_event(s, capacity=1)
        first, second = make_user(s, is_young=True), make_user(s, is_young=True)
    book(world, event.id, first)
    waiting = book(world, event.id, second)
    assert waiting.status == "waitlisted"
    login_as("staff")
    response = client.post(f"/staff/events/{event.id}/edit", data=form_of(event, capacity="2"))
    assert response.status_code == 303, body_of(response)[:800]
    with world() as s:
        assert s.get(Booking, waiting.id).status == "offered"
        kinds = s.exec(select(Notification.kind).where(Notification.user_id == second.id)).all()
        assert "waitlist_offer" in kinds


def test_capacity_cannot_go_below_the_people_booked(world, client, login_as):
    with world() as s:
        event = make_event(s, capacity=3)
        people = [make_user(s, is_young=True) for _ in range(2)]
    for person in people:
        book(world, event.id, person)
    staff = login_as("staff")
    response = client.post(f"/staff/events/{event.id}/edit", data=form_of(event, capacity="1"))
    assert response.status_code == 422 and "at least 2" in body_of(response)
    with pytest.raises(manage.InvalidEvent) as error, world() as s:
        data = manage.EventInput.from_event(s.get(Event, event.id))
        data.capacity = 1
        manage.update_event(s, actor=staff, event_id=event.id, data=data)
    assert error.value.code == "capacity_below_booked"
    assert client.post(f"/staff/events/{event.id}/edit", data=form_of(event, capacity="2")).status_code == 303


@pytest.mark.clock
def test_a_new_time_is_told_to_everyone_booked(world, client, login_as):
    with world() as s:
        event = make_event(s, capacity=1)
        first, second = make_user(s, is_young=True), make_user(s, is_young=True)
    book(world, event.id, first)
    book(world, event.id, second)
    login_as("staff")
    later = event.starts_at + timedelta(days=1)
    form = form_of(event, starts_at=local(later), ends_at=local(later + timedelta(hours=2)))
    assert client.post(f"/staff/events/{event.id}/edit", data=form).status_code == 303
    with world() as s:
        told = s.exec(select(Notification).where(Notification.kind == "event_changed")).all()
        assert sorted(n.user_id for n in told) == sorted([first.id, second.id])
        # In Aarhus time, written the Danish way ("kl. 15.00") or the English way ("15:00").
        clock = later.astimezone(AARHUS)
        assert all(re.search(rf"\b{clock:%H}[.:]{clock:%M}\b", n.body) for n in told), [n.body for n in told]
        assert s.get(Event, event.id).starts_at == later.replace(second=0, microsecond=0)


@pytest.mark.clock
def test_edit_to_a_past_time_is_refused(world, client, login_as):
    with world() as s:
        event = make_event(s)
    login_as("staff")
    past = in_days(-2)
    form = form_of(event, starts_at=local(past), ends_at=local(past + timedelta(hours=1)))
    response = client.post(f"/staff/events/{event.id}/edit", data=form)
    assert response.status_code == 422 and "in the future" in body_of(response)


# --- cancelling --------------------------------------------------------------------------------


def test_cancel_tells_everyone_and_gives_klip_back(app, world, client, login_as):
    with world() as s:
        event = make_event(s, capacity=1, price_klip=3)
        paid, waiting = make_user(s, is_young=True), make_user(s, is_young=True)
        credits.grant(s, user_id=paid.id, amount=5, reason="Start", actor_id=None)
    with app.app_context(), job_session() as s:
        paid_booking = services.book(s, actor=paid, event_id=event.id)
    book(world, event.id, waiting)
    with world() as s:
        assert credits.balance(s, paid.id) == 2
    login_as("staff")
    no_reason = client.post(f"/staff/events/{event.id}/cancel", data={"reason": "  "})
    assert no_reason.status_code == 422 and "Write why" in body_of(no_reason)
    assert all_events(world)[0].status == "scheduled"
    response = client.post(f"/staff/events/{event.id}/cancel", data={"reason": "Kokken er syg."})
    assert response.status_code == 303
    with world() as s:
        assert s.get(Event, event.id).status == "cancelled"
        assert {b.status for b in s.exec(select(Booking)).all()} == {"event_cancelled"}
        assert credits.balance(s, paid.id) == 5
        refund = s.exec(select(KlipEntry).where(KlipEntry.kind == "refund")).one()
        assert refund.idempotency_key == f"event-cancel-{paid_booking.id}"
        told = s.exec(select(Notification).where(Notification.kind == "event_cancelled")).all()
        assert sorted(n.user_id for n in told) == sorted([paid.id, waiting.id])
        assert all("Kokken er syg." in n.body for n in told)
    assert client.get(f"/staff/events/{event.id}/cancel").status_code == 409


@pytest.mark.clock
def test_cancel_the_rest_of_a_series(world, client, login_as):
    staff = login_as("staff")
    with world() as s:
        data = manage.EventInput(
            title="Lektiecafé", place="Hub", starts_at=in_days(1), ends_at=in_days(1) + timedelta(hours=2), capacity=8
        )
        series = manage.create_event(s, actor=staff, data=data, repeat_weeks=3)
    page = body_of(client.get(f"/staff/events/{series[1].id}/cancel"))
    assert "2 more events of this weekly series" in page
    response = client.post(f"/staff/events/{series[1].id}/cancel", data={"reason": "Sommerferie", "whole_series": "y"})
    assert response.status_code == 303
    assert [e.status for e in all_events(world)] == ["scheduled", "cancelled", "cancelled", "cancelled"]


# --- attendance -------------------------------------------------------------------------------


@pytest.fixture
def booked(world):
    """A future event with one confirmed young person (and their booking)."""
    with world() as s:
        event = make_event(s, capacity=1)
        person = make_user(s, is_young=True, name="Sara Nielsen")
    booking = book(world, event.id, person)
    return event, person, booking


def test_check_in_toggles_one_row_with_htmx(world, client, login_as, booked):
    event, person, booking = booked
    login_as("staff")
    page = body_of(client.get(f"/staff/events/{event.id}/attendance"))
    assert f'id="booking-{booking.id}"' in page and "Sara Nielsen" in page
    response = client.post(f"/staff/events/bookings/{booking.id}/check-in", headers=HX)
    assert response.status_code == 200
    body = body_of(response)
    assert "<html" not in body and body.lstrip().startswith(f'<li id="booking-{booking.id}"')
    assert "attendee--here" in body and 'id="attendance-summary"' in body and 'hx-swap-oob="true"' in body
    with world() as s:
        first = s.get(Booking, booking.id).checked_in_at
    assert first is not None
    client.post(f"/staff/events/bookings/{booking.id}/check-in", headers=HX)
    with world() as s:
        assert s.get(Booking, booking.id).checked_in_at == first  # twice is once
    undo = client.post(f"/staff/events/bookings/{booking.id}/undo-check-in", headers=HX)
    assert undo.status_code == 200 and "attendee--here" not in body_of(undo)
    with world() as s:
        assert s.get(Booking, booking.id).checked_in_at is None
    plain = client.post(f"/staff/events/bookings/{booking.id}/check-in")
    assert plain.status_code == 303 and plain.headers["Location"] == f"/staff/events/{event.id}/attendance"


def test_qr_ticket_shows_first_and_checks_in_on_post(world, client, login_as, booked):
    event, person, booking = booked
    login_as("staff")
    for _ in range(2):
        page = client.get(f"/staff/events/scan/{booking.ticket_code}")
        assert page.status_code == 200
        assert "Sara Nielsen" in body_of(page) and event.title in body_of(page) and "Check in" in body_of(page)
    with world() as s:
        assert s.get(Booking, booking.id).checked_in_at is None  # looking changes nothing
    response = client.post(f"/staff/events/scan/{booking.ticket_code}")
    assert response.status_code == 303
    with world() as s:
        assert s.get(Booking, booking.id).checked_in_at is not None
    assert "Checked in at" in body_of(client.get(f"/staff/events/scan/{booking.ticket_code}"))
    assert client.get("/staff/events/scan/not-a-ticket").status_code == 404
    assert client.post("/staff/events/scan/not-a-ticket").status_code == 404


def test_qr_ticket_is_for_staff_only(app, client, login_as, booked):
    event, person, booking = booked
    anonymous = app.test_client().get(f"/staff/events/scan/{booking.ticket_code}")
    assert anonymous.status_code == 302 and anonymous.headers["Location"].startswith("/login")
    login_as("young")
    assert client.get(f"/staff/events/scan/{booking.ticket_code}").status_code == 403


def test_a_ticket_for_another_event_says_which(world, client, login_as, booked):
    event, person, booking = booked
    staff = login_as("staff")
    with world() as s:
        other = make_event(s, title="Jobmesse")
    url = f"/staff/events/scan/{booking.ticket_code}?event={other.id}"
    assert "This ticket is for another event" in body_of(client.get(url))
    refused = client.post(url)
    assert refused.status_code == 409 and event.title in body_of(refused)
    with pytest.raises(Conflict) as error, world() as s:
        attendance.check_in_by_code(s, actor=staff, code=booking.ticket_code, event_id=other.id)
    assert error.value.code == "other_event" and event.title in error.value.message


def test_walk_in_beyond_capacity(world, client, login_as, booked):
    event, person, booking = booked
    with world() as s:
        walker = make_user(s, is_young=True, name="Noah Walker")
    login_as("staff")
    results = client.get(f"/staff/events/{event.id}/walk-in/search?q=walker", headers=HX)
    assert results.status_code == 200
    assert body_of(results).lstrip().startswith('<div id="walk-in-results"') and "Noah Walker" in body_of(results)
    assert "Noah Walker" in body_of(client.get(f"/staff/events/{event.id}/walk-in/search?q=walker"))  # a full page
    response = client.post(f"/staff/events/{event.id}/walk-in", data={"user_id": walker.id}, headers=HX)
    assert response.status_code == 200 and 'id="attendance-list"' in body_of(response)
    with world() as s:
        added = s.exec(select(Booking).where(Booking.user_id == walker.id)).one()
        assert (added.status, added.walk_in, added.checked_in_at is not None) == ("confirmed", True, True)
        assert services.seats_for(s, [event.id])[event.id].confirmed == 2 > event.capacity
    assert client.post(f"/staff/events/{event.id}/walk-in", data={"user_id": 987654}).status_code == 404
    assert client.post(f"/staff/events/{event.id}/walk-in", data={}).status_code == 422


def test_someone_waiting_who_turns_up_comes_in_as_a_walk_in(world, login_as, booked):
    event, person, booking = booked
    with world() as s:
        late = make_user(s, is_young=True)
    waiting = book(world, event.id, late)
    staff = login_as("staff")
    with world() as s:
        checked = attendance.check_in(s, actor=staff, booking_id=waiting.id)
        assert (checked.status, checked.walk_in) == ("confirmed", True)
    with world() as s:
        undone = attendance.undo_check_in(s, actor=staff, booking_id=waiting.id)
        assert (undone.status, undone.walk_in, undone.checked_in_at) == ("cancelled", False, None)


def test_anonymous_walk_ins_never_go_below_zero(world, client, login_as, booked):
    event = booked[0]
    login_as("staff")
    url = f"/staff/events/{event.id}/anonymous-walk-ins"
    response = client.post(url, data={"delta": "-1"}, headers=HX)
    assert response.status_code == 200 and 'id="anonymous-walk-ins"' in body_of(response)
    counts = []
    for delta in ("1", "1", "-1"):
        client.post(url, data={"delta": delta}, headers=HX)
        with world() as s:
            counts.append(s.get(Event, event.id).anonymous_walk_ins)
    assert counts == [1, 2, 1]
    assert client.post(url, data={"delta": "lots"}).status_code == 422


# --- company ----------------------------------------------------------------------------------


def test_assigned_companion_sees_it_on_their_home(app, world, client, login_as, make, auth):
    mentor = make.user(is_mentor=True, name="Mette Mentor")
    with world() as s:
        event = make_event(s, title="Besøg på Aarhus Tech", starts_at=utcnow() + timedelta(hours=3))
        sara = make_user(s, is_young=True, name="Sara Nielsen", preferred_name="Sara")
    with world() as s:
        booking = services.book(s, actor=sara, event_id=event.id, companion=services.Companion.MENTOR)
    login_as("staff")
    assert "Sara" in body_of(client.get("/"))  # staff home: who asked for company
    detail = body_of(client.get(f"/staff/events/{event.id}"))
    assert "Nobody assigned yet" in detail and "Mette Mentor" in detail
    young = make.user(is_young=True)
    refused = client.post(f"/staff/events/bookings/{booking.id}/companion", data={"companion_user_id": young.id})
    assert refused.status_code == 422
    response = client.post(f"/staff/events/bookings/{booking.id}/companion", data={"companion_user_id": mentor.id})
    assert response.status_code == 303
    with world() as s:
        told = s.exec(select(Notification).where(Notification.kind == "companion")).all()
        assert sorted(n.user_id for n in told) == sorted([sara.id, mentor.id])
    mentor_client = app.test_client()
    mentor_client.get("/?lang=en")
    mentor_client.post("/login", data={"email": mentor.email, "password": "correct horse battery"})
    home = body_of(mentor_client.get("/"))
    assert "You are going with Sara to Besøg på Aarhus Tech" in home


@pytest.mark.clock
def test_staff_home_lists_today_or_shows_an_empty_state(world, client, login_as):
    login_as("staff")
    assert "No events today or tomorrow." in body_of(client.get("/"))
    with world() as s:
        make_event(s, title="Fællesspisning", starts_at=utcnow() + timedelta(hours=1))
    home = body_of(client.get("/"))
    assert "Fællesspisning" in home and "No events today or tomorrow." not in home


# --- numbers ----------------------------------------------------------------------------------


@pytest.fixture
def past_event(world):
    """A workshop held yesterday: 3 booked, 2 came, 1 no-show, 1 walk-in, 1 waiting, 2 anonymous."""
    start = utcnow() - timedelta(days=1)
    with world() as s:
        event = make_event(s, title="Budget", starts_at=start, capacity=3, anonymous_walk_ins=2)
        people = [make_user(s, is_young=True) for _ in range(5)]

        def add(person, status, **values):
            s.add(Booking(event_id=event.id, user_id=person.id, status=status, ticket_code=f"t{person.id}", **values))

        add(people[0], "confirmed", checked_in_at=start)
        add(people[1], "confirmed", checked_in_at=start)
        add(people[2], "confirmed")
        add(people[3], "confirmed", checked_in_at=start, walk_in=True)
        add(people[4], "expired")
        s.flush()
    return event, people


@pytest.mark.clock
def test_counts_per_event(world, past_event):
    event, people = past_event
    with world() as s:
        counts = stats.event_counts(s, [s.get(Event, event.id)], now=utcnow())[event.id]
    assert (counts.booked, counts.attended, counts.no_shows, counts.walk_ins) == (3, 3, 1, 1)
    assert counts.waitlisted == 0


@pytest.mark.clock
def test_monthly_attendance_counts_checked_in_and_anonymous(world, past_event):
    event, _ = past_event
    now = utcnow()
    with world() as s:
        months = stats.monthly_attendance(s, since=now - timedelta(days=40), until=now + timedelta(days=1), tz=AARHUS)
    held = event.starts_at.astimezone(AARHUS)
    [month] = [m for m in months if (m.year, m.month) == (held.year, held.month)]
    assert month.by_category["workshop"] == 5 and month.total == 5


@pytest.mark.clock
def test_a_year_of_months_from_first_to_last():
    since, until = datetime(2025, 12, 1, tzinfo=AARHUS), datetime(2026, 12, 1, tzinfo=AARHUS)
    months = stats._months_between(since, until - timedelta(microseconds=1))
    assert len(months) == 12 and months[0] == (2025, 12) and months[-1] == (2026, 11)


def test_stats_page_and_csv_export(client, login_as, past_event):
    event, people = past_event
    login_as("staff")
    page = client.get("/staff/events/stats")
    assert page.status_code == 200
    body = body_of(page)
    assert "<svg" in body and "<title" in body and "<desc" in body and "<table" in body
    response = client.get("/staff/events/export.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert re.match(
        r'attachment; filename="ungehub-events-\d{4}-\d{2}-\d{2}\.csv"', response.headers["Content-Disposition"]
    )
    rows = list(csv.DictReader(io.StringIO(body_of(response))))
    assert len(rows) == 1
    row = rows[0]
    assert row["title"] == "Budget" and row["category"] == "workshop" and row["status"] == "scheduled"
    assert (row["booked"], row["attended"], row["no_shows"], row["walk_ins"], row["anonymous_walk_ins"]) == (
        "3",
        "3",
        "1",
        "1",
        "2",
    )
    assert row["start_local"] == event.starts_at.astimezone(AARHUS).strftime("%Y-%m-%d %H:%M")
    text = body_of(response)
    assert "@" not in text and "Testesen" not in text  # no personal data


def test_csv_cells_never_start_a_formula(world, client, login_as):
    with world() as s:
        make_event(s, title='=HYPERLINK("http://x")')
    login_as("staff")
    row = next(csv.DictReader(io.StringIO(body_of(client.get("/staff/events/export.csv")))))
    assert row["title"].startswith("'=")


# --- who gets in --------------------------------------------------------------------------------


def staff_routes(event_id: int, booking_id: int, code: str) -> list[tuple[str, str]]:
    return [
        ("GET", "/staff/events"),
        ("GET", "/staff/events/new"),
        ("GET", f"/staff/events/{event_id}"),
        ("GET", f"/staff/events/{event_id}/edit"),
        ("GET", f"/staff/events/{event_id}/cancel"),
        ("GET", f"/staff/events/{event_id}/attendance"),
        ("GET", f"/staff/events/{event_id}/walk-in/search?q=sa"),
        ("POST", f"/staff/events/bookings/{booking_id}/check-in"),
        ("POST", f"/staff/events/bookings/{booking_id}/undo-check-in"),
        ("POST", f"/staff/events/{event_id}/walk-in"),
        ("POST", f"/staff/events/{event_id}/anonymous-walk-ins"),
        ("POST", f"/staff/events/bookings/{booking_id}/companion"),
        ("GET", f"/staff/events/scan/{code}"),
        ("POST", f"/staff/events/scan/{code}"),
        ("GET", "/staff/events/stats"),
        ("GET", "/staff/events/export.csv"),
        ("POST", f"/staff/events/{event_id}/cancel"),
        ("POST", f"/staff/events/{event_id}/edit"),
        ("POST", "/staff/events/new"),
    ]


ROLES = {
    "young": {"is_young": True},
    "mentor": {"is_mentor": True},
    "support": {"support_type": "network"},
    "staff": {"is_staff": True},
}


def test_every_staff_route_is_closed_to_others(app, world, make, booked):
    event, person, booking = booked
    routes = staff_routes(event.id, booking.id, booking.ticket_code)
    anonymous = app.test_client()
    for method, url in routes:
        response = anonymous.open(url, method=method, data={})
        assert response.status_code == 401 or response.headers["Location"].startswith("/login"), (method, url)
    for role, flags in ROLES.items():
        user = make.user(**flags)
        client = app.test_client()
        Auth(client).login(user)  # staff also answer the second step
        for method, url in routes:
            status = client.open(url, method=method, data={}).status_code
            if role == "staff":
                assert status not in (401, 403, 404, 500), (method, url, status)
            else:
                assert status == 403, (role, method, url, status)
    with world() as s:
        assert s.get(Event, event.id).status == "scheduled"


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("GET", "/staff/events/987654"),
        ("GET", "/staff/events/987654/edit"),
        ("GET", "/staff/events/987654/cancel"),
        ("GET", "/staff/events/987654/attendance"),
        ("POST", "/staff/events/bookings/987654/check-in"),
        ("POST", "/staff/events/bookings/987654/undo-check-in"),
        ("POST", "/staff/events/bookings/987654/companion"),
        ("POST", "/staff/events/987654/anonymous-walk-ins"),
    ],
)
def test_made_up_ids_are_404(client, login_as, method, url):
    login_as("staff")
    assert client.open(url, method=method, data={"delta": "1"}).status_code == 404


def test_events_link_in_the_staff_menu(client, login_as):
    login_as("staff")
    assert 'href="/staff/events"' in body_of(client.get("/"))
