"""The deployment of the README's production section, on one machine: a PostgreSQL database of
its own (made by alembic, as production makes it), Redis for rate limits, two gunicorn app
servers and two scheduler processes, each started by its line in deploy/Procfile, and in front of
each app server Debian's nginx with deploy/nginx.conf (TLS with a self-signed certificate, run as
this user with its files in the test's folder: bench/nginx.py), as on two app hosts.

PostgreSQL (HUB_TEST_DATABASE_URL), Redis or nginx missing: skipped with the reason, or failed
under CI=true, which must prove the deployment.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bench.nginx import Nginx, nginx_path, self_signed
from hub import ROOT
from tests.conftest import PG_URL, TEST_VAPID_PEM, create_pg_database, drop_pg_database, redis_running

BIN = Path(sys.executable).parent  # alembic, flask and gunicorn live beside python
PROCFILE = ROOT / "deploy" / "Procfile"
PROCFILE_LINE = re.compile(r"^([A-Za-z0-9_-]+):\s*(.+)$")  # as honcho and foreman read it
REDIS_URL = "redis://127.0.0.1:6379/14"  # a database of its own, apart from other tests' limits
SECRET_KEY = "scaleout-test-secret"  # the same in every process: cookies and sealed columns are read anywhere

HEARTBEAT, LEASE = 1, 3  # seconds: a takeover within a few seconds instead of a minute
SWEEPS = 1  # seconds between push sweeps and between looks for due reminders


def _unavailable(reason: str):
    if os.environ.get("CI"):
        pytest.fail(f"{reason}, and CI must prove the scaled-out deployment", pytrace=False)
    pytest.skip(f"scale-out test skipped: {reason} (CI has it)")


@pytest.fixture
def scaleout_db():
    """A fresh PostgreSQL database, migrated with alembic; dropped afterwards."""
    if not PG_URL:
        _unavailable("PostgreSQL: HUB_TEST_DATABASE_URL is not set")
    if not redis_running():
        _unavailable("Redis is not running on 127.0.0.1:6379")
    _forget_counts()  # limits counted by an earlier run in the last hour must not hold this one up
    name = f"ungehub_scale_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    url = create_pg_database(name)
    try:
        done = subprocess.run(
            [str(BIN / "alembic"), "upgrade", "head"],
            cwd=ROOT,
            env=process_env(url),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, f"alembic upgrade head failed:\n{done.stdout}\n{done.stderr}"
        yield url
    finally:
        drop_pg_database(name)


def process_env(db_url: str) -> dict:
    """What deploy/ungehub.env sets, with cheap password hashing for the test."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("HUB_")}
    env.update(
        HUB_DATABASE_URL=db_url,
        HUB_SECRET_KEY=SECRET_KEY,
        HUB_RATELIMIT_STORAGE=REDIS_URL,
        HUB_VAPID_PRIVATE_KEY=TEST_VAPID_PEM.decode(),
        HUB_VAPID_SUBJECT="mailto:test@example.org",
        HUB_ARGON2_TIME_COST="1",
        HUB_ARGON2_MEMORY_COST="1024",
        HUB_PUSH_SWEEP_SECONDS=str(SWEEPS),
        HUB_REMINDER_SWEEP_SECONDS=str(SWEEPS),
        HUB_PUSH_ALLOWED_HOSTS="127.0.0.1",  # the local push service of the test, on its free port
        HUB_PUSH_ALLOW_LOOPBACK="true",
        HUB_PROXY_HOPS="1",  # nginx in front: the client's address and scheme, and nginx's request id
        HUB_LOG_FORMAT="json",  # production's
        PYTHONUNBUFFERED="1",
    )
    return env


def _control_socket_flag() -> list[str]:
    """Newer gunicorns open a control socket at one path per user; two servers on one host
    would share it, so it is turned off where it exists (one server per host never needs this)."""
    from gunicorn.config import KNOWN_SETTINGS

    return ["--no-control-socket"] if any("--no-control-socket" in (s.cli or []) for s in KNOWN_SETTINGS) else []


_NO_CONTROL_SOCKET = _control_socket_flag()


