"""What the check-in pages show. Lists are built from a few grouped queries, never one per person."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import get_timezone
from sqlalchemy import func
from sqlmodel import Session, select

from hub.accounts.models import User
from hub.checkins.models import CONTACT_WAY_LABELS, HOW_IT_WENT_LABELS, CheckIn, Wellbeing
from hub.checkins.services import Sight, on_case_side, sight, staff_contact_of
from hub.db import utcnow
from hub.events.models import Booking, BookingStatus, Event, EventStatus
from hub.plans.models import Goal, GoalStatus, Plan
from hub.support import circle
from hub.support.models import Area, SparringRequest, SupporterProfile, SupportLink

OPEN_GOALS = (GoalStatus.NOT_STARTED, GoalStatus.UNDER_WAY)
TREND_LENGTH = 30


def local_today() -> date:
    """Today in Aarhus: dates people agree on are local dates."""
    return utcnow().astimezone(get_timezone()).date()


def _latest_per_young(session: Session, model, young_ids, *, order, where=(), columns=()):
    """The newest row of `model` for each young person, in one query (a window function)."""
    if not young_ids:
        return {}
    rank = func.row_number().over(partition_by=model.young_id, order_by=order).label("rank")
    ranked = select(model.young_id, *columns, rank).where(model.young_id.in_(young_ids), *where).subquery()
    rows = session.exec(select(*(ranked.c[c.key] for c in (model.young_id, *columns))).where(ranked.c.rank == 1))
    return {row[0]: row[1:] for row in rows}


# --- one check-in as a person may see it ----------------------------------------------------------


@dataclass(frozen=True)
class ShownCheckIn:
    id: int
    happened_on: date
    way: str
    went: str
    by_name: str
    is_mine: bool
    note: str  # empty when there is none, or this person may not read it
    note_private: bool  # a note the young person does not see (shown so to the case side)
    next_on: date | None


def _shown(viewer: User, checkin: CheckIn, by: User | None, seen: Sight) -> ShownCheckIn:
    return ShownCheckIn(
        id=checkin.id,
        happened_on=checkin.happened_on,
        way=CONTACT_WAY_LABELS.get(checkin.way, checkin.way),
        went=HOW_IT_WENT_LABELS.get(checkin.went, checkin.went),
        by_name=by.name if by is not None else "",
        is_mine=checkin.by_id == viewer.id,
        note=checkin.note if seen == Sight.ALL else "",
        note_private=seen == Sight.ALL and bool(checkin.note) and not checkin.note_shared,
        next_on=checkin.next_on,
    )


def visible_checkins(session: Session, viewer: User, young_id: int) -> list[ShownCheckIn]:
    """The young person's check-ins, newest first, each as `viewer` may see it (`services.sight`)."""
    case_side = on_case_side(session, viewer, young_id)
    rows = session.exec(
        select(CheckIn, User)
        .outerjoin(User, User.id == CheckIn.by_id)
        .where(CheckIn.young_id == young_id)
        .order_by(CheckIn.happened_on.desc(), CheckIn.id.desc())
    )
    shown = []
    for checkin, by in rows:
        seen = sight(viewer, checkin, case_side=case_side)
        if seen != Sight.NONE:
            shown.append(_shown(viewer, checkin, by, seen))
    return shown


@dataclass(frozen=True)
class NextCheckIn:
    on: date
    with_name: str


def next_agreed(session: Session, young_id: int, today: date) -> NextCheckIn | None:
    """The soonest check-in someone agreed with the young person (each person's latest counts)."""
    rows = session.exec(
        select(CheckIn.by_id, CheckIn.next_on, User.name)
        .join(User, User.id == CheckIn.by_id)
        .where(CheckIn.young_id == young_id)
        .order_by(CheckIn.by_id, CheckIn.happened_on.desc(), CheckIn.id.desc())
    )
    latest: dict[int, tuple[date | None, str]] = {}
    for by_id, next_on, name in rows:
        latest.setdefault(by_id, (next_on, name))
    coming = sorted((on, name) for on, name in latest.values() if on is not None and on >= today)
    return NextCheckIn(*coming[0]) if coming else None


