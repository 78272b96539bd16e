"""The plan pages: the young person's own, the read-only copy for support people, history, print, offline."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest
from sqlmodel import func, select

from hub.accounts.models import User
from hub.audit.models import AuditEntry
from hub.checkins.models import CheckIn
from hub.notifications.models import Notification
from hub.plans import services
from hub.plans.models import Goal, GoalComment, Plan, PlanChange, Step, Suggestion
from hub.support.models import SupportLink
from tests.clock import hub_today
from tests.factories import make_user

pytestmark = pytest.mark.usefixtures("english")
HX = {"HX-Request": "true"}


@pytest.fixture
def sara(login_as):
    return login_as("young", preferred_name="Sara")


@pytest.fixture
def add(world):
    """Build Sara's plan through the services: `goal = add.goal(sara_id, title=...)`."""

    class Adder:
        def goal(self, young_id: int, *, title="Egen lejlighed", area="housing") -> int:
            with world() as s:
                return services.add_goal(s, actor=s.get(User, young_id), area=area, title=title).id

        def step(self, young_id: int, goal_id: int, *, what="Skriv mig op hos AAB", **kwargs) -> int:
            with world() as s:
                goal = s.get(Goal, goal_id)
                return services.add_step(s, actor=s.get(User, young_id), goal=goal, what=what, **kwargs).id

        def supporter(self, young_id: int, **link) -> User:
            with world() as s:
                person = make_user(
                    s, **{"support_type": "caseworker", "preferred_name": "Hanne", **link.pop("user", {})}
                )
                s.add(SupportLink(young_id=young_id, supporter_id=person.id, **link))
                return person

    return Adder()


def count(world, model, *where) -> int:
    with world() as s:
        return s.exec(select(func.count()).select_from(model).where(*where)).one()


# --- the young person's plan ---------------------------------------------------------------------


def test_an_empty_plan_invites_a_few_words(client, sara):
    page = client.get("/plan").get_data(as_text=True)
    assert "What do you dream about?" in page and "Write a few words" in page
    assert "No goals yet" in page
    assert 'href="/plan/goals/new?area=education"' in page  # every part of life, collapsed to a link
    assert "As of " in page  # the offline copy says how old it is


def test_dreams_are_written_in_their_own_words(app, client, world, sara):
    response = client.post("/plan/dreams", data={"dreams": "  Min egen lejlighed. En hund.  "})
    assert response.status_code == 303 and response.headers["Location"] == "/plan"
    page = client.get("/plan").get_data(as_text=True)
    assert "Min egen lejlighed. En hund." in page and "Change my words" in page
    with world() as s:
        assert s.get(Plan, sara.id).dreams == "Min egen lejlighed. En hund."
        assert s.exec(select(PlanChange.entity)).all() == ["dreams"]
    too_long = client.post("/plan/dreams", data={"dreams": "x" * 2001})
    assert too_long.status_code == 422 and "Keep it under 2000 characters." in too_long.get_data(as_text=True)


def test_a_goal_is_added_and_shown_by_part_of_life(client, world, sara):
    form = client.get("/plan/goals/new?area=housing").get_data(as_text=True)
    assert '<option selected value="housing">' in form or 'value="housing" selected' in form
    response = client.post("/plan/goals/new", data={"title": "Egen lejlighed", "area": "housing", "why": "Ro"})
    assert response.status_code == 303
    goal_id = int(re.search(r"/plan/goals/(\d+)#add-step", response.headers["Location"]).group(1))
    page = client.get("/plan").get_data(as_text=True)
    assert "Housing" in page and "Egen lejlighed" in page and "No steps yet" in page
    assert 'href="/plan/goals/new?area=housing"' not in page
    assert client.get(f"/plan/goals/{goal_id}").status_code == 200


