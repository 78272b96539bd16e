"""Logs without secrets: no token, e-mail address or query value reaches a log line.

Two layers. The access log (hub/gunicorn_conf.py) writes each request's path through
`redact_path`: secret path segments masked, the query reduced to its keys, no referer. And every
record of the app, the scheduler and gunicorn passes `FILTER`, which masks e-mail addresses,
token-like strings, secret path segments and query values in the formatted message and in any
traceback, in case a call site forgets. Call sites log ids, never names, addresses or text.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import unquote

from flask import Flask

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


def init_app(app: Flask) -> None:
    install(app.logger)  # app.logger adds Flask's default handler when nothing else would write
