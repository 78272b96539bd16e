"""Events for staff: plan, edit, cancel, take attendance, count."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, time, timedelta

from flask import Blueprint, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user

from hub.access import get_or_404
from hub.accounts.auth import roles_required
from hub.accounts.models import Role, User
from hub.audit import services as audit
from hub.audit.models import Area as AuditArea
from hub.core.export import csv_download
from hub.core.forms import arg_id, optional_id, whole_number
from hub.db import MAX_ID, get_session, utcnow, writes
from hub.errors import DomainError, Invalid
from hub.events import attendance as checkins
from hub.events import manage, staff_queries, stats
from hub.events.models import CATEGORY_LABELS, COMPANION_LABELS, Booking, BookingStatus, Event, EventStatus
from hub.events.staff_forms import VISIBILITY_LABELS, CancelForm, EventForm, NewEventForm, local_tz
from hub.htmx import hx_redirect, is_partial, render
from hub.proposals.models import Proposal

bp = Blueprint("staff_events", __name__, url_prefix="/staff/events")

STATUS_LABELS = {
    BookingStatus.CONFIRMED: _l("Has a place"),
    BookingStatus.WAITLISTED: _l("On the waitlist"),
    BookingStatus.OFFERED: _l("Offered a place"),
    BookingStatus.CANCELLED: _l("Released"),
    BookingStatus.EXPIRED: _l("Ran out"),
    BookingStatus.EVENT_CANCELLED: _l("Event cancelled"),
}


@bp.context_processor
def labels():
    return {
        "status_labels": STATUS_LABELS,
        "category_labels": CATEGORY_LABELS,
        "companion_labels": COMPANION_LABELS,
        "visibility_labels": VISIBILITY_LABELS,
    }


def get_event_or_404(event_id: int) -> Event:
    return get_or_404(Event, event_id)


# --- list, plan, change, cancel ------------------------------------------------------------


@bp.route("")
@roles_required(Role.STAFF)
def index():
    db, now = get_session(), utcnow()
    upcoming, recent = staff_queries.upcoming_and_recent(db, now)
    counts = stats.event_counts(db, upcoming + recent, now=now)
    return render("staff_events/index.html", upcoming=upcoming, recent=recent, counts=counts)


def _prefill() -> tuple[manage.EventInput, Proposal | None]:
    """A blank event, a copy a week later (?duplicate=) or a young person's proposal (?proposal=)."""
    db = get_session()
    if duplicate := arg_id("duplicate"):
        event = get_event_or_404(duplicate)
        return manage.duplicate_event(db, actor=current_user, event_id=event.id, tz=local_tz()), None
    if proposal_id := arg_id("proposal"):
        proposal = get_or_404(Proposal, proposal_id)
        data = manage.EventInput(title=proposal.title[:120], description=proposal.what[:2000], proposal_id=proposal.id)
        return data, proposal
    return manage.EventInput(), None


@bp.route("/new", methods=["GET", "POST"])
@roles_required(Role.STAFF)
def new():
    db = get_session()
    if request.method == "GET":
        data, proposal = _prefill()
        form = NewEventForm(data=asdict(data))
    else:
        form, proposal = NewEventForm(), None
    form.set_hosts(staff_queries.companion_choices(db))
    if form.is_submitted():
        parsed = form.validate()  # what could not be read; the rules come next, so all is said at once
        if form.proposal_id.data:
            proposal = db.get(Proposal, form.proposal_id.data)
        data = form.to_input()
        form.add_errors(
            manage.event_problems(db, data, now=utcnow(), creating=True, repeat_weeks=form.repeat_weeks.data)
        )
        if parsed and not form.errors:
            try:
                events = manage.create_event(
                    db, actor=current_user, data=data, repeat_weeks=form.repeat_weeks.data, tz=local_tz()
                )
            except DomainError as error:
                _form_failed(form, error)
            else:
                if len(events) > 1:
                    flash(_("The event is planned, every week %(count)d times.", count=len(events)), "success")
                else:
                    flash(_("The event is planned."), "success")
                return hx_redirect(url_for(".detail", event_id=events[0].id))
    return render("staff_events/new.html", status=422 if form.errors else 200, form=form, proposal=proposal)


