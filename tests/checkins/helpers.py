"""A small world for check-in tests: young people, their circles, check-ins and wellbeing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import Session, select

from hub.checkins.models import CheckIn, Wellbeing
from hub.db import utcnow
from hub.notifications.models import Notification
from hub.support.models import SupportLink
from tests.clock import hub_today
from tests.conftest import Auth
from tests.factories import make_user

SHARE_ALL = {"see_plan": True, "see_bookings": True, "see_wellbeing": True, "see_klip": True}


def add_link(s: Session, young, supporter, *, primary: bool = False, **sharing) -> SupportLink:
    link = SupportLink(young_id=young.id, supporter_id=supporter.id, is_primary=primary, **sharing)
    s.add(link)
    s.flush()
    return link


def add_checkin(s: Session, young, by, *, on: date | None = None, **values) -> CheckIn:
    values = {"way": "phone", "went": "good", **values}
    checkin = CheckIn(young_id=young.id, by_id=by.id if by else None, happened_on=on or hub_today(), **values)
    s.add(checkin)
    s.flush()
    return checkin


def add_wellbeing(s: Session, young, *, mood=3, sleep=3, movement=3, ago=timedelta(0), words="") -> Wellbeing:
    entry = Wellbeing(young_id=young.id, mood=mood, sleep=sleep, movement=movement, words=words, at=utcnow() - ago)
    s.add(entry)
    s.flush()
    return entry


def notices(s: Session, user_id: int) -> list[Notification]:
    return list(s.exec(select(Notification).where(Notification.user_id == user_id)))


def text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def as_user(app):
    """A logged-in client of its own for someone: `client = as_user(user)` (English copy)."""

    def login(user):
        client = app.test_client()
        client.get("/?lang=en")
        Auth(client).login(user)  # staff also answer the second step
        return client

    return login


@pytest.fixture
def circle_world(world):
    """Sara (in the support trial) with a caseworker (primary), a UU counsellor, a volunteer mentor
    and a network person in her circle, plus staff and people outside it."""

    def build():
        with world() as s:
            people = {
                "young": make_user(
                    s, is_young=True, name="Sara Nielsen", preferred_name="Sara", trial_enrolled_at=utcnow()
                ),
                "other_young": make_user(s, is_young=True, name="Mads Kristensen"),
                "caseworker": make_user(s, support_type="caseworker", name="Hanne Lund"),
                "uu": make_user(s, support_type="uu_vejleder", name="Ulla Uhrskov"),
                "mentor": make_user(s, is_mentor=True, name="Peter Madsen"),
                "network": make_user(s, support_type="network", name="Ali Karimi"),
                "outside_caseworker": make_user(s, support_type="caseworker", name="Ole Udenfor"),
                "outside_mentor": make_user(s, is_mentor=True, name="Mette Udenfor"),
                "staff": make_user(s, is_staff=True, name="Louise Holm"),
            }
            young = people["young"]
            add_link(s, young, people["caseworker"], primary=True, **SHARE_ALL)
            add_link(s, young, people["uu"], see_plan=True)
            add_link(s, young, people["mentor"], see_plan=True, see_bookings=True)
            add_link(s, young, people["network"])
        return people

    return build
