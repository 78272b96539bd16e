"""Domain errors with stable codes, and friendly error pages in both languages."""

from __future__ import annotations

from flask import Flask, jsonify, make_response, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException


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
    500: _l("It is not your fault. Try again in a moment; nothing you saved is lost."),
    503: _l("Try again in a moment."),
}


def render_error(status: int, message: str | None = None, *, retry_after: int | None = None):
    """An error answer shaped for the caller: JSON, an htmx fragment or a full page."""
    from hub.htmx import is_partial

    title = ERROR_TITLES.get(status, ERROR_TITLES[500])
    detail = message or ERROR_HINTS.get(status, ERROR_HINTS[500])
    if request.accept_mimetypes.best == "application/json":
        body = jsonify(error=status, title=str(title), message=str(detail))
    else:
        template = "errors/_error.html" if is_partial() else "errors/error.html"
        body = render_template(template, status=status, title=title, detail=detail)
    response = make_response(body, status)
    if retry_after:
        response.headers["Retry-After"] = str(retry_after)
    return response


def init_app(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        return render_error(error.status, error.message)

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return render_error(400, str(_l("The form had expired. Reload the page and try again.")))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        retry_after = None
        if error.code == 429:
            retry_after = getattr(error, "retry_after", None)
        return render_error(error.code or 500, None, retry_after=retry_after)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        # The route's rule (/welcome/<token>), not the path: a path can hold the token itself.
        route = request.url_rule.rule if request.url_rule else "(no route)"
        app.logger.exception("Unhandled error on %s %s", request.method, route)
        return render_error(500)
