"""Scheduled event work: reminders the day before and two hours before, exactly once each.

The day before is the "still coming?" nudge (it also lets someone free their seat); two hours
before is a plain reminder. Each is keyed by booking, so running twice sends nothing new, and a
reminder whose moment has passed (the scheduler was down) is not sent late: after the window,
only the next one still makes sense.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import String, cast, exists, literal
from sqlmodel import Session, select

from hub.accounts.models import User
from hub.db import utcnow
from hub.events import services as event_services
from hub.events.models import Booking, BookingStatus, Event, EventStatus
from hub.i18n import lazy_when
from hub.notifications.models import Notification
from hub.notifications.services import notify

SOON = timedelta(hours=2)
SOON_KEY = "event_reminder:soon:"  # + the booking id: the reminder's dedupe key


def send_reminders(session: Session, now: datetime | None = None) -> int:
    now = now or utcnow()
    sent = event_services.send_still_coming_nudges(session, now)
    # Those already reminded are left out here, so a run with nothing new is one query however
    # many seats are booked; notify's key still stops a reminder made twice by racing runs.
    reminded = exists().where(Notification.dedupe_key == literal(SOON_KEY) + cast(Booking.id, String))
    due = session.exec(
        select(Booking, Event, User)
        .join(Event, Event.id == Booking.event_id)
        .join(User, User.id == Booking.user_id)
        .where(
            Booking.status == BookingStatus.CONFIRMED,
            Event.status == EventStatus.SCHEDULED,
            Event.starts_at > now,
            Event.starts_at <= now + SOON,
            ~reminded,
        )
    ).all()
    for booking, event, person in due:
        made = notify(
            session,
            person,
            kind="event_reminder",
            title=_l("Soon: %(title)s", title=event.title),
            body=_l("It starts at %(time)s. See you there!", time=lazy_when(event.starts_at, "time")),
            url=f"/bookings/{booking.id}",
            useful_until=event.starts_at,
            dedupe_key=f"{SOON_KEY}{booking.id}",
        )
        sent += made is not None
    return sent
