"""Push fan-out benchmark: the outbox sweep against a plain sequential pywebpush loop.

Both send to the local push service of the tests (tests/push_endpoint.py), which checks the
VAPID token, decrypts every push and answers after `delay` seconds, like a real push service's
round trip. It runs in its own process, so its work does not compete with the sender's for
the interpreter lock: as far as the sender can tell it is a remote service.

(a) The outbox: a fresh database (a temporary SQLite file unless --database-url is given), an app
    made by `hub.create_app`, N users with one device each (or N/d users with d devices), one
    pending notification per user, quiet hours off; then `deliver_push(session)` is timed until
    every push is delivered, as the scheduler would call it. Once per pool size.
(b) The reference: `pywebpush.webpush(...)` in a loop, one push after another, over the first
    `--sequential` of the same subscriptions (1,000 × 0.1 s would take 100 s).
(c) The crypto alone: encrypting one payload (RFC 8291) and signing one VAPID token, no network.

Run it with `make bench`, or `.venv/bin/python -m bench.push --help` from the project root.
Results go to bench/results/push.json and bench/results/push.md.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing
import os
import platform
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from unittest import mock

from py_vapid import Vapid02
from pywebpush import WebPusher, WebPushException, webpush
from sqlalchemy import delete, func
from sqlmodel import SQLModel, select

import hub.models  # noqa: F401 (every table, for create_all)
from hub import create_app
from hub.accounts.models import User
from hub.db import engine_for, job_session, new_session, utcnow
from hub.notifications import jobs, push
from hub.notifications.models import (
    DeliveryStatus,
    Notification,
    NotificationPreference,
    PushDelivery,
    PushSubscription,
)
from hub.notifications.vapid import public_key
from tests.push_endpoint import PushEndpoint

RESULTS = Path(__file__).resolve().parent / "results"
SUBJECT = "mailto:bench@example.org"
KIND = "event_reminder"
TITLE = "Påmindelse: Fællesspisning i morgen kl. 18"
BODY = "Husk, at du har booket en plads. Skriv til os, hvis du ikke kan komme, så en anden kan få den."
URL = "/events/1"
MAX_SWEEPS = 10  # a sweep takes up to jobs.BATCH deliveries; more than enough for any run here


# --- the push service, in its own process ------------------------------------------------------


def _serve(conn, delay: float, expected_key: str) -> None:
    """The child process: a PushEndpoint answering commands from the pipe until told to stop."""
    with PushEndpoint(delay=delay, expected_public_key=expected_key) as endpoint:
        conn.send("ready")
        while True:
            command, argument = conn.recv()
            if command == "subscriptions":
                conn.send([endpoint.subscription(f"device-{i}") for i in range(argument)])
            elif command == "received":
                conn.send(len(endpoint.received))
            elif command == "rejected":
                conn.send(endpoint.rejected)
            else:
                conn.send("stopped")
                return


class RemoteEndpoint:
    """A PushEndpoint in a child process, driven over a pipe."""

    def __init__(self, *, delay: float, expected_key: str) -> None:
        # Forked, it starts at once with everything imported (spawning would import the app again,
        # seconds here). Forking is safe this early: no thread, engine or connection of ours exists yet.
        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        context = multiprocessing.get_context(method)
        self._conn, child_conn = context.Pipe()
        self._process = context.Process(target=_serve, args=(child_conn, delay, expected_key), daemon=True)

    def __enter__(self) -> RemoteEndpoint:
        self._process.start()
        if not self._conn.poll(30) or self._conn.recv() != "ready":
            raise RuntimeError("the push endpoint process did not start")
        return self

    def __exit__(self, *exc_info: object) -> None:
        with contextlib.suppress(OSError, EOFError):
            self._ask("stop")
        self._process.join(timeout=5)
        if self._process.is_alive():
            self._process.terminate()

    def _ask(self, command: str, argument: object = None):
        self._conn.send((command, argument))
        return self._conn.recv()

    def subscriptions(self, n: int) -> list[dict]:
        return self._ask("subscriptions", n)

    def received(self) -> int:
        return self._ask("received")

    def rejected(self) -> list[tuple[str, str]]:
        return [tuple(r) for r in self._ask("rejected")]


# --- (a) the outbox ----------------------------------------------------------------------------


@contextlib.contextmanager
def _database(url: str | None) -> Iterator[str]:
    """The given database, or a fresh SQLite file that is removed afterwards."""
    if url:
        yield url
        return
    with tempfile.TemporaryDirectory(prefix="ungehub-bench-") as folder:
        yield f"sqlite:///{Path(folder) / 'bench.sqlite3'}"


def _seed(session, subs: list[dict], devices_per_user: int, tag: str) -> list[int]:
    """Users with their devices and one pending notification each; returns the notification ids."""
    now = utcnow()
    users = [
        User(email=f"bench-{tag}-{i}@example.org", name=f"Bench {i}", activated_at=now)
        for i in range(len(subs) // devices_per_user)
    ]
    session.add_all(users)
    session.flush()
    session.add_all(NotificationPreference(user_id=user.id, quiet_hours=False) for user in users)
    session.add_all(
        PushSubscription(
            user_id=users[i // devices_per_user].id,
            endpoint=sub["endpoint"],
            p256dh=sub["keys"]["p256dh"],
            auth=sub["keys"]["auth"],
            name=f"device {i % devices_per_user + 1}",
        )
        for i, sub in enumerate(subs)
    )
    notifications = [Notification(user_id=user.id, kind=KIND, title=TITLE, body=BODY, url=URL) for user in users]
    session.add_all(notifications)
    session.flush()
    return [n.id for n in notifications]


def _delivered(notification_ids: list[int]) -> int:
    with contextlib.closing(new_session(write=False)) as session:
        return session.exec(
            select(func.count())
            .select_from(PushDelivery)
            .where(PushDelivery.notification_id.in_(notification_ids), PushDelivery.status == DeliveryStatus.SENT)
        ).one()


PHASES = ("fan_out", "claim", "send_all", "record")  # the steps of jobs.deliver_push, timed one by one


class _Stopwatch:
    """Adds up the time spent inside each step of the sweep; a step run inside another (claiming
    more and recording while `send_all` sends) counts as its own, not twice."""

    def __init__(self) -> None:
        self.seconds = dict.fromkeys(PHASES, 0.0)
        self._nested = [0.0]  # per running step: the time its inner steps took

    def wrap(self, name: str, function: Callable) -> Callable:
        def timed(*args, **kwargs):
            started = time.perf_counter()
            self._nested.append(0.0)
            try:
                return function(*args, **kwargs)
            finally:
                spent = time.perf_counter() - started
                self.seconds[name] += spent - self._nested.pop()
                self._nested[-1] += spent

        return timed

    @contextlib.contextmanager
    def patched(self) -> Iterator[None]:
        """Time jobs' steps while deliver_push runs them (it looks them up on the module)."""
        with contextlib.ExitStack() as stack:
            for name in PHASES:
                stack.enter_context(mock.patch.object(jobs, name, self.wrap(name, getattr(jobs, name))))
            yield


