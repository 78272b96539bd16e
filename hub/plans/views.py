"""PLAN1: the young person's one plan, and what their support people may suggest."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from hub.access import get_or_404
from hub.accounts.auth import roles_required
from hub.accounts.models import Role, User
from hub.audit import services as audit
from hub.audit.models import Area as AuditArea
from hub.core.forms import optional_id
from hub.db import get_session, utcnow, writes
from hub.errors import Conflict, Invalid, NotFound
from hub.htmx import hx_redirect, is_partial, render
from hub.plans import queries, services
from hub.plans.forms import (
    CommentForm,
    DreamsForm,
    EditGoalForm,
    EditStepForm,
    GoalForm,
    StepForm,
    SuggestGoalForm,
    SuggestStepForm,
)
from hub.plans.models import LIFE_AREA_LABELS, Answer, Goal, Plan, Step, Suggestion
from hub.security import safe_next

bp = Blueprint("plans", __name__)

EARLIEST = date(2000, 1, 1)  # the plan's history starts long after; older dates are a typo


def _today() -> date:
    return services.local_today()


def _status(form) -> int:
    return 422 if form.errors else 200


# --- loading: someone else's thing answers 404 -------------------------------------------------


def _own_goal(goal_id: int) -> Goal:
    return get_or_404(Goal, goal_id, visible=lambda goal: goal.young_id == current_user.id)


def _own_step(step_id: int) -> Step:
    db = get_session()
    return get_or_404(Step, step_id, visible=lambda step: db.get(Goal, step.goal_id).young_id == current_user.id)


def _readable_goal(goal_id: int) -> Goal:
    return get_or_404(Goal, goal_id, visible=lambda goal: services.may_read(get_session(), current_user, goal.young_id))


def _readable_young(young_id: int) -> User:
    db = get_session()
    return get_or_404(
        User, young_id, visible=lambda young: young.is_young and services.may_read(db, current_user, young.id)
    )


def _comment_form(goal_id: int, **kwargs) -> CommentForm:
    return CommentForm(prefix=f"goal{goal_id}", **kwargs)  # one per goal on a page: ids stay unique


def _suggest_step_form(goal_id: int, **kwargs) -> SuggestStepForm:
    return SuggestStepForm(prefix=f"suggest{goal_id}", **kwargs)


# --- the young person's plan ---------------------------------------------------------------------


@bp.route("/plan")
@roles_required(Role.YOUNG)
def mine():
    db = get_session()
    plan = queries.plan_view(db, current_user, today=_today(), for_owner=True)
    return render("plans/mine.html", plan=plan, as_of=utcnow(), editable=True, back_to=url_for("plans.mine"))


@bp.route("/plan/dreams", methods=["GET", "POST"])
@roles_required(Role.YOUNG)
def edit_dreams():
    db = get_session()
    form = DreamsForm(obj=db.get(Plan, current_user.id))
    if form.validate_on_submit():
        try:
            services.edit_dreams(db, actor=current_user, dreams=form.dreams.data or "")
        except Invalid as error:
            form.explain(error)
        else:
            flash(_("Your hopes and dreams are saved."), "success")
            return hx_redirect(url_for("plans.mine"))
    return render("plans/dreams.html", status=_status(form), form=form)


def _thanks(answer: str, name: str) -> str:
    if answer == Answer.AGREE:
        return _("It is in your plan now.")
    if answer == Answer.NOT_FOR_ME:
        return _("Okay. %(name)s will hear that it is not for you.", name=name)
    return _("%(name)s will hear that you would like to talk about it.", name=name)


@bp.route("/plan/suggestions/<int:suggestion_id>/answer", methods=["POST"])
@login_required
def answer(suggestion_id: int):
    suggestion = get_or_404(Suggestion, suggestion_id, visible=lambda s: s.young_id == current_user.id)
    db = get_session()
    try:
        services.answer_suggestion(db, actor=current_user, suggestion=suggestion, answer=request.form.get("answer", ""))
    except Conflict as error:
        flash(error.message, "info")
        return hx_redirect(url_for("plans.mine") + "#suggestions")
    suggester = db.get(User, suggestion.by_id) if suggestion.by_id else None
    name = suggester.display_name if suggester else _("The person who suggested it")
    flash(_thanks(suggestion.answer, name), "success")
    if suggestion.made_goal_id:
        return hx_redirect(url_for("plans.goal", goal_id=suggestion.made_goal_id))
    return hx_redirect(url_for("plans.mine") + "#suggestions")


# --- goals -----------------------------------------------------------------------------------------


@bp.route("/plan/goals/new", methods=["GET", "POST"])
@roles_required(Role.YOUNG)
def new_goal():
    form = GoalForm()
    if request.method == "GET" and request.args.get("area") in LIFE_AREA_LABELS:
        form.area.data = request.args["area"]
    if form.validate_on_submit():
        try:
            goal = services.add_goal(
                get_session(), actor=current_user, area=form.area.data, title=form.title.data, why=form.why.data or ""
            )
        except Invalid as error:
            form.explain(error)
        else:
            flash(_("Your goal is in your plan. What could be a first small step?"), "success")
            return hx_redirect(url_for("plans.goal", goal_id=goal.id) + "#add-step")
    return render("plans/goal_form.html", status=_status(form), form=form, goal=None)


def _goal_page(goal: Goal, *, status: int = 200, step_form=None, comment_form=None):
    db = get_session()
    steps = queries.steps_by_goal(db, [goal.id])[goal.id]
    return render(
        "plans/goal.html",
        status=status,
        goal=queries.goal_view(goal, steps, today=_today(), for_owner=True),
        comments=queries.comments_by_goal(db, [goal.id], goal.young_id)[goal.id],
        step_form=step_form or StepForm(formdata=None),
        comment_form=comment_form or _comment_form(goal.id, formdata=None),
        editable=True,
        back_to=url_for("plans.goal", goal_id=goal.id),
    )


@bp.route("/plan/goals/<int:goal_id>")
@login_required
def goal(goal_id: int):
    return _goal_page(_own_goal(goal_id))


@bp.route("/plan/goals/<int:goal_id>/edit", methods=["GET", "POST"])
@login_required
def edit_goal(goal_id: int):
    goal = _own_goal(goal_id)
    form = EditGoalForm(obj=goal)
    if form.validate_on_submit():
        try:
            services.edit_goal(
                get_session(),
                actor=current_user,
                goal=goal,
                title=form.title.data,
                why=form.why.data or "",
                area=form.area.data,
                status=form.status.data,
            )
        except Invalid as error:
            form.explain(error)
        else:
            flash(_("Your goal is saved."), "success")
            return hx_redirect(url_for("plans.goal", goal_id=goal.id))
    return render("plans/goal_form.html", status=_status(form), form=form, goal=goal)


@bp.route("/plan/goals/<int:goal_id>/delete", methods=["GET", "POST"])
@login_required
def delete_goal(goal_id: int):
    """First a page that asks (its own address, so a refresh shows it again); the goal goes only
    when that page's button says yes."""
    goal = _own_goal(goal_id)
    if request.method == "GET":
        return render("plans/delete_goal.html", goal=goal)
    if request.form.get("confirm") != "yes":
        return hx_redirect(url_for("plans.delete_goal", goal_id=goal.id))
    title = goal.title
    services.remove_goal(get_session(), actor=current_user, goal=goal)
    flash(_("“%(title)s” is no longer in your plan.", title=title), "success")
    return hx_redirect(url_for("plans.mine"))


