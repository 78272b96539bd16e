"""Database work per page: how many queries each main page makes, at 1×, 10× and 100× the data.

In process, on the benchmark's database: for each scale the database is made afresh
(bench.data), an app is made on it, the young person and the staff member log in through
the login form (CSRF off: this is the test client, not a browser), and each page is asked for
twice; the second time is counted, with SQLAlchemy's `before_cursor_execute` event on the app's
engine. A page whose count grows with the data asks once per row somewhere (an N+1).

Then each page is asked for TIMED more times, and the median time a request takes in process is
reported, with the part of it spent waiting for the database, next to the bare Flask route of
bench/wsgi.py asked the same way: where a page's time goes, without gunicorn or wrk in between.
"""

from __future__ import annotations

import contextlib
import statistics
import time
from collections.abc import Iterator

import pyotp
from sqlalchemy import event

from bench import data
from bench.report import row
from bench.wsgi import bare
from hub import create_app

TIMED = 30  # requests per page for the in-process time


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


@contextlib.contextmanager
def timing_database(engine) -> Iterator[list[float]]:
    """Collect the seconds each statement the engine sends takes, while inside the block."""
    seconds: list[float] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        conn.info["bench_started"] = time.perf_counter()

    def after(conn, cursor, statement, parameters, context, executemany):
        seconds.append(time.perf_counter() - conn.info.pop("bench_started"))

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        yield seconds
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)


def _median_ms(client, path: str, engine=None) -> tuple[float, float]:
    """The median time of TIMED requests, and the median time of each in the database (ms)."""
    totals, in_database = [], []
    for _ in range(TIMED):
        with contextlib.ExitStack() as stack:
            seconds = stack.enter_context(timing_database(engine)) if engine is not None else []
            started = time.perf_counter()
            client.get(path)
            totals.append(time.perf_counter() - started)
        in_database.append(sum(seconds))
    return statistics.median(totals) * 1000, statistics.median(in_database) * 1000


def measure_pages(database_url: str, pages: dict[str, tuple[str, str]]) -> dict[str, dict[str, float]]:
    """For each page (by name): its queries, its median ms in process and the ms of it in the
    database, on the data that is in the database now; and the bare route's ms as "bare route"."""
    app = create_app({"DATABASE_URL": database_url, "WTF_CSRF_ENABLED": False, "SECRET_KEY": data.SECRET_KEY})
    engine = app.extensions["hub_engine"]
    clients = {"young": app.test_client(), "staff": app.test_client()}
    _log_in(clients["young"], data.YOUNG_EMAIL)
    _log_in(clients["staff"], data.STAFF_EMAIL, data.TOTP_SECRET)
    measured = {}
    for name, (role, path) in pages.items():
        client = clients[role]
        first = client.get(path)  # warms what is done once per login (the consent note, caches)
        if first.status_code != 200:
            raise RuntimeError(f"{name} ({path}) answered {first.status_code}")
        with counting(engine) as statements:
            client.get(path)
        ms, database_ms = _median_ms(client, path, engine)
        measured[name] = {"queries": len(statements), "ms": ms, "database_ms": database_ms}
    bare_client = bare.test_client()
    bare_client.get("/bare")
    measured["bare route"] = {"queries": 0, "ms": _median_ms(bare_client, "/bare")[0], "database_ms": 0.0}
    engine.dispose()
    return measured


def run(database_url: str, pages: dict[str, tuple[str, str]], scales: tuple[float, ...], say=print) -> dict:
    """Count at each scale; returns a report section (rows against the smallest scale)."""
    by_scale: dict[float, dict[str, dict[str, float]]] = {}
    sizes: dict[float, int] = {}
    for scale in scales:
        started = time.perf_counter()
        data.recreate_database(database_url)
        made = data.generate(database_url, scale)
        sizes[scale] = made.total_rows
        by_scale[scale] = measure_pages(database_url, pages)
        say(f"queries at scale {scale:g}: {made.total_rows} rows, {time.perf_counter() - started:.1f} s")
    base = scales[0]
    rows = []
    for name in pages:
        for scale in scales:
            value = by_scale[scale][name]["queries"]
            multiple = scale / base
            first = by_scale[base][name]["queries"]
            if scale == base:
                rows.append(row(name, f"queries at {multiple:g}× data", value, "queries"))
            else:
                rows.append(
                    row(name, f"queries at {multiple:g}× data", value, "queries", first, "at 1× data",
                        "same as at 1×", value == first)
                )  # fmt: skip
        for scale in scales:
            page, bare_route = by_scale[scale][name], by_scale[scale]["bare route"]
            rows.append(
                row(name, f"ms in process at {scale / base:g}× data", round(page["ms"], 2), "ms",
                    round(bare_route["ms"], 3), "bare route, in process")
            )  # fmt: skip
    at_base = by_scale[base]
    notes = [
        "Data rows per scale: "
        + ", ".join(f"{scale / base:g}× (scale {scale:g}) = {sizes[scale]:,} rows" for scale in scales)
        + ". The logged-in young person's own bookings, ledger, conversations, notifications and "
        "plan grow with the scale too.",
        "Counted in process (Flask test client) on the second request for each page, with "
        "SQLAlchemy's before_cursor_execute event.",
        f"Time in process: the median of {TIMED} requests through the Flask test client, one at a time, "
        "against the bare route asked the same way. At 1× data, of each page's time, this much is "
        "spent waiting for the database: "
        + "; ".join(
            f"{name} {at_base[name]['database_ms']:.1f} of {at_base[name]['ms']:.1f} ms "
            f"({at_base[name]['queries']} queries)"
            for name in pages
        )
        + ". The rest is Python: logging in the request, the ORM and the templates.",
    ]
    return {"name": "queries", "title": "Database queries per page", "rows": rows, "notes": notes}