def run_outbox(
    endpoint: RemoteEndpoint,
    subs: list[dict],
    *,
    pem: bytes,
    pool_size: int,
    devices_per_user: int = 1,
    database_url: str | None = None,
) -> dict:
    """Time `deliver_push` sweeps until every push in a fresh outbox is delivered."""
    tag = uuid.uuid4().hex[:8]
    with _database(database_url) as url:
        app = create_app(
            {
                "TESTING": True,
                "DATABASE_URL": url,
                "SECRET_KEY": "bench",
                "VAPID_PRIVATE_PEM": pem,
                "VAPID_SUBJECT": SUBJECT,
                "PUSH_POOL_SIZE": pool_size,
                "PUSH_ALLOWED_HOSTS": ["127.0.0.1"],  # the local push service, on its free port
                "PUSH_ALLOW_LOOPBACK": True,
                "RATELIMIT_STORAGE_URI": "memory://",
            }
        )
        try:
            with app.app_context():
                SQLModel.metadata.create_all(engine_for())
                with job_session() as session:
                    notification_ids = _seed(session, subs, devices_per_user, tag)
                try:
                    received_before = endpoint.received()
                    phases = _Stopwatch()
                    sweeps = 0
                    with phases.patched():
                        started, cpu_started = time.perf_counter(), time.process_time()
                        while sweeps < MAX_SWEEPS:
                            with job_session() as session:
                                jobs.deliver_push(session)
                            sweeps += 1
                            if _delivered(notification_ids) >= len(subs):
                                break
                        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
                    delivered = _delivered(notification_ids)
                    received = endpoint.received() - received_before
                finally:
                    if database_url:  # leave someone else's database as it was (devices go with users)
                        with job_session() as session:
                            session.exec(delete(User).where(User.email.like(f"bench-{tag}-%")))
        finally:
            app.extensions["hub_engine"].dispose()
    return {
        "pool_size": pool_size,
        "pushes": len(subs),
        "notifications": len(notification_ids),
        "delivered": delivered,
        "received_by_endpoint": received,
        "sweeps": sweeps,
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,  # of this process, all threads: near `seconds` × 1 means one core is busy
        "phase_seconds": {**phases.seconds, "other": seconds - sum(phases.seconds.values())},
        "per_second": delivered / seconds,
    }


