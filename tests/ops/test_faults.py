"""Faults as users see them, on a real gunicorn server with PostgreSQL and Redis behind proxies
the test controls: the database lost, stalled or refusing a write, and Redis gone.

- A database that cannot be reached (or stops answering) is the app's own 503 page, "resting",
  with Retry-After, shaped for htmx and JSON callers; never gunicorn's bare "Internal Server
  Error", also for a logged-in person whose menu would need the database.
- A stall becomes that 503 within seconds, and pages that need no database go on answering.
- Any other database failure is the app's 500 page, which says the write was not saved and that
  trying again is safe.
- Without Redis, logging in and signing up go on; limits count in the worker's memory, and go back
  to Redis when it answers again.
"""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from hub import create_app
from hub.db import job_session
from tests.conftest import REDIS, app_config
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.ops.outage import (
    CSRF,
    REDIS_DB,
    TcpProxy,
    browser,
    log_in,
    migrated_postgresql,
    need_redis,
    start_server,
    through,
    wait_until,
)

RESTING = "Ungehub is resting for a moment"
NOT_SAVED = "What you just sent was not saved. It is safe to send it again in a moment."
WENT_WRONG = "Something went wrong on our side"
FAILED_WRITE = "It is not your fault. What you just sent was not saved. It is safe to try again in a moment."


@pytest.fixture(scope="module")
def pg_url():
    with migrated_postgresql() as url:
        yield url


@pytest.fixture
def app(pg_url, tmp_path):
    """The app in the test's own process, on the database directly: to make people."""
    app = create_app(app_config(pg_url, tmp_path))
    yield app
    app.extensions["hub_engine"].dispose()


@pytest.fixture
def pg_proxy(pg_url):
    target = make_url(pg_url)
    proxy = TcpProxy((target.host or "127.0.0.1", target.port or 5432))
    yield proxy
    proxy.resume()
    proxy.stop()


@pytest.fixture
def server(pg_url, pg_proxy, tmp_path):
    """Two workers of four threads, as deploy/Procfile, on the database through the proxy."""
    running = start_server(tmp_path, through(pg_url, pg_proxy))
    yield running
    running.stop()


def young_person(app) -> str:
    with app.app_context(), job_session() as session:
        return make_user(session, is_young=True).email


def in_english(http, base: str) -> None:
    assert http.get(base + "/?lang=en", timeout=30).status_code == 200


def write_to_the_hub(http, base: str, token: str, **headers):
    data = {"csrf_token": token, "topic": "other", "to": "hub", "body": "Hello", "client_key": str(uuid.uuid4())}
    return http.post(base + "/messages/new", data=data, headers=headers, allow_redirects=False, timeout=30)


def test_a_lost_database_is_the_apps_resting_page_for_every_kind_of_caller(app, server, pg_proxy):
    http, token = log_in(app, server.url, young_person(app))
    in_english(http, server.url)

    pg_proxy.stop()  # open connections are reset, new ones refused

    page = http.get(server.url + "/", timeout=30)
    assert page.status_code == 503, page.text[:300]
    assert RESTING in page.text and "<html" in page.text
    assert page.headers["Retry-After"] == "10" and page.headers["Cache-Control"] == "no-store"
    assert "Internal Server Error" not in page.text
    fragment = http.get(server.url + "/messages", headers={"HX-Request": "true"}, timeout=30)
    assert fragment.status_code == 503 and RESTING in fragment.text and "<html" not in fragment.text
    answer = http.get(server.url + "/wallet", headers={"Accept": "application/json"}, timeout=30)
    assert answer.status_code == 503
    assert answer.json()["error"] == 503 and answer.json()["title"] == RESTING
    sent = write_to_the_hub(http, server.url, token)
    assert sent.status_code == 503 and NOT_SAVED in sent.text

    # Pages that need no database are there all along, and the database's return is noticed.
    assert browser().get(server.url + "/login", timeout=10).status_code == 200
    pg_proxy.start()
    assert wait_until(lambda: http.get(server.url + "/", timeout=30).status_code == 200, seconds=30)
    assert "Database unavailable on GET /" in server.log_text()


def test_a_stalled_database_is_a_503_within_seconds_and_pages_without_it_answer(app, server, pg_proxy):
    people = [log_in(app, server.url, young_person(app)) for _ in range(8)]
    for http, _ in people:
        in_english(http, server.url)

    pg_proxy.stall()  # PostgreSQL silent: no byte passes, no connection closes
    try:
        began = time.monotonic()
        with ThreadPoolExecutor(len(people) + 4) as pool:
            # More people at once than one worker has threads: all of them wait on the database.
            pages = [pool.submit(http.get, server.url + "/", timeout=40) for http, _ in people]
            time.sleep(0.5)
            plain = {
                path: pool.submit(_timed, server.url + path)
                for path in ("/livez", "/login", "/manifest.webmanifest", "/sw.js", "/static/css/app.css")
            }
            answers = [future.result() for future in pages]
            waits = {path: future.result() for path, future in plain.items()}
        stalled_for = time.monotonic() - began
    finally:
        pg_proxy.resume()

    assert [a.status_code for a in answers] == [503] * len(people)
    assert all(RESTING in a.text for a in answers)
    # The stall lasted until every page had its answer: a page that had waited for the database
    # would have waited all of it.
    for path, (status, seconds) in waits.items():
        assert status == 200, path
        print(f"{path}: {seconds:.2f} s while the database was stalled for {stalled_for:.1f} s")
    assert wait_until(lambda: people[0][0].get(server.url + "/", timeout=30).status_code == 200, seconds=30)


