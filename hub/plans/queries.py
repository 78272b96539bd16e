"""Reading a plan: the page the young person owns, the read-only copy for their support people,
the history, and the home card. Everything a template shows is decided here."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, func, select

from hub.accounts.models import SUPPORT_TYPE_LABELS, User
from hub.checkins.models import CheckIn
from hub.plans.models import (
    ANSWER_LABELS,
    GOAL_STATUS_LABELS,
    HELPER_LABELS,
    LIFE_AREA_LABELS,
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
from hub.plans.services import AARHUS

DEFAULT_LOOKBACK = timedelta(days=30)
CHANGES_LIMIT = 300

# How a step's helper reads to someone other than the young person ("Me" would mislead).
SHARED_HELPER_LABELS = {
    Helper.SUPPORT: _l("Their support person"),
    Helper.STAFF: _l("The staff at the hub"),
    Helper.OTHER: _l("Someone else"),
}

# The one tap a step offers next, by where it is now.
STEP_ACTIONS = {
    GoalStatus.NOT_STARTED: [(GoalStatus.UNDER_WAY, _l("Start")), (GoalStatus.DONE, _l("Done"))],
    GoalStatus.UNDER_WAY: [(GoalStatus.DONE, _l("Done"))],
    GoalStatus.DONE: [(GoalStatus.UNDER_WAY, _l("Not done after all"))],
    GoalStatus.DROPPED: [(GoalStatus.UNDER_WAY, _l("Pick it up again"))],
}

CHANGE_TEXTS = {
    ("dreams", "edited"): _l("%(who)s wrote new words about hopes and dreams"),
    ("goal", "added"): _l("%(who)s added the goal “%(title)s”"),
    ("goal", "edited"): _l("%(who)s changed the goal “%(title)s”"),
    ("goal", "status"): _l("%(who)s moved the goal “%(title)s” from %(before)s to %(after)s"),
    ("goal", "removed"): _l("%(who)s removed the goal “%(title)s”"),
    ("step", "added"): _l("%(who)s added the step “%(title)s”"),
    ("step", "edited"): _l("%(who)s changed the step “%(title)s”"),
    ("step", "status"): _l("%(who)s moved the step “%(title)s” from %(before)s to %(after)s"),
    ("suggestion", "added"): _l("%(who)s suggested “%(title)s”"),
    ("suggestion", "answered"): _l("%(who)s answered the suggestion “%(title)s”: %(after)s"),
    ("comment", "added"): _l("%(who)s commented on the goal “%(title)s”"),
}
STATE_LABELS = {**GOAL_STATUS_LABELS, **ANSWER_LABELS}


@dataclass(frozen=True)
class StepView:
    step: Step
    helper_label: object
    status_label: object
    late: bool
    actions: list[tuple[str, object]]

    @property
    def id(self) -> int:
        return self.step.id


@dataclass(frozen=True)
class GoalView:
    goal: Goal
    steps: list[StepView]
    done: int
    total: int  # dropped steps do not count

    @property
    def id(self) -> int:
        return self.goal.id

    @property
    def area_label(self):
        return LIFE_AREA_LABELS.get(self.goal.area, self.goal.area)

    @property
    def status_label(self):
        return GOAL_STATUS_LABELS.get(self.goal.status, self.goal.status)


@dataclass(frozen=True)
class AreaView:
    area: LifeArea
    label: object
    goals: list[GoalView]


@dataclass(frozen=True)
class SuggestionView:
    suggestion: Suggestion
    by_name: str
    goal_title: str | None  # a step on this goal; None: a new goal
    area_label: object | None

    @property
    def id(self) -> int:
        return self.suggestion.id

    @property
    def answer_label(self):
        return ANSWER_LABELS.get(self.suggestion.answer) if self.suggestion.answer else None


@dataclass(frozen=True)
class PlanView:
    young_id: int
    dreams: str
    areas: list[AreaView]  # the parts of life with goals, in LIFE_AREA_LABELS order
    empty_areas: list[tuple[LifeArea, object]]
    waiting: list[SuggestionView]

    @property
    def goals(self) -> list[GoalView]:
        return [goal for area in self.areas for goal in area.goals]


@dataclass(frozen=True)
class CommentView:
    comment: GoalComment
    by_name: str
    role: object | None  # "Hub staff", "Caseworker" …; None for the young person


@dataclass(frozen=True)
class ChangeView:
    at: datetime
    text: str


@dataclass(frozen=True)
class HomeCard:
    dreams: str
    under_way: int
    goals: int
    next_step: StepView | None = None
    next_goal: Goal | None = None


# --- the plan --------------------------------------------------------------------------------


def helper_label(step: Step, *, for_owner: bool, young_name: str = ""):
    if step.helper == Helper.OTHER and step.helper_name:
        return step.helper_name
    if for_owner:
        return HELPER_LABELS.get(step.helper, step.helper)
    if step.helper == Helper.ME:
        return young_name
    return SHARED_HELPER_LABELS.get(step.helper, step.helper)


def step_view(step: Step, *, today: date, for_owner: bool, young_name: str = "") -> StepView:
    finished = step.status in (GoalStatus.DONE, GoalStatus.DROPPED)
    return StepView(
        step=step,
        helper_label=helper_label(step, for_owner=for_owner, young_name=young_name),
        status_label=GOAL_STATUS_LABELS.get(step.status, step.status),
        late=step.due_on is not None and step.due_on < today and not finished,
        actions=STEP_ACTIONS.get(step.status, []) if for_owner else [],
    )


def goal_view(goal: Goal, steps: list[Step], *, today: date, for_owner: bool, young_name: str = "") -> GoalView:
    counted = [s for s in steps if s.status != GoalStatus.DROPPED]
    return GoalView(
        goal=goal,
        steps=[step_view(s, today=today, for_owner=for_owner, young_name=young_name) for s in steps],
        done=sum(1 for s in counted if s.status == GoalStatus.DONE),
        total=len(counted),
    )


def steps_by_goal(session: Session, goal_ids: list[int]) -> dict[int, list[Step]]:
    found: dict[int, list[Step]] = defaultdict(list)
    if goal_ids:
        statement = select(Step).where(Step.goal_id.in_(goal_ids)).order_by(Step.position, Step.id)
        for step in session.exec(statement):
            found[step.goal_id].append(step)
    return found


def plan_view(session: Session, young: User, *, today: date, for_owner: bool, viewer_id: int | None = None) -> PlanView:
    """The whole plan in three queries: dreams, goals with their steps, and waiting suggestions."""
    plan = session.get(Plan, young.id)
    goals = list(session.exec(select(Goal).where(Goal.young_id == young.id).order_by(Goal.position, Goal.id)))
    steps = steps_by_goal(session, [g.id for g in goals])
    by_area: dict[str, list[GoalView]] = defaultdict(list)
    for goal in goals:
        view = goal_view(goal, steps[goal.id], today=today, for_owner=for_owner, young_name=young.display_name)
        by_area[goal.area].append(view)
    areas = [AreaView(area, label, by_area[area]) for area, label in LIFE_AREA_LABELS.items() if by_area[area]]
    return PlanView(
        young_id=young.id,
        dreams=plan.dreams if plan else "",
        areas=areas,
        empty_areas=[(area, label) for area, label in LIFE_AREA_LABELS.items() if not by_area[area]],
        waiting=suggestions(session, young.id, waiting=True, viewer_id=viewer_id),
    )


def suggestions(
    session: Session,
    young_id: int,
    *,
    waiting: bool,
    by_id: int | None = None,
    viewer_id: int | None = None,
    limit: int = 20,
) -> list[SuggestionView]:
    """Suggestions for a young person's plan, newest first: waiting for an answer, or answered."""
    statement = (
        select(Suggestion, User, Goal)
        .outerjoin(User, User.id == Suggestion.by_id)
        .outerjoin(Goal, Goal.id == Suggestion.goal_id)
        .where(Suggestion.young_id == young_id)
        .where(Suggestion.answer.is_(None) if waiting else Suggestion.answer.is_not(None))
        .order_by(Suggestion.created_at.desc(), Suggestion.id.desc())
        .limit(limit)
    )
    if by_id is not None:
        statement = statement.where(Suggestion.by_id == by_id)
    return [
        SuggestionView(
            suggestion=suggestion,
            by_name=_name(by, viewer_id),
            goal_title=goal.title if goal else None,
            area_label=LIFE_AREA_LABELS.get(suggestion.area) if suggestion.area else None,
        )
        for suggestion, by, goal in session.exec(statement)
    ]