# --- steps -----------------------------------------------------------------------------------------


@bp.route("/plan/goals/<int:goal_id>/steps", methods=["POST"])
@login_required
def add_step(goal_id: int):
    goal = _own_goal(goal_id)
    form = StepForm()
    if form.validate_on_submit():
        try:
            step = services.add_step(
                get_session(),
                actor=current_user,
                goal=goal,
                what=form.what.data,
                helper=form.helper.data,
                helper_name=form.helper_name.data or "",
                due_on=form.due_on.data,
                today=_today(),
            )
        except Invalid as error:
            form.explain(error)
        else:
            flash(_("The step is in your plan."), "success")
            return hx_redirect(url_for("plans.goal", goal_id=goal.id) + f"#step-{step.id}")
    return _goal_page(goal, status=422, step_form=form)


@bp.route("/plan/steps/<int:step_id>/edit", methods=["GET", "POST"])
@login_required
def edit_step(step_id: int):
    step = _own_step(step_id)
    form = EditStepForm(obj=step)
    if form.validate_on_submit():
        try:
            services.edit_step(
                get_session(),
                actor=current_user,
                step=step,
                what=form.what.data,
                helper=form.helper.data,
                helper_name=form.helper_name.data or "",
                due_on=form.due_on.data,
                status=form.status.data,
                today=_today(),
            )
        except Invalid as error:
            form.explain(error)
        else:
            flash(_("The step is saved."), "success")
            return hx_redirect(url_for("plans.goal", goal_id=step.goal_id) + f"#step-{step.id}")
    goal = get_session().get(Goal, step.goal_id)
    return render("plans/step_form.html", status=_status(form), form=form, step=step, goal=goal)


