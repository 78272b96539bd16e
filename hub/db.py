"""The database: one engine per app, one session per request, one commit at the boundary.

Views and services only `flush()`; the request commits once when it answers with a
non-error status, then runs what was queued with `after_commit()` (push, mail).
On SQLite every write transaction starts with BEGIN IMMEDIATE: a deferred transaction that
reads and then writes fails with "database is locked" under concurrency, busy timeout or not.

Nothing waits on the database for long (`Timeouts`): a database that is down, stalled or
locked becomes an error within seconds, which the error pages answer with a 503, so a stall
never holds every thread of a server while pages that need no database wait behind it.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

import psycopg
from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import DateTime, Engine, create_engine, event, exc, make_url
from sqlalchemy.types import TypeDecorator
from sqlmodel import Session

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
MAX_ID = 2**31 - 1  # ids are 32-bit integers; PostgreSQL refuses to compare them with more


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC timestamp on every database (SQLite keeps no zone of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@dataclass(frozen=True)
class Timeouts:
    """How long, in seconds, the app waits on the database before it gives up (HUB_DB_*)."""

    connect: int  # to open a connection
    statement: int  # for one statement (the server cancels it; past it, see _AnsweringConnection)
    lock: int  # for a row lock another transaction holds; on SQLite, for the write lock
    pool: int  # for a free connection from the worker's pool

    @classmethod
    def from_config(cls, config: Mapping) -> Timeouts:
        return cls(
            connect=config["DB_CONNECT_TIMEOUT"],
            statement=config["DB_STATEMENT_TIMEOUT"],
            lock=config["DB_LOCK_TIMEOUT"],
            pool=config["DB_POOL_TIMEOUT"],
        )


def make_engine(url: str, timeouts: Timeouts | None = None) -> Engine:
    """An engine with the connection settings Ungehub relies on.

    Without `timeouts` (migrations, which may rightly run long) statements are not cut short.
    """
    # A failed statement's error names its statement but never its values (names, e-mails,
    # message text), so a traceback in the log carries no one's personal data.
    if url.startswith("sqlite"):
        busy = timeouts.lock if timeouts else 30
        engine = create_engine(url, connect_args={"timeout": busy, "check_same_thread": False}, hide_parameters=True)
        _configure_sqlite(engine, busy_seconds=busy)
        return engine
    if timeouts is None:
        return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10, hide_parameters=True)
    psycopg_driver = make_url(url).get_driver_name() == "psycopg"
    engine = create_engine(
        url,
        pool_pre_ping=not psycopg_driver,  # psycopg's connections are checked by _wait_briefly, within a limit
        pool_size=5,
        max_overflow=10,
        pool_timeout=timeouts.pool,
        hide_parameters=True,
        connect_args={
            "connect_timeout": timeouts.connect,
            # Set at connection start, so every transaction has them; behind PgBouncer (which
            # refuses startup options) set them on the database role instead.
            "options": f"-c statement_timeout={timeouts.statement * 1000} -c lock_timeout={timeouts.lock * 1000}",
        },
    )
    if psycopg_driver:
        _wait_briefly(engine, timeouts)
    return engine


def _wait_briefly(engine: Engine, timeouts: Timeouts) -> None:
    """PostgreSQL through psycopg: no wait on the server outlasts the timeouts.

    - Every answer comes within the statement timeout and a second, or the connection is given
      up (`_AnsweringConnection`): the server cancels a slow statement itself, so only a server
      or network that has gone silent is cut off this way.
    - A pooled connection is checked before each use (SQLAlchemy's pre-ping, with the connect
      timeout as its limit: an idle server answers it at once).
    - Once the database could not be reached, or went silent, new connections fail at once for
      the connect timeout (`_Reachability`), one request at a time trying again: during an
      outage requests get their 503 at once instead of each holding a thread for seconds.
    """
    reachability = _Reachability(timeouts.connect)
    answer_within = timeouts.statement + 1

    @event.listens_for(engine, "do_connect")
    def connect(_dialect, _record, cargs, cparams):
        reachability.may_try()
        try:
            connection = _AnsweringConnection.connect(*cargs, **cparams)
        except psycopg.OperationalError:
            reachability.failed()
            raise
        reachability.reached()
        connection.answer_within, connection.on_silence = answer_within, reachability.failed
        return connection

    @event.listens_for(engine, "checkout")
    def ping(dbapi_connection, _record, _proxy):
        dbapi_connection.answer_within = timeouts.connect
        try:
            engine.dialect.do_ping(dbapi_connection)
        except psycopg.Error as error:  # the pool throws it away and takes a new connection
            raise exc.DisconnectionError(f"a pooled connection was lost ({type(error).__name__})") from error
        finally:
            dbapi_connection.answer_within = answer_within


class _Reachability:
    """Whether to try connecting: not again within `seconds` of a failure, except for one caller
    at a time once they have passed (if it connects, everyone may again)."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.next_try = 0.0
        self.lock = threading.Lock()

    def may_try(self) -> None:
        with self.lock:
            now = time.monotonic()
            if now < self.next_try:
                raise psycopg.OperationalError("the database could not be reached a moment ago: not trying yet")
            if self.next_try:  # after a failure: this caller tries, the others wait their turn
                self.next_try = now + self.seconds

    def failed(self) -> None:
        with self.lock:
            self.next_try = time.monotonic() + self.seconds

    def reached(self) -> None:
        with self.lock:
            self.next_try = 0.0


