"""Klip for staff: who has what, give and correct, monthly grants, the catalogue, numbers."""

from __future__ import annotations

from dataclasses import asdict
from functools import partial
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from hub.access import get_or_404
from hub.accounts import services as accounts
from hub.accounts.auth import roles_required
from hub.accounts.forms import PartnerInviteForm
from hub.accounts.models import Role, TokenPurpose, User
from hub.audit import services as audit
from hub.audit.models import Area as AuditArea
from hub.core.export import csv_download
from hub.core.forms import arg_id
from hub.core.links import public_url
from hub.core.qr import qr_svg
from hub.credits import manage, staff_queries, stats, vouchers
from hub.credits import services as ledger
from hub.credits.models import Allotment, Offer, Partner
from hub.credits.staff_forms import (
    AUDIENCE_LABELS,
    CATEGORY_LABELS,
    ENTRY_LABELS,
    KIND_LABELS,
    RECIPIENT_LABELS,
    AllotmentForm,
    CorrectForm,
    GiveBackForm,
    GrantForm,
    GrantManyForm,
    OfferForm,
    PartnerForm,
)
from hub.db import MAX_ID, get_session, utcnow, writes
from hub.errors import DomainError, Invalid, NotFound
from hub.htmx import hx_redirect, render, render_at

bp = Blueprint("staff_credits", __name__, url_prefix="/staff/klip")

PAGE_SIZE = 100


def local_tz() -> ZoneInfo:
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


@bp.context_processor
def labels():
    return {
        "category_labels": CATEGORY_LABELS,
        "kind_labels": KIND_LABELS,
        "audience_labels": AUDIENCE_LABELS,
        "recipient_labels": RECIPIENT_LABELS,
        "entry_labels": ENTRY_LABELS,
    }


def load_or_404(model, ident: int):
    """get_or_404, where a number too big to be an id (a tampered URL) is missing too."""
    if ident > MAX_ID:
        raise NotFound("not_found", _("We could not find that page"))
    return get_or_404(model, ident)


def _failed(form, error: DomainError) -> None:
    """A service said no: its field messages go beside the fields, anything else on top."""
    if isinstance(error, manage.InvalidInput):
        form.add_errors(error.errors)
    else:
        form.form_errors.append(error.message)


def _checked(form, problems) -> bool:
    """Parse the form, then add the services' rules, so every problem is said at once."""
    parsed = form.validate()
    form.add_errors(problems())
    return parsed and not form.errors


def _status(form, error: DomainError | None = None) -> int:
    if error is not None:
        return error.status
    return 422 if form.errors else 200


# --- who has what -------------------------------------------------------------------------------


@bp.route("")
@roles_required(Role.STAFF)
def index():
    db = get_session()
    query = (request.args.get("q") or "").strip()[:100]
    people = stats.find_young(db, query, limit=PAGE_SIZE)
    context = {
        "people": people,
        "cards": stats.cards(db, [p.id for p in people], now=utcnow()),
        "query": query,
        "more": len(people) == PAGE_SIZE,
        "requests": vouchers.open_requests(db),
    }
    return render("staff_credits/index.html", "staff_credits/_people.html", **context)


def _person_context(person: User, **forms) -> dict:
    db, now = get_session(), utcnow()
    audit.record(db, actor=current_user, young_id=person.id, area=AuditArea.KLIP)
    ledger_now = ledger.ledger_of(db, person.id)
    return {
        "person": person,
        "balance": ledger_now.balance(),
        "available": ledger_now.available(now),
        "expiring": ledger_now.expiring(now),
        "history": staff_queries.history(db, person.id),
        "vouchers": staff_queries.open_vouchers(db, person.id),
        "grant_form": forms.get("grant_form") or GrantForm(prefix="grant", formdata=None),
        "correct_form": forms.get("correct_form") or CorrectForm(prefix="correct", formdata=None),
        "back_form": forms.get("back_form") or GiveBackForm(prefix="back", formdata=None),
    }


def _klip_changed(person: User, detail: str, object_id: int | None) -> None:
    audit.record_change(
        get_session(), actor=current_user, young_id=person.id, area=AuditArea.KLIP, detail=detail, object_id=object_id
    )