# --- (b) the sequential reference, (c) the crypto alone ----------------------------------------


def _sample_message() -> tuple[str, str]:
    """The payload and topic the outbox sends for one of the benchmark's notifications."""
    notification = Notification(id=1, user_id=1, kind=KIND, title=TITLE, body=BODY, url=URL)
    return push.payload(notification), push.topic(notification)


def run_sequential(subs: list[dict], vapid: Vapid02) -> dict:
    """pywebpush.webpush() once per subscription, one after another, as a plain loop does."""
    data, topic = _sample_message()
    delivered = failed = 0
    started = time.perf_counter()
    for sub in subs:
        try:
            response = webpush(
                subscription_info=sub,
                data=data,
                vapid_private_key=vapid,
                vapid_claims={"sub": SUBJECT},
                ttl=push.MAX_TTL,
                headers={"Urgency": "normal", "Topic": topic},
                timeout=push.TIMEOUT,
            )
        except WebPushException:
            failed += 1
            continue
        delivered += 200 <= response.status_code < 300
    seconds = time.perf_counter() - started
    return {
        "pushes": len(subs),
        "delivered": delivered,
        "failed": failed,
        "seconds": seconds,
        "per_second": delivered / seconds if seconds else 0.0,
    }


def measure_crypto(subs: list[dict], vapid: Vapid02, n: int) -> dict:
    """Milliseconds per message to encrypt the payload and to sign a VAPID token, no network."""
    data, topic = _sample_message()
    headers = {"Urgency": "normal", "Topic": topic}
    started = time.perf_counter()
    for i in range(n):
        WebPusher(subs[i % len(subs)])._prepare_send_data(data=data, headers=headers, ttl=push.MAX_TTL)
    encrypt = time.perf_counter() - started
    audience = subs[0]["endpoint"].split("/push/")[0]
    started = time.perf_counter()
    for _ in range(n):
        vapid.sign({"sub": SUBJECT, "aud": audience, "exp": int(time.time()) + 12 * 3600})
    sign = time.perf_counter() - started
    return {
        "messages": n,
        "encrypt_ms": encrypt / n * 1000,
        "vapid_sign_ms": sign / n * 1000,
        "total_ms": (encrypt + sign) / n * 1000,
    }


