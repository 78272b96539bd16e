"""Check-ins: "my young people" for support people and mentors, logging a check-in, the
young person's wellbeing check-in, and the volunteer mentor's page."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlmodel import select

from hub.access import get_or_404
from hub.accounts.auth import roles_required
from hub.accounts.models import SUPPORT_TYPE_LABELS, Role, User
from hub.audit import services as audit
from hub.audit.models import Area as AuditArea
from hub.checkins import queries, services
from hub.checkins.charts import trend_chart
from hub.checkins.forms import MOOD_WORDS, CheckInForm, SparringForm, WellbeingForm
from hub.checkins.models import Wellbeing
from hub.credits import services as credits
from hub.db import get_session, utcnow, writes
from hub.errors import Invalid
from hub.htmx import hx_redirect, is_partial, render
from hub.support import circle
from hub.support.history import history_lines
from hub.support.menu import open_items
from hub.support.models import Area, SupportLink

bp = Blueprint("checkins", __name__)

ADULTS = (Role.SUPPORT, Role.MENTOR, Role.STAFF)
RECENT = 10  # check-ins shown at once; older ones are a tap away
# How the young person's areas are named to someone else.
AREA_NAMES = {
    Area.PLAN: _l("their plan"),
    Area.BOOKINGS: _l("what they have booked"),
    Area.WELLBEING: _l("their wellbeing check-ins"),
    Area.KLIP: _l("their klippekort"),
    Area.SUPPORT: _l("their support options"),
}


def _young_in_circle_or_404(young_id: int) -> User:
    """A young person whose circle you are in (staff: any young person); anyone else is 404."""
    db = get_session()
    return get_or_404(User, young_id, visible=lambda u: services.may_log(db, current_user, u))


def _kind_label(person: User):
    if person.support_type:
        return SUPPORT_TYPE_LABELS.get(person.support_type, person.support_type)
    return _l("Volunteer mentor") if person.is_mentor else ""


def _support(db, young_id: int) -> dict:
    """Their support options now and how they changed: only when they share it (or for staff)."""
    lines = [line for line in history_lines(db, young_id) if line.change.item_id is not None]
    return {"items": open_items(db, young_id), "lines": lines[:RECENT]}


# --- my young people ----------------------------------------------------------------------------


@bp.route("/my-young-people")
@roles_required(*ADULTS)
def young_people():
    db, today = get_session(), queries.local_today()
    people = queries.my_young_people(db, current_user, today)
    return render("checkins/young_people.html", people=people, today=today, mood_words=MOOD_WORDS)


@bp.route("/my-young-people/<int:young_id>")
@roles_required(*ADULTS)
@writes
def young_person(young_id: int):
    young = _young_in_circle_or_404(young_id)
    db, now = get_session(), utcnow()
    sees = {area: circle.may_see(db, current_user, young.id, area) for area in Area}
    checkins = queries.visible_checkins(db, current_user, young.id)
    trend = queries.wellbeing_trend(db, young.id) if sees[Area.WELLBEING] else []
    for area in [*(a for a, shown in sees.items() if shown), *([AuditArea.CHECKINS] if checkins else [])]:
        audit.record(db, actor=current_user, young_id=young.id, area=area)
    link = circle.open_link(db, young_id=young.id, supporter_id=current_user.id)
    return render(
        "checkins/young_person.html",
        young=young,
        link=link,
        sees=sees,
        hidden=[AREA_NAMES[a] for a, shown in sees.items() if not shown],
        plan=queries.plan_summary(db, young.id) if sees[Area.PLAN] else None,
        plan_url=f"/young/{young.id}/plan",
        bookings=queries.upcoming_bookings(db, young.id, now) if sees[Area.BOOKINGS] else None,
        trend=trend,
        chart=trend_chart(trend),
        klip=credits.available(db, young.id) if sees[Area.KLIP] else None,
        support=_support(db, young.id) if sees[Area.SUPPORT] else None,
        checkins=checkins[:RECENT],
        older=checkins[RECENT:],
        my_next=next((c.next_on for c in checkins if c.is_mine), None),
        today=queries.local_today(),
        mood_words=MOOD_WORDS,
    )


@bp.route("/my-young-people/<int:young_id>/checkins/new", methods=["GET", "POST"])
@roles_required(*ADULTS)
def new(young_id: int):
    young = _young_in_circle_or_404(young_id)
    today = queries.local_today()
    form = CheckInForm()
    if request.method == "GET":
        form.happened_on.data = today
    if form.validate_on_submit():
        try:
            checkin = services.log_checkin(
                get_session(),
                actor=current_user,
                young=young,
                today=today,
                happened_on=form.happened_on.data,
                way=form.way.data,
                went=form.went.data,
                note=form.note.data or "",
                note_shared=form.note_shared.data,
                next_on=form.next_on.data,
            )
        except Invalid as error:
            form.add_errors({CheckInForm.FIELD_OF.get(error.code, "__form__"): error.message})
        else:
            audit.record_change(
                get_session(),
                actor=current_user,
                young_id=young.id,
                area=AuditArea.CHECKINS,
                detail="checkin.log",
                object_id=checkin.id,
            )
            flash(_("The check-in is saved."), "success")
            return hx_redirect(url_for("checkins.young_person", young_id=young.id) + "#checkins")
    status = 422 if form.errors or form.form_errors else 200
    return render("checkins/new.html", status=status, form=form, young=young, today=today)


# --- staff --------------------------------------------------------------------------------------


@bp.route("/staff/checkins")
@roles_required(Role.STAFF)
def staff_overview():
    quiet_days = int(current_app.config.get("CHECKIN_QUIET_DAYS", 42))
    overview = queries.staff_overview(get_session(), queries.local_today(), quiet_days)
    return render("checkins/staff_overview.html", overview=overview)


# --- wellbeing (young people) ---------------------------------------------------------------------


def _sharing_rows(db, young: User) -> list[dict]:
    links = circle.open_links(db, young_id=young.id)
    ids = [link.supporter_id for link in links]
    people = {u.id: u for u in db.exec(select(User).where(User.id.in_(ids)))} if ids else {}
    return [
        {"link": link, "person": people[link.supporter_id], "kind": _kind_label(people[link.supporter_id])}
        for link in links
        if link.supporter_id in people
    ]


def _wellbeing_page(form: WellbeingForm, status: int = 200):
    db = get_session()
    trend = queries.wellbeing_trend(db, current_user.id)
    return render(
        "checkins/wellbeing.html",
        status=status,
        form=form,
        trend=trend,
        chart=trend_chart(trend),
        sharing=_sharing_rows(db, current_user),
        mood_words=MOOD_WORDS,
    )


@bp.route("/wellbeing", methods=["GET", "POST"])
@roles_required(Role.YOUNG)
def wellbeing():
    form = WellbeingForm()
    if form.validate_on_submit():
        try:
            services.add_wellbeing(
                get_session(),
                actor=current_user,
                mood=form.mood.data,
                sleep=form.sleep.data,
                movement=form.movement.data,
                words=form.words.data or "",
            )
        except Invalid as error:
            form.add_errors({"__form__": error.message})
        else:
            flash(_("Thank you for checking in."), "success")
            return hx_redirect(url_for("checkins.wellbeing") + "#trend")
    return _wellbeing_page(form, 422 if form.errors or form.form_errors else 200)


def _own_open_link(link: SupportLink) -> bool:
    return link.young_id == current_user.id and link.ended_at is None


@bp.route("/wellbeing/sharing/<int:link_id>", methods=["POST"])
@login_required
def share_wellbeing(link_id: int):
    """Only the young person's own, open links; anyone else's is 404, as if it did not exist."""
    link = get_or_404(SupportLink, link_id, visible=_own_open_link)
    answer = request.form.get("share")
    if answer not in ("yes", "no"):
        raise Invalid("share_missing", _("Choose whether to share or not."))
    db = get_session()
    link = services.set_wellbeing_sharing(db, actor=current_user, link=link, share=answer == "yes")
    if is_partial():
        person = db.get(User, link.supporter_id)
        row = {"link": link, "person": person, "kind": _kind_label(person)}
        return render_template("checkins/_sharing_row.html", row=row)
    flash(_("Saved."), "success")
    return hx_redirect(url_for("checkins.wellbeing") + "#sharing")


@bp.route("/wellbeing/<int:entry_id>/delete", methods=["POST"])
@login_required
def delete_wellbeing(entry_id: int):
    entry = get_or_404(Wellbeing, entry_id, visible=lambda e: e.young_id == current_user.id)
    services.delete_wellbeing(get_session(), actor=current_user, entry=entry)
    flash(_("The check-in is deleted."), "success")
    return hx_redirect(url_for("checkins.wellbeing") + "#trend")


# --- volunteer mentors ----------------------------------------------------------------------------


def _volunteer_page(form: SparringForm, status: int = 200):
    page = queries.volunteer_page(get_session(), current_user)
    return render("checkins/volunteer.html", status=status, page=page, form=form)


@bp.route("/volunteer")
@roles_required(Role.MENTOR)
def volunteer():
    return _volunteer_page(SparringForm(formdata=None))


@bp.route("/volunteer/sparring", methods=["POST"])
@roles_required(Role.MENTOR)
def ask_sparring():
    form = SparringForm()
    if form.validate_on_submit():
        try:
            services.ask_sparring(get_session(), actor=current_user, text=form.text.data)
        except Invalid as error:
            form.add_errors({"text": error.message})
        else:
            flash(_("Sent. Someone from the staff will get back to you."), "success")
            return hx_redirect(url_for("checkins.volunteer") + "#sparring")
    return _volunteer_page(form, 422)


# --- for templates everywhere ---------------------------------------------------------------------


# Globals rather than context processors: the pages that include the cards ask only when shown.
@bp.app_template_global()
def checkins_for_young(user: User) -> queries.ForYoung:
    """The young person's check-ins as they may see them, and their next agreed one."""
    return queries.for_young(get_session(), user, queries.local_today())


@bp.app_template_global()
def wellbeing_home(user: User) -> Wellbeing | None:
    """The young person's latest wellbeing check-in, for their home card."""
    return queries.last_wellbeing(get_session(), user.id)


@bp.app_template_global()
def young_people_summary(user: User) -> dict:
    """For the adult home: how many young people, and who is due a check-in."""
    people = queries.my_young_people(get_session(), user, queries.local_today())
    return {"count": len(people), "due": [p for p in people if p.due]}


@bp.app_template_global()
def checkins_staff_summary(user: User) -> dict:
    """For the staff home: how many are overdue or quiet, and the staff member's own young people."""
    db, today = get_session(), queries.local_today()
    overview = queries.staff_overview(db, today, int(current_app.config.get("CHECKIN_QUIET_DAYS", 42)))
    return {
        "overdue": len(overview.overdue),
        "quiet": len(overview.quiet),
        "mine": len(queries.my_young_people(db, user, today)),
    }
