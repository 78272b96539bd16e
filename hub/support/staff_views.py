"""Staff side of the support menu: options, requests, activating, scaling and pausing support."""

from __future__ import annotations

from flask import Blueprint, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from hub.access import get_or_404
from hub.accounts.auth import roles_required
from hub.accounts.models import SUPPORT_TYPE_LABELS, Role, User
from hub.audit import services as audit
from hub.audit.models import Area as AuditArea
from hub.db import get_session, writes
from hub.errors import Invalid
from hub.htmx import hx_redirect, render
from hub.support import menu, menu_staff, open_door
from hub.support.circle import MENTOR
from hub.support.history import change_counts, history_lines
from hub.support.models import SparringRequest, SupportItem, SupportOption
from hub.support.staff_forms import ActivateForm, AdjustForm, DeclineForm, OptionForm, ReasonForm

bp = Blueprint("staff_support", __name__, url_prefix="/staff/support")

KIND_LABELS = {**SUPPORT_TYPE_LABELS, MENTOR: _l("Volunteer mentor")}


def get_young_or_404(young_id: int) -> User:
    return get_or_404(User, young_id, visible=lambda user: user.is_young)


# --- the overview ------------------------------------------------------------------------------


@bp.route("")
@roles_required(Role.STAFF)
def index():
    db = get_session()
    query = (request.args.get("q") or "").strip()[:100]
    return render(
        "staff_support/index.html",
        "staff_support/_search_results.html",
        waiting=menu_staff.waiting_requests(db),
        summary=menu_staff.summary(db),
        sparring=menu_staff.open_sparring(db),
        query=query,
        found=menu_staff.find_young(db, query),
    )


@bp.route("/sparring/<int:sparring_id>/done", methods=["POST"])
@roles_required(Role.STAFF)
def sparring_done(sparring_id: int):
    sparring = get_or_404(SparringRequest, sparring_id)
    menu_staff.close_sparring(get_session(), actor=current_user, sparring=sparring)
    flash(_("Marked as talked through."), "success")
    return hx_redirect(url_for(".index") + "#sparring")


# --- one young person --------------------------------------------------------------------------


def _person_page(young: User, status: int = 200, failed: tuple[int, str, object] | None = None):
    """The person page; `failed` is (item id, action, form) when an action on that item needs fixing."""
    db = get_session()
    audit.record(db, actor=current_user, young_id=young.id, area=AuditArea.SUPPORT)
    lines = history_lines(db, young.id)
    return render(
        "staff_support/person.html",
        status=status,
        person=young,
        items=menu_staff.items_of(db, young.id),
        members=menu_staff.circle_of(db, young.id),
        lines=lines,
        counts=change_counts(lines),
        people=menu.agreement_people(db, young.id),
        levels=menu.LEVEL_LABELS,
        kind_labels=KIND_LABELS,
        today=menu.local_today(),
        failed_item=failed[0] if failed else None,
        failed_action=failed[1] if failed else None,
        failed_form=failed[2] if failed else None,
    )


def _support_changed(young: User, detail: str, object_id: int | None = None) -> None:
    audit.record_change(
        get_session(), actor=current_user, young_id=young.id, area=AuditArea.SUPPORT, detail=detail, object_id=object_id
    )


@bp.route("/people/<int:young_id>")
@roles_required(Role.STAFF)
@writes
def person(young_id: int):
    return _person_page(get_young_or_404(young_id))


@bp.route("/people/<int:young_id>/left", methods=["POST"])
@roles_required(Role.STAFF)
def record_left(young_id: int):
    young = get_young_or_404(young_id)
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            changed = open_door.leave(get_session(), actor=current_user, young=young, reason=form.reason.data)
        except menu.InvalidItem as error:
            form.add_errors(error.errors)
        else:
            if changed:
                _support_changed(young, "support.left")
                flash(_("Noted: %(name)s has stepped away. Their active support is paused.", name=young.name), "info")
            return hx_redirect(url_for(".person", young_id=young.id) + "#door")
    return _person_page(young, 422, (None, "left", form))


@bp.route("/people/<int:young_id>/return", methods=["POST"])
@roles_required(Role.STAFF)
def record_return(young_id: int):
    young = get_young_or_404(young_id)
    if open_door.come_back(get_session(), actor=current_user, young=young):
        _support_changed(young, "support.returned")
        flash(_("Noted: %(name)s is back. They can start paused support again themselves.", name=young.name), "success")
    return hx_redirect(url_for(".person", young_id=young.id) + "#door")


# --- item actions: each locks the item, writes the history and tells the young person -------------


def _item_action(item_id: int, action: str, form, call, done: str):
    item = get_or_404(SupportItem, item_id)
    young = get_young_or_404(item.young_id)
    if form.validate_on_submit():
        try:
            call(get_session(), actor=current_user, item=item, form=form)
        except menu.InvalidItem as error:
            form.add_errors(error.errors)
        else:
            _support_changed(young, f"support.{action}", item.id)
            flash(done, "success")
            return hx_redirect(url_for(".person", young_id=young.id) + f"#item-{item.id}")
    return _person_page(young, 422, (item.id, action, form))


