"""Who sees a check-in, and how much: the one rule (`services.sight`), in every combination,
and the pages that show check-ins keep to it."""

from __future__ import annotations

from datetime import date

import pytest
from flask import render_template
from flask_login import login_user

from hub.checkins import queries, services
from hub.checkins.models import CheckIn
from hub.checkins.services import Sight
from hub.support import circle
from tests.checkins.helpers import add_checkin, text
from tests.factories import make_user

pytestmark = pytest.mark.usefixtures("english")

AUTHORS = ["caseworker", "uu", "mentor", "network", "staff"]
# viewer → what they see of someone else's check-in (shared note, private note)
EXPECTED_OTHERS = {
    "young": (Sight.ALL, Sight.FACTS),  # the note only when shared
    "caseworker": (Sight.ALL, Sight.ALL),  # professional in the circle: the case side
    "uu": (Sight.ALL, Sight.ALL),
    "mentor": (Sight.NONE, Sight.NONE),  # volunteers see only their own
    "network": (Sight.NONE, Sight.NONE),
    "staff": (Sight.ALL, Sight.ALL),
    "outside_caseworker": (Sight.NONE, Sight.NONE),  # a professional, but not in this circle
    "outside_mentor": (Sight.NONE, Sight.NONE),
    "other_young": (Sight.NONE, Sight.NONE),
}


def test_the_rule_in_every_combination(world, circle_world):
    """Every author × every viewer × shared or private note."""
    people = circle_world()
    wrong = []
    with world() as s:
        young_id = people["young"].id
        case_side = {viewer: services.on_case_side(s, people[viewer], young_id) for viewer in EXPECTED_OTHERS}
        for author in AUTHORS:
            for shared in (True, False):
                checkin = add_checkin(s, people["young"], people[author], note="Words", note_shared=shared)
                for viewer, (if_shared, if_private) in EXPECTED_OTHERS.items():
                    expected = Sight.ALL if viewer == author else (if_shared if shared else if_private)
                    seen = services.sight(people[viewer], checkin, case_side=case_side[viewer])
                    if seen != expected:
                        wrong.append((author, viewer, shared, seen, expected))
    assert not wrong


def test_a_professional_who_left_the_circle_sees_only_their_own(world, circle_world):
    people = circle_world()
    with world() as s:
        link = circle.open_link(s, young_id=people["young"].id, supporter_id=people["uu"].id)
        link.ended_at = link.started_at
        s.add(link)
        others = add_checkin(s, people["young"], people["caseworker"], note="x")
        own = add_checkin(s, people["young"], people["uu"], note="y")
        case_side = services.on_case_side(s, people["uu"], people["young"].id)
        assert not case_side
        assert services.sight(people["uu"], others, case_side=case_side) == Sight.NONE
        assert services.sight(people["uu"], own, case_side=case_side) == Sight.ALL


def test_a_check_in_by_someone_since_deleted_still_shows_to_the_young_person(world, circle_world):
    people = circle_world()
    with world() as s:
        add_checkin(s, people["young"], None, note="Shared", note_shared=True)
        [shown] = queries.visible_checkins(s, people["young"], people["young"].id)
    assert shown.note == "Shared" and shown.by_name == ""


@pytest.fixture
def notes(world, circle_world):
    """Three check-ins with Sara: the caseworker's private and shared notes, the mentor's own."""
    people = circle_world()
    with world() as s:
        young = people["young"]
        add_checkin(s, young, people["caseworker"], on=date(2026, 3, 2), note="Private case note", note_shared=False)
        add_checkin(s, young, people["caseworker"], on=date(2026, 3, 9), note="Shared kind words", note_shared=True)
        add_checkin(s, young, people["mentor"], on=date(2026, 3, 5), note="Table tennis", note_shared=True)
        add_checkin(s, young, people["mentor"], on=date(2026, 3, 6), way="chat", note="", note_shared=False)
    return people


def test_the_young_person_sees_that_it_happened_and_only_shared_notes(world, notes):
    with world() as s:
        shown = queries.visible_checkins(s, notes["young"], notes["young"].id)
    assert len(shown) == 4
    assert [c.note for c in shown] == ["Shared kind words", "", "Table tennis", ""]  # newest first
    assert not any(c.note_private for c in shown)


def test_the_mentor_page_never_shows_the_case_side(as_user, notes):
    body = text(as_user(notes["mentor"]).get(f"/my-young-people/{notes['young'].id}"))
    assert "Table tennis" in body
    assert "Private case note" not in body and "Shared kind words" not in body


def test_a_network_person_sees_no_one_elses_check_ins(as_user, notes):
    response = as_user(notes["network"]).get(f"/my-young-people/{notes['young'].id}")
    assert response.status_code == 200
    assert "No check-ins you can see yet" in text(response)
    assert "Table tennis" not in text(response) and "case note" not in text(response)


def test_the_case_side_sees_everything_and_private_notes_are_marked(as_user, notes):
    body = text(as_user(notes["uu"]).get(f"/my-young-people/{notes['young'].id}"))
    assert "Private case note" in body and "Shared kind words" in body and "Table tennis" in body
    assert "Private note: the young person does not see it." in body


def test_staff_see_everything(as_user, notes):
    body = text(as_user(notes["staff"]).get(f"/my-young-people/{notes['young'].id}"))
    assert "Private case note" in body and "Table tennis" in body


def test_the_young_persons_partial_shows_what_they_may_see(app, notes):
    # A request of its own: the partial's template global opens (and the request closes) its session.
    with app.test_request_context():
        login_user(notes["young"])
        html = render_template("checkins/_for_young.html")
    assert 'id="support-checkins"' in html
    assert "Shared kind words" in html and "Table tennis" in html
    assert "Private case note" not in html


def test_sight_of_an_unsaved_check_in_needs_no_database(world):
    with world() as s:
        young = make_user(s, is_young=True)
        checkin = CheckIn(young_id=young.id, by_id=None, happened_on=date(2026, 1, 1), way="phone", went="good")
        assert services.sight(young, checkin, case_side=False) == Sight.FACTS
