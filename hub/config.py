"""Settings, read from the environment with a HUB_ prefix, and checked once at start.

Every problem is found in one pass and told in one line naming the setting, with no traceback:
`ConfigError` is a `SystemExit`, so `flask`, the scheduler and gunicorn (whose master stops when
a worker exits with 4, "App failed to load") all end with the lines and nothing else. Secret
values are never repeated in a message.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
import sys
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from hub.notifications import vapid

PREFIX = "HUB_"
MIN_KEY_BYTES = 32
MAKE_KEY = "`python3 -c 'import secrets; print(secrets.token_urlsafe(48))'`"
# Values of the example settings file and words that are no secret; a value starting with one of
# the first four (e.g. "change-me-too") is refused too.
PLACEHOLDER_STARTS = ("change-me", "changeme", "change_me", "replace-me")
PLACEHOLDERS = {"secret", "password", "example", "test", "dev", "development", "production", "ungehub", "none", "null"}
LOAD_FAILED = 4  # gunicorn's APP_LOAD_ERROR: its master stops instead of starting workers again


class ConfigError(SystemExit):
    """The app cannot start with the settings it was given: one line per problem."""

    def __init__(self, *problems: str):
        super().__init__(LOAD_FAILED)
        self.problems = list(problems)

    def __str__(self) -> str:
        return "\n".join(self.problems)

    def report(self) -> None:
        for line in self.problems:
            print(f"Ungehub cannot start: {line}", file=sys.stderr)
        sys.stderr.flush()


class Environment:
    """Reads HUB_ settings and keeps a list of what is wrong with them instead of failing at the first."""

    def __init__(self, environ=None):
        self.environ = os.environ if environ is None else environ
        self.problems: list[str] = []

    def given(self, name: str) -> bool:
        return PREFIX + name in self.environ

    def text(self, name: str, default: str | None = None) -> str | None:
        return self.environ.get(PREFIX + name, default)

    def items(self, name: str) -> list[str]:
        """A comma-separated list; empty items are left out."""
        return [item.strip() for item in (self.text(name) or "").split(",") if item.strip()]

    def number(self, name: str, default: int, *, low: int = 0, high: int | None = None) -> int:
        raw = self.text(name)
        if raw is None:
            return default
        value = raw.strip()
        within = f"from {low} to {high}" if high is not None else f"of at least {low}"
        if not (value.isascii() and value.lstrip("-").isdigit()) or len(value) > 12:
            self.problems.append(f"{PREFIX}{name} must be a whole number {within}, not {value[:20]!r}.")
            return default
        number = int(value)
        if number < low or (high is not None and number > high):
            self.problems.append(f"{PREFIX}{name} must be a whole number {within}, not {number}.")
            return default
        return number

    def choice(self, name: str, choices: tuple[str, ...], default: str) -> str:
        raw = self.text(name)
        if raw is None:
            return default
        value = raw.strip().lower()
        if value not in choices:
            self.problems.append(f"{PREFIX}{name} must be one of {', '.join(choices)}, not {raw[:20]!r}.")
            return default
        return value

    def networks(self, name: str, default: list[str]) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
        """Addresses or networks (`10.0.0.5`, `10.0.0.0/24`, `::1`), comma-separated."""
        found = []
        for item in self.items(name) if self.given(name) else default:
            try:
                found.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                self.problems.append(f"{PREFIX}{name} holds {item[:40]!r}, which is not an address or a network.")
        return found

    def flag(self, name: str, default: bool) -> bool:
        raw = self.text(name)
        if raw is None:
            return default
        value = raw.strip().lower()
        if value in {"1", "true", "yes", "on"}:
            return True
        if value in {"0", "false", "no", "off", ""}:
            return False
        self.problems.append(f"{PREFIX}{name} must be true or false, not {raw[:20]!r}.")
        return default


def is_placeholder(value: str) -> bool:
    """A value someone meant to replace: the example's, a plain word, or a run of few characters ("xxxx…")."""
    lowered = value.strip().lower()
    return lowered.startswith(PLACEHOLDER_STARTS) or lowered in PLACEHOLDERS or len(set(lowered)) < 8