@bp.route("/plan/steps/<int:step_id>/status", methods=["POST"])
@login_required
def step_status(step_id: int):
    """One tap: htmx swaps the step's row (and the goal's progress); without htmx, back to the page."""
    step = _own_step(step_id)
    db = get_session()
    services.set_step_status(db, actor=current_user, step=step, status=request.form.get("status", ""))
    back_to = safe_next(request.form.get("next")) or url_for("plans.goal", goal_id=step.goal_id)
    if not is_partial():
        return hx_redirect(back_to.split("#")[0] + f"#step-{step.id}")
    goal = db.get(Goal, step.goal_id)
    view = queries.goal_view(goal, queries.steps_by_goal(db, [goal.id])[goal.id], today=_today(), for_owner=True)
    context = {"goal": view, "editable": True, "back_to": back_to.split("#")[0]}
    row = next(s for s in view.steps if s.id == step.id)
    return render_template("plans/_step.html", step=row, **context) + render_template(
        "plans/_progress.html", oob=True, **context
    )


# --- comments: the young person, staff, and the circle members who may see the plan ---------------


@bp.route("/plan/goals/<int:goal_id>/comments", methods=["POST"])
@login_required
def comment(goal_id: int):
    goal = _readable_goal(goal_id)
    form = _comment_form(goal.id)
    mine = goal.young_id == current_user.id
    if form.validate_on_submit():
        try:
            services.comment(get_session(), actor=current_user, goal=goal, text=form.text.data)
        except Invalid as error:
            form.explain(error)
        else:
            audit.record_change(
                get_session(), actor=current_user, young_id=goal.young_id, area=AuditArea.PLAN, detail="plan.comment"
            )
            flash(_("Your comment is posted."), "success")
            if mine:
                return hx_redirect(url_for("plans.goal", goal_id=goal.id) + "#comments")
            return hx_redirect(url_for("plans.shared", young_id=goal.young_id) + f"#goal-{goal.id}")
    if mine:
        return _goal_page(goal, status=422, comment_form=form)
    return _shared_page(get_session().get(User, goal.young_id), status=422, comment_forms={goal.id: form})


# --- for support people: read, comment, suggest ----------------------------------------------------


def _shared_page(young: User, *, status: int = 200, goal_form=None, step_forms=None, comment_forms=None):
    db = get_session()
    plan = queries.plan_view(db, young, today=_today(), for_owner=False, viewer_id=current_user.id)
    goal_ids = [goal.id for goal in plan.goals]
    step_forms, comment_forms = step_forms or {}, comment_forms or {}
    return render(
        "plans/shared.html",
        status=status,
        young=young,
        plan=plan,
        as_of=utcnow(),
        editable=False,
        comments=queries.comments_by_goal(db, goal_ids, young.id),
        answered=queries.suggestions(db, young.id, waiting=False, by_id=current_user.id, limit=10),
        goal_form=goal_form or SuggestGoalForm(formdata=None),
        step_forms={i: step_forms.get(i) or _suggest_step_form(i, formdata=None) for i in goal_ids},
        comment_forms={i: comment_forms.get(i) or _comment_form(i, formdata=None) for i in goal_ids},
        open_goal=next(iter({**step_forms, **comment_forms}), None),
    )


