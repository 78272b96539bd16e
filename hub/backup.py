"""A consistent copy of the database, taken while the app runs: `flask --app hub backup FILE`.

SQLite: the online backup API copies the database page by page under a read transaction, so
what other connections have committed, in the WAL file too, is in the copy and what they have
not committed is not; writers are not stopped. The copy is an ordinary database file: restore it
by pointing `HUB_DATABASE_URL` at it (or putting it in the old file's place with the app stopped).

PostgreSQL: pg_dump's custom format (one snapshot, compressed), restored with pg_restore into a
new, empty database. The password goes to pg_dump through PGPASSWORD, never its command line.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupError(Exception):
    """The backup could not be written; the message says why, in one line."""


def write(database_url: str, target: Path) -> str:
    """Back the database up into `target` (which must not exist); returns what was written."""
    if target.exists():
        raise BackupError(f"{target} exists; choose a new file (a backup never overwrites one).")
    if not target.parent.is_dir():
        raise BackupError(f"{target.parent} is not a folder.")
    url = make_url(database_url)
    partial = target.with_name(f".{target.name}.partial")
    try:
        if url.get_backend_name() == "sqlite":
            what = _sqlite(url.database, partial)
        elif url.get_backend_name() == "postgresql":
            what = _pg_dump(url, partial)
        else:
            raise BackupError(f"Backing up {url.get_backend_name()} is not supported.")
        partial.replace(target)  # a backup file that exists is complete
    finally:
        partial.unlink(missing_ok=True)
    return what


def _sqlite(path: str | None, partial: Path) -> str:
    if not path or path == ":memory:" or not Path(path).exists():
        raise BackupError(f"There is no SQLite database at {path!r}.")
    source = sqlite3.connect(path, timeout=30)  # only reads; writers keep writing (WAL)
    copy = sqlite3.connect(partial)
    try:
        source.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        (check,) = copy.execute("PRAGMA quick_check").fetchone()
        if check != "ok":
            raise BackupError(f"The copy failed its integrity check: {check}")
    finally:
        copy.close()
        source.close()
    return f"SQLite database copied with the online backup API ({partial.stat().st_size} bytes)"


def _pg_dump(url, partial: Path) -> str:
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise BackupError("pg_dump is not installed (Debian: apt install postgresql-client, of the server's version).")
    # libpq reads the same URL, without the driver name; the password travels in the environment.
    target = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    done = subprocess.run(
        [pg_dump, "--format=custom", "--file", str(partial), "--dbname", target],
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
    return f"PostgreSQL database dumped with pg_dump's custom format ({partial.stat().st_size} bytes)"
