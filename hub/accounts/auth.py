"""Who is asking: Flask-Login wiring, the consent gate and role checks."""

from __future__ import annotations

import functools
from datetime import timedelta

from flask import Flask, abort, current_app, redirect, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, current_user

from hub.accounts import logins
from hub.accounts.models import Role, User
from hub.accounts.services import PRIVACY_NOTICE_VERSION, has_current_consent
from hub.db import get_session
from hub.htmx import hx_redirect
from hub.security import safe_next

login_manager = LoginManager()
login_manager.login_view = "accounts.login"
login_manager.login_message = _l("Log in to see this page.")
login_manager.login_message_category = "info"
login_manager.session_protection = None  # the server-side login row is the protection

# Pages a logged-in person may see before accepting the privacy notice.
CONSENT_EXEMPT = {
    "accounts.privacy_accept",
    "accounts.logout",
    "core.privacy",
    "core.healthz",
    "core.service_worker",
    "core.manifest",
    "core.offline",
    "core.set_language",
    "messages.help",  # the crisis numbers come before anything else
    "events.feed",  # a phone's calendar fetches it; a logged-in browser must get the file too
    "static",
}


@login_manager.user_loader
def load_user(token: str) -> User | None:
    found = logins.load_login(get_session(), token)
    return found[0] if found else None


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
    app.before_request(require_consent)
