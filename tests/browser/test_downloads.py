"""Every download in the app saves a file, and the page it was clicked on stays as it was.

The body is boosted (hx-boost="true"), so htmx fetches these links and forms itself; a file
answered to htmx comes back as a one-time download link (hub/core/downloads.py) that the browser
then fetches on its own. Clicked here for real, on a phone and on a desktop: staff's "Download as
CSV" (events, klip, messages, evaluation, audit search), the evaluator's export (a POST form), the
calendar file on a staff event page, and the young person's calendar files and data download.
For each: a file arrives and holds what it should (a CSV's header row, a zip of CSVs, a calendar,
JSON), and the address and the <main> of the page are unchanged, with nothing left busy.
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

STAFF = "personale@example.org"
ADMIN = "admin@example.org"
YOUNG = "ung@example.org"
VIEWPORTS = {
    "phone": {},  # the fixture's phone: 390 × 844, touch
    "desktop": {
        "viewport": {"width": 1280, "height": 800},
        "is_mobile": False,
        "has_touch": False,
        "device_scale_factor": 1,
    },
}


@dataclass
class Download:
    page: str  # where the link or button is
    label: str  # its English text (the test reads it in Danish)
    extension: str
    check: Callable[[bytes], None]
    button: bool = False  # a form's button, not a link


def csv_file(data: bytes) -> None:
    text = data.decode("utf-8-sig")
    assert not text.lstrip().startswith("<"), "an HTML page, not a CSV"
    header = next(csv.reader(io.StringIO(text)))
    assert len(header) >= 2 and all(cell.strip() for cell in header), header


def zip_of_csvs(data: bytes) -> None:
    archive = zipfile.ZipFile(io.BytesIO(data))
    names = archive.namelist()
    tables = [name for name in names if name.endswith(".csv")]
    assert "README.md" in names and len(tables) >= 3, names
    for name in tables:
        csv_file(archive.read(name))


def calendar(data: bytes) -> None:
    text = data.decode("utf-8")
    assert text.startswith("BEGIN:VCALENDAR") and "BEGIN:VEVENT" in text, text[:80]


def my_data(data: bytes) -> None:
    document = json.loads(data)
    assert document["format"] == "ungehub-export/1" and document["tables"]["user_account"]


def query(ui, sql: str, *args):
    with sqlite3.connect(ui.server.database, timeout=10) as db:
        row = db.execute(sql, args).fetchone()
    db.close()
    assert row, f"the demo data has nothing for: {sql}"
    return row[0]


def now_in_db() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")


def an_upcoming_event(ui) -> int:
    return query(
        ui,
        "SELECT id FROM event WHERE status = 'scheduled' AND visibility = 'open' AND starts_at > ?"
        " ORDER BY starts_at LIMIT 1",
        now_in_db(),
    )


def exports_made(ui) -> int:
    return query(ui, "SELECT count(*) FROM evaluation_export")


def open_browser(browse, viewport: str):
    return browse(**VIEWPORTS[viewport])


def download_each(ui, danish, downloads: list[Download]) -> None:
    """Click each one; a file arrives, checked; the page is as it was."""
    page = ui.page
    for item in downloads:
        ui.visit(item.page)
        role = "button" if item.button else "link"
        control = page.locator("main").get_by_role(role, name=danish(item.label)).first
        control.scroll_into_view_if_needed()
        address, main = page.url, page.locator("main").inner_html()
        with page.expect_download(timeout=10_000) as arrived:
            control.click()
        download = arrived.value
        assert download.failure() is None, f"{item.page}: {download.failure()}"
        assert download.suggested_filename.endswith(item.extension), download.suggested_filename
        item.check(Path(download.path()).read_bytes())
        ui.settled()  # nothing left busy: htmx let go of the link or button
        assert page.url == address, f"{item.page}: the address changed to {page.url}"
        assert page.locator("main").inner_html() == main, f"{item.page}: the page changed"
        assert "/download/" in download.url and download.url.startswith(ui.server.url)


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_staff_download_their_csv_files_the_export_and_a_calendar_file(browse, danish, viewport):
    ui = open_browser(browse, viewport)
    ui.log_in(STAFF)
    event_id = an_upcoming_event(ui)
    before = exports_made(ui)
    download_each(
        ui,
        danish,
        [
            Download("/staff/events/stats", "Download as CSV", ".csv", csv_file),
            Download("/staff/klip/stats", "Download as CSV", ".csv", csv_file),
            Download("/staff/messages/stats", "Download as CSV", ".csv", csv_file),
            Download("/staff/evaluation/stats", "Download as CSV", ".csv", csv_file),
            Download("/staff/evaluation/export", "Make and download the export", ".zip", zip_of_csvs, button=True),
            Download(f"/staff/events/{event_id}", "Add to my calendar", ".ics", calendar),
        ],
    )
    assert exports_made(ui) == before + 1  # made once, recorded once: fetching it made no second one


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_an_admin_downloads_an_audit_search(browse, danish, viewport):
    ui = open_browser(browse, viewport)
    ui.log_in(ADMIN)
    download_each(ui, danish, [Download("/admin/audit", "Download as CSV", ".csv", csv_file)])


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_a_young_person_downloads_calendar_files_and_their_data(browse, danish, viewport):
    ui = open_browser(browse, viewport)
    ui.log_in(YOUNG)
    booking_id = query(
        ui,
        "SELECT b.id FROM booking b JOIN event e ON e.id = b.event_id JOIN user_account u ON u.id = b.user_id"
        " WHERE u.email = ? AND b.status = 'confirmed' AND e.starts_at > ? ORDER BY e.starts_at LIMIT 1",
        YOUNG,
        now_in_db(),
    )
    download_each(
        ui,
        danish,
        [
            Download(f"/events/{an_upcoming_event(ui)}", "Add to my calendar", ".ics", calendar),
            Download(f"/bookings/{booking_id}", "Add to my calendar", ".ics", calendar),
            Download("/me/data", "Download everything (a JSON file)", ".json", my_data),
        ],
    )
