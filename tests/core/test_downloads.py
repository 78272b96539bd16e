"""A file asked for by htmx (a boosted link or form) is handed over as a one-time download link.

The answers themselves, on both databases: 204 + HX-Redirect to /download/<token> instead of the
bytes; the ticket is single-use, bound to whoever asked, expires, keeps only a hash of its token,
works for POST, and the evaluator's export is made (and recorded) once. That the browser then
saves the file and the page stays is proven in Chromium (tests/browser/test_downloads.py).
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from datetime import timedelta

import pytest
from sqlmodel import select

from hub.core import downloads
from hub.core.downloads import DownloadTicket
from hub.db import utcnow
from hub.evaluation.models import EvaluationExport
from tests.conftest import Auth

HX = {"HX-Request": "true", "HX-Boosted": "true"}
GONE_DA = "Filen er her ikke længere"
GONE_EN = "This download is no longer here"


def ticket_of(response) -> str:
    """The download link htmx is sent to; the answer itself carries no file."""
    assert response.status_code == 204, response.status_code
    assert response.data == b""
    target = response.headers["HX-Redirect"]
    assert target.startswith("/download/") and len(target) > len("/download/") + 40
    assert "no-store" in response.headers["Cache-Control"]
    return target


def tickets(world) -> list[DownloadTicket]:
    with world() as s:
        return list(s.exec(select(DownloadTicket).order_by(DownloadTicket.id)))


def test_a_csv_asked_for_by_htmx_comes_as_a_link_that_gives_the_file_once(client, login_as, world):
    staff = login_as("staff")
    plain = client.get("/staff/events/export.csv")
    assert plain.status_code == 200 and plain.mimetype == "text/csv"  # without htmx: the file itself

    target = ticket_of(client.get("/staff/events/export.csv", headers=HX))
    [kept] = tickets(world)
    token = target.rsplit("/", 1)[1]
    assert kept.owner_id == staff.id and kept.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in repr(kept.__dict__)  # only its hash is kept
    assert kept.expires_at - kept.created_at == downloads.TICKET_LIFETIME

    got = client.get(target)
    assert got.status_code == 200 and got.mimetype == "text/csv"
    assert got.data == plain.data  # the same file: a header row and its lines
    assert got.headers["Content-Disposition"] == plain.headers["Content-Disposition"]
    assert got.headers["Content-Disposition"].startswith("attachment;")
    assert got.headers["Cache-Control"] == "no-store"
    assert tickets(world) == []

    again = client.get(target)
    assert again.status_code == 404 and GONE_DA in again.get_data(as_text=True)  # once only


def test_the_friendly_404_is_in_the_persons_language(client, login_as):
    login_as("staff")
    client.get("/?lang=en")
    page = client.get("/download/not-a-real-token").get_data(as_text=True)
    assert GONE_EN in page and "<main" in page
    assert client.get("/download/" + "x" * 500).status_code == 404


def test_a_ticket_is_only_for_whoever_asked(app, client, login_as, make, world):
    login_as("staff")
    target = ticket_of(client.get("/staff/messages/stats.csv", headers=HX))

    someone = app.test_client()
    assert someone.get(target).status_code == 404  # not logged in
    Auth(someone).login(make.user(is_staff=True))
    assert someone.get(target).status_code == 404  # another member of staff
    assert len(tickets(world)) == 1  # neither used it up

    got = client.get(target)
    assert got.status_code == 200 and got.mimetype == "text/csv"


def test_an_anonymous_ticket_is_for_anonymous_visitors_only(app, client, make):
    """The manifest is a file anyone may fetch: asked for by htmx, it comes as a ticket too, with a
    filename made from its path and marked as an attachment."""
    target = ticket_of(client.get("/manifest.webmanifest", headers=HX))
    logged_in = app.test_client()
    Auth(logged_in).login(make.user(is_young=True))
    assert logged_in.get(target).status_code == 404
    got = client.get(target)
    assert got.status_code == 200 and got.mimetype == "application/manifest+json"
    assert got.headers["Content-Disposition"] == 'attachment; filename="manifest.webmanifest"'
    assert b'"name"' in got.data


def test_an_expired_ticket_is_gone_and_swept_when_the_next_is_made(client, login_as, world):
    login_as("staff")
    old = ticket_of(client.get("/staff/klip/export.csv", headers=HX))
    with world() as s:
        for ticket in s.exec(select(DownloadTicket)):
            ticket.expires_at = utcnow() - timedelta(seconds=1)
            s.add(ticket)
    assert client.get(old).status_code == 404
    assert len(tickets(world)) == 1  # a failed fetch takes nothing away

    new = ticket_of(client.get("/staff/klip/export.csv", headers=HX))
    [left] = tickets(world)  # the expired one went when this one was made
    assert left.token_hash == hashlib.sha256(new.rsplit("/", 1)[1].encode()).hexdigest()
    assert client.get(new).status_code == 200


def test_a_person_has_a_few_tickets_waiting_at_most(client, login_as, world):
    login_as("staff")
    made = [
        ticket_of(client.get("/staff/events/export.csv", headers=HX)) for _ in range(downloads.WAITING_PER_OWNER + 1)
    ]
    assert len(tickets(world)) == downloads.WAITING_PER_OWNER
    assert client.get(made[0]).status_code == 404  # the oldest gave way
    assert all(client.get(target).status_code == 200 for target in made[1:])


def test_the_export_posted_by_htmx_is_made_once_and_fetched_once(app, client, login_as, world):
    login_as("staff")
    target = ticket_of(client.post("/staff/evaluation/export", headers=HX))
    with world() as s:
        [made] = s.exec(select(EvaluationExport)).all()  # recorded with its ticket, in one transaction

    got = client.get(target)
    assert got.status_code == 200 and got.mimetype == "application/zip"
    assert got.headers["Content-Disposition"].startswith("attachment;")
    assert made.export_id[:8] in got.headers["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(got.data))
    assert "enrolments.csv" in archive.namelist()
    assert made.export_id in archive.read("README.md").decode()
    assert client.get(target).status_code == 404
    with world() as s:
        assert len(s.exec(select(EvaluationExport)).all()) == 1  # fetching it made nothing again


def test_pages_fragments_and_errors_are_left_alone(client, login_as, world):
    login_as("young")
    page = client.get("/events", headers=HX)
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert client.get("/staff/events/export.csv", headers=HX).status_code == 403  # an error stays an error
    assert client.post("/push/subscriptions/999999/test", headers=HX).status_code == 404
    assert tickets(world) == []


def test_a_file_too_large_to_keep_is_left_to_the_browser_or_refused(app, client, login_as, world):
    app.config["DOWNLOAD_MAX_BYTES"] = 10
    login_as("staff")
    too_big = client.get("/staff/events/export.csv?x=1", headers=HX)
    assert too_big.status_code == 204 and too_big.headers["HX-Redirect"] == "/staff/events/export.csv?x=1"

    refused = client.post("/staff/evaluation/export", headers=HX)
    assert refused.status_code == 413 and "Filen er for stor" in refused.get_data(as_text=True)
    with world() as s:
        assert s.exec(select(EvaluationExport)).all() == []  # not handed over, so not made
    assert tickets(world) == []


@pytest.mark.parametrize(
    ("given", "path", "mimetype", "expected"),
    [
        ('attachment; filename="a.csv"', "/x", "text/csv", 'attachment; filename="a.csv"'),
        ('inline; filename="plan.pdf"', "/x", "application/pdf", 'attachment; filename="plan.pdf"'),
        (None, "/me/data/export.json", "application/json", 'attachment; filename="export.json"'),
        ("inline", "/staff/report", "application/pdf", 'attachment; filename="ungehub.pdf"'),
    ],
)
def test_every_file_is_an_attachment_with_a_name(app, given, path, mimetype, expected):
    with app.test_request_context(path):
        assert downloads.attachment(given, mimetype) == expected
