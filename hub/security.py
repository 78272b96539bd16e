"""The security baseline: CSRF, headers, rate limits, safe redirects, no caching of private pages."""

from __future__ import annotations

import hashlib
import math
import time
from urllib.parse import urlsplit

from flask import Flask, Response, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import current_user
from flask_talisman import Talisman
from flask_wtf.csrf import CSRFProtect
from limits import parse_many
from limits.strategies import MovingWindowRateLimiter

csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=True)
talisman = Talisman()

CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "manifest-src": "'self'",
    "worker-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}

# Failed logins slow down in steps rather than lock an account: a wrong password now and
# then costs nothing, a burst costs a minute, a long run an hour. The limits count failures
# per account (whoever tries) and per address (a hub's shared wifi gets room).
ACCOUNT_FAILURES = parse_many("5/minute;10/15 minutes;20/hour")
ADDRESS_FAILURES = parse_many("30/minute;200/hour")


def _throttle_keys(email: str) -> list[tuple[str, list]]:
    account = hashlib.sha256(email.encode()).hexdigest()[:32]
    return [
        (f"login-fail/account/{account}", ACCOUNT_FAILURES),
        (f"login-fail/address/{get_remote_address()}", ADDRESS_FAILURES),
    ]


def _window() -> MovingWindowRateLimiter:
    return MovingWindowRateLimiter(limiter.storage)


def login_wait_seconds(email: str) -> int:
    """Seconds before another login attempt for this e-mail from this address may be tried."""
    window, now, wait = _window(), time.time(), 0.0
    for key, limits in _throttle_keys(email):
        for limit in limits:
            if not window.test(limit, key):
                reset_at = window.get_window_stats(limit, key).reset_time
                wait = max(wait, reset_at - now)
    return math.ceil(wait)


def record_login_failure(email: str) -> None:
    window = _window()
    for key, limits in _throttle_keys(email):
        for limit in limits:
            window.hit(limit, key)


def safe_next(target: str | None) -> str | None:
    """`target` if it is a path on this site, else None (no //host, /\\host or schemes)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    if any(ord(c) < 32 or c == "\\" for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def init_app(app: Flask) -> None:
    csrf.init_app(app)
    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    app.config["RATELIMIT_HEADERS_ENABLED"] = True
    limiter.init_app(app)
    production = app.config["PRODUCTION"]
    talisman.init_app(
        app,
        force_https=production and app.config.get("FORCE_HTTPS", True),
        strict_transport_security=production,
        strict_transport_security_max_age=31536000,
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        session_cookie_http_only=True,
        content_security_policy=CONTENT_SECURITY_POLICY,
        frame_options="DENY",
        referrer_policy="same-origin",
        permissions_policy={"geolocation": "()", "microphone": "()", "camera": "(self)"},
    )

    @app.after_request
    def never_store_private_pages(response: Response) -> Response:
        if request.endpoint != "static" and current_user and current_user.is_authenticated:
            response.headers["Cache-Control"] = "no-store"
        return response