@dataclass(frozen=True)
class ForYoung:
    checkins: list[ShownCheckIn]
    next: NextCheckIn | None


def for_young(session: Session, young: User, today: date, limit: int = 10) -> ForYoung:
    return ForYoung(visible_checkins(session, young, young.id)[:limit], next_agreed(session, young.id, today))


# --- "my young people" -------------------------------------------------------------------------


@dataclass(frozen=True)
class MyYoungPerson:
    young: User
    link: SupportLink
    last_contact: date | None  # your latest check-in with them
    next_on: date | None  # what you agreed then
    overdue: bool  # the agreed day has passed
    due: bool  # the agreed day is today, or has passed
    mood: int | None  # their latest wellbeing, if they share it with you
    mood_at: datetime | None
    shares_wellbeing: bool
    open_goals: int | None  # None: they do not share their plan with you


def my_young_people(session: Session, viewer: User, today: date) -> list[MyYoungPerson]:
    """The young people whose circle `viewer` is in, with what they share: four queries in all."""
    links = session.exec(
        select(SupportLink, User)
        .join(User, User.id == SupportLink.young_id)
        .where(SupportLink.supporter_id == viewer.id, SupportLink.ended_at.is_(None), User.disabled_at.is_(None))
        .order_by(User.name, User.id)
    ).all()
    ids = [young.id for _link, young in links]
    contact = _latest_per_young(
        session,
        CheckIn,
        ids,
        order=(CheckIn.happened_on.desc(), CheckIn.id.desc()),
        where=(CheckIn.by_id == viewer.id,),
        columns=(CheckIn.happened_on, CheckIn.next_on),
    )
    sharing_mood = [young.id for link, young in links if circle.sees(viewer, young.id, link, Area.WELLBEING)]
    moods = _latest_per_young(
        session,
        Wellbeing,
        sharing_mood,
        order=(Wellbeing.at.desc(), Wellbeing.id.desc()),
        columns=(Wellbeing.mood, Wellbeing.at),
    )
    sharing_plan = [young.id for link, young in links if circle.sees(viewer, young.id, link, Area.PLAN)]
    goals = dict(
        session.exec(
            select(Goal.young_id, func.count())
            .where(Goal.young_id.in_(sharing_plan), Goal.status.in_(OPEN_GOALS))
            .group_by(Goal.young_id)
        ).all()
        if sharing_plan
        else []
    )
    people = []
    for link, young in links:
        last, next_on = contact.get(young.id, (None, None))
        mood, mood_at = moods.get(young.id, (None, None))
        people.append(
            MyYoungPerson(
                young=young,
                link=link,
                last_contact=last,
                next_on=next_on,
                overdue=next_on is not None and next_on < today,
                due=next_on is not None and next_on <= today,
                mood=mood,
                mood_at=mood_at,
                shares_wellbeing=young.id in sharing_mood,
                open_goals=goals.get(young.id, 0) if young.id in sharing_plan else None,
            )
        )
    return people


# --- one young person ---------------------------------------------------------------------------


@dataclass
class PlanSummary:
    dreams: str
    open_goals: list[Goal]
    done: int


def plan_summary(session: Session, young_id: int) -> PlanSummary:
    plan = session.get(Plan, young_id)
    goals = session.exec(select(Goal).where(Goal.young_id == young_id).order_by(Goal.position, Goal.id)).all()
    return PlanSummary(
        dreams=plan.dreams if plan else "",
        open_goals=[g for g in goals if g.status in OPEN_GOALS],
        done=sum(1 for g in goals if g.status == GoalStatus.DONE),
    )


def upcoming_bookings(session: Session, young_id: int, now: datetime, limit: int = 5) -> list[tuple[Booking, Event]]:
    return list(
        session.exec(
            select(Booking, Event)
            .join(Event, Event.id == Booking.event_id)
            .where(
                Booking.user_id == young_id,
                Booking.status.in_((BookingStatus.CONFIRMED, BookingStatus.OFFERED)),
                Event.status == EventStatus.SCHEDULED,
                Event.ends_at > now,
            )
            .order_by(Event.starts_at)
            .limit(limit)
        ).all()
    )