@bp.route("/items/<int:item_id>/activate", methods=["POST"])
@roles_required(Role.STAFF)
def activate(item_id: int):
    def call(db, *, actor, item, form):
        agreed_with = form.agreed_with.data
        menu.activate(
            db, actor=actor, item=item, level=form.level.data, agreed_on=form.agreed_on.data, agreed_with_id=agreed_with
        )

    return _item_action(item_id, "activate", ActivateForm(), call, _("Switched on. They have been told."))


@bp.route("/items/<int:item_id>/adjust", methods=["POST"])
@roles_required(Role.STAFF)
def adjust(item_id: int):
    def call(db, *, actor, item, form):
        menu.adjust(db, actor=actor, item=item, level=form.level.data, reason=form.reason.data)

    return _item_action(item_id, "adjust", AdjustForm(), call, _("The level is changed. They have been told."))


@bp.route("/items/<int:item_id>/decline", methods=["POST"])
@roles_required(Role.STAFF)
def decline(item_id: int):
    def call(db, *, actor, item, form):
        menu.decline(db, actor=actor, item=item, reason=form.reason.data)

    return _item_action(item_id, "decline", DeclineForm(), call, _("Answered. They can read your reason."))


def _simple(item_id: int, action: str, done: str):
    def call(db, *, actor, item, form):
        getattr(menu, action)(db, actor=actor, item=item, reason=form.reason.data)

    return _item_action(item_id, action, ReasonForm(), call, done)


@bp.route("/items/<int:item_id>/pause", methods=["POST"])
@roles_required(Role.STAFF)
def pause(item_id: int):
    return _simple(item_id, "pause", _("Paused. They have been told."))


@bp.route("/items/<int:item_id>/resume", methods=["POST"])
@roles_required(Role.STAFF)
def resume(item_id: int):
    return _simple(item_id, "resume", _("Started again. They have been told."))


@bp.route("/items/<int:item_id>/end", methods=["POST"])
@roles_required(Role.STAFF)
def end(item_id: int):
    return _simple(item_id, "end", _("Ended. They have been told, and they can ask again any time."))


# --- the menu of options -------------------------------------------------------------------------


def get_option_or_404(option_id: int) -> SupportOption:
    return get_or_404(SupportOption, option_id)


@bp.route("/options")
@roles_required(Role.STAFF)
def options():
    return render("staff_support/options.html", options=menu_staff.all_options(get_session()))


def _option_form_page(form: OptionForm, option: SupportOption | None):
    if form.is_submitted():
        form.validate()
        form.add_errors(menu_staff.option_problems(form.to_input()))
        if not form.errors:
            saved = menu_staff.save_option(get_session(), actor=current_user, data=form.to_input(), option=option)
            flash(_("Saved. Young people see it like this on the menu."), "success")
            return hx_redirect(url_for(".options") + f"#option-{saved.id}")
    status = 422 if form.errors else 200
    return render("staff_support/option_form.html", status=status, form=form, option=option)


@bp.route("/options/new", methods=["GET", "POST"])
@roles_required(Role.STAFF)
def new_option():
    return _option_form_page(OptionForm(), None)


@bp.route("/options/<int:option_id>/edit", methods=["GET", "POST"])
@roles_required(Role.STAFF)
def edit_option(option_id: int):
    option = get_option_or_404(option_id)
    data = None if request.method == "POST" else vars(menu_staff.OptionInput.from_option(option))
    return _option_form_page(OptionForm(data=data), option)


@bp.route("/options/<int:option_id>/move", methods=["POST"])
@roles_required(Role.STAFF)
def move_option(option_id: int):
    option = get_option_or_404(option_id)
    menu_staff.move_option(get_session(), actor=current_user, option=option, direction=request.form.get("direction"))
    return hx_redirect(url_for(".options") + f"#option-{option.id}")


@bp.route("/options/<int:option_id>/active", methods=["POST"])
@roles_required(Role.STAFF)
def set_option_active(option_id: int):
    option = get_option_or_404(option_id)
    wanted = request.form.get("active")
    if wanted not in ("yes", "no"):
        raise Invalid("active_missing", _("Choose whether the option is on the menu or not."))
    menu_staff.set_option_active(get_session(), actor=current_user, option=option, active=wanted == "yes")
    if wanted == "yes":
        flash(_("It is back on the menu."), "success")
    else:
        flash(_("Taken off the menu. Young people who have it keep it."), "info")
    return hx_redirect(url_for(".options") + f"#option-{option.id}")


# --- for templates everywhere ------------------------------------------------------------------


@bp.app_template_global()
def staff_support_summary() -> dict:
    """The staff home card: requests waiting, nominations waiting and open sparring."""
    return menu_staff.summary(get_session())
