"""PLAN1: changing the young person's one plan, and what their support people may add to it.

The young person writes their plan; nobody else edits a goal or a step. Support people who
may see the plan suggest and comment, and a suggestion enters the plan only when the young
person agrees. Every change writes a `PlanChange` (who, what, when), so "what changed since we
last met" can be read. The plan row is made on the first write, and locked by every write, so
two quick taps on one plan take turns.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, func, select

from hub.accounts.models import User
from hub.db import utcnow
from hub.errors import Conflict, Forbidden, Invalid, NotFound
from hub.notifications.services import notify
from hub.plans.models import (
    ANSWER_LABELS,
    Answer,
    Goal,
    GoalComment,
    GoalStatus,
    Helper,
    LifeArea,
    Plan,
    PlanChange,
    Step,
    Suggestion,
)
from hub.support import circle
from hub.support.models import Area

AARHUS = ZoneInfo("Europe/Copenhagen")
DREAMS_MAX = 2000
TITLE_MAX = 120
WHY_MAX = 500
STEP_MAX = 200
HELPER_NAME_MAX = 80
COMMENT_MAX = 500
SUGGESTION_MAX = 200


def local_today(now: datetime | None = None) -> date:
    """The day it is in Aarhus: a due date "in the past" means before this."""
    return (now or utcnow()).astimezone(AARHUS).date()


# Services also run outside a request (the demo, jobs), where url_for cannot build a path.
PLAN_PATH = "/plan"


def goal_path(goal_id: int) -> str:
    return f"/plan/goals/{goal_id}"


def shared_path(young_id: int) -> str:
    return f"/young/{young_id}/plan"


# --- who may do what -------------------------------------------------------------------------


def may_read(session: Session, viewer: User, young_id: int) -> bool:
    """The young person, staff, and circle members the young person lets see their plan."""
    return circle.may_see(session, viewer, young_id, Area.PLAN)


def may_suggest(session: Session, viewer: User, young_id: int) -> bool:
    return viewer.id != young_id and may_read(session, viewer, young_id)


def _require_owner(actor: User, young_id: int) -> None:
    """Nothing enters the plan without the young person's say: only they change it."""
    if actor.id != young_id or not actor.is_young:
        raise Forbidden(
            "not_your_plan", _("Only the young person changes their plan. You can suggest something instead.")
        )


def _require_reader(session: Session, actor: User, young_id: int) -> None:
    if not may_read(session, actor, young_id):
        raise NotFound("not_found", _("We could not find that plan."))


# --- checking what people wrote --------------------------------------------------------------


def _text(value: str | None, *, field: str, limit: int, empty=None) -> str:
    """Trimmed text within `limit`; `empty` is the message when it may not be left out."""
    value = (value or "").strip()
    if empty is not None and not value:
        raise Invalid(f"{field}_missing", str(empty))
    if len(value) > limit:
        raise Invalid(f"{field}_too_long", _("Keep it under %(max)d characters.", max=limit))
    return value


def _area(value: str | None) -> LifeArea:
    try:
        return LifeArea(value)
    except ValueError:
        raise Invalid("area_unknown", _("Choose a part of life from the list.")) from None


def _status(value: str | None) -> GoalStatus:
    try:
        return GoalStatus(value)
    except ValueError:
        raise Invalid("status_unknown", _("Choose how far it has come from the list.")) from None


def _helper(value: str | None, name: str | None) -> tuple[Helper, str]:
    try:
        helper = Helper(value or Helper.ME)
    except ValueError:
        raise Invalid("helper_unknown", _("Choose who helps from the list.")) from None
    if helper != Helper.OTHER:
        return helper, ""
    name = _text(name, field="helper_name", limit=HELPER_NAME_MAX, empty=_l("Write who helps you."))
    return helper, name


def _due(due_on: date | None, *, today: date, was: date | None = None) -> date | None:
    """A new date may not lie in the past; a date the step already had may stay."""
    if due_on is not None and due_on < today and due_on != was:
        raise Invalid("due_on_past", _("Pick today or a day after it."))
    return due_on


# --- the plan and its history ----------------------------------------------------------------


