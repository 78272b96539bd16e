"""Words that depend on the reader's language beyond the catalogue: a name's possessive, a list
with "and", and the English version of a text the app seeded ("localized(offer, 'title')").

Staff and support people look at a young person's things, so their pages name that person
("Saras plan", "Sara's plan") instead of saying "your plan".
"""

from __future__ import annotations

from collections.abc import Iterable

from babel.lists import format_list
from flask import Flask, has_request_context
from flask_babel import get_locale

LIST_LOCALES = {"da": "da_DK", "en": "en_GB"}  # British English: no comma before "and"


def language(locale: str | None = None) -> str:
    """'da' or 'en': the one asked for, else the reader's (Danish outside a request)."""
    if locale is None:
        current = get_locale() if has_request_context() else None
        locale = current.language if current else "da"
    return "en" if str(locale).startswith("en") else "da"


def possessive(name: str, locale: str | None = None) -> str:
    """The name as an owner: "Saras" / "Mads'" in Danish, "Sara's" / "Mads's" in English."""
    name = (name or "").strip()
    if not name:
        return name
    if language(locale) == "en":
        return f"{name}'s"
    if name[-1].lower() in "sxz":  # "Mads'", "Felix'", "Inez'": no extra s after s, x or z
        return f"{name}'"
    if name[-1].isdigit():  # "3F's", "Kanal 5's"
        return f"{name}'s"
    return f"{name}s"


def and_list(items: Iterable[object], locale: str | None = None) -> str:
    """A list with "and": "plan, bookings and klippekort" / "plan, bookinger og klippekort"."""
    words = [str(item) for item in items]
    return format_list(words, locale=LIST_LOCALES[language(locale)]) if words else ""


def localized(thing: object, field: str, locale: str | None = None) -> str:
    """A seeded text in the reader's language: `thing.<field>_en` when the reader reads English
    and it is written, else the Danish `thing.<field>` (what staff typed stays as typed)."""
    danish = getattr(thing, field)
    if language(locale) == "en":
        english = getattr(thing, f"{field}_en", None)
        if english and english.strip():
            return english
    return danish


def init_app(app: Flask) -> None:
    app.jinja_env.filters["possessive"] = possessive
    app.jinja_env.filters["and_list"] = and_list
    app.jinja_env.globals["localized"] = localized
