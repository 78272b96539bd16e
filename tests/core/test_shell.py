"""The app's shell: PWA files, headers, CSRF, errors, language, htmx (health: tests/ops/test_health.py)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from hub import create_app
from hub.config import ConfigError
from tests.conftest import TEST_VAPID_PEM

STRONG_KEY = "k3Jq9-Vw2xZ8pL0mN4bR7tY1uH6gF5dS3aQ2wE9rT0y"
OTHER_KEY = "Zx81-Qw7eR6tY5uI4oP3aS2dF1gH0jKlMnBvCxZ9q8W"


def test_security_headers_on_every_page(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "HX-Request" in response.headers["Vary"]
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Strict-Transport-Security" not in response.headers  # only in production


def test_no_inline_script_or_style_in_pages(client):
    body = client.get("/").get_data(as_text=True)
    assert "<script>" not in body and " style=" not in body and "<style" not in body
    config = json.loads(body.split('name="htmx-config" content=\'')[1].split("'>")[0])
    assert config["allowEval"] is False and config["allowScriptTags"] is False
    assert config["selfRequestsOnly"] is True and config["includeIndicatorStyles"] is False


def test_logged_in_pages_are_never_stored(client, login_as):
    login_as("young")
    response = client.get("/")
    assert response.headers["Cache-Control"] == "no-store"
    assert 'hx-history="false"' in response.get_data(as_text=True)


def test_production_refuses_to_start_without_a_secret(monkeypatch):
    monkeypatch.setenv("HUB_ENV", "production")
    monkeypatch.delenv("HUB_SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="HUB_SECRET_KEY"):
        create_app()


def test_production_refuses_to_start_without_a_vapid_key(monkeypatch, tmp_path):
    monkeypatch.setenv("HUB_ENV", "production")
    monkeypatch.setenv("HUB_SECRET_KEY", STRONG_KEY)
    monkeypatch.setenv("HUB_RATELIMIT_STORAGE", "memory://")
    monkeypatch.setenv("HUB_EVALUATION_KEY", OTHER_KEY)
    monkeypatch.delenv("HUB_VAPID_PRIVATE_KEY", raising=False)
    monkeypatch.setattr("hub.notifications.vapid.KEY_FILE", "no-such-key.pem")
    with pytest.raises(ConfigError, match="VAPID"):
        create_app()


def test_production_refuses_to_start_without_a_shared_evaluation_key(monkeypatch):
    monkeypatch.setenv("HUB_ENV", "production")
    monkeypatch.setenv("HUB_SECRET_KEY", STRONG_KEY)
    monkeypatch.setenv("HUB_RATELIMIT_STORAGE", "memory://")
    monkeypatch.setenv("HUB_VAPID_PRIVATE_KEY", TEST_VAPID_PEM.decode())
    monkeypatch.delenv("HUB_EVALUATION_KEY", raising=False)
    with pytest.raises(ConfigError, match="HUB_EVALUATION_KEY"):
        create_app()


def test_production_sets_hsts_and_secure_cookies(monkeypatch, db_url):
    monkeypatch.setenv("HUB_ENV", "production")
    monkeypatch.setenv("HUB_SECRET_KEY", STRONG_KEY)
    monkeypatch.setenv("HUB_RATELIMIT_STORAGE", "redis://127.0.0.1:6379/15")
    monkeypatch.setenv("HUB_BASE_URL", "https://ungehub.example")
    monkeypatch.setenv("HUB_MAIL_SERVER", "smtp.example.org")
    monkeypatch.setenv("HUB_VAPID_PRIVATE_KEY", TEST_VAPID_PEM.decode())
    monkeypatch.setenv("HUB_EVALUATION_KEY", OTHER_KEY)
    app = create_app({"DATABASE_URL": db_url, "RATELIMIT_STORAGE_URI": "memory://"})
    response = app.test_client().get("/", base_url="https://ungehub.example")
    assert "max-age=31536000" in response.headers["Strict-Transport-Security"]
    assert "Secure" in response.headers["Set-Cookie"]
    # Plain http is sent to https.
    assert app.test_client().get("/", base_url="http://ungehub.example").status_code in (301, 302)
    app.extensions["hub_engine"].dispose()


def test_development_secret_is_generated_once_and_kept(tmp_path):
    from hub.config import instance_secret_key

    first = instance_secret_key(tmp_path)
    assert len(first) > 40 and instance_secret_key(tmp_path) == first


def test_sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout(app):
    engine = app.extensions["hub_engine"]
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        # A writer waits this long for another's write lock, then the page is a 503 (HUB_DB_LOCK_TIMEOUT).
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == app.config["DB_LOCK_TIMEOUT"] * 1000 == 3000


def test_write_requests_begin_immediate_on_sqlite(app):
    """A write transaction takes the write lock at BEGIN, so it cannot fail half-way."""
    from hub.db import new_session

    if app.extensions["hub_engine"].dialect.name != "sqlite":
        pytest.skip("SQLite only")
    statements = []
    from sqlalchemy import event

    engine = app.extensions["hub_engine"]
    listener = lambda conn, cursor, statement, *a: statements.append(statement)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    with app.app_context():
        for write in (True, False):
            session = new_session(write=write)
            session.exec(text("SELECT 1"))
            session.rollback()
            session.close()
    event.remove(engine, "before_cursor_execute", listener)
    assert statements[:4] == ["BEGIN IMMEDIATE", "SELECT 1", "BEGIN", "SELECT 1"]


def test_post_without_csrf_token_is_refused(client, make):
    user = make.user()
    response = client.post("/login", data={"email": user.email, "password": "correct horse battery"}, csrf=False)
    assert response.status_code == 400


def test_get_changes_nothing_logout_needs_post(client, login_as):
    login_as("young")
    assert client.get("/logout").status_code == 405
    assert client.get("/me").status_code == 200


def test_service_worker_is_served_from_the_root(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Service-Worker-Allowed"] == "/"
    body = response.get_data(as_text=True)
    assert body.startswith("const VERSION = ")
    assert "/static/css/app.css?v=" in body


def test_static_urls_carry_the_file_hash_and_the_path_the_hub_is_served_under(app, client):
    import hashlib
    from pathlib import Path

    digest = hashlib.sha256((Path(app.static_folder) / "css/app.css").read_bytes()).hexdigest()[:10]
    plain = client.get("/login").get_data(as_text=True)
    prefixed = client.get("/login", base_url="http://localhost/ungehub").get_data(as_text=True)
    plain_again = client.get("/login").get_data(as_text=True)

    assert f'href="/static/css/app.css?v={digest}"' in plain
    assert f'href="/ungehub/static/css/app.css?v={digest}"' in prefixed
    assert "/ungehub/" not in plain_again


def test_service_worker_keeps_help_now_for_offline(client):
    """The crisis numbers on /help work with no connection: the worker keeps the logged-out page
    in each language (fetched without cookies, so it holds nothing of a person) and falls back to it."""
    body = client.get("/sw.js").get_data(as_text=True)
    assert 'const HELP_PATH = "/help";' in body
    assert "for (const path of [OFFLINE_URL, HELP_PATH])" in body and 'credentials: "omit"' in body
    assert "url.pathname === HELP_PATH" in body and "event.respondWith(helpFirst(event))" in body
    for language in ("da", "en"):  # what the worker fetches at install answers, logged out
        response = client.get(f"/help?lang={language}")
        assert response.status_code == 200 and response.headers.get("Cache-Control") != "no-store"
        assert 'href="tel:112"' in response.get_data(as_text=True)


def test_manifest_is_installable(client):
    response = client.get("/manifest.webmanifest")
    assert response.mimetype == "application/manifest+json"
    manifest = json.loads(response.get_data(as_text=True))
    assert manifest["display"] == "standalone" and manifest["lang"] == "da"
    sizes = {(i["sizes"], i["purpose"]) for i in manifest["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes
    for icon in manifest["icons"]:
        assert client.get(icon["src"]).status_code == 200


def test_versioned_static_files_are_cached_for_good(client):
    body = client.get("/").get_data(as_text=True)
    css = body.split('rel="stylesheet" href="')[1].split('"')[0]
    response = client.get(css)
    assert "immutable" in response.headers["Cache-Control"]


@pytest.mark.parametrize(
    "lang,expected",
    [("da", "Vi kunne ikke finde siden"), ("en", "We could not find that page")],
)
def test_friendly_404_in_both_languages(client, lang, expected):
    response = client.get(f"/no-such-page?lang={lang}")
    assert response.status_code == 404
    assert expected in response.get_data(as_text=True)


def test_htmx_error_answers_with_a_fragment(client):
    response = client.get("/no-such-page", headers={"HX-Request": "true"})
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert 'id="error"' in body and "<html" not in body


def test_too_large_request_answers_413(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = client.post("/login", data={"email": "a@b.dk", "password": "x" * 5000})
    assert response.status_code == 413


def test_unexpected_error_is_a_friendly_500(app, client):
    @app.route("/boom")
    def boom():
        raise RuntimeError("boom")

    response = client.get("/boom")
    assert response.status_code == 500
    assert "<html" in response.get_data(as_text=True)


def test_language_choice_is_remembered(client):
    assert '<html lang="en">' in client.get("/?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)
    assert '<html lang="da">' in client.get("/?lang=da").get_data(as_text=True)


def test_language_switch_is_kept_on_the_account(app, client, login_as):
    user = login_as("young")
    response = client.post("/language", data={"lang": "en", "next": "/me"})
    assert response.status_code == 303 and response.headers["Location"] == "/me"
    from hub.accounts.models import User
    from hub.db import job_session

    with app.app_context(), job_session() as session:
        assert session.get(User, user.id).locale == "en"
    assert client.post("/language", data={"lang": "xx"}).status_code == 400


def test_offline_page_shows_the_crisis_numbers(client):
    body = client.get("/offline").get_data(as_text=True)
    assert 'href="tel:112"' in body and 'href="tel:70201201"' in body


def test_ids_too_large_for_the_database_answer_404(client, login_as):
    login_as("staff")
    for path in ("/staff/events/99999999999999999999", "/events/2147483648", "/staff/people/9223372036854775808/trial"):
        method = "POST" if path.endswith("trial") else "GET"
        assert client.open(path, method=method).status_code == 404, path
