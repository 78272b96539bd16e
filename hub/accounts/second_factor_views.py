"""Setting up and using a second factor, and an admin's reset of someone else's."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, flash, g, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import InputRequired, Length

from hub.access import get_or_404
from hub.accounts import login_throttle, logins
from hub.accounts import second_factor as factors
from hub.accounts.auth import roles_required
from hub.accounts.models import Role, User
from hub.accounts.services import normalize_email
from hub.core.qr import qr_svg
from hub.db import get_session
from hub.errors import DomainError, render_error
from hub.htmx import hx_redirect, render, render_at
from hub.i18n import duration
from hub.security import safe_next

bp = Blueprint("second_factor", __name__)

PENDING = "totp_pending"  # the secret being set up, until the app shows a right code


class CodeForm(FlaskForm):
    code = StringField(
        _l("The 6-digit code from your app"), validators=[InputRequired(_l("Write the code.")), Length(max=20)]
    )


class RecoveryForm(FlaskForm):
    recovery_code = StringField(
        _l("One of your recovery codes"), validators=[InputRequired(_l("Write a recovery code.")), Length(max=40)]
    )


def _next() -> str | None:
    return safe_next(request.args.get("next"))


def _login():
    """This request's login row (kept on `g` by the user loader)."""
    return g.get("login")


def _proved() -> bool:
    login = _login()
    return login is not None and login.second_factor_at is not None


def _page(status: int = 200, *, code_form=None, recovery_form=None, show_recovery: bool = False):
    """The one page: prove the factor, set one up, or manage it, depending on where the person is."""
    db = get_session()
    has_factor = factors.has_second_factor(db, current_user)
    if has_factor and not _proved():
        state = "verify"
    elif not has_factor:
        state = "enrol"
    else:
        state = "manage"
    return render(
        "second_factor/index.html",
        status=status,
        state=state,
        required=current_user.is_staff_member,
        has_totp=factors.get_totp(db, current_user) is not None,
        passkeys=factors.passkey_count(db, current_user),
        codes_left=factors.recovery_codes_left(db, current_user),
        code_form=code_form or CodeForm(),
        recovery_form=recovery_form or RecoveryForm(),
        show_recovery=show_recovery,
        next=_next(),
    )


def prove_this_login(db) -> None:
    """This login has proved its second factor, and this browser is one the person uses:
    wrong codes sent from elsewhere no longer hold it up (hub.accounts.login_throttle)."""
    logins.mark_second_factor(db, current_user.get_id())
    login_throttle.remember_device(_account(), login_throttle.SECOND_FACTOR)


def _done():
    return hx_redirect(_next() or url_for("core.home"))


def _account() -> str:
    return normalize_email(current_user.email)


def _held():
    """A 429 saying when to try again, while too many wrong codes came from this address or
    from browsers new to this account; None when a code may be tried."""
    wait = login_throttle.wait_seconds(_account(), login_throttle.SECOND_FACTOR)
    if not wait:
        return None
    message = _try_again(wait)
    if not login_throttle.is_known_device(_account(), login_throttle.SECOND_FACTOR):
        # The real person, stuck on a new browser while someone guesses: their own phone works.
        message += " " + _(
            "On a phone or computer where you have logged in with two steps before, you can log in as usual."
        )
    return render_error(429, message, retry_after=wait)


def _try_again(wait: int) -> str:
    later = duration(timedelta(seconds=wait), round_up=True)
    return _("You have tried many times. Try again in %(time)s.", time=later)


def _wrong(field, error: DomainError) -> None:
    login_throttle.record_failure(_account(), login_throttle.SECOND_FACTOR)
    field.errors = [error.message]


@bp.route("/me/two-factor")
@login_required
def index():
    return _page(show_recovery=request.args.get("recovery") == "1")


@bp.route("/me/two-factor", methods=["POST"])
@login_required
def verify():
    """Prove the authenticator app in this login."""
    form = CodeForm()
    if form.validate_on_submit():
        if held := _held():
            return held
        db = get_session()
        try:
            factors.verify_totp(db, user=current_user, code=form.code.data)
        except DomainError as error:
            _wrong(form.code, error)
        else:
            prove_this_login(db)
            return _done()
    return _page(422, code_form=form)


@bp.route("/me/two-factor/recovery", methods=["POST"])
@login_required
def recover():
    """Prove the login with a recovery code (each works once)."""
    form = RecoveryForm()
    if form.validate_on_submit():
        if held := _held():
            return held
        db = get_session()
        try:
            factors.use_recovery_code(db, user=current_user, code=form.recovery_code.data)
        except DomainError as error:
            _wrong(form.recovery_code, error)
        else:
            prove_this_login(db)
            left = factors.recovery_codes_left(db, current_user)
            flash(
                ngettext(
                    "You are in. You have %(num)d recovery code left; make a new set on Me → Two-step login.",
                    "You are in. You have %(num)d recovery codes left; make a new set on Me → Two-step login.",
                    left,
                ),
                "info",
            )
            return _done()
    return _page(422, recovery_form=form, show_recovery=True)


def _may_change() -> bool:
    """Setting up is open to someone with no factor; changing one needs it proved in this login."""
    return _proved() or not factors.has_second_factor(get_session(), current_user)


def _app_page(status: int = 200, form=None):
    secret = session.get(PENDING)
    if not secret:
        secret = session[PENDING] = factors.new_secret()
    return render(
        "second_factor/app.html",
        status=status,
        form=form or CodeForm(),
        secret=secret,
        qr=qr_svg(factors.provisioning_uri(secret, current_user)),
        next=_next(),
    )


@bp.route("/me/two-factor/app")
@login_required
def app_setup():
    if not _may_change():
        return _page(403)
    return _app_page()


@bp.route("/me/two-factor/app", methods=["POST"])
@login_required
def app_confirm():
    """The app shows a right code: keep its secret, prove this login, show recovery codes if new."""
    if not _may_change():
        return _page(403)
    form = CodeForm()
    secret = session.get(PENDING)
    if secret and form.validate_on_submit():
        db = get_session()
        try:
            codes = factors.confirm_totp(db, user=current_user, secret=secret, code=form.code.data)
        except DomainError as error:
            form.code.errors = [error.message]
        else:
            session.pop(PENDING, None)
            prove_this_login(db)
            if codes:
                return _codes_page(codes)
            flash(_("Your authenticator app is set up."), "success")
            return _done()
    return _app_page(422, form)


@bp.route("/me/two-factor/recovery-codes", methods=["POST"])
@login_required
def new_codes():
    """A new set of recovery codes; the old ones stop working."""
    if not _proved():
        return _page(403)
    codes = factors.new_recovery_codes(get_session(), user=current_user)
    return _codes_page(codes)


def _codes_page(codes: list[str]):
    # Shown once, in the answer to the POST, and kept nowhere in plain: so no redirect, but the
    # address bar shows the two-step login page (a refresh shows it without the codes).
    page = url_for("second_factor.index")
    return render_at(page, "second_factor/codes.html", codes=codes, next=_next() or url_for("core.home"))


@bp.route("/staff/people/<int:user_id>/reset-second-factor", methods=["POST"])
@roles_required(Role.ADMIN)
def reset(user_id: int):
    person = get_or_404(User, user_id)
    ended = factors.reset_second_factor(get_session(), actor=current_user, user=person)
    flash(
        ngettext(
            "%(name)s sets up a second factor at the next login (%(num)d login ended).",
            "%(name)s sets up a second factor at the next login (%(num)d logins ended).",
            ended,
            name=person.name,
        ),
        "success",
    )
    return hx_redirect(url_for("staff.people", q=person.email))
