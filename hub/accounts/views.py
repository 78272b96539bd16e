"""Log in and out, sign up, set a password from a link, consent, and your own profile."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

from flask import Blueprint, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required, login_user, logout_user

from hub.accounts import login_throttle, services
from hub.accounts.auth import consent_key
from hub.accounts.forms import (
    ChangePasswordForm,
    ConfirmSignupForm,
    ConsentForm,
    ForgotForm,
    LoginForm,
    ProfileForm,
    SetPasswordForm,
    SignupForm,
)
from hub.accounts.logins import can_remember, end_login, start_login
from hub.accounts.models import TokenPurpose, User
from hub.core.links import public_url
from hub.db import get_session
from hub.errors import DomainError, render_error
from hub.htmx import hx_redirect, render
from hub.i18n import duration
from hub.mail import mail_configured
from hub.notifications import devices
from hub.outbox.services import enqueue_mail
from hub.security import limiter, safe_next

bp = Blueprint("accounts", __name__)


def _next_or_home() -> str:
    return safe_next(request.args.get("next")) or url_for("core.home")


def _form_status(form) -> int:
    return 422 if form.errors else 200


def _log_in(user: User, *, remember: bool, second_factor: bool = False) -> None:
    """Start a fresh login: a new server-side row and a clean cookie session."""
    remember = remember and can_remember(user)
    language = session.get("lang")
    session.clear()
    token = start_login(
        get_session(), user, remember=remember, user_agent=request.user_agent.string, second_factor=second_factor
    )
    user.bind_login(token)
    login_user(user, remember=remember)
    # This browser is now one the person uses; for the second factor only when it was proved.
    proved = (login_throttle.SECOND_FACTOR,) if second_factor else ()
    login_throttle.remember_device(services.normalize_email(user.email), login_throttle.PASSWORD, *proved)
    session["lang"] = language or user.locale


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(_next_or_home())
    form = LoginForm()
    if form.validate_on_submit():
        email = services.normalize_email(form.email.data)
        wait = login_throttle.wait_seconds(email)
        if wait:
            later = duration(timedelta(seconds=wait), round_up=True)
            message = _("You have tried many times. Try again in %(time)s.", time=later)
            return render_error(429, message, retry_after=wait)
        try:
            user = services.authenticate(get_session(), email=email, password=form.password.data)
        except services.LoginFailed as error:
            login_throttle.record_failure(email)
            form.form_errors.append(error.message)
        else:
            _log_in(user, remember=form.remember.data)
            if user.is_staff_member:  # the gate would send them there anyway: go straight
                return hx_redirect(url_for("second_factor.index", next=safe_next(request.args.get("next"))))
            return hx_redirect(_next_or_home())
    return render("accounts/login.html", status=_form_status(form), form=form, can_reset=mail_configured())


@bp.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        devices.forget_login(get_session(), current_user.get_id())
        end_login(get_session(), current_user.get_id())
    logout_user()
    session.clear()
    response = hx_redirect(url_for("core.home"))
    response.headers["Clear-Site-Data"] = '"cache"'
    return response


def _signup_mail_key() -> str:
    """Sign-up mails are counted per address, under a keyed hash: the counts never hold it."""
    email = services.normalize_email(request.form.get("email", ""))
    secret = current_app.config["SECRET_KEY"].encode()
    return "signup-mail/" + hmac.new(secret, email.encode(), hashlib.sha256).hexdigest()[:32]


def _signed_up(response) -> bool:
    return response.status_code in (204, 303)  # hx_redirect: a mail went out (or an account was made)


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit("30/hour", methods=["POST"])
@limiter.limit("3/hour", methods=["POST"], key_func=_signup_mail_key, deduct_when=_signed_up)
def signup():
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    form = SignupForm()
    if form.validate_on_submit():
        locale = session.get("lang") or current_app.config["BABEL_DEFAULT_LOCALE"]
        fields = {"name": form.name.data, "email": form.email.data, "password": form.password.data, "locale": locale}
        try:
            return _sign_up_by_mail(fields) if mail_configured() else _sign_up_at_once(fields)
        except DomainError as error:
            form.form_errors.append(error.message)
    return render("accounts/signup.html", status=_form_status(form), form=form)


def _sign_up_by_mail(fields: dict):
    """The same answer for every address; only the mail says whether it already has an account."""
    pending = services.request_sign_up(get_session(), **fields)
    if pending is not None:
        to, subject, body = _sign_up_mail(pending)
        enqueue_mail(get_session(), kind="sign_up", to=to, subject=subject, body=body)
    return hx_redirect(url_for("accounts.signup_sent"))


def _sign_up_at_once(fields: dict):
    # No mail set up (a demo on a laptop, the test servers): the account is made and logged in at
    # once, and its address is never confirmed, so anyone can take any address and a taken one
    # is refused by name. Production must set up mail (HUB_MAIL_SERVER).
    user = services.sign_up(get_session(), **fields)
    _log_in(user, remember=False)
    return hx_redirect(url_for("accounts.privacy_accept"))


def _sign_up_mail(pending: services.SignUpMail) -> tuple[str, str, str]:
    if pending.token is None:
        subject = _("You already have an Ungehub account")
        body = _(
            "Hi %(name)s,\n\nSomeone, maybe you, tried to make an Ungehub account with this e-mail. You already "
            "have one, so nothing has changed.\n\nLog in here:\n%(login)s\n\nForgot your password? Get a new "
            "one here:\n%(forgot)s\n\nIf it was not you, you can ignore this e-mail.\n\nUngehub",
            name=pending.user.display_name,
            login=public_url("accounts.login"),
            forgot=public_url("accounts.forgot_password"),
        )
    else:
        # No name in this one: whoever signs up chooses it, and may not own the address.
        subject = _("Finish making your Ungehub account")
        body = _(
            "Hi,\n\nUse this link to finish making your Ungehub account (it works for 24 hours):\n%(link)s\n\n"
            "You type the password you chose, and you are in.\n\nIf you did not make an account, you can "
            "ignore this e-mail. Nothing happens then.\n\nUngehub",
            link=public_url("accounts.confirm_signup", token=pending.token),
        )
    return pending.user.email, subject, body


@bp.route("/signup/sent")
def signup_sent():
    return render("accounts/signup_sent.html")


@bp.route("/welcome/confirm/<token>", methods=["GET", "POST"])
@limiter.limit("30/hour", methods=["POST"])
def confirm_signup(token: str):
    """Where the sign-up mail's link lands: the password chosen then, and you are in."""
    db = get_session()
    link = services.find_token(db, token, TokenPurpose.CONFIRM)
    form = ConfirmSignupForm()
    if form.validate_on_submit():
        try:
            user = services.confirm_sign_up(db, token=token, password=form.password.data)
        except DomainError as error:
            form.password.errors = [*form.password.errors, error.message]
        else:
            if current_user.is_authenticated:
                logout_user()
            _log_in(user, remember=False)
            return hx_redirect(url_for("accounts.privacy_accept"))
    person = db.get(User, link.user_id)
    return render("accounts/confirm_signup.html", status=_form_status(form), form=form, person=person)


