"""Enrol young people in a cohort, record their status with them, and let them answer the pulse.

Staff enrol and record; only the young person answers their own pulse (staff see the scores,
never answer for them). The risk category on a status record is for staff: nothing here hands
it to a page the young person can open.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import func
from sqlmodel import Session, select

from hub.accounts import services as accounts
from hub.accounts.models import User
from hub.db import utcnow
from hub.errors import Conflict, Forbidden, Invalid
from hub.evaluation.models import (
    PULSE_QUESTIONS,
    EvaluationEnrolment,
    Housing,
    Occupation,
    PulseAnswer,
    RecordKind,
    Risk,
    StatusRecord,
)

HUB_TZ = ZoneInfo("Europe/Copenhagen")
FIRST_COHORT = 2024  # the trial's first year
SCORES = range(1, 6)
NOTE_MAX = 300
DEFAULT_INTERVAL = timedelta(days=182)  # about every six months


def local_year(now: datetime | None = None) -> int:
    return (now or utcnow()).astimezone(HUB_TZ).year


def cohort_years(now: datetime | None = None) -> list[int]:
    """The years a cohort can have: from the trial's first to next year."""
    return list(range(FIRST_COHORT, local_year(now) + 2))


# --- who is in the trial -----------------------------------------------------------------------


def enrolment_of(session: Session, young_id: int) -> EvaluationEnrolment | None:
    return session.exec(select(EvaluationEnrolment).where(EvaluationEnrolment.young_id == young_id)).first()


def active_enrolment(session: Session, young: User) -> EvaluationEnrolment | None:
    """The enrolment of a young person who is in the trial now (not taken out of it)."""
    if not young.is_young or young.trial_enrolled_at is None:
        return None
    return enrolment_of(session, young.id)


def enrol(
    session: Session, *, actor: User, young: User, cohort_year: int | None, now: datetime | None = None
) -> EvaluationEnrolment:
    """Staff put a young person in the trial, in a cohort; again later, they correct the cohort."""
    if not actor.is_staff_member:
        raise Forbidden("not_staff")
    if not young.is_young:
        raise Invalid("not_young", str(_l("Only young people take part in the trial.")))
    if cohort_year not in cohort_years(now):
        raise Invalid("cohort_year", str(_l("Choose the year the young person joins the trial.")))
    accounts.set_trial_enrolment(session, actor=actor, user=young, enrolled=True)
    enrolment = enrolment_of(session, young.id)
    if enrolment is None:
        enrolment = EvaluationEnrolment(
            young_id=young.id, cohort_year=cohort_year, enrolled_at=now or utcnow(), enrolled_by_id=actor.id
        )
        session.add(enrolment)
    else:
        enrolment.cohort_year = cohort_year
    session.flush()
    return enrolment


# --- status records ------------------------------------------------------------------------------


def _choice(value: str | None, allowed: type, code: str, message) -> str:
    if value not in {member.value for member in allowed}:
        raise Invalid(code, str(message))
    return value


def record_status(
    session: Session,
    *,
    actor: User,
    young: User,
    housing: str | None,
    occupation: str | None,
    risk: str | None,
    network: int | None,
    network_note: str = "",
    now: datetime | None = None,
) -> StatusRecord:
    """Staff record, with the young person, where they live, what they do and how their network is."""
    if not actor.is_staff_member:
        raise Forbidden("not_staff")
    if active_enrolment(session, young) is None:
        raise Conflict("not_enrolled", str(_l("Enrol the young person in the trial first.")))
    housing = _choice(housing, Housing, "housing_unknown", _l("Choose where the young person lives."))
    occupation = _choice(occupation, Occupation, "occupation_unknown", _l("Choose education or job."))
    risk = _choice(risk, Risk, "risk_unknown", _l("Choose a risk category."))
    if network not in SCORES:
        raise Invalid("network_unknown", str(_l("Choose a number from 1 to 5 for the network.")))
    note = (network_note or "").strip()
    if len(note) > NOTE_MAX:
        raise Invalid("note_too_long", str(_l("Keep the note under %(max)d characters.", max=NOTE_MAX)))
    earlier = session.exec(select(func.count()).select_from(StatusRecord).where(StatusRecord.young_id == young.id))
    record = StatusRecord(
        young_id=young.id,
        kind=RecordKind.FOLLOW_UP if earlier.one() else RecordKind.START,
        housing=housing,
        occupation=occupation,
        risk=risk,
        network=network,
        network_note=note,
        recorded_at=now or utcnow(),
        recorded_by_id=actor.id,
    )
    session.add(record)
    session.flush()
    return record


