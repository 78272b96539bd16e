"""Fixtures: an app on a fresh database per test (SQLite, and PostgreSQL when
HUB_TEST_DATABASE_URL is set), a CSRF-aware client, factories and a logged-in user per role."""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer
from py_vapid import Vapid02
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

import hub.models  # noqa: F401
from hub import create_app
from hub.db import job_session
from tests import route_cache
from tests.factories import DEFAULT_PASSWORD, TEST_TOTP_SECRET, make_user

# The frozen clock of the date-dependent tests (`@pytest.mark.clock`) and HUB_TEST_NOW: tests/clock.py.
pytest_plugins = ["tests.clock"]

route_cache.install()  # a fresh app per test, without compiling its URL builders again
PG_URL = os.environ.get("HUB_TEST_DATABASE_URL")
REDIS = ("127.0.0.1", 6379)  # the machine's Redis, which CI has


def redis_running() -> bool:
    import socket

    try:
        with socket.create_connection(REDIS, timeout=0.5):
            return True
    except OSError:
        return False


BACKENDS = ["sqlite", "postgresql"]


def pg_admin_url() -> str:
    return make_url(PG_URL).render_as_string(hide_password=False)


def create_pg_database(name: str) -> str:
    """A new, empty PostgreSQL database beside the test one; returns its URL."""
    admin = create_engine(pg_admin_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


def drop_pg_database(name: str) -> None:
    admin = create_engine(pg_admin_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def backend_url_factory(tmp_path_factory):
    """Make empty databases of either kind; PostgreSQL ones are dropped at the end."""
    made: list[str] = []

    def make(backend: str) -> str:
        if backend == "sqlite":
            return f"sqlite:///{tmp_path_factory.mktemp('db') / 'empty.sqlite3'}"
        if not PG_URL:
            pytest.skip("PostgreSQL: HUB_TEST_DATABASE_URL is not set (CI sets it)")
        name = f"ungehub_t_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        made.append(name)
        return create_pg_database(name)

    yield make
    for name in made:
        drop_pg_database(name)


@pytest.fixture(scope="session", params=BACKENDS)
def database(request, backend_url_factory, tmp_path_factory):
    """One schema per backend for the whole run; tests get a fresh copy of it."""
    backend = request.param
    url = backend_url_factory(backend)
    engine = create_engine(url)
    SQLModel.metadata.create_all(engine)
    engine.dispose()
    return backend, url


@pytest.fixture
def db_url(database, tmp_path) -> str:
    backend, url = database
    if backend == "sqlite":
        # Copy the ready-made schema: much faster than building it per test.
        template = Path(make_url(url).database)
        target = tmp_path / "ungehub.sqlite3"
        shutil.copyfile(template, target)
        return f"sqlite:///{target}"
    engine = create_engine(url)
    with engine.begin() as conn:
        # Only what the last test touched: truncating all sixty tables costs a fifth of a second a
        # test, finding the few with rows or a used id sequence costs a fiftieth.
        touched = [name for (name,) in conn.execute(_TOUCHED)]
        if touched:
            tables = ", ".join(f'"{name}"' for name in touched)
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()
    return url


def _touched_tables_query():
    """The tables that hold rows, or whose id sequence has handed out a number."""
    names = [table.name for table in SQLModel.metadata.sorted_tables]
    with_rows = " UNION ".join(f"SELECT '{name}' WHERE EXISTS (SELECT 1 FROM \"{name}\")" for name in names)
    used_ids = (
        "SELECT t.relname FROM pg_class s JOIN pg_depend d ON d.objid = s.oid AND d.deptype IN ('a', 'i') "
        "JOIN pg_class t ON t.oid = d.refobjid JOIN pg_sequences q ON q.sequencename = s.relname "
        "AND q.schemaname = current_schema() WHERE s.relkind = 'S' AND q.last_value IS NOT NULL"
    )
    return text(f"{with_rows} UNION {used_ids}")


_TOUCHED = _touched_tables_query()


class Client(FlaskClient):
    """A test client that sends the CSRF token on writes, as the real pages do."""

    def csrf_token(self) -> str:
        with self.session_transaction() as session:
            raw = session.setdefault("csrf_token", uuid.uuid4().hex)
        return URLSafeTimedSerializer(self.application.secret_key, salt="wtf-csrf-token").dumps(raw)

    def open(self, *args, csrf: bool = True, **kwargs):
        method = (kwargs.get("method") or "GET").upper()
        if csrf and method not in ("GET", "HEAD", "OPTIONS"):
            headers = dict(kwargs.pop("headers", None) or {})
            headers.setdefault("X-CSRFToken", self.csrf_token())
            kwargs["headers"] = headers
        return super().open(*args, **kwargs)


# One VAPID key for the whole run: making a key pair per test would only cost time.
_VAPID = Vapid02()
_VAPID.generate_keys()
TEST_VAPID_PEM = _VAPID.private_pem()


def app_config(db_url: str, tmp_path: Path) -> dict:
    return {
        "VAPID_PRIVATE_PEM": TEST_VAPID_PEM,
        "PUSH_SEND_NOW": False,  # tests run the sweep themselves, in step
        # The local push service of the tests (tests/push_endpoint.py) listens on 127.0.0.1, on any port.
        "PUSH_ALLOWED_HOSTS": ["127.0.0.1"],
        "PUSH_ALLOW_LOOPBACK": True,
        "EVALUATION_KEY": "test-evaluation-key",  # never the instance file of a developer's machine
        "TESTING": True,
        "DATABASE_URL": db_url,
        "SECRET_KEY": "test-secret",
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_COST": 1024,
        "RATELIMIT_STORAGE_URI": "memory://",
    }


@pytest.fixture
def app(db_url, tmp_path):
    app = create_app(app_config(db_url, tmp_path))
    app.test_client_class = Client
    yield app
    app.extensions["hub_engine"].dispose()


@pytest.fixture
def client(app) -> Client:
    return app.test_client()


@pytest.fixture
def make(app):
    """Create rows in their own committed transaction: `make.user(is_young=True)`."""

    class Maker:
        def user(self, **overrides):
            with app.app_context(), job_session() as session:
                return make_user(session, **overrides)

    return Maker()


@pytest.fixture
def world(app):
    """`with world() as s:` is one committed step: its own app context and session, so
    requests made in between get their own (and their own logged-in person)."""
    import contextlib

    @contextlib.contextmanager
    def step():
        with app.app_context(), job_session() as session:
            yield session

    return step


@pytest.fixture
def english(client):
    """For tests that read the English copy (Danish is the default); it survives logging in."""
    client.get("/?lang=en")


def totp_code_for(app, user_id: int) -> str:
    """A code from the user's authenticator app that the server will accept now.

    The server never accepts the same 30-second step twice (replay protection), so when the
    same person logged in moments ago the current step may be spent: then the next step (still
    inside the ±1 drift window) is used, and as a last resort the stored `last_used_step` is
    moved back one step, which only tests do. Gives the person an app with the test secret if
    they have none (a user promoted to staff after it was made).
    """
    import pyotp
    from sqlmodel import select

    from hub.accounts.second_factor import current_step
    from hub.accounts.second_factor_models import TotpSecret

    with app.app_context(), job_session() as session:
        totp = session.exec(select(TotpSecret).where(TotpSecret.user_id == user_id)).first()
        if totp is None:
            totp = TotpSecret(user_id=user_id, secret=TEST_TOTP_SECRET)
            session.add(totp)
        now = current_step()
        step = now if totp.last_used_step is None or totp.last_used_step < now else now + 1
        if totp.last_used_step is not None and totp.last_used_step >= step:
            totp.last_used_step, step = now - 1, now
        return pyotp.TOTP(totp.secret).generate_otp(step)


def pass_second_step_over_http(app, http, base: str, email: str) -> None:
    """For tests that log in over real HTTP (a `requests.Session`): answer the staff second step."""
    import re

    from sqlmodel import select

    from hub.accounts.models import User

    page = http.get(base + "/me/two-factor", timeout=30)
    if 'data-state="verify"' not in page.text:
        return  # not asked: not staff
    with app.app_context(), job_session() as session:
        user_id = session.exec(select(User.id).where(User.email == email)).one()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    code = totp_code_for(app, user_id)
    answer = http.post(
        base + "/me/two-factor", data={"csrf_token": token, "code": code}, allow_redirects=False, timeout=30
    )
    assert answer.status_code == 303, answer.status_code


class Auth:
    def __init__(self, client: Client):
        self.client = client

    def login(self, user, password: str = DEFAULT_PASSWORD, *, second_factor: bool = True, **form):
        """Log in; for staff and admins also answer the second step, unless `second_factor=False`."""
        response = self.client.post("/login", data={"email": user.email, "password": password, **form})
        assert response.status_code == 303, response.get_data(as_text=True)[:500]
        if second_factor and "/me/two-factor" in response.headers["Location"]:
            code = totp_code_for(self.client.application, user.id)
            response = self.client.post(response.headers["Location"], data={"code": code})
            assert response.status_code == 303, response.get_data(as_text=True)[:500]
        return response

    def logout(self):
        return self.client.post("/logout")


@pytest.fixture
def auth(client) -> Auth:
    return Auth(client)


ROLE_USERS = {
    "young": {"is_young": True},
    "support": {"support_type": "caseworker"},
    "mentor": {"is_mentor": True},
    "staff": {"is_staff": True},
    "admin": {"is_admin": True, "is_staff": True},
}


@pytest.fixture
def login_as(make, auth):
    """Log the client in as a new user of a role: `user = login_as("staff")`."""

    def login(role: str, **overrides):
        user = make.user(**{**ROLE_USERS[role], **overrides})
        auth.login(user)
        return user

    return login


@pytest.fixture
def live_server(app):
    """The app on a real, threaded HTTP server on a free port: `live_server.url`."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{server.server_port}"
    yield server
    server.shutdown()
    thread.join(5)


@pytest.fixture
def gunicorn_server(db_url, tmp_path):
    """The app under gunicorn (3 worker processes, 4 threads each) on this test's database."""
    import subprocess
    import sys
    import time
    import urllib.request

    from hub import ROOT

    with __import__("socket").socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("HUB_")},
        "HUB_DATABASE_URL": db_url,
        "HUB_SECRET_KEY": "test-secret",
        "HUB_ARGON2_TIME_COST": "1",
        "HUB_ARGON2_MEMORY_COST": "1024",
    }
    log = (tmp_path / "gunicorn.log").open("w")
    gunicorn = Path(sys.executable).parent / "gunicorn"
    process = subprocess.Popen(
        [str(gunicorn), "-w", "3", "--threads", "4", "-b", f"127.0.0.1:{port}", "hub:create_app()"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(url + "/healthz", timeout=1)
            break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise RuntimeError((tmp_path / "gunicorn.log").read_text()) from None
            time.sleep(0.2)
    yield url
    process.terminate()
    process.wait(15)
    log.close()
