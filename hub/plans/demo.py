"""Sara's plan in her own words: dreams, five goals with steps, suggestions, comments and two
months of history, so "what changed since we last met" has something to show."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session

from hub.accounts.models import User
from hub.db import utcnow
from hub.plans.models import Answer, Goal, GoalComment, GoalStatus, Helper, LifeArea, Plan, PlanChange, Step, Suggestion
from hub.plans.services import local_today

DREAMS = (
    "Jeg vil have min egen lejlighed, et sted hvor jeg kan lukke døren og bare være mig selv.\n"
    "Jeg vil gerne være pædagog, fordi jeg ved, hvor meget én god voksen kan betyde.\n"
    "Og en dag vil jeg have en hund."
)

NOT_STARTED, UNDER_WAY, DONE = GoalStatus.NOT_STARTED, GoalStatus.UNDER_WAY, GoalStatus.DONE

# (area, title, why, status, added days ago, steps: (what, helper, helper name, due in days, status))
GOALS = [
    (
        LifeArea.EDUCATION,
        "Komme ind på pædagoguddannelsen",
        "Jeg vil være den voksne, jeg selv manglede.",
        UNDER_WAY,
        58,
        [
            ("Tage dansk på HF-enkeltfag", Helper.ME, "", None, DONE),
            ("Snakke med UU-vejlederen om optagelse", Helper.SUPPORT, "", None, DONE),
            ("Søge ind på kvote 2", Helper.ME, "", 40, NOT_STARTED),
        ],
    ),
    (
        LifeArea.HOUSING,
        "Finde min egen lejlighed",
        "Jeg er træt af at bo hos andre.",
        UNDER_WAY,
        55,
        [
            ("Skrive mig op hos AAB og Brabrand Boligforening", Helper.ME, "", None, DONE),
            ("Se på lejligheder sammen med Hanne", Helper.SUPPORT, "", 12, NOT_STARTED),
        ],
    ),
    (
        LifeArea.ECONOMY,
        "Lave et budget, der holder hele måneden",
        "Så jeg ikke løber tør for penge den 20.",
        NOT_STARTED,
        40,
        [
            ("Være med til workshoppen 'Mad for en SU'", Helper.STAFF, "", None, DONE),
            ("Lave et budget i en app", Helper.OTHER, "Min moster Lene", -3, NOT_STARTED),
        ],
    ),
    (
        LifeArea.HEALTH,
        "Sove bedre",
        "",
        UNDER_WAY,
        30,
        [
            ("Lægge telefonen væk kl. 23", Helper.ME, "", None, UNDER_WAY),
            ("Prøve yoga på hubben om torsdagen", Helper.STAFF, "", 4, NOT_STARTED),
            ("Snakke med lægen, hvis det ikke bliver bedre", Helper.ME, "", 30, NOT_STARTED),
        ],
    ),
    (
        LifeArea.RELATIONS,
        "Have flere at være sammen med",
        "Weekenderne er lange.",
        NOT_STARTED,
        20,
        [
            ("Være med i madklubben", Helper.STAFF, "", None, DONE),
            ("Spørge Ali, om jeg kan spille fodbold igen", Helper.OTHER, "Ali, min gamle træner", 7, NOT_STARTED),
        ],
    ),
]


def load(session: Session, by_login: dict[str, User]) -> None:
    sara, hanne, peter = by_login["ung"], by_login["sagsbehandler"], by_login["mentor"]
    now, today = utcnow(), local_today()

    def ago(days: float) -> datetime:
        return now - timedelta(days=days)

    def log(at: datetime, by: User, entity: str, action: str, entity_id: int | None, title: str, **states) -> None:
        session.add(
            PlanChange(
                young_id=sara.id,
                at=at,
                by_id=by.id,
                entity=entity,
                entity_id=entity_id,
                action=action,
                title=title,
                **states,
            )
        )

    session.add(Plan(young_id=sara.id, dreams=DREAMS, created_at=ago(60), updated_at=ago(60), updated_by_id=sara.id))
    session.flush()
    log(ago(60), sara, "dreams", "edited", None, DREAMS[:80])

    goals: dict[LifeArea, Goal] = {}
    for position, (area, title, why, status, days, steps) in enumerate(GOALS, start=1):
        goal = Goal(
            young_id=sara.id,
            area=area,
            title=title,
            why=why,
            status=status,
            position=position,
            created_at=ago(days),
            created_by_id=sara.id,
            updated_at=ago(days / 2),
        )
        session.add(goal)
        session.flush()
        goals[area] = goal
        log(ago(days), sara, "goal", "added", goal.id, title)
        if status != NOT_STARTED:
            log(ago(days / 2), sara, "goal", "status", goal.id, title, before=NOT_STARTED, after=status)
        for number, (what, helper, helper_name, due_in, step_status) in enumerate(steps, start=1):
            step = Step(
                goal_id=goal.id,
                what=what,
                helper=helper,
                helper_name=helper_name,
                due_on=today + timedelta(days=due_in) if due_in is not None else None,
                status=step_status,
                position=number,
                created_at=ago(days - number),
                created_by_id=sara.id,
                updated_at=ago((days - number) / 3),
            )
            session.add(step)
            session.flush()
            log(ago(days - number), sara, "step", "added", step.id, what)
            if step_status != NOT_STARTED:
                log(
                    ago((days - number) / 3),
                    sara,
                    "step",
                    "status",
                    step.id,
                    what,
                    before=NOT_STARTED,
                    after=step_status,
                )

    # Hanne's suggestion that Sara agreed to, and one that waits for her answer.
    housing = goals[LifeArea.HOUSING]
    agreed = Suggestion(
        young_id=sara.id,
        goal_id=housing.id,
        text="Søge om boligstøtte, når du har fået en lejlighed",
        by_id=hanne.id,
        created_at=ago(25),
        answer=Answer.AGREE,
        answered_at=ago(24),
    )
    session.add(agreed)
    session.flush()
    step = Step(
        goal_id=housing.id,
        what=agreed.text,
        helper=Helper.STAFF,
        position=3,
        created_at=ago(24),
        created_by_id=hanne.id,
        updated_at=ago(24),
    )
    session.add(step)
    session.flush()
    agreed.made_step_id = step.id
    log(ago(25), hanne, "suggestion", "added", agreed.id, agreed.text)
    log(ago(24), sara, "suggestion", "answered", agreed.id, agreed.text, after=Answer.AGREE)
    log(ago(24), sara, "step", "added", step.id, step.what)

    waiting = Suggestion(
        young_id=sara.id,
        area=LifeArea.JOB,
        text="Prøve et fritidsjob i en børnehave",
        by_id=hanne.id,
        created_at=ago(3),
    )
    session.add(waiting)
    session.flush()
    log(ago(3), hanne, "suggestion", "added", waiting.id, waiting.text)

    # A little talk on two goals.
    talk = [
        (housing, hanne, 10, "Godt gået med at komme på ventelisten! Skal vi kigge på lejligheder sammen i næste uge?"),
        (housing, sara, 9, "Ja, gerne. Tirsdag passer mig bedst."),
        (goals[LifeArea.HEALTH], peter, 6, "Jeg tager gerne med til yoga første gang, hvis du har lyst."),
    ]
    for goal, by, days, text in talk:
        entry = GoalComment(goal_id=goal.id, by_id=by.id, text=text, created_at=ago(days))
        session.add(entry)
        session.flush()
        log(ago(days), by, "comment", "added", entry.id, goal.title)
    session.flush()
