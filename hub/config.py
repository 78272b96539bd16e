"""Settings, read from the environment with a HUB_ prefix."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from hub.notifications import vapid

PREFIX = "HUB_"


class ConfigError(RuntimeError):
    """The app cannot start with the settings it was given."""


def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _minutes(name: str, default: int) -> int:
    return int(os.environ.get(PREFIX + name, default))


def instance_secret_key(instance_path: Path) -> str:
    """A development secret, generated once and kept in instance/ so logins survive restarts."""
    path = instance_path / "secret_key"
    if not path.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def load(instance_path: Path) -> dict:
    """Build the app config from the environment; refuse unsafe production settings."""
    env = os.environ.get(PREFIX + "ENV", "development")
    production = env == "production"
    sqlite_file = instance_path / "ungehub.sqlite3"
    config = {
        "ENV_NAME": env,
        "PRODUCTION": production,
        "DATABASE_URL": os.environ.get(PREFIX + "DATABASE_URL", f"sqlite:///{sqlite_file}"),
        "SECRET_KEY": os.environ.get(PREFIX + "SECRET_KEY"),
        # Earlier secret keys, comma-separated, while logins and sealed values made with them remain.
        "SECRET_KEY_FALLBACKS": [k for k in os.environ.get(PREFIX + "SECRET_KEY_FALLBACKS", "").split(",") if k],
        "BASE_URL": os.environ.get(PREFIX + "BASE_URL", "http://127.0.0.1:5000"),
        # How many reverse proxies stand in front of the app (nginx: 1). Each one's X-Forwarded-For
        # and X-Forwarded-Proto are then believed; with 0 they are ignored, as anyone can send them.
        # Rate limits and login throttling count per client address, so behind a proxy this must be set.
        "PROXY_HOPS": int(os.environ.get(PREFIX + "PROXY_HOPS", 0)),
        "RATELIMIT_STORAGE_URI": os.environ.get(PREFIX + "RATELIMIT_STORAGE", "memory://"),
        "MAX_CONTENT_LENGTH": int(os.environ.get(PREFIX + "MAX_CONTENT_LENGTH", 2 * 1024 * 1024)),
        # Idle timeouts and lifetimes of a login, in minutes.
        "IDLE_TIMEOUT_YOUNG": _minutes("IDLE_TIMEOUT_YOUNG", 30),
        "IDLE_TIMEOUT_STAFF": _minutes("IDLE_TIMEOUT_STAFF", 15),
        "IDLE_TIMEOUT_OTHER": _minutes("IDLE_TIMEOUT_OTHER", 30),
        "SESSION_LIFETIME": _minutes("SESSION_LIFETIME", 12 * 60),
        "REMEMBER_LIFETIME": _minutes("REMEMBER_LIFETIME", 30 * 24 * 60),
        "INVITE_LIFETIME": _minutes("INVITE_LIFETIME", 7 * 24 * 60),
        "RESET_LIFETIME": _minutes("RESET_LIFETIME", 60),
        "MAIL_SERVER": os.environ.get(PREFIX + "MAIL_SERVER"),
        "MAIL_PORT": int(os.environ.get(PREFIX + "MAIL_PORT", 587)),
        "MAIL_USERNAME": os.environ.get(PREFIX + "MAIL_USERNAME"),
        "MAIL_PASSWORD": os.environ.get(PREFIX + "MAIL_PASSWORD"),
        "MAIL_FROM": os.environ.get(PREFIX + "MAIL_FROM", "Ungehub <noreply@ungehub.invalid>"),
        "MAIL_STARTTLS": _bool(os.environ.get(PREFIX + "MAIL_STARTTLS", "true")),
        "SESSION_COOKIE_SECURE": production,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_NAME": "ungehub",
        "REMEMBER_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_NAME": "ungehub_remember",
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the login does
        "BABEL_DEFAULT_LOCALE": "da",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Copenhagen",
        # Where the hub is, e.g. "Vestergade 1, 8000 Aarhus C": shown in the offline wallet (opening
        # hours are set by staff in the app). Unset, the wallet shows the hours alone.
        "HUB_ADDRESS": os.environ.get(PREFIX + "ADDRESS", ""),
        # Argon2id cost; tests lower it to keep the suite fast.
        "ARGON2_TIME_COST": int(os.environ.get(PREFIX + "ARGON2_TIME_COST", 3)),
        "ARGON2_MEMORY_COST": int(os.environ.get(PREFIX + "ARGON2_MEMORY_COST", 65536)),
        # Web Push: our VAPID key and the contact push services may write to about it.
        "VAPID_PRIVATE_PEM": vapid.configured_pem(instance_path),
        "VAPID_SUBJECT": os.environ.get(PREFIX + "VAPID_SUBJECT", "mailto:ungehub@example.org"),
        # Pushes to one device that failed this many times give up (429, 5xx, no connection).
        "PUSH_MAX_ATTEMPTS": int(os.environ.get(PREFIX + "PUSH_MAX_ATTEMPTS", 4)),
        "PUSH_POOL_SIZE": int(os.environ.get(PREFIX + "PUSH_POOL_SIZE", 32)),
        # Push endpoints are taken only on the browsers' own push services (https, listed in
        # hub/notifications/endpoints.py) and on these extra hosts, comma-separated host[:port].
        "PUSH_ALLOWED_HOSTS": [h.strip().lower() for h in os.environ.get(PREFIX + "PUSH_ALLOWED_HOSTS", "").split(",") if h.strip()],
        # Tests and benchmarks only, refused in production: the extra hosts above may be reached over
        # http on the loopback address, where the local push service of the tests listens.
        "PUSH_ALLOW_LOOPBACK": _bool(os.environ.get(PREFIX + "PUSH_ALLOW_LOOPBACK", "false")),
        # A test push is sent from the web process at once rather than at the next sweep.
        "PUSH_SEND_NOW": _bool(os.environ.get(PREFIX + "PUSH_SEND_NOW", "true")),
        # Retention, in days (read by the scheduled jobs and shown on the privacy page).
        # Closed conversations are deleted this long after they closed.
        "MESSAGE_RETENTION_DAYS": int(os.environ.get(PREFIX + "MESSAGE_RETENTION_DAYS", 365)),
        # Check-ins and wellbeing entries are deleted this long after the day they are about.
        "CHECKIN_RETENTION_DAYS": int(os.environ.get(PREFIX + "CHECKIN_RETENTION_DAYS", 2 * 365)),
        # A young person with no login and no activity this long is anonymised ...
        "RETENTION_INACTIVE_DAYS": int(os.environ.get(PREFIX + "RETENTION_INACTIVE_DAYS", 3 * 365)),
        # ... after being told this many days before (in the app, and by e-mail when mail is set up).
        "RETENTION_WARNING_DAYS": int(os.environ.get(PREFIX + "RETENTION_WARNING_DAYS", 30)),
        # Passkeys belong to a domain (the WebAuthn "RP ID", e.g. ungehub.dk) and are used from an
        # origin (https://ungehub.dk). Unset, both come from the host each request was made to; set
        # them in production (behind a proxy the request may not show the public host). A passkey
        # made for one RP ID never works for another. Browsers refuse an IP address as RP ID: in
        # development open http://localhost:5000, not 127.0.0.1.
        "WEBAUTHN_RP_ID": os.environ.get(PREFIX + "WEBAUTHN_RP_ID"),
        "WEBAUTHN_ORIGIN": os.environ.get(PREFIX + "WEBAUTHN_ORIGIN"),
        # The key behind the evaluation exports' pseudonyms. Unset (development), one is made in the
        # instance folder; in production every host must share it, or each exports other pseudonyms.
        "EVALUATION_KEY": os.environ.get(PREFIX + "EVALUATION_KEY"),
    }
    if production:
        if not config["SECRET_KEY"]:
            raise ConfigError("HUB_SECRET_KEY must be set when HUB_ENV=production.")
        if PREFIX + "RATELIMIT_STORAGE" not in os.environ:
            raise ConfigError(
                "HUB_RATELIMIT_STORAGE must be set when HUB_ENV=production "
                "(e.g. redis://127.0.0.1:6379/0), so limits hold across workers."
            )
        if not config["EVALUATION_KEY"]:
            raise ConfigError(
                "HUB_EVALUATION_KEY must be set when HUB_ENV=production, the same on every host, "
                "so evaluation exports keep their pseudonyms whichever host makes them."
            )
        if not config["VAPID_PRIVATE_PEM"]:
            raise ConfigError(
                "A VAPID key must be set when HUB_ENV=production: run `flask --app hub vapid` "
                "or set HUB_VAPID_PRIVATE_KEY (a PEM or its path)."
            )
    return config


def finish(config: dict, instance_path: Path) -> None:
    """Fill in what may depend on overrides (the development secret key)."""
    if not config.get("SECRET_KEY"):
        config["SECRET_KEY"] = instance_secret_key(instance_path)
