"""`make bench`: every benchmark in one run, one report (bench/results/latest.json and .md).

    python -m bench [--small] [--database-url URL] [--only SECTION,...] [--out FOLDER]

The order: make the data → start gunicorn → log in → load (server) → page weight → Lighthouse →
stop gunicorn → queries per page (in process, at 1×, 10× and 100× the data) → reminder sweep →
push fan-out → the report. Each figure stands next to its reference from the same run.

The database (PostgreSQL `ungehub_bench` on 127.0.0.1:5432 unless --database-url names another)
is dropped and made afresh for each part that needs data, so it must be the benchmark's own.
--small is the quick check the test suite runs: less data, seconds instead of minutes of load.
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from bench import data, load, report
from bench.report import row
from bench.server import Server, check_page, log_in
from bench.wsgi import BARE_PATH

RESULTS = Path(__file__).resolve().parent / "results"
DEFAULT_DATABASE = "postgresql+psycopg://postgres@127.0.0.1:5432/ungehub_bench"
SECTIONS = ("server", "weight", "lighthouse", "queries", "sweep", "push")
NEEDS_SERVER = ("server", "weight", "lighthouse")

# The main pages under load, as (role, path).
PAGES = {
    "young home": ("young", "/"),
    "event list": ("young", "/events"),
    "klippekort": ("young", "/klip"),
    "staff inbox": ("staff", "/staff/messages"),
}
# The pages whose queries are counted: the main ones and the others a young person and staff use most.
QUERY_PAGES = {
    **PAGES,
    "plan": ("young", "/plan"),
    "messages": ("young", "/messages"),
    "staff home": ("staff", "/"),
}
P95_TARGET_MS = 100.0
THROUGHPUT_SHARE = 1 / 3


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def fragments(made: data.Made) -> dict[str, tuple[str, str]]:
    """The htmx requests the pages make (hx-get), sent with HX-Request: true."""
    return {
        "notification bell": ("young", "/notifications"),
        "message poll": ("young", f"/messages/{made.conversation_id}/poll"),
        "event filter": ("young", "/events?category=workshop"),
        "staff inbox refresh": ("staff", "/staff/messages"),
    }


# --- the server section ------------------------------------------------------------------------


def server_section(base_url: str, cookies: dict[str, dict[str, str]], *, small: bool, workers: int) -> dict:
    """Throughput (wrk) and latency at a steady 50 requests a second, per page and for the bare route."""
    wrk_seconds, steady_seconds = (2, 3) if small else (10, 20)
    targets = {"bare route": ("", BARE_PATH)} | PAGES
    full, calm = {}, {}
    for name, (role, path) in targets.items():
        jar = cookies.get(role, {})
        check_page(base_url, path, jar)
        say(f"load: {name} ({path}): wrk {wrk_seconds} s, then 50 req/s for {steady_seconds} s …")
        full[name] = load.throughput(base_url + path, jar, seconds=wrk_seconds)
        calm[name] = load.steady(base_url + path, jar, rate=50, seconds=steady_seconds)
    bare_full, bare_calm = full["bare route"], calm["bare route"]
    rows = []
    for name in PAGES:
        rps, steady = full[name].requests_per_second, calm[name]
        share = f"≥ 1/{round(1 / THROUGHPUT_SHARE)} of bare"
        rows += [
            row(name, "requests/s", round(rps, 1), "req/s", round(bare_full.requests_per_second, 1), "bare route",
                 share, rps >= THROUGHPUT_SHARE * bare_full.requests_per_second),
            row(name, "p50 at 50 req/s", round(steady.p50_ms, 1), "ms", round(bare_calm.p50_ms, 1), "bare route"),
            row(name, "p95 at 50 req/s", round(steady.p95_ms, 1), "ms", round(bare_calm.p95_ms, 1), "bare route",
                 f"< {P95_TARGET_MS:g} ms", steady.p95_ms < P95_TARGET_MS),
            row(name, "p99 at 50 req/s", round(steady.p99_ms, 1), "ms", round(bare_calm.p99_ms, 1), "bare route"),
            row(name, "errors at 50 req/s", steady.errors, "errors", bare_calm.errors,
                 "bare route", "0", steady.errors == 0),
            row(name, "errors under full load", full[name].errors, "errors",
                 bare_full.errors, "bare route", "0", full[name].errors == 0),
        ]  # fmt: skip
    notes = [
        f"gunicorn, {workers} worker processes × 4 threads (gthread), serving bench/wsgi.py: the hub and "
        f"a bare Flask route ({BARE_PATH}, a few bytes, no database or template) in the same processes.",
        f"Full load: wrk, 2 threads, 16 connections, {wrk_seconds} s after a 1 s warm-up, with the login's "
        "cookie. wrk runs on the same machine and takes CPU from the server.",
        f"Steady load: 50 requests a second for {steady_seconds} s from Python threads; each latency is "
        "counted from the request's intended send time, so a stall shows in the percentiles "
        "(no coordinated omission). Any answer but 200 is an error.",
        "Where a page's time goes (in process, and how much of it waits for the database): the "
        "section on database queries per page.",
        "Full-load median / p99 latency (wrk, waiting included): "
        + "; ".join(f"{name} {full[name].p50_ms:.0f} / {full[name].p99_ms:.0f} ms" for name in targets)
        + ".",
    ]
    return {"name": "server", "title": "Server under load", "rows": rows, "notes": notes}


# --- running the parts -------------------------------------------------------------------------


def skipped(name: str, title: str, why: str) -> dict:
    return {"name": name, "title": title, "rows": [], "notes": [f"Not run: {why}"]}


TITLES = {
    "server": "Server under load",
    "weight": "Page weight",
    "lighthouse": "Lighthouse",
    "queries": "Database queries per page",
    "sweep": "Reminders at scale",
    "push": "Push fan-out",
}


def guarded(name: str, work) -> dict:
    """Run one part; a part that fails is reported as such and the others still run."""
    started = time.perf_counter()
    try:
        section = work()
    except ModuleNotFoundError as error:
        if error.name != f"bench.{name}":
            raise
        return skipped(name, TITLES[name], f"bench/{name}.py does not exist yet.")
    except Exception as error:  # noqa: BLE001 (one broken part must not lose the others' numbers)
        traceback.print_exc()
        return skipped(name, TITLES[name], f"it failed: {type(error).__name__}: {error}")
    section.setdefault("notes", [])
    section["seconds"] = round(time.perf_counter() - started, 1)
    say(f"{name}: {section['seconds']} s")
    return section


def push_section(database_url: str, small: bool, out: Path) -> dict:
    """bench.push (the outbox against a sequential loop), as a section; push.json/md beside."""
    from bench import push

    result = push.run(
        count=100 if small else 1000,
        delay=0.01 if small else 0.1,
        pool_sizes=(8,) if small else (32, 64),
        sequential=5 if small else 100,
        crypto=5 if small else 200,
        database_url=database_url,
    )
    push.write(result, out)
    sequential = result["sequential"]
    rows = [
        row(f"outbox, pool {o['pool_size']}", "pushes/s", round(o["per_second"], 1), "per s",
             round(sequential["per_second"], 1), f"sequential pywebpush ({sequential['pushes']} pushes)",
             "all delivered", o["delivered"] == o["pushes"])
        for o in result["outbox"]
    ]  # fmt: skip
    rows.append(row("crypto alone", "per push", round(result["crypto_only"]["total_ms"], 3), "ms"))
    notes = [
        f"{result['parameters']['pushes']} pushes to a local push service answering after "
        f"{result['parameters']['endpoint_delay_seconds']} s; details in push.md beside this report."
    ]
    return {"name": "push", "title": TITLES["push"], "rows": rows, "notes": notes}


def machine() -> dict:
    cpu = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "python": f"Python {platform.python_version()}",
        "platform": platform.platform(),
        "load_average": round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None,
    }


def run(database_url: str, *, small: bool, only: tuple[str, ...], out: Path, workers: int | None = None) -> dict:
    started_at, info = datetime.now(UTC), machine()
    scale = 0.1 if small else 1.0
    sections: dict[str, dict] = {}
    made = None
    if any(name in only for name in NEEDS_SERVER):
        say(f"data: scale {scale:g} …")
        data.recreate_database(database_url)
        made = data.generate(database_url, scale)
        say(f"data: {made.total_rows:,} rows")
        with Server(database_url, workers=workers) as server:
            cookies = {
                "young": log_in(server.url, data.YOUNG_EMAIL, data.PASSWORD),
                "staff": log_in(server.url, data.STAFF_EMAIL, data.PASSWORD, data.TOTP_SECRET),
            }
            if "server" in only:
                if load.have_wrk():
                    sections["server"] = guarded(
                        "server", lambda: server_section(server.url, cookies, small=small, workers=server.workers)
                    )
                else:
                    sections["server"] = skipped("server", TITLES["server"], "wrk is not installed (apt install wrk).")
            pages = dict(list(PAGES.items())[:2]) if small else PAGES
            if "weight" in only:
                sections["weight"] = guarded(
                    "weight",
                    lambda: importlib.import_module("bench.weight").run(
                        server.url, cookies, PAGES, fragments(made), small
                    ),
                )
            if "lighthouse" in only:
                sections["lighthouse"] = guarded(
                    "lighthouse",
                    lambda: importlib.import_module("bench.lighthouse").run(
                        server.url, cookies, pages, 1 if small else 3, small
                    ),
                )
    if "queries" in only:
        from bench import queries

        scales = (scale, scale * 10, scale * 100)
        sections["queries"] = guarded("queries", lambda: queries.run(database_url, QUERY_PAGES, scales, say=say))
    if "sweep" in only:
        data.recreate_database(database_url)
        sections["sweep"] = guarded(
            "sweep",
            lambda: importlib.import_module("bench.sweep").run(database_url, 200 if small else 10_000, small),
        )
    if "push" in only:
        data.recreate_database(database_url)
        sections["push"] = guarded("push", lambda: push_section(database_url, small, out))
    return {
        "benchmark": "make bench",
        "date": started_at.isoformat(timespec="seconds"),
        "seconds": round((datetime.now(UTC) - started_at).total_seconds(), 1),
        "small": small,
        "machine": info,
        "parameters": {
            "database": make_url(database_url).render_as_string(hide_password=True),
            "data_scale": scale,
            "data_rows": made.total_rows if made else None,
            "data_counts": made.counts if made else None,
            "sections": list(only),
        },
        "sections": [sections[name] for name in SECTIONS if name in sections],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", action="store_true", help="the quick check: less data, short loads")
    parser.add_argument(
        "--database-url",
        default=DEFAULT_DATABASE,
        help=f"the benchmark's own database, dropped and made afresh (default {DEFAULT_DATABASE})",
    )
    parser.add_argument("--only", help=f"comma-separated sections to run, of: {','.join(SECTIONS)}")
    parser.add_argument("--out", type=Path, default=RESULTS, help="folder for latest.json and latest.md")
    parser.add_argument("--workers", type=int, help="gunicorn worker processes (default: one per CPU)")
    args = parser.parse_args(argv)
    only = tuple(args.only.split(",")) if args.only else SECTIONS
    unknown = set(only) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections: {', '.join(sorted(unknown))}")
    result = run(args.database_url, small=args.small, only=only, out=args.out, workers=args.workers)
    print(report.write(result, args.out))
    return 0 if all(section["rows"] for section in result["sections"]) else 1


if __name__ == "__main__":
    sys.exit(main())