def _key_problem(name: str, value: str | None, why: str) -> str | None:
    """What is wrong with a secret key, without repeating it."""
    if not value:
        return f"{PREFIX}{name} must be set when HUB_ENV=production{why}."
    if is_placeholder(value):
        return f"{PREFIX}{name} is still a placeholder from the example settings: make a real one with {MAKE_KEY}."
    if len(value.encode()) < MIN_KEY_BYTES:
        return f"{PREFIX}{name} is too short: it must be at least {MIN_KEY_BYTES} bytes (make one with {MAKE_KEY})."
    return None


def _vapid_pem(env: Environment, instance_path: Path) -> bytes | None:
    """The Web Push key, if it can be read and is one."""
    try:
        pem = vapid.configured_pem(instance_path, env.text("VAPID_PRIVATE_KEY", ""))
    except OSError as error:
        env.problems.append(f"{PREFIX}VAPID_PRIVATE_KEY names a file that cannot be read ({error.strerror}).")
        return None
    if pem is not None:
        try:
            vapid.from_pem(pem)
        except Exception:  # cryptography raises several kinds for a bad PEM
            env.problems.append(f"{PREFIX}VAPID_PRIVATE_KEY is not a private key in PEM form.")
            return None
    return pem


def log_format(env: Environment) -> str:
    """JSON in production, text elsewhere, unless HUB_LOG_FORMAT says (gunicorn's settings read it too)."""
    production = env.text("ENV", "development") == "production"
    return env.choice("LOG_FORMAT", ("json", "text"), "json" if production else "text")


