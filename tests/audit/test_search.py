"""Admins search the audit log: filters, pages, the CSV; only admins; bad input is a 422."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from hub.audit.models import AuditEntry
from tests.factories import make_user

AARHUS = ZoneInfo("Europe/Copenhagen")


@pytest.fixture
def log(world):
    """Sara and Bo; Louise (staff) and Hanne (caseworker) read and changed their things."""
    with world() as s:
        sara = make_user(s, is_young=True, name="Sara Jensen", email="sara@example.org")
        bo = make_user(s, is_young=True, name="Bo Holm", email="bo@example.org")
        louise = make_user(s, is_staff=True, name="Louise Staff", email="louise@example.org")
        hanne = make_user(s, support_type="caseworker", name="Hanne Lund", email="hanne@example.org")

        def add(actor, young, area, action, day, hour=12, kind="staff", detail=""):
            at = datetime(2026, 3, day, hour, 0, tzinfo=AARHUS)
            entry = AuditEntry(
                actor_id=actor.id,
                actor_kind=kind,
                young_id=young.id,
                area=area,
                action=action,
                detail=detail,
                at=at,
            )
            s.add(entry)

        add(louise, sara, "klip", "read", 2)
        add(louise, sara, "klip", "change", 2, 13, detail="klip.grant")
        add(louise, bo, "messages", "read", 10)
        add(hanne, sara, "plan", "read", 10, 0, kind="caseworker")  # just after midnight, local time
        add(hanne, bo, "plan", "read", 20, kind="caseworker")
        s.flush()
        return {"sara": sara.id, "bo": bo.id, "louise": louise.id, "hanne": hanne.id}


def lines(response) -> int:
    return response.get_data(as_text=True).count('class="audit-line"')


@pytest.mark.parametrize(
    "query, expected",
    [
        ("", 5),
        ("young=sara", 3),
        ("young=JENSEN", 3),  # names, any case
        ("young=bo@example", 2),  # or e-mail
        ("actor=hanne", 2),
        ("area=klip", 2),
        ("action=change", 1),
        ("young=sara&area=plan", 1),
        ("since=2026-03-10", 3),  # from the start of the local day
        ("until=2026-03-09", 2),  # to the end of the local day
        ("since=2026-03-10&until=2026-03-10", 2),
        ("young=nobody", 0),
    ],
)
def test_the_filters(query, expected, client, login_as, log):
    login_as("admin")
    response = client.get(f"/admin/audit?{query}")
    assert response.status_code == 200
    assert lines(response) == expected, query


def test_filter_by_person_id_from_their_links(client, login_as, log, english):
    login_as("admin")
    page = client.get(f"/admin/audit?young_id={log['sara']}&actor_id={log['louise']}").get_data(as_text=True)
    assert page.count('class="audit-line"') == 2
    assert "Only about Sara Jensen" in page and "Only by Louise Staff" in page


def test_newest_first_with_who_what_and_when(client, login_as, log, english):
    login_as("admin")
    page = client.get(f"/admin/audit?young_id={log['sara']}").get_data(as_text=True)
    first, second, third = page.split('class="audit-line"')[1:]
    assert "Hanne Lund</a> read <a" in first and "Sara Jensen&#39;s</a> plan" in first and "Caseworker" in first
    assert "Louise Staff</a> gave <a" in second and "Sara Jensen</a> klip" in second and "klip.grant" not in second
    assert "looked at" in third and "Sara Jensen&#39;s</a> klippekort" in third


def test_pages(client, login_as, world, log):
    with world() as s:
        s.add_all(
            AuditEntry(actor_id=log["louise"], actor_kind="staff", young_id=log["bo"], area="plan", action="read")
            for _ in range(50)
        )
    login_as("admin")
    first = client.get("/admin/audit")
    assert lines(first) == 50 and 'rel="next"' in first.get_data(as_text=True)
    second = client.get("/admin/audit?page=2")
    assert lines(second) == 5 and 'rel="prev"' in second.get_data(as_text=True)
    assert lines(client.get("/admin/audit?page=3")) == 0


def test_htmx_gets_the_results_only(client, login_as, log):
    login_as("admin")
    fragment = client.get("/admin/audit?area=klip", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert fragment.lstrip().startswith('<section id="audit-results"') and "<html" not in fragment


def test_the_csv_download_has_the_same_filters(client, login_as, log):
    login_as("admin")
    response = client.get(f"/admin/audit.csv?young_id={log['sara']}&area=klip")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [(r["actor_name"], r["young_name"], r["area"], r["action"], r["detail"]) for r in rows] == [
        ("Louise Staff", "Sara Jensen", "klip", "change", "klip.grant"),
        ("Louise Staff", "Sara Jensen", "klip", "read", ""),
    ]
    assert rows[0]["at"] == "2026-03-02T13:00:00+01:00"  # the hub's local time
    assert [r["sentence"] for r in rows] == [
        "Louise Staff gav Sara Jensen klip",
        "Louise Staff så Sara Jensens klippekort",
    ]


@pytest.mark.parametrize(
    "query, field",
    [
        ("area=diary", "audit-area"),
        ("action=delete", "audit-action"),
        ("since=2026-13-01", "audit-since"),
        ("since=yesterday", "audit-since"),
        ("until=1999-12-31", "audit-until"),
        ("since=2026-03-10&until=2026-03-01", "audit-until"),
        ("page=0", None),
        ("page=abc", None),
        ("page=99999999999999999999", None),
        ("page=%C2%B2", None),  # "²" is a digit to Python and no number to int()
        ("young_id=abc", "audit-young"),
        ("young_id=99999999999", "audit-young"),
        ("young_id=%C2%B2", "audit-young"),
        ("actor_id=%D9%A3", "audit-actor"),  # an Arabic-Indic three
        ("actor_id=-1", "audit-actor"),
    ],
)
def test_bad_filters_are_a_422_with_a_message(query, field, client, login_as, log, english):
    login_as("admin")
    for path in ("/admin/audit", "/admin/audit.csv"):
        response = client.get(f"{path}?{query}")
        page = response.get_data(as_text=True)
        assert response.status_code == 422, (path, query)
        assert "data-error-summary" in page and "Fix the search above" in page
        if field:  # the summary links to the field, which carries its own message
            assert f'href="#{field}"' in page and f'id="{field}-error"' in page


@pytest.mark.parametrize("role", ["young", "support", "mentor", "staff"])
def test_only_admins_open_the_log(role, client, login_as, log):
    login_as(role)
    assert client.get("/admin/audit").status_code == 403
    assert client.get("/admin/audit.csv").status_code == 403


def test_the_people_page_links_admins_to_the_log(client, login_as, log):
    login_as("staff")
    assert "/admin/audit" not in client.get("/staff/people").get_data(as_text=True)
    client.post("/logout")
    login_as("admin")
    page = client.get("/staff/people?q=sara").get_data(as_text=True)
    assert f"/admin/audit?young_id={log['sara']}" in page