def procfile_command(kind: str) -> str:
    """The command deploy/Procfile gives for `kind`, with this test's virtualenv for `.venv/bin/`."""
    for line in PROCFILE.read_text().splitlines():
        match = PROCFILE_LINE.match(line)
        if match and match.group(1) == kind:
            return match.group(2).replace(".venv/bin/", f"{BIN}/")
    raise LookupError(f"deploy/Procfile has no {kind!r} line")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Cluster:
    """The running processes; `servers` are base URLs, `schedulers` by pid."""

    folder: Path
    db_url: str
    servers: list[str] = field(default_factory=list)
    schedulers: dict[int, subprocess.Popen] = field(default_factory=dict)
    proxies: list[Nginx] = field(default_factory=list)  # nginx in front of each server, in their order
    certificate: Path | None = None  # the proxies' self-signed certificate, for clients to trust
    _all: list[subprocess.Popen] = field(default_factory=list)

    @property
    def public(self) -> list[str]:
        """The https addresses clients use, one per app server (through its nginx)."""
        return [proxy.url for proxy in self.proxies]

    def start_proxies(self) -> None:
        """nginx with deploy/nginx.conf in front of each server, sharing one certificate."""
        self.certificate, key = self_signed(self.folder)
        for number, url in enumerate(self.servers, 1):
            app = url.removeprefix("http://")
            proxy = Nginx(app, self.folder / f"nginx{number}", certificate=(self.certificate, key))
            try:
                proxy.__enter__()
            except RuntimeError as error:
                pytest.fail(str(error), pytrace=False)
            self.proxies.append(proxy)

    def _spawn(self, kind: str, extra: str, log_name: str, **env: str) -> subprocess.Popen:
        """Run the Procfile's line for `kind` as a Procfile runner does (through the shell), with
        `extra` options; `exec`, so the pid is the process itself (the lease names it)."""
        with (self.folder / log_name).open("wb") as log:
            process = subprocess.Popen(
                ["/bin/sh", "-c", f"exec {procfile_command(kind)} {extra}"],
                cwd=ROOT,
                env={**process_env(self.db_url), **env},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: gunicorn's workers die with it
            )
        self._all.append(process)
        return process

    def start_server(self, number: int) -> str:
        port = free_port()
        self._spawn(
            "web",
            " ".join(["--graceful-timeout", "2", *_NO_CONTROL_SOCKET]),
            f"web{number}.log",
            WEB_CONCURRENCY="2",
            BIND=f"127.0.0.1:{port}",
        )
        url = f"http://127.0.0.1:{port}"
        self.servers.append(url)
        return url

    def start_scheduler(self, number: int) -> subprocess.Popen:
        process = self._spawn("scheduler", f"--heartbeat {HEARTBEAT} --lease {LEASE}", f"scheduler{number}.log")
        self.schedulers[process.pid] = process
        return process

    def wait_until_serving(self, timeout: float = 45) -> None:
        deadline = time.monotonic() + timeout
        for url in self.servers:
            while True:
                try:
                    with urllib.request.urlopen(url + "/healthz", timeout=1) as response:
                        if response.status == 200:
                            break
                except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                    pass
                dead = [p for p in self._all if p.poll() is not None]
                if dead or time.monotonic() > deadline:
                    pytest.fail(f"{url} did not start:\n{self.logs()}", pytrace=False)
                time.sleep(0.1)

    def kill(self, pid: int) -> None:
        """kill -9: no shutdown handler runs, the lease is not released."""
        process = self.schedulers[pid]
        process.send_signal(signal.SIGKILL)
        process.wait(10)

    def stop(self) -> None:
        for proxy in self.proxies:
            proxy.__exit__()
        for process in self._all:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self._all:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)

    def logs(self, lines: int = 30) -> str:
        """The tail of every process's log, without APScheduler's line per run."""
        parts = []
        for log in sorted(self.folder.glob("*.log")):
            kept = [line for line in log.read_text(errors="replace").splitlines() if "apscheduler" not in line]
            parts.append(f"--- {log.name}\n" + "\n".join(kept[-lines:]))
        for number, proxy in enumerate(self.proxies, 1):
            parts.append(f"--- nginx{number}\n" + "\n".join([*proxy.access_lines()[-lines:], proxy.log()]))
        return "\n".join(parts)


@pytest.fixture
def cluster(scaleout_db, tmp_path):
    """Two app servers (2 workers each) with nginx in front of each, and two schedulers, on one
    database and one Redis."""
    if nginx_path() is None:
        _unavailable("nginx is not installed (apt-get install nginx)")
    running = Cluster(folder=tmp_path, db_url=scaleout_db)
    try:
        for number in (1, 2):
            running.start_server(number)
            running.start_scheduler(number)
        running.wait_until_serving()
        running.start_proxies()
        yield running
    finally:
        running.stop()
        _forget_login_failures()


def _forget_counts() -> None:
    """Start with this test's Redis database empty: it is the test's own (ids restart every run,
    so counts left by an earlier run would be charged to the same people)."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.flushdb()
    finally:
        client.close()


def _forget_login_failures() -> None:
    """The failed logins counted in this test's Redis database go with it."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        keys = list(client.scan_iter(match="*login*"))
        if keys:
            client.delete(*keys)
    finally:
        client.close()