def instance_secret_key(instance_path: Path) -> str:
    """A development secret, generated once and kept in instance/ so logins survive restarts."""
    path = instance_path / "secret_key"
    if not path.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def load(instance_path: Path, environ=None) -> dict:
    """Build the app config from the environment; refuse malformed settings and unsafe production ones."""
    env = Environment(environ)
    name = env.text("ENV", "development")
    production = name == "production"
    sqlite_file = instance_path / "ungehub.sqlite3"
    config = {
        "ENV_NAME": name,
        "PRODUCTION": production,
        "DATABASE_URL": env.text("DATABASE_URL", f"sqlite:///{sqlite_file}"),
        # Seconds the app waits on the database before it answers 503 (hub/db.py, Timeouts): to
        # connect, for one statement, for a lock (SQLite: the write lock), for a pooled connection.
        "DB_CONNECT_TIMEOUT": env.number("DB_CONNECT_TIMEOUT", 3, low=1, high=300),
        "DB_STATEMENT_TIMEOUT": env.number("DB_STATEMENT_TIMEOUT", 5, low=1, high=3600),
        "DB_LOCK_TIMEOUT": env.number("DB_LOCK_TIMEOUT", 3, low=1, high=3600),
        "DB_POOL_TIMEOUT": env.number("DB_POOL_TIMEOUT", 3, low=1, high=300),
        # Readiness (/readyz, hub/core/health.py): its time limit, how long the scheduler's lease
        # may have run out before it fails, and the age of the oldest due outbox item it allows.
        "HEALTH_TIMEOUT": env.number("HEALTH_TIMEOUT", 3, low=1, high=60),
        "HEALTH_LEASE_GRACE": env.number("HEALTH_LEASE_GRACE", 60, low=1, high=24 * 3600),
        "HEALTH_OUTBOX_AGE": env.number("HEALTH_OUTBOX_AGE", 300, low=1, high=7 * 24 * 3600),
        "SECRET_KEY": env.text("SECRET_KEY"),
        # Earlier secret keys, comma-separated, while logins and sealed values made with them remain.
        "SECRET_KEY_FALLBACKS": env.items("SECRET_KEY_FALLBACKS"),
        "BASE_URL": env.text("BASE_URL", "http://127.0.0.1:5000"),
        # How many reverse proxies stand in front of the app (nginx: 1). Each one's X-Forwarded-For
        # and X-Forwarded-Proto are then believed; with 0 they are ignored, as anyone can send them.
        # Rate limits and login throttling count per client address, so behind a proxy this must be set.
        "PROXY_HOPS": env.number("PROXY_HOPS", 0, high=10),
        # Who may read /metrics (Prometheus): addresses or networks, comma-separated; behind the
        # proxy the client's own address counts (HUB_PROXY_HOPS). Anyone else gets a 404.
        "METRICS_ALLOW": env.networks("METRICS_ALLOW", ["127.0.0.0/8", "::1"]),
        # Log lines: "json" (one object per line, for a log collector) or "text" (for a person).
        "LOG_FORMAT": log_format(env),
        "RATELIMIT_STORAGE_URI": env.text("RATELIMIT_STORAGE", "memory://"),
        "MAX_CONTENT_LENGTH": env.number("MAX_CONTENT_LENGTH", 2 * 1024 * 1024, low=1024, high=1024**3),
        # Idle timeouts and lifetimes of a login, in minutes.
        "IDLE_TIMEOUT_YOUNG": env.number("IDLE_TIMEOUT_YOUNG", 30, low=1),
        "IDLE_TIMEOUT_STAFF": env.number("IDLE_TIMEOUT_STAFF", 15, low=1),
        "IDLE_TIMEOUT_OTHER": env.number("IDLE_TIMEOUT_OTHER", 30, low=1),
        "SESSION_LIFETIME": env.number("SESSION_LIFETIME", 12 * 60, low=1),
        "REMEMBER_LIFETIME": env.number("REMEMBER_LIFETIME", 30 * 24 * 60, low=1),
        "INVITE_LIFETIME": env.number("INVITE_LIFETIME", 7 * 24 * 60, low=1),
        "RESET_LIFETIME": env.number("RESET_LIFETIME", 60, low=1),
        # How long at most, in seconds, a phone shows its copy of the wallet or the plan with no
        # connection; never past the moment the login would end (hub/wallet/keep.py). Tests shorten it.
        "OFFLINE_KEEP_SECONDS": env.number("OFFLINE_KEEP_SECONDS", 12 * 3600, low=1, high=14 * 24 * 3600),
        "MAIL_SERVER": env.text("MAIL_SERVER"),
        "MAIL_PORT": env.number("MAIL_PORT", 587, low=1, high=65535),
        "MAIL_USERNAME": env.text("MAIL_USERNAME"),
        "MAIL_PASSWORD": env.text("MAIL_PASSWORD"),
        "MAIL_FROM": env.text("MAIL_FROM", "Ungehub <noreply@ungehub.invalid>"),
        "MAIL_STARTTLS": env.flag("MAIL_STARTTLS", True),
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
        "HUB_ADDRESS": env.text("ADDRESS", ""),
        # Where people report an accessibility problem, named in the accessibility statement
        # (/accessibility): the law asks for a written and a telephone way. Unset, the statement
        # points young people to a message in the app and everyone else to the hub in person.
        "ACCESSIBILITY_EMAIL": env.text("ACCESSIBILITY_EMAIL", ""),
        "ACCESSIBILITY_PHONE": env.text("ACCESSIBILITY_PHONE", ""),
        # Argon2id cost; tests lower it to keep the suite fast.
        "ARGON2_TIME_COST": env.number("ARGON2_TIME_COST", 3, low=1, high=100),
        "ARGON2_MEMORY_COST": env.number("ARGON2_MEMORY_COST", 65536, low=8, high=4 * 1024 * 1024),
        # Web Push: our VAPID key and the contact push services may write to about it.
        "VAPID_PRIVATE_PEM": _vapid_pem(env, instance_path),
        "VAPID_SUBJECT": env.text("VAPID_SUBJECT", "mailto:ungehub@example.org"),
        # Pushes to one device that failed this many times give up (429, 5xx, no connection).
        "PUSH_MAX_ATTEMPTS": env.number("PUSH_MAX_ATTEMPTS", 4, low=1, high=100),
        "PUSH_POOL_SIZE": env.number("PUSH_POOL_SIZE", 32, low=1, high=512),
        # Push endpoints are taken only on the browsers' own push services (https, listed in
        # hub/notifications/endpoints.py) and on these extra hosts, comma-separated host[:port].
        "PUSH_ALLOWED_HOSTS": [h.lower() for h in env.items("PUSH_ALLOWED_HOSTS")],
        # Tests and benchmarks only, refused in production: the extra hosts above may be reached over
        # http on the loopback address, where the local push service of the tests listens.
        "PUSH_ALLOW_LOOPBACK": env.flag("PUSH_ALLOW_LOOPBACK", False),
        # How often the scheduler sweeps the push and mail outboxes and looks for "starts soon"
        # reminders, in seconds (read by hub/scheduler/runner.py at import; checked here so a bad
        # value is one line).
        "PUSH_SWEEP_SECONDS": env.number("PUSH_SWEEP_SECONDS", 5, low=1, high=3600),
        "MAIL_SWEEP_SECONDS": env.number("MAIL_SWEEP_SECONDS", 5, low=1, high=3600),
        "REMINDER_SWEEP_SECONDS": env.number("REMINDER_SWEEP_SECONDS", 300, low=1, high=24 * 3600),
        # A test push is sent from the web process at once rather than at the next sweep.
        "PUSH_SEND_NOW": env.flag("PUSH_SEND_NOW", True),
        # Retention, in days (read by the scheduled jobs and shown on the privacy page).
        # Closed conversations are deleted this long after they closed.
        "MESSAGE_RETENTION_DAYS": env.number("MESSAGE_RETENTION_DAYS", 365, low=1),
        # Check-ins and wellbeing entries are deleted this long after the day they are about.
        "CHECKIN_RETENTION_DAYS": env.number("CHECKIN_RETENTION_DAYS", 2 * 365, low=1),
        # A young person with no login and no activity this long is anonymised ...
        "RETENTION_INACTIVE_DAYS": env.number("RETENTION_INACTIVE_DAYS", 3 * 365, low=1),
        # ... after being told this many days before (in the app, and by e-mail when mail is set up).
        "RETENTION_WARNING_DAYS": env.number("RETENTION_WARNING_DAYS", 30, low=1),
        # Passkeys belong to a domain (the WebAuthn "RP ID", e.g. ungehub.dk) and are used from an
        # origin (https://ungehub.dk). Unset, both come from the host each request was made to; set
        # them in production (behind a proxy the request may not show the public host). A passkey
        # made for one RP ID never works for another. Browsers refuse an IP address as RP ID: in
        # development open http://localhost:5000, not 127.0.0.1.
        "WEBAUTHN_RP_ID": env.text("WEBAUTHN_RP_ID"),
        "WEBAUTHN_ORIGIN": env.text("WEBAUTHN_ORIGIN"),
        # The key behind the evaluation exports' pseudonyms. Unset (development), one is made in the
        # instance folder; in production every host must share it, or each exports other pseudonyms.
        "EVALUATION_KEY": env.text("EVALUATION_KEY"),
    }
    env.problems.extend(form_problems(name, config))
    if production:
        env.problems.extend(production_problems(env, config))
        config["TRUSTED_HOSTS"] = trusted_hosts(config["BASE_URL"], env.items("TRUSTED_HOSTS"))
    if env.problems:
        raise ConfigError(*env.problems)
    return config


