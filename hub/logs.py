"""Logs without secrets: no token, e-mail address or query value reaches a log line.

Two layers. The access log (hub/gunicorn_conf.py) writes each request's path through
`redact_path`: secret path segments masked, the query reduced to its keys, no referer. And every
record of the app, the scheduler and gunicorn passes `FILTER`, which masks e-mail addresses,
token-like strings, secret path segments and query values in the formatted message and in any
traceback, in case a call site forgets. Call sites log ids, never names, addresses or text.

Each request has an id: the proxy's (nginx's `$request_id`, sent as X-Request-ID) when there is a
proxy (HUB_PROXY_HOPS) and it looks like one, else a new one. It is returned in the X-Request-ID
header and carried by every line the request causes, so nginx's line, gunicorn's access line and
the app's own lines can be joined. With HUB_LOG_FORMAT=json (the production default) each line is
one JSON object: `time`, `level`, `logger`, `message`, `pid`, and inside a request `request_id`,
`route` (the rule, e.g. /events/<int:event_id>) and `user` (a keyed hash of the user id, never the
id itself: the same person gives the same hash while HUB_SECRET_KEY stays, and it cannot be turned
back into the id without the key).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import sys
import uuid
from datetime import UTC, datetime
from urllib.parse import unquote

from flask import Flask, current_app, g, has_request_context, request
from flask.logging import default_handler as flask_default_handler
from pythonjsonlogger.json import JsonFormatter
from sqlalchemy import inspect as sa_inspect

REDACTED = "[redacted]"
# Where the next path segment is the key itself, however short: /welcome/<token>, /scan/<code>,
# /download/<token>.
SECRET_AFTER = frozenset({"welcome", "scan", "download"})
TOKEN_CHARS = re.compile(r"[A-Za-z0-9_-]+")
EMAIL = re.compile(r"[\w.+-]+(?:@|%40)[\w-]+(?:\.[\w-]+)+", re.IGNORECASE)
TOKEN_IN_TEXT = re.compile(r"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{20,}(?![A-Za-z0-9_-])")
SECRET_SEGMENT_IN_TEXT = re.compile(r"(/(?:welcome|scan|download)/)[^/\s?#\"'<>]+")
QUERY_IN_TEXT = re.compile(r"\?([^\s\"'<>#?]*=[^\s\"'<>#]*)")
QUERY_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_.\[\]-]{0,30}")


def _looks_secret(word: str) -> bool:
    """A long random string: secrets.token_urlsafe and token_hex give these, words and ids do not."""
    if len(word) < 16 or not TOKEN_CHARS.fullmatch(word):
        return False
    return any(c.isdigit() for c in word) or any(c.isupper() for c in word)


def _token_in_text(match: re.Match) -> str:
    """Stricter than in a path, so class names in a traceback (SMTPRecipientsRefused) survive."""
    word = match.group(0)
    has_digit, has_upper, has_lower = (any(test(c) for c in word) for test in (str.isdigit, str.isupper, str.islower))
    if (has_digit and (has_upper or has_lower)) or (len(word) >= 32 and has_upper and has_lower):
        return REDACTED
    return word


def _segment(previous: str, segment: str) -> str:
    if previous in SECRET_AFTER and segment:
        return REDACTED
    if EMAIL.search(unquote(segment)):
        return REDACTED
    stem, dot, suffix = segment.partition(".")
    return REDACTED + dot + suffix if _looks_secret(stem) else segment


def query_keys(query: str) -> str:
    """`q=sara%40x.dk&page=2` → `q&page`: which parameters came, never their values."""
    keys = []
    for part in re.split(r"[&;]", query):
        key = unquote(part.partition("=")[0])
        if key:
            keys.append(key if QUERY_KEY.fullmatch(key) and not _looks_secret(key) else REDACTED)
    return "&".join(dict.fromkeys(keys))


def redact_path(uri: str) -> str:
    """A request's path and query as the access log may show them."""
    path, mark, query = uri.partition("?")
    segments = path.split("/")
    kept = [_segment(segments[i - 1] if i else "", segment) for i, segment in enumerate(segments)]
    return "/".join(kept) + (mark + query_keys(query) if mark else "")


def redact_text(text: str) -> str:
    """Free text (a log message, a traceback) without addresses, tokens or query values."""
    text = EMAIL.sub("[email]", text)
    text = SECRET_SEGMENT_IN_TEXT.sub(lambda m: m.group(1) + REDACTED, text)
    text = QUERY_IN_TEXT.sub(lambda m: "?" + query_keys(m.group(1)), text)
    return TOKEN_IN_TEXT.sub(_token_in_text, text)


