"""Staff: who is overdue for an agreed check-in, and who has had no contact for a long time."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from flask import render_template
from flask_login import login_user

from hub.checkins import queries
from tests.checkins.helpers import add_checkin, add_link, text
from tests.factories import make_user

pytestmark = pytest.mark.usefixtures("english")

NOON = datetime(2026, 3, 11, 11, 0, tzinfo=UTC)
TODAY = date(2026, 3, 11)


@pytest.fixture
def frozen():
    with time_machine.travel(NOON, tick=False):
        yield


def days(n: int) -> date:
    return TODAY - timedelta(days=n)


@pytest.fixture
def hub(world):
    """Young people in every state a check-in can be in."""
    with world() as s:
        hanne = make_user(s, support_type="caseworker", name="Hanne Lund")
        peter = make_user(s, is_mentor=True, name="Peter Madsen")
        p = {
            name: make_user(s, is_young=True, name=name)
            for name in [
                "Overdue Olga",
                "Caught Up Carl",
                "Quiet Quinn",
                "Never Nora",
                "Fine Frida",
                "Outside Otto",
                "Left Lea",
                "Due Today Dan",
                "Staff Only Sam",
            ]
        }
        p["Left Lea"].left_at = NOON - timedelta(days=30)
        for name in [
            "Overdue Olga",
            "Caught Up Carl",
            "Quiet Quinn",
            "Never Nora",
            "Fine Frida",
            "Left Lea",
            "Due Today Dan",
        ]:
            add_link(s, p[name], hanne, primary=True)
        add_link(s, p["Caught Up Carl"], peter)
        # Agreed a next check-in 3 days ago, nobody since.
        add_checkin(s, p["Overdue Olga"], hanne, on=days(20), next_on=days(3))
        # The agreed day passed, but the mentor was in touch since.
        add_checkin(s, p["Caught Up Carl"], hanne, on=days(20), next_on=days(3))
        add_checkin(s, p["Caught Up Carl"], peter, on=days(1))
        add_checkin(s, p["Quiet Quinn"], hanne, on=days(50))
        add_checkin(s, p["Fine Frida"], hanne, on=days(41), next_on=days(-5))
        add_checkin(s, p["Outside Otto"], hanne, on=days(90))  # no circle: not "quiet"
        add_checkin(s, p["Left Lea"], hanne, on=days(60), next_on=days(30))  # stepped away
        add_checkin(s, p["Due Today Dan"], hanne, on=days(7), next_on=TODAY)  # today is not overdue
        add_checkin(s, p["Staff Only Sam"], hanne, on=days(30), next_on=days(1))  # no circle, still overdue
    return p


def test_the_lists_on_a_frozen_clock(frozen, app, world, hub):
    with world() as s:
        overview = queries.staff_overview(s, TODAY, 42)
    assert [(r.young.name, r.days_overdue, r.days_since) for r in overview.overdue] == [
        ("Overdue Olga", 3, 20),
        ("Staff Only Sam", 1, 30),
    ]
    assert [(r.young.name, r.days_since) for r in overview.quiet] == [("Never Nora", None), ("Quiet Quinn", 50)]
    assert overview.overdue[0].primary.name == "Hanne Lund" and overview.overdue[1].primary is None


def test_the_quiet_limit_is_configuration(frozen, world, hub):
    with world() as s:
        names = [r.young.name for r in queries.staff_overview(s, TODAY, 40).quiet]
    assert "Fine Frida" in names


def test_the_page(frozen, app, login_as, client, hub):
    login_as("staff", locale="en")
    body = text(client.get("/staff/checkins"))
    assert "Overdue Olga" in body and "Agreed for Sunday 8 March: 3 days ago" in body
    assert "Primary support person: Hanne Lund" in body
    assert f'href="/staff/support/people/{hub["Overdue Olga"].id}"' in body
    assert f'href="/my-young-people/{hub["Never Nora"].id}/checkins/new"' in body
    assert "No check-in yet" in body and "Last check-in 50 days ago" in body
    for name in ["Caught Up Carl", "Fine Frida", "Outside Otto", "Left Lea", "Due Today Dan"]:
        assert name not in body


def test_the_page_reads_the_quiet_days_from_config(frozen, app, login_as, client, hub):
    app.config["CHECKIN_QUIET_DAYS"] = 40
    login_as("staff", locale="en")
    assert "Fine Frida" in text(client.get("/staff/checkins"))


def test_an_empty_hub(frozen, login_as, client):
    login_as("staff", locale="en")
    body = text(client.get("/staff/checkins"))
    assert "Nobody is overdue." in body and "Everyone has been in touch with someone lately." in body


def test_only_staff(login_as, client):
    login_as("support")
    assert client.get("/staff/checkins").status_code == 403


def test_the_staff_home_card(frozen, app, world, hub):
    with world() as s:
        staff = make_user(s, is_staff=True, locale="en")
    with app.test_request_context():
        login_user(staff)
        html = render_template("checkins/_staff_home.html")
    assert 'id="home-checkins"' in html
    assert "2 young people are overdue for an agreed check-in" in html and "2 have had no contact" in html
    assert 'href="/staff/checkins"' in html and 'href="/my-young-people"' not in html