ENVIRONMENTS = ("development", "production")
RATELIMIT_SCHEMES = ("memory", "redis", "rediss", "redis+unix", "redis+sentinel", "redis+cluster")


def _scheme(url: str) -> str:
    return url.split("://", 1)[0] if "://" in url else ""


def _shown(url: str) -> str:
    """An address named in a message by its start alone, never with its password."""
    return f"one starting {_scheme(url)[:20] + '://'!r}" if _scheme(url) else "one without a scheme"


def form_problems(name: str, config: dict) -> list[str]:
    """Settings whose form is wrong anywhere: the app would fail on them later, with a traceback."""
    problems = []
    if name not in ENVIRONMENTS:
        problems.append(f"{PREFIX}ENV must be production or development, not {name[:20]!r}.")
    try:
        database = make_url(config["DATABASE_URL"])
    except ArgumentError:
        database = None
    if (
        database is None
        or database.get_backend_name() not in ("sqlite", "postgresql")
        or (database.get_backend_name() == "postgresql" and database.get_driver_name() != "psycopg")
    ):
        problems.append(
            f"{PREFIX}DATABASE_URL must be postgresql+psycopg://user:password@host:5432/name or sqlite:///file, "
            f"not {_shown(config['DATABASE_URL'])}."
        )
    for setting in ("BASE_URL", "WEBAUTHN_ORIGIN") if name != "production" else ():  # production asks for https
        address = urlsplit(config[setting] or "")
        if config[setting] and (address.scheme not in ("http", "https") or not address.hostname):
            problems.append(f"{PREFIX}{setting} must be an http or https address such as http://localhost:5000.")
    storage = config["RATELIMIT_STORAGE_URI"] or ""
    if _scheme(storage) not in RATELIMIT_SCHEMES:
        problems.append(
            f"{PREFIX}RATELIMIT_STORAGE must be memory:// or a Redis address (redis://host:6379/0), "
            f"not {_shown(storage)}."
        )
    if not config["VAPID_SUBJECT"].startswith(("mailto:", "https://")):
        problems.append(
            f"{PREFIX}VAPID_SUBJECT must be a mailto: or https: address push services can reach the hub at."
        )
    return problems


