"""What a person wants pushed, and when not: kinds by category, and quiet hours."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlmodel import Session

from hub.notifications.models import NotificationPreference

LOCAL = ZoneInfo("Europe/Copenhagen")

# The switches on the settings page, in the order shown.
CATEGORIES = {
    "events": _l("Reminders about events you booked"),
    "waitlist": _l("A place opens up on a waiting list"),
    "messages": _l("New messages and replies"),
    "checkins": _l("Check-ins with your young people"),
    "klip": _l("Klip: new klip, and klip about to run out"),
    "support": _l("Your support and your plan"),
}

# Pushed at once, day or night, whatever the switches say: someone may need help now.
URGENT_KINDS = frozenset({"message_urgent", "message_escalated"})
# Always pushed when asked for: a person testing their own phone.
ALWAYS_KINDS = frozenset({"test"}) | URGENT_KINDS

_PREFIXES = (
    ("message_", "messages"),
    ("waitlist_", "waitlist"),
    ("event_", "events"),
    ("still_coming", "events"),
    ("companion", "events"),
    ("proposal_", "events"),
    ("checkin", "checkins"),
    ("sparring", "checkins"),
    ("klip", "klip"),
    ("support", "support"),
    ("nomination", "support"),
    ("plan_", "support"),
)


def category(kind: str) -> str | None:
    for prefix, name in _PREFIXES:
        if kind.startswith(prefix):
            return name
    return None


def urgency(kind: str) -> str:
    """RFC 8030 urgency: a push service may hold back low ones to save the battery."""
    if kind in URGENT_KINDS or kind in {"waitlist_offer", "test"}:
        return "high"
    if kind.startswith("klip_expiring") or kind == "klip_allotment":
        return "low"
    return "normal"


def of(session: Session, user_id: int) -> NotificationPreference:
    """A person's preferences; the defaults until they change something."""
    return session.get(NotificationPreference, user_id) or NotificationPreference(user_id=user_id)


def wants(pref: NotificationPreference, kind: str) -> bool:
    if kind in ALWAYS_KINDS:
        return True
    name = category(kind)
    return name is None or bool(getattr(pref, name))


def parse_clock(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def quiet_until(pref: NotificationPreference, now: datetime) -> datetime | None:
    """If `now` falls in the person's quiet hours, when they end (UTC); otherwise None."""
    if not pref.quiet_hours:
        return None
    start, end = parse_clock(pref.quiet_from), parse_clock(pref.quiet_until)
    if start == end:
        return None
    local = now.astimezone(LOCAL)
    clock = local.time().replace(tzinfo=None)
    if start < end:
        quiet = start <= clock < end
        end_day = local.date()
    else:  # over midnight, like 22:00–08:00
        quiet = clock >= start or clock < end
        end_day = local.date() if clock < end else local.date() + timedelta(days=1)
    if not quiet:
        return None
    return datetime.combine(end_day, end, tzinfo=LOCAL).astimezone(now.tzinfo)
