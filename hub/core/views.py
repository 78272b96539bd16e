"""The shell of the app: home per role, the service worker, the manifest, language.

Health (/livez, /healthz, /readyz) is answered beneath the app, in hub/core/health.py.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from hub.accounts.models import Role
from hub.core import staff_home
from hub.core.forms import error_links
from hub.db import get_session, utcnow
from hub.errors import render_error
from hub.htmx import hx_redirect, render
from hub.i18n import LANGUAGES
from hub.security import safe_next

bp = Blueprint("core", __name__)
bp.add_app_template_global(error_links)  # the error summary above every form


def home_template() -> str:
    """Each role lands on its own home; an account with several roles lands on the widest."""
    if current_user.has_role(Role.STAFF):
        return "home/staff.html"
    if current_user.has_role(Role.PARTNER):
        return "redeem/home.html"
    if current_user.has_role(Role.YOUNG):
        return "home/young.html"
    return "home/adult.html"


@bp.route("/")
def home():
    if not current_user.is_authenticated:
        return render("home/welcome.html")
    template = home_template()
    if template == "home/staff.html":
        return render(template, user=current_user, home=_staff_home())
    return render(template, user=current_user)


def _staff_home():
    """The shift's overview, read only for staff (the template decides nothing about who sees it)."""
    config = current_app.config
    return staff_home.build(
        get_session(),
        viewer=current_user,
        now=utcnow(),
        tz=ZoneInfo(config["BABEL_DEFAULT_TIMEZONE"]),
        quiet_days=int(config.get("STAFF_HOME_QUIET_DAYS", staff_home.QUIET_DAYS)),
        checkin_quiet_days=int(config.get("CHECKIN_QUIET_DAYS", 42)),
    )


@bp.route("/sw.js")
def service_worker():
    """static/sw.js, served from the root so it controls the whole app, not only /static/.

    The versioned shell assets are written in front of it, so the worker changes (and the
    browser installs it afresh) whenever one of them does.
    """
    shell = current_app.jinja_env.globals["shell_assets"]()
    version = hashlib.sha256("".join(shell).encode()).hexdigest()[:12]
    source = (Path(current_app.static_folder) / "sw.js").read_text()
    header = f"const VERSION = {json.dumps(version)};\nconst SHELL_ASSETS = {json.dumps(shell)};\n"
    response = current_app.response_class(header + source, mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@bp.route("/manifest.webmanifest")
def manifest():
    response = current_app.response_class(render("manifest.webmanifest")[0], mimetype="application/manifest+json")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/offline")
def offline():
    return render("offline.html")


@bp.route("/privacy")
def privacy():
    return render("privacy.html")


# The day the accessibility statement was last checked against the app. The law asks for a review
# at least once a year, and whenever a change makes what it says untrue.
ACCESSIBILITY_REVIEWED = date(2026, 12, 7)


@bp.route("/accessibility")
def accessibility():
    """The accessibility statement (tilgængelighedserklæring), open to everyone."""
    config = current_app.config
    return render(
        "accessibility.html",
        reviewed=ACCESSIBILITY_REVIEWED,
        email=config.get("ACCESSIBILITY_EMAIL") or "",
        phone=config.get("ACCESSIBILITY_PHONE") or "",
        may_write=current_user.is_authenticated and current_user.is_young,
        idle_young=timedelta(minutes=config["IDLE_TIMEOUT_YOUNG"]),
        idle_staff=timedelta(minutes=config["IDLE_TIMEOUT_STAFF"]),
    )


@bp.route("/was")
def was():
    """The address Danish public sites give their statement (digst.dk/was, ungehub.dk/was)."""
    return redirect(url_for("core.accessibility"), 301)


@bp.route("/language", methods=["POST"])
def set_language():
    """Switch language; a logged-in person keeps the choice on their account too."""
    language = request.form.get("lang", "")
    if language not in LANGUAGES:
        return render_error(400, _("Choose Danish or English."))
    session["lang"] = language
    if current_user.is_authenticated:
        current_user.locale = language
    return hx_redirect(safe_next(request.form.get("next")) or url_for("core.home"))


@bp.app_context_processor
def shared_context():
    from hub.accounts.models import ROLE_LABELS, SUPPORT_TYPE_LABELS
    from hub.accounts.services import PRIVACY_NOTICE_VERSION

    def role_labels(user) -> list:
        labels = [ROLE_LABELS[role] for role in sorted(user.roles) if role != Role.SUPPORT]
        if user.support_type:
            labels.append(SUPPORT_TYPE_LABELS.get(user.support_type, ROLE_LABELS[Role.SUPPORT]))
        return labels

    return {"role_labels": role_labels, "notice_version": PRIVACY_NOTICE_VERSION}
