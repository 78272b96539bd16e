"""Dates, times, durations and counted nouns are written one way in each language: through the
named formats and the duration helper of hub/i18n.py, and through ngettext where a number meets
a noun. Danish as Retskrivningsordbogen has it ("onsdag 9. december kl. 15.00"); English as in
Britain ("Wednesday 9 December, 15:00"), never the American "12/6/26, 12:00 AM"."""

from __future__ import annotations

import ast
import re
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
import time_machine
from flask import Flask, render_template_string
from flask_babel import force_locale, ngettext
from jinja2 import TemplateAssertionError

from hub import i18n
from hub.i18n import FORMATS, NAMES, duration, when

ROOT = Path(__file__).resolve().parents[2]

# Wednesday 9 December 2026, 15:00 in Aarhus (CET, UTC+1).
MOMENT = datetime(2026, 12, 9, 14, 0, tzinfo=UTC)

EXPECTED = {
    "date": ("9. december 2026", "9 December 2026"),
    "date_short": ("9. dec. 2026", "9 Dec 2026"),
    "day_month": ("9. december", "9 December"),
    "day_month_short": ("9. dec.", "9 Dec"),
    "weekday_date": ("onsdag 9. december", "Wednesday 9 December"),
    "weekday_short": ("ons. 9. dec.", "Wed 9 Dec"),
    "weekday_time": ("onsdag 9. december kl. 15.00", "Wednesday 9 December, 15:00"),
    "weekday_short_time": ("ons. 9. dec. kl. 15.00", "Wed 9 Dec, 15:00"),
    "date_time": ("9. dec. 2026 kl. 15.00", "9 Dec 2026, 15:00"),
    "day_time": ("9. dec. kl. 15.00", "9 Dec, 15:00"),
    "time": ("15.00", "15:00"),
    "month": ("december 2026", "December 2026"),
}


@pytest.fixture(scope="module")
def app():
    """Only what formatting needs: Flask-Babel with the app's catalogue and time zone."""
    app = Flask("hub", root_path=str(ROOT / "hub"))
    app.config.update(SECRET_KEY="test", BABEL_DEFAULT_LOCALE="da", BABEL_DEFAULT_TIMEZONE="Europe/Copenhagen")
    i18n.init_app(app)
    return app


@pytest.fixture
def in_language(app):
    """`with in_language("en"):` formats as a request in that language would."""
    import contextlib

    @contextlib.contextmanager
    def language(code: str):
        with app.test_request_context("/"), force_locale(code):
            yield

    return language


def test_every_named_format_in_both_languages(in_language):
    assert set(EXPECTED) == set(FORMATS)
    for index, code in enumerate(("da", "en")):
        with in_language(code):
            assert {name: when(MOMENT, name) for name in FORMATS} == {k: v[index] for k, v in EXPECTED.items()}


def test_a_moment_is_written_on_the_aarhus_clock_across_summer_time(in_language):
    with in_language("da"):
        # The night summer time ends (25 October 2026) the clock shows 02.30 twice.
        assert when(datetime(2026, 10, 25, 0, 30, tzinfo=UTC), "weekday_time") == "søndag 25. oktober kl. 02.30"
        assert when(datetime(2026, 10, 25, 1, 30, tzinfo=UTC), "weekday_time") == "søndag 25. oktober kl. 02.30"
        assert when(datetime(2026, 10, 25, 2, 30, tzinfo=UTC), "time") == "03.30"
        # The night it begins (29 March 2026) jumps from 01.59 to 03.00.
        assert when(datetime(2026, 3, 29, 0, 59, tzinfo=UTC), "time") == "01.59"
        assert when(datetime(2026, 3, 29, 1, 0, tzinfo=UTC), "date_time") == "29. mar. 2026 kl. 03.00"
        # 22.30 UTC on 30 June is already 1 July in Aarhus: the day is the local one.
        assert when(datetime(2026, 6, 30, 22, 30, tzinfo=UTC), "date") == "1. juli 2026"
        assert when(datetime(2026, 6, 30, 22, 30), "date") == "1. juli 2026"  # naive means UTC
    with in_language("en"):
        assert when(datetime(2026, 10, 25, 1, 30, tzinfo=UTC), "weekday_time") == "Sunday 25 October, 02:30"
        assert when(datetime(2026, 7, 1, 6, 0, tzinfo=UTC), "weekday_short_time") == "Wed 1 Jul, 08:00"