@bp.route("/people/<int:user_id>")
@roles_required(Role.STAFF)
@writes
def person(user_id: int):
    return render("staff_credits/person.html", **_person_context(manage.young_person(get_session(), user_id)))


@bp.route("/people/<int:user_id>/grant", methods=["POST"])
@roles_required(Role.STAFF)
def grant(user_id: int):
    db = get_session()
    form = GrantForm(prefix="grant")
    person = manage.young_person(db, user_id)
    error = None
    if _checked(form, lambda: manage.grant_problems(form.to_input().cleaned(), now=utcnow(), tz=local_tz())):
        try:
            entry = manage.grant_klip(
                db, actor=current_user, user_id=person.id, data=form.to_input(), key=form.key.data, tz=local_tz()
            )
        except DomainError as failed:
            error = failed
            _failed(form, failed)
        else:
            _klip_changed(person, "klip.grant", entry.id)
            flash(_("%(name)s got %(count)d klip.", name=person.display_name, count=entry.amount), "success")
            return hx_redirect(url_for(".person", user_id=person.id))
    context = _person_context(person, grant_form=form)
    return render("staff_credits/person.html", status=_status(form, error), **context)


@bp.route("/people/<int:user_id>/correct", methods=["POST"])
@roles_required(Role.STAFF)
def correct(user_id: int):
    db = get_session()
    form = CorrectForm(prefix="correct")
    person = manage.young_person(db, user_id)
    amount, reason = form.amount.data, form.reason.data or ""
    error = None
    if _checked(form, lambda: manage.correction_problems(amount, reason)):
        try:
            entry = manage.correct_klip(
                db, actor=current_user, user_id=person.id, amount=amount, reason=reason, key=form.key.data
            )
        except DomainError as failed:
            error = failed
            _failed(form, failed)
        else:
            _klip_changed(person, "klip.correct", entry.id)
            flash(_("The correction is saved."), "success")
            return hx_redirect(url_for(".person", user_id=person.id))
    context = _person_context(person, correct_form=form)
    return render("staff_credits/person.html", status=_status(form, error), **context)


@bp.route("/people/<int:user_id>/give-back", methods=["POST"])
@roles_required(Role.STAFF)
def give_back(user_id: int):
    db = get_session()
    form = GiveBackForm(prefix="back")
    person = manage.young_person(db, user_id)
    error = None
    if form.validate():
        try:
            voucher = manage.give_back(
                db,
                actor=current_user,
                user_id=person.id,
                voucher_id=form.voucher_id.data,
                reason=form.reason.data or "",
            )
        except DomainError as failed:
            if failed.status == 404:
                raise
            error = failed
            _failed(form, failed)
        else:
            _klip_changed(person, "klip.give_back", voucher.id)
            back = ngettext(
                "%(num)d klip is back on the card.", "%(num)d klip are back on the card.", voucher.price_klip
            )
            flash(back, "success")
            return hx_redirect(url_for(".person", user_id=person.id))
    context = _person_context(person, back_form=form)
    return render("staff_credits/person.html", status=_status(form, error), **context)


# --- to many at once -----------------------------------------------------------------------------


@bp.route("/grant", methods=["GET", "POST"])
@roles_required(Role.STAFF)
def grant_many():
    db = get_session()
    form = GrantManyForm()
    people = staff_queries.young_people(db)
    form.set_people(people)
    if request.method == "GET":
        form.recipients.data = manage.Recipients.TRIAL.value
    if request.method == "GET" or form.confirmed.data == "edit":  # "No, change it" on the confirmation
        return render("staff_credits/grant.html", form=form, people=people)
    error, plan = None, None
    if _checked(form, lambda: manage.grant_problems(form.to_input().cleaned(), now=utcnow(), tz=local_tz())):
        arguments = {
            "actor": current_user,
            "recipients": form.recipients.data or "",
            "chosen_ids": form.chosen_ids,
            "data": form.to_input(),
            "tz": local_tz(),
        }
        try:
            if form.confirmed.data == "yes":
                plan = manage.grant_to_many(db, key=form.key.data, **arguments)
            else:
                plan = manage.plan_grant(db, **arguments)
        except DomainError as failed:
            error = failed
            _failed(form, failed)
        else:
            if form.confirmed.data == "yes":
                audit.record_changes(
                    db,
                    actor=current_user,
                    young_ids=[p.id for p in plan.people],
                    area=AuditArea.KLIP,
                    detail="klip.grant",
                )
                message = ngettext(
                    "%(num)d person got %(amount)d klip.",
                    "%(num)d people got %(amount)d klip each.",
                    len(plan.people),
                    amount=plan.amount,
                )
                flash(message, "success")
                return hx_redirect(url_for(".index"))
            return render("staff_credits/grant_confirm.html", form=form, plan=plan)
    return render("staff_credits/grant.html", status=_status(form, error), form=form, people=people)