# --- the whole run -----------------------------------------------------------------------------


def _cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor()


def machine() -> dict:
    versions = {name: metadata.version(name) for name in ("pywebpush", "py-vapid", "http-ece", "sqlalchemy")}
    return {
        "cpus": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "cpu_model": _cpu_model(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        # Other work on the machine slows every number down; this says how busy it was at the start.
        "load_average_1min": round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None,
        "packages": versions,
    }


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def run(
    *,
    count: int = 1000,
    delay: float = 0.1,
    pool_sizes: tuple[int, ...] = (32, 64),
    sequential: int = 100,
    crypto: int = 200,
    devices_per_user: int = 1,
    database_url: str | None = None,
) -> dict:
    """Run (a), (b) and (c) against one push service; return every number and the parameters."""
    if count % devices_per_user:
        raise ValueError("count must be a multiple of devices_per_user")
    vapid = Vapid02()
    vapid.generate_keys()
    started_at, info = datetime.now(UTC), machine()
    with RemoteEndpoint(delay=delay, expected_key=public_key(vapid)) as endpoint:
        subs = endpoint.subscriptions(count)
        outbox = []
        for pool_size in pool_sizes:
            _say(f"outbox sweep, pool {pool_size}: {count} pushes …")
            outbox.append(
                run_outbox(
                    endpoint,
                    subs,
                    pem=vapid.private_pem(),
                    pool_size=pool_size,
                    devices_per_user=devices_per_user,
                    database_url=database_url,
                )
            )
        _say(f"sequential pywebpush loop: {min(sequential, count)} pushes …")
        reference = run_sequential(subs[:sequential], vapid)
        _say(f"crypto only: {crypto} messages …")
        crypto_cost = measure_crypto(subs, vapid, crypto)
        rejected = endpoint.rejected()
    backend = database_url.split(":", 1)[0].split("+")[0] if database_url else "sqlite (fresh temporary file)"
    return {
        "benchmark": "push fan-out",
        "date": started_at.isoformat(timespec="seconds"),
        "machine": info,
        "parameters": {
            "pushes": count,
            "users": count // devices_per_user,
            "devices_per_user": devices_per_user,
            "notifications": count // devices_per_user,
            "endpoint_delay_seconds": delay,
            "endpoint": "tests/push_endpoint.py in its own process (verifies VAPID, decrypts every push)",
            "pool_sizes": list(pool_sizes),
            "sequential_pushes": reference["pushes"],
            "crypto_messages": crypto,
            "database": backend,
            "sweep_batch": jobs.BATCH,
        },
        "outbox": outbox,
        "sequential": reference,
        "crypto_only": crypto_cost,
        "speedup": {
            str(o["pool_size"]): o["per_second"] / reference["per_second"] if reference["per_second"] else None
            for o in outbox
        },
        "rejected": rejected,
    }


# --- reporting ---------------------------------------------------------------------------------


def markdown(result: dict) -> str:
    p, m, seq, crypto = result["parameters"], result["machine"], result["sequential"], result["crypto_only"]
    delay = p["endpoint_delay_seconds"]
    rows = [
        f"| outbox sweep (`deliver_push`), pool {o['pool_size']} | {o['delivered']:,} of {o['pushes']:,} | "
        f"{o['seconds']:.2f} | **{o['per_second']:,.0f}** | {_ceiling(o['pool_size'], delay)} | "
        f"{_times(result['speedup'][str(o['pool_size'])])} |"
        for o in result["outbox"]
    ]
    rows.append(
        f"| sequential `pywebpush.webpush()` loop, {seq['pushes']:,} of the {p['pushes']:,} (rate per second) | "
        f"{seq['delivered']:,} of {seq['pushes']:,} | {seq['seconds']:.2f} | **{seq['per_second']:,.1f}** | "
        f"{_ceiling(1, delay)} | 1.0× |"
    )
    phases = "; ".join(
        f"pool {o['pool_size']}: "
        + ", ".join(f"{name} {t:.2f} s" for name, t in o["phase_seconds"].items())
        + f" ({o['sweeps']} sweep{'s' if o['sweeps'] != 1 else ''}; the sending process used {o['cpu_seconds']:.2f} s"
        f" of CPU, {o['cpu_seconds'] / max(1, o['delivered']) * 1000:.1f} ms per push)"
        for o in result["outbox"]
    )
    lines = [
        "# Push fan-out benchmark",
        "",
        f"{result['date']} · {m['cpus']} CPUs ({m['cpu_model']}) · Python {m['python']} · {m['platform']} · "
        f"load average {m['load_average_1min']} at the start",
        "",
        f"{p['pushes']:,} pushes: {p['users']:,} users × {p['devices_per_user']} "
        f"device{'s' if p['devices_per_user'] != 1 else ''}, one notification each, "
        f"quiet hours off. Push service: {p['endpoint']}, answering after {delay} s. "
        f"Database: {p['database']}.",
        "",
        "| sender | delivered | seconds | pushes/s | ceiling (threads ÷ delay) | speed-up |",
        "|---|---:|---:|---:|---:|---:|",
        *rows,
        "",
        f"Where the outbox time went (steps of `deliver_push`; other = commits and checks): {phases}.",
        "",
        f"Crypto alone, one thread, no network, mean of {crypto['messages']} messages: encrypt "
        f"{crypto['encrypt_ms']:.2f} ms + VAPID sign {crypto['vapid_sign_ms']:.2f} ms = "
        f"**{crypto['total_ms']:.2f} ms per message** (at most ~{1000 / crypto['total_ms']:,.0f} messages/s "
        "per core before any network).",
        "",
        f"Requests the push service refused: {len(result['rejected'])}.",
        "",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in m["packages"].items()) + ".",
        "Run again with `make bench`; the numbers are in push.json.",
        "",
    ]
    return "\n".join(lines)