def _name(user: User | None, viewer_id: int | None) -> str:
    if user is None:
        return str(_l("Someone"))
    return str(_l("You")) if user.id == viewer_id else user.display_name


def _role_of(user: User, young_id: int):
    if user.id == young_id:
        return None
    if user.is_staff_member:
        return _l("Hub staff")
    if user.support_type:
        return SUPPORT_TYPE_LABELS.get(user.support_type, user.support_type)
    if user.is_mentor:
        return _l("Volunteer mentor")
    return None


def comments_by_goal(session: Session, goal_ids: list[int], young_id: int) -> dict[int, list[CommentView]]:
    """The talk on each goal, oldest first, with who wrote it."""
    found: dict[int, list[CommentView]] = defaultdict(list)
    if not goal_ids:
        return found
    statement = (
        select(GoalComment, User)
        .outerjoin(User, User.id == GoalComment.by_id)
        .where(GoalComment.goal_id.in_(goal_ids))
        .order_by(GoalComment.created_at, GoalComment.id)
    )
    for entry, by in session.exec(statement):
        name = by.display_name if by else str(_l("Someone"))
        found[entry.goal_id].append(CommentView(entry, name, _role_of(by, young_id) if by else None))
    return found


# --- what changed since ----------------------------------------------------------------------


def default_since(session: Session, *, viewer: User, young_id: int, today: date) -> tuple[date, bool]:
    """The day of the last check-in (the viewer's with the young person; for the young person
    themself, anyone's), or 30 days back. The flag says which it is."""
    statement = select(func.max(CheckIn.happened_on)).where(CheckIn.young_id == young_id)
    if viewer.id != young_id:
        statement = statement.where(CheckIn.by_id == viewer.id)
    last = session.exec(statement).one()
    if last is not None:
        return last, True
    return today - DEFAULT_LOOKBACK, False