@bp.route("/young/<int:young_id>/plan")
@login_required
@writes
def shared(young_id: int):
    young = _readable_young(young_id)
    if young.id == current_user.id:
        return redirect(url_for("plans.mine"))
    audit.record(get_session(), actor=current_user, young_id=young.id, area=AuditArea.PLAN)
    return _shared_page(young)


@bp.route("/young/<int:young_id>/plan/suggestions", methods=["POST"])
@login_required
def suggest(young_id: int):
    young = _readable_young(young_id)
    if young.id == current_user.id:
        raise NotFound("not_found", _("We could not find that plan."))
    goal = None
    if "goal_id" in request.form:
        goal_id = optional_id(request.form.get("goal_id")) or -1  # empty or not an id: no goal has it
        goal = get_or_404(Goal, goal_id, visible=lambda g: g.young_id == young.id)
    form = _suggest_step_form(goal.id) if goal else SuggestGoalForm()
    if form.validate_on_submit():
        try:
            services.suggest(
                get_session(),
                actor=current_user,
                young_id=young.id,
                text=form.text.data,
                area=None if goal else form.area.data,
                goal_id=goal.id if goal else None,
            )
        except Invalid as error:
            form.explain(error)
        else:
            audit.record_change(
                get_session(), actor=current_user, young_id=young.id, area=AuditArea.PLAN, detail="plan.suggest"
            )
            flash(
                _("Your suggestion is sent. %(name)s decides if it goes into the plan.", name=young.display_name),
                "success",
            )
            anchor = f"#goal-{goal.id}" if goal else "#suggest-goal"
            return hx_redirect(url_for("plans.shared", young_id=young.id) + anchor)
    if goal:
        return _shared_page(young, status=422, step_forms={goal.id: form})
    return _shared_page(young, status=422, goal_form=form)


# --- what changed since we last met ------------------------------------------------------------------


def _changes_page(young: User, *, action_url: str, back_url: str):
    db, today = get_session(), _today()
    since, from_checkin = queries.default_since(db, viewer=current_user, young_id=young.id, today=today)
    typed, error = request.args.get("since", "").strip(), None
    if typed:
        try:
            since, from_checkin = date.fromisoformat(typed), False
        except ValueError:
            error = _("Write the date like this: 2025-03-31.")
        else:
            if since < EARLIEST:
                since, error = EARLIEST, _("Pick a date after 1 January 2000.")
    return render(
        "plans/changes.html",
        status=422 if error else 200,
        young=young,
        mine=young.id == current_user.id,
        since=since,
        since_value=typed if error else since.isoformat(),
        from_checkin=from_checkin,
        error=error,
        changes=queries.changes_since(db, young_id=young.id, since=since, viewer=current_user),
        action_url=action_url,
        back_url=back_url,
    )


@bp.route("/plan/changes")
@roles_required(Role.YOUNG)
def changes():
    return _changes_page(current_user, action_url=url_for("plans.changes"), back_url=url_for("plans.mine"))


@bp.route("/young/<int:young_id>/plan/changes")
@login_required
@writes
def shared_changes(young_id: int):
    young = _readable_young(young_id)
    if young.id == current_user.id:
        return redirect(url_for("plans.changes", **request.args))
    audit.record(get_session(), actor=current_user, young_id=young.id, area=AuditArea.PLAN)
    back_url = url_for("plans.shared", young_id=young.id)
    return _changes_page(young, action_url=url_for("plans.shared_changes", young_id=young.id), back_url=back_url)


# --- for templates ---------------------------------------------------------------------------------


# A global rather than a context processor: the home page asks only when it shows the card.
@bp.app_template_global()
def plan_home_for(user: User) -> queries.HomeCard:
    """The young person's plan on their home page: a line of dreams, goals under way, the next step."""
    return queries.home_card(get_session(), user, today=_today())