def _timed(url: str) -> tuple[int, float]:
    began = time.monotonic()
    status = browser().get(url, timeout=40).status_code
    return status, time.monotonic() - began


def test_a_write_the_database_refuses_is_the_apps_500_saying_nothing_was_saved(app, server, pg_url):
    http, token = log_in(app, server.url, young_person(app))
    in_english(http, server.url)
    refuse = create_engine(pg_url)
    with refuse.begin() as conn:  # a fault in the database that is no outage: a trigger refuses
        conn.execute(
            text(
                "CREATE FUNCTION refuse_writes() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'refused'; END $$ "
                "LANGUAGE plpgsql"
            )
        )
        conn.execute(text("CREATE TRIGGER refuse BEFORE INSERT ON conversation EXECUTE FUNCTION refuse_writes()"))
    try:
        sent = write_to_the_hub(http, server.url, token)
        assert sent.status_code == 500, sent.text[:300]
        assert WENT_WRONG in sent.text and FAILED_WRITE in sent.text and "<html" in sent.text
        swapped = write_to_the_hub(http, server.url, token, **{"HX-Request": "true"})
        assert swapped.status_code == 500 and FAILED_WRITE in swapped.text and "<html" not in swapped.text
    finally:
        with refuse.begin() as conn:
            conn.execute(text("DROP TRIGGER refuse ON conversation"))
            conn.execute(text("DROP FUNCTION refuse_writes()"))
        refuse.dispose()
    assert write_to_the_hub(http, server.url, token).status_code == 303  # trying again was safe
    assert "Database error on POST /messages/new" in server.log_text()


# --- Redis ----------------------------------------------------------------------------------------


@pytest.fixture
def redis_proxy():
    need_redis()
    client = redis.Redis(*REDIS, db=REDIS_DB)
    client.flushdb()  # this folder's own database
    proxy = TcpProxy(REDIS)
    yield proxy, client
    proxy.stop()
    client.flushdb()
    client.close()


def _login(base: str, email: str, password: str) -> int:
    http = browser()
    token = CSRF.search(http.get(base + "/login", timeout=30).text).group(1)
    data = {"csrf_token": token, "email": email, "password": password}
    return http.post(base + "/login", data=data, allow_redirects=False, timeout=30).status_code


def test_without_redis_people_log_in_and_sign_up_and_limits_hold_per_worker(app, pg_url, redis_proxy, tmp_path):
    proxy, counts = redis_proxy
    storage = f"redis://{proxy.address}/{REDIS_DB}"
    server = start_server(tmp_path, pg_url, workers=1, RATELIMIT_STORAGE=storage)
    try:
        someone, other = young_person(app), young_person(app)
        assert _login(server.url, someone, "not the password") == 422
        assert counts.dbsize() > 0  # counted in Redis while it is there

        proxy.stop()
        # Five wrong passwords are told as such, the sixth waits: the worker counts on its own.
        assert [_login(server.url, someone, "not the password") for _ in range(5)] == [422] * 5
        assert _login(server.url, someone, "not the password") == 429
        assert _login(server.url, other, DEFAULT_PASSWORD) == 303
        http = browser()
        token = CSRF.search(http.get(server.url + "/signup", timeout=30).text).group(1)
        data = {"csrf_token": token, "name": "Ny Person", "email": f"new-{uuid.uuid4().hex[:8]}@example.org"}
        signed_up = http.post(
            server.url + "/signup",
            data={**data, "password": "a long and unusual pass phrase 42"},
            allow_redirects=False,
            timeout=30,
        )
        assert signed_up.status_code == 303, signed_up.text[:300]
        ready = browser().get(server.url + "/readyz?scope=server", timeout=10)
        assert ready.status_code == 200
        assert ready.json()["status"] == "degraded" and ready.json()["checks"]["redis"]["status"] == "degraded"

        proxy.start()
        counts.flushdb()
        # Back in Redis within seconds: a failed login is counted there again.
        assert wait_until(lambda: _login(server.url, other, "not the password") == 422 and counts.dbsize() > 0, step=1)
        assert browser().get(server.url + "/readyz?scope=server", timeout=10).json()["status"] == "ready"
    finally:
        server.stop()
    log = server.log_text()
    assert log.count("rate-limit storage unreachable") == 1, log[-3000:]
    assert "Traceback" not in log
