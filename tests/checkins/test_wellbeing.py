"""The young person's ten-second wellbeing check-in, its trend, and who they share it with."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from hub.checkins import services
from hub.checkins.charts import trend_chart
from hub.checkins.models import Wellbeing
from hub.errors import Forbidden, Invalid, NotFound
from hub.support.models import SupportLink
from tests.checkins.helpers import add_link, add_wellbeing, text
from tests.factories import make_user

pytestmark = pytest.mark.usefixtures("english")

GOOD = {"mood": "4", "sleep": "2", "movement": "5", "words": "Football tonight"}


@pytest.fixture
def sara(world, as_user, circle_world):
    people = circle_world()
    return people, as_user(people["young"])


def entries(world, young_id):
    with world() as s:
        return list(s.exec(select(Wellbeing).where(Wellbeing.young_id == young_id)))


def test_check_in_in_ten_seconds(world, sara):
    people, client = sara
    page = client.get("/wellbeing")
    assert page.status_code == 200
    body = text(page)
    assert body.count('type="radio"') == 15 and "Really good" in body and "Very well" in body
    response = client.post("/wellbeing", data=GOOD)
    assert response.status_code == 303 and response.headers["Location"] == "/wellbeing#trend"
    [entry] = entries(world, people["young"].id)
    assert (entry.mood, entry.sleep, entry.movement, entry.words) == (4, 2, 5, "Football tonight")


def test_as_often_as_they_like(world, sara):
    people, client = sara
    for _ in range(3):
        assert client.post("/wellbeing", data=GOOD, headers={"HX-Request": "true"}).status_code == 204
    assert len(entries(world, people["young"].id)) == 3


@pytest.mark.parametrize(
    "bad",
    [
        {"mood": "0"},
        {"mood": "6"},
        {"sleep": "-1"},
        {"movement": "abc"},
        {"movement": "2.5"},
        {"mood": ""},
        {"words": "x" * 281},
    ],
)
def test_bad_input_is_422_never_500(world, sara, bad):
    people, client = sara
    data = {**GOOD, **bad}
    response = client.post("/wellbeing", data=data)
    assert response.status_code == 422
    body = text(response)
    assert "Choose one of the five answers." in body or "Keep it under 280 characters." in body
    assert entries(world, people["young"].id) == []


def test_a_missing_answer_is_422(world, sara):
    people, client = sara
    response = client.post("/wellbeing", data={"mood": "3", "sleep": "3"})
    assert response.status_code == 422 and 'aria-describedby="movement-error"' in text(response)
    assert '<input checked id="mood-2"' in text(response)  # what was chosen stays chosen


def test_the_service_refuses_out_of_range_scores(world, circle_world):
    people = circle_world()
    with world() as s:
        for bad in (0, 6, None, True, "3"):
            with pytest.raises(Invalid) as error:
                services.add_wellbeing(s, actor=people["young"], mood=bad, sleep=3, movement=3)
            assert error.value.code == "mood_out_of_range"
        with pytest.raises(Forbidden):
            services.add_wellbeing(s, actor=people["caseworker"], mood=3, sleep=3, movement=3)


def test_the_trend_is_a_chart_with_its_numbers_in_a_table(world, sara):
    people, client = sara
    with world() as s:
        for n in range(35):
            add_wellbeing(s, people["young"], mood=1 + n % 5, ago=timedelta(days=35 - n), words=f"day {n}")
    body = text(client.get("/wellbeing"))
    assert 'role="img"' in body and "<title" in body and "The last 30 check-ins, scores 1 to 5" in body
    assert "<details" in body and "See the numbers" in body
    table = body.split("<table", 1)[1].split("</table>", 1)[0]
    assert table.count("<tr>") == 31  # the head and 30 entries
    assert "day 34" in table and "day 5" in table and "day 4<" not in table
    assert body.count("trend__dot trend__line--mood") == 30


def test_the_chart_geometry():
    class Entry:
        def __init__(self, mood, sleep, movement):
            self.mood, self.sleep, self.movement = mood, sleep, movement

    chart = trend_chart([Entry(1, 3, 5), Entry(5, 3, 1)], width=360, height=180)
    mood = chart.lines[0]
    assert mood.dots == [(24.0, 152.0), (350.0, 12.0)]  # 1 at the bottom, 5 at the top
    assert [y for _score, y in chart.levels] == [152.0, 117.0, 82.0, 47.0, 12.0]
    assert chart.lines[0].points == "24.0,152.0 350.0,12.0"
    assert trend_chart([]) is None
    assert trend_chart([Entry(3, 3, 3)]).lines[0].dots == [(187.0, 82.0)]  # one entry sits in the middle


def test_delete_own_entry_only(world, sara, as_user):
    people, client = sara
    with world() as s:
        mine = add_wellbeing(s, people["young"]).id
        theirs = add_wellbeing(s, people["other_young"]).id
    assert client.post(f"/wellbeing/{theirs}/delete").status_code == 404
    assert client.post(f"/wellbeing/{mine}/delete").status_code == 303
    assert entries(world, people["young"].id) == [] and len(entries(world, people["other_young"].id)) == 1
    assert as_user(people["staff"]).post(f"/wellbeing/{theirs}/delete").status_code == 404


# --- sharing ------------------------------------------------------------------------------------


def _link(world, young_id, supporter_id) -> SupportLink:
    with world() as s:
        return s.exec(
            select(SupportLink).where(SupportLink.young_id == young_id, SupportLink.supporter_id == supporter_id)
        ).one()


def test_the_page_lists_the_circle_with_what_each_sees(sara):
    people, client = sara
    body = text(client.get("/wellbeing"))
    sharing = body.split('id="sharing"', 1)[1]
    for name in ("Hanne Lund", "Ulla Uhrskov", "Peter Madsen", "Ali Karimi"):
        assert name in sharing
    assert sharing.count("Sees your check-ins") == 1  # the caseworker: Sara shares everything with her
    assert "your primary support person" in sharing and "Volunteer mentor" in sharing


def test_share_with_htmx_swaps_the_row(world, sara):
    people, client = sara
    link = _link(world, people["young"].id, people["mentor"].id)
    response = client.post(f"/wellbeing/sharing/{link.id}", data={"share": "yes"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    row = text(response)
    assert row.strip().startswith(f'<li class="sharing-row" id="sharing-{link.id}">')
    assert "Sees your check-ins" in row and "Stop sharing" in row
    assert _link(world, people["young"].id, people["mentor"].id).see_wellbeing


def test_stop_sharing_without_htmx(world, sara, as_user):
    people, client = sara
    link = _link(world, people["young"].id, people["caseworker"].id)
    response = client.post(f"/wellbeing/sharing/{link.id}", data={"share": "no"})
    assert response.status_code == 303 and response.headers["Location"] == "/wellbeing#sharing"
    assert not _link(world, people["young"].id, people["caseworker"].id).see_wellbeing
    # And the caseworker no longer sees the wellbeing section.
    with world() as s:
        add_wellbeing(s, people["young"], words="Private day")
    body = text(as_user(people["caseworker"]).get(f"/my-young-people/{people['young'].id}"))
    assert "Private day" not in body and 'id="wellbeing"' not in body


def test_someone_elses_link_is_404(world, sara, as_user):
    people, client = sara
    with world() as s:
        theirs = add_link(s, people["other_young"], people["caseworker"])
    assert client.post(f"/wellbeing/sharing/{theirs.id}", data={"share": "yes"}).status_code == 404
    assert not _link(world, people["other_young"].id, people["caseworker"].id).see_wellbeing
    # Not even the supporter on the link may change it.
    mine = _link(world, people["young"].id, people["mentor"].id)
    assert as_user(people["mentor"]).post(f"/wellbeing/sharing/{mine.id}", data={"share": "yes"}).status_code == 404


def test_an_ended_link_is_404(world, sara):
    people, client = sara
    link = _link(world, people["young"].id, people["mentor"].id)
    with world() as s:
        row = s.get(SupportLink, link.id)
        row.ended_at = row.started_at
        s.add(row)
    assert client.post(f"/wellbeing/sharing/{link.id}", data={"share": "yes"}).status_code == 404


def test_sharing_needs_a_yes_or_no(sara, world):
    people, client = sara
    link = _link(world, people["young"].id, people["mentor"].id)
    response = client.post(f"/wellbeing/sharing/{link.id}", data={"share": "maybe"})
    assert response.status_code == 422 and "Choose whether to share or not." in text(response)


def test_the_service_checks_ownership(world, circle_world):
    people = circle_world()
    link = _link(world, people["young"].id, people["mentor"].id)
    with world() as s, pytest.raises(NotFound):
        services.set_wellbeing_sharing(s, actor=people["other_young"], link=link, share=True)


# --- the home card ------------------------------------------------------------------------------


def test_the_home_card(world, sara):
    people, client = sara
    body = text(client.get("/"))
    card = body.split('id="home-wellbeing"', 1)[1].split("</section>", 1)[0]
    assert "How are you today?" in card and 'href="/wellbeing"' in card and "Last check-in:" not in card
    client.post("/wellbeing", data=GOOD)
    assert "Last check-in:" in text(client.get("/"))


def test_nobody_in_the_circle_yet(world, as_user):
    with world() as s:
        alone = make_user(s, is_young=True)
    assert "Nobody but you." in text(as_user(alone).get("/wellbeing"))


def test_only_young_people(login_as, client):
    login_as("mentor")
    assert client.get("/wellbeing").status_code == 403
