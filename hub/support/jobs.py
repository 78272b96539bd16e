"""Scheduled support work: a pause the young person gave an end day starts again on that day."""

from __future__ import annotations

from sqlmodel import Session

from hub.support import scaling


def resume_ended_pauses(session: Session) -> int:
    return scaling.resume_ended_pauses(session)