def _ceiling(threads: int, delay: float) -> str:
    """At most this many pushes per second can be answered by a service that takes `delay` each."""
    return f"{threads / delay:,.0f}" if delay > 0 else "–"


def _times(ratio: float | None) -> str:
    return "–" if ratio is None else f"{ratio:.1f}×"


def write(result: dict, folder: Path = RESULTS) -> str:
    """Write push.json and push.md (both replaced); return the Markdown."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "push.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    text = markdown(result)
    (folder / "push.md").write_text(text)
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1000, help="pushes in the outbox (default 1000)")
    parser.add_argument("--delay", type=float, default=0.1, help="push service round trip, seconds (default 0.1)")
    parser.add_argument("--pool-sizes", default="32,64", help="sender threads to try, comma-separated")
    parser.add_argument("--sequential", type=int, default=100, help="pushes in the sequential loop (default 100)")
    parser.add_argument("--crypto", type=int, default=200, help="messages for the crypto-only timing")
    parser.add_argument("--devices-per-user", type=int, default=1, help="e.g. 10: count/10 users with 10 devices")
    parser.add_argument(
        "--database-url", help="use this database (its schema is created if missing) instead of a fresh SQLite file"
    )
    parser.add_argument("--out", type=Path, default=RESULTS, help="folder for push.json and push.md")
    args = parser.parse_args(argv)
    result = run(
        count=args.count,
        delay=args.delay,
        pool_sizes=tuple(int(size) for size in args.pool_sizes.split(",")),
        sequential=args.sequential,
        crypto=args.crypto,
        devices_per_user=args.devices_per_user,
        database_url=args.database_url,
    )
    print(write(result, args.out))
    all_delivered = all(o["delivered"] == o["pushes"] for o in result["outbox"])
    return 0 if all_delivered and result["sequential"]["delivered"] == result["sequential"]["pushes"] else 1


if __name__ == "__main__":
    sys.exit(main())