@pytest.mark.parametrize(
    "data, message",
    [
        ({"title": "", "area": "housing"}, "Give your goal a short name."),
        ({"title": "x" * 121, "area": "housing"}, "Keep it under 120 characters."),
        ({"title": "Job", "area": "moon"}, "Not a valid choice"),
    ],
)
def test_a_bad_goal_is_explained_and_nothing_saved(client, world, sara, data, message):
    response = client.post("/plan/goals/new", data=data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert count(world, Goal) == 0


@pytest.mark.clock
def test_steps_with_who_helps_and_by_when(client, world, sara, add):
    goal = add.goal(sara.id)
    due = (hub_today() + timedelta(days=7)).isoformat()
    data = {"what": "Ring til AAB", "helper": "other", "helper_name": "Min moster Lene", "due_on": due}
    response = client.post(f"/plan/goals/{goal}/steps", data=data)
    assert response.status_code == 303
    page = client.get(f"/plan/goals/{goal}").get_data(as_text=True)
    assert "Ring til AAB" in page and "Who helps: Min moster Lene" in page and "0 of 1 step done" in page


@pytest.mark.clock
def test_a_step_may_be_due_today_in_aarhus_but_not_yesterday(client, world, sara, add):
    """Today is the hub's day: just after midnight in Aarhus it is already tomorrow in UTC."""
    goal = add.goal(sara.id)
    step = {"what": "Ring til AAB", "helper": "me"}
    yesterday = (hub_today() - timedelta(days=1)).isoformat()
    response = client.post(f"/plan/goals/{goal}/steps", data={**step, "due_on": yesterday})
    assert response.status_code == 422 and "Pick today or a day after it." in response.get_data(as_text=True)
    response = client.post(f"/plan/goals/{goal}/steps", data={**step, "due_on": hub_today().isoformat()})
    assert response.status_code == 303


@pytest.mark.parametrize(
    "change, message",
    [
        ({"due_on": "2020-01-01"}, "Pick today or a day after it."),
        ({"due_on": "soon"}, "Write the date like this"),
        ({"what": ""}, "Write what the step is."),
        ({"what": "x" * 201}, "Keep it under 200 characters."),
        ({"helper": "other", "helper_name": ""}, "Write who helps you."),
    ],
)
def test_a_bad_step_is_explained_and_what_they_wrote_is_kept(client, world, sara, add, change, message):
    goal = add.goal(sara.id)
    data = {"what": "Ring til AAB", "helper": "me", "helper_name": "", "due_on": "", **change}
    response = client.post(f"/plan/goals/{goal}/steps", data=data)
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and message in body and 'aria-invalid="true"' in body
    if change.get("what") is None:
        assert 'value="Ring til AAB"' in body
    assert count(world, Step) == 0


def test_a_step_status_swaps_just_its_row_with_htmx(client, world, sara, add):
    goal = add.goal(sara.id)
    step = add.step(sara.id, goal)
    response = client.post(f"/plan/steps/{step}/status", data={"status": "done", "next": "/plan"}, headers=HX)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in body
    assert body.lstrip().startswith(f'<li class="plan-step plan-step--done" id="step-{step}"')
    assert f'id="goal-progress-{goal}" hx-swap-oob="true"' in body and "1 of 1 step done" in body
    assert "Not done after all" in body


def test_a_step_status_without_htmx_goes_back_to_the_page(client, world, sara, add):
    goal = add.goal(sara.id)
    step = add.step(sara.id, goal)
    response = client.post(f"/plan/steps/{step}/status", data={"status": "under_way", "next": "/plan"})
    assert response.status_code == 303 and response.headers["Location"] == f"/plan#step-{step}"
    response = client.post(f"/plan/steps/{step}/status", data={"status": "flying"})
    assert response.status_code == 422
    with world() as s:
        assert s.get(Step, step).status == "under_way"


def test_editing_a_goal_and_a_step(client, world, sara, add):
    goal = add.goal(sara.id)
    step = add.step(sara.id, goal)
    assert client.get(f"/plan/goals/{goal}/edit").status_code == 200
    data = {"title": "Min egen lejlighed", "area": "housing", "why": "", "status": "under_way"}
    assert client.post(f"/plan/goals/{goal}/edit", data=data).status_code == 303
    assert client.get(f"/plan/steps/{step}/edit").status_code == 200
    data = {"what": "Skriv mig op", "helper": "staff", "helper_name": "", "due_on": "", "status": "done"}
    assert client.post(f"/plan/steps/{step}/edit", data=data).status_code == 303
    with world() as s:
        assert (s.get(Goal, goal).title, s.get(Goal, goal).status) == ("Min egen lejlighed", "under_way")
        assert (s.get(Step, step).helper, s.get(Step, step).status) == ("staff", "done")


def test_removing_a_goal_asks_first(client, world, sara, add):
    goal = add.goal(sara.id)
    ask = client.get(f"/plan/goals/{goal}/delete")
    assert ask.status_code == 200 and "Yes, remove it" in ask.get_data(as_text=True)
    not_yet = client.post(f"/plan/goals/{goal}/delete")  # without the question's yes: the question
    assert not_yet.status_code == 303 and not_yet.headers["Location"] == f"/plan/goals/{goal}/delete"
    assert count(world, Goal) == 1
    done = client.post(f"/plan/goals/{goal}/delete", data={"confirm": "yes"})
    assert done.status_code == 303 and done.headers["Location"] == "/plan"
    assert count(world, Goal) == 0
    assert count(world, PlanChange, PlanChange.action == "removed") == 1


def test_another_persons_goal_step_or_suggestion_is_not_found(client, world, sara, add):
    with world() as s:
        other = make_user(s, is_young=True).id
    goal = add.goal(other)
    step = add.step(other, goal)
    hanne = add.supporter(other, see_plan=True)
    with world() as s:
        suggestion = services.suggest(s, actor=s.get(User, hanne.id), young_id=other, text="Hej", area="job").id
    for method, url in [
        ("GET", f"/plan/goals/{goal}"),
        ("GET", f"/plan/goals/{goal}/edit"),
        ("POST", f"/plan/goals/{goal}/delete"),
        ("POST", f"/plan/goals/{goal}/steps"),
        ("POST", f"/plan/goals/{goal}/comments"),
        ("GET", f"/plan/steps/{step}/edit"),
        ("POST", f"/plan/steps/{step}/status"),
        ("POST", f"/plan/suggestions/{suggestion}/answer"),
        ("GET", f"/young/{other}/plan"),
        ("GET", f"/young/{other}/plan/changes"),
        ("POST", f"/young/{other}/plan/suggestions"),
    ]:
        assert client.open(url, method=method, data={"confirm": "yes", "status": "done"}).status_code == 404, url
    assert count(world, Goal) == 1 and count(world, Step, Step.status == "done") == 0


# --- suggestions and comments --------------------------------------------------------------------


def test_a_suggestion_waits_for_the_young_persons_answer(app, client, world, auth, sara, add):
    goal = add.goal(sara.id)
    hanne = add.supporter(sara.id, see_plan=True)
    with world() as s:
        actor = s.get(User, hanne.id)
        for_goal = services.suggest(s, actor=actor, young_id=sara.id, text="Prøve et fritidsjob", area="job").id
        for_step = services.suggest(s, actor=actor, young_id=sara.id, text="Ring til AAB", goal_id=goal).id
    page = client.get("/plan").get_data(as_text=True)
    assert "Hanne suggests:" in page and "Prøve et fritidsjob" in page and "A new goal for: Job" in page
    assert "A step on your goal “Egen lejlighed”" in page
    for label in (">Agree<", ">Not for me<", "s talk<", 'value="lets_talk"'):
        assert label in page
    agreed = client.post(f"/plan/suggestions/{for_goal}/answer", data={"answer": "agree"})
    assert agreed.status_code == 303
    made = count(world, Goal, Goal.title == "Prøve et fritidsjob", Goal.created_by_id == hanne.id)
    assert made == 1
    talk = client.post(f"/plan/suggestions/{for_step}/answer", data={"answer": "lets_talk"})
    assert talk.status_code == 303
    assert count(world, Step) == 0
    assert "Hanne will hear that you would like to talk about it." in client.get("/plan").get_data(as_text=True)
    assert count(world, Notification, Notification.user_id == hanne.id, Notification.kind == "plan_answer") == 2
    again = client.post(f"/plan/suggestions/{for_goal}/answer", data={"answer": "not_for_me"})
    assert again.status_code == 303  # already answered: explained, nothing changes
    bad = client.post(f"/plan/suggestions/{for_goal}/answer", data={"answer": "maybe"})
    assert bad.status_code == 422


def test_a_support_person_reads_comments_and_suggests(client, world, auth, make, add):
    with world() as s:
        young = make_user(s, is_young=True, preferred_name="Sara")
        young_id = young.id
    goal = add.goal(young_id)
    add.step(young_id, goal, helper="me")
    hanne = add.supporter(young_id, see_plan=True)
    auth.login(hanne)
    page = client.get(f"/young/{young_id}/plan")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "Sara&#39;s plan" in body and "Egen lejlighed" in body
    assert "Who helps: Sara" in body  # "Me" would mean the reader
    assert "Not done after all" not in body and "/status" not in body  # read-only: no step buttons
    assert count(world, AuditEntry, AuditEntry.area == "plan") == 1

    posted = client.post(f"/plan/goals/{goal}/comments", data={f"goal{goal}-text": "Godt gået!"})
    assert posted.status_code == 303 and posted.headers["Location"] == f"/young/{young_id}/plan#goal-{goal}"
    assert count(world, GoalComment) == 1
    assert count(world, Notification, Notification.user_id == young_id, Notification.kind == "plan_comment") == 1
    empty = client.post(f"/plan/goals/{goal}/comments", data={f"goal{goal}-text": ""}, headers={})
    assert empty.status_code == 422 and "Write something first." in empty.get_data(as_text=True)

    step = client.post(f"/young/{young_id}/plan/suggestions", data={"goal_id": goal, f"suggest{goal}-text": "Ring"})
    assert step.status_code == 303
    new_goal = client.post(f"/young/{young_id}/plan/suggestions", data={"area": "job", "text": "Fritidsjob"})
    assert new_goal.status_code == 303
    bad = client.post(f"/young/{young_id}/plan/suggestions", data={"area": "job", "text": ""})
    assert bad.status_code == 422 and "Write your suggestion." in bad.get_data(as_text=True)
    assert count(world, Suggestion) == 2 and count(world, Goal) == 1 and count(world, Step) == 1  # nothing added yet
    assert "<strong>You:</strong> Fritidsjob" in client.get(f"/young/{young_id}/plan").get_data(as_text=True)


def test_the_young_person_comments_on_their_own_goal(client, world, sara, add):
    goal = add.goal(sara.id)
    posted = client.post(f"/plan/goals/{goal}/comments", data={f"goal{goal}-text": "Jeg er i gang"})
    assert posted.status_code == 303 and posted.headers["Location"] == f"/plan/goals/{goal}#comments"
    assert "Jeg er i gang" in client.get(f"/plan/goals/{goal}").get_data(as_text=True)
    too_long = client.post(f"/plan/goals/{goal}/comments", data={f"goal{goal}-text": "x" * 501})
    assert too_long.status_code == 422


@pytest.mark.parametrize(
    "who, link, allowed",
    [
        ("another young person", None, False),
        ("a mentor outside the circle", None, False),
        ("a linked mentor without the plan", {"user": {"is_mentor": True}, "see_plan": False}, False),
        ("a network person (sees nothing until allowed)", {"user": {"support_type": "network"}}, False),
        ("a linked mentor with the plan", {"user": {"is_mentor": True}, "see_plan": True}, True),
        ("a link that has ended", {"see_plan": True, "ended_at": datetime(2025, 1, 1).astimezone()}, False),
    ],
)
def test_who_may_read_a_plan(client, world, auth, add, who, link, allowed):
    with world() as s:
        young_id = make_user(s, is_young=True).id
        if who == "another young person":
            reader = make_user(s, is_young=True)
        elif link is None:
            reader = make_user(s, is_mentor=True)
    add.goal(young_id)
    if link is not None:
        user = link.pop("user", {"support_type": "caseworker"})
        reader = add.supporter(young_id, user={"preferred_name": None, **user}, **link)
    auth.login(reader)
    for url in (f"/young/{young_id}/plan", f"/young/{young_id}/plan/changes"):
        assert client.get(url).status_code == (200 if allowed else 404), (who, url)
    assert count(world, AuditEntry) == (1 if allowed else 0)  # two looks in one visit: one line


def test_staff_read_every_plan_and_the_audit_log_says_so(client, world, login_as, add):
    with world() as s:
        young_id = make_user(s, is_young=True).id
    add.goal(young_id)
    login_as("staff")
    assert client.get(f"/young/{young_id}/plan").status_code == 200
    assert count(world, AuditEntry, AuditEntry.actor_kind == "staff", AuditEntry.area == "plan") == 1
    with world() as s:
        staff_id = make_user(s, is_staff=True).id
    assert client.get(f"/young/{staff_id}/plan").status_code == 404  # only young people have a plan


def test_the_young_person_is_sent_to_their_own_page(client, sara):
    response = client.get(f"/young/{sara.id}/plan")
    assert response.status_code == 302 and response.headers["Location"] == "/plan"


# --- what changed since ------------------------------------------------------------------------


def test_what_changed_since_the_last_check_in(client, world, auth, add):
    with world() as s:
        young_id = make_user(s, is_young=True, preferred_name="Sara").id
    goal = add.goal(young_id, title="Nyt mål")
    hanne = add.supporter(young_id, see_plan=True)
    with world() as s:
        old = PlanChange(young_id=young_id, by_id=young_id, entity="goal", action="added", title="Gammelt mål")
        old.at = datetime(2026, 1, 5, 12).astimezone()
        s.add(old)
        s.add(CheckIn(young_id=young_id, by_id=hanne.id, happened_on=date(2026, 2, 1), way="phone", went="good"))
    auth.login(hanne)
    page = client.get(f"/young/{young_id}/plan/changes").get_data(as_text=True)
    assert "Since your last check-in with Sara on" in page
    assert "Sara added the goal “Nyt mål”" in page and "Gammelt mål" not in page
    earlier = client.get(f"/young/{young_id}/plan/changes?since=2026-01-01").get_data(as_text=True)
    assert "Gammelt mål" in earlier and 'value="2026-01-01"' in earlier
    for bad in ("yesterday", "2026-13-01", "0001-01-01"):
        response = client.get(f"/young/{young_id}/plan/changes?since={bad}")
        assert response.status_code == 422, bad
        assert 'aria-invalid="true"' in response.get_data(as_text=True)
    assert goal


def test_the_young_person_reads_their_own_history(client, world, sara, add):
    add.goal(sara.id, title="Egen lejlighed")
    page = client.get("/plan/changes")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "You added the goal “Egen lejlighed”" in body
    assert "Since " in body


# --- home, print, offline ------------------------------------------------------------------------


@pytest.mark.clock
def test_the_home_card_shows_dreams_goals_and_the_next_step(client, world, sara, add):
    card = client.get("/").get_data(as_text=True)
    assert 'id="home-plan"' in card and "Write your hopes and dreams" in card
    client.post("/plan/dreams", data={"dreams": "Min egen lejlighed\nOg en hund"})
    goal = add.goal(sara.id)
    with world() as s:
        g = s.get(Goal, goal)
        services.edit_goal(
            s, actor=s.get(User, sara.id), goal=g, title=g.title, why="", area=g.area, status="under_way"
        )
    add.step(sara.id, goal, what="Uden dato")
    add.step(sara.id, goal, what="Ring til AAB", due_on=hub_today() + timedelta(days=3))
    card = client.get("/").get_data(as_text=True)
    assert "“Min egen lejlighed”" in card and "1 goal under way" in card
    assert "Next step:</strong> Ring til AAB" in card  # the dated step comes first


def test_the_plan_prints_cleanly(client, sara):
    page = client.get("/plan").get_data(as_text=True)
    assert "Print my plan" in page and "data-print" in page and 'href="/plan?print=1"' in page
    assert re.search(r'<script src="/static/js/plan\.js\?v=\w+" defer></script>', page)
    assert client.get("/static/js/plan.js").status_code == 200
    css = client.get("/static/css/app.css").get_data(as_text=True)
    printing = css[css.index("/* --- plan --- */") :]
    assert "@media print" in printing and ".tabbar" in printing and "break-inside: avoid" in printing


def test_only_the_plan_and_the_wallet_are_kept_offline_and_they_go_on_logout(client, sara):
    worker = client.get("/sw.js").get_data(as_text=True)
    assert 'const PRIVATE_CACHE = "private-plan"' in worker and 'const PLAN_PATH = "/plan"' in worker
    assert "const PRIVATE_PAGES = new Set([PLAN_PATH, WALLET_PATH])" in worker
    for way_in_or_out in ("/logout", "/login", "/login/passkey", "/signup"):
        assert f'"{way_in_or_out}"' in worker[worker.index("const LOGIN_CHANGES") :].split("\n")[0]
    assert 'LOGIN_LINKS = "/welcome/"' in worker and "forgetPrivate()" in worker
    assert "isPrivatePage(request, url)" in worker and "networkOnly(request)" in worker
    assert client.get("/plan").headers["Cache-Control"] == "no-store"  # browsers keep no other copy
    logout = client.post("/logout")
    assert logout.headers["Clear-Site-Data"] == '"cache"'
