"""Support people and mentors: their young people, one young person, logging a check-in."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import event as sa_event
from sqlmodel import select

from hub.audit.models import AuditEntry
from hub.checkins import services
from hub.checkins.models import CheckIn
from hub.errors import Invalid, NotFound
from hub.events.models import Booking, BookingStatus
from hub.plans.models import Goal, Plan
from hub.support.models import SupportLink
from tests.checkins.helpers import SHARE_ALL, add_checkin, add_link, add_wellbeing, notices, text
from tests.clock import hub_today
from tests.events.helpers import make_event
from tests.factories import make_user

pytestmark = pytest.mark.usefixtures("english")

NOON = datetime(2026, 3, 11, 11, 0, tzinfo=UTC)  # a Wednesday, 12:00 in Aarhus
TODAY = date(2026, 3, 11)


@pytest.fixture
def frozen():
    with time_machine.travel(NOON, tick=False):
        yield


def _plan(s, young, *statuses):
    s.add(Plan(young_id=young.id, dreams="Min egen lejlighed"))
    s.flush()
    for n, status in enumerate(statuses):
        s.add(Goal(young_id=young.id, area="housing", title=f"Goal {n}", status=status))
    s.flush()


# --- my young people -------------------------------------------------------------------------------


def test_my_young_people_lists_open_links_with_what_they_share(frozen, world, as_user):
    with world() as s:
        me = make_user(s, support_type="caseworker")
        sara = make_user(s, is_young=True, name="Sara Nielsen")
        amina = make_user(s, is_young=True, name="Amina Hassan")
        gone = make_user(s, is_young=True, name="Gone Person")
        add_link(s, sara, me, primary=True, **SHARE_ALL)
        add_link(s, amina, me)  # shares nothing
        ended = add_link(s, gone, me, **SHARE_ALL)
        ended.ended_at = NOON - timedelta(days=3)
        _plan(s, sara, "not_started", "under_way", "done")
        _plan(s, amina, "under_way")
        add_wellbeing(s, sara, mood=2)
        add_wellbeing(s, amina, mood=5)
        add_checkin(s, sara, me, on=TODAY - timedelta(days=9), next_on=TODAY - timedelta(days=2))
        add_checkin(s, amina, me, on=TODAY - timedelta(days=3), next_on=TODAY + timedelta(days=4))
    body = text(as_user(me).get("/my-young-people"))
    assert "Sara Nielsen" in body and "Amina Hassan" in body
    assert "Gone Person" not in body  # the link has ended
    amina_card, sara_card = body.split("Sara Nielsen", 1)  # by name: Amina first
    # Sara shares: mood and goals; her next check-in is overdue, said in words.
    assert "Not so good (2/5)" in sara_card and "2 goals they are working on" in sara_card
    assert "Overdue: agreed for Monday 9 March" in sara_card
    # Amina shares neither: no mood, no goal count.
    assert "(5/5)" not in body and "1 goal they are working on" not in body
    assert "Sunday 15 March" in amina_card


def test_staff_see_only_their_own_circles_on_the_list(world, as_user):
    with world() as s:
        jonas = make_user(s, is_staff=True, support_type="paedagog")
        mine = make_user(s, is_young=True, name="Mine Person")
        make_user(s, is_young=True, name="Not Mine")
        add_link(s, mine, jonas)
    body = text(as_user(jonas).get("/my-young-people"))
    assert "Mine Person" in body and "Not Mine" not in body


def test_somebody_with_nobody_gets_a_friendly_empty_page(login_as, client):
    login_as("mentor", locale="en")
    assert "Nobody yet" in text(client.get("/my-young-people"))
    assert client.get("/", headers={}).status_code == 200


def test_young_people_cannot_use_the_list(login_as, client):
    login_as("young")
    assert client.get("/my-young-people").status_code == 403


def test_the_list_costs_the_same_queries_for_one_young_person_or_many(app, world, as_user):
    with world() as s:
        me = make_user(s, is_mentor=True)

    def another_young_person():
        with world() as s:
            young = make_user(s, is_young=True)
            add_link(s, young, me, **SHARE_ALL)
            _plan(s, young, "under_way")
            add_wellbeing(s, young)
            add_checkin(s, young, me, next_on=hub_today() + timedelta(days=3))

    client = as_user(me)

    def queries_for_the_list() -> int:
        statements = []
        engine = app.extensions["hub_engine"]
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        sa_event.listen(engine, "before_cursor_execute", listener)
        try:
            assert client.get("/my-young-people").status_code == 200
        finally:
            sa_event.remove(engine, "before_cursor_execute", listener)
        return len(statements)

    another_young_person()
    queries_for_the_list()
    one = queries_for_the_list()
    for _ in range(5):
        another_young_person()
    assert queries_for_the_list() == one


# --- one young person ------------------------------------------------------------------------------


def test_a_mentor_not_in_the_circle_gets_404(world, as_user, circle_world):
    people = circle_world()
    client = as_user(people["outside_mentor"])
    assert client.get(f"/my-young-people/{people['young'].id}").status_code == 404
    assert client.get(f"/my-young-people/{people['young'].id}/checkins/new").status_code == 404
    assert client.post(f"/my-young-people/{people['young'].id}/checkins/new", data={}).status_code == 404


def test_an_ended_link_is_404(world, as_user, circle_world):
    people = circle_world()
    with world() as s:
        link = s.exec(select(SupportLink).where(SupportLink.supporter_id == people["mentor"].id)).one()
        link.ended_at = link.started_at
        s.add(link)
    assert as_user(people["mentor"]).get(f"/my-young-people/{people['young'].id}").status_code == 404


def test_staff_may_open_any_young_person_but_not_an_adult(as_user, circle_world):
    people = circle_world()
    client = as_user(people["staff"])
    assert client.get(f"/my-young-people/{people['other_young'].id}").status_code == 200
    assert client.get(f"/my-young-people/{people['caseworker'].id}").status_code == 404


def test_sections_show_only_what_is_shared_and_each_look_is_logged(frozen, world, as_user, circle_world):
    people = circle_world()
    young = people["young"]
    with world() as s:
        _plan(s, young, "under_way")
        event = make_event(s, title="Mad for en SU", starts_at=NOON + timedelta(days=2))
        s.add(Booking(event_id=event.id, user_id=young.id, status=BookingStatus.CONFIRMED, ticket_code="t-1"))
        add_wellbeing(s, young, mood=4, words="Good day")
        add_checkin(s, young, people["mentor"], note="Our walk", note_shared=True)
    # The caseworker sees everything Sara shares with her.
    body = text(as_user(people["caseworker"]).get(f"/my-young-people/{young.id}"))
    for part in ('id="plan"', f'href="/young/{young.id}/plan"', "Mad for en SU", 'id="wellbeing"', 'id="klip"'):
        assert part in body
    assert 'role="img"' in body and "Good day" in body
    # The mentor: plan and bookings only, and is told the rest was not shared.
    body = text(as_user(people["mentor"]).get(f"/my-young-people/{young.id}"))
    assert 'id="plan"' in body and "Mad for en SU" in body
    assert 'id="wellbeing"' not in body and 'id="klip"' not in body and "Good day" not in body
    assert "has not shared their wellbeing check-ins, their klippekort, their support options with you" in body
    assert 'id="support-options"' not in body
    # The network person: nothing but their own check-ins.
    body = text(as_user(people["network"]).get(f"/my-young-people/{young.id}"))
    assert 'id="plan"' not in body and "Mad for en SU" not in body
    with world() as s:
        areas = set(s.exec(select(AuditEntry.actor_id, AuditEntry.area).where(AuditEntry.young_id == young.id)))
    assert (people["caseworker"].id, "wellbeing") in areas and (people["caseworker"].id, "checkins") in areas
    assert (people["mentor"].id, "plan") in areas and (people["mentor"].id, "wellbeing") not in areas
    assert (people["mentor"].id, "checkins") in areas


# --- logging a check-in ----------------------------------------------------------------------------


def form(**values):
    return {"happened_on": "2026-03-10", "way": "meeting", "went": "good", "note": "", "next_on": "", **values}


def test_a_mentor_logs_a_check_in_and_a_shared_note_reaches_the_young_person(frozen, world, as_user, circle_world):
    people = circle_world()
    young = people["young"]
    client = as_user(people["mentor"])
    page = client.get(f"/my-young-people/{young.id}/checkins/new")
    assert page.status_code == 200 and 'value="2026-03-11"' in text(page)  # today, by default
    response = client.post(
        f"/my-young-people/{young.id}/checkins/new",
        data=form(note="We had coffee", note_shared="y", next_on="2026-03-18"),
    )
    assert response.status_code == 303
    assert response.headers["Location"] == f"/my-young-people/{young.id}#checkins"
    with world() as s:
        checkin = s.exec(select(CheckIn)).one()
        assert (checkin.by_id, checkin.note_shared, checkin.next_on) == (people["mentor"].id, True, date(2026, 3, 18))
        [notice] = notices(s, young.id)
        assert notice.kind == "checkin_note" and "We had coffee" in notice.body


def test_a_private_note_tells_the_young_person_nothing(frozen, world, as_user, circle_world):
    people = circle_world()
    client = as_user(people["caseworker"])
    response = client.post(f"/my-young-people/{people['young'].id}/checkins/new", data=form(note="Case matter"))
    assert response.status_code == 303
    with world() as s:
        assert not s.exec(select(CheckIn)).one().note_shared
        assert notices(s, people["young"].id) == []


def test_htmx_gets_a_redirect_header(frozen, as_user, circle_world):
    people = circle_world()
    client = as_user(people["staff"])
    response = client.post(
        f"/my-young-people/{people['young'].id}/checkins/new", data=form(), headers={"HX-Request": "true"}
    )
    assert response.status_code == 204 and response.headers["HX-Redirect"].endswith("#checkins")


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"happened_on": "2026-03-12"}, "The date cannot be in the future."),
        ({"happened_on": "2025-03-10"}, "The date can be at most a year back."),
        ({"happened_on": "yesterday"}, "Choose a date."),
        ({"happened_on": ""}, "Write the date you were in touch."),
        ({"way": ""}, "Choose how you were in touch."),
        ({"way": "pigeon"}, "Choose how you were in touch."),
        ({"went": "meh"}, "Choose how it went."),
        ({"note": "x" * 1001}, "Keep it under 1000 characters."),
        ({"next_on": "2026-03-10"}, "The next check-in must be after the date of this one."),
        ({"next_on": "soon"}, "Choose a date."),
    ],
)
def test_bad_input_is_422_with_a_clear_message_and_nothing_saved(frozen, world, as_user, circle_world, values, message):
    people = circle_world()
    client = as_user(people["caseworker"])
    response = client.post(f"/my-young-people/{people['young'].id}/checkins/new", data=form(**values))
    assert response.status_code == 422
    assert message in text(response)
    with world() as s:
        assert s.exec(select(CheckIn)).first() is None


@pytest.mark.clock
def test_a_check_in_may_be_dated_today_in_aarhus_but_not_tomorrow(world, as_user, circle_world):
    """Today is the hub's day, and the form offers it: just after midnight in Aarhus, UTC is a day behind."""
    people = circle_world()
    client = as_user(people["caseworker"])
    url = f"/my-young-people/{people['young'].id}/checkins/new"
    assert f'value="{hub_today().isoformat()}"' in text(client.get(url))
    tomorrow = client.post(url, data=form(happened_on=(hub_today() + timedelta(days=1)).isoformat()))
    assert tomorrow.status_code == 422 and "The date cannot be in the future." in text(tomorrow)
    assert client.post(url, data=form(happened_on=hub_today().isoformat())).status_code == 303