@bp.route("/welcome/<token>", methods=["GET", "POST"])
def set_password(token: str):
    """Where an invitation or a reset link lands: choose a password, and you are in."""
    db = get_session()
    link = services.find_token(db, token)
    invited = db.get(User, link.user_id)
    form = SetPasswordForm(person=invited)
    if form.validate_on_submit():
        user = services.redeem_token(db, token=token, password=form.password.data)
        if current_user.is_authenticated:
            logout_user()
        _log_in(user, remember=False)
        flash(_("Your password is saved."), "success")
        return hx_redirect(url_for("core.home"))
    return render(
        "accounts/set_password.html", status=_form_status(form), form=form, invited=invited, purpose=link.purpose
    )


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit("10/hour", methods=["POST"])
@limiter.limit(
    "3/hour",
    methods=["POST"],
    key_func=lambda: "forgot/" + services.normalize_email(request.form.get("email", "")),
)
def forgot_password():
    form = ForgotForm()
    sent = False
    if mail_configured() and form.validate_on_submit():
        db = get_session()
        user = services.find_user_by_email(db, form.email.data)
        if user is not None and user.disabled_at is None:
            token = services.issue_reset(db, actor=None, user=user)
            link = public_url("accounts.set_password", token=token)
            subject = _("Your new Ungehub password")
            body = _(
                "Hi %(name)s,\n\nUse this link to choose a new password (it works once, for one hour):\n%(link)s\n\n"
                "If you did not ask for it, you can ignore this e-mail.\n\nUngehub",
                name=user.display_name,
                link=link,
            )
            enqueue_mail(db, kind="password_reset", to=user.email, subject=subject, body=body)
        sent = True  # the same answer whether or not the account exists
    return render(
        "accounts/forgot.html", status=_form_status(form), form=form, sent=sent, mail_enabled=mail_configured()
    )


@bp.route("/privacy/accept", methods=["GET", "POST"])
@login_required
def privacy_accept():
    form = ConsentForm()
    if form.validate_on_submit():
        services.accept_privacy(get_session(), user=current_user, locale=session.get("lang") or current_user.locale)
        session["consent"] = consent_key(current_user)
        return hx_redirect(_next_or_home())
    return render("accounts/privacy_accept.html", status=_form_status(form), form=form)


@bp.route("/me")
@login_required
def me():
    return render("accounts/me.html", user=current_user)


@bp.route("/me/profile", methods=["GET", "POST"])
@login_required
def edit_profile():
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        services.update_profile(
            get_session(),
            actor=current_user,
            user=current_user,
            name=form.name.data,
            preferred_name=form.preferred_name.data,
            pronouns=form.pronouns.data,
            locale=form.locale.data,
            avatar_colour=form.avatar_colour.data,
        )
        session["lang"] = form.locale.data
        flash(_("Saved."), "success")
        return hx_redirect(url_for("accounts.me"))
    return render("accounts/profile.html", status=_form_status(form), form=form)


@bp.route("/me/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            ended = services.change_password(
                get_session(),
                user=current_user,
                current=form.current.data,
                new=form.password.data,
                keep_token=current_user.get_id(),
                end_others=form.end_others.data,
            )
        except DomainError as error:
            form.current.errors = [*form.current.errors, error.message]
        else:
            message = _("Your password is changed.")
            if ended:
                message += " " + ngettext(
                    "You are logged out on %(num)d other device.", "You are logged out on %(num)d other devices.", ended
                )
            flash(message, "success")
            return hx_redirect(url_for("accounts.me"))
    return render("accounts/password.html", status=_form_status(form), form=form)


@bp.app_context_processor
def account_context():
    return {"mail_enabled": mail_configured()}