def test_dates_and_times_of_day_are_written_as_they_are(in_language):
    with in_language("da"):
        assert when(date(2026, 5, 1), "weekday_date") == "fredag 1. maj"
        assert when(date(2026, 5, 1), "date_short") == "1. maj 2026"  # May has no abbreviation
        assert when(time(9, 5), "time") == "09.05"
    with in_language("en"):
        assert when(date(2026, 5, 1), "date") == "1 May 2026"
        assert when(time(21, 30), "time") == "21:30"


@time_machine.travel(datetime(2026, 12, 31, 23, 30, tzinfo=UTC), tick=False)  # 1 January 2027 in Aarhus
def test_day_leaves_out_the_year_only_in_this_year(in_language):
    with in_language("da"):
        assert when(date(2027, 3, 12), "day") == "12. marts"
        assert when(date(2026, 12, 31), "day") == "31. december 2026"
        assert when(datetime(2026, 12, 31, 23, 0, tzinfo=UTC), "day") == "1. januar"
    with in_language("en"):
        assert when(date(2027, 3, 12), "day") == "12 March"
        assert when(date(2025, 3, 12), "day") == "12 March 2025"


def test_an_unknown_format_name_is_an_error(in_language):
    with in_language("da"), pytest.raises(ValueError, match="no date format named"):
        when(MOMENT, "d MMMM y")


def test_durations_in_words_with_danish_plurals(in_language):
    cases = {
        timedelta(seconds=20): ("0 minutter", "0 minutes"),
        timedelta(minutes=1): ("1 minut", "1 minute"),
        timedelta(minutes=45): ("45 minutter", "45 minutes"),
        timedelta(hours=1): ("1 time", "1 hour"),
        timedelta(hours=1, minutes=1): ("1 time og 1 minut", "1 hour and 1 minute"),
        timedelta(hours=17, minutes=52): ("17 timer og 52 minutter", "17 hours and 52 minutes"),
        timedelta(days=1): ("1 dag", "1 day"),
        timedelta(days=2, hours=4, minutes=29): ("2 dage og 4 timer", "2 days and 4 hours"),
        timedelta(days=1, hours=23, minutes=30): ("2 dage", "2 days"),  # rounded into the next day
    }
    for index, code in enumerate(("da", "en")):
        with in_language(code):
            assert {value: duration(value) for value in cases} == {k: v[index] for k, v in cases.items()}
    with in_language("da"):
        assert duration(None) == "–"
        # Telling someone to wait: never too early.
        assert duration(timedelta(seconds=61), round_up=True) == "2 minutter"
        assert duration(timedelta(seconds=59), round_up=True) == "1 minut"
        assert duration(timedelta(days=1, minutes=1), round_up=True) == "1 dag og 1 time"
        assert duration(timedelta(days=1, minutes=1)) == "1 dag"


def test_a_number_and_its_noun_agree_in_danish(in_language):
    with in_language("da"):
        assert [ngettext("%(num)d hour", "%(num)d hours", n) for n in (1, 2)] == ["1 time", "2 timer"]
        assert [ngettext("%(num)d time", "%(num)d times", n) for n in (1, 2)] == ["1 gang", "2 gange"]
        assert [ngettext("%(num)d minute", "%(num)d minutes", n) for n in (1, 2)] == ["1 minut", "2 minutter"]
        places = [ngettext("%(taken)d of %(num)d place taken", "%(taken)d of %(num)d places taken", n, taken=1)
                  for n in (1, 2)]  # fmt: skip
        assert places == ["1 af 1 plads taget", "1 af 2 pladser taget"]
        back = [ngettext("Your %(num)d klip is back.", "Your %(num)d klip are back.", n) for n in (1, 2)]
        assert back == ["Du har fået dit klip tilbage.", "Du har fået dine 2 klip tilbage."]
        new = [ngettext("%(num)d new klip for %(month)s", "%(num)d new klip for %(month)s", n, month="maj")
               for n in (1, 2)]  # fmt: skip
        assert new == ["1 nyt klip for maj", "2 nye klip for maj"]
    with in_language("en"):
        assert [ngettext("%(num)d hour", "%(num)d hours", n) for n in (1, 2)] == ["1 hour", "2 hours"]


