"""The urgent path in plain words: who is told when a young person asks for help now, and the
clock that runs until someone has it.

One answer, worked out from the duty roster and the opening hours, serves the form (before
sending), the receipt in the thread (the same words, as they were at the moment it was sent) and
the staff (minutes waited, when it escalates). It follows what services.recipients and
jobs.escalate_urgent do, so what the page says is what happens.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from flask import current_app
from sqlmodel import Session

from hub.messages import hours
from hub.messages.models import Conversation, ConversationStatus
from hub.messages.services import staff_on_duty

ESCALATE_MINUTES = 10  # the default; MESSAGE_ESCALATE_MINUTES sets it
ALL_STAFF, ADMINS = 1, 2  # escalation levels; 0 is "the first people were told"


def escalate_minutes() -> int:
    """How long an urgent message may wait unanswered before more people are told."""
    return int(current_app.config.get("MESSAGE_ESCALATE_MINUTES", ESCALATE_MINUTES))


class Route(StrEnum):
    ON_DUTY = "on_duty"  # the staff on duty are told at once; everyone after the minutes
    ALL_STAFF = "all_staff"  # open, nobody on duty: every staff member at once
    CLOSED = "closed"  # closed, nobody on duty: everyone is told, but may not read it before opening


@dataclass(frozen=True)
class UrgentRoute:
    """Who hears of an urgent message sent at one moment, and how fast."""

    route: Route
    on_duty: tuple[str, ...]  # the names of the staff on duty (ON_DUTY only)
    minutes: int  # unanswered this long, more people are told
    back_at: datetime | None  # CLOSED: when the hub opens again (None: not within the horizon)

    @property
    def closed(self) -> bool:
        return self.route == Route.CLOSED


def urgent_route(session: Session, at: datetime, minutes: int) -> UrgentRoute:
    """The route of an urgent message sent `at`: someone on duty hears first, whatever the hour
    (a shift may run past closing time); else all staff, who are at work only while it is open."""
    on_duty = tuple(person.display_name for person in staff_on_duty(session, at))
    if on_duty:
        return UrgentRoute(Route.ON_DUTY, on_duty, minutes, None)
    opening = hours.opening_hours(session)
    if hours.is_open(opening, at):
        return UrgentRoute(Route.ALL_STAFF, (), minutes, None)
    return UrgentRoute(Route.CLOSED, (), minutes, hours.next_opening(opening, at))


@dataclass(frozen=True)
class UrgentClock:
    """An urgent conversation's own clock: how long it has waited for someone to have it, and
    when it is (or was) escalated. It stops when someone picks it up or answers."""

    started: datetime
    now: datetime
    step: timedelta  # each escalation level comes this long after the one before
    level: int
    escalated_at: datetime | None
    stopped_at: datetime | None  # picked up, first answered or closed
    closed_unanswered: bool = False  # stopped because it was closed before anyone had it

    @property
    def stopped(self) -> bool:
        return self.stopped_at is not None

    @property
    def waited(self) -> timedelta:
        return max(timedelta(0), (self.stopped_at or self.now) - self.started)

    @property
    def escalated(self) -> bool:
        return self.level >= ALL_STAFF

    @property
    def next_level(self) -> int | None:
        """The level still to come, while nobody has it; None when stopped or at the top."""
        if self.stopped or self.level >= ADMINS:
            return None
        return self.level + 1

    @property
    def next_at(self) -> datetime | None:
        """When the next level is due (the scheduler runs every minute, so it may be a little later)."""
        level = self.next_level
        return None if level is None else self.started + level * self.step

    @property
    def next_in(self) -> timedelta | None:
        """How long until the next level; None when none is coming or it is due now (the
        scheduler has not run yet)."""
        due = self.next_at
        return due - self.now if due is not None and due > self.now else None


def urgent_clock(conversation: Conversation, now: datetime, minutes: int) -> UrgentClock | None:
    """The clock of an urgent conversation with the hub; None for any other."""
    if not conversation.urgent or conversation.supporter_id is not None:
        return None
    had = [t for t in (conversation.picked_up_at, conversation.first_response_at) if t is not None]
    closed = conversation.status == ConversationStatus.CLOSED and not had
    stopped_at = min(had) if had else conversation.closed_at if closed else None
    return UrgentClock(
        started=conversation.created_at,
        now=now,
        step=timedelta(minutes=minutes),
        level=conversation.escalation_level,
        escalated_at=conversation.escalated_at,
        stopped_at=stopped_at,
        closed_unanswered=closed and stopped_at is not None,
    )
