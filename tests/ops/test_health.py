"""Health that tells the truth, asked of a real gunicorn server as a load balancer asks it.

- `/livez` (and `/healthz`) answer 200 with nothing behind them: no database, no Redis.
- `/readyz` names each check with its result and time, and is 503 when one fails: the database
  not answering (stalled) or not taking a write (a read-only file), migrations behind, the
  scheduler's lease run out, an outbox item waiting too long. Redis down is "degraded", still 200.
- Both answer over plain http to any Host, set no cookie and are never rate limited, also in
  production, where every other page is https-only and checks its host.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests
from sqlalchemy import delete, text
from sqlalchemy.engine import make_url

from hub import create_app
from hub.core.health import migration_head
from hub.db import job_session, utcnow
from hub.notifications.models import Notification
from hub.outbox.models import OutboxMessage
from hub.scheduler.models import SchedulerLease
from tests.conftest import REDIS, TEST_VAPID_PEM, app_config
from tests.factories import make_user
from tests.ops.outage import (
    REDIS_DB,
    TcpProxy,
    browser,
    free_port,
    migrate,
    migrated_postgresql,
    need_redis,
    start_server,
    through,
    wait_until,
)

STRONG = "k3Jq9-Vw2xZ8pL0mN4bR7tY1uH6gF5dS3aQ2wE9rT0y"
CHECKS = [
    "database",
    "database_writes",
    "migrations",
    "scheduler",
    "push_outbox",
    "push_deliveries",
    "mail_outbox",
    "redis",
]


@pytest.fixture(scope="module")
def pg_url():
    with migrated_postgresql() as url:
        yield url


@pytest.fixture(scope="module")
def proxies(pg_url):
    need_redis()
    target = make_url(pg_url)
    database, store = TcpProxy((target.host or "127.0.0.1", target.port or 5432)), TcpProxy(REDIS)
    yield database, store
    database.stop()
    store.stop()


@pytest.fixture(scope="module")
def server(pg_url, proxies, tmp_path_factory):
    """One server for the module, on PostgreSQL and Redis through proxies the tests stall or stop."""
    database, store = proxies
    running = start_server(
        tmp_path_factory.mktemp("health"),
        through(pg_url, database),
        RATELIMIT_STORAGE=f"redis://{store.address}/{REDIS_DB}",
    )
    yield running
    running.stop()


@pytest.fixture
def app(pg_url, tmp_path):
    """The app in the test's process, on the database directly: to set up what readiness reads."""
    app = create_app(app_config(pg_url, tmp_path))
    yield app
    app.extensions["hub_engine"].dispose()


@pytest.fixture
def healthy(app, server, proxies):
    """A scheduler holds the lease and nothing waits; the proxies pass everything, and the server
    has seen the database again since an earlier test's outage."""
    database, store = proxies
    with app.app_context(), job_session() as session:
        for model in (Notification, OutboxMessage, SchedulerLease):
            session.exec(delete(model))
        session.add(SchedulerLease(name="scheduler", holder="test:1", expires_at=utcnow() + timedelta(minutes=1)))
    assert wait_until(lambda: ready(server).status_code == 200), ready(server).text
    yield
    database.resume()
    store.resume()
    if store.listener is None:
        store.start()


def ready(server, query: str = "") -> requests.Response:
    return browser().get(server.url + "/readyz" + query, timeout=15)


def test_ready_when_every_check_passes_and_each_is_named_with_its_time(app, server, healthy):
    answers = [ready(server) for _ in range(20)]  # never rate limited, however often asked
    assert [a.status_code for a in answers] == [200] * 20, answers[0].text
    body = answers[-1].json()
    assert body["status"] == "ready" and body["seconds"] < 15
    assert list(body["checks"]) == CHECKS
    for name, check in body["checks"].items():
        assert check["status"] == "ok", (name, check)
        assert isinstance(check["seconds"], float)
    assert body["checks"]["migrations"]["detail"] == migration_head()
    assert all("Set-Cookie" not in a.headers for a in answers)
    with app.app_context(), job_session() as session:  # the write was real, and committed
        probe = session.exec(text("SELECT max(written_at) FROM health_probe")).scalar()
    assert utcnow() - probe < timedelta(seconds=30)


def test_a_scheduler_lease_that_ran_out_makes_it_not_ready(app, server, healthy):
    with app.app_context(), job_session() as session:
        lease = session.get(SchedulerLease, "scheduler")
        lease.expires_at = utcnow() - timedelta(minutes=10)
    answer = ready(server)
    assert answer.status_code == 503
    assert answer.json()["status"] == "not ready"
    assert answer.json()["checks"]["scheduler"]["status"] == "fail"
    assert "ran out" in answer.json()["checks"]["scheduler"]["detail"]
    # A load balancer that asks only about this server is told it can serve.
    assert ready(server, "?scope=server").status_code == 200
    assert "scheduler" not in ready(server, "?scope=server").json()["checks"]