def _form_failed(form, error: DomainError) -> None:
    if isinstance(error, manage.InvalidEvent):
        form.add_errors(error.errors)
    else:
        form.form_errors.append(error.message)


@bp.route("/<int:event_id>")
@roles_required(Role.STAFF)
def detail(event_id: int):
    return render("staff_events/detail.html", **_detail_context(get_event_or_404(event_id)))


def _detail_context(event: Event, error: str | None = None) -> dict:
    db, now = get_session(), utcnow()
    return {
        "event": event,
        "roster": staff_queries.roster(db, event),
        "counts": stats.event_counts(db, [event], now=now)[event.id],
        "companions": staff_queries.companion_choices(db),
        "host": db.get(User, event.host_id) if event.host_id else None,
        "proposal": db.get(Proposal, event.proposal_id) if event.proposal_id else None,
        "is_open": event.status == EventStatus.SCHEDULED,
        "can_cancel": event.status == EventStatus.SCHEDULED and event.ends_at > now,
        "series_rest": len(manage.series_rest(db, event, now)),
        "error": error,
    }


@bp.route("/<int:event_id>/edit", methods=["GET", "POST"])
@roles_required(Role.STAFF)
def edit(event_id: int):
    db = get_session()
    event = get_event_or_404(event_id)
    manage.ensure_editable(event)
    form = EventForm(data=asdict(manage.EventInput.from_event(event)) if request.method == "GET" else None)
    form.set_hosts(staff_queries.companion_choices(db))
    if form.is_submitted():
        parsed = form.validate()
        data = form.to_input()
        moved = data.starts_at != event.starts_at
        form.add_errors(manage.event_problems(db, data, now=utcnow(), creating=False, time_changed=moved))
        if parsed and not form.errors:
            try:
                manage.update_event(db, actor=current_user, event_id=event.id, data=data)
            except DomainError as error:
                _form_failed(form, error)
            else:
                flash(_("The changes are saved."), "success")
                return hx_redirect(url_for(".detail", event_id=event.id))
    return render("staff_events/edit.html", status=422 if form.errors else 200, form=form, event=event)


@bp.route("/<int:event_id>/cancel", methods=["GET", "POST"])
@roles_required(Role.STAFF)
def cancel(event_id: int):
    db = get_session()
    event = get_event_or_404(event_id)
    manage.ensure_editable(event)
    form = CancelForm()
    if form.validate_on_submit():
        try:
            cancelled = manage.cancel_event(
                db, actor=current_user, event_id=event.id, reason=form.reason.data, whole_series=form.whole_series.data
            )
        except manage.InvalidEvent as error:
            form.add_errors(error.errors)
        except DomainError as error:
            form.form_errors.append(error.message)
        else:
            flash(
                ngettext(
                    "The event is cancelled. Everyone on it has been told.",
                    "Cancelled %(num)d events. Everyone on them has been told.",
                    len(cancelled),
                ),
                "success",
            )
            return hx_redirect(url_for(".detail", event_id=event.id))
    counts = stats.event_counts(db, [event], now=utcnow())[event.id]
    rest = len(manage.series_rest(db, event, utcnow()))
    return render(
        "staff_events/cancel.html", status=422 if form.errors else 200, form=form, event=event, counts=counts, rest=rest
    )


# --- attendance ---------------------------------------------------------------------------


def _attendance_context(event: Event, query: str = "") -> dict:
    """One context for the attendance page and each of its swap targets."""
    db = get_session()
    roster = staff_queries.roster(db, event)
    return {
        "event": event,
        "entries": roster.attendance,
        "present": sum(1 for e in roster.booked if e.present),
        "expected": sum(1 for e in roster.booked if not e.booking.walk_in),
        "query": query,
        "results": staff_queries.find_young(db, event.id, query) if query else [],
        "is_open": event.status == EventStatus.SCHEDULED,
    }


def _fragments(*templates: str, **context) -> str:
    """Several swap targets in one answer: the first swaps in place, the rest out of band."""
    return "".join(render_template(name, oob=i > 0, **context) for i, name in enumerate(templates))


