"""The security baseline: CSRF, headers, rate limits, safe redirects, no caching of private pages.

Rate limits and failed-login counts live in the limiter's storage, Redis in production, so every
worker on every host counts together. When Redis cannot be reached, nobody is locked out and
nothing fails: each worker counts in its own memory (a limit then holds per worker, not for the
whole site), says so once in the log, and goes back to Redis when it answers again (readiness
reports "degraded" meanwhile, hub/core/health.py).
"""

from __future__ import annotations

import ipaddress
import logging
import threading
import time
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, request
from flask.json.provider import DefaultJSONProvider
from flask_limiter import Limiter
from flask_login import current_user
from flask_talisman import Talisman
from flask_wtf.csrf import CSRFProtect
from limits import RateLimitItem
from limits.errors import StorageError
from limits.storage import MemoryStorage, Storage
from limits.strategies import MovingWindowRateLimiter
from werkzeug.exceptions import SecurityError
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response as PlainResponse
from werkzeug.wsgi import get_host

from hub.core.input_filter import clean_json


def client_address() -> str:
    """The client's address for counting: an IPv4 address, or the /64 of an IPv6 one."""
    raw = request.remote_addr or "unknown"
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        return raw
    if address.version == 6:
        if address.ipv4_mapped:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


csrf = CSRFProtect()
# in_memory_fallback_enabled: while the storage is down, the routes' limits count in memory.
limiter = Limiter(key_func=client_address, default_limits=[], headers_enabled=True, in_memory_fallback_enabled=True)
talisman = Talisman()
log = logging.getLogger("hub.security")

REDIS_TIMEOUT = 0.5  # seconds to connect to Redis or hear its answer: it answers in a millisecond
RETRY_SHARED_SECONDS = 5  # while Redis is down, how often a worker looks whether it is back


class SharedCounts:
    """Moving-window counts (failed logins, messages sent, voucher codes typed) for the code that
    counts by hand rather than through a route's limit: in the limiter's shared storage, or
    while that cannot be reached, in this process's memory. Same methods as limits'
    MovingWindowRateLimiter."""

    def __init__(self, storage: Storage):
        self.storage = storage
        self.shared = MovingWindowRateLimiter(storage)
        self.local = MovingWindowRateLimiter(MemoryStorage())
        errors = storage.base_exceptions
        self.errors = () if isinstance(storage, MemoryStorage) else (StorageError, *_as_tuple(errors))
        self.down_since: float | None = None
        self.next_look = 0.0
        self.lock = threading.Lock()

    def hit(self, item: RateLimitItem, *identifiers: str, cost: int = 1) -> bool:
        return self._count("hit", item, *identifiers, cost=cost)

    def test(self, item: RateLimitItem, *identifiers: str, cost: int = 1) -> bool:
        return self._count("test", item, *identifiers, cost=cost)

    def get_window_stats(self, item: RateLimitItem, *identifiers: str):
        return self._count("get_window_stats", item, *identifiers)

    def _count(self, method: str, *args, **kwargs):
        if self._shared_usable():
            try:
                return getattr(self.shared, method)(*args, **kwargs)
            except self.errors as error:
                self._lost(error)
        return getattr(self.local, method)(*args, **kwargs)

    def _shared_usable(self) -> bool:
        if self.down_since is None:
            return True
        with self.lock:
            if time.monotonic() < self.next_look:
                return False
            self.next_look = time.monotonic() + RETRY_SHARED_SECONDS
        if not self.storage.check():
            return False
        with self.lock:
            if self.down_since is not None:
                log.warning(
                    "rate-limit storage answers again after %.0f s: counting there", time.monotonic() - self.down_since
                )
                self.down_since = None
        return True

    def _lost(self, error: Exception) -> None:
        with self.lock:
            if self.down_since is None:  # once per outage; the kind of error only (no address or password)
                log.warning(
                    "rate-limit storage unreachable (%s): counting in this process's memory", type(error).__name__
                )
                self.down_since = time.monotonic()
            self.next_look = time.monotonic() + RETRY_SHARED_SECONDS


def _as_tuple(errors) -> tuple:
    return errors if isinstance(errors, tuple) else (errors,)


def shared_counts() -> SharedCounts:
    """The app's counts (see SharedCounts)."""
    return current_app.extensions["hub_counts"]


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


class JSONProvider(DefaultJSONProvider):
    """JSON nested deeper than Python recurses (`[[[[…`) is a bad body, not a crash: the
    parser's RecursionError becomes the ValueError that `get_json(silent=True)` turns into None.
    Every string is cleaned as forms are (`hub.core.input_filter`): "\\u0000" and a lone
    "\\ud800" are valid JSON, yet PostgreSQL refuses the one and UTF-8 cannot hold the other."""

    def loads(self, s, **kwargs):
        try:
            return clean_json(super().loads(s, **kwargs))
        except RecursionError as error:
            raise ValueError("JSON nested too deeply") from error


class TrustedHosts:
    """Answer a request for a host we are not with a bare 400, before Flask builds anything from
    it: no page, no link, no url_for (an error page would itself need the host to build links)."""

    def __init__(self, wsgi_app, hosts: list[str]):
        self.wsgi_app, self.hosts = wsgi_app, hosts

    def __call__(self, environ, start_response):
        try:
            get_host(environ, self.hosts)
        except SecurityError:
            return PlainResponse("Unknown host\n", status=400, mimetype="text/plain")(environ, start_response)
        return self.wsgi_app(environ, start_response)


def init_app(app: Flask) -> None:
    app.json = JSONProvider(app)
    if app.config.get("TRUSTED_HOSTS"):  # production: only the site's own name (hub/config.py)
        app.wsgi_app = TrustedHosts(app.wsgi_app, app.config["TRUSTED_HOSTS"])
    hops = app.config.get("PROXY_HOPS", 0)
    if hops:  # behind a reverse proxy: the client's address and scheme are what it says
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    csrf.init_app(app)
    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    app.config["RATELIMIT_HEADERS_ENABLED"] = True
    if app.config["RATELIMIT_STORAGE_URI"].startswith(("redis", "rediss")):
        # A Redis that is down or stalled costs a request half a second, once (see SharedCounts).
        app.config.setdefault(
            "RATELIMIT_STORAGE_OPTIONS", {"socket_timeout": REDIS_TIMEOUT, "socket_connect_timeout": REDIS_TIMEOUT}
        )
    limiter.init_app(app)
    app.extensions["hub_counts"] = SharedCounts(limiter.storage)
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
