"""What staff set up around messages: who handles which topic and how soon, opening hours,
the crisis lines on "I need help now", canned replies, and who is on duty."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, delete, select

from hub.accounts.models import User
from hub.db import utcnow
from hub.errors import Invalid, NotFound
from hub.messages import hours as hub_hours
from hub.messages.inbox import active_staff
from hub.messages.models import CannedReply, CrisisLine, DutyShift, OpeningHours, Topic, TopicRoute, TopicSetting

NORM_MIN, NORM_MAX = 1, 168
DUTY_MAX_HOURS = 12
PHONE = re.compile(r"^\+?[0-9 ]*[0-9][0-9 ]*$")


class InvalidSettings(Invalid):
    """Some fields are wrong; `errors` maps each field name to what to fix."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("invalid_settings", next(iter(errors.values())))
        self.errors = errors


def _not_found() -> NotFound:
    return NotFound("not_found", str(_l("We could not find that page")))


# --- topics: who handles them, and how soon the hub answers ----------------------------------------


def topic_routes(session: Session) -> dict[str, set[int]]:
    routes: dict[str, set[int]] = {topic.value: set() for topic in Topic}
    for route in session.exec(select(TopicRoute)):
        routes.setdefault(route.topic, set()).add(route.staff_id)
    return routes


def save_topics(session: Session, *, actor: User, routes: dict[str, set[int]], norms: dict[str, int | None]) -> None:
    """Replace the routes and reply norms for every topic given; nothing is saved if one is wrong."""
    errors = {}
    for topic, value in norms.items():
        if value is None or not NORM_MIN <= value <= NORM_MAX:
            errors[f"norm-{topic}"] = str(
                _l("Write a number of hours from %(min)d to %(max)d.", min=NORM_MIN, max=NORM_MAX)
            )
    staff_ids = {person.id for person in active_staff(session)}
    for topic, chosen in routes.items():
        if chosen - staff_ids:
            errors[f"staff-{topic}"] = str(_l("Choose people from the hub staff."))
    if errors:
        raise InvalidSettings(errors)
    for topic, value in norms.items():
        setting = session.get(TopicSetting, topic)
        if setting is None:
            session.add(TopicSetting(topic=topic, response_hours=value))
        else:
            setting.response_hours = value
    session.exec(delete(TopicRoute).where(TopicRoute.topic.in_(list(routes))))
    session.add_all(
        TopicRoute(topic=topic, staff_id=staff_id) for topic, chosen in routes.items() for staff_id in chosen
    )
    session.flush()


# --- opening hours -----------------------------------------------------------------------------


def save_opening_hours(
    session: Session, *, actor: User, days: dict[int, tuple[time | None, time | None] | None]
) -> None:
    """Per weekday (0 Monday): None when closed, else (opens, closes) with opens before closes."""
    errors = {}
    for day, span in days.items():
        if span is None:
            continue
        opens, closes = span
        if opens is None or closes is None:
            errors[f"day-{day}"] = str(_l("Write when it opens and closes, or mark the day as closed."))
        elif opens >= closes:
            errors[f"day-{day}"] = str(_l("It must open before it closes."))
    if errors:
        raise InvalidSettings(errors)
    for day, span in days.items():
        opens, closes = span if span is not None else (None, None)
        row = session.get(OpeningHours, day)
        if row is None:
            session.add(OpeningHours(weekday=day, opens=opens, closes=closes))
        else:
            row.opens, row.closes = opens, closes
    session.flush()


# --- crisis lines --------------------------------------------------------------------------------


@dataclass
class CrisisLineInput:
    name: str = ""
    phone: str = ""
    description: str = ""
    name_en: str = ""  # optional: shown to young people who read English
    description_en: str = ""
    anonymous: bool = False
    always_open: bool = True
    opens: time | None = None
    closes: time | None = None
    active: bool = True
    position: int | None = 0

    @classmethod
    def from_line(cls, line: CrisisLine) -> CrisisLineInput:
        return cls(**{name: getattr(line, name) for name in cls.__dataclass_fields__})


def crisis_line_problems(data: CrisisLineInput) -> dict[str, str]:
    errors = {}
    if not data.name:
        errors["name"] = str(_l("Write the name of the line."))
    elif len(data.name) > 80:
        errors["name"] = str(_l("Keep it under %(max)d characters.", max=80))
    phone = " ".join(data.phone.split())
    if not phone:
        errors["phone"] = str(_l("Write the phone number."))
    elif not PHONE.match(phone) or len(phone) > 30:
        errors["phone"] = str(_l("Use only digits, spaces and a + at the start."))
    if len(data.description) > 300:
        errors["description"] = str(_l("Keep it under %(max)d characters.", max=300))
    if len(data.name_en) > 80:
        errors["name_en"] = str(_l("Keep it under %(max)d characters.", max=80))
    if len(data.description_en) > 300:
        errors["description_en"] = str(_l("Keep it under %(max)d characters.", max=300))
    if not data.always_open:
        if data.opens is None or data.closes is None:
            errors["opens"] = str(_l("Write when the line opens and closes, or mark it as always open."))
        elif data.opens == data.closes:
            errors["opens"] = str(_l("Opening and closing cannot be the same time."))
    if data.position is None or not 0 <= data.position <= 999:
        errors["position"] = str(_l("Write a whole number from 0 to 999."))
    return errors


