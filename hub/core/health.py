"""Liveness and readiness, for a load balancer and for monitoring.

- `/livez` (and `/healthz`, kept for older set-ups and the offline wallet): the process answers.
  It needs nothing, and asks nothing of the database or Redis.
- `/readyz`: each check below with its result and its time, in JSON, within HEALTH_TIMEOUT
  seconds; 503 when a check fails. Redis down is "degraded", not a failure: rate limits then
  count in each worker's memory (hub/security.py) and everything else goes on.
  `/readyz?scope=server` leaves out the checks about the whole deployment (the scheduler and the
  outboxes), for a load balancer that should not take every server out when the scheduler stops.

Both are answered beneath the app, by a WSGI layer around it, before the host check, the https
redirect, sessions, logins, rate limits and the service worker's pages: a load balancer asks by
address over plain http, with no cookie, as often as it likes, and gets no cookie back.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from urllib.parse import parse_qs

from flask import Flask
from sqlalchemy import func, or_, select, text
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Field, Session, SQLModel

from hub.accounts.models import utc_column
from hub.db import new_session, utcnow
from hub.logs import ROUTE, RequestIds
from hub.notifications.models import DeliveryStatus, Notification, PushDelivery, PushStatus
from hub.outbox.models import OutboxMessage, OutboxStatus
from hub.scheduler.models import SchedulerLease

LIVE_PATHS = frozenset({"/livez", "/healthz"})
READY_PATH = "/readyz"
PROBE_NAME_LENGTH = 120


class HealthProbe(SQLModel, table=True):
    """One row per host, rewritten by every readiness check: proof that the database takes writes."""

    __tablename__ = "health_probe"

    name: str = Field(primary_key=True, max_length=PROBE_NAME_LENGTH)
    written_at: datetime = Field(sa_column=utc_column(nullable=False))


# --- what is waiting to go out: each outbox's oldest item that is due and not sent ------------------


def oldest_due_notification(session: Session, now: datetime) -> datetime | None:
    """A notification not yet fanned out to devices, due since it was made or its quiet hours ended."""
    due_since = func.coalesce(Notification.push_after, Notification.created_at)
    return session.exec(
        select(func.min(due_since)).where(
            Notification.push_status == PushStatus.PENDING,
            or_(Notification.push_after.is_(None), Notification.push_after <= now),
        )
    ).scalar()


def oldest_due_push(session: Session, now: datetime) -> datetime | None:
    """A push to one device that is due (or whose sender's claim ran out) and not sent."""
    return _oldest_due(session, PushDelivery, DeliveryStatus.PENDING, DeliveryStatus.SENDING, now)


def oldest_due_mail(session: Session, now: datetime) -> datetime | None:
    return _oldest_due(session, OutboxMessage, OutboxStatus.PENDING, OutboxStatus.SENDING, now)


def _oldest_due(session: Session, model, pending: str, sending: str, now: datetime) -> datetime | None:
    """Rows that are due (`next_attempt_at` passed) or were claimed by a sender whose claim ran out."""
    waiting = session.exec(
        select(func.min(model.next_attempt_at)).where(model.status == pending, model.next_attempt_at <= now)
    ).scalar()
    stuck = session.exec(
        select(func.min(model.claimed_until)).where(model.status == sending, model.claimed_until < now)
    ).scalar()
    return min((moment for moment in (waiting, stuck) if moment is not None), default=None)


# A new outbox adds its line here: (check name, its oldest due item).
OUTBOXES: list[tuple[str, Callable[[Session, datetime], datetime | None]]] = [
    ("push_outbox", oldest_due_notification),
    ("push_deliveries", oldest_due_push),
    ("mail_outbox", oldest_due_mail),
]


# --- the checks -------------------------------------------------------------------------------------

OK, DEGRADED, FAIL = "ok", "degraded", "fail"


@dataclass
class Result:
    status: str
    detail: str = ""
    seconds: float = 0.0

    def as_json(self) -> dict:
        answer = {"status": self.status, "seconds": round(self.seconds, 3)}
        if self.detail:
            answer["detail"] = self.detail
        return answer


class Failed(Exception):
    """A check's finding, said in its message (which never holds a secret or a person's data)."""


def _failure(check: Check, error: BaseException) -> str:
    # The kind of error only: a driver's message can name hosts, users or a statement.
    return str(error) if isinstance(error, Failed) else f"{check.failing} ({type(error).__name__})"


def check_database(app: Flask) -> str:
    with new_session(write=False, app=app) as session:
        session.exec(text("SELECT 1"))
    return "answers"


def check_database_writes(app: Flask) -> str:
    """A real write, committed: a read-only file, a full disk or a standby server fails it."""
    engine = app.extensions["hub_engine"]
    insert = postgresql_insert if engine.dialect.name == "postgresql" else sqlite_insert
    now = utcnow()
    statement = insert(HealthProbe).values(name=_host(), written_at=now)
    statement = statement.on_conflict_do_update(index_elements=["name"], set_={"written_at": now})
    with new_session(write=True, app=app) as session:
        session.exec(statement)
        session.commit()
    return "takes writes"


def check_migrations(app: Flask) -> str:
    """At the code's head, or ahead of it: during an upgrade the database is migrated first and
    the workers of the release before keep serving until they are rolled (a newer revision is
    one this code does not know). Behind the code is not ready: its queries would fail."""
    with new_session(write=False, app=app) as session:
        try:
            current = session.exec(text("SELECT version_num FROM alembic_version")).scalars().all()
        except Exception as error:
            raise Failed("no migrations have run (flask --app hub migrate)") from error
    head = migration_head()
    if current == [head]:
        return head
    known = known_revisions()
    if current and not any(revision in known for revision in current):
        return f"{', '.join(current)}, newer than this release's {head}"
    raise Failed(f"at {', '.join(current) or 'nothing'}, the code needs {head} (flask --app hub migrate)")


@cache
def migration_head() -> str:
    """The newest migration this code carries (it does not change while the process runs)."""
    from hub.migrate import head

    return head()


@cache
def known_revisions() -> frozenset[str]:
    from alembic.script import ScriptDirectory

    from hub.migrate import alembic_config

    return frozenset(script.revision for script in ScriptDirectory.from_config(alembic_config()).walk_revisions())


def check_scheduler(app: Flask) -> str:
    grace = app.config["HEALTH_LEASE_GRACE"]
    with new_session(write=False, app=app) as session:
        lease = session.get(SchedulerLease, "scheduler")
    if lease is None:
        raise Failed("no scheduler has ever run (flask --app hub scheduler)")
    late = (utcnow() - lease.expires_at).total_seconds()
    if late > grace:
        raise Failed(f"the scheduler's lease ran out {late:.0f} s ago: no scheduler is running")
    return "held" if late <= 0 else f"ran out {late:.0f} s ago, within the {grace} s a stand-by takes to take over"


def outbox_check(oldest: Callable[[Session, datetime], datetime | None]) -> Callable[[Flask], str]:
    def check(app: Flask) -> str:
        allowed = app.config["HEALTH_OUTBOX_AGE"]
        now = utcnow()
        with new_session(write=False, app=app) as session:
            since = oldest(session, now)
        if since is None:
            return "nothing due"
        age = (now - since).total_seconds()
        if age > allowed:
            raise Failed(f"the oldest due item has waited {age:.0f} s, over {allowed} s: is the scheduler sending?")
        return f"oldest due item {age:.0f} s"

    return check


def check_redis(app: Flask) -> str:
    from hub.security import limiter

    if not app.config.get("RATELIMIT_STORAGE_URI", "memory://").startswith(("redis", "rediss")):
        return "not used (limits count in memory)"
    if not limiter.storage.check():
        raise Failed("does not answer: limits count in each worker's memory until it is back")
    return "answers"


@dataclass(frozen=True)
class Check:
    name: str
    run: Callable[[Flask], str]
    failing: str  # what an error in it means
    when_failing: str = FAIL  # DEGRADED: reported, but the server stays ready
    deployment: bool = False  # about the whole deployment, not this server (left out by scope=server)


# In order: the database checks run one after another on one thread (a stalled database makes
# each wait), Redis on another.
DATABASE_CHECKS = [
    Check("database", check_database, "does not answer"),
    Check("database_writes", check_database_writes, "does not take a write"),
    Check("migrations", check_migrations, "could not be read"),
    Check("scheduler", check_scheduler, "the lease could not be read", deployment=True),
    *(Check(name, outbox_check(oldest), "could not be read", deployment=True) for name, oldest in OUTBOXES),
]
REDIS_CHECKS = [Check("redis", check_redis, "does not answer", when_failing=DEGRADED)]


@cache
def _host() -> str:
    return socket.gethostname()[:PROBE_NAME_LENGTH] or "unknown"


class Readiness:
    """Runs the checks on threads of its own, so the answer comes within the time limit even when
    a check hangs; a group still hanging from an earlier call is not started again beside it."""

    def __init__(self, app: Flask):
        self.app = app
        self.pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="readiness")
        self.busy: set[str] = set()
        self.lock = threading.Lock()

    def run(self, *, server_only: bool) -> tuple[int, dict]:
        started = time.monotonic()
        limit = self.app.config["HEALTH_TIMEOUT"]
        groups = {
            "database": [c for c in DATABASE_CHECKS if not (server_only and c.deployment)],
            "redis": REDIS_CHECKS,
        }
        results: dict[str, Result] = {}
        futures = {}
        for group, checks in groups.items():
            with self.lock:
                if group in self.busy:
                    for check in checks:
                        results[check.name] = Result(check.when_failing, "the previous check is still waiting")
                    continue
                self.busy.add(group)
            futures[group] = (self.pool.submit(self._run_group, group, checks, results), checks)
        for _group, (future, checks) in futures.items():
            try:
                future.result(timeout=max(0.0, limit - (time.monotonic() - started)))
            except FutureTimeout:
                pass
            for check in checks:  # what did not finish in time has failed
                results.setdefault(check.name, Result(check.when_failing, f"no answer within {limit} s", limit))
        order = [check.name for checks in groups.values() for check in checks]
        statuses = {results[name].status for name in order}
        overall = "not ready" if FAIL in statuses else "degraded" if DEGRADED in statuses else "ready"
        body = {
            "status": overall,
            "seconds": round(time.monotonic() - started, 3),
            "checks": {name: results[name].as_json() for name in order},
        }
        return (503 if overall == "not ready" else 200), body

    def _run_group(self, group: str, checks: list[Check], results: dict[str, Result]) -> None:
        try:
            with self.app.app_context():
                for check in checks:
                    began = time.monotonic()
                    try:
                        result = Result(OK, check.run(self.app))
                    except Exception as error:
                        result = Result(check.when_failing, _failure(check, error))
                    result.seconds = time.monotonic() - began
                    results.setdefault(check.name, result)  # not after the answer has gone
        finally:
            with self.lock:
                self.busy.discard(group)


