"""Faults on demand: a TCP proxy in front of PostgreSQL or Redis that the test can stall, cut or
stop, and a gunicorn server (run as deploy/Procfile runs it) whose database or Redis is reached
through one.

A stalled proxy keeps every connection open and accepts new ones, but passes no byte on, as a
hung server or a dead network path does; the kernel still acknowledges what is sent, so nothing
on the client's side notices but a clock.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import struct
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
from sqlalchemy.engine import make_url

from hub import ROOT
from tests.conftest import (
    PG_URL,
    TEST_VAPID_PEM,
    create_pg_database,
    drop_pg_database,
    pass_second_step_over_http,
    redis_running,
)
from tests.factories import DEFAULT_PASSWORD

BIN = Path(sys.executable).parent
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
REDIS_DB = 12  # this folder's own Redis database: flushed by its tests, used by no one else


def unavailable(reason: str):
    """PostgreSQL or Redis missing: a failure under CI, which must prove these faults; else a skip."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason}, and CI must prove how the app meets these faults", pytrace=False)
    pytest.skip(f"fault test skipped: {reason} (CI has it)")


def need_postgresql() -> None:
    if not PG_URL:
        unavailable("PostgreSQL: HUB_TEST_DATABASE_URL is not set")


def need_redis() -> None:
    if not redis_running():
        unavailable("Redis is not running on 127.0.0.1:6379")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class TcpProxy:
    """127.0.0.1:`port` → `target`, with `stall()`, `resume()`, `cut()` (reset every open
    connection) and `stop()` / `start()` (nobody listens: connections are refused)."""

    def __init__(self, target: tuple[str, int]):
        self.target = target
        self.port = free_port()
        self.flowing = threading.Event()
        self.flowing.set()
        self.lock = threading.Lock()
        self.sockets: set[socket.socket] = set()
        self.listener: socket.socket | None = None
        self.start()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def stall(self) -> None:
        self.flowing.clear()

    def resume(self) -> None:
        self.flowing.set()

    def cut(self) -> None:
        """Close every open connection, as a restarted server or a dropped network path does."""
        with self.lock:
            sockets, self.sockets = self.sockets, set()
        for sock in sockets:
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                sock.shutdown(socket.SHUT_RDWR)  # wakes its pump, which closes it
            except OSError:
                pass

    def stop(self) -> None:
        if self.listener is not None:
            try:
                self.listener.shutdown(socket.SHUT_RDWR)  # wakes the thread waiting in accept()
            except OSError:
                pass
            self.listener.close()
            self.listener = None
        self.cut()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # stopped
            threading.Thread(target=self._connect, args=(client,), daemon=True).start()

    def _connect(self, client: socket.socket) -> None:
        self.flowing.wait()  # a stalled server is not reached by new connections either
        try:
            server = socket.create_connection(self.target, timeout=5)
            server.settimeout(None)
        except OSError:
            client.close()
            return
        with self.lock:
            self.sockets.update((client, server))
        for source, sink in ((client, server), (server, client)):
            threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                self.flowing.wait()  # held while stalled, then passed on
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                sock.close()


def through(url: str, proxy: TcpProxy) -> str:
    """The database URL `url`, reached through `proxy`."""
    return make_url(url).set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)


@contextlib.contextmanager
def migrated_postgresql():
    """A PostgreSQL database of its own, made by alembic as production makes it; dropped after."""
    need_postgresql()
    name = f"ungehub_ops_{uuid.uuid4().hex[:8]}"
    url = create_pg_database(name)
    try:
        migrate(url)
        yield url
    finally:
        drop_pg_database(name)


def migrate(url: str) -> None:
    done = subprocess.run(
        [str(BIN / "alembic"), "upgrade", "head"],
        cwd=ROOT,
        env={**server_env(url), "PYTHONUNBUFFERED": "1"},
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, f"alembic upgrade head failed:\n{done.stdout}\n{done.stderr}"


def server_env(db_url: str, **settings: str) -> dict:
    env = {key: value for key, value in os.environ.items() if not key.startswith("HUB_")}
    env.update(
        HUB_DATABASE_URL=db_url,
        HUB_SECRET_KEY="faults-test-secret",
        HUB_VAPID_PRIVATE_KEY=TEST_VAPID_PEM.decode(),
        HUB_ARGON2_TIME_COST="1",
        HUB_ARGON2_MEMORY_COST="1024",
        HUB_EVALUATION_KEY="faults-test-evaluation-key",
        PYTHONUNBUFFERED="1",
    )
    env.update({f"HUB_{name}": value for name, value in settings.items()})
    return env


@dataclass
class Server:
    """gunicorn as deploy/Procfile's `web` line starts it, on a free port."""

    url: str
    process: subprocess.Popen
    log: Path
    started: float = field(default_factory=time.monotonic)

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


def start_server(folder: Path, db_url: str, *, workers: int = 2, **settings: str) -> Server:
    port = free_port()
    log = folder / f"gunicorn-{port}.log"
    command = [
        str(BIN / "gunicorn"),
        "-c",
        "python:hub.gunicorn_conf",
        "--workers",
        str(workers),
        "--threads",
        "4",  # as deploy/Procfile
        "--bind",
        f"127.0.0.1:{port}",
        "--graceful-timeout",
        "2",
        "hub:create_app()",
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, cwd=ROOT, env=server_env(db_url, **settings), stdout=out, stderr=subprocess.STDOUT
        )
    server = Server(f"http://127.0.0.1:{port}", process, log)
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(server.url + "/livez", timeout=1):
                return server
        except urllib.error.HTTPError:
            return server  # it answers (the test says whether it answers rightly)
        except (urllib.error.URLError, OSError):
            if process.poll() is not None or time.monotonic() > deadline:
                server.stop()
                pytest.fail(f"gunicorn did not start:\n{server.log_text()[-3000:]}", pytrace=False)
            time.sleep(0.1)


def browser() -> requests.Session:
    """A new connection per request (gunicorn drops idle kept-alive ones after two seconds)."""
    session = requests.Session()
    session.headers["Connection"] = "close"
    return session


def log_in(app, base: str, email: str) -> tuple[requests.Session, str]:
    """A logged-in browser and a CSRF token for its forms."""
    http = browser()
    token = CSRF.search(http.get(base + "/login", timeout=30).text).group(1)
    answer = http.post(
        base + "/login",
        data={"csrf_token": token, "email": email, "password": DEFAULT_PASSWORD},
        allow_redirects=False,
        timeout=30,
    )
    assert answer.status_code == 303, answer.status_code
    pass_second_step_over_http(app, http, base, email)
    return http, CSRF.search(http.get(base + "/me", timeout=30).text).group(1)


def wait_until(predicate, seconds: float = 30, step: float = 0.2):
    deadline = time.monotonic() + seconds
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(step)
