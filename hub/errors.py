"""Domain errors with stable codes, and friendly error pages in both languages.

A 5xx page is drawn from nothing but the request: the request's transaction is rolled back
first, and the page shows the anonymous chrome (no menu, counts or name), so it can never ask a
failed database anything and end as gunicorn's bare "Internal Server Error". A database that is
down, stalled, locked or full answers 503 ("resting", with Retry-After); any other fault 500.
"""

from __future__ import annotations

from flask import Flask, current_app, g, jsonify, make_response, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException

from hub.db import WRITE_METHODS, database_unavailable, discard_session


class DomainError(Exception):
    """A rule of the domain said no. `code` is stable; `message` is for the user."""

    status = 400

    def __init__(self, code: str, message: str | None = None, *, status: int | None = None):
        super().__init__(code)
        self.code = code
        self.message = message or str(_l("That did not work. Please try again."))
        if status is not None:
            self.status = status


class NotFound(DomainError):
    """The thing does not exist, or is not yours to see (the two look the same)."""

    status = 404


class Forbidden(DomainError):
    status = 403


class Conflict(DomainError):
    status = 409


class Invalid(DomainError):
    status = 422


ERROR_TITLES = {
    400: _l("Something in the request was wrong"),
    401: _l("Please log in"),
    403: _l("You do not have access to this"),
    404: _l("We could not find that page"),
    405: _l("That cannot be done here"),
    409: _l("That clashes with something else"),
    413: _l("That was too large"),
    422: _l("Something needs fixing"),
    429: _l("Slow down a little"),
    500: _l("Something went wrong on our side"),
    503: _l("Ungehub is resting for a moment"),
}

ERROR_HINTS = {
    400: _l("Go back and try again. If it keeps happening, tell the staff at the hub."),
    401: _l("Log in to see this page."),
    403: _l("If you think you should have access, ask the staff at the hub."),
    404: _l("The page may have moved, or the link may be old."),
    405: _l("Go back and try again."),
    409: _l("Reload the page and try again."),
    413: _l("Try again with something smaller."),
    422: _l("Check what you wrote and try again."),
    429: _l("You have tried many times. Wait a moment before you try again."),
    500: _l("It is not your fault. Try again in a moment."),
    503: _l("Try again in a moment."),
}

# A write that failed was not saved, and nothing of it was kept: the request's transaction is
# rolled back whole. Saying so tells the person that sending it again is safe, not a double.
NOT_SAVED_HINTS = {
    500: _l("It is not your fault. What you just sent was not saved. It is safe to try again in a moment."),
    503: _l("What you just sent was not saved. It is safe to send it again in a moment."),
}

RETRY_AFTER = 10  # seconds a caller is asked to wait after a 503 for the database


def render_error(status: int, message: str | None = None, *, retry_after: int | None = None):
    """An error answer shaped for the caller: JSON, an htmx fragment or a full page."""
    from hub.htmx import is_partial

    if status >= 500:
        _forget_the_request()
    title = ERROR_TITLES.get(status, ERROR_TITLES[500])
    hints = NOT_SAVED_HINTS if status >= 500 and request.method in WRITE_METHODS else ERROR_HINTS
    detail = message or hints.get(status, hints[500])
    if request.accept_mimetypes.best == "application/json":
        body = jsonify(error=status, title=str(title), message=str(detail))
    else:
        template = "errors/_error.html" if is_partial() else "errors/error.html"
        body = render_template(template, status=status, title=title, detail=detail)
    response = make_response(body, status)
    if status >= 500:
        response.headers["Cache-Control"] = "no-store"  # a passing fault: never kept as the page
    if retry_after:
        response.headers["Retry-After"] = str(retry_after)
    return response


def _forget_the_request() -> None:
    """Roll back and draw the page for someone anonymous: a login not yet loaded would be
    loaded from the database, and one already loaded may hold state the rollback expired."""
    discard_session()
    g._login_user = current_app.login_manager.anonymous_user()


def _route() -> str:
    # The route's rule (/welcome/<token>), not the path: a path can hold the token itself.
    return request.url_rule.rule if request.url_rule else "(no route)"


def database_error(error: SQLAlchemyError):
    """503 while the database cannot answer (one line in the log: an outage is not a bug, and
    a traceback per request would bury everything else); 500 for any other database fault."""
    if database_unavailable(error):
        current_app.logger.warning(
            "Database unavailable on %s %s: %s", request.method, _route(), type(getattr(error, "orig", error)).__name__
        )
        return render_error(503, retry_after=RETRY_AFTER)
    current_app.logger.error("Database error on %s %s", request.method, _route(), exc_info=error)
    return render_error(500)


def init_app(app: Flask) -> None:
    app.register_error_handler(SQLAlchemyError, database_error)

    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        return render_error(error.status, error.message)

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return render_error(400, str(_l("The form had expired. Reload the page and try again.")))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        # A failure after the view (the commit itself) reaches here as a 500 wrapping it.
        original = getattr(error, "original_exception", None)
        if isinstance(original, SQLAlchemyError):
            return database_error(original)
        retry_after = None
        if error.code == 429:
            retry_after = getattr(error, "retry_after", None)
        return render_error(error.code or 500, None, retry_after=retry_after)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        app.logger.exception("Unhandled error on %s %s", request.method, _route())
        return render_error(500)
