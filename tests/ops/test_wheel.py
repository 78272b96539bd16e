"""The built wheel is a working app.

The wheel is built from a copy of the checkout and installed, with the runtime lock's releases, into
a fresh virtualenv in a folder of its own; every command then runs there, with the checkout neither
the working directory nor on sys.path. From its own files only, the installed app migrates an empty
database, serves a page in Danish and a static file under gunicorn, and knows the common passwords.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from sqlmodel import SQLModel

import hub.models  # noqa: F401  (every table on SQLModel.metadata)
from hub import migrate

ROOT = Path(__file__).resolve().parents[2]
LOCKS = ROOT / "requirements"
STARTUP_SECONDS = 60


def run(command: list, cwd: Path, env: dict | None = None, timeout: int = 600) -> str:
    done = subprocess.run(
        [str(part) for part in command], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, f"{' '.join(map(str, command))} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def copy_checkout(target: Path) -> None:
    """What a clone would hold, uncommitted changes included: nothing from build/ or .venv/ gets in."""
    listed = run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT)
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


@pytest.fixture(scope="module")
def place(tmp_path_factory) -> Path:
    """A folder outside the checkout; the installed app runs with it as working directory."""
    return tmp_path_factory.mktemp("installed")


@pytest.fixture(scope="module")
def environ(place) -> dict[str, str]:
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")  # HOME: pip's cache of downloaded releases
    env = {name: os.environ[name] for name in keep if name in os.environ}
    return {**env, "HUB_DATABASE_URL": f"sqlite:///{place / 'ungehub.sqlite3'}", "HUB_ARGON2_MEMORY_COST": "1024"}


@pytest.fixture(scope="module")
def venv(place, environ) -> Path:
    source, dist, venv = place / "source", place / "dist", place / "venv"
    copy_checkout(source)
    # Built by this environment's setuptools and Babel, the releases requirements/ locks.
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", dist, source], cwd=place)
    shutil.rmtree(source)
    run([sys.executable, "-m", "venv", venv], cwd=place)
    pip = venv / "bin" / "pip"
    run(
        [pip, "install", "--quiet", "--no-compile", "--require-hashes", "-r", LOCKS / "build.txt"],
        cwd=place,
        env=environ,
    )
    run(
        [
            pip,
            "install",
            "--quiet",
            "--no-compile",
            "--require-hashes",
            "--no-build-isolation",
            "-r",
            LOCKS / "runtime.txt",
        ],
        cwd=place,
        env=environ,
    )
    (wheel,) = dist.glob("ungehub-*.whl")
    run([pip, "install", "--quiet", "--no-compile", "--no-deps", wheel], cwd=place, env=environ)
    run([pip, "check"], cwd=place, env=environ)  # the runtime lock holds everything the wheel asks for
    return venv


@pytest.fixture(scope="module")
def migrated(venv, place, environ) -> str:
    return run([venv / "bin" / "flask", "--app", "hub", "migrate"], cwd=place, env=environ)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server(venv, migrated, place, environ):
    port = free_port()
    gunicorn = [venv / "bin" / "gunicorn", "-c", "python:hub.gunicorn_conf", "--workers", "1", "--threads", "2"]
    log = place / "gunicorn.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(part) for part in [*gunicorn, "--bind", f"127.0.0.1:{port}", "hub:create_app()"]],
            cwd=place,
            env=environ,
            stdout=subprocess.DEVNULL,
            stderr=out,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + STARTUP_SECONDS
    try:
        while True:
            assert process.poll() is None, f"gunicorn stopped:\n{log.read_text()}"
            try:
                requests.get(f"{base}/login", timeout=STARTUP_SECONDS)  # the worker may still be booting
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "gunicorn did not answer within a minute"
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_the_app_runs_from_the_installed_package_only(venv, place, environ):
    found = run(
        [venv / "bin" / "python", "-c", "import hub, sys; print(hub.__file__, hub.INSTALLED, sys.path)"], place, environ
    )
    where, installed, path = found.split(" ", 2)
    assert Path(where).is_relative_to(venv) and installed == "True"
    assert str(ROOT) not in path


def test_the_installed_migrations_bring_an_empty_database_to_the_newest_schema(migrated, place):
    assert f"The database is at {migrate.head()}." in migrated
    with sqlite3.connect(place / "ungehub.sqlite3") as database:
        (version,) = database.execute("SELECT version_num FROM alembic_version").fetchone()
        tables = {name for (name,) in database.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert version == migrate.head()
    assert set(SQLModel.metadata.tables) <= tables


def test_gunicorn_serves_a_danish_page_and_its_static_files(server):
    page = requests.get(f"{server}/login", timeout=10)
    assert page.status_code == 200
    assert '<html lang="da">' in page.text and "Log ind" in page.text and "Adgangskode" in page.text
    stylesheet = re.search(r'<link rel="stylesheet" href="([^"]+)"', page.text)[1]
    css = requests.get(server + stylesheet.replace("&amp;", "&"), timeout=10)
    assert css.status_code == 200 and css.headers["Content-Type"].startswith("text/css")
    assert len(css.content) == len((ROOT / "static" / "css" / "app.css").read_bytes())


def test_the_installed_app_refuses_a_common_password(venv, place, environ):
    code = "from hub.accounts.passwords import is_common; print(is_common('Password'), is_common('kaffe-og-kage-42'))"
    assert run([venv / "bin" / "python", "-c", code], place, environ).split() == ["True", "False"]
