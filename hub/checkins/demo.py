"""Demo check-ins: two months with Sara, three weeks of her wellbeing, an overdue check-in with
Amina, and a volunteer mentor asking for a talk. The circles come from the support circle demo."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from hub.accounts.models import User
from hub.checkins.models import CheckIn, ContactWay, HowItWent, Wellbeing
from hub.db import utcnow
from hub.support import circle
from hub.support.models import SparringRequest

AARHUS = ZoneInfo("Europe/Copenhagen")

# (days ago, login of who, way, how it went, note, shared, next check-in in days from today)
SARA_CHECKINS = [
    (
        56,
        "sagsbehandler",
        ContactWay.MEETING,
        HowItWent.GOOD,
        "Godt at mødes igen. Vi talte om lejligheden og om at søge ind på HF til sommer.",
        True,
        None,
    ),
    (
        42,
        "mentor",
        ContactWay.ACTIVITY,
        HowItWent.GOOD,
        "Vi spillede bordtennis på hubben og fik en snak om arbejde.",
        True,
        None,
    ),
    (
        35,
        "sagsbehandler",
        ContactWay.PHONE,
        HowItWent.MIXED,
        "Sara var presset over en regning fra boligforeningen. Følg op på boligstøtten.",
        False,
        None,
    ),
    (20, "mentor", ContactWay.CHAT, HowItWent.MIXED, "", False, None),
    (
        14,
        "sagsbehandler",
        ContactWay.MEETING,
        HowItWent.GOOD,
        "Ansøgningen til HF er sendt. Flot klaret! Vi ringes ved om en uges tid.",
        True,
        5,
    ),
    (6, "mentor", ContactWay.ACTIVITY, HowItWent.GOOD, "Fællesspisning på hubben. Hyggeligt.", True, 9),
]

# Three weeks, oldest first: (days ago, hour, mood, sleep, movement, words). Some days skipped.
SARA_WELLBEING = [
    (21, 9, 3, 3, 2, ""),
    (20, 8, 3, 2, 2, "Dårlig nat"),
    (18, 19, 4, 3, 4, "Gik en lang tur"),
    (17, 10, 4, 4, 3, ""),
    (16, 21, 2, 2, 1, "Stress over regningen"),
    (15, 11, 2, 1, 1, ""),
    (14, 16, 4, 2, 2, "Mødet gik godt"),
    (12, 9, 3, 3, 3, ""),
    (11, 20, 4, 4, 4, "Fodbold med de andre"),
    (10, 8, 4, 4, 3, ""),
    (8, 22, 3, 2, 2, ""),
    (7, 12, 3, 3, 3, ""),
    (6, 21, 5, 4, 4, "Fællesspisning!"),
    (4, 9, 4, 4, 2, ""),
    (3, 18, 3, 3, 3, ""),
    (2, 10, 2, 2, 2, "Træt"),
    (1, 9, 4, 4, 3, ""),
    (0, 8, 4, 5, 3, "Sov godt for en gangs skyld"),
]


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour, 15), tzinfo=AARHUS).astimezone(UTC)


def load(session: Session, by_login: dict[str, User]) -> None:
    today = utcnow().astimezone(AARHUS).date()
    sara, amina, peter = by_login["ung"], by_login["amina"], by_login["mentor"]

    for days_ago, login, way, went, note, shared, next_in in SARA_CHECKINS:
        by = by_login[login]
        if circle.open_link(session, young_id=sara.id, supporter_id=by.id) is None:
            continue  # the circle demo decides who is in Sara's circle
        happened = today - timedelta(days=days_ago)
        session.add(
            CheckIn(
                young_id=sara.id,
                by_id=by.id,
                happened_on=happened,
                way=way,
                went=went,
                note=note,
                note_shared=shared,
                next_on=today + timedelta(days=next_in) if next_in else None,
                created_at=_at(happened, 17),
            )
        )

    for days_ago, hour, mood, sleep, movement, words in SARA_WELLBEING:
        at = _at(today - timedelta(days=days_ago), hour)
        session.add(
            Wellbeing(young_id=sara.id, at=min(at, utcnow()), mood=mood, sleep=sleep, movement=movement, words=words)
        )
    hanne = circle.open_link(session, young_id=sara.id, supporter_id=by_login["sagsbehandler"].id)
    if hanne is not None:
        hanne.see_wellbeing = True  # Sara chose to share how she is with her caseworker
        session.add(hanne)

    if circle.open_link(session, young_id=amina.id, supporter_id=peter.id) is not None:
        happened = today - timedelta(days=21)
        session.add(
            CheckIn(
                young_id=amina.id,
                by_id=peter.id,
                happened_on=happened,
                way=ContactWay.MEETING,
                went=HowItWent.MIXED,
                note="Vi fik en kop kaffe i byen. Amina vil gerne have hjælp til at finde et fritidsjob.",
                note_shared=True,
                next_on=today - timedelta(days=10),
                created_at=_at(happened, 16),
            )
        )
    session.add(
        SparringRequest(
            mentor_id=peter.id,
            text="Amina har aflyst vores aftaler to gange nu. Kan vi tage en snak om, hvordan jeg griber det an?",
            created_at=utcnow() - timedelta(days=2),
        )
    )
    session.flush()
