"""My sessions: where I am logged in, and ending any of them."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Blueprint, flash, session, url_for
from flask_babel import format_timedelta, ngettext
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from hub.accounts import my_logins
from hub.accounts.devices_label import device_label
from hub.db import get_session, utcnow
from hub.htmx import hx_redirect, render

bp = Blueprint("sessions", __name__)

JUST_NOW = timedelta(minutes=1)  # last_seen_at moves at most once a minute (logins.TOUCH_EVERY)


def _ago(moment: datetime, now: datetime) -> str:
    """'5 minutes ago', in the person's language."""
    if now - moment < JUST_NOW:
        return _("just now")
    return format_timedelta(moment - now, add_direction=True)


@bp.route("/me/sessions")
@login_required
def index():
    now = utcnow()
    logins = [
        {
            "id": login.id,
            "device": device_label(login.user_agent),
            "started": _ago(login.created_at, now),
            "last_used": _ago(login.last_seen_at, now),
            "remember": login.remember,
            "is_current": login.is_current,
        }
        for login in my_logins.open_logins(get_session(), current_user, current_token=current_user.get_id())
    ]
    has_others = any(not login["is_current"] for login in logins)
    return render("sessions/index.html", logins=logins, has_others=has_others)


@bp.route("/me/sessions/<int:login_id>/end", methods=["POST"])
@login_required
def end(login_id: int):
    was_current = my_logins.end_my_login(
        get_session(), user=current_user, login_id=login_id, current_token=current_user.get_id()
    )
    if was_current:
        # The same as logging out: this phone keeps nothing of the person's.
        logout_user()
        session.clear()
        response = hx_redirect(url_for("accounts.login"))
        response.headers["Clear-Site-Data"] = '"cache"'
        return response
    flash(_("That device is logged out."), "success")
    return hx_redirect(url_for("sessions.index"))


@bp.route("/me/sessions/end-others", methods=["POST"])
@login_required
def end_others():
    ended = my_logins.end_other_logins(get_session(), user=current_user, current_token=current_user.get_id())
    if ended:
        flash(
            ngettext(
                "You are logged out on %(num)d other device.", "You are logged out on %(num)d other devices.", ended
            ),
            "success",
        )
    else:
        flash(_("You were not logged in anywhere else."), "info")
    return hx_redirect(url_for("sessions.index"))
