"""The young person's support circle: find and choose support people, decide what each may
see, nominate someone from their own network, and see who looked."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from hub.access import get_or_404
from hub.accounts.auth import roles_required
from hub.accounts.models import Role, User
from hub.core.forms import optional_id
from hub.db import get_session
from hub.errors import DomainError
from hub.htmx import hx_redirect, render
from hub.plans.models import LIFE_AREA_LABELS, LifeArea
from hub.support import nominations, profiles, services
from hub.support.circle import primary_link, supporter_kind
from hub.support.forms import NominateForm, ProfileForm, SharingForm
from hub.support.models import Nomination, NominationStatus, SupportLink

bp = Blueprint("support", __name__, url_prefix="/support")


def _sharing_hints() -> dict[str, str]:
    """One line each about what saying yes means, beside the toggles."""
    return {
        "see_plan": _("Your hopes and dreams, your goals and steps. They can suggest things; you decide."),
        "see_bookings": _("Which events and workshops you have booked, so they can come along or remind you."),
        "see_wellbeing": _("How you said you feel, sleep and move in your quick check-ins."),
        "see_klip": _("How many klip you have and what you used them on."),
        "see_support": _("Which support you have, how much of it, and when you asked for more, less or a pause."),
        "may_message": _("They can write to you in the app. You can always write to them."),
    }


# --- loading what is yours -----------------------------------------------------------------------


def get_person_or_404(user_id: int) -> User:
    """A support person this young person may see: listed, or already in their circle."""
    return get_or_404(
        User, user_id, visible=lambda person: services.may_view_person(get_session(), current_user, person)
    )


def get_my_link_or_404(link_id: int, *, open_only: bool = True) -> SupportLink:
    def mine(link: SupportLink) -> bool:
        return link.young_id == current_user.id and (link.ended_at is None or not open_only)

    return get_or_404(SupportLink, link_id, visible=mine)


def get_my_nomination_or_404(nomination_id: int) -> Nomination:
    return get_or_404(Nomination, nomination_id, visible=lambda n: n.young_id == current_user.id)


# --- outside the trial -----------------------------------------------------------------------------


def outside_trial() -> bool:
    """A young person with an open account: the circle's pages explain how to join instead."""
    return current_user.is_young and not services.in_trial(current_user)


def join_page(status: int = 200):
    """How to join the trial, and anyone still in their circle (they may end it, or change what
    they see): the page behind the Support tab, and the answer to the circle's actions."""
    return render("support/join.html", status=status, circle=services.circle(get_session(), young=current_user))


# --- my support ------------------------------------------------------------------------------------


@bp.route("")
@roles_required(Role.YOUNG)
def index():
    if outside_trial():
        return join_page()
    db = get_session()
    cards = services.circle(db, young=current_user)
    before = services.changed_primary_hint(db, young=current_user, link_id=optional_id(request.args.get("before")))
    return render(
        "support/index.html",
        primary=next((card for card in cards if card.is_primary), None),
        others=[card for card in cards if not card.is_primary],
        before=before,
        nominations=nominations.my_nominations(db, young=current_user),
        waiting=NominationStatus.WAITING,
        declined=NominationStatus.DECLINED,
    )


@bp.route("/visibility")
@roles_required(Role.YOUNG)
def visibility():
    return render("support/visibility.html", view=services.visibility(get_session(), young=current_user))


# --- the directory and one person -------------------------------------------------------------------


def _filter_choices() -> tuple[dict, dict]:
    areas = {str(area): label for area, label in LIFE_AREA_LABELS.items()}
    kinds = {str(kind): services.kind_label(kind) for kind in services.DIRECTORY_KINDS}
    return areas, kinds


@bp.route("/people")
@roles_required(Role.YOUNG)
def directory():
    if outside_trial():
        return join_page()
    areas, kinds = _filter_choices()
    area = request.args.get("area") if request.args.get("area") in areas else ""
    kind = request.args.get("kind") if request.args.get("kind") in kinds else ""
    cards = services.directory(get_session(), young=current_user, area=area or None, kind=kind or None)
    return render(
        "support/directory.html", "support/_directory.html", cards=cards, area=area, kind=kind, areas=areas, kinds=kinds
    )


@bp.route("/people/<int:user_id>")
@login_required
def person(user_id: int):
    person = get_person_or_404(user_id)
    card = services.person_card(get_session(), young=current_user, person=person)
    return render("support/person.html", card=card, can_choose=not outside_trial())


@bp.route("/people/<int:user_id>/choose", methods=["POST"])
@login_required
def choose(user_id: int):
    if outside_trial():
        return join_page(403)
    person = get_person_or_404(user_id)
    db = get_session()
    before = primary_link(db, young_id=current_user.id)
    link = services.choose_primary(db, actor=current_user, person=person)
    flash(_("%(name)s is your support person now. We have told them.", name=person.name), "success")
    if before is not None and before.id != link.id:
        return hx_redirect(url_for("support.index", before=before.id))
    return hx_redirect(url_for("support.index"))