def ensure_plan(session: Session, young_id: int) -> Plan:
    """The young person's plan row, made on the first write, and locked for this request."""
    statement = select(Plan).where(Plan.young_id == young_id).with_for_update()
    plan = session.exec(statement).first()
    if plan is None:
        try:
            with session.begin_nested():  # two first writes at once: one insert wins
                session.add(Plan(young_id=young_id))
        except IntegrityError:
            pass
        plan = session.exec(statement).one()
    return plan


def _log(
    session: Session,
    *,
    young_id: int,
    actor: User,
    entity: str,
    action: str,
    entity_id: int | None = None,
    title: str = "",
    before: str = "",
    after: str = "",
) -> None:
    session.add(
        PlanChange(
            young_id=young_id,
            by_id=actor.id,
            entity=entity,
            entity_id=entity_id,
            action=action,
            title=title[:200],
            before=before[:60],
            after=after[:60],
        )
    )
    session.flush()


def _lock(session: Session, row):
    session.refresh(row, with_for_update=True)
    return row


def edit_dreams(session: Session, *, actor: User, dreams: str) -> Plan:
    """The young person's hopes and dreams, in their own words. Empty is fine too."""
    _require_owner(actor, actor.id)
    dreams = _text(dreams, field="dreams", limit=DREAMS_MAX)
    plan = ensure_plan(session, actor.id)
    if plan.dreams == dreams:
        return plan
    plan.dreams, plan.updated_at, plan.updated_by_id = dreams, utcnow(), actor.id
    _log(session, young_id=actor.id, actor=actor, entity="dreams", action="edited", title=dreams[:80])
    return plan


# --- goals -----------------------------------------------------------------------------------


def _new_goal(session: Session, *, actor: User, area: LifeArea, title: str, why: str, created_by_id: int) -> Goal:
    ensure_plan(session, actor.id)
    last = session.exec(select(func.max(Goal.position)).where(Goal.young_id == actor.id)).one()
    goal = Goal(
        young_id=actor.id,
        area=area,
        title=title,
        why=why,
        position=(last or 0) + 1,
        created_by_id=created_by_id,
    )
    session.add(goal)
    session.flush()
    _log(session, young_id=actor.id, actor=actor, entity="goal", action="added", entity_id=goal.id, title=title)
    return goal


def add_goal(session: Session, *, actor: User, area: str, title: str, why: str = "") -> Goal:
    _require_owner(actor, actor.id)
    area = _area(area)
    title = _text(title, field="title", limit=TITLE_MAX, empty=_l("Give your goal a short name."))
    why = _text(why, field="why", limit=WHY_MAX)
    return _new_goal(session, actor=actor, area=area, title=title, why=why, created_by_id=actor.id)


def edit_goal(session: Session, *, actor: User, goal: Goal, title: str, why: str, area: str, status: str) -> Goal:
    """Change the words, the part of life or how far it has come; each kind of change is logged."""
    _require_owner(actor, goal.young_id)
    title = _text(title, field="title", limit=TITLE_MAX, empty=_l("Give your goal a short name."))
    why = _text(why, field="why", limit=WHY_MAX)
    area, status = _area(area), _status(status)
    ensure_plan(session, goal.young_id)
    _lock(session, goal)
    before = goal.status
    if (goal.title, goal.why, goal.area) != (title, why, area):
        goal.title, goal.why, goal.area = title, why, area
        _log(
            session, young_id=goal.young_id, actor=actor, entity="goal", action="edited", entity_id=goal.id, title=title
        )
    if before != status:
        goal.status = status
        _log(
            session,
            young_id=goal.young_id,
            actor=actor,
            entity="goal",
            action="status",
            entity_id=goal.id,
            title=title,
            before=before,
            after=status,
        )
    goal.updated_at = utcnow()
    session.flush()
    return goal


def remove_goal(session: Session, *, actor: User, goal: Goal) -> None:
    """The goal goes with its steps and comments; the history keeps its name."""
    _require_owner(actor, goal.young_id)
    ensure_plan(session, goal.young_id)
    _log(
        session,
        young_id=goal.young_id,
        actor=actor,
        entity="goal",
        action="removed",
        entity_id=goal.id,
        title=goal.title,
    )
    session.delete(goal)
    session.flush()


# --- steps -----------------------------------------------------------------------------------


