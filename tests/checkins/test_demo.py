"""The check-in demo builds on the circles the support demo made, and tells the stories it promises."""

from __future__ import annotations

import pytest
from sqlmodel import select

from hub.checkins import demo, queries
from hub.checkins.models import CheckIn, Wellbeing
from hub.support.models import SparringRequest, SupportLink
from tests.checkins.helpers import add_link
from tests.factories import make_user

LOGINS = {"ung": {"is_young": True}, "amina": {"is_young": True}, "mentor": {"is_mentor": True}}


@pytest.fixture
def by_login(world):
    with world() as s:
        people = {login: make_user(s, **flags) for login, flags in LOGINS.items()}
        people["sagsbehandler"] = make_user(s, support_type="caseworker")
        # What the support circle demo makes: Hanne (primary) and Peter for Sara; Peter for Amina.
        add_link(s, people["ung"], people["sagsbehandler"], primary=True)
        add_link(s, people["ung"], people["mentor"])
        add_link(s, people["amina"], people["mentor"], primary=True)
    return people


def test_the_demo(app, world, by_login):
    with world() as s:
        demo.load(s, by_login)
    with world() as s:
        today = queries.local_today()
        sara, amina = by_login["ung"].id, by_login["amina"].id
        sara_checkins = s.exec(select(CheckIn).where(CheckIn.young_id == sara)).all()
        assert len(sara_checkins) == 6 and sum(1 for c in sara_checkins if c.note and not c.note_shared) == 1
        assert (queries.next_agreed(s, sara, today).on - today).days == 5
        assert len(s.exec(select(Wellbeing).where(Wellbeing.young_id == sara)).all()) >= 15
        hanne = s.exec(select(SupportLink).where(SupportLink.supporter_id == by_login["sagsbehandler"].id)).one()
        assert hanne.see_wellbeing
        overview = queries.staff_overview(s, today, 42)
        assert [row.young.id for row in overview.overdue] == [amina]
        assert s.exec(select(SparringRequest)).one().mentor_id == by_login["mentor"].id


def test_the_demo_without_circles_adds_no_check_ins(world):
    with world() as s:
        people = {login: make_user(s, **flags) for login, flags in LOGINS.items()}
        people["sagsbehandler"] = make_user(s, support_type="caseworker")
        demo.load(s, people)
        assert s.exec(select(CheckIn)).first() is None
