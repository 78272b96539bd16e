"""Staff side of the circle: nominations from young people's networks, and the directory
profiles of support people and volunteer mentors."""

from __future__ import annotations

from flask import Blueprint, flash, url_for
from flask_babel import gettext as _
from flask_login import current_user

from hub.access import get_or_404
from hub.accounts.auth import roles_required
from hub.accounts.models import Role, TokenPurpose, User
from hub.audit import services as audit
from hub.audit.models import Area as AuditArea
from hub.core.links import public_url
from hub.core.qr import qr_svg
from hub.db import get_session, writes
from hub.errors import DomainError
from hub.htmx import hx_redirect, render, render_at
from hub.support import nominations as nominating  # the view functions below share its names
from hub.support import profiles, services
from hub.support.circle import supporter_kind
from hub.support.models import Nomination, NominationStatus
from hub.support.staff_circle_forms import DeclineNominationForm, InviteNomineeForm, ListingForm

bp = Blueprint("staff_circle", __name__, url_prefix="/staff/support")


def get_nomination_or_404(nomination_id: int) -> Nomination:
    return get_or_404(Nomination, nomination_id)


def get_supporter_or_404(user_id: int) -> User:
    return get_or_404(User, user_id, visible=lambda user: supporter_kind(user) is not None)


# --- nominations ---------------------------------------------------------------------------------


@bp.route("/nominations")
@roles_required(Role.STAFF)
def nominations():
    return render(
        "staff_circle/nominations.html",
        rows=nominating.nominations_for_staff(get_session()),
        waiting=NominationStatus.WAITING,
    )


def _nomination_page(nomination: Nomination, *, invite_form=None, decline_form=None, status: int = 200):
    db = get_session()
    audit.record(db, actor=current_user, young_id=nomination.young_id, area=AuditArea.SUPPORT, object_id=nomination.id)
    return render(
        "staff_circle/nomination.html",
        status=status,
        nomination=nomination,
        young=db.get(User, nomination.young_id),
        decided_by=db.get(User, nomination.decided_by_id) if nomination.decided_by_id else None,
        invited=db.get(User, nomination.user_id) if nomination.user_id else None,
        is_waiting=nomination.status == NominationStatus.WAITING,
        invite_form=invite_form or InviteNomineeForm(formdata=None, name=nomination.name, email=nomination.email),
        decline_form=decline_form or DeclineNominationForm(formdata=None),
    )


def _nomination_changed(nomination: Nomination, detail: str) -> None:
    audit.record_change(
        get_session(),
        actor=current_user,
        young_id=nomination.young_id,
        area=AuditArea.SUPPORT,
        detail=detail,
        object_id=nomination.id,
    )


@bp.route("/nominations/<int:nomination_id>")
@roles_required(Role.STAFF)
@writes
def nomination(nomination_id: int):
    return _nomination_page(get_nomination_or_404(nomination_id))


@bp.route("/nominations/<int:nomination_id>/invite", methods=["POST"])
@roles_required(Role.STAFF)
def invite_nominee(nomination_id: int):
    nomination = get_nomination_or_404(nomination_id)
    form = InviteNomineeForm()
    if form.validate_on_submit():
        try:
            invited = nominating.invite_nominee(
                get_session(), actor=current_user, nomination=nomination, name=form.name.data, email=form.email.data
            )
        except DomainError as error:
            if error.status != 422:
                raise
            form.add_errors({error.code: error.message})
        else:
            _nomination_changed(nomination, "support.nominee_invited")
            if invited.existing:
                flash(
                    _(
                        "%(name)s already has an account, so no invitation was made. They are in the circle now.",
                        name=invited.user.name,
                    ),
                    "success",
                )
                return hx_redirect(url_for("staff_circle.nomination", nomination_id=nomination.id))
            # The link is shown once, here, and never stored in plain: so no redirect, but the
            # address bar shows the nomination's page.
            link = public_url("accounts.set_password", token=invited.token)
            page = url_for("staff_circle.nomination", nomination_id=nomination.id)
            return render_at(
                page, "staff/link.html", person=invited.user, link=link, qr=qr_svg(link), purpose=TokenPurpose.INVITE
            )
    return _nomination_page(nomination, invite_form=form, status=422)


@bp.route("/nominations/<int:nomination_id>/decline", methods=["POST"])
@roles_required(Role.STAFF)
def decline_nomination(nomination_id: int):
    nomination = get_nomination_or_404(nomination_id)
    form = DeclineNominationForm()
    if form.validate_on_submit():
        nominating.decline_nomination(get_session(), actor=current_user, nomination=nomination, reason=form.reason.data)
        _nomination_changed(nomination, "support.nominee_declined")
        flash(_("Answered. The young person can read your reason."), "info")
        return hx_redirect(url_for("staff_circle.nominations"))
    return _nomination_page(nomination, decline_form=form, status=422)


# --- support people and mentors ----------------------------------------------------------------------


@bp.route("/supporters")
@roles_required(Role.STAFF)
def supporters():
    return render("staff_circle/supporters.html", rows=profiles.supporters(get_session()))


@bp.route("/supporters/<int:user_id>", methods=["GET", "POST"])
@roles_required(Role.STAFF)
def supporter(user_id: int):
    person = get_supporter_or_404(user_id)
    db = get_session()
    profile = services.profile_of(db, person.id)
    form = ListingForm(obj=profile)
    form.set_staff(profiles.staff_choices(db))
    if form.validate_on_submit():
        try:
            profiles.save_listing(
                db,
                actor=current_user,
                person=person,
                listed=form.listed.data,
                organisation=form.organisation.data or "",
                agreement_on=form.agreement_on.data,
                training_on=form.training_on.data,
                staff_contact_id=form.staff_contact_id.data,
            )
        except DomainError as error:
            if error.status != 422:
                raise
            form.add_errors({error.code: error.message})
        else:
            flash(_("Saved."), "success")
            return hx_redirect(url_for("staff_circle.supporter", user_id=person.id))
    return render(
        "staff_circle/supporter.html",
        status=422 if form.errors else 200,
        person=person,
        card=services.PersonCard(person, profile),
        form=form,
        is_mentor=supporter_kind(person) == "mentor",
        is_network=supporter_kind(person) == "network",
    )
