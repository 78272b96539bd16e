"""Retention, enforced on a schedule. Each job is safe to run twice (or in two processes).

- check-ins and wellbeing entries older than CHECKIN_RETENTION_DAYS are deleted;
- a young person with no login and no activity for RETENTION_INACTIVE_DAYS is told
  RETENTION_WARNING_DAYS before, and then anonymised. Leaving ("taking a break") is not deleting:
  until then the door stays open, and logging in again resets the clock.
(Closed conversations have their own job: hub.messages.jobs.delete_closed_conversations.)
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func
from sqlalchemy import select as select_columns
from sqlmodel import Session, SQLModel, select

from hub.accounts.models import User
from hub.checkins.models import CheckIn, Wellbeing
from hub.db import utcnow
from hub.i18n import lazy_when
from hub.mail import mail_configured
from hub.notifications.services import notify
from hub.outbox.services import enqueue_mail
from hub.rights.erase import erase_person
from hub.rights.models import ActivityMark, Erasure, ErasureCause


def delete_old_checkins(session: Session, now: datetime | None = None) -> int:
    """Check-ins about days, and wellbeing entries made, longer ago than the retention period."""
    now = now or utcnow()
    cutoff = now - timedelta(days=current_app.config["CHECKIN_RETENTION_DAYS"])
    checkins = session.exec(delete(CheckIn).where(CheckIn.happened_on < cutoff.date())).rowcount
    entries = session.exec(delete(Wellbeing).where(Wellbeing.at < cutoff)).rowcount
    session.flush()
    return checkins + entries


# Signs of life: (table, person column, time column). Named, not imported, so a table another
# domain drops or renames is simply skipped. What others do *to* a person (a notification, a
# klip grant) is not a sign of life; what the person does, or a contact with them, is.
SIGNS_OF_LIFE = [
    ("user_session", "user_id", "last_seen_at"),
    ("consent", "user_id", "accepted_at"),
    ("message", "author_id", "created_at"),
    ("wellbeing", "young_id", "at"),
    ("checkin", "young_id", "created_at"),
    ("booking", "user_id", "created_at"),
    ("booking", "user_id", "checked_in_at"),
    ("klip_entry", "actor_id", "created_at"),
    ("plan_change", "by_id", "at"),
    ("support_change", "by_id", "at"),
    ("proposal", "author_id", "created_at"),
    ("proposal_backer", "user_id", "created_at"),
    ("proposal_comment", "author_id", "created_at"),
    ("evaluation_pulse", "young_id", "answered_at"),
    ("deletion_request", "user_id", "created_at"),
]
OWN_TIMES = ("created_at", "activated_at", "left_at", "password_changed_at")


def last_signs_of_life(session: Session, people: list[User]) -> dict[int, datetime]:
    """Each person's latest sign of life, one query per kind of sign (not per person)."""
    latest: dict[int, datetime] = {}

    def seen(person_id: int, when: datetime | None) -> None:
        if when is not None and (person_id not in latest or when > latest[person_id]):
            latest[person_id] = when

    for person in people:
        for name in OWN_TIMES:
            seen(person.id, getattr(person, name))
    ids = [person.id for person in people]
    tables = SQLModel.metadata.tables
    for table_name, person_column, time_column in SIGNS_OF_LIFE:
        table = tables.get(table_name)
        if table is None or person_column not in table.c or time_column not in table.c:
            continue
        who, when = table.c[person_column], table.c[time_column]
        for chunk_start in range(0, len(ids), 500):
            chunk = ids[chunk_start : chunk_start + 500]
            for person_id, time in session.exec(
                select_columns(who, func.max(when)).where(who.in_(chunk)).group_by(who)
            ):
                seen(person_id, time)
    return latest


def anonymise_inactive(session: Session, now: datetime | None = None) -> dict[str, int]:
    """Warn young people not seen for a long time; anonymise those warned long enough ago."""
    now = now or utcnow()
    limit = timedelta(days=current_app.config["RETENTION_INACTIVE_DAYS"])
    notice = timedelta(days=current_app.config["RETENTION_WARNING_DAYS"])
    erased = select(Erasure.user_id)
    people = list(session.exec(select(User).where(User.is_young, User.id.not_in(erased)).order_by(User.id)))
    latest = last_signs_of_life(session, people)
    ids = [person.id for person in people]
    marks = {mark.user_id: mark for mark in session.exec(select(ActivityMark).where(ActivityMark.user_id.in_(ids)))}
    done = {"warned": 0, "anonymised": 0}
    for person in people:
        mark = marks.get(person.id)
        seen = latest.get(person.id, person.created_at)
        if mark is None:
            mark = ActivityMark(user_id=person.id, last_active_at=seen)
            session.add(mark)
        elif seen > mark.last_active_at:
            mark.last_active_at = seen  # the clock starts again
        warned = mark.warned_at is not None and mark.warned_at >= mark.last_active_at
        if not warned and now >= mark.last_active_at + limit - notice:
            _warn(session, person, deadline=max(mark.last_active_at + limit, now + notice))
            mark.warned_at = now
            done["warned"] += 1
        elif warned and now >= mark.last_active_at + limit and now >= mark.warned_at + notice:
            erase_person(session, person=person, cause=ErasureCause.INACTIVE, now=now)
            done["anonymised"] += 1
    session.flush()
    return done if any(done.values()) else {}


def _warn(session: Session, person: User, *, deadline: datetime) -> None:
    """In the app (and by e-mail when mail is set up): log in, or your data is deleted.

    The mail goes to the outbox in the job's transaction: if the job rolls back, it was never
    queued, and the next run warns once more, once."""
    day = lazy_when(deadline, "date")  # written in the reader's language when shown or sent
    notify(
        session,
        person,
        kind="inactive_warning",
        title=_l("We miss you. Your account is kept until %(day)s", day=day),
        body=_l(
            "You have not been here for a long time. If you do not log in before %(day)s, "
            "we delete your data. Log in once, and everything stays.",
            day=day,
        ),
        url="/",
    )
    if mail_configured() and person.password_hash:
        with force_locale(person.locale or "da"):
            subject = _("Your Ungehub account")
            body = _(
                "Hi %(name)s,\n\nYou have not used Ungehub for a long time. If you do not log in before "
                "%(day)s, we delete your data, as our privacy notice says. Log in once, and everything "
                "stays.\n\n%(url)s\n",
                name=person.display_name,
                day=day,
                url=current_app.config["BASE_URL"],
            )
        enqueue_mail(session, kind="inactive_warning", to=person.email, subject=subject, body=body)
