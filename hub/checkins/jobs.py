"""Scheduled check-in work: remind the adult on the day they agreed to be in touch."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, func, select

from hub.accounts.models import User
from hub.checkins.models import CheckIn
from hub.db import utcnow
from hub.messages.hours import AARHUS
from hub.notifications.services import notify
from hub.support.models import SupportLink
from hub.support.scaling import reminders_rest

CATCH_UP_DAYS = 2  # a reminder missed while the scheduler was down still comes, a little late


def remind_supporters(session: Session, now: datetime | None = None) -> int:
    """For each adult still in a young person's circle whose last check-in named a next date
    that has come (today, or in the last couple of days), one reminder; never twice. None while
    the young person has paused the support that person gives (hub.support.scaling)."""
    now = now or utcnow()
    local = now.astimezone(AARHUS)
    if local.hour < 8:
        return 0  # in the morning, not at midnight
    today = local.date()
    latest = (
        select(func.max(CheckIn.id))
        .where(CheckIn.by_id.is_not(None))
        .group_by(CheckIn.by_id, CheckIn.young_id)
        .scalar_subquery()
    )
    due = session.exec(
        select(CheckIn, User, SupportLink)
        .join(User, User.id == CheckIn.young_id)
        .join(
            SupportLink,
            (SupportLink.supporter_id == CheckIn.by_id)
            & (SupportLink.young_id == CheckIn.young_id)
            & SupportLink.ended_at.is_(None),
        )
        .where(
            CheckIn.id.in_(latest),
            CheckIn.next_on.is_not(None),
            CheckIn.next_on <= today,
            CheckIn.next_on >= today - timedelta(days=CATCH_UP_DAYS),
        )
    ).all()
    sent = 0
    end_of_day = datetime.combine(today + timedelta(days=1), datetime.min.time(), tzinfo=AARHUS)
    for checkin, young, _link in due:
        adult = session.get(User, checkin.by_id)
        if adult is None or adult.disabled_at is not None:
            continue
        if reminders_rest(session, young_id=young.id, supporter=adult):
            continue  # the young person has paused the support this person gives
        made = notify(
            session,
            adult,
            kind="checkin_due",
            title=_l("Time to check in with %(name)s", name=young.display_name),
            body=_l("You agreed to be in touch today. A short message is enough."),
            url=f"/my-young-people/{young.id}",
            useful_until=end_of_day,
            dedupe_key=f"checkin_due:{checkin.id}",
        )
        sent += made is not None
    return sent
