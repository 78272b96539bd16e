"""What the form fuzz needs besides the test itself: finding which fields a view reads, a
fingerprint of the whole database, and Hypothesis strategies for hostile form and JSON bodies.

Fields are found by asking the view, not by reading templates: a probe request runs with a
request class that notes every form key the view (or its Flask-WTF form) looks up, and every
JSON key it reads. So a field added to a form is fuzzed without anyone listing it here.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
from collections.abc import Iterator
from urllib.parse import quote_from_bytes

from flask import Flask
from hypothesis import strategies as st
from sqlalchemy import Engine, select
from sqlmodel import SQLModel
from werkzeug.datastructures import ImmutableMultiDict

# --- which fields a view reads ---------------------------------------------------------------------


class Reads:
    """What one probe saw: form keys looked up, whether JSON was asked for, JSON keys read."""

    def __init__(self) -> None:
        self.form: set[str] = set()
        self.json_asked = False
        self.json_keys: set[str] = set()


class _RecordingForm(ImmutableMultiDict):
    """request.form that writes down every key looked up (WTForms asks `name in formdata`)."""

    reads: Reads

    def _note(self, key):
        self.reads.form.add(str(key))
        return key

    def get(self, key, *args, **kwargs):
        return super().get(self._note(key), *args, **kwargs)

    def getlist(self, key, *args, **kwargs):
        return super().getlist(self._note(key), *args, **kwargs)

    def __getitem__(self, key):
        return super().__getitem__(self._note(key))

    def __contains__(self, key):
        return super().__contains__(self._note(key))


class _RecordingDict(dict):
    """A JSON object that writes down every key read from it."""

    reads: Reads

    def get(self, key, default=None):
        self.reads.json_keys.add(str(key))
        return super().get(key, default)

    def __getitem__(self, key):
        self.reads.json_keys.add(str(key))
        return super().__getitem__(key)

    def __contains__(self, key):
        self.reads.json_keys.add(str(key))
        return super().__contains__(key)


@contextlib.contextmanager
def recording(app: Flask) -> Iterator[Reads]:
    """While open, requests to `app` note what they read into the yielded `Reads`."""
    reads = Reads()
    form_class = type("Form", (_RecordingForm,), {"reads": reads})
    dict_class = type("Object", (_RecordingDict,), {"reads": reads})
    plain_request, plain_json = app.request_class, app.json

    class Request(plain_request):
        def _load_form_data(self) -> None:
            super()._load_form_data()
            self.__dict__["form"] = form_class(self.__dict__["form"])

        def get_json(self, *args, **kwargs):
            reads.json_asked = True
            return super().get_json(*args, **kwargs)

    class Provider(type(plain_json)):  # the app's own parser, plus the note-taking
        def loads(self, s, **kwargs):
            return super().loads(s, object_hook=dict_class, **kwargs)

    app.request_class, app.json = Request, Provider(app)
    try:
        yield reads
    finally:
        app.request_class, app.json = plain_request, plain_json


# --- the database, fingerprinted -------------------------------------------------------------------


def fingerprint(engine: Engine, ignore: dict[str, set[str]]) -> dict[str, tuple[int, str]]:
    """Per table: how many rows, and a hash of every row (minus the `ignore`d columns) as
    stored, read by the driver: a sealed or otherwise decorated column is not opened."""
    result = {}
    frozen = tuple(sorted((table, tuple(sorted(columns))) for table, columns in ignore.items()))
    with engine.connect() as conn:
        for name, sql in _table_queries(engine.dialect, frozen):
            digest = hashlib.blake2b(digest_size=16)
            rows = conn.exec_driver_sql(sql).fetchall()
            for row in rows:
                digest.update(repr(tuple(row)).encode())
            result[name] = (len(rows), digest.hexdigest())
    return result


@functools.lru_cache(maxsize=8)
def _table_queries(dialect, ignore: tuple) -> list[tuple[str, str]]:
    """One plain SELECT per table, in primary-key order, compiled once."""
    skip_of = {table: set(columns) for table, columns in ignore}
    queries = []
    for table in SQLModel.metadata.sorted_tables:
        skip = skip_of.get(table.name, set())
        columns = [column for column in table.columns if column.name not in skip]
        order = list(table.primary_key.columns) or columns
        statement = select(*columns).order_by(*order)
        queries.append((table.name, str(statement.compile(dialect=dialect))))
    return queries


def changed_tables(before: dict, after: dict) -> list[str]:
    return sorted(name for name in before if before[name] != after.get(name))


# --- hostile values ---------------------------------------------------------------------------------

# Characters that have broken forms elsewhere: NUL and other controls, lone surrogates (JSON may
# write "\ud800"; in a form they are bytes that are not UTF-8), right-to-left marks and
# overrides, zero-width joiners, emoji made of several code points, a byte-order mark, combining
# accents, letters whose case changes their length, and the markup and quoting characters.
SPICY = [
    "\x00", "\x01", "\x1b", "\x7f", "\r\n", "\t", "\u0085", "\u2028", "\ud800", "\udfff",
    "\u202e", "\u200f", "\u061c", "مرحبا", "שלום",
    "\u200b", "\u200d", "😀", "👩‍👩‍👧", "🏳️‍🌈", "\ufeff", "e\u0301", "İ", "ß", "ﬃ",
    "<script>", "'", '"', "%", "\\", "{{ 7*7 }}", "%(name)s", "æøå",
]  # fmt: skip

spicy_text = st.lists(st.sampled_from(SPICY) | st.text(max_size=4), max_size=12).map("".join)

# Over 100 KB, made by repetition: drawing that many characters one by one would be slow.
huge_text = st.builds(
    lambda piece, times: piece * times,
    st.sampled_from(["a", "ø", "😀", "\x00", "<b>", "7", "a "]),
    st.integers(100_001, 120_000),
)

numbers = st.one_of(
    st.integers().map(str),
    st.integers(min_value=-(2**80), max_value=2**80).map(str),
    st.floats().map(str),
    st.sampled_from(["0", "-1", "1e309", "-0", "0x10", "NaN", "inf", "1_000", " 3 ", "٣", "１２", "½", "²"]),
    st.sampled_from(["2147483648", "9223372036854775808", "7" * 5000]),  # past 32 and 64 bits, past int()
)

dates = st.one_of(
    st.dates().map(lambda d: d.isoformat()),
    st.datetimes().map(lambda d: d.isoformat(timespec="minutes")),
    st.sampled_from(
        [
            "0000-00-00", "0001-01-01", "9999-12-31", "10000-01-01", "-0001-01-01", "2026-02-30",
            "2026-13-01", "31/12/2026", "2026-12-31T25:61", "9999-12-31T23:59", "0001-01-01T00:00",
            "2026-06-01T12:00+99:00", "today",
        ]
    ),
)  # fmt: skip

flags = st.sampled_from(["y", "on", "true", "1", "0", "", "false", "yes", "no", "None"])

# Bytes that are not UTF-8 at all: a lone surrogate (as CESU would write it), an overlong NUL,
# stray continuation bytes, and whatever else comes up.
bad_bytes = st.one_of(
    st.sampled_from([b"\xed\xa0\x80", b"\xed\xbf\xbf", b"\xc0\x80", b"\xff\xfe", b"\x80", b"a\xe2\x82"]),
    st.binary(max_size=16),
)

field_value = st.one_of(st.text(), spicy_text, huge_text, numbers, numbers, dates, flags, bad_bytes)  # ids: often
field_name = st.one_of(
    st.text(min_size=1, max_size=16), spicy_text, st.sampled_from(["id", "user_id", "next", "is_staff"])
)


@st.composite
def form_pairs(draw, fields: list[str]) -> list[tuple[str, str | bytes]]:
    """A body for `fields`: each one missing, given once or given several times (a list), in
    any order, with some extra fields nobody asked for."""
    pairs: list[tuple[str, str | bytes]] = []
    for name in fields:
        times = draw(st.sampled_from([0, 1, 1, 1, 2, 3]))
        pairs += [(name, draw(field_value)) for _ in range(times)]
    pairs += draw(st.lists(st.tuples(field_name, field_value), max_size=3))
    return draw(st.permutations(pairs))


def urlencode(pairs: list[tuple[str | bytes, str | bytes]]) -> bytes:
    """An urlencoded body that may carry bytes that are not UTF-8 (urllib would refuse them)."""

    def raw(value: str | bytes) -> bytes:
        return value if isinstance(value, bytes) else value.encode("utf-8", "surrogatepass")

    return b"&".join(quote_from_bytes(raw(k)).encode() + b"=" + quote_from_bytes(raw(v)).encode() for k, v in pairs)


FORM_TYPES = [
    "application/x-www-form-urlencoded",
    "application/x-www-form-urlencoded; charset=latin-1",
    "text/plain",
    "application/json",
]


@st.composite
def form_requests(draw, fields: list[str]) -> tuple[bytes, str]:
    """(body, content type): mostly a proper form, sometimes labelled as something else."""
    body = urlencode(draw(form_pairs(fields)))
    return body, draw(st.sampled_from(FORM_TYPES[:1] * 6 + FORM_TYPES[1:]))


def json_values(keys: list[str]):
    """Any JSON, whose objects mostly use the keys the view reads."""
    scalars = st.one_of(
        st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(), spicy_text, huge_text
    )
    key = st.sampled_from(keys) | st.text(max_size=8) | spicy_text if keys else st.text(max_size=8) | spicy_text
    return st.recursive(
        scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(key, inner, max_size=5), max_leaves=12
    )


@st.composite
def json_requests(draw, keys: list[str]) -> tuple[bytes, str]:
    """(body, content type): JSON objects with the known keys, other JSON, or broken JSON."""
    values = json_values(keys)
    kind = draw(st.sampled_from(["object", "object", "object", "any", "broken"]))
    if kind == "broken":
        body = draw(st.sampled_from([b"{", b"", b"nul", b'{"a": 1,}', b"\xff\xfe{}", b"[" * 10_000]))
    elif kind == "any":
        body = json.dumps(draw(values)).encode()
    else:
        body = json.dumps(draw(st.fixed_dictionaries({}, optional={k: values for k in keys}))).encode()
    return body, draw(st.sampled_from(["application/json", "application/json", "text/plain"]))
