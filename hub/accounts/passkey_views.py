"""Passkeys: add, name and remove them, and log in with one.

The ceremonies speak JSON with static/js/passkeys.js: it asks for options, lets the browser
talk to the phone's passkey, and posts the answer back. A failed answer is a 422 with a
message for the person; a success answers with where to go next.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, Response, current_app, flash, jsonify, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlmodel import select

from hub.accounts import logins, passkeys
from hub.accounts.models import UserSession
from hub.accounts.second_factor import has_second_factor, recovery_codes_left
from hub.accounts.second_factor_views import prove_this_login
from hub.accounts.views import _log_in
from hub.db import get_session
from hub.errors import DomainError, Forbidden, render_error
from hub.htmx import hx_redirect, render
from hub.security import limiter, safe_next

bp = Blueprint("passkeys", __name__)

CEREMONY_LIMIT = "30/minute;300/hour"  # per address; a passkey cannot be guessed, but rows can be spammed


def relying_party() -> passkeys.RelyingParty:
    """From WEBAUTHN_RP_ID and WEBAUTHN_ORIGIN, or else the host this request came to."""
    config = current_app.config
    origin = config.get("WEBAUTHN_ORIGIN") or request.host_url.rstrip("/")
    rp_id = config.get("WEBAUTHN_RP_ID") or urlsplit(origin).hostname
    return passkeys.RelyingParty(id=rp_id, origin=origin, handle_key=current_app.secret_key.encode())


def _json(options: str) -> Response:
    return current_app.response_class(options, mimetype="application/json")


def _answer() -> dict:
    """The JSON the page posted: {credential: …, name/remember: …}."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("credential"), dict):
        raise passkeys.PasskeyError("bad_response", _("Your passkey could not be checked. Try again."))
    return body


@bp.errorhandler(DomainError)
def ceremony_error(error: DomainError):
    """JSON for the script; the form endpoints get the usual error page."""
    if request.endpoint in ("passkeys.rename", "passkeys.remove"):
        return render_error(error.status, error.message)
    return jsonify(error=error.code, message=error.message), error.status


def _this_login() -> UserSession:
    token_hash = logins.hash_token(current_user.get_id())
    return get_session().exec(select(UserSession).where(UserSession.token_hash == token_hash)).one()


def _first_factor_only() -> bool:
    """Staff on a login that has not proved a second factor yet (their gate holds them)."""
    return current_user.is_staff_member and _this_login().second_factor_at is None


def _may_add_passkey() -> None:
    """Staff held at the gate may add a passkey only as their first second factor: anyone who
    got hold of the password must not be able to add their own."""
    if not _first_factor_only():
        return
    if has_second_factor(get_session(), current_user):
        raise Forbidden("second_factor_first", _("Prove it is you with your second factor first."))


# --- your passkeys ---------------------------------------------------------------------


@bp.route("/me/passkeys")
@login_required
def index():
    must_enrol = _first_factor_only()
    if must_enrol and has_second_factor(get_session(), current_user):
        # Held at the gate with a factor already: prove it first, then see and change passkeys.
        return redirect(url_for("second_factor.index"), code=303)
    return render(
        "passkeys/index.html",
        passkeys=passkeys.passkeys_of(get_session(), current_user),
        must_enrol=must_enrol,
    )


@bp.route("/me/passkeys/options", methods=["POST"])
@login_required
@limiter.limit(CEREMONY_LIMIT)
def register_options():
    _may_add_passkey()
    return _json(passkeys.registration_options(get_session(), rp=relying_party(), user=current_user))


@bp.route("/me/passkeys", methods=["POST"])
@login_required
@limiter.limit(CEREMONY_LIMIT)
def register():
    _may_add_passkey()
    body = _answer()
    db = get_session()
    first_factor_only = _first_factor_only()
    passkey = passkeys.register_passkey(
        db, rp=relying_party(), user=current_user, response=body["credential"], name=str(body.get("name") or "")
    )
    if first_factor_only:
        # A passkey that verified its user, made on this login: the login has proved two factors.
        prove_this_login(db)
    flash(_("Your passkey “%(name)s” is added. Next time, log in with it.", name=passkey.name), "success")
    if current_user.is_staff_member and recovery_codes_left(db, current_user) == 0:
        # Staff cannot log in without a second factor: with the phone lost, recovery codes are the way back.
        flash(_("Now make your recovery codes: they get you in if you lose the device with your passkey."), "info")
        return jsonify(redirect=url_for("second_factor.index"))
    return jsonify(redirect=url_for("passkeys.index"))


@bp.route("/me/passkeys/<int:passkey_id>/name", methods=["POST"])
@login_required
def rename(passkey_id: int):
    passkeys.rename_passkey(get_session(), user=current_user, passkey_id=passkey_id, name=request.form.get("name"))
    flash(_("The name is changed."), "success")
    return hx_redirect(url_for("passkeys.index"))


@bp.route("/me/passkeys/<int:passkey_id>/delete", methods=["POST"])
@login_required
def remove(passkey_id: int):
    passkeys.remove_passkey(get_session(), user=current_user, passkey_id=passkey_id)
    flash(_("The passkey is removed. It no longer opens your account."), "success")
    return hx_redirect(url_for("passkeys.index"))


# --- logging in, and a second factor ---------------------------------------------------


def _next_or_home() -> str:
    return safe_next(request.args.get("next")) or url_for("core.home")


@bp.route("/login/passkey/options", methods=["POST"])
@limiter.limit(CEREMONY_LIMIT)
def login_options():
    return _json(passkeys.login_options(get_session(), rp=relying_party()))


@bp.route("/login/passkey", methods=["POST"])
@limiter.limit(CEREMONY_LIMIT)
def login():
    if current_user.is_authenticated:
        return jsonify(redirect=_next_or_home())
    body = _answer()
    user = passkeys.authenticate(get_session(), rp=relying_party(), response=body["credential"])
    # A passkey that verified its user is two factors in one: staff pass their gate.
    _log_in(user, remember=body.get("remember") is True, second_factor=True)
    return jsonify(redirect=_next_or_home())


@bp.route("/me/passkeys/verify/options", methods=["POST"])
@login_required
@limiter.limit(CEREMONY_LIMIT)
def verify_options():
    return _json(passkeys.verify_options(get_session(), rp=relying_party(), user=current_user))


@bp.route("/me/passkeys/verify", methods=["POST"])
@login_required
@limiter.limit(CEREMONY_LIMIT)
def verify():
    body = _answer()
    db = get_session()
    passkeys.verify_second_factor(db, rp=relying_party(), user=current_user, response=body["credential"])
    prove_this_login(db)
    return jsonify(redirect=_next_or_home())