# --- monthly grants -----------------------------------------------------------------------------


def _allotments_page(form: AllotmentForm, status: int = 200):
    context = {"form": form, "allotments": staff_queries.allotments_with_runs(get_session())}
    return render("staff_credits/allotments.html", status=status, **context)


@bp.route("/allotments")
@roles_required(Role.STAFF)
def allotments():
    return _allotments_page(AllotmentForm(formdata=None))


@bp.route("/allotments", methods=["POST"])
@roles_required(Role.STAFF)
def new_allotment():
    form, error = AllotmentForm(), None
    if _checked(form, lambda: manage.allotment_problems(form.to_input())):
        try:
            allotment = manage.create_allotment(get_session(), actor=current_user, data=form.to_input())
        except DomainError as failed:
            error = failed
            _failed(form, failed)
        else:
            flash(_("“%(name)s” is saved. It goes out once every month.", name=allotment.name), "success")
            return hx_redirect(url_for(".allotments"))
    return _allotments_page(form, _status(form, error))


def _active_flag() -> bool:
    """The pause/resume buttons send active=1 or active=0; anything else is a broken form."""
    value = request.form.get("active")
    if value not in ("0", "1"):
        raise Invalid("active_missing", _("Choose to pause or to resume."))
    return value == "1"


@bp.route("/allotments/<int:allotment_id>/active", methods=["POST"])
@roles_required(Role.STAFF)
def set_allotment_active(allotment_id: int):
    active = _active_flag()
    allotment = load_or_404(Allotment, allotment_id)
    manage.set_allotment_active(get_session(), actor=current_user, allotment_id=allotment.id, active=active)
    flash(
        _("“%(name)s” goes out again.", name=allotment.name)
        if active
        else _("“%(name)s” is paused.", name=allotment.name),
        "success",
    )
    return hx_redirect(url_for(".allotments"))


# --- the catalogue ------------------------------------------------------------------------------


@bp.route("/offers")
@roles_required(Role.STAFF)
def offers():
    return render("staff_credits/offers.html", offers=staff_queries.offers_with_partners(get_session()))


def _offer_form(offer: Offer | None = None):
    """The new or the edit form: the same fields, the same rules, the same template."""
    db = get_session()
    if request.method == "GET":
        data = manage.OfferInput.from_offer(offer) if offer else manage.OfferInput()
        form = OfferForm(formdata=None, data=asdict(data))
    else:
        form = OfferForm()
    form.set_partners(staff_queries.partners(db))
    error = None
    if request.method == "POST" and _checked(form, lambda: manage.offer_problems(db, form.to_input().cleaned())):
        try:
            if offer is None:
                offer = manage.create_offer(db, actor=current_user, data=form.to_input())
            else:
                manage.update_offer(db, actor=current_user, offer_id=offer.id, data=form.to_input())
        except DomainError as failed:
            error = failed
            _failed(form, failed)
        else:
            flash(_("“%(title)s” is saved.", title=offer.title), "success")
            return hx_redirect(url_for(".offers"))
    return render("staff_credits/offer_form.html", status=_status(form, error), form=form, offer=offer)


@bp.route("/offers/new", methods=["GET", "POST"])
@roles_required(Role.STAFF)
def new_offer():
    return _offer_form()


@bp.route("/offers/<int:offer_id>/edit", methods=["GET", "POST"])
@roles_required(Role.STAFF)
def edit_offer(offer_id: int):
    return _offer_form(load_or_404(Offer, offer_id))


