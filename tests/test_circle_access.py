"""Who sees a young person's things, person by person: the circle and its sharing choices.

The access matrix proves every route for every role in general; this proves the rules that
depend on the relationship: the assigned mentor and the unassigned one, a network person with
and without sharing, a former support person, another young person, staff — and that what a
page shows follows the young person's choices (volunteers and network people never see case
data). Everything else is 404: someone else's young person looks like no one.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from hub.checkins.models import CheckIn, Wellbeing
from hub.credits import services as klip
from hub.db import utcnow
from hub.events.models import Booking, BookingStatus
from hub.plans.models import Goal, Plan
from hub.support.models import SupportLink
from tests.clock import hub_today
from tests.events.helpers import make_event
from tests.factories import make_user

SECRETS = {
    "plan": "GOAL-ONLY-FOR-THE-PLAN",
    "bookings": "EVENT-ONLY-FOR-BOOKINGS",
    "wellbeing": "WORDS-ONLY-FOR-WELLBEING",
    "case": "PRIVATE-CASE-NOTE",
}
SHARE_NOTHING = {"see_plan": False, "see_bookings": False, "see_wellbeing": False, "see_klip": False}
SHARE_ALL = {"see_plan": True, "see_bookings": True, "see_wellbeing": True, "see_klip": True}


@pytest.fixture
def circle(world):
    """Young person Sara, her circle (each kind of person), and one of each of her things."""
    with world() as s:
        sara = make_user(s, is_young=True, name="Sara Nielsen")
        people = {
            "other_young": make_user(s, is_young=True),
            "caseworker": make_user(s, support_type="caseworker"),
            "mentor": make_user(s, is_mentor=True),
            "mentor_plan_off": make_user(s, is_mentor=True),
            "unassigned_mentor": make_user(s, is_mentor=True),
            "network": make_user(s, support_type="network"),
            "network_sharing": make_user(s, support_type="network"),
            "former": make_user(s, support_type="caseworker"),
            "staff": make_user(s, is_staff=True),
        }
        links = {
            "caseworker": {**SHARE_ALL, "is_primary": True},
            "mentor": SHARE_ALL,
            "mentor_plan_off": {**SHARE_ALL, "see_plan": False},
            "network": SHARE_NOTHING,
            "network_sharing": {**SHARE_NOTHING, "see_plan": True},
            "former": {**SHARE_ALL, "ended_at": utcnow() - timedelta(days=1)},
        }
        for name, values in links.items():
            s.add(SupportLink(young_id=sara.id, supporter_id=people[name].id, **values))
        s.add(Plan(young_id=sara.id, dreams="Egen lejlighed"))
        s.flush()
        goal = Goal(young_id=sara.id, area="housing", title=SECRETS["plan"], created_by_id=sara.id)
        event = make_event(s, title=SECRETS["bookings"], capacity=5)
        s.add_all(
            [goal, Booking(event_id=event.id, user_id=sara.id, status=BookingStatus.CONFIRMED, ticket_code="circle")]
        )
        s.add(Wellbeing(young_id=sara.id, mood=4, sleep=3, movement=2, words=SECRETS["wellbeing"]))
        s.add(
            CheckIn(
                young_id=sara.id,
                by_id=people["caseworker"].id,
                happened_on=hub_today() - timedelta(days=2),
                way="meeting",
                went="mixed",
                note=SECRETS["case"],
                note_shared=False,
            )
        )
        klip.grant(s, user_id=sara.id, amount=3, reason="Velkommen", actor_id=people["staff"].id)
        s.flush()
        return {"sara": sara.id, "goal": goal.id, "people": people}


def routes(ids) -> dict[str, tuple[str, str]]:
    sara, goal = ids["sara"], ids["goal"]
    return {
        "plan": ("GET", f"/young/{sara}/plan"),
        "plan_changes": ("GET", f"/young/{sara}/plan/changes"),
        "suggest": ("POST", f"/young/{sara}/plan/suggestions"),
        "comment": ("POST", f"/plan/goals/{goal}/comments"),
        "person": ("GET", f"/my-young-people/{sara}"),
        "log_checkin": ("GET", f"/my-young-people/{sara}/checkins/new"),
        "staff_page": ("GET", f"/staff/support/people/{sara}"),
    }


PLAN_ROUTES = {"plan", "plan_changes", "suggest", "comment"}
CIRCLE_ROUTES = {"person", "log_checkin"}

# viewer: the routes they get into; every other route answers 403 or 404.
ALLOWED = {
    "other_young": set(),
    "unassigned_mentor": set(),
    "former": set(),
    "network": CIRCLE_ROUTES,
    "network_sharing": CIRCLE_ROUTES | PLAN_ROUTES,
    "mentor_plan_off": CIRCLE_ROUTES,
    "mentor": CIRCLE_ROUTES | PLAN_ROUTES,
    "caseworker": CIRCLE_ROUTES | PLAN_ROUTES,
    "staff": CIRCLE_ROUTES | PLAN_ROUTES | {"staff_page"},
}


@pytest.mark.parametrize("viewer", sorted(ALLOWED))
def test_each_person_gets_into_exactly_what_the_relationship_allows(viewer, client, auth, circle):
    auth.login(circle["people"][viewer])
    for name, (method, path) in routes(circle).items():
        status = client.open(path, method=method, data={}).status_code
        where = f"{viewer} {method} {path} → {status}"
        if name in ALLOWED[viewer]:
            assert status not in (401, 403, 404, 500), where
        else:
            assert status in (403, 404), where


# viewer: which secrets their page about Sara may show (the rest must not be on it).
SEES = {
    "network": set(),
    "network_sharing": {"plan"},
    "mentor_plan_off": {"bookings", "wellbeing"},
    "mentor": {"plan", "bookings", "wellbeing"},  # never the caseworker's private note
    "caseworker": {"plan", "bookings", "wellbeing", "case"},
}


@pytest.mark.parametrize("viewer", sorted(SEES))
def test_the_page_about_a_young_person_shows_only_what_she_shared(viewer, client, auth, circle):
    auth.login(circle["people"][viewer])
    page = client.get(f"/my-young-people/{circle['sara']}").get_data(as_text=True)
    for secret, text in SECRETS.items():
        if secret in SEES[viewer]:
            assert text in page, f"{viewer} should see {secret}"
        else:
            assert text not in page, f"{viewer} must not see {secret}"


def test_the_young_person_changing_her_mind_takes_effect_at_once(client, auth, world, circle):
    mentor = circle["people"]["mentor"]
    auth.login(mentor)
    assert client.get(f"/young/{circle['sara']}/plan").status_code == 200
    with world() as s:
        link = s.exec(select(SupportLink).where(SupportLink.supporter_id == mentor.id)).one()
        link.see_plan = False
    assert client.get(f"/young/{circle['sara']}/plan").status_code == 404
    with world() as s:
        s.get(SupportLink, link.id).ended_at = utcnow()
    assert client.get(f"/my-young-people/{circle['sara']}").status_code == 404
