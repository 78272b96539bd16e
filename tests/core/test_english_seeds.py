"""Seeded texts (crisis lines, events, klip offers) show in English to an English reader, Danish to a
Danish one; what has no English (staff typed only Danish) stays Danish."""

from __future__ import annotations

import pytest
from sqlmodel import select

from hub.credits import services as ledger
from hub.credits import vouchers
from hub.credits.models import Offer
from hub.messages.models import CrisisLine
from tests.events.helpers import make_event
from tests.factories import make_user


@pytest.fixture
def seeded(world):
    with world() as s:
        sara = make_user(s, is_young=True, name="Sara Nielsen", preferred_name="Sara")
        s.add(
            CrisisLine(
                name="Børnetelefonen",
                name_en="Børnetelefonen (children's helpline)",
                phone="116 111",
                description="Til dig under 18, om alt.",
                description_en="For you if you are under 18, about anything.",
                position=1,
            )
        )
        s.add(CrisisLine(name="Headspace Aarhus", phone="33 11 11 11", description="Gratis rådgivning.", position=2))
        make_event(
            s,
            title="Fællesspisning",
            title_en="Community dinner",
            description="Vi laver mad sammen.",
            description_en="We cook together.",
            accessibility="Køkkenet er i stueetagen.",
            accessibility_en="The kitchen is on the ground floor.",
        )
        make_event(s, title="Brætspilsaften")  # typed by staff, in Danish only
        cinema = Offer(
            title="Biograftur",
            title_en="A trip to the cinema",
            description="En billet til en film.",
            description_en="A ticket to a film.",
            category="culture",
            price_klip=1,
        )
        s.add(cinema)
        s.flush()
        ledger.grant(s, user_id=sara.id, amount=3, reason="Velkomst", actor_id=None)
        vouchers.buy(s, actor=sara, offer_id=cinema.id, key="tap")
        return sara


PAGES = {
    "/help": (["Børnetelefonen (children's helpline)", "For you if you are under 18"], ["Til dig under 18"]),
    "/events": (["Community dinner", "We cook together.", "The kitchen is on the ground floor."], ["Fællesspisning"]),
    "/klip/offers": (["A trip to the cinema", "A ticket to a film."], ["Biograftur", "En billet"]),
    "/klip": (["You used 1 klip on A trip to the cinema"], ["Biograftur"]),
}


@pytest.mark.parametrize("path", PAGES)
def test_an_english_reader_gets_the_english_seeded_text(client, auth, seeded, path):
    auth.login(seeded)
    english, danish = PAGES[path]
    page = client.get(f"{path}?lang=en").get_data(as_text=True).replace("&#39;", "'")
    for text in english:
        assert text in page, (path, text)
    for text in danish:
        assert text not in page, (path, text)


def test_a_danish_reader_gets_the_danish_and_untranslated_text_stays(client, auth, seeded):
    auth.login(seeded)
    events = client.get("/events?lang=da").get_data(as_text=True)
    assert "Fællesspisning" in events and "Community dinner" not in events
    english = client.get("/events?lang=en").get_data(as_text=True)
    assert "Brætspilsaften" in english, "what staff typed only in Danish is shown as typed"
    help_page = client.get("/help?lang=en").get_data(as_text=True)
    assert "Headspace Aarhus" in help_page and "Gratis rådgivning." in help_page
    assert "Du brugte 1 klip på Biograftur" in client.get("/klip?lang=da").get_data(as_text=True)


def test_staff_can_give_a_help_line_an_english_version(client, login_as, world, english):
    login_as("staff")
    form = {"name": "Natteravnene", "phone": "70 20 12 01", "description": "Nogen at tale med", "position": "3"}
    form |= {"always_open": "y", "active": "y", "name_en": "Night Ravens", "description_en": "Someone to talk to"}
    assert 'name="description_en"' in client.get("/staff/messages/crisis-lines/new").get_data(as_text=True)
    too_long = client.post("/staff/messages/crisis-lines/new", data=form | {"name_en": "x" * 81})
    assert too_long.status_code == 422 and "Keep it under 80 characters." in too_long.get_data(as_text=True)
    assert client.post("/staff/messages/crisis-lines/new", data=form).status_code == 303
    with world() as s:
        line = s.exec(select(CrisisLine).where(CrisisLine.name == "Natteravnene")).one()
        assert (line.name_en, line.description_en) == ("Night Ravens", "Someone to talk to")
    help_page = client.get("/help?lang=en").get_data(as_text=True)
    assert "Night Ravens" in help_page and "Someone to talk to" in help_page and "Natteravnene" not in help_page
