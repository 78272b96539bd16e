"""Who is asking: Flask-Login wiring, the second-factor and consent gates, and role checks."""

from __future__ import annotations

import functools
from datetime import timedelta

from flask import Flask, abort, current_app, g, jsonify, redirect, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, current_user

from hub.accounts import logins
from hub.accounts.models import Role, User
from hub.accounts.second_factor import login_needs_second_factor
from hub.accounts.services import PRIVACY_NOTICE_VERSION, has_current_consent
from hub.db import get_session
from hub.htmx import hx_redirect
from hub.security import safe_next

login_manager = LoginManager()
login_manager.login_view = "accounts.login"
login_manager.login_message = _l("Log in to see this page.")
login_manager.login_message_category = "info"
login_manager.session_protection = None  # the server-side login row is the protection

# Where a login proves or sets up its second factor (not the admin's reset: that is behind it).
SECOND_FACTOR_PAGES = {
    "second_factor.index",
    "second_factor.verify",
    "second_factor.recover",
    "second_factor.app_setup",
    "second_factor.app_confirm",
}

# Pages a logged-in person may see before accepting the privacy notice.
CONSENT_EXEMPT = {
    "accounts.privacy_accept",
    "accounts.logout",
    "core.privacy",
    "core.service_worker",
    "core.manifest",
    "core.offline",
    "core.set_language",
    "messages.help",  # the crisis numbers come before anything else
    "events.feed",  # a phone's calendar fetches it; a logged-in browser must get the file too
    "static",
    *SECOND_FACTOR_PAGES,  # a staff login proves its second factor first, then sees the notice
}

# What a staff login may use before it has proved a second factor: the way to prove (or set up)
# one, and nothing of anyone else's.
SECOND_FACTOR_EXEMPT = {
    "accounts.logout",
    "accounts.privacy_accept",
    "core.privacy",
    "core.service_worker",
    "core.manifest",
    "core.offline",
    "core.set_language",
    "messages.help",
    "static",
    "passkeys.index",
    "passkeys.register_options",
    "passkeys.register",
    "passkeys.verify_options",
    "passkeys.verify",
    "passkeys.login_options",
    "passkeys.login",
    *SECOND_FACTOR_PAGES,
}


@login_manager.user_loader
def load_user(token: str) -> User | None:
    found = logins.load_login(get_session(), token)
    if not found:
        return None
    user, g.login = found  # the gates read the login row without asking again
    return user


@login_manager.unauthorized_handler
def unauthorized():
    target = url_for("accounts.login", next=safe_next(request.full_path.rstrip("?")))
    if request.headers.get("HX-Request") == "true":
        # An htmx swap must not put the login page inside a fragment: navigate fully.
        response = current_app.response_class(status=401)
        response.headers["HX-Redirect"] = target
        return response
    if request.method == "GET":
        return redirect(target)
    abort(401)


def consent_key(user: User) -> str:
    return f"{user.id}:{PRIVACY_NOTICE_VERSION}"


def require_consent():
    """Send a logged-in person to the privacy notice until they have accepted it."""
    if not current_user.is_authenticated or request.endpoint in CONSENT_EXEMPT:
        return None
    if session.get("consent") == consent_key(current_user):
        return None
    if has_current_consent(get_session(), current_user):
        session["consent"] = consent_key(current_user)
        return None
    target = url_for("accounts.privacy_accept", next=safe_next(request.full_path.rstrip("?")))
    return hx_redirect(target) if request.method != "GET" else redirect(target)


def second_factor_pending() -> bool:
    """A staff login that has not proved its second factor yet: the person is not "in".

    Until it is, the gate below keeps them to the pages that prove one, and the layout
    shows nothing of theirs (no navigation, counts or name) and asks for none of it.
    """
    return current_user.is_authenticated and login_needs_second_factor(current_user, g.get("login"))


def is_signed_in() -> bool:
    """Logged in, and past the second factor where one is needed."""
    return current_user.is_authenticated and not second_factor_pending()


def require_second_factor():
    """Keep a staff login that has not proved a second factor to the pages that prove one."""
    if request.endpoint in SECOND_FACTOR_EXEMPT or not second_factor_pending():
        return None
    target = url_for(
        "second_factor.index", next=safe_next(request.full_path.rstrip("?")) if request.method == "GET" else None
    )
    if request.headers.get("HX-Request") == "true":
        response = current_app.response_class(status=401 if request.method == "GET" else 403)
        response.headers["HX-Redirect"] = target
        return response
    if request.method == "GET" and request.accept_mimetypes.best != "application/json":
        return redirect(target, code=303)
    response = jsonify(error="second_factor_required", location=target)
    response.status_code = 403
    return response


def roles_required(*roles: Role):
    """Only people holding one of `roles` may use the view; others get 403."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        wrapped.required_roles = roles
        return wrapped

    return decorator


def init_app(app: Flask) -> None:
    app.config["REMEMBER_COOKIE_DURATION"] = timedelta(minutes=app.config["REMEMBER_LIFETIME"])
    login_manager.init_app(app)
    app.before_request(require_second_factor)  # first: nothing at all before the second factor
    app.before_request(require_consent)