def _new_step(
    session: Session,
    *,
    actor: User,
    goal: Goal,
    what: str,
    helper: Helper,
    helper_name: str,
    due_on: date | None,
    created_by_id: int,
) -> Step:
    last = session.exec(select(func.max(Step.position)).where(Step.goal_id == goal.id)).one()
    step = Step(
        goal_id=goal.id,
        what=what,
        helper=helper,
        helper_name=helper_name,
        due_on=due_on,
        position=(last or 0) + 1,
        created_by_id=created_by_id,
    )
    session.add(step)
    session.flush()
    _log(session, young_id=goal.young_id, actor=actor, entity="step", action="added", entity_id=step.id, title=what)
    return step


def add_step(
    session: Session,
    *,
    actor: User,
    goal: Goal,
    what: str,
    helper: str = Helper.ME,
    helper_name: str = "",
    due_on: date | None = None,
    today: date | None = None,
) -> Step:
    """A step on the way to a goal: what, who helps, and by when (if they want a date)."""
    _require_owner(actor, goal.young_id)
    what = _text(what, field="what", limit=STEP_MAX, empty=_l("Write what the step is."))
    helper, helper_name = _helper(helper, helper_name)
    due_on = _due(due_on, today=today or local_today())
    ensure_plan(session, goal.young_id)
    return _new_step(
        session,
        actor=actor,
        goal=goal,
        what=what,
        helper=helper,
        helper_name=helper_name,
        due_on=due_on,
        created_by_id=actor.id,
    )


def _goal_of(session: Session, step: Step) -> Goal:
    return session.get(Goal, step.goal_id)


def _log_step_status(session: Session, *, actor: User, goal: Goal, step: Step, before: str) -> None:
    _log(
        session,
        young_id=goal.young_id,
        actor=actor,
        entity="step",
        action="status",
        entity_id=step.id,
        title=step.what,
        before=before,
        after=step.status,
    )


def edit_step(
    session: Session,
    *,
    actor: User,
    step: Step,
    what: str,
    helper: str,
    helper_name: str,
    due_on: date | None,
    status: str,
    today: date | None = None,
) -> Step:
    goal = _goal_of(session, step)
    _require_owner(actor, goal.young_id)
    what = _text(what, field="what", limit=STEP_MAX, empty=_l("Write what the step is."))
    helper, helper_name = _helper(helper, helper_name)
    status = _status(status)
    ensure_plan(session, goal.young_id)
    _lock(session, step)
    due_on = _due(due_on, today=today or local_today(), was=step.due_on)
    before = step.status
    if (step.what, step.helper, step.helper_name, step.due_on) != (what, helper, helper_name, due_on):
        step.what, step.helper, step.helper_name, step.due_on = what, helper, helper_name, due_on
        _log(
            session, young_id=goal.young_id, actor=actor, entity="step", action="edited", entity_id=step.id, title=what
        )
    if before != status:
        step.status = status
        _log_step_status(session, actor=actor, goal=goal, step=step, before=before)
    step.updated_at = utcnow()
    session.flush()
    return step


def set_step_status(session: Session, *, actor: User, step: Step, status: str) -> Step:
    """One tap on a step: started, done, or picked up again. The same tap twice changes nothing."""
    goal = _goal_of(session, step)
    _require_owner(actor, goal.young_id)
    status = _status(status)
    ensure_plan(session, goal.young_id)
    _lock(session, step)
    if step.status != status:
        before, step.status, step.updated_at = step.status, status, utcnow()
        _log_step_status(session, actor=actor, goal=goal, step=step, before=before)
    return step


# --- comments --------------------------------------------------------------------------------


def comment(session: Session, *, actor: User, goal: Goal, text: str) -> GoalComment:
    """The young person and those who may see the plan talk about a goal; the young person is told."""
    _require_reader(session, actor, goal.young_id)
    text = _text(text, field="text", limit=COMMENT_MAX, empty=_l("Write something first."))
    ensure_plan(session, goal.young_id)
    entry = GoalComment(goal_id=goal.id, by_id=actor.id, text=text)
    session.add(entry)
    session.flush()
    _log(
        session,
        young_id=goal.young_id,
        actor=actor,
        entity="comment",
        action="added",
        entity_id=entry.id,
        title=goal.title,
    )
    if actor.id != goal.young_id:
        notify(
            session,
            session.get(User, goal.young_id),
            kind="plan_comment",
            title=_l("%(name)s wrote about your goal", name=actor.display_name),
            body=_l("“%(goal)s”: %(text)s", goal=goal.title, text=text),
            url=goal_path(goal.id) + "#comments",
        )
    return entry


