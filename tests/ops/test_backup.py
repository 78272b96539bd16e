"""A backup taken as the README says, while the database is in use, restores into a new database
that the app serves: the demo database (migrated, with hub/demo.py's data) is backed up with
`flask --app hub backup` (SQLite's online backup API, or pg_dump's custom format) while another
connection holds an unfinished write, restored (the file itself, or pg_restore into a new
database), and served by gunicorn; Sara logs in and sees her plan. Every table has the same rows
as the original, and the unfinished write is not in the copy while everything committed before
it is.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from alembic import command
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

import hub.models  # noqa: F401
from hub import ROOT
from tests.ops.test_upgrade import alembic, load_demo

BIN = Path(sys.executable).parent
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
SARA, DEMO_PASSWORD = "ung@example.org", "ungehub-demo"
SARAS_GOAL = "Komme ind på pædagoguddannelsen"  # from hub/plans/demo.py


def cli_env(url: str) -> dict:
    """The settings an operator's shell has: the database, and the app's key (gunicorn_server's)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("HUB_")}
    env.update(HUB_DATABASE_URL=url, HUB_SECRET_KEY="test-secret", HUB_ARGON2_TIME_COST="1")
    env["HUB_ARGON2_MEMORY_COST"] = "1024"
    return env


def run(args: list, env: dict | None = None) -> str:
    done = subprocess.run([str(a) for a in args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, f"{' '.join(map(str, args))} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
    return done.stdout


def row_counts(url: str) -> dict[str, int]:
    engine = create_engine(url)
    with engine.connect() as connection:
        names = [table.name for table in SQLModel.metadata.sorted_tables] + ["alembic_version"]
        counts = {name: connection.execute(text(f'SELECT count(*) FROM "{name}"')).scalar_one() for name in names}
    engine.dispose()
    return counts


def post_form(http: requests.Session, url: str, **fields) -> requests.Response:
    """Fill in the form on the page at `url` and send it, as a browser does."""
    token = CSRF.search(http.get(url, timeout=30).text).group(1)
    return http.post(url, data={"csrf_token": token, **fields}, timeout=30)


class Writers:
    """Another connection's writes: one committed (on SQLite it stays in the WAL file, not yet in
    the database file, as long as this connection is open) and one left unfinished."""

    def __init__(self, url: str):
        self.engine = create_engine(url)
        self.connection = self.engine.connect()
        if self.engine.dialect.name == "sqlite":
            self.connection.exec_driver_sql("PRAGMA journal_mode=WAL")
            self.connection.exec_driver_sql("PRAGMA wal_autocheckpoint=0")  # the committed write stays in the WAL
            self.connection.commit()
        with self.connection.begin():
            self._rename(SARA, "Sara Committed")
        self.open = self.connection.begin()
        self._rename("mads@example.org", "Mads Unfinished")  # holds the write lock (SQLite), a row lock (PostgreSQL)

    def _rename(self, email: str, name: str) -> None:
        self.connection.execute(text("UPDATE user_account SET name = :n WHERE email = :e"), {"n": name, "e": email})

    def close(self) -> None:
        self.open.rollback()
        self.connection.close()
        self.engine.dispose()


def restore(backend: str, backup: Path, target_url: str) -> None:
    """The README's restore: the file is the database (SQLite); pg_restore into a new one (PostgreSQL)."""
    if backend == "sqlite":
        shutil.copyfile(backup, make_url(target_url).database)
        return
    target = make_url(target_url)
    run(
        [
            "pg_restore",
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--dbname",
            target.set(drivername="postgresql").render_as_string(hide_password=False),
            backup,
        ]
    )


@pytest.fixture(params=["sqlite", "postgresql"])
def restored(request, backend_url_factory, tmp_path):
    """The demo database backed up while in use, and restored into a new database: (original, copy)."""
    backend = request.param
    if backend == "postgresql" and not shutil.which("pg_restore"):
        pytest.fail("pg_restore is missing: install postgresql-client of the server's version")
    original = backend_url_factory(backend)
    env = cli_env(original)
    command.upgrade(alembic(original), "head")  # in this process: quicker than the commands, the same work
    load_demo(original, tmp_path)

    writers = Writers(original)
    try:
        backup = tmp_path / ("ungehub.sqlite3" if backend == "sqlite" else "ungehub.dump")
        said = run([BIN / "flask", "--app", "hub", "backup", backup], env)
        assert str(backup) in said
        if backend == "sqlite":
            # Proof the committed write was in the WAL only: a plain copy of the database file misses it.
            plain = tmp_path / "plain-copy.sqlite3"
            shutil.copyfile(make_url(original).database, plain)
            assert (
                sqlite3.connect(plain).execute("SELECT name FROM user_account WHERE email = ?", (SARA,)).fetchone()[0]
                != "Sara Committed"
            )
    finally:
        writers.close()

    if backend == "sqlite":
        copy = f"sqlite:///{tmp_path / 'restored' / 'ungehub.sqlite3'}"
        Path(make_url(copy).database).parent.mkdir()
    else:
        copy = backend_url_factory(backend)  # a new, empty database
    restore(backend, backup, copy)
    return original, copy


@pytest.fixture
def db_url(restored) -> str:
    """gunicorn_server serves the restored copy."""
    return restored[1]


def test_the_restored_backup_has_every_committed_row_and_is_served(restored, gunicorn_server):
    original, copy = restored
    assert row_counts(copy) == row_counts(original)
    assert row_counts(copy)["user_account"] >= 9
    engine = create_engine(copy)
    with engine.connect() as connection:
        names = dict(connection.execute(text("SELECT email, name FROM user_account")).all())
    engine.dispose()
    assert names[SARA] == "Sara Committed" and names["mads@example.org"] == "Mads Kristensen"

    http = requests.Session()
    answer = post_form(http, gunicorn_server + "/login", email=SARA, password=DEMO_PASSWORD)
    if urlsplit(answer.url).path == "/privacy/accept":  # the demo's young people have not said yes yet
        answer = post_form(http, answer.url, accept="y")
    assert answer.status_code == 200 and urlsplit(answer.url).path == "/", answer.url
    plan = http.get(gunicorn_server + "/plan", timeout=30)
    assert plan.status_code == 200 and urlsplit(plan.url).path == "/plan", plan.url
    assert SARAS_GOAL in plan.text


def test_a_backup_never_overwrites_a_file(tmp_path):
    database = tmp_path / "ungehub.sqlite3"
    sqlite3.connect(database).close()
    existing = tmp_path / "backup.sqlite3"
    existing.write_bytes(b"yesterday's backup")
    done = subprocess.run(
        [BIN / "flask", "--app", "hub", "backup", existing],
        cwd=ROOT,
        env=cli_env(f"sqlite:///{database}"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0 and "exists" in done.stderr
    assert existing.read_bytes() == b"yesterday's backup"
