"""Youth-driven activities: propose, back, discuss, approve, make it an event."""

from __future__ import annotations

from flask import Blueprint, flash, render_template, request, url_for
from flask_babel import format_number
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.routing import BuildError

from hub.access import get_or_404
from hub.accounts.auth import roles_required
from hub.accounts.models import Role
from hub.db import get_session
from hub.errors import Conflict, Invalid
from hub.events.models import Event
from hub.htmx import hx_redirect, is_partial, render
from hub.proposals import services
from hub.proposals.forms import ApproveForm, CommentForm, DeclineForm, ProposalForm
from hub.proposals.models import Proposal, ProposalStatus
from hub.security import safe_next

bp = Blueprint("proposals", __name__, url_prefix="/ideas")

PEOPLE = (Role.YOUNG, Role.STAFF)  # mentors and support people do not take part

TABS = {
    "open": (_l("Open"), (ProposalStatus.OPEN,)),
    "approved": (_l("Approved"), (ProposalStatus.APPROVED,)),
    "done": (_l("Happened"), (ProposalStatus.EVENT,)),
}
STAFF_TABS = {**TABS, "declined": (_l("Not this time"), (ProposalStatus.DECLINED,))}


def get_proposal_or_404(proposal_id: int) -> Proposal:
    return get_or_404(Proposal, proposal_id, visible=lambda p: services.can_see(current_user, p))


def _detail_url(proposal: Proposal) -> str:
    return url_for("proposals.detail", proposal_id=proposal.id)


# --- the list --------------------------------------------------------------------------------


@bp.route("")
@roles_required(*PEOPLE)
def index():
    tabs = STAFF_TABS if current_user.is_staff_member else TABS
    tab = request.args.get("tab") if request.args.get("tab") in tabs else "open"
    db = get_session()
    here = url_for("proposals.index", tab=tab)
    return render(
        "proposals/index.html",
        "proposals/_proposal_list.html",
        tab=tab,
        tabs=[
            {"key": key, "label": label, "url": url_for("proposals.index", tab=key), "here": key == tab}
            for key, (label, _statuses) in tabs.items()
        ],
        cards=services.cards(db, actor=current_user, statuses=tabs[tab][1]),
        mine=services.cards(db, actor=current_user, author_id=current_user.id) if current_user.is_young else [],
        can_propose=current_user.is_young,
        back_to=here,
    )


# --- a new idea --------------------------------------------------------------------------------


@bp.route("/new", methods=["GET", "POST"])
@roles_required(Role.YOUNG)
def new():
    form = ProposalForm()
    db = get_session()
    if form.validate_on_submit():
        try:
            proposal = services.propose(
                db,
                actor=current_user,
                title=form.title.data,
                what=form.what.data,
                why=form.why.data or "",
                rough_cost_kr=form.rough_cost_kr.data,
            )
        except (Invalid, Conflict) as error:
            form.form_errors.append(error.message)
        else:
            flash(_("Your idea is shared. Now others can back it."), "success")
            return hx_redirect(_detail_url(proposal))
    max_open = services.MAX_OPEN_PER_PERSON
    at_limit = services.count_open(db, current_user) >= max_open
    status = 422 if form.errors else 200
    return render("proposals/new.html", status=status, form=form, at_limit=at_limit, max_open=max_open)


# --- one idea ----------------------------------------------------------------------------------


def _event_url(event: Event | None) -> str | None:
    # The young people's event page belongs to the events domain; link to it once it exists.
    if event is None:
        return None
    try:
        return url_for("events.detail", event_id=event.id)
    except BuildError:
        return None


