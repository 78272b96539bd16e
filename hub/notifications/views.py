"""The bell (every notification, push or not), notification settings and this phone's push."""

from __future__ import annotations

import threading

from flask import Blueprint, current_app, flash, jsonify, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from hub.accounts.models import Role, User
from hub.db import after_commit, get_session, job_session
from hub.errors import Invalid
from hub.htmx import hx_redirect, render
from hub.notifications import devices, endpoints, jobs, prefs, services, vapid
from hub.notifications.forms import DeviceNameForm, PreferencesForm
from hub.notifications.models import NotificationPreference
from hub.security import limiter

bp = Blueprint("notifications", __name__)

# Per person, and per address (generously: a whole youth club may share one).
SUBSCRIBE_LIMIT, SUBSCRIBE_LIMIT_ADDRESS = "20/hour", "60/hour"
TEST_LIMIT, TEST_LIMIT_ADDRESS = "5 per 10 minutes; 20 per day", "30 per 10 minutes; 100 per day"


def _person() -> str:
    return f"person:{current_user.id}"


def _added(response) -> bool:
    """Only a device new to the person counts against the limit (push.js confirms its phone often)."""
    return response.status_code == 201


def categories_for(user: User) -> list[str]:
    """The switches that make sense for this person."""
    if user.has_role(Role.YOUNG):
        return ["events", "waitlist", "messages", "klip", "support"]
    if user.has_role(Role.STAFF, Role.ADMIN):
        return ["messages", "events", "support"]
    if user.has_role(Role.PARTNER):
        return ["klip"]
    return ["messages", "checkins", "events", "support"]


@bp.route("/notifications")
@login_required
def bell():
    session = get_session()
    items = services.recent(session, current_user.id)
    return render(
        "notifications/bell.html",
        items=items,
        unread=sum(1 for n in items if n.read_at is None),
    )


@bp.route("/notifications/read", methods=["POST"])
@login_required
def mark_read():
    services.mark_all_read(get_session(), current_user.id)
    if request.headers.get("HX-Request") == "true" and request.form.get("quiet"):
        return "", 204
    return hx_redirect(url_for("notifications.bell"))


def _settings_page(form: PreferencesForm, status: int = 200):
    return render(
        "notifications/settings.html",
        form=form,
        categories=categories_for(current_user),
        devices=devices.of(get_session(), current_user.id),
        public_key=push_public_key(),
        name_form=DeviceNameForm(),
        status=status,
    )


@bp.route("/notifications/settings", methods=["GET", "POST"])
@login_required
def settings():
    session = get_session()
    pref = prefs.of(session, current_user.id)
    form = PreferencesForm(obj=pref)
    if request.method == "POST":
        if not form.validate():
            return _settings_page(form, status=422)
        shown = categories_for(current_user)
        stored = session.get(NotificationPreference, current_user.id) or NotificationPreference(user_id=current_user.id)
        for name in shown:
            setattr(stored, name, getattr(form, name).data)
        stored.quiet_hours = form.quiet_hours.data
        stored.quiet_from, stored.quiet_until = form.quiet_from.data, form.quiet_until.data
        session.add(stored)
        session.flush()
        flash(_("Saved. You decide what reaches your phone."), "success")
        return hx_redirect(url_for("notifications.settings"))
    return _settings_page(form)


@bp.route("/push/key")
@login_required
def public_key():
    key = vapid.current()
    if key is None:
        return jsonify(error=404, message=_("Notifications are not set up on this server.")), 404
    return jsonify(publicKey=vapid.public_key(key))


def _json_error(error: Invalid):
    return jsonify(error=error.status, message=error.message), error.status


@bp.route("/push/subscriptions", methods=["POST"])
@login_required
@limiter.limit(SUBSCRIBE_LIMIT, key_func=_person, deduct_when=_added)
@limiter.limit(SUBSCRIBE_LIMIT_ADDRESS, deduct_when=_added)
def subscribe():
    data = request.get_json(silent=True)
    if not isinstance(data, dict) or not isinstance(data.get("keys"), dict):
        return _json_error(devices.bad_subscription())
    keys = data["keys"]
    try:
        sub, added = devices.subscribe(
            get_session(),
            current_user,
            endpoint=str(data.get("endpoint") or ""),
            p256dh=str(keys.get("p256dh") or ""),
            auth=str(keys.get("auth") or ""),
            name=str(data.get("name") or devices.guess_name(request.headers.get("User-Agent", ""))),
            login_token=current_user.get_id(),
            rules=endpoints.Rules.of(current_app.config),
        )
    except Invalid as error:
        return _json_error(error)
    return jsonify(id=sub.id, name=sub.name), 201 if added else 200


@bp.route("/push/unsubscribe", methods=["POST"])
@login_required
def unsubscribe():
    data = request.get_json(silent=True)
    data = data if isinstance(data, dict) else {}  # `true` or a list is JSON too, but names no endpoint
    removed = devices.remove_endpoint(get_session(), current_user, str(data.get("endpoint") or ""))
    return jsonify(removed=removed)


@bp.route("/push/subscriptions/<int:sub_id>/name", methods=["POST"])
@login_required
def rename(sub_id: int):
    form = DeviceNameForm()
    devices.rename(get_session(), current_user, sub_id, form.name.data or "")
    flash(_("The name is changed."), "success")
    return hx_redirect(url_for("notifications.settings") + "#devices")


@bp.route("/push/subscriptions/<int:sub_id>/test", methods=["POST"])
@login_required
@limiter.limit(TEST_LIMIT, key_func=_person)
@limiter.limit(TEST_LIMIT_ADDRESS)
def test(sub_id: int):
    devices.send_test(get_session(), current_user, sub_id)
    if current_app.config["PUSH_SEND_NOW"]:
        app = current_app._get_current_object()
        after_commit(lambda: send_soon(app))
    flash(_("A test notification is on its way. It should arrive within a minute."), "success")
    return hx_redirect(url_for("notifications.settings") + "#devices")


@bp.route("/push/subscriptions/<int:sub_id>/delete", methods=["POST"])
@login_required
def remove(sub_id: int):
    devices.remove(get_session(), current_user, sub_id)
    flash(_("That device will not get notifications any more."), "success")
    return hx_redirect(url_for("notifications.settings") + "#devices")


def send_soon(app) -> None:
    """Push now rather than at the scheduler's next sweep; the claims keep it exactly once."""

    def run() -> None:
        with app.app_context(), job_session() as session:
            jobs.deliver_push(session)

    threading.Thread(target=run, name="push-now", daemon=True).start()


@bp.app_template_global()
def push_public_key() -> str | None:
    """The key a phone subscribes with, or None when push is not set up here."""
    key = vapid.current()
    return vapid.public_key(key) if key else None
