"""Settings are checked once at start: every problem in one line naming the setting, no traceback,
and production refuses the example file's placeholders and anything unsafe on the open internet."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from hub.config import ConfigError, load
from tests.conftest import TEST_VAPID_PEM

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "deploy" / "ungehub.env.example"

GOOD_PRODUCTION = {
    "HUB_ENV": "production",
    "HUB_SECRET_KEY": "k3Jq9-Vw2xZ8pL0mN4bR7tY1uH6gF5dS3aQ2wE9rT0y",
    "HUB_EVALUATION_KEY": "Zx81-Qw7eR6tY5uI4oP3aS2dF1gH0jKlMnBvCxZ9q8W",
    "HUB_RATELIMIT_STORAGE": "redis://127.0.0.1:6379/0",
    "HUB_BASE_URL": "https://ungehub.example",
    "HUB_MAIL_SERVER": "smtp.example.org",
    "HUB_VAPID_PRIVATE_KEY": TEST_VAPID_PEM.decode(),
}


def problems(tmp_path, **changes) -> list[str]:
    environ = {**GOOD_PRODUCTION, **changes}
    environ = {key: value for key, value in environ.items() if value is not None}
    try:
        load(tmp_path, environ)
    except ConfigError as error:
        return error.problems
    return []


def test_a_sound_production_environment_starts(tmp_path):
    assert problems(tmp_path) == []


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("HUB_SECRET_KEY", "change-me"),
        ("HUB_SECRET_KEY", "short-but-random-Q8w"),
        ("HUB_SECRET_KEY", "x" * 64),
        ("HUB_SECRET_KEY", None),
        ("HUB_EVALUATION_KEY", "change-me-too"),
        ("HUB_EVALUATION_KEY", "tooShort9"),
        ("HUB_EVALUATION_KEY", None),
        ("HUB_RATELIMIT_STORAGE", "memory://"),
        ("HUB_RATELIMIT_STORAGE", None),
        ("HUB_BASE_URL", "http://ungehub.example"),
        ("HUB_BASE_URL", None),
        ("HUB_PROXY_HOPS", "one"),
        ("HUB_PROXY_HOPS", "-1"),
        ("HUB_MAX_CONTENT_LENGTH", "99999999999999999999"),
        ("HUB_PUSH_ALLOW_LOOPBACK", "true"),
        ("HUB_MAIL_SERVER", None),
        ("HUB_PUSH_SEND_NOW", "maybe"),
        ("HUB_DATABASE_URL", "postgresql+psycopg://ungehub:change-me@db.internal:5432/ungehub"),
        ("HUB_SECRET_KEY_FALLBACKS", "change-me"),
        ("HUB_WEBAUTHN_ORIGIN", "http://ungehub.example"),
        ("HUB_VAPID_PRIVATE_KEY", "/no/such/key.pem"),
        ("HUB_VAPID_PRIVATE_KEY", "-----BEGIN PRIVATE KEY-----\\nnot a key\\n-----END PRIVATE KEY-----"),
    ],
)
def test_production_names_each_unsafe_setting_in_one_line(tmp_path, setting, value):
    found = problems(tmp_path, **{setting: value})
    assert len(found) == 1, found
    line = found[0]
    assert setting in line and "\n" not in line
    if value and setting.endswith(("KEY", "FALLBACKS")) and not setting.startswith("HUB_VAPID"):
        assert value not in line  # a secret, even a bad one, is never repeated


def test_malformed_numbers_are_refused_in_development_too(tmp_path):
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, {"HUB_PROXY_HOPS": "one", "HUB_PUSH_POOL_SIZE": "0", "HUB_IDLE_TIMEOUT_YOUNG": "½"})
    assert [line.split()[0] for line in caught.value.problems] == [
        "HUB_PROXY_HOPS",
        "HUB_IDLE_TIMEOUT_YOUNG",
        "HUB_PUSH_POOL_SIZE",
    ]


def test_development_needs_none_of_the_production_settings(tmp_path):
    assert load(tmp_path, {})["RATELIMIT_STORAGE_URI"] == "memory://"


def _example_environment() -> dict[str, str]:
    environ = {}
    for line in EXAMPLE.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            environ[key] = value.strip('"')
    return environ


def test_the_example_settings_file_does_not_start_as_it_is(tmp_path):
    """Copied unchanged, the example file stops every process with one line per placeholder."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    environ.update(_example_environment(), HUB_RATELIMIT_STORAGE="memory://", HUB_PROXY_HOPS="one")
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "hub", "routes"],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 4
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert all(line.startswith("Ungehub cannot start: ") for line in lines), lines
    named = " ".join(lines)
    for setting in (
        "HUB_SECRET_KEY",
        "HUB_EVALUATION_KEY",
        "HUB_RATELIMIT_STORAGE",
        "HUB_PROXY_HOPS",
        "HUB_DATABASE_URL",
        "HUB_VAPID_PRIVATE_KEY",
    ):
        assert setting in named
    assert "change-me" not in named


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("HUB_ENV", "prod"),
        ("HUB_DATABASE_URL", "postgres//ungehub@db.internal/ungehub"),
        ("HUB_DATABASE_URL", "mysql://ungehub:Wz81-hidden-Qx@db.internal/ungehub"),
        ("HUB_DATABASE_URL", "postgresql://ungehub@db.internal/ungehub"),  # psycopg2, which Ungehub does not use
        ("HUB_BASE_URL", "ungehub.example"),
        ("HUB_WEBAUTHN_ORIGIN", "localhost:5000"),
        ("HUB_RATELIMIT_STORAGE", "memcached://cache.internal:11211"),
        ("HUB_RATELIMIT_STORAGE", "127.0.0.1:6379"),
        ("HUB_VAPID_SUBJECT", "ungehub@example.org"),
    ],
)
def test_a_setting_of_the_wrong_form_is_refused_in_one_line_before_anything_uses_it(tmp_path, setting, value):
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, {setting: value})
    (line,) = caught.value.problems
    assert line.startswith(setting) and "Wz81-hidden-Qx" not in line


def _broken_environment(tmp_path) -> dict[str, str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    return {
        **environ,
        "HUB_DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}",
        "HUB_ENV": "prod",
        "HUB_PROXY_HOPS": "one",
    }


BIN = Path(sys.executable).parent


@pytest.mark.parametrize(
    "command",
    [
        pytest.param([BIN / "flask", "--app", "hub", "run", "--port", "0"], id="flask-run"),
        pytest.param([BIN / "flask", "--app", "hub", "migrate"], id="flask-migrate"),
        pytest.param([BIN / "flask", "--app", "hub", "scheduler"], id="scheduler"),
        pytest.param([BIN / "alembic", "upgrade", "head"], id="alembic"),
        pytest.param([BIN / "gunicorn", "--bind", "127.0.0.1:0", "--workers", "1", "hub:create_app()"], id="gunicorn"),
    ],
)
def test_every_way_of_starting_stops_with_one_line_per_problem_and_no_traceback(tmp_path, command):
    """make run migrates with alembic and serves with flask run; production runs gunicorn and the scheduler."""
    result = subprocess.run(
        [str(part) for part in command],
        cwd=ROOT,
        env=_broken_environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 4, result.stderr
    assert "Traceback" not in result.stderr
    told = [line for line in result.stderr.splitlines() if line.startswith("Ungehub cannot start: ")]
    assert [line.split()[3] for line in told] == ["HUB_PROXY_HOPS", "HUB_ENV"], result.stderr
    assert not (tmp_path / "x.sqlite3").exists()  # nothing ran
