"""The accessibility statement: open to everyone, in Danish and English, in the structure the
Agency for Digital Government asks for, and linked from the footer of every page."""

from __future__ import annotations

import pytest

from hub.core.views import ACCESSIBILITY_REVIEWED


def footer(body: str) -> str:
    return body[body.index("<footer") : body.index("</footer>")]


def test_anyone_reads_it_in_danish_without_logging_in(client):
    response = client.get("/accessibility")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "<h1" in body and "Tilgængelighedserklæring" in body
    assert "EN 301 549" in body and "WCAG 2.1 på niveau AA" in body and "overholder standarden delvist" in body
    assert "Det virker ikke endnu" in body and "(WCAG 2.2.1)" in body and "(WCAG 3.1.2)" in body
    assert "axe" in body and "Vi har selv vurderet Ungehub" in body
    assert "7. december 2026" in body  # the day it was last checked, in the named date format
    assert "digst.dk/digital-inklusion/webtilgaengelighed/oplever-du-ikke-tilgaengeligt-indhold" in body
    assert 'href="https://digst.dk/was"' in body and "10 arbejdsdage" in body
    assert "Skriv til personalet i appen" not in body  # a visitor cannot write in the app


def test_it_reads_in_english_with_the_real_idle_times(app, client):
    app.config.update(IDLE_TIMEOUT_YOUNG=45, IDLE_TIMEOUT_STAFF=20)
    body = client.get("/accessibility?lang=en").get_data(as_text=True)
    assert "Accessibility statement" in body and "Ungehub partly meets the standard" in body
    assert "WCAG 2.1 at level AA" in body and "How we assessed it" in body and "If you want to complain" in body
    assert "logged out after 45 minutes without doing anything (staff after 20 minutes)" in body
    assert "7 December 2026" in body and ACCESSIBILITY_REVIEWED.year == 2026


def test_the_contact_from_settings_is_shown_for_reporting(app, client):
    body = client.get("/accessibility?lang=en").get_data(as_text=True)
    assert "mailto:" not in body and "tel:" not in body  # none set: only the hub in person
    assert "Or tell the staff when you are at the hub." in body
    app.config.update(ACCESSIBILITY_EMAIL="tilgaengelighed@aarhus.example", ACCESSIBILITY_PHONE="89 40 20 00")
    body = client.get("/accessibility?lang=en").get_data(as_text=True)
    assert 'href="mailto:tilgaengelighed@aarhus.example"' in body
    assert 'href="tel:89402000"' in body and ">89 40 20 00<" in body


def test_a_young_person_is_offered_a_message_to_the_staff(client, login_as):
    client.get("/?lang=en")
    login_as("young")
    body = client.get("/accessibility").get_data(as_text=True)
    assert 'href="/messages/new?topic=other"' in body and "Write to the staff in the app" in body
    form = client.get("/messages/new?topic=other").get_data(as_text=True)
    assert 'value="other" checked' in form or 'checked value="other"' in form or "checked" in form


def test_staff_are_not_offered_the_young_peoples_message_form(client, login_as):
    login_as("staff")
    body = client.get("/accessibility").get_data(as_text=True)
    assert "/messages/new" not in body


def test_the_was_address_leads_to_it(client):
    response = client.get("/was")
    assert response.status_code == 301 and response.headers["Location"].endswith("/accessibility")


@pytest.mark.parametrize("path", ["/", "/login", "/privacy", "/accessibility"])
def test_the_footer_links_it_for_visitors(client, path):
    body = client.get(path).get_data(as_text=True)
    assert 'href="/accessibility">Tilgængelighedserklæring</a>' in footer(body)


@pytest.mark.parametrize("role", ["young", "staff", "mentor"])
def test_the_footer_links_it_for_everyone_logged_in(client, login_as, role):
    client.get("/?lang=en")
    login_as(role)
    for path in ("/", "/me"):
        body = client.get(path).get_data(as_text=True)
        assert 'href="/accessibility">Accessibility statement</a>' in footer(body), (role, path)