def test_the_service_says_no_to_people_outside_the_circle(world, circle_world):
    people = circle_world()
    with world() as s, pytest.raises(NotFound):
        services.log_checkin(
            s,
            actor=people["outside_caseworker"],
            young=people["young"],
            today=TODAY,
            happened_on=TODAY,
            way="phone",
            went="good",
        )


def test_the_service_checks_dates_itself(world, circle_world):
    people = circle_world()
    with world() as s:
        with pytest.raises(Invalid) as error:
            services.log_checkin(
                s,
                actor=people["mentor"],
                young=people["young"],
                today=TODAY,
                happened_on=None,
                way="phone",
                went="good",
            )
        assert error.value.code == "date_missing"
        with pytest.raises(Invalid) as error:
            services.log_checkin(
                s,
                actor=people["mentor"],
                young=people["young"],
                today=TODAY,
                happened_on=TODAY,
                way="phone",
                went="good",
                next_on=TODAY,
            )
        assert error.value.code == "next_not_after"


def test_a_shared_empty_note_is_not_a_shared_note(world, circle_world):
    people = circle_world()
    with world() as s:
        checkin = services.log_checkin(
            s,
            actor=people["mentor"],
            young=people["young"],
            today=TODAY,
            happened_on=TODAY,
            way="chat",
            went="mixed",
            note="  ",
            note_shared=True,
        )
        assert not checkin.note_shared and notices(s, people["young"].id) == []