@bp.route("/people/<int:user_id>/add", methods=["POST"])
@login_required
def add(user_id: int):
    if outside_trial():
        return join_page(403)
    person = get_person_or_404(user_id)
    link = services.add_to_circle(get_session(), actor=current_user, person=person)
    flash(_("%(name)s is in your circle now. Choose what they may see.", name=person.name), "success")
    return hx_redirect(url_for("support.circle_member", link_id=link.id))


# --- one person in the circle -----------------------------------------------------------------------


def _member_page(link: SupportLink, form: SharingForm, status: int = 200):
    card = services.person_card(get_session(), young=current_user, person=get_session().get(User, link.supporter_id))
    return render("support/circle_member.html", status=status, card=card, link=link, form=form, hints=_sharing_hints())


@bp.route("/circle/<int:link_id>", methods=["GET", "POST"])
@login_required
def circle_member(link_id: int):
    link = get_my_link_or_404(link_id)
    form = SharingForm(obj=link)
    if form.validate_on_submit():
        services.set_sharing(get_session(), actor=current_user, link=link, sharing=form.sharing())
        flash(_("Saved. It works from now on."), "success")
        return hx_redirect(url_for("support.circle_member", link_id=link.id))
    return _member_page(link, form, 422 if form.errors else 200)


@bp.route("/circle/<int:link_id>/end", methods=["GET", "POST"])
@login_required
def end_link(link_id: int):
    link = get_my_link_or_404(link_id, open_only=request.method == "GET")
    person = get_session().get(User, link.supporter_id)
    if request.method == "GET":
        return render("support/end_link.html", link=link, person=person)
    services.end_link(get_session(), actor=current_user, link=link)
    flash(_("%(name)s is no longer in your circle and can no longer see your things.", name=person.name), "success")
    return hx_redirect(url_for("support.index"))


# --- nominations ---------------------------------------------------------------------------------------


@bp.route("/nominate", methods=["GET", "POST"])
@roles_required(Role.YOUNG)
def nominate():
    if outside_trial():
        return join_page(403 if request.method == "POST" else 200)
    form = NominateForm()
    if form.validate_on_submit():
        try:
            nominations.nominate(
                get_session(),
                actor=current_user,
                name=form.name.data,
                relation=form.relation.data,
                email=form.email.data or "",
                phone=form.phone.data or "",
                note=form.note.data or "",
            )
        except DomainError as error:
            form.add_errors({error.code: error.message})
        else:
            flash(_("Thank you. The staff will talk to %(name)s and let you know.", name=form.name.data), "success")
            return hx_redirect(url_for("support.index"))
    return render("support/nominate.html", status=422 if form.errors else 200, form=form)


@bp.route("/nominations/<int:nomination_id>/withdraw", methods=["POST"])
@login_required
def withdraw_nomination(nomination_id: int):
    nomination = get_my_nomination_or_404(nomination_id)
    nominations.withdraw_nomination(get_session(), actor=current_user, nomination=nomination)
    flash(_("Your suggestion is withdrawn."), "success")
    return hx_redirect(url_for("support.index"))


# --- a support person's own profile -----------------------------------------------------------------


@bp.route("/my-profile", methods=["GET", "POST"])
@roles_required(Role.SUPPORT, Role.MENTOR)
def my_profile():
    db = get_session()
    profile = services.profile_of(db, current_user.id)
    form = ProfileForm(obj=profile)
    if request.method == "GET" and profile is not None:
        form.helps_with.data = [area for area in profile.helps_with.split(",") if area in set(LifeArea)]
    if form.validate_on_submit():
        try:
            profiles.save_profile(
                db,
                actor=current_user,
                about=form.about.data or "",
                helps_with=form.helps_with.data or [],
                languages=form.languages.data or "",
                reachable=form.reachable.data or "",
                phone=form.phone.data or "",
            )
        except DomainError as error:
            form.add_errors({error.code: error.message})
        else:
            flash(_("Your profile is saved."), "success")
            return hx_redirect(url_for("support.my_profile"))
    preview = services.PersonCard(current_user, profile)
    return render("support/my_profile.html", status=422 if form.errors else 200, form=form, preview=preview)


# --- for the young person's home page ---------------------------------------------------------------


@dataclass(frozen=True)
class HomeSupport:
    primary: services.PersonCard | None
    others: int


@bp.app_template_global()
def support_home_for(user: User) -> HomeSupport | None:
    """The home card: your support person and how to reach them, or an invitation to choose."""
    if not user.is_young:
        return None
    cards = services.circle(get_session(), young=user)
    if not cards and not services.in_trial(user):
        return None  # an open account: nothing to choose here
    primary = next((card for card in cards if card.is_primary), None)
    return HomeSupport(primary=primary, others=len(cards) - (1 if primary else 0))


@bp.app_template_global()
def is_supporter(user: User) -> bool:
    """A support person or volunteer mentor: someone young people can choose."""
    return supporter_kind(user) is not None