# --- suggestions -----------------------------------------------------------------------------


def suggest(
    session: Session,
    *,
    actor: User,
    young_id: int,
    text: str,
    area: str | None = None,
    goal_id: int | None = None,
) -> Suggestion:
    """A support person's idea: a new goal in a part of life, or a step on one of the goals.

    It waits for the young person's answer; nothing is added to the plan until they agree.
    """
    if not may_suggest(session, actor, young_id):
        raise NotFound("not_found", _("We could not find that plan."))
    if (area is None) == (goal_id is None):
        raise Invalid("target_missing", _("Choose a part of life for a new goal, or a goal for a new step."))
    if goal_id is not None:
        goal = session.get(Goal, goal_id)
        if goal is None or goal.young_id != young_id:
            raise NotFound("not_found", _("We could not find that goal."))
        text = _text(text, field="text", limit=SUGGESTION_MAX, empty=_l("Write your suggestion."))
    else:
        area = _area(area)
        text = _text(text, field="text", limit=TITLE_MAX, empty=_l("Write your suggestion."))
    ensure_plan(session, young_id)
    suggestion = Suggestion(young_id=young_id, goal_id=goal_id, area=area, text=text, by_id=actor.id)
    session.add(suggestion)
    session.flush()
    _log(
        session,
        young_id=young_id,
        actor=actor,
        entity="suggestion",
        action="added",
        entity_id=suggestion.id,
        title=text,
    )
    notify(
        session,
        session.get(User, young_id),
        kind="plan_suggestion",
        title=_l("%(name)s has an idea for your plan", name=actor.display_name),
        body=text,
        url=PLAN_PATH + "#suggestions",
    )
    return suggestion


def answer_suggestion(session: Session, *, actor: User, suggestion: Suggestion, answer: str) -> Suggestion:
    """Agree (it enters the plan, credited to who suggested it), not for me, or let's talk.

    Answering twice the same way is the same as once; the suggester is told the answer.
    """
    _require_owner(actor, suggestion.young_id)
    try:
        answer = Answer(answer)
    except ValueError:
        raise Invalid("answer_unknown", _("Choose one of the answers.")) from None
    ensure_plan(session, suggestion.young_id)
    _lock(session, suggestion)
    if suggestion.answer == answer:
        return suggestion
    if suggestion.answer is not None:
        raise Conflict("already_answered", _("You have already answered this suggestion."))
    suggestion.answer, suggestion.answered_at = answer, utcnow()
    by_id = suggestion.by_id or actor.id
    if answer == Answer.AGREE and suggestion.goal_id is not None:
        goal = session.get(Goal, suggestion.goal_id)
        step = _new_step(
            session,
            actor=actor,
            goal=goal,
            what=suggestion.text,
            helper=Helper.ME,
            helper_name="",
            due_on=None,
            created_by_id=by_id,
        )
        suggestion.made_step_id = step.id
    elif answer == Answer.AGREE:
        goal = _new_goal(
            session,
            actor=actor,
            area=_area(suggestion.area),
            title=suggestion.text[:TITLE_MAX],
            why="",
            created_by_id=by_id,
        )
        suggestion.made_goal_id = goal.id
    _log(
        session,
        young_id=suggestion.young_id,
        actor=actor,
        entity="suggestion",
        action="answered",
        entity_id=suggestion.id,
        title=suggestion.text,
        after=answer,
    )
    _tell_the_suggester(session, actor=actor, suggestion=suggestion)
    return suggestion


def _tell_the_suggester(session: Session, *, actor: User, suggestion: Suggestion) -> None:
    suggester = session.get(User, suggestion.by_id) if suggestion.by_id else None
    # Someone no longer in the circle is not sent to a plan they can no longer open.
    if suggester is None or not may_read(session, suggester, suggestion.young_id):
        return
    notify(
        session,
        suggester,
        kind="plan_answer",
        title=_l("%(name)s answered your suggestion", name=actor.display_name),
        body=_l("“%(text)s”: %(answer)s", text=suggestion.text, answer=ANSWER_LABELS[Answer(suggestion.answer)]),
        url=shared_path(suggestion.young_id),
    )