class _AnsweringConnection(psycopg.Connection):
    """A psycopg connection that waits at most `answer_within` seconds for any answer.

    statement_timeout is kept by the server: when the server (or the network to it) stops
    answering, nothing cancels anything, and a thread would wait until TCP gives up on the
    connection, many minutes later. Past the deadline the connection is closed, never used
    again, and the caller gets an OperationalError that SQLAlchemy takes for a lost connection
    (it then throws the pool's older connections away too).
    """

    answer_within: float | None = None
    on_silence: Callable[[], None] | None = None

    def wait(self, gen, interval=0.1, timeout=None):
        if timeout is not None or not self.answer_within:
            return super().wait(gen, interval, timeout)
        try:
            return super().wait(gen, interval, self.answer_within)
        except psycopg.errors._WaitTimeout:  # psycopg's own, for the timeout it was given
            self.close()
            if self.on_silence:
                self.on_silence()
            raise psycopg.OperationalError(f"the database did not answer within {self.answer_within:g} s") from None


def database_unavailable(error: BaseException) -> bool:
    """The database could not be reached, did not answer in time, or was locked or out of room:
    an outage to wait out (503), not a fault in the request (500)."""
    if isinstance(error, exc.TimeoutError):  # no free connection in the pool in time
        return True
    return isinstance(error, exc.OperationalError) or (
        isinstance(error, exc.DBAPIError) and error.connection_invalidated
    )


def _configure_sqlite(engine: Engine, *, busy_seconds: int) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        # Let SQLAlchemy's "begin" event, not pysqlite, decide how a transaction starts.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={busy_seconds * 1000}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(conn):
        writes = conn.get_execution_options().get("hub_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")


def engine_for(app: Flask | None = None) -> Engine:
    return (app or current_app).extensions["hub_engine"]


def new_session(*, write: bool, app: Flask | None = None) -> Session:
    engine = engine_for(app)
    bind = engine.execution_options(hub_write=True) if write else engine
    return Session(bind=bind, expire_on_commit=False)


def writes(view: Callable) -> Callable:
    """Mark a GET view that writes as it reads (an audit line, a read mark): its request takes
    the write lock at once, like a POST. Without it, SQLite cannot turn the page's read into a
    write once another request has committed since ("database is locked")."""
    view.hub_writes = True
    return view


def _request_writes() -> bool:
    if request.method in WRITE_METHODS:
        return True
    view = current_app.view_functions.get(request.endpoint or "")
    return getattr(view, "hub_writes", False)


def require_write(session: Session) -> None:
    """For code that writes while a page is read: the request must have been marked with `writes`."""
    if (
        current_app.testing
        and has_request_context()
        and not session.get_bind().get_execution_options().get("hub_write")
    ):
        raise RuntimeError(f"{request.endpoint} writes on {request.method}: mark the view with hub.db.writes")


def get_session() -> Session:
    """The request's session, opened on first use; write requests take the write lock at once."""
    if g.get("db_failed"):
        # An error page is being drawn after the database failed: it must not ask it again.
        raise RuntimeError("the database failed in this request: an error page must not query it")
    if "db_session" not in g:
        writes = _request_writes() if request else True
        g.db_session = new_session(write=writes)
        g.after_commit = []
    return g.db_session


def after_commit(callback: Callable[[], None]) -> None:
    """Run `callback` once the request's work is committed (never if it rolls back)."""
    get_session()
    g.after_commit.append(callback)


def discard_session() -> None:
    """Before an error page: roll the request's work back and let go of its connection; the
    page is drawn from nothing but the request (see hub.errors) and asks the database nothing."""
    g.db_failed = True
    g.pop("after_commit", None)
    session = g.pop("db_session", None)
    if session is None:
        return
    try:
        session.rollback()
    except Exception:  # the connection is gone: closing below hands it back, or throws it away
        pass
    finally:
        session.close()


@contextlib.contextmanager
def job_session(app: Flask | None = None) -> Iterator[Session]:
    """A session for a CLI command or scheduled job: commit on success, roll back on error."""
    session = new_session(write=True, app=app)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def init_app(app: Flask) -> None:
    app.extensions["hub_engine"] = make_engine(app.config["DATABASE_URL"], Timeouts.from_config(app.config))

    @app.after_request
    def commit_at_boundary(response):
        session = g.pop("db_session", None)
        if session is None:
            return response
        callbacks = g.pop("after_commit", [])
        try:
            if response.status_code < 400:
                session.commit()
            else:
                session.rollback()
                callbacks = []
        finally:
            session.close()
        for callback in callbacks:
            try:
                callback()
            except Exception:  # a failed notification must not undo a saved action
                app.logger.exception("after-commit callback failed")
        return response

    @app.teardown_request
    def close_on_error(_exc):
        session = g.pop("db_session", None)
        if session is not None:
            session.rollback()
            session.close()