@bp.route("/<int:event_id>/attendance")
@roles_required(Role.STAFF)
def attendance(event_id: int):
    return render("staff_events/attendance.html", **_attendance_context(get_event_or_404(event_id)))


@bp.route("/<int:event_id>/walk-in/search")
@roles_required(Role.STAFF)
def find_walk_in(event_id: int):
    event = get_event_or_404(event_id)
    context = _attendance_context(event, (request.args.get("q") or "").strip()[:100])
    return render("staff_events/attendance.html", "staff_events/_walk_in_results.html", **context)


def _booking_changed(booking: Booking, detail: str) -> None:
    """Staff changed a young person's booking: on the audit log."""
    audit.record_change(
        get_session(),
        actor=current_user,
        young_id=booking.user_id,
        area=AuditArea.BOOKINGS,
        detail=detail,
        object_id=booking.id,
    )


def _toggle(booking_id: int, action, detail: str):
    db = get_session()
    booking = get_or_404(Booking, booking_id)
    error = None
    try:
        booking = action(db, actor=current_user, booking_id=booking.id)
    except DomainError as failed:
        error = failed
    else:
        _booking_changed(booking, detail)
    if not is_partial():
        if error is not None:
            raise error
        return hx_redirect(url_for(".attendance", event_id=booking.event_id))
    event = db.get(Event, booking.event_id)
    context = _attendance_context(event)
    context.update(entry=staff_queries.entry_for(db, booking), error=error.message if error else None)
    status = error.status if error else 200
    return _fragments("staff_events/_attendance_row.html", "staff_events/_attendance_summary.html", **context), status


@bp.route("/bookings/<int:booking_id>/check-in", methods=["POST"])
@roles_required(Role.STAFF)
def check_in(booking_id: int):
    return _toggle(booking_id, checkins.check_in, "booking.check_in")


@bp.route("/bookings/<int:booking_id>/undo-check-in", methods=["POST"])
@roles_required(Role.STAFF)
def undo_check_in(booking_id: int):
    return _toggle(booking_id, checkins.undo_check_in, "booking.undo_check_in")


@bp.route("/<int:event_id>/walk-in", methods=["POST"])
@roles_required(Role.STAFF)
def walk_in(event_id: int):
    db = get_session()
    event = get_event_or_404(event_id)
    user_id = optional_id(request.form.get("user_id"))
    if user_id in (None, -1):  # -1: not an id (a word, or past the 32 bits the database takes)
        raise Invalid("person_required", _("Choose a young person from the search."))
    booking = checkins.add_walk_in(db, actor=current_user, event_id=event.id, user_id=user_id)
    _booking_changed(booking, "booking.walk_in")
    if not is_partial():
        person = db.get(User, booking.user_id)
        flash(_("%(name)s is checked in.", name=person.name), "success")
        return hx_redirect(url_for(".attendance", event_id=event.id))
    return _fragments(
        "staff_events/_attendance_list.html",
        "staff_events/_attendance_summary.html",
        "staff_events/_walk_in_results.html",
        **_attendance_context(event),
    )


@bp.route("/<int:event_id>/anonymous-walk-ins", methods=["POST"])
@roles_required(Role.STAFF)
def anonymous_walk_ins(event_id: int):
    db = get_session()
    event = get_event_or_404(event_id)
    delta = whole_number(request.form.get("delta"), minimum=-MAX_ID)
    if delta is None:
        raise Invalid("delta_required", _("Add or take away one person."))
    event = checkins.change_anonymous_walk_ins(db, actor=current_user, event_id=event.id, delta=delta)
    if not is_partial():
        return hx_redirect(url_for(".attendance", event_id=event.id))
    return _fragments(
        "staff_events/_anonymous.html", "staff_events/_attendance_summary.html", **_attendance_context(event)
    )


@bp.route("/bookings/<int:booking_id>/companion", methods=["POST"])
@roles_required(Role.STAFF)
def assign_companion(booking_id: int):
    db = get_session()
    booking = get_or_404(Booking, booking_id)
    companion_id = optional_id(request.form.get("companion_user_id"))
    try:
        checkins.assign_companion(db, actor=current_user, booking_id=booking.id, companion_user_id=companion_id)
    except DomainError as error:
        context = _detail_context(db.get(Event, booking.event_id), error=error.message)
        return render("staff_events/detail.html", status=error.status, **context)
    _booking_changed(booking, "booking.companion")
    flash(_("Saved. We have told them both.") if companion_id else _("Nobody is assigned now."), "success")
    return hx_redirect(url_for(".detail", event_id=booking.event_id) + "#companions")