@bp.route("/offers/<int:offer_id>/active", methods=["POST"])
@roles_required(Role.STAFF)
def set_offer_active(offer_id: int):
    active = _active_flag()
    offer = load_or_404(Offer, offer_id)
    manage.set_offer_active(get_session(), actor=current_user, offer_id=offer.id, active=active)
    if active:
        flash(_("“%(title)s” is in the catalogue again.", title=offer.title), "success")
    else:
        flash(
            _("“%(title)s” is out of the catalogue. Vouchers already bought still work.", title=offer.title), "success"
        )
    return hx_redirect(url_for(".offers"))


@bp.route("/partners")
@roles_required(Role.STAFF)
def partners():
    return render("staff_credits/partners.html", partners=staff_queries.partners_with_counts(get_session()))


def _partner_form(partner: Partner | None = None):
    db = get_session()
    if request.method == "GET":
        form = PartnerForm(formdata=None, obj=partner)
    else:
        form = PartnerForm()
    values = {"name": form.name.data or "", "website": form.website.data or ""}
    problems = partial(manage.partner_problems, db, **values, partner_id=partner.id if partner else None)
    error = None
    if request.method == "POST" and _checked(form, problems):
        try:
            if partner is None:
                partner = manage.create_partner(db, actor=current_user, **values)
            else:
                manage.update_partner(db, actor=current_user, partner_id=partner.id, **values)
        except DomainError as failed:
            error = failed
            _failed(form, failed)
        else:
            flash(_("“%(name)s” is saved.", name=partner.name), "success")
            return hx_redirect(url_for(".partners"))
    return render("staff_credits/partner_form.html", status=_status(form, error), form=form, partner=partner)


@bp.route("/partners/new", methods=["GET", "POST"])
@roles_required(Role.STAFF)
def new_partner():
    return _partner_form()


@bp.route("/partners/<int:partner_id>/edit", methods=["GET", "POST"])
@roles_required(Role.STAFF)
def edit_partner(partner_id: int):
    return _partner_form(load_or_404(Partner, partner_id))


@bp.route("/partners/invite", methods=["GET", "POST"])
@roles_required(Role.STAFF)
def invite_partner():
    """An account for someone at a partner: it redeems that partner's vouchers, nothing more."""
    db = get_session()
    form = PartnerInviteForm()
    form.set_partners(staff_queries.partners(db))
    if request.method == "GET" and request.args.get("partner"):
        form.partner_id.data = arg_id("partner")
    if form.validate_on_submit():
        try:
            user, token = accounts.invite(
                db,
                actor=current_user,
                name=form.name.data,
                email=form.email.data,
                role=Role.PARTNER,
                partner_id=form.partner_id.data,
            )
        except DomainError as failed:
            _failed(form, failed)
        else:
            # The link is shown once, here, and never stored in plain: so no redirect, but the
            # address bar shows the partners' page.
            link = public_url("accounts.set_password", token=token)
            page = url_for("staff_credits.partners")
            purpose = TokenPurpose.INVITE
            return render_at(page, "staff/link.html", person=user, link=link, qr=qr_svg(link), purpose=purpose)
    return render("staff_credits/partner_invite.html", status=_status(form), form=form)


# --- numbers ------------------------------------------------------------------------------------


@bp.route("/stats")
@roles_required(Role.STAFF)
def statistics():
    db, tz = get_session(), local_tz()
    since, until = stats.year_back(utcnow(), tz)
    months = stats.monthly(db, since=since, until=until, tz=tz)
    return render(
        "staff_credits/stats.html",
        months=months,
        chart=stats.bar_chart(months),
        categories=stats.CATEGORIES,
        offers=stats.per_offer(db),
    )


@bp.route("/export.csv")
@roles_required(Role.STAFF)
def export():
    tz = local_tz()
    since, until = stats.year_back(utcnow(), tz)
    body = stats.export_csv(stats.monthly(get_session(), since=since, until=until, tz=tz))
    filename = f"ungehub-klip-{utcnow().astimezone(tz):%Y-%m-%d}.csv"
    return csv_download(body, filename)
