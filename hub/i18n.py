"""Danish first, English second: the person's choice wins and is remembered.

Dates, times and durations are written here and nowhere else. Templates and modules ask for a
format by its name (`value|when("weekday_time")`, `when(value, "date")`), never with a Babel
pattern, so the whole app writes a date one way in each language.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta

from babel import Locale, dates
from flask import Flask, current_app, has_request_context, request, session
from flask_babel import Babel, LazyString, get_locale, get_timezone, gettext, ngettext
from flask_login import current_user

from hub.core import wording

babel = Babel()

LANGUAGES = {"da": "Dansk", "en": "English"}

# The English catalogue is "en", but dates follow British English: the day before the month and
# a 24-hour clock, never "12/6/26, 12:00 AM".
FORMAT_LOCALES = {"da": Locale.parse("da_DK"), "en": Locale.parse("en_GB")}

# name: (Danish pattern, English pattern). Danish as Retskrivningsordbogen writes it ("9. december",
# "kl. 15.00"); a sentence adds "den" before a date where Danish wants it ("den 9. december").
FORMATS = {
    "date": ("d. MMMM y", "d MMMM y"),  # 9. december 2026 | 9 December 2026
    "date_short": ("d. MMM y", "d MMM y"),  # 9. dec. 2026 | 9 Dec 2026
    "day_month": ("d. MMMM", "d MMMM"),  # 9. december | 9 December
    "day_month_short": ("d. MMM", "d MMM"),  # 9. dec. | 9 Dec
    "weekday_date": ("EEEE d. MMMM", "EEEE d MMMM"),  # onsdag 9. december | Wednesday 9 December
    "weekday_short": ("EEE d. MMM", "EEE d MMM"),  # ons. 9. dec. | Wed 9 Dec
    "weekday_time": ("EEEE d. MMMM 'kl.' HH.mm", "EEEE d MMMM, HH:mm"),  # onsdag 9. december kl. 15.00
    "weekday_short_time": ("EEE d. MMM 'kl.' HH.mm", "EEE d MMM, HH:mm"),  # ons. 9. dec. kl. 15.00
    "date_time": ("d. MMM y 'kl.' HH.mm", "d MMM y, HH:mm"),  # 9. dec. 2026 kl. 15.00 | 9 Dec 2026, 15:00
    "day_time": ("d. MMM 'kl.' HH.mm", "d MMM, HH:mm"),  # 9. dec. kl. 15.00 | 9 Dec, 15:00
    "time": ("HH.mm", "HH:mm"),  # 15.00 | 15:00
    "month": ("MMMM y", "MMMM y"),  # december 2026 | December 2026
}
# "day" is "date" without the year when the day is in this year: "9. december", "9. december 2025".
NAMES = frozenset(FORMATS) | {"day"}


def select_locale() -> str:
    if not has_request_context():  # a scheduled job or a command: the default, unless forced
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        session["lang"] = asked  # remembered in the cookie for this browser
        return asked
    if session.get("lang") in LANGUAGES:
        return session["lang"]
    if current_user and current_user.is_authenticated and current_user.locale in LANGUAGES:
        return current_user.locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def format_locale() -> Locale:
    """The locale dates are written in: the reader's language, with English as in Britain."""
    return FORMAT_LOCALES.get(get_locale().language, FORMAT_LOCALES["da"])


def local(value: datetime) -> datetime:
    """A moment on the hub's clock (Europe/Copenhagen); a naive datetime is taken as UTC."""
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(get_timezone())


def when(value: date | datetime | time, name: str) -> str:
    """`value` written in the reader's language in the named format (see FORMATS).

    A datetime is shown on the hub's clock; a date or a time of day is shown as it is."""
    if name == "day":
        day = local(value).date() if isinstance(value, datetime) else value
        name = "day_month" if day.year == local(datetime.now(UTC)).year else "date"
    if name not in FORMATS:
        raise ValueError(f"no date format named {name!r}: use one of {sorted(NAMES)}")
    locale = format_locale()
    pattern = FORMATS[name][0 if locale.language == "da" else 1]
    if isinstance(value, datetime):
        return dates.format_datetime(local(value), pattern, locale=locale)
    if isinstance(value, date):
        return dates.format_date(value, pattern, locale=locale)
    return dates.format_time(value, pattern, locale=locale)


def duration(value: timedelta | None, *, round_up: bool = False) -> str:
    """A length of time in words, its two largest parts: '45 minutes', '3 hours and 5 minutes',
    '2 days and 4 hours'. Rounded to the minute, or up (`round_up`) when it tells someone to wait."""
    if value is None:
        return "–"
    seconds = max(0.0, value.total_seconds())
    minutes = math.ceil(seconds / 60) if round_up else round(seconds / 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:  # past a day the minutes are not shown: round them into the hours
        hours += (minutes > 0) if round_up else (minutes >= 30)
        days, hours, minutes = days + hours // 24, hours % 24, 0
    parts = []
    if days:
        parts.append(ngettext("%(num)d day", "%(num)d days", days))
    if hours:
        parts.append(ngettext("%(num)d hour", "%(num)d hours", hours))
    if minutes or not parts:
        parts.append(ngettext("%(num)d minute", "%(num)d minutes", minutes))
    if len(parts) == 1:
        return parts[0]
    return gettext("%(larger)s and %(smaller)s", larger=parts[0], smaller=parts[1])


def lazy_when(value: date | datetime | time, name: str) -> LazyString:
    """`when`, written when the text is rendered: a notification in its reader's language."""
    return LazyString(lambda: when(value, name))


def lazy_duration(value: timedelta, *, round_up: bool = False) -> LazyString:
    return LazyString(lambda: duration(value, round_up=round_up))


def init_app(app: Flask) -> None:
    app.config["LANGUAGES"] = LANGUAGES
    babel.init_app(app, locale_selector=select_locale, default_translation_directories="translations")
    app.jinja_env.globals["get_locale"] = get_locale
    # Flask-Babel's filters take raw patterns; dates go through the named formats instead.
    for raw in ("datetimeformat", "dateformat", "timeformat", "timedeltaformat"):
        app.jinja_env.filters.pop(raw, None)
    app.jinja_env.filters["when"] = when
    app.jinja_env.filters["duration"] = duration
    wording.init_app(app)  # possessives ("Saras plan"), lists with "and", seeded texts in English

    @app.after_request
    def tell_the_language(response):
        # htmx swaps only the body, and the service worker picks the offline page by it.
        if response.mimetype == "text/html":
            response.headers["Content-Language"] = str(get_locale())
        return response
