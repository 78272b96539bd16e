"""Danish first, English second: the person's choice wins and is remembered."""

from __future__ import annotations

from flask import Flask, current_app, has_request_context, request, session
from flask_babel import Babel, get_locale
from flask_login import current_user

babel = Babel()

LANGUAGES = {"da": "Dansk", "en": "English"}


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


def init_app(app: Flask) -> None:
    app.config["LANGUAGES"] = LANGUAGES
    babel.init_app(app, locale_selector=select_locale, default_translation_directories="translations")
    app.jinja_env.globals["get_locale"] = get_locale

    @app.after_request
    def tell_the_language(response):
        # htmx swaps only the body, and the service worker picks the offline page by it.
        if response.mimetype == "text/html":
            response.headers["Content-Language"] = str(get_locale())
        return response
