"""Tests build a fresh app for every test, and nine tenths of that time went into werkzeug
compiling the same URL builders again (a Python function per rule, made with `compile`). The
builder depends only on the rule's parsed parts and defaults, never on the app, so one compiled
builder per rule serves every app of the run. Production builds its app once per worker and
does not need this.
"""

from __future__ import annotations

from werkzeug.routing.rules import Rule

_original = Rule._compile_builder
_builders: dict[tuple, object] = {}


def _cached_compile_builder(self: Rule, append_unknown: bool = True):
    key = (
        self.rule,
        tuple(self._trace),
        tuple(sorted((name, repr(value)) for name, value in (self.defaults or {}).items())),
        tuple((name, type(conv), _settings(conv)) for name, conv in sorted(self._converters.items())),
        append_unknown,
    )
    builder = _builders.get(key)
    if builder is None:
        builder = _builders[key] = _original(self, append_unknown)
    return builder


def _settings(converter) -> str:
    """What a converter was made with (its arguments), without the map it belongs to."""
    return repr(sorted((key, value) for key, value in vars(converter).items() if key != "map"))


def install() -> None:
    Rule._compile_builder = _cached_compile_builder
