"""Building events for tests: flush into the caller's session, never commit."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session

from hub.db import utcnow
from hub.events.models import Event


def make_event(session: Session, **overrides) -> Event:
    start = overrides.pop("starts_at", utcnow() + timedelta(days=2))
    values = {
        "title": "Mad for en SU",
        "description": "Vi laver billig og god mad sammen.",
        "category": "workshop",
        "starts_at": start,
        "ends_at": start + timedelta(hours=2),
        "place": "Ungehub, køkkenet",
        "address": "Vestergade 1, 8000 Aarhus C",
        "capacity": 2,
        "cutoff_hours": 2,
    }
    values.update(overrides)
    event = Event(**values)
    session.add(event)
    session.flush()
    return event
