"""Compose your support: the menu of support options, asking for one, and the open door."""

from __future__ import annotations

from flask import Blueprint, flash, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from hub.access import get_or_404
from hub.accounts.auth import roles_required
from hub.accounts.models import Role, User
from hub.db import get_session
from hub.errors import Conflict, Invalid
from hub.htmx import hx_redirect, render
from hub.support import menu, open_door, scaling
from hub.support.history import history_lines
from hub.support.menu_forms import AskForm, LeaveForm, ScaleForm
from hub.support.models import ItemStatus, SupportItem
from hub.support.views import join_page, outside_trial

bp = Blueprint("support_menu", __name__, url_prefix="/support")


def me() -> User:
    """The logged-in young person as a row (services lock it), not the proxy."""
    return current_user._get_current_object()


def get_own_item_or_404(item_id: int) -> SupportItem:
    return get_or_404(SupportItem, item_id, visible=lambda item: item.young_id == current_user.id)


# --- the menu ----------------------------------------------------------------------------------


def _options_page(
    status: int = 200, failed: tuple[int, AskForm] | None = None, scaled: tuple[int, str, ScaleForm] | None = None
):
    """The menu; `failed` is (option id, form) when asking for that option did not work, and
    `scaled` is (item id, change, form) when changing one of the young person's own did not."""
    db = get_session()
    entries = menu.menu_for(db, current_user)
    return render(
        "support_menu/options.html",
        status=status,
        entries=entries,
        controls={entry.item.id: scaling.controls(db, entry.item) for entry in entries if entry.item},
        failed_option=failed[0] if failed else None,
        failed_form=failed[1] if failed else None,
        scaled_item=scaled[0] if scaled else None,
        scaled_change=scaled[1] if scaled else None,
        scaled_form=scaled[2] if scaled else None,
    )


@bp.route("/options")
@roles_required(Role.YOUNG)
def options():
    if outside_trial():
        return join_page()
    return _options_page()


@bp.route("/options/<int:option_id>/ask", methods=["POST"])
@roles_required(Role.YOUNG)
def ask(option_id: int):
    if outside_trial():
        return join_page(403)
    form = AskForm()
    if form.validate_on_submit():
        try:
            menu.ask_for(get_session(), actor=me(), option_id=option_id, wish=form.wish.data)
        except menu.InvalidItem as error:
            form.add_errors(error.errors)
            return _options_page(422, (option_id, form))
        except Conflict as error:
            form.form_errors.append(error.message)
            return _options_page(409, (option_id, form))
        flash(_("Your request is sent. The staff will talk it through with you."), "success")
        return hx_redirect(url_for(".options") + f"#option-{option_id}")
    return _options_page(422, (option_id, form))


@bp.route("/items/<int:item_id>/withdraw", methods=["POST"])
@login_required  # someone else's item is a 404, whoever asks
def withdraw(item_id: int):
    item = get_own_item_or_404(item_id)
    menu.withdraw(get_session(), actor=current_user, item=item)
    flash(_("Your request is taken back. You can ask again any time."), "info")
    return hx_redirect(url_for(".options") + f"#option-{item.option_id}")


SCALED = {
    scaling.Change.MORE: _l("Done: you have more of it now. The staff have been told."),
    scaling.Change.LESS: _l("Done: you have less of it now. The staff have been told."),
    scaling.Change.PAUSE: _l("Paused. It is still yours: start it again whenever you want. The staff have been told."),
    scaling.Change.RESUME: _l("It is on again. The staff have been told."),
}


@bp.route("/items/<int:item_id>/change", methods=["POST"])
@login_required  # someone else's item is a 404, whoever asks
def scale(item_id: int):
    """More, less, a pause or starting again: the young person's own choice, made at once."""
    item = get_own_item_or_404(item_id)  # another young person's item is a 404
    if outside_trial():
        return join_page(403)
    form = ScaleForm()
    change = form.change.data if form.change.data in set(scaling.Change) else None
    if form.validate_on_submit():
        try:
            outcome = scaling.scale(
                get_session(),
                actor=me(),
                item=item,
                change=form.change.data,
                seen=form.seen.data,
                note=form.note.data,
                until=form.until.data,
            )
        except scaling.InvalidScale as error:
            form.add_errors(error.errors)
            return _options_page(422, scaled=(item.id, change, form))
        except (Conflict, Invalid) as error:  # changed meanwhile, not possible now, or no such change
            form.form_errors.append(error.message)
            return _options_page(error.status, scaled=(item.id, change, form))
        if outcome.changed:
            flash(str(SCALED[outcome.change]), "success")
        else:
            flash(_("That was done already: your first tap counted."), "info")
        return hx_redirect(url_for(".options") + f"#option-{item.option_id}")
    return _options_page(422, scaled=(item.id, change, form))


@bp.route("/history")
@roles_required(Role.YOUNG)
def history():
    return render("support_menu/history.html", lines=history_lines(get_session(), current_user.id))


# --- the open door -----------------------------------------------------------------------------


@bp.route("/leave", methods=["GET", "POST"])
@roles_required(Role.YOUNG)
def leave():
    form = LeaveForm()
    db = get_session()
    if form.validate_on_submit():
        try:
            open_door.leave(db, actor=me(), young=me(), reason=form.reason.data)
        except menu.InvalidItem as error:
            form.add_errors(error.errors)
        else:
            flash(_("Take care. Nothing is deleted, and the door is open whenever you want to come back."), "info")
            return hx_redirect(url_for("core.home"))
    on = [line for line in menu.open_items(db, current_user.id) if line.item.status == ItemStatus.ACTIVE]
    return render("support_menu/leave.html", status=422 if form.errors else 200, form=form, active=on)


@bp.route("/return", methods=["POST"])
@roles_required(Role.YOUNG)
def come_back():
    if open_door.come_back(get_session(), actor=me(), young=me()):
        flash(
            _("Welcome back! Start paused support again whenever you want, under Put your support together."), "success"
        )
    return hx_redirect(url_for("core.home"))


# --- for templates everywhere ------------------------------------------------------------------


@bp.app_template_global()
def support_items_for(user: User) -> list[menu.ItemLine]:
    """The young person's open support (asked for, on, paused), for "My support"."""
    if not user.is_authenticated or not user.is_young:
        return []
    return menu.open_items(get_session(), user.id)


@bp.app_template_global()
def open_door_for(user: User) -> dict | None:
    """When a young person has stepped away: when, and how much support is paused. Else None."""
    if not user.is_authenticated:
        return None
    return open_door.open_door_for(get_session(), user)