def _detail_context(proposal: Proposal, *, comment_form=None, approve_form=None, decline_form=None) -> dict:
    db = get_session()
    event = services.event_for(db, proposal)
    staff = current_user.is_staff_member
    return {
        "proposal": proposal,
        "card": services.card(db, actor=current_user, proposal=proposal),
        "comments": services.thread(db, proposal),
        "backer_names": services.backer_names(db, proposal) if staff else None,
        "can_comment": services.may_comment(current_user, proposal),
        "can_approve": services.may_approve(current_user, proposal),
        "can_decline": services.may_decline(current_user, proposal),
        # The staff event form is built in the events domain and reads ?proposal=<id>.
        "new_event_url": f"/staff/events/new?proposal={proposal.id}"
        if services.may_make_event(current_user, proposal)
        else None,
        "event": event,
        "event_url": _event_url(event),
        "comment_form": comment_form or CommentForm(formdata=None),
        "approve_form": approve_form or ApproveForm(formdata=None),
        "decline_form": decline_form or DeclineForm(formdata=None),
        "back_to": _detail_url(proposal),
    }


def _detail_page(proposal: Proposal, status: int = 200, **forms):
    return render("proposals/detail.html", status=status, **_detail_context(proposal, **forms))


@bp.route("/<int:proposal_id>")
@roles_required(*PEOPLE)
def detail(proposal_id: int):
    return _detail_page(get_proposal_or_404(proposal_id))


@bp.route("/<int:proposal_id>/back", methods=["POST"])
@roles_required(Role.YOUNG)
def back(proposal_id: int):
    """One tap: the form says what the person wants, so a double tap cannot undo itself."""
    proposal = get_proposal_or_404(proposal_id)
    db = get_session()
    if request.form.get("want") == "unback":
        services.unback(db, actor=current_user, proposal=proposal)
    else:
        services.back(db, actor=current_user, proposal=proposal)
    back_to = safe_next(request.form.get("next")) or _detail_url(proposal)
    if is_partial():
        card = services.card(db, actor=current_user, proposal=proposal)
        return render_template("proposals/_backing.html", card=card, back_to=back_to)
    return hx_redirect(back_to)


@bp.route("/<int:proposal_id>/comment", methods=["POST"])
@roles_required(*PEOPLE)
def comment(proposal_id: int):
    proposal = get_proposal_or_404(proposal_id)
    services.ensure_may_comment(current_user, proposal)
    form = CommentForm()
    if form.validate_on_submit():
        services.comment(get_session(), actor=current_user, proposal=proposal, body=form.body.data)
        flash(_("Your comment is posted."), "success")
        return hx_redirect(_detail_url(proposal) + "#comments")
    return _detail_page(proposal, 422, comment_form=form)


@bp.route("/<int:proposal_id>/approve", methods=["POST"])
@roles_required(Role.STAFF)
def approve(proposal_id: int):
    proposal = get_proposal_or_404(proposal_id)
    form = ApproveForm()
    if form.validate_on_submit():
        db = get_session()
        services.approve(db, actor=current_user, proposal=proposal, budget_kr=form.budget_kr.data)
        name = services.author_of(db, proposal).display_name
        flash(_("Approved. %(name)s has been told.", name=name), "success")
        return hx_redirect(_detail_url(proposal))
    return _detail_page(proposal, 422, approve_form=form)


@bp.route("/<int:proposal_id>/decline", methods=["POST"])
@roles_required(Role.STAFF)
def decline(proposal_id: int):
    proposal = get_proposal_or_404(proposal_id)
    form = DeclineForm()
    if form.validate_on_submit():
        db = get_session()
        services.decline(db, actor=current_user, proposal=proposal, reason=form.reason.data)
        name = services.author_of(db, proposal).display_name
        flash(_("Declined. %(name)s can read your reason on the idea.", name=name), "info")
        return hx_redirect(_detail_url(proposal))
    return _detail_page(proposal, 422, decline_form=form)


# --- for templates everywhere ------------------------------------------------------------------


@bp.app_template_filter("kroner")
def kroner(amount: int | None) -> str:
    """1500 → "1.500 kr." in Danish, "1,500 kr." in English."""
    return "" if amount is None else _("%(amount)s kr.", amount=format_number(amount))


@bp.app_context_processor
def proposal_helpers() -> dict:
    """`proposal_credit(event)` on any page: "Proposed by Sara" for an event born from an idea."""
    return {"proposal_credit": lambda event: services.proposal_credit(get_session(), event)}
