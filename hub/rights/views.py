"""Download my data, ask to be deleted; staff confirm deletions."""

from __future__ import annotations

from flask import Blueprint, Response, flash, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from hub.access import get_or_404
from hub.accounts.auth import roles_required
from hub.accounts.models import Role, User
from hub.audit import services as audit
from hub.audit.models import Area as AuditArea
from hub.db import get_session, utcnow, writes
from hub.errors import DomainError, Forbidden
from hub.htmx import hx_redirect, render
from hub.rights import export, services
from hub.rights.forms import AskDeletionForm, ConfirmDeletionForm, DeclineDeletionForm
from hub.rights.models import REQUEST_STATUS_LABELS, DeletionRequest, RequestStatus

bp = Blueprint("rights", __name__)

PRIVATE = {"Cache-Control": "no-store"}  # a person's whole data never sits in a cache


def me() -> User:
    return current_user._get_current_object()


@bp.context_processor
def labels():
    return {"request_status_labels": REQUEST_STATUS_LABELS, "RequestStatus": RequestStatus}


# --- the person's own page ------------------------------------------------------------------------


def _index_page(form: AskDeletionForm | None = None, status: int = 200):
    db = get_session()
    return render(
        "rights/index.html",
        status=status,
        latest=services.latest_request(db, current_user.id),
        may_ask=services.may_ask(current_user),
        form=form or AskDeletionForm(formdata=None),
    )


@bp.route("/me/data")
@login_required
def index():
    return _index_page()


@bp.route("/me/data/summary")
@login_required
def summary():
    page, status = render(
        "rights/summary.html",
        data=export.summary(get_session(), me()),
        labels=export.summary_labels(),
        made_at=utcnow(),
    )
    return Response(page, status, headers=PRIVATE)


@bp.route("/me/data/export.json")
@login_required
def download():
    document = export.export_document(get_session(), me())
    name = f"ungehub-{utcnow().date().isoformat()}.json"
    return Response(
        export.to_json(document),
        mimetype="application/json",
        headers={**PRIVATE, "Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.route("/me/data/delete", methods=["POST"])
@login_required
def ask_deletion():
    if not services.may_ask(current_user):
        raise Forbidden("staff_account", _("A staff account is closed by an administrator. Talk to them."))
    form = AskDeletionForm()
    if form.validate_on_submit():
        try:
            services.ask_deletion(get_session(), actor=me(), reason=form.reason.data)
        except DomainError as error:
            if error.status != 422:
                raise
            form.add_errors({error.code: error.message})
        else:
            flash(_("Your request is sent. Someone from the staff will talk it through with you first."), "info")
            return hx_redirect(url_for(".index"))
    return _index_page(form, 422)


@bp.route("/me/data/delete/withdraw", methods=["POST"])
@login_required
def withdraw_deletion():
    if services.withdraw(get_session(), actor=me()):
        flash(_("Your request is taken back. Nothing is deleted."), "success")
    return hx_redirect(url_for(".index"))


# --- the staff ------------------------------------------------------------------------------------


def get_request_or_404(request_id: int) -> DeletionRequest:
    return get_or_404(DeletionRequest, request_id)


@bp.route("/staff/deletion-requests")
@roles_required(Role.STAFF)
def staff_requests():
    return render("rights/staff_requests.html", rows=services.requests_for_staff(get_session()))


def _request_page(request: DeletionRequest, *, confirm_form=None, decline_form=None, status: int = 200):
    db = get_session()
    person = db.get(User, request.user_id)
    return render(
        "rights/staff_request.html",
        status=status,
        deletion=request,
        person=person,
        decided_by=db.get(User, request.decided_by_id) if request.decided_by_id else None,
        is_waiting=request.status == RequestStatus.WAITING,
        rows=export.own_row_count(db, person) if request.status == RequestStatus.WAITING else 0,
        confirm_form=confirm_form or ConfirmDeletionForm(formdata=None),
        decline_form=decline_form or DeclineDeletionForm(formdata=None),
    )


@bp.route("/staff/deletion-requests/<int:request_id>")
@roles_required(Role.STAFF)
@writes
def staff_request(request_id: int):
    request = get_request_or_404(request_id)
    if request.status == RequestStatus.WAITING:  # their name, e-mail and words are shown
        audit.record(get_session(), actor=me(), young_id=request.user_id, area=AuditArea.PROFILE, object_id=request.id)
    return _request_page(request)


@bp.route("/staff/deletion-requests/<int:request_id>/confirm", methods=["POST"])
@roles_required(Role.STAFF)
def confirm(request_id: int):
    request = get_request_or_404(request_id)
    form = ConfirmDeletionForm()
    if form.validate_on_submit():
        services.confirm(get_session(), actor=me(), request=request)
        flash(_("Deleted. Their personal data is gone; the numbers in the statistics stay."), "success")
        return hx_redirect(url_for(".staff_requests"))
    return _request_page(request, confirm_form=form, status=422)


@bp.route("/staff/deletion-requests/<int:request_id>/decline", methods=["POST"])
@roles_required(Role.STAFF)
def decline(request_id: int):
    request = get_request_or_404(request_id)
    form = DeclineDeletionForm()
    if form.validate_on_submit():
        try:
            services.decline(get_session(), actor=me(), request=request, answer=form.answer.data)
        except DomainError as error:
            if error.status != 422:
                raise
            form.add_errors({error.code: error.message})
        else:
            flash(_("Answered. They can read your reason on their data page."), "info")
            return hx_redirect(url_for(".staff_requests"))
    return _request_page(request, decline_form=form, status=422)


# --- for templates everywhere ---------------------------------------------------------------------


@bp.app_template_global()
def deletion_requests_waiting() -> dict[int, int]:
    """Person id → their waiting deletion request, for the staff's people list."""
    if not current_user.is_authenticated or not current_user.is_staff_member:
        return {}
    return services.waiting_by_person(get_session())


@bp.app_template_global()
def retention_settings() -> services.Retention:
    """How long things are kept, from the configuration: the privacy page tells it as it is."""
    return services.retention()
