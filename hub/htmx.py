"""htmx helpers: decide page-or-partial in one place, and redirect the htmx way."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, redirect, render_template, request


def is_partial() -> bool:
    """A fragment is wanted: an htmx request that is neither boosted nor a history restore."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-Boosted") != "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def render(page: str, partial: str | None = None, /, status: int = 200, **context) -> tuple[str, int]:
    """Render the partial for an htmx swap, the full page otherwise, from one context."""
    template = partial if partial and is_partial() else page
    return render_template(template, **context), status


def render_at(address: str, page: str, /, **context) -> tuple[str, int, dict]:
    """The answer to a POST that must show something only this answer can (a secret shown once),
    so it cannot redirect: the page is drawn here, and the address bar shows `address`, the page's
    own (a refresh loads that, and never sends the form again)."""
    body, status = render(page, page_address=address, **context)
    return body, status, {"HX-Replace-Url": address}


def hx_redirect(location: str) -> Response:
    """After a non-GET: 303 for plain forms, HX-Redirect for htmx so it navigates fully."""
    if request.headers.get("HX-Request") == "true":
        response = Response(status=204)
        response.headers["HX-Redirect"] = _navigates(location)
        return response
    return redirect(location, code=303)


def _navigates(location: str) -> str:
    """The location, made to load the page again when it is the page the person is on.

    htmx follows HX-Redirect by setting `window.location`; to the same page plus a #fragment a
    browser only scrolls, so the answer to the form would never be shown. Without the fragment
    it loads the page.
    """
    target = urlsplit(location)
    current = urlsplit(request.headers.get("HX-Current-URL", ""))
    if target.fragment and (target.path, target.query) == (current.path, current.query):
        return location.split("#", 1)[0]
    return location


def init_app(app: Flask) -> None:
    @app.after_request
    def vary_on_htmx(response: Response) -> Response:
        # Pages and fragments share URLs; caches must keep them apart.
        response.vary.add("HX-Request")
        return response

    @app.after_request
    def keep_the_form_address(response: Response) -> Response:
        # htmx pushes a boosted form's action into the address bar whatever the answer. After a
        # failed submit (the form drawn again with its errors, or an error page) that address is
        # a POST-only URL that a refresh or a shared link cannot show: keep the form page's own.
        if (
            request.method not in ("GET", "HEAD")
            and request.headers.get("HX-Request") == "true"
            and response.status_code >= 400
            and not any(name in response.headers for name in HISTORY_HEADERS)
        ):
            response.headers["HX-Push-Url"] = "false"
        return response


# An answer that sets one of these has said itself where the address bar goes.
HISTORY_HEADERS = ("HX-Push-Url", "HX-Replace-Url", "HX-Redirect", "HX-Location", "HX-Refresh")
