"""The database: one engine per app, one session per request, one commit at the boundary.

Views and services only `flush()`; the request commits once when it answers with a
non-error status, then runs what was queued with `after_commit()` (push, mail).
On SQLite every write transaction starts with BEGIN IMMEDIATE: a deferred transaction that
reads and then writes fails with "database is locked" under concurrency, busy timeout or not.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import DateTime, Engine, create_engine, event
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


def make_engine(url: str) -> Engine:
    """An engine with the connection settings Ungehub relies on."""
    # A failed statement's error names its statement but never its values (names, e-mails,
    # message text), so a traceback in the log carries no one's personal data.
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, hide_parameters=True)
        _configure_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10, hide_parameters=True)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        # Let SQLAlchemy's "begin" event, not pysqlite, decide how a transaction starts.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
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
    if "db_session" not in g:
        writes = _request_writes() if request else True
        g.db_session = new_session(write=writes)
        g.after_commit = []
    return g.db_session


def after_commit(callback: Callable[[], None]) -> None:
    """Run `callback` once the request's work is committed (never if it rolls back)."""
    get_session()
    g.after_commit.append(callback)


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
    app.extensions["hub_engine"] = make_engine(app.config["DATABASE_URL"])

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