def wellbeing_trend(session: Session, young_id: int, limit: int = TREND_LENGTH) -> list[Wellbeing]:
    """The last `limit` entries, oldest first (the order a chart reads)."""
    newest = session.exec(
        select(Wellbeing).where(Wellbeing.young_id == young_id).order_by(Wellbeing.at.desc(), Wellbeing.id.desc())
    ).all()[:limit]
    return list(reversed(newest))


def last_wellbeing(session: Session, young_id: int) -> Wellbeing | None:
    return session.exec(
        select(Wellbeing).where(Wellbeing.young_id == young_id).order_by(Wellbeing.at.desc(), Wellbeing.id.desc())
    ).first()


# --- staff: who needs someone to get in touch -------------------------------------------------------


@dataclass(frozen=True)
class NeedsContact:
    young: User
    primary: User | None
    last_on: date | None
    days_since: int | None  # since the last check-in; None: never
    next_on: date | None
    days_overdue: int | None


@dataclass
class Overview:
    overdue: list[NeedsContact] = field(default_factory=list)
    quiet: list[NeedsContact] = field(default_factory=list)
    quiet_days: int = 42


def staff_overview(session: Session, today: date, quiet_days: int) -> Overview:
    """Overdue: the latest check-in agreed a next one that has passed, and nobody has been in touch
    since. Quiet: someone in a circle with no check-in for `quiet_days` days, or none at all."""
    active = (User.is_young, User.disabled_at.is_(None), User.left_at.is_(None))
    in_circle = set(
        session.exec(
            select(SupportLink.young_id)
            .join(User, User.id == SupportLink.young_id)
            .where(SupportLink.ended_at.is_(None), *active)
        ).all()
    )
    with_checkins = set(
        session.exec(select(CheckIn.young_id).join(User, User.id == CheckIn.young_id).where(*active)).all()
    )
    ids = sorted(in_circle | with_checkins)
    latest = _latest_per_young(
        session,
        CheckIn,
        ids,
        order=(CheckIn.happened_on.desc(), CheckIn.id.desc()),
        columns=(CheckIn.happened_on, CheckIn.next_on),
    )
    people = {u.id: u for u in session.exec(select(User).where(User.id.in_(ids))).all()} if ids else {}
    primaries = (
        dict(
            session.exec(
                select(SupportLink.young_id, User)
                .join(User, User.id == SupportLink.supporter_id)
                .where(SupportLink.young_id.in_(ids), SupportLink.is_primary, SupportLink.ended_at.is_(None))
            ).all()
        )
        if ids
        else {}
    )
    overview = Overview(quiet_days=quiet_days)
    for young_id in ids:
        last_on, next_on = latest.get(young_id, (None, None))
        row = NeedsContact(
            young=people[young_id],
            primary=primaries.get(young_id),
            last_on=last_on,
            days_since=(today - last_on).days if last_on else None,
            next_on=next_on,
            days_overdue=(today - next_on).days if next_on and next_on < today else None,
        )
        if row.days_overdue is not None:
            overview.overdue.append(row)
        elif young_id in in_circle and (row.days_since is None or row.days_since >= quiet_days):
            overview.quiet.append(row)
    overview.overdue.sort(key=lambda r: (-r.days_overdue, r.young.name))
    overview.quiet.sort(key=lambda r: (r.days_since is not None, -(r.days_since or 0), r.young.name))
    return overview


# --- volunteer mentors ----------------------------------------------------------------------------


@dataclass(frozen=True)
class VolunteerPage:
    profile: SupporterProfile | None
    contact: User | None
    contact_phone: str
    requests: list[SparringRequest]


def volunteer_page(session: Session, mentor: User, limit: int = 10) -> VolunteerPage:
    profile = session.get(SupporterProfile, mentor.id)
    contact = staff_contact_of(session, mentor)
    contact_profile = session.get(SupporterProfile, contact.id) if contact is not None else None
    requests = session.exec(
        select(SparringRequest)
        .where(SparringRequest.mentor_id == mentor.id)
        .order_by(SparringRequest.created_at.desc(), SparringRequest.id.desc())
        .limit(limit)
    ).all()
    return VolunteerPage(
        profile=profile,
        contact=contact,
        contact_phone=contact_profile.phone if contact_profile else "",
        requests=list(requests),
    )