class HealthEndpoints:
    """WSGI: /livez, /healthz and /readyz answered before the app; everything else to the app.
    A health check's access line has its request id and route like any other (hub/logs.py)."""

    def __init__(self, wsgi_app, app: Flask):
        self.wsgi_app = wsgi_app
        self.readiness = Readiness(app)
        self.health = RequestIds(self._health, trust_header=app.config.get("PROXY_HOPS", 0) > 0)

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path not in LIVE_PATHS and path != READY_PATH:
            return self.wsgi_app(environ, start_response)
        return self.health(environ, start_response)

    def _health(self, environ, start_response):
        path = environ["PATH_INFO"]
        environ[ROUTE] = path
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return _answer(start_response, 405, {"status": "only GET"}, environ, [("Allow", "GET, HEAD")])
        if path in LIVE_PATHS:
            return _answer(start_response, 200, {"status": "alive"}, environ)
        scope = parse_qs(environ.get("QUERY_STRING", "")).get("scope", [""])[0]
        status, body = self.readiness.run(server_only=scope == "server")
        return _answer(start_response, status, body, environ)


STATUS_LINES = {200: "200 OK", 405: "405 Method Not Allowed", 503: "503 Service Unavailable"}


def _answer(start_response, status: int, body: dict, environ, extra: list | None = None):
    data = json.dumps(body).encode()
    start_response(
        STATUS_LINES[status],
        [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(data))),
            ("Cache-Control", "no-store"),
            *(extra or []),
        ],
    )
    return [b"" if environ.get("REQUEST_METHOD") == "HEAD" else data]


def init_app(app: Flask) -> None:
    """Outside the host check, the proxy fix and the app: see the module's docstring."""
    app.wsgi_app = HealthEndpoints(app.wsgi_app, app)
