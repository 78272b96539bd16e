"""Login throttling kept in Redis holds across app processes (gunicorn workers, several hosts)."""

from __future__ import annotations

import os
import uuid

import pytest

from hub import create_app
from tests.conftest import Client, app_config, redis_running


@pytest.fixture
def redis_url():
    if not redis_running():
        if os.environ.get("CI"):
            pytest.fail("Redis is not running on 127.0.0.1:6379, and CI must prove shared rate limits")
        pytest.skip("Redis is not running on 127.0.0.1:6379 (CI has it)")
    return "redis://127.0.0.1:6379/15"


def app_on(db_url, tmp_path, storage):
    app = create_app({**app_config(db_url, tmp_path), "RATELIMIT_STORAGE_URI": storage})
    app.test_client_class = Client
    return app


def test_failures_counted_by_one_worker_slow_down_another(db_url, tmp_path, redis_url):
    first = app_on(db_url, tmp_path, redis_url)
    email = f"{uuid.uuid4().hex}@example.org"  # a fresh account key in the shared store
    client = first.test_client()
    for _ in range(5):
        assert client.post("/login", data={"email": email, "password": "wrong password"}).status_code == 422
    # Another process: a new app with its own connection to the same Redis.
    second = app_on(db_url, tmp_path, redis_url)
    blocked = second.test_client().post("/login", data={"email": email, "password": "wrong password"})
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 0
    for app in (first, second):
        app.extensions["hub_engine"].dispose()


def test_in_memory_storage_would_not_share_them(db_url, tmp_path):
    """The reason production requires HUB_RATELIMIT_STORAGE: memory is per process."""
    email = f"{uuid.uuid4().hex}@example.org"
    first = app_on(db_url, tmp_path, "memory://")
    for _ in range(5):
        first.test_client().post("/login", data={"email": email, "password": "wrong password"})
    second = app_on(db_url, tmp_path, "memory://")
    assert second.test_client().post("/login", data={"email": email, "password": "wrong password"}).status_code == 422
    for app in (first, second):
        app.extensions["hub_engine"].dispose()