# --- the adult home ---------------------------------------------------------------------------------


@pytest.mark.clock
def test_the_adult_home_says_who_is_due(frozen, world, as_user):
    with world() as s:
        me = make_user(s, is_mentor=True)
        sara = make_user(s, is_young=True, name="Sara Nielsen")
        amina = make_user(s, is_young=True, name="Amina Hassan")
        add_link(s, sara, me)
        add_link(s, amina, me)
        add_checkin(s, sara, me, on=TODAY - timedelta(days=20), next_on=TODAY - timedelta(days=10))
        add_checkin(s, amina, me, on=TODAY - timedelta(days=2), next_on=TODAY + timedelta(days=5))
    body = text(as_user(me).get("/"))
    assert "2 young people have you in their circle." in body
    assert "Sara Nielsen" in body and "overdue since Sunday 1 March" in body
    assert "Amina Hassan" not in body
    assert 'href="/my-young-people"' in body and 'href="/volunteer"' in body


def test_the_adult_home_keeps_its_empty_state(login_as, client):
    login_as("support", locale="en")
    body = text(client.get("/"))
    assert "When a young person chooses you" in body and 'href="/volunteer"' not in body


def test_the_latest_check_ins_first_older_ones_a_tap_away_and_what_you_agreed(frozen, world, as_user, circle_world):
    people = circle_world()
    with world() as s:
        for n in range(12):
            add_checkin(s, people["young"], people["mentor"], on=TODAY - timedelta(days=30 - n), note=f"Walk {n}")
        add_checkin(
            s, people["young"], people["mentor"], on=TODAY - timedelta(days=4), next_on=TODAY - timedelta(days=1)
        )
    body = text(as_user(people["mentor"]).get(f"/my-young-people/{people['young'].id}"))
    assert "3 older check-ins" in body and body.index("Walk 11") < body.index("<details")
    assert "Overdue: you agreed to be in touch on Tuesday 10 March." in body