class RedactingFilter(logging.Filter):
    """Cleans a record in place before any handler formats it: message, arguments, traceback."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # arguments that do not fit the message: keep neither as given
            message = str(record.msg)
        record.msg, record.args = redact_text(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact_text(record.exc_text)
        if record.stack_info:
            record.stack_info = redact_text(record.stack_info)
        return True


FILTER = RedactingFilter()


def install(*loggers: logging.Logger) -> None:
    """Put FILTER on every handler now writing this process's logs (root, gunicorn's, the given
    loggers') and on Python's last resort. Safe to call again after handlers are added."""
    targets = [logging.getLogger(), logging.getLogger("gunicorn.error"), logging.getLogger("gunicorn.access")]
    for logger in [*targets, *loggers]:
        for handler in logger.handlers:
            handler.addFilter(FILTER)
    if logging.lastResort is not None:
        logging.lastResort.addFilter(FILTER)


# --- request ids and the request's context on every line --------------------------------------------

REQUEST_ID_HEADER = "X-Request-ID"
REQUEST_ID = "hub.request_id"  # where the request's id lives in the WSGI environ
ROUTE = "hub.route"  # the matched rule, for gunicorn's access line and the metrics
USER = "hub.user"  # the keyed hash of the logged-in user's id
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{7,63}")  # nginx's is 32 hex digits, a UUID fits too
UNMATCHED = "(unmatched)"  # the route of a request no rule took (a 404): one label, not every path


class RequestIds:
    """WSGI middleware: the request's id in the environ and in the response's X-Request-ID header.

    The proxy's id is taken only when a proxy stands in front (HUB_PROXY_HOPS), which then sets
    the header itself, so a client cannot choose the id its lines are filed under."""

    def __init__(self, wsgi_app, *, trust_header: bool):
        self.wsgi_app, self.trust_header = wsgi_app, trust_header

    def __call__(self, environ, start_response):
        given = environ.get("HTTP_X_REQUEST_ID", "") if self.trust_header else ""
        request_id = given if SANE_REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        environ[REQUEST_ID] = request_id

        def start(status, headers, exc_info=None):
            headers = [(k, v) for k, v in headers if k.lower() != "x-request-id"]
            return start_response(status, [*headers, (REQUEST_ID_HEADER, request_id)], exc_info)

        return self.wsgi_app(environ, start)


def user_hash(user_id: int | str, secret_key: str | bytes) -> str:
    """The id under a keyed hash (HMAC-SHA256, 16 hex digits): one person's lines can be followed
    without the log naming them, and without the key no list of ids can be hashed to find them."""
    key = secret_key.encode() if isinstance(secret_key, str) else secret_key
    return hmac.new(key, f"ungehub log user {user_id}".encode(), hashlib.sha256).hexdigest()[:16]


def _current_user_hash() -> str | None:
    """The logged-in user's hash if the request already loaded them; never loads them (a query
    from inside a log call could run in a failed transaction)."""
    user = g.get("_login_user")  # where Flask-Login keeps the user it loaded
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    identity = sa_inspect(user, raiseerr=False)
    key = identity.identity if identity is not None else None  # the primary key, read without a query
    return user_hash(key[0], current_app.config["SECRET_KEY"]) if key else None


def request_context() -> dict[str, str]:
    """What ties a line to its request: its id, its route and who made it."""
    if not has_request_context():
        return {}
    environ = request.environ
    context = {"request_id": environ.get(REQUEST_ID), "route": environ.get(ROUTE)}
    if context["route"] is None:
        context["route"] = request.url_rule.rule if request.url_rule else UNMATCHED
    user = environ.get(USER) or _current_user_hash()
    if user:
        context["user"] = user
    return {key: value for key, value in context.items() if value}


class ContextFilter(logging.Filter):
    """Adds the request's id, route and user hash to a record made while a request runs."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in request_context().items():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True


CONTEXT = ContextFilter()


# --- one JSON object per line ---------------------------------------------------------------------

# Fields known to hold no secret (the access line's path is redacted before it is set); any other
# extra a call site adds is redacted like the message.
SAFE_FIELDS = frozenset(
    {"time", "level", "logger", "message", "pid", "request_id", "route", "user", "method", "path", "query"}
    | {"status", "duration_s", "bytes", "exc_info", "stack_info"}
)


class JsonLines(JsonFormatter):
    """python-json-logger with the time in UTC, short field names, and the redacted traceback:
    the base class would format the exception afresh from exc_info, past the filter's redaction."""

    def __init__(self) -> None:
        super().__init__(
            "%(asctime)s %(levelname)s %(name)s %(message)s %(process)d",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger", "process": "pid"},
            json_ensure_ascii=False,
        )

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802 (logging's name)
        return datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")

    def format(self, record: logging.LogRecord) -> str:
        exc_info = record.exc_info
        if record.exc_text:  # the filter has redacted it: use that, not a fresh one
            record.exc_info = None
        try:
            return super().format(record)
        finally:
            record.exc_info = exc_info

    def process_log_record(self, log_data: dict) -> dict:
        for key, value in log_data.items():
            if key not in SAFE_FIELDS and isinstance(value, str):
                log_data[key] = redact_text(value)
        return log_data


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


def formatter(log_format: str) -> logging.Formatter:
    """JSON lines or plain text, as HUB_LOG_FORMAT says (hub/config.py)."""
    return JsonLines() if log_format == "json" else logging.Formatter(TEXT_FORMAT)


def configure(log_format: str, stream=None) -> logging.Handler:
    """A process's own logging (gunicorn's workers, the scheduler): one handler on the root logger
    writing every record in the chosen format, with the request's context and the redaction.
    Python's warnings go the same way. Calling it again replaces the handler."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "_ungehub", False)]:
        root.removeHandler(old)
    # Flask gave the app's logger a handler of its own if the app was made first (the scheduler's
    # command): its lines would come twice, once not as JSON.
    logging.getLogger("hub").removeHandler(flask_default_handler)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler._ungehub = True  # type: ignore[attr-defined]
    handler.setFormatter(formatter(log_format))
    handler.addFilter(CONTEXT)
    handler.addFilter(FILTER)
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    logging.captureWarnings(True)
    return handler


def init_app(app: Flask) -> None:
    install(app.logger)  # app.logger adds Flask's default handler when nothing else would write
    app.wsgi_app = RequestIds(app.wsgi_app, trust_header=app.config.get("PROXY_HOPS", 0) > 0)

    @app.before_request
    def note_route() -> None:
        request.environ[ROUTE] = request.url_rule.rule if request.url_rule else UNMATCHED

    @app.after_request
    def note_user(response):
        # Registered first, so it runs after every other hook: the user is loaded by then if the
        # request used them, and a request that did not is not made to load them for a log line.
        user = _current_user_hash()
        if user:
            request.environ[USER] = user
        return response
