"""Database work per page: how many queries each main page makes, at 1×, 10× and 100× the data.

In process, on the benchmark's database: for each scale the database is made afresh
(bench.data), an app is made on it, the young person and the staff member log in through
the login form (CSRF off: this is the test client, not a browser), and each page is asked for
twice; the second time is counted, with SQLAlchemy's `before_cursor_execute` event on the app's
engine. A page whose count grows with the data asks once per row somewhere (an N+1).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator

import pyotp
from sqlalchemy import event

from bench import data
from hub import create_app


@contextlib.contextmanager
def counting(engine) -> Iterator[list[str]]:
    """Collect every statement the engine sends while inside the block."""
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _log_in(client, email: str, totp_secret: str | None = None) -> None:
    answer = client.post("/login", data={"email": email, "password": data.PASSWORD})
    if answer.status_code != 303:
        raise RuntimeError(f"logging in as {email} answered {answer.status_code}")
    if "/me/two-factor" in answer.headers["Location"]:
        step = client.post("/me/two-factor", data={"code": pyotp.TOTP(totp_secret).now()})
        if step.status_code != 303:
            raise RuntimeError(f"the second step for {email} answered {step.status_code}")


def count_pages(database_url: str, pages: dict[str, tuple[str, str]]) -> dict[str, int]:
    """Queries per page (name → count) on the data that is in the database now."""
    app = create_app({"DATABASE_URL": database_url, "WTF_CSRF_ENABLED": False, "SECRET_KEY": data.SECRET_KEY})
    engine = app.extensions["hub_engine"]
    clients = {"young": app.test_client(), "staff": app.test_client()}
    _log_in(clients["young"], data.YOUNG_EMAIL)
    _log_in(clients["staff"], data.STAFF_EMAIL, data.TOTP_SECRET)
    counts = {}
    for name, (role, path) in pages.items():
        client = clients[role]
        first = client.get(path)  # warms what is done once per login (the consent note, caches)
        if first.status_code != 200:
            raise RuntimeError(f"{name} ({path}) answered {first.status_code}")
        with counting(engine) as statements:
            client.get(path)
        counts[name] = len(statements)
    engine.dispose()
    return counts


def run(database_url: str, pages: dict[str, tuple[str, str]], scales: tuple[float, ...], say=print) -> dict:
    """Count at each scale; returns a report section (rows against the smallest scale)."""
    by_scale: dict[float, dict[str, int]] = {}
    sizes: dict[float, int] = {}
    for scale in scales:
        started = time.perf_counter()
        data.recreate_database(database_url)
        made = data.generate(database_url, scale)
        sizes[scale] = made.total_rows
        by_scale[scale] = count_pages(database_url, pages)
        say(f"queries at scale {scale:g}: {made.total_rows} rows, {time.perf_counter() - started:.1f} s")
    base = scales[0]
    rows = []
    for name in pages:
        for scale in scales:
            value = by_scale[scale][name]
            multiple = scale / base
            rows.append(
                {
                    "item": name,
                    "metric": f"queries at {multiple:g}× data",
                    "value": value,
                    "unit": "queries",
                    "reference": None if scale == base else by_scale[base][name],
                    "reference_name": None if scale == base else "at 1× data",
                    "target": None if scale == base else "same as at 1×",
                    "met": None if scale == base else value == by_scale[base][name],
                }
            )
    notes = [
        "Data rows per scale: "
        + ", ".join(f"{scale / base:g}× (scale {scale:g}) = {sizes[scale]:,} rows" for scale in scales)
        + ". The logged-in young person's own bookings, ledger, conversations, notifications and "
        "plan grow with the scale too.",
        "Counted in process (Flask test client) on the second request for each page, with "
        "SQLAlchemy's before_cursor_execute event.",
    ]
    return {"name": "queries", "title": "Database queries per page", "rows": rows, "notes": notes}
