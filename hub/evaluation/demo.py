"""Demo evaluation data: Sara and Amina in this year's cohort; Sara has a status at the start and
one six months on, and answered the pulse long ago (so it is due); Amina's first status is due."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session

from hub.accounts.models import User
from hub.db import utcnow
from hub.evaluation.models import EvaluationEnrolment, PulseAnswer, RecordKind, StatusRecord
from hub.evaluation.services import local_year


def load(session: Session, by_login: dict[str, User]) -> None:
    now = utcnow()
    sara, amina, staff = by_login["ung"], by_login["amina"], by_login["personale"]
    for young, days_ago in ((sara, 200), (amina, 20)):
        enrolled_at = now - timedelta(days=days_ago)
        young.trial_enrolled_at = enrolled_at
        session.add(
            EvaluationEnrolment(
                young_id=young.id, cohort_year=local_year(enrolled_at), enrolled_at=enrolled_at, enrolled_by_id=staff.id
            )
        )
    session.add_all(
        [
            StatusRecord(
                young_id=sara.id,
                kind=RecordKind.START,
                housing="family",
                occupation="neither",
                risk="high",
                network=2,
                network_note="Har mest kontakt med sin plejemor.",
                recorded_at=now - timedelta(days=199),
                recorded_by_id=staff.id,
            ),
            StatusRecord(
                young_id=sara.id,
                kind=RecordKind.FOLLOW_UP,
                housing="own_home",
                occupation="education",
                risk="middle",
                network=3,
                network_note="Spiller fodbold igen og ser sine gamle venner.",
                recorded_at=now - timedelta(days=14),
                recorded_by_id=staff.id,
            ),
            PulseAnswer(
                young_id=sara.id, talk=3, home=2, days=2, say=4, future=3, answered_at=now - timedelta(days=198)
            ),
        ]
    )
    session.flush()