def test_templates_format_by_name_and_the_raw_filters_are_gone(app, in_language):
    with in_language("da"):
        page = render_template_string('{{ moment|when("weekday_time") }} · {{ span|duration }}',
                                      moment=MOMENT, span=timedelta(hours=1, minutes=5))  # fmt: skip
        assert page == "onsdag 9. december kl. 15.00 · 1 time og 5 minutter"
        # The staff's support page counts changes this way.
        line = (ROOT / "templates/staff_support/person.html").read_text()
        scaled = re.search(r'\{\{ _\("Scaled up .*?\}\}', line).group(0)
        counts = {"up": 1, "down": 2, "paused": 0}
        assert render_template_string(scaled, counts=counts) == "Skruet op 1 gang, ned 2 gange, sat på pause 0 gange."
        for raw in ("datetimeformat", "dateformat", "timeformat", "timedeltaformat"):
            with pytest.raises(TemplateAssertionError):
                render_template_string("{{ moment|" + raw + "('short') }}", moment=MOMENT)


# --- one style, structurally: no raw pattern anywhere else ---------------------------------------

RAW_FILTERS = re.compile(r"\b(datetimeformat|dateformat|timeformat|timedeltaformat|strftime)\b")
WHEN_FILTER = re.compile(r"\|\s*when\b(\s*\(\s*(?P<arg>[^)]*)\))?")
BABEL_FORMATTERS = {"format_date", "format_datetime", "format_time", "format_skeleton", "format_interval"}
CLDR_PATTERNS = {"date_formats", "time_formats", "datetime_formats", "datetime_skeletons"}
MACHINE = re.compile(r"^(%[YmdHMS]|[-: T])+$")  # ISO-like keys for CSV files and grouping, not for reading


def test_no_template_passes_a_raw_date_pattern():
    found = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        text = path.read_text()
        rel = path.relative_to(ROOT)
        found += [f"{rel}: {m.group(0)}" for m in RAW_FILTERS.finditer(text)]
        for m in WHEN_FILTER.finditer(text):
            arg = m.group("arg")
            name = arg and re.fullmatch(r"""\s*(['"])(\w+)\1\s*""", arg)
            if not name or name.group(2) not in NAMES:
                found.append(f"{rel}: {m.group(0)} (a name from hub.i18n.FORMATS, in quotes)")
    assert found == []


def test_no_module_formats_a_date_with_a_pattern_of_its_own():
    found = []
    for path in sorted((ROOT / "hub").rglob("*.py")):
        rel = path.relative_to(ROOT)
        if rel == Path("hub/i18n.py"):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            line = f"{rel}:{getattr(node, 'lineno', '?')}"
            if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in ("babel", "flask_babel"):
                found += [f"{line} imports {a.name}" for a in node.names if a.name in BABEL_FORMATTERS]
            elif isinstance(node, ast.Attribute) and node.attr in BABEL_FORMATTERS | CLDR_PATTERNS:
                found.append(f"{line} uses .{node.attr}")
            elif isinstance(node, ast.Call):
                name = getattr(node.func, "attr", getattr(node.func, "id", None))
                first = node.args[0] if node.args else None
                pattern = first.value if isinstance(first, ast.Constant) else None
                if name == "strftime" and not (isinstance(pattern, str) and MACHINE.match(pattern)):
                    found.append(f"{line} strftime({ast.unparse(first) if first else ''})")
                if name in ("when", "lazy_when"):
                    second = node.args[1] if len(node.args) > 1 else None
                    if not (isinstance(second, ast.Constant) and second.value in NAMES):
                        found.append(f"{line} {name}(…, {ast.unparse(second) if second else ''})")
    assert found == []