def trusted_hosts(base_url: str, extra: list[str]) -> list[str]:
    """The Host headers a production server answers; any other is a 400 before a view runs, so a
    link built from the request (a reset mail, a QR code) cannot point elsewhere. The loopback
    names stay allowed for health checks on the host itself (a link to them leads nowhere)."""
    hosts = [urlsplit(base_url).hostname or "", *extra, "localhost", "127.0.0.1"]
    return [host.lower() for host in dict.fromkeys(hosts) if host]


def production_problems(env: Environment, config: dict) -> list[str]:
    """What a server on the open internet must not start with."""
    problems = []
    for setting, why in (
        ("SECRET_KEY", ""),
        (
            "EVALUATION_KEY",
            ", the same on every host, so evaluation exports keep their pseudonyms whichever host makes them",
        ),
    ):
        problem = _key_problem(setting, config[setting], why)
        if problem:
            problems.append(problem)
    if any(is_placeholder(key) or len(key.encode()) < MIN_KEY_BYTES for key in config["SECRET_KEY_FALLBACKS"]):
        problems.append(
            f"{PREFIX}SECRET_KEY_FALLBACKS holds a placeholder or a key shorter than {MIN_KEY_BYTES} bytes."
        )
    storage = (config["RATELIMIT_STORAGE_URI"] or "").strip()
    if not env.given("RATELIMIT_STORAGE") or storage.startswith("memory"):
        problems.append(
            f"{PREFIX}RATELIMIT_STORAGE must name a shared store when HUB_ENV=production "
            "(e.g. redis://127.0.0.1:6379/0): in memory, each worker counts on its own and limits do not hold."
        )
    base = urlsplit(config["BASE_URL"] or "")
    if not env.given("BASE_URL") or base.scheme != "https" or not base.hostname:
        problems.append(
            f"{PREFIX}BASE_URL must be the public https address when HUB_ENV=production "
            "(e.g. https://ungehub.example): links in e-mails and calendar feeds are built from it."
        )
    origin = config["WEBAUTHN_ORIGIN"]
    if origin and urlsplit(origin).scheme != "https":
        problems.append(f"{PREFIX}WEBAUTHN_ORIGIN must be an https address when HUB_ENV=production.")
    database_password = urlsplit(config["DATABASE_URL"] or "").password
    if database_password is not None and is_placeholder(database_password):
        problems.append(f"{PREFIX}DATABASE_URL still has the example's placeholder password.")
    if config["MAIL_PASSWORD"] and is_placeholder(config["MAIL_PASSWORD"]):
        problems.append(f"{PREFIX}MAIL_PASSWORD is still a placeholder from the example settings.")
    if not config["MAIL_SERVER"]:
        problems.append(
            f"{PREFIX}MAIL_SERVER must be set when HUB_ENV=production: sign-up confirms each address by mail "
            "(without it, sign-up would tell anyone which addresses have an account) "
            "and forgotten passwords are mailed."
        )
    if config["PUSH_ALLOW_LOOPBACK"]:
        problems.append(f"{PREFIX}PUSH_ALLOW_LOOPBACK is for tests only and must be off when HUB_ENV=production.")
    if not config["VAPID_PRIVATE_PEM"] and not env.given("VAPID_PRIVATE_KEY"):  # a bad one is told already
        problems.append(
            "A VAPID key must be set when HUB_ENV=production: run `flask --app hub vapid` "
            "or set HUB_VAPID_PRIVATE_KEY (a PEM or its path)."
        )
    return problems


def finish(config: dict, instance_path: Path) -> None:
    """Fill in what may depend on overrides (the development secret key)."""
    if not config.get("SECRET_KEY"):
        config["SECRET_KEY"] = instance_secret_key(instance_path)
