"""Staff look after accounts: find people, invite them, give them a new-password link."""

from __future__ import annotations

from flask import Blueprint, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import or_
from sqlmodel import select

from hub.access import get_or_404
from hub.accounts import my_logins, services
from hub.accounts.auth import roles_required
from hub.accounts.forms import InviteForm
from hub.accounts.models import Role, SupportType, TokenPurpose, User
from hub.audit import services as audit
from hub.audit.models import Area as AuditArea
from hub.core.links import public_url
from hub.core.qr import qr_svg
from hub.db import get_session
from hub.errors import DomainError
from hub.htmx import hx_redirect, render, render_at

bp = Blueprint("staff", __name__, url_prefix="/staff")

PAGE_SIZE = 50


def get_person_or_404(user_id: int) -> User:
    return get_or_404(User, user_id)


def _account_changed(user: User, detail: str) -> None:
    """A change to a young person's account goes on the audit log."""
    if user.is_young:
        audit.record_change(get_session(), actor=current_user, young_id=user.id, area=AuditArea.PROFILE, detail=detail)


@bp.route("/people")
@roles_required(Role.STAFF)
def people():
    query = (request.args.get("q") or "").strip()[:100]
    statement = select(User).order_by(User.name).limit(PAGE_SIZE)
    if query:
        pattern = f"%{query.lower()}%"
        statement = statement.where(or_(User.email.like(pattern), User.name.ilike(pattern)))
    found = get_session().exec(statement).all()
    return render("staff/people.html", "staff/_people_list.html", people=found, query=query)


@bp.route("/people/invite", methods=["GET", "POST"])
@roles_required(Role.STAFF)
def invite():
    form = InviteForm()
    form.role_choices_for(current_user)
    if form.validate_on_submit():
        try:
            user, token = services.invite(
                get_session(),
                actor=current_user,
                name=form.name.data,
                email=form.email.data,
                role=Role(form.role.data),
                support_type=SupportType(form.support_type.data) if form.support_type.data else None,
                enrol_in_trial=form.enrol_in_trial.data,
            )
        except DomainError as error:
            form.form_errors.append(error.message)
        else:
            # The link is shown once, here, and never stored in plain: so no redirect.
            return _link_page(user, token, TokenPurpose.INVITE)
    return render("staff/invite.html", status=422 if form.errors else 200, form=form)


@bp.route("/people/<int:user_id>/reset-link", methods=["POST"])
@roles_required(Role.STAFF)
def reset_link(user_id: int):
    user = get_person_or_404(user_id)
    token = services.issue_reset(get_session(), actor=current_user, user=user)
    _account_changed(user, "account.reset_link")
    purpose = TokenPurpose.INVITE if user.password_hash is None else TokenPurpose.RESET
    return _link_page(user, token, purpose)


def _link_page(user: User, token: str, purpose: TokenPurpose):
    """The link, shown once; the address bar shows the people list, where they are now."""
    link = public_url("accounts.set_password", token=token)
    page = url_for("staff.people")
    return render_at(page, "staff/link.html", person=user, link=link, qr=qr_svg(link), purpose=purpose)


@bp.route("/people/<int:user_id>/trial", methods=["POST"])
@roles_required(Role.STAFF)
def set_trial(user_id: int):
    user = get_person_or_404(user_id)
    enrol = request.form.get("enrol") == "1"
    services.set_trial_enrolment(get_session(), actor=current_user, user=user, enrolled=enrol)
    _account_changed(user, "account.trial_in" if enrol else "account.trial_out")
    name = user.display_name
    message = _("%(name)s is in the trial.", name=name) if enrol else _("%(name)s is out of the trial.", name=name)
    flash(message, "success")
    return hx_redirect(url_for("staff.people", q=user.email))


@bp.route("/people/<int:user_id>/disable", methods=["POST"])
@roles_required(Role.ADMIN)
def set_disabled(user_id: int):
    user = get_person_or_404(user_id)
    disable = request.form.get("disable") == "1"
    services.set_disabled(get_session(), actor=current_user, user=user, disabled=disable)
    _account_changed(user, "account.closed" if disable else "account.opened")
    flash(_("The account is closed.") if disable else _("The account is open again."), "success")
    return hx_redirect(url_for("staff.people", q=user.email))


@bp.route("/people/<int:user_id>/end-sessions", methods=["POST"])
@roles_required(Role.ADMIN)
def end_sessions(user_id: int):
    """Log a person out everywhere: a lost phone, or someone else using their account."""
    user = get_person_or_404(user_id)
    ended = my_logins.end_all_logins_by_admin(get_session(), actor=current_user, user=user)
    _account_changed(user, "account.sessions_ended")
    flash(
        ngettext(
            "%(name)s is logged out on %(num)d device.",
            "%(name)s is logged out on %(num)d devices.",
            ended,
            name=user.display_name,
        ),
        "success",
    )
    return hx_redirect(url_for("staff.people", q=user.email))