def changes_since(session: Session, *, young_id: int, since: date, viewer: User) -> list[ChangeView]:
    """The plan's history from the start of `since` (Aarhus time), newest first, in plain words."""
    start = datetime.combine(since, time.min, tzinfo=AARHUS)
    statement = (
        select(PlanChange, User)
        .outerjoin(User, User.id == PlanChange.by_id)
        .where(PlanChange.young_id == young_id, PlanChange.at >= start)
        .order_by(PlanChange.at.desc(), PlanChange.id.desc())
        .limit(CHANGES_LIMIT)
    )
    return [ChangeView(change.at, change_text(change, by, viewer)) for change, by in session.exec(statement)]


def change_text(change: PlanChange, by: User | None, viewer: User) -> str:
    if by is None:
        who = str(_l("Someone"))
    elif by.id == viewer.id:
        who = str(_l("You"))
    else:
        who = by.display_name
    text = CHANGE_TEXTS.get((change.entity, change.action))
    if text is None:
        return f"{who}: {change.entity} {change.action} {change.title}".strip()
    return str(text) % {
        "who": who,
        "title": change.title,
        "before": STATE_LABELS.get(change.before, change.before),
        "after": STATE_LABELS.get(change.after, change.after),
    }


# --- the home card ---------------------------------------------------------------------------


def home_card(session: Session, young: User, *, today: date) -> HomeCard:
    """A line of the dreams, how many goals are under way, and the next step to take."""
    plan = session.get(Plan, young.id)
    goals = list(session.exec(select(Goal).where(Goal.young_id == young.id)))
    open_goals = {g.id: g for g in goals if g.status not in (GoalStatus.DONE, GoalStatus.DROPPED)}
    next_step = None
    if open_goals:
        next_step = session.exec(
            select(Step)
            .where(
                Step.goal_id.in_(list(open_goals)),
                Step.status.in_([GoalStatus.NOT_STARTED, GoalStatus.UNDER_WAY]),
            )
            .order_by(Step.due_on.is_(None), Step.due_on, Step.position, Step.id)
        ).first()
    dreams = (plan.dreams if plan else "").strip()
    return HomeCard(
        dreams=dreams.splitlines()[0][:140] if dreams else "",
        under_way=sum(1 for g in goals if g.status == GoalStatus.UNDER_WAY),
        goals=len(goals),
        next_step=step_view(next_step, today=today, for_owner=True) if next_step else None,
        next_goal=open_goals.get(next_step.goal_id) if next_step else None,
    )
