"""One filter for all text a request brings in: control characters and lone surrogates are
removed before any view sees them, the same way on every database.

Why: PostgreSQL refuses a NUL byte in text (psycopg raises DataError, so a name like
"Nul\\x00Person" was an error page), while SQLite stores it; the same input must do the same on
both. A lone UTF-16 surrogate (JSON may write "\\ud800") cannot be encoded to UTF-8 at all. The
other C0 controls and DEL have no place in what people write; tab, newline and carriage return
do, and stay. Removed rather than refused: a pasted text keeps the rest, and nothing is lost.

Cleaned here: the keys and values of query strings and forms (as they are parsed), uploaded
file names, the request headers (a User-Agent becomes a device's name), cookies (a quoted cookie
value may write a NUL as `\\000`, which the cleaned Cookie header still carries), and, through
the app's JSON provider, every string of a JSON body, keys too (the session cookie is read by the
same provider; what it holds was clean when it was written). A path with a control character in
it names nothing, so it is a 404 before any view runs.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask, abort
from flask import Request as FlaskRequest
from werkzeug.datastructures import EnvironHeaders, FileStorage, ImmutableMultiDict, MultiDict

# C0 controls but tab (09), newline (0a) and carriage return (0d); DEL; every surrogate (in a
# Python str a surrogate is always a lone one: a proper pair is decoded to its character).
_UNWANTED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def clean_text(text: str) -> str:
    """`text` without control characters (tab, newline and carriage return stay) and lone
    surrogates; clean text comes back as it was (a `Markup` stays one)."""
    return _UNWANTED.sub("", text) if _UNWANTED.search(text) else text


def has_unwanted(text: str) -> bool:
    return _UNWANTED.search(text) is not None


def clean_json(value: Any) -> Any:
    """A parsed JSON value with every string cleaned, keys too; a dict keeps its own class."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list):
        return [clean_json(item) for item in value]
    if isinstance(value, dict):
        return type(value)((clean_text(key), clean_json(item)) for key, item in value.items())
    return value


def _clean_value(value: Any) -> Any:
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, FileStorage) and value.filename:
        value.filename = clean_text(value.filename)
    return value


class CleanMultiDict(ImmutableMultiDict):
    """Query string and form fields (and files), cleaned as they are parsed."""

    def __init__(self, mapping=None):
        pairs = MultiDict(mapping).items(multi=True) if mapping is not None else ()
        super().__init__([(clean_text(key), _clean_value(value)) for key, value in pairs])


class CleanHeaders(EnvironHeaders):
    """The request headers, read from the WSGI environ as before, with each value cleaned."""

    def _get_key(self, key):  # what [], get() and getlist() read through
        return clean_text(super()._get_key(key))

    def __iter__(self):
        for key, value in super().__iter__():
            yield key, clean_text(value)


class Request(FlaskRequest):
    parameter_storage_class = CleanMultiDict
    dict_storage_class = CleanMultiDict  # cookies

    def __init__(self, environ, *args, **kwargs):
        super().__init__(environ, *args, **kwargs)
        self.headers = CleanHeaders(environ)


def refuse_unwanted_path(endpoint: str | None, values: dict | None) -> None:
    """A path with a control character names nothing here: 404 before the view runs."""
    from flask import request

    if has_unwanted(request.path):
        abort(404)


def init_app(app: Flask) -> None:
    app.request_class = Request
    app.url_value_preprocessor(refuse_unwanted_path)
