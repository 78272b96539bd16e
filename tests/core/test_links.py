"""Links that leave the request (reset mails, invitations, QR codes, calendar feeds) point at the
real site: in production a request naming another host is refused and links use HUB_BASE_URL."""

from __future__ import annotations

import pytest

from hub import create_app
from hub.core.links import public_url
from tests.conftest import TEST_VAPID_PEM
from tests.factories import make_user

PRODUCTION = {
    "HUB_ENV": "production",
    "HUB_SECRET_KEY": "k3Jq9-Vw2xZ8pL0mN4bR7tY1uH6gF5dS3aQ2wE9rT0y",
    "HUB_EVALUATION_KEY": "Zx81-Qw7eR6tY5uI4oP3aS2dF1gH0jKlMnBvCxZ9q8W",
    "HUB_RATELIMIT_STORAGE": "redis://127.0.0.1:6379/15",
    "HUB_BASE_URL": "https://ungehub.example",
    "HUB_MAIL_SERVER": "smtp.example.org",
    "HUB_VAPID_PRIVATE_KEY": TEST_VAPID_PEM.decode(),
}


@pytest.fixture
def production_app(monkeypatch, db_url):
    for name, value in PRODUCTION.items():
        monkeypatch.setenv(name, value)
    app = create_app(
        {
            "DATABASE_URL": db_url,
            "RATELIMIT_STORAGE_URI": "memory://",
            "MAIL_SERVER": "127.0.0.1",
            "ARGON2_TIME_COST": 1,
            "ARGON2_MEMORY_COST": 1024,
        }
    )
    yield app
    app.extensions["hub_engine"].dispose()


def test_a_reset_mail_cannot_be_sent_to_another_host(production_app):
    """`Host: evil.example` would have put the reset token in a link to the attacker's site."""
    from hub.db import job_session
    from hub.outbox.services import depth

    with production_app.app_context(), job_session() as session:
        make_user(session, email="ung@example.org", is_young=True)
    client = production_app.test_client()
    client.application.config["WTF_CSRF_ENABLED"] = False
    response = client.post("/password/forgot", data={"email": "ung@example.org"}, base_url="https://evil.example")
    assert response.status_code == 400
    with production_app.app_context(), job_session() as session:
        assert depth(session) == 0  # no mail queued
    response = client.post("/password/forgot", data={"email": "ung@example.org"}, base_url="https://ungehub.example")
    assert response.status_code == 200
    with production_app.app_context(), job_session() as session:
        assert depth(session) == 1  # (the same request to the real host queues one)


def test_links_use_the_base_url_whatever_host_the_request_came_to(production_app):
    with production_app.test_request_context("/", base_url="https://localhost"):
        assert public_url("accounts.set_password", token="abc") == "https://ungehub.example/welcome/abc"


def test_the_real_host_and_the_machine_itself_are_answered(production_app):
    client = production_app.test_client()
    assert client.get("/healthz", base_url="https://ungehub.example").status_code == 200
    assert client.get("/healthz", base_url="http://127.0.0.1:8000").status_code in (200, 301, 302)


def test_development_links_follow_the_address_in_use(app):
    with app.test_request_context("/", base_url="http://localhost:5123"):
        assert public_url("accounts.set_password", token="abc") == "http://localhost:5123/welcome/abc"
