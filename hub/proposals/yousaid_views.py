"""You said, we did: everyone logged in reads what changed; staff write, edit and delete."""

from __future__ import annotations

from flask import Blueprint, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from hub.accounts.auth import roles_required
from hub.accounts.models import Role
from hub.core.forms import ServiceErrors
from hub.db import get_session
from hub.htmx import hx_redirect, render
from hub.proposals import yousaid

bp = Blueprint("yousaid", __name__, url_prefix="/you-said")


def strip(value):
    return value.strip() if isinstance(value, str) else value


class YouSaidForm(ServiceErrors, FlaskForm):
    """The services check the words (yousaid._checked), so every rule lives in one place."""

    title = StringField(_l("Title"), filters=[strip])
    you_said = TextAreaField(_l("You said"), filters=[strip])
    we_did = TextAreaField(_l("We did"), filters=[strip])
    proposal_id = SelectField(_l("The idea it came from (if any)"), validate_choice=False)

    def fill_choices(self, choices: list[tuple[int, str]]) -> None:
        self.proposal_id.choices = [SelectChoice("", _l("No idea linked"))] + [
            SelectChoice(str(ident), title) for ident, title in choices
        ]

    def values(self) -> dict:
        return {
            "title": self.title.data or "",
            "you_said": self.you_said.data or "",
            "we_did": self.we_did.data or "",
            "proposal_id": self.proposal_id.data or None,
        }


# --- reading ---------------------------------------------------------------------------------------


@bp.route("")
@roles_required(Role.YOUNG, Role.SUPPORT, Role.MENTOR, Role.STAFF)  # not partners: they only redeem
def index():
    return render(
        "yousaid/index.html",
        posts=yousaid.latest(get_session(), viewer=current_user),
        can_write=current_user.is_staff_member,
    )


@bp.app_template_global()
def you_said_latest() -> list[yousaid.Shown]:
    """The newest few, for the young person's home card."""
    if not current_user.is_authenticated:
        return []
    return yousaid.latest(get_session(), viewer=current_user, limit=yousaid.ON_HOME)


# --- writing (staff) -------------------------------------------------------------------------------


def _form_page(item: yousaid.YouSaid | None):
    db = get_session()
    initial = None
    if item is not None and request.method == "GET":
        initial = {
            "title": item.title,
            "you_said": item.you_said,
            "we_did": item.we_did,
            "proposal_id": str(item.proposal_id or ""),
        }
    form = YouSaidForm(data=initial)
    form.fill_choices(yousaid.proposal_choices(db, keep=item.proposal_id if item else None))
    if form.validate_on_submit():
        try:
            if item is None:
                saved = yousaid.post(db, actor=current_user, **form.values())
            else:
                saved = yousaid.update(db, actor=current_user, post_id=item.id, **form.values())
        except yousaid.InvalidPost as error:
            form.add_errors(error.errors)
        else:
            flash(_("Saved. Everyone can read it now."), "success")
            return hx_redirect(url_for(".index") + f"#you-said-{saved.id}")
    status = 422 if form.errors else 200
    return render("yousaid/form.html", status=status, form=form, post=item)


@bp.route("/new", methods=["GET", "POST"])
@roles_required(Role.STAFF)
def new():
    return _form_page(None)


@bp.route("/<int:post_id>/edit", methods=["GET", "POST"])
@roles_required(Role.STAFF)
def edit(post_id: int):
    return _form_page(yousaid.get_or_404(get_session(), post_id))


@bp.route("/<int:post_id>/delete", methods=["POST"])
@roles_required(Role.STAFF)
def delete(post_id: int):
    yousaid.delete(get_session(), actor=current_user, post_id=post_id)
    flash(_("Deleted."), "info")
    return hx_redirect(url_for(".index"))
