"""Calendar files: one event to add by hand, and a private address phones subscribe to.

Times go out in UTC; every calendar app shows them in its own zone. The private address
carries a random token; only its SHA-256 is kept, so the address is shown once and a new
one stops the old.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from datetime import UTC, timedelta

from flask_babel import gettext as _
from icalendar import Calendar
from icalendar import Event as CalendarEvent
from sqlmodel import Session, select

from hub.accounts.logins import hash_token
from hub.db import utcnow
from hub.events.models import CalendarFeed, Event, EventStatus

PRODUCT_ID = "-//Ungehub//Ungehub Aarhus//EN"
FEED_REFRESH = timedelta(hours=1)  # how often subscribed phones should look again


def event_uid(event: Event) -> str:
    """Stable across downloads and the feed, so a calendar updates the event instead of doubling it."""
    return f"event-{event.id}@ungehub"


def _vevent(event: Event, url: str) -> CalendarEvent:
    entry = CalendarEvent()
    entry.add("uid", event_uid(event))
    entry.add("dtstamp", utcnow())
    entry.add("dtstart", event.starts_at.astimezone(UTC))
    entry.add("dtend", event.ends_at.astimezone(UTC))
    entry.add("summary", event.title)
    location = ", ".join(part for part in (event.place, event.address) if part)
    if location:
        entry.add("location", location)
    details = [event.description.strip()]
    if event.accessibility:
        details.append(_("Accessibility: %(notes)s", notes=event.accessibility))
    details.append(url)
    entry.add("description", "\n\n".join(part for part in details if part))
    entry.add("url", url)
    entry.add("status", "CANCELLED" if event.status == EventStatus.CANCELLED else "CONFIRMED")
    return entry


def calendar_file(events: Iterable[Event], url_for_event: Callable[[Event], str], *, feed: bool = False) -> bytes:
    """A VCALENDAR with one VEVENT per event; `feed` adds the name and refresh hints for subscriptions."""
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    if feed:
        calendar.add("x-wr-calname", "Ungehub")
        calendar.add("refresh-interval", FEED_REFRESH, parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", "PT1H")  # the same, for Outlook and older Apple calendars
    for event in events:
        calendar.add_component(_vevent(event, url_for_event(event)))
    return calendar.to_ical()


def reset_feed(session: Session, *, user_id: int) -> str:
    """A new private calendar address for the person; the old one stops working. Returns the token."""
    token = secrets.token_urlsafe(32)
    feed = session.exec(select(CalendarFeed).where(CalendarFeed.user_id == user_id).with_for_update()).first()
    if feed is None:
        feed = CalendarFeed(user_id=user_id, token_hash="")
        session.add(feed)
    feed.token_hash = hash_token(token)
    feed.created_at = utcnow()
    session.flush()
    return token


def find_feed(session: Session, token: str) -> CalendarFeed | None:
    return session.exec(select(CalendarFeed).where(CalendarFeed.token_hash == hash_token(token))).first()


def has_feed(session: Session, user_id: int) -> bool:
    return session.get(CalendarFeed, user_id) is not None
