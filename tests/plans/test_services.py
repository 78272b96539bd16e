"""PLAN1's rules: the young person writes the plan, others suggest and comment, every change is kept."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask_babel import force_locale
from sqlmodel import select

from hub.accounts.models import User
from hub.errors import Conflict, Forbidden, Invalid, NotFound
from hub.notifications.models import Notification
from hub.plans import queries, services
from hub.plans.models import Goal, Plan, PlanChange, Step, Suggestion
from hub.support.models import SupportLink
from tests.factories import make_user

TODAY = date(2026, 3, 10)


@pytest.fixture
def people(world):
    """Sara (young), her caseworker Hanne who may see the plan, and a mentor outside her circle."""
    with world() as s:
        sara = make_user(s, is_young=True, preferred_name="Sara", locale="en")
        hanne = make_user(s, support_type="caseworker", preferred_name="Hanne", locale="en")
        mentor = make_user(s, is_mentor=True)
        s.add(SupportLink(young_id=sara.id, supporter_id=hanne.id, see_plan=True))
    return {"sara": sara.id, "hanne": hanne.id, "mentor": mentor.id}


def changes(s, young_id: int) -> list[tuple[str, str, int]]:
    rows = s.exec(select(PlanChange).where(PlanChange.young_id == young_id).order_by(PlanChange.id))
    return [(c.entity, c.action, c.by_id) for c in rows]


def notices(s, user_id: int) -> list[str]:
    return list(s.exec(select(Notification.kind).where(Notification.user_id == user_id)))


def test_the_plan_row_is_made_on_the_first_write(world, people):
    with world() as s:
        sara = s.get(User, people["sara"])
        assert s.get(Plan, sara.id) is None
        goal = services.add_goal(s, actor=sara, area="housing", title="Egen lejlighed")
        assert s.get(Plan, sara.id).dreams == ""
        assert goal.young_id == sara.id and goal.created_by_id == sara.id


def test_every_change_is_kept_with_who_made_it(world, people):
    with world() as s:
        sara, hanne = s.get(User, people["sara"]), s.get(User, people["hanne"])
        services.edit_dreams(s, actor=sara, dreams="Min egen lejlighed og en hund")
        services.edit_dreams(s, actor=sara, dreams="Min egen lejlighed og en hund")  # unchanged: not logged
        goal = services.add_goal(s, actor=sara, area="housing", title="Egen lejlighed")
        services.edit_goal(
            s, actor=sara, goal=goal, title="Min egen lejlighed", why="", area="housing", status="under_way"
        )
        step = services.add_step(s, actor=sara, goal=goal, what="Skriv mig op", today=TODAY)
        services.edit_step(
            s, actor=sara, step=step, what="Skriv mig op hos AAB", helper="me", helper_name="", due_on=None,
            status="not_started", today=TODAY,
        )  # fmt: skip
        services.set_step_status(s, actor=sara, step=step, status="done")
        services.set_step_status(s, actor=sara, step=step, status="done")  # the same tap twice: once
        services.comment(s, actor=hanne, goal=goal, text="Godt gået!")
        suggestion = services.suggest(s, actor=hanne, young_id=sara.id, text="Søg boligstøtte", goal_id=goal.id)
        services.answer_suggestion(s, actor=sara, suggestion=suggestion, answer="agree")
        services.remove_goal(s, actor=sara, goal=goal)
        assert changes(s, sara.id) == [
            ("dreams", "edited", sara.id),
            ("goal", "added", sara.id),
            ("goal", "edited", sara.id),
            ("goal", "status", sara.id),
            ("step", "added", sara.id),
            ("step", "edited", sara.id),
            ("step", "status", sara.id),
            ("comment", "added", hanne.id),
            ("suggestion", "added", hanne.id),
            ("step", "added", sara.id),
            ("suggestion", "answered", sara.id),
            ("goal", "removed", sara.id),
        ]
        status = s.exec(select(PlanChange).where(PlanChange.entity == "goal", PlanChange.action == "status")).one()
        assert (status.before, status.after, status.title) == ("not_started", "under_way", "Min egen lejlighed")
        removed = s.exec(select(PlanChange).where(PlanChange.action == "removed")).one()
        assert removed.title == "Min egen lejlighed"  # the history outlives the goal
        assert s.exec(select(Step)).all() == []  # its steps went with it


def test_agreeing_to_a_goal_makes_it_credited_to_the_suggester_who_is_told(world, people):
    with world() as s:
        sara, hanne = s.get(User, people["sara"]), s.get(User, people["hanne"])
        suggestion = services.suggest(s, actor=hanne, young_id=sara.id, text="Prøve et fritidsjob", area="job")
        assert notices(s, sara.id) == ["plan_suggestion"]
        assert s.exec(select(Goal)).all() == []  # nothing enters the plan before she says yes
        services.answer_suggestion(s, actor=sara, suggestion=suggestion, answer="agree")
        goal = s.get(Goal, suggestion.made_goal_id)
        assert (goal.young_id, goal.area, goal.title, goal.created_by_id) == (
            sara.id,
            "job",
            "Prøve et fritidsjob",
            hanne.id,
        )
        assert notices(s, hanne.id) == ["plan_answer"]
        assert "Sara answered your suggestion" in s.exec(select(Notification.title)).all()


def test_agreeing_to_a_step_adds_it_to_the_goal(world, people):
    with world() as s:
        sara, hanne = s.get(User, people["sara"]), s.get(User, people["hanne"])
        goal = services.add_goal(s, actor=sara, area="housing", title="Egen lejlighed")
        suggestion = services.suggest(s, actor=hanne, young_id=sara.id, text="Ring til AAB", goal_id=goal.id)
        services.answer_suggestion(s, actor=sara, suggestion=suggestion, answer="agree")
        step = s.get(Step, suggestion.made_step_id)
        assert (step.goal_id, step.what, step.created_by_id) == (goal.id, "Ring til AAB", hanne.id)


@pytest.mark.parametrize("answer", ["not_for_me", "lets_talk"])
def test_other_answers_add_nothing_but_are_told(world, people, answer):
    with world() as s:
        sara, hanne = s.get(User, people["sara"]), s.get(User, people["hanne"])
        suggestion = services.suggest(s, actor=hanne, young_id=sara.id, text="Prøve et fritidsjob", area="job")
        services.answer_suggestion(s, actor=sara, suggestion=suggestion, answer=answer)
        services.answer_suggestion(s, actor=sara, suggestion=suggestion, answer=answer)  # a double tap
        assert s.exec(select(Goal)).all() == []
        assert (suggestion.answer, suggestion.made_goal_id) == (answer, None)
        assert notices(s, hanne.id) == ["plan_answer"]
        with pytest.raises(Conflict) as e:
            services.answer_suggestion(s, actor=sara, suggestion=suggestion, answer="agree")
        assert e.value.code == "already_answered"


def test_nothing_enters_the_plan_without_the_young_persons_say(world, people):
    with world() as s:
        sara, hanne = s.get(User, people["sara"]), s.get(User, people["hanne"])
        goal = services.add_goal(s, actor=sara, area="housing", title="Egen lejlighed")
        step = services.add_step(s, actor=sara, goal=goal, what="Skriv mig op", today=TODAY)
        suggestion = services.suggest(s, actor=hanne, young_id=sara.id, text="Søg boligstøtte", goal_id=goal.id)
        attempts = [
            lambda: services.add_goal(s, actor=hanne, area="job", title="Et job"),
            lambda: services.edit_dreams(s, actor=hanne, dreams="Noget andet"),
            lambda: services.edit_goal(s, actor=hanne, goal=goal, title="X", why="", area="job", status="done"),
            lambda: services.remove_goal(s, actor=hanne, goal=goal),
            lambda: services.add_step(s, actor=hanne, goal=goal, what="Gør det", today=TODAY),
            lambda: services.set_step_status(s, actor=hanne, step=step, status="done"),
            lambda: services.answer_suggestion(s, actor=hanne, suggestion=suggestion, answer="agree"),
        ]
        for attempt in attempts:
            with pytest.raises(Forbidden) as e:
                attempt()
            assert e.value.code == "not_your_plan"
        assert (goal.title, step.status, suggestion.answer) == ("Egen lejlighed", "not_started", None)


def test_only_those_who_may_see_the_plan_suggest_or_comment(world, people):
    with world() as s:
        sara, hanne, mentor = (s.get(User, people[k]) for k in ("sara", "hanne", "mentor"))
        other = make_user(s, is_young=True)
        goal = services.add_goal(s, actor=sara, area="housing", title="Egen lejlighed")
        other_goal = services.add_goal(s, actor=other, area="job", title="Et job")
        with pytest.raises(NotFound):
            services.suggest(s, actor=mentor, young_id=sara.id, text="Hej", area="job")
        with pytest.raises(NotFound):
            services.comment(s, actor=mentor, goal=goal, text="Hej")
        with pytest.raises(NotFound):
            services.suggest(s, actor=sara, young_id=sara.id, text="Til mig selv", area="job")
        with pytest.raises(NotFound):
            services.suggest(s, actor=hanne, young_id=sara.id, text="Hej", goal_id=other_goal.id)
        with pytest.raises(Invalid) as e:
            services.suggest(s, actor=hanne, young_id=sara.id, text="Hej", area="job", goal_id=goal.id)
        assert e.value.code == "target_missing"
        with pytest.raises(Invalid) as e:
            services.suggest(s, actor=hanne, young_id=sara.id, text="Hej", area="moon")
        assert e.value.code == "area_unknown"


def test_comments_tell_the_young_person_but_not_about_their_own(world, people):
    with world() as s:
        sara, hanne = s.get(User, people["sara"]), s.get(User, people["hanne"])
        goal = services.add_goal(s, actor=sara, area="housing", title="Egen lejlighed")
        services.comment(s, actor=sara, goal=goal, text="Jeg har skrevet mig op")
        assert notices(s, sara.id) == []
        services.comment(s, actor=hanne, goal=goal, text="Godt gået!")
        assert notices(s, sara.id) == ["plan_comment"]


def test_bad_input_is_refused_with_a_stable_code(world, people):
    with world() as s:
        sara = s.get(User, people["sara"])
        goal = services.add_goal(s, actor=sara, area="housing", title="Egen lejlighed")
        cases = [
            ("title_missing", lambda: services.add_goal(s, actor=sara, area="job", title="  ")),
            ("title_too_long", lambda: services.add_goal(s, actor=sara, area="job", title="x" * 121)),
            ("why_too_long", lambda: services.add_goal(s, actor=sara, area="job", title="Job", why="x" * 501)),
            ("area_unknown", lambda: services.add_goal(s, actor=sara, area="moon", title="Job")),
            ("dreams_too_long", lambda: services.edit_dreams(s, actor=sara, dreams="x" * 2001)),
            ("what_too_long", lambda: services.add_step(s, actor=sara, goal=goal, what="x" * 201, today=TODAY)),
            (
                "helper_unknown",
                lambda: services.add_step(s, actor=sara, goal=goal, what="A", helper="cat", today=TODAY),
            ),
            ("helper_name_missing", lambda: services.add_step(s, actor=sara, goal=goal, what="A", helper="other")),
            (
                "due_on_past",
                lambda: services.add_step(
                    s, actor=sara, goal=goal, what="A", due_on=TODAY - timedelta(days=1), today=TODAY
                ),
            ),
            ("text_too_long", lambda: services.comment(s, actor=sara, goal=goal, text="x" * 501)),
        ]
        for code, attempt in cases:
            with pytest.raises(Invalid) as e:
                attempt()
            assert e.value.code == code


@pytest.mark.clock
def test_a_step_may_keep_a_date_that_has_passed_but_not_get_a_new_one(world, people):
    with world() as s:
        sara = s.get(User, people["sara"])
        goal = services.add_goal(s, actor=sara, area="housing", title="Egen lejlighed")
        step = services.add_step(s, actor=sara, goal=goal, what="Ring", due_on=TODAY, today=TODAY)
        later = TODAY + timedelta(days=5)
        fields = {"what": "Ring til AAB", "helper": "other", "helper_name": "Lene", "status": "under_way"}
        services.edit_step(s, actor=sara, step=step, due_on=TODAY, today=later, **fields)  # kept: fine
        assert (step.what, step.helper_name, step.status) == ("Ring til AAB", "Lene", "under_way")
        with pytest.raises(Invalid) as e:
            services.edit_step(s, actor=sara, step=step, due_on=TODAY + timedelta(days=1), today=later, **fields)
        assert e.value.code == "due_on_past"


def test_progress_counts_done_steps_and_leaves_dropped_ones_out(world, people):
    with world() as s:
        sara = s.get(User, people["sara"])
        goal = services.add_goal(s, actor=sara, area="health", title="Sove bedre")
        for what, status in [("A", "done"), ("B", "under_way"), ("C", "dropped"), ("D", "not_started")]:
            step = services.add_step(s, actor=sara, goal=goal, what=what, today=TODAY)
            services.set_step_status(s, actor=sara, step=step, status=status)
        view = queries.plan_view(s, sara, today=TODAY, for_owner=True)
        [health] = view.areas
        assert (health.area, health.goals[0].done, health.goals[0].total) == ("health", 1, 3)
        assert "health" not in [area for area, _label in view.empty_areas]
        assert len(view.empty_areas) == 6


def test_the_history_reads_in_plain_words_from_a_day(world, people):
    from datetime import datetime

    from hub.plans.services import AARHUS

    with world() as s:
        sara, hanne = s.get(User, people["sara"]), s.get(User, people["hanne"])
        goal = services.add_goal(s, actor=sara, area="housing", title="Egen lejlighed")
        services.edit_goal(s, actor=sara, goal=goal, title="Egen lejlighed", why="", area="housing", status="done")
        services.comment(s, actor=hanne, goal=goal, text="Tillykke!")
        old = PlanChange(young_id=sara.id, by_id=sara.id, entity="goal", action="added", title="Gammelt mål")
        old.at = datetime(2020, 1, 1, 12, tzinfo=AARHUS)
        s.add(old)
        s.flush()
        with force_locale("en"):
            texts = [c.text for c in queries.changes_since(s, young_id=sara.id, since=date(2021, 1, 1), viewer=hanne)]
        assert texts == [
            "You commented on the goal “Egen lejlighed”",
            "Sara moved the goal “Egen lejlighed” from Not started to Done",
            "Sara added the goal “Egen lejlighed”",
        ]
        with force_locale("en"):
            everything = queries.changes_since(s, young_id=sara.id, since=date(2019, 12, 31), viewer=sara)
        assert everything[-1].text == "You added the goal “Gammelt mål”"
        with force_locale("da"):
            texts = [c.text for c in queries.changes_since(s, young_id=sara.id, since=date(2021, 1, 1), viewer=hanne)]
        assert texts[0] == "Du har kommenteret målet “Egen lejlighed”"  # "Du", not "Dig": the one who did it


@pytest.mark.clock
def test_since_defaults_to_the_last_check_in_or_thirty_days(world, people):
    from hub.checkins.models import CheckIn

    with world() as s:
        sara, hanne, mentor = (s.get(User, people[k]) for k in ("sara", "hanne", "mentor"))
        assert queries.default_since(s, viewer=hanne, young_id=sara.id, today=TODAY) == (
            TODAY - timedelta(days=30),
            False,
        )
        s.add(CheckIn(young_id=sara.id, by_id=hanne.id, happened_on=date(2026, 3, 1), way="phone", went="good"))
        s.add(CheckIn(young_id=sara.id, by_id=mentor.id, happened_on=date(2026, 3, 5), way="meeting", went="good"))
        s.flush()
        assert queries.default_since(s, viewer=hanne, young_id=sara.id, today=TODAY) == (date(2026, 3, 1), True)
        assert queries.default_since(s, viewer=sara, young_id=sara.id, today=TODAY) == (date(2026, 3, 5), True)


@pytest.mark.clock
def test_the_demo_gives_sara_a_whole_plan(world):
    from hub.plans import demo

    with world() as s:
        by_login = {
            "ung": make_user(s, is_young=True, preferred_name="Sara"),
            "sagsbehandler": make_user(s, support_type="caseworker", preferred_name="Hanne"),
            "mentor": make_user(s, is_mentor=True, preferred_name="Peter"),
        }
        demo.load(s, by_login)
        sara = by_login["ung"]
        view = queries.plan_view(s, sara, today=services.local_today(), for_owner=True)
        assert "pædagog" in view.dreams
        assert len(view.goals) == 5 and all(2 <= len(g.steps) <= 4 for g in view.goals)
        assert [w.by_name for w in view.waiting] == ["Hanne"]
        answered = s.exec(select(Suggestion).where(Suggestion.answer.is_not(None))).all()
        assert len(answered) == 1 and answered[0].made_step_id
        assert len(changes(s, sara.id)) > 20