def all_crisis_lines(session: Session) -> list[CrisisLine]:
    """Active and inactive, in the order young people see them."""
    return list(session.exec(select(CrisisLine).order_by(CrisisLine.active.desc(), CrisisLine.position, CrisisLine.id)))


def save_crisis_line(session: Session, *, actor: User, data: CrisisLineInput, line_id: int | None = None) -> CrisisLine:
    """Add a line, or change one. Closing before opening means open over midnight."""
    errors = crisis_line_problems(data)
    if errors:
        raise InvalidSettings(errors)
    if line_id is None:
        line = CrisisLine(name=data.name, phone=data.phone)
        session.add(line)
    else:
        line = session.get(CrisisLine, line_id)
        if line is None:
            raise _not_found()
    line.name, line.phone, line.description = data.name, " ".join(data.phone.split()), data.description
    line.name_en, line.description_en = data.name_en, data.description_en
    line.anonymous, line.always_open, line.active, line.position = (
        data.anonymous,
        data.always_open,
        data.active,
        data.position,
    )
    line.opens, line.closes = (None, None) if data.always_open else (data.opens, data.closes)
    session.flush()
    return line


# --- canned replies ------------------------------------------------------------------------------


def canned_replies(session: Session, topic: str | None = None) -> list[CannedReply]:
    """All of them, or those for a topic plus those for any topic."""
    statement = select(CannedReply).order_by(CannedReply.title, CannedReply.id)
    if topic is not None:
        statement = statement.where((CannedReply.topic == topic) | CannedReply.topic.is_(None))
    return list(session.exec(statement))


def canned_problems(title: str, body: str, topic: str | None) -> dict[str, str]:
    errors = {}
    if not title:
        errors["title"] = str(_l("Give it a short title."))
    elif len(title) > 80:
        errors["title"] = str(_l("Keep it under %(max)d characters.", max=80))
    if not body:
        errors["body"] = str(_l("Write the reply."))
    elif len(body) > 2000:
        errors["body"] = str(_l("Keep it under %(max)d characters.", max=2000))
    if topic is not None and topic not in {t.value for t in Topic}:
        errors["topic"] = str(_l("Choose a topic, or any topic."))
    return errors


def save_canned(
    session: Session, *, actor: User, title: str, body: str, topic: str | None, canned_id: int | None = None
) -> CannedReply:
    errors = canned_problems(title, body, topic)
    if errors:
        raise InvalidSettings(errors)
    if canned_id is None:
        canned = CannedReply(title=title, body=body, topic=topic)
        session.add(canned)
    else:
        canned = session.get(CannedReply, canned_id)
        if canned is None:
            raise _not_found()
        canned.title, canned.body, canned.topic = title, body, topic
    session.flush()
    return canned


def delete_canned(session: Session, *, actor: User, canned_id: int) -> None:
    canned = session.get(CannedReply, canned_id)
    if canned is None:
        raise _not_found()
    session.delete(canned)
    session.flush()


# --- duty ---------------------------------------------------------------------------------------


def current_shift(session: Session, staff: User, now: datetime | None = None) -> DutyShift | None:
    now = now or utcnow()
    return session.exec(
        select(DutyShift)
        .where(DutyShift.staff_id == staff.id, DutyShift.since <= now, DutyShift.until > now)
        .order_by(DutyShift.until.desc())
    ).first()


def go_on_duty(session: Session, *, actor: User, hours: int | None = None, now: datetime | None = None) -> DutyShift:
    """On duty for `hours`, or (None) until the hub closes today. Replaces a shift already running."""
    now = now or utcnow()
    if hours is None:
        schedule, local = hub_hours.opening_hours(session), now.astimezone(hub_hours.AARHUS)
        span = schedule.get(local.weekday())
        if span is None or not hub_hours.is_open(schedule, now):
            raise Invalid("hub_closed", str(_l("The hub is closed now. Choose a number of hours instead.")))
        until = datetime.combine(local.date(), span[1], tzinfo=hub_hours.AARHUS)
    elif not 1 <= hours <= DUTY_MAX_HOURS:
        raise Invalid("duty_hours", str(_l("Choose from 1 to %(max)d hours.", max=DUTY_MAX_HOURS)))
    else:
        until = now + timedelta(hours=hours)
    go_off_duty(session, actor=actor, now=now)
    shift = DutyShift(staff_id=actor.id, since=now, until=until)
    session.add(shift)
    session.flush()
    return shift


def go_off_duty(session: Session, *, actor: User, now: datetime | None = None) -> None:
    now = now or utcnow()
    running = session.exec(
        select(DutyShift).where(DutyShift.staff_id == actor.id, DutyShift.since <= now, DutyShift.until > now)
    ).all()
    for shift in running:
        shift.until = now
    session.flush()