# --- the QR ticket ---------------------------------------------------------------------------


def _scan_context(code: str, error: str | None = None) -> dict:
    db, now = get_session(), utcnow()
    booking = checkins.find_ticket(db, code)
    event = db.get(Event, booking.event_id)
    expected = arg_id("event")
    local_day = now.astimezone(local_tz()).date()
    audit.record(db, actor=current_user, young_id=booking.user_id, area=AuditArea.BOOKINGS, object_id=booking.id)
    return {
        "code": code,
        "booking": booking,
        "event": event,
        "person": db.get(User, booking.user_id),
        "other_event": expected is not None and expected != event.id,
        "check_in_url": url_for(".scan_check_in", code=code, event=expected),
        "not_today": event.starts_at.astimezone(local_tz()).date() != local_day,
        "can_check_in": event.status == EventStatus.SCHEDULED
        and booking.status in (BookingStatus.CONFIRMED, BookingStatus.OFFERED, BookingStatus.WAITLISTED)
        and booking.checked_in_at is None,
        "error": error,
    }


@bp.route("/scan/<code>")
@roles_required(Role.STAFF)
@writes
def scan(code: str):
    """Where a booking's QR ticket leads: who and what, and a button. Looking changes nothing."""
    return render("staff_events/scan.html", **_scan_context(code))


@bp.route("/scan/<code>", methods=["POST"])
@roles_required(Role.STAFF)
def scan_check_in(code: str):
    db = get_session()
    try:
        booking = checkins.check_in_by_code(db, actor=current_user, code=code, event_id=arg_id("event"))
    except DomainError as error:
        if error.status == 404:
            raise
        return render("staff_events/scan.html", status=error.status, **_scan_context(code, error.message))
    _booking_changed(booking, "booking.check_in")
    flash(_("Checked in. Welcome!"), "success")
    return hx_redirect(url_for(".scan", code=code, event=arg_id("event")))


# --- numbers ---------------------------------------------------------------------------------


def _year_back(now: datetime) -> tuple[datetime, datetime]:
    """From the first day of the month eleven months ago until the end of this month."""
    tz = local_tz()
    local = now.astimezone(tz)
    year, month = (local.year, local.month - 11) if local.month > 11 else (local.year - 1, local.month + 1)
    since = datetime.combine(local.replace(year=year, month=month, day=1).date(), time(), tz)
    next_month = (local.replace(day=28) + timedelta(days=4)).replace(day=1)
    until = datetime.combine(next_month.date(), time(), tz)
    return since, until


@bp.route("/stats")
@roles_required(Role.STAFF)
def statistics():
    db, now = get_session(), utcnow()
    since, until = _year_back(now)
    months = stats.monthly_attendance(db, since=since, until=until, tz=local_tz())
    events = staff_queries.events_between(db, since, now, newest_first=True)
    return render(
        "staff_events/stats.html",
        months=months,
        chart=stats.bar_chart(months),
        categories=list(CATEGORY_LABELS.items()),
        events=events,
        counts=stats.event_counts(db, events, now=now),
    )


@bp.route("/export.csv")
@roles_required(Role.STAFF)
def export():
    body = stats.export_csv(get_session(), tz=local_tz())
    filename = f"ungehub-events-{utcnow().astimezone(local_tz()):%Y-%m-%d}.csv"
    return csv_download(body, filename)


# --- on the home pages -------------------------------------------------------------------------


@bp.app_context_processor
def home_sections():
    """Callables for the home pages; they query only when a template calls them."""

    def staff_event_days() -> dict:
        return staff_queries.event_days(get_session(), utcnow(), local_tz())

    def my_companion_bookings() -> list:
        if not current_user.is_authenticated:
            return []
        return staff_queries.companion_bookings(get_session(), current_user, utcnow())

    return {"staff_event_days": staff_event_days, "my_companion_bookings": my_companion_bookings}
