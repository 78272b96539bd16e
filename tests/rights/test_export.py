"""Download my data: everything of mine, nothing of anyone else's, and nothing left out by accident."""

from __future__ import annotations

import json

from sqlalchemy import or_, select

from hub.db import job_session
from hub.rights.export import LEFT_OUT_COLUMNS, export_document, to_json
from hub.rights.tables import person_columns, tables
from tests.factories import DEFAULT_PASSWORD


def download(client, auth, person_id: int, app) -> tuple[dict, str]:
    from hub.accounts.models import User

    with app.app_context(), job_session() as session:
        user = session.get(User, person_id)
    auth.login(user)
    response = client.get("/me/data/export.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    text = response.get_data(as_text=True)
    return json.loads(text), text


def test_export_holds_every_table_with_my_rows(app, client, auth, world_ab):
    """Every table whose person column holds my id is in the file, with at least those rows."""
    a = world_ab.a
    document, _text = download(client, auth, a.id, app)
    exported = document["tables"]
    expected = {}
    with app.app_context(), job_session() as session:
        for table in tables():
            columns = person_columns().get(table.name, [])
            if not columns:
                continue
            found = session.execute(select(table).where(or_(*[c == a.id for c in columns]))).all()
            if found:
                expected[table.name] = len(found)
    assert expected, "the world has rows"
    for name, count in expected.items():
        assert name in exported, f"{name} holds rows of mine but is not in my export"
        if name not in ("message", "checkin"):  # some of those are filtered on purpose (below)
            assert len(exported[name]) >= count, name
    # Rows that are part of something of mine come along: the steps of my goal, the staff's
    # answer in my conversation.
    assert a.texts["step"] in json.dumps(exported["plan_step"], ensure_ascii=False)
    assert any(row["body"] == a.texts["reply"] for row in exported["message"])
    # The main kinds of data the issue names are all there.
    for name in ("plan", "plan_goal", "booking", "klip_entry", "support_link", "message", "checkin", "wellbeing"):
        assert exported.get(name), name


def test_export_holds_nothing_of_anyone_else(app, client, auth, world_ab):
    a, b = world_ab.a, world_ab.b
    document, text = download(client, auth, a.id, app)
    for secret in b.identifying:
        assert secret not in text, f"B's {secret!r} is in A's export"
    # B backed A's idea: B is there by first name, never by id.
    keys = {name: {c.name for c in cols} for name, cols in person_columns().items()}
    for name, rows in document["tables"].items():
        for row in rows:
            for column in keys.get(name, ()):
                value = row.get(column)
                assert value is None or value == a.id or isinstance(value, str), (name, column, value)
    backers = document["tables"]["proposal_backer"]
    assert [row["user_id"] for row in backers] == [b.display]
    # No row of B's own is in A's file, but the one on A's idea (that B backs it).
    with app.app_context(), job_session() as session:
        for name, rows in document["tables"].items():
            if name == "proposal_backer":
                continue
            table = next(t for t in tables() if t.name == name)
            columns = [c for c in person_columns().get(name, []) if not c.nullable]
            if not columns or len(table.primary_key.columns) != 1:
                continue
            key = next(iter(table.primary_key.columns))
            b_rows = set(session.execute(select(key).where(or_(*[c == b.id for c in columns]))).scalars())
            assert not b_rows & {row[key.name] for row in rows}, f"B's {name} rows in A's export"


def test_export_leaves_out_secrets_and_others_private_notes(app, client, auth, world_ab):
    a = world_ab.a
    document, text = download(client, auth, a.id, app)
    exported = document["tables"]
    assert a.texts["internal"] not in text  # the staff's internal note
    assert a.texts["private_note"] not in text  # a check-in note not shared with me
    assert a.texts["shared_note"] in text
    assert len(exported["checkin"]) == 2  # both check-ins happened; one has no note for me
    for table, columns in LEFT_OUT_COLUMNS.items():
        for row in exported.get(table, []):
            assert not set(columns) & set(row), f"{table} shows {set(columns) & set(row)}"
    assert "password_hash" not in exported["user_account"][0]
    assert "argon2" not in text
    if "evaluation_status" in exported:  # the staff-only risk category
        assert all("risk" not in row for row in exported["evaluation_status"])
    assert "evaluation_status.risk" in document["left_out"]
    # What others wrote to me is there, and who wrote it only by first name.
    assert a.texts["reply"] in text and "Mette Medarbejder" not in text and "Mette" in text
    assert a.email in text and a.name in text and a.texts["dreams"] in text


def test_every_person_gets_their_own_export(app, client, login_as):
    """A support person (any user) downloads theirs too; staff as well."""
    for role in ("support", "staff"):
        user = login_as(role)
        response = client.get("/me/data/export.json")
        assert response.status_code == 200
        assert response.get_json()["tables"]["user_account"][0]["email"] == user.email
        client.post("/logout")


def test_summary_page_is_printable_and_shows_my_things(app, client, auth, world_ab, english):
    a, b = world_ab.a, world_ab.b
    from hub.accounts.models import User

    with app.app_context(), job_session() as session:
        user = session.get(User, a.id)
    auth.login(user, DEFAULT_PASSWORD)
    response = client.get("/me/data/summary")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    for what in ("dreams", "goal", "step", "message", "reply", "shared_note", "words", "wish", "klip_reason"):
        assert a.texts[what] in page, what
    assert "What you reached" in page  # the goal is done
    assert "Madklub" in page and "Yoga" in page  # the events booked
    assert "Balance: 8 klip" in page
    assert a.texts["internal"] not in page and a.texts["private_note"] not in page
    for secret in b.identifying:
        assert secret not in page
    assert "data-print" in page and "js/plan.js" in page  # print, or save as PDF


def test_json_of_the_service_matches_the_download(app, world_ab):
    from hub.accounts.models import User

    with app.app_context(), job_session() as session:
        document = export_document(session, session.get(User, world_ab.a.id))
        text = to_json(document)
    assert json.loads(text)["person_id"] == world_ab.a.id


def test_data_page_needs_a_login(client):
    for path in ("/me/data", "/me/data/summary", "/me/data/export.json"):
        response = client.get(path)
        assert response.status_code in (302, 303) and "/login" in response.headers["Location"]


def test_what_staff_did_does_not_bring_young_peoples_rows_along(app, client, auth, world_ab):
    """An event the staff member made is in their export; the young people's bookings of it are not
    (a row someone only *did something to* is not theirs, so its parts are not theirs either)."""
    from hub.accounts.models import User
    from hub.events.models import Event

    with app.app_context(), job_session() as session:
        session.get(Event, world_ab.past_event).created_by_id = world_ab.staff_id
        staff = session.get(User, world_ab.staff_id)
    auth.login(staff)
    document = client.get("/me/data/export.json").get_json()
    exported = document["tables"]
    assert [row["id"] for row in exported["event"]] == [world_ab.past_event]
    assert "booking" not in exported
    text = json.dumps(document, ensure_ascii=False)
    for person in (world_ab.a, world_ab.b):
        assert person.email not in text
        assert person.texts["companion_note"] not in text