def status_history(session: Session, young_id: int) -> list[StatusRecord]:
    return list(
        session.exec(
            select(StatusRecord)
            .where(StatusRecord.young_id == young_id)
            .order_by(StatusRecord.recorded_at.desc(), StatusRecord.id.desc())
        ).all()
    )


# --- the pulse --------------------------------------------------------------------------------------


def answer_pulse(session: Session, *, actor: User, answers: dict[str, int | None], now: datetime | None = None):
    """The young person answers the five questions themselves: nobody answers for them."""
    if active_enrolment(session, actor) is None:
        raise Forbidden("not_enrolled", str(_l("The pulse is for young people in the trial.")))
    missing = [key for key in PULSE_QUESTIONS if answers.get(key) not in SCORES]
    if missing:
        raise Invalid(f"score_missing:{missing[0]}", str(_l("Choose an answer to each question.")))
    answer = PulseAnswer(young_id=actor.id, answered_at=now or utcnow(), **{k: answers[k] for k in PULSE_QUESTIONS})
    session.add(answer)
    session.flush()
    return answer


def pulse_history(session: Session, young_id: int) -> list[PulseAnswer]:
    return list(
        session.exec(
            select(PulseAnswer)
            .where(PulseAnswer.young_id == young_id)
            .order_by(PulseAnswer.answered_at.desc(), PulseAnswer.id.desc())
        ).all()
    )


# --- who is due --------------------------------------------------------------------------------------


def is_due(last: datetime | None, now: datetime, every: timedelta) -> bool:
    return last is None or last + every <= now


@dataclass(frozen=True)
class Participant:
    young: User
    enrolment: EvaluationEnrolment
    last_status: datetime | None
    last_pulse: datetime | None
    status_due: bool
    pulse_due: bool


def participants(session: Session, *, now: datetime, every: timedelta = DEFAULT_INTERVAL) -> list[Participant]:
    """Everyone in the trial now, those due a status record first, then by cohort and name."""
    last_status = dict(
        session.exec(
            select(StatusRecord.young_id, func.max(StatusRecord.recorded_at)).group_by(StatusRecord.young_id)
        ).all()
    )
    last_pulse = dict(
        session.exec(
            select(PulseAnswer.young_id, func.max(PulseAnswer.answered_at)).group_by(PulseAnswer.young_id)
        ).all()
    )
    rows = session.exec(
        select(User, EvaluationEnrolment)
        .join(EvaluationEnrolment, EvaluationEnrolment.young_id == User.id)
        .where(User.is_young, User.trial_enrolled_at.is_not(None))
    ).all()
    found = []
    for young, enrolment in rows:
        status_at = _aware(last_status.get(young.id))
        pulse_at = _aware(last_pulse.get(young.id))
        found.append(
            Participant(
                young=young,
                enrolment=enrolment,
                last_status=status_at,
                last_pulse=pulse_at,
                status_due=is_due(status_at, now, every),
                pulse_due=is_due(pulse_at, now, every),
            )
        )
    found.sort(key=lambda p: (not p.status_due, -p.enrolment.cohort_year, p.young.name.lower(), p.young.id))
    return found


def _aware(moment: datetime | None) -> datetime | None:
    """max() over a UTC column comes back without its type on SQLite: make it UTC again."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def young_without_cohort(session: Session) -> list[User]:
    """Young people in the trial (enrolled the old way) who have no cohort yet."""
    return list(
        session.exec(
            select(User)
            .outerjoin(EvaluationEnrolment, EvaluationEnrolment.young_id == User.id)
            .where(User.is_young, User.trial_enrolled_at.is_not(None), EvaluationEnrolment.id.is_(None))
            .order_by(User.name, User.id)
        ).all()
    )