@pytest.mark.parametrize("outbox", ["push_outbox", "mail_outbox"])
def test_an_outbox_item_waiting_too_long_makes_it_not_ready(app, server, healthy, outbox):
    long_ago = utcnow() - timedelta(minutes=10)
    with app.app_context(), job_session() as session:
        if outbox == "push_outbox":
            person = make_user(session, is_young=True)
            session.add(Notification(user_id=person.id, kind="test", title="Hej", created_at=long_ago))
        else:
            message_id = f"<{long_ago.timestamp()}@test>"
            session.add(OutboxMessage(kind="test", message_id=message_id, next_attempt_at=long_ago))
    answer = ready(server)
    assert answer.status_code == 503
    check = answer.json()["checks"][outbox]
    assert check["status"] == "fail" and "waited" in check["detail"]
    # One that is new, or waiting for quiet hours to end, is no failure.
    with app.app_context(), job_session() as session:
        for model in (Notification, OutboxMessage):
            session.exec(delete(model))
        person = make_user(session, is_young=True)
        session.add(Notification(user_id=person.id, kind="test", title="Nu", created_at=utcnow()))
        morning = utcnow() + timedelta(hours=8)
        quiet = Notification(user_id=person.id, kind="test", title="Godmorgen", created_at=long_ago, push_after=morning)
        session.add(quiet)
    assert ready(server).status_code == 200


def test_a_database_behind_the_code_s_migrations_is_not_ready(app, server, healthy):
    head = migration_head()
    with app.app_context(), job_session() as session:
        session.exec(text("UPDATE alembic_version SET version_num = '0021'"))
    try:
        answer = ready(server, "?scope=server")
    finally:
        with app.app_context(), job_session() as session:
            session.exec(text("UPDATE alembic_version SET version_num = :head").bindparams(head=head))
    assert answer.status_code == 503
    check = answer.json()["checks"]["migrations"]
    assert check["status"] == "fail" and "flask --app hub migrate" in check["detail"]


def test_a_database_ahead_of_the_code_stays_ready_while_the_old_workers_are_rolled(app, server, healthy):
    """The runbook migrates before it rolls the workers: the release before keeps serving meanwhile."""
    head = migration_head()
    with app.app_context(), job_session() as session:
        session.exec(text("UPDATE alembic_version SET version_num = '9999'"))
    try:
        answer = ready(server, "?scope=server")
    finally:
        with app.app_context(), job_session() as session:
            session.exec(text("UPDATE alembic_version SET version_num = :head").bindparams(head=head))
    assert answer.status_code == 200
    assert answer.json()["checks"]["migrations"]["detail"] == f"9999, newer than this release's {head}"


def test_a_stalled_database_makes_it_not_ready_within_its_time_limit(server, proxies, healthy):
    database, _ = proxies
    database.stall()  # held until the test resumes it: an answer at all proves the time limit
    answer = ready(server)
    live = browser().get(server.url + "/livez", timeout=15)
    assert answer.status_code == 503
    checks = answer.json()["checks"]
    assert checks["database"]["status"] == "fail"
    assert answer.json()["seconds"] <= 3 + 1  # HEALTH_TIMEOUT, the default
    assert live.status_code == 200 and live.json() == {"status": "alive"}


def test_redis_down_makes_it_degraded_but_still_ready(server, proxies, healthy):
    _, store = proxies
    store.stop()

    def database_settled():  # a worker may still be getting over the last test's stalled database
        answer = ready(server)
        return answer if answer.json()["checks"]["database"]["status"] == "ok" else None

    answer = wait_until(database_settled)
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "degraded"
    assert answer.json()["checks"]["redis"]["status"] == "degraded"


def test_a_read_only_sqlite_database_makes_it_not_ready(tmp_path):
    file = tmp_path / "ungehub.sqlite3"
    migrate(f"sqlite:///{file}")
    running = start_server(tmp_path, f"sqlite:///file:{file}?mode=ro&uri=true", workers=1)
    try:
        answer = browser().get(running.url + "/readyz?scope=server", timeout=15)
        login = browser().get(running.url + "/login", timeout=15)
    finally:
        running.stop()
    assert answer.status_code == 503
    checks = answer.json()["checks"]
    assert checks["database"]["status"] == "ok"  # it reads, ...
    assert checks["database_writes"]["status"] == "fail"  # ... but takes no write
    assert login.status_code == 200


def test_liveness_needs_nothing_and_answers_a_load_balancer_over_http_in_production(tmp_path):
    """Production: https only and one host name for every page, but the health checks answer a
    load balancer asking by address over plain http, with the database and Redis both gone."""
    nothing = free_port()  # no database and no Redis listen here
    running = start_server(
        tmp_path,
        f"postgresql+psycopg://ungehub@127.0.0.1:{nothing}/ungehub",
        workers=1,
        ENV="production",
        SECRET_KEY=STRONG,
        EVALUATION_KEY=STRONG[::-1],
        RATELIMIT_STORAGE=f"redis://127.0.0.1:{nothing}/0",
        BASE_URL="https://ungehub.example",
        MAIL_SERVER="mail.example",
        VAPID_PRIVATE_KEY=TEST_VAPID_PEM.decode(),
    )
    balancer = {"Host": "10.0.0.7:8000"}
    try:
        live = [browser().get(running.url + path, headers=balancer, timeout=15) for path in ("/livez", "/healthz")]
        readiness = browser().get(running.url + "/readyz", headers=balancer, timeout=15)
        page = browser().get(running.url + "/login", headers=balancer, timeout=15, allow_redirects=False)
    finally:
        running.stop()
    for answer in live:
        assert answer.status_code == 200 and answer.json() == {"status": "alive"}
        assert "Set-Cookie" not in answer.headers
    assert readiness.status_code == 503
    assert readiness.json()["checks"]["database"]["status"] == "fail"
    assert readiness.json()["checks"]["redis"]["status"] == "degraded"
    assert "Set-Cookie" not in readiness.headers
    assert page.status_code == 400  # any other page: the host is checked first
