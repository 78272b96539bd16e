"""Events for young people: browse, book, wait, release, calendar."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from flask import Blueprint, current_app, flash, request, url_for
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup

from hub.access import get_or_404
from hub.accounts.auth import roles_required
from hub.accounts.models import Role, User
from hub.core.links import public_url
from hub.core.qr import qr_svg
from hub.credits import services as credits
from hub.db import get_session, utcnow
from hub.errors import Conflict, DomainError, NotFound
from hub.events import calendar, queries, services
from hub.events.forms import BookForm
from hub.events.models import (
    ACTIVE,
    CATEGORY_HINTS,
    CATEGORY_LABELS,
    Booking,
    BookingStatus,
    Event,
    EventStatus,
)
from hub.htmx import hx_redirect, render, render_at
from hub.i18n import when

bp = Blueprint("events", __name__)

# Everyone but partners, who only redeem vouchers: the hub's events are for young people and
# the adults around them.
BROWSERS = (Role.YOUNG, Role.SUPPORT, Role.MENTOR, Role.STAFF)


# --- browsing ---


@bp.route("/events")
@roles_required(*BROWSERS)
def index():
    category = request.args.get("category") or None
    error = None
    if category is not None and category not in CATEGORY_LABELS:
        category, error = None, _("We do not have that kind of event. Here are all the events instead.")
    start = _start_day(request.args.get("start"))
    if start is False:
        start, error = None, _("That date could not be read. Here are the events from today.")
    db, now = get_session(), utcnow()
    if start is not None and start <= queries.list_day_of(now):
        start = None  # today or earlier: the first page
    events, next_start = queries.page_of(queries.upcoming_events(db, current_user, now, category, start), now)
    sections = queries.by_day(queries.event_cards(db, current_user, events, now), now)
    return render(
        "events/index.html",
        "events/_events.html",
        status=400 if error else 200,
        sections=sections,
        category=category,
        categories=CATEGORY_LABELS,
        hints=CATEGORY_HINTS,
        error=error,
        start=start,
        next_start=next_start,
    )


def _start_day(raw: str | None) -> date | None | bool:
    """The day a later page of the list starts on; None for the first page, False if unreadable."""
    if not raw:
        return None
    try:
        day = date.fromisoformat(raw.strip())
    except ValueError:
        return False
    return day if date(2000, 1, 1) <= day <= date(2999, 12, 31) else False


@bp.route("/events/<int:event_id>")
@roles_required(*BROWSERS)
def detail(event_id: int):
    return _detail_page(event_id, BookForm())


def _detail_page(event_id: int, form: BookForm, *, error: DomainError | None = None, status: int = 200):
    """The event with what this person can do about it; also shown again when booking fails."""
    db, now = get_session(), utcnow()
    event = services.get_visible_event(db, current_user, event_id)
    [card] = queries.event_cards(db, current_user, [event], now)
    booking_open = event.status == EventStatus.SCHEDULED and now < services.booking_closes_at(event)
    free_to_book = card.place is None or card.place.booking.status not in ACTIVE
    return render(
        "events/detail.html",
        status=error.status if error else status,
        card=card,
        place=card.place,
        offer=card.place if card.place is not None and card.place.can_answer else None,
        form=form,
        error=error.message if error else None,
        booking_open=booking_open,
        can_book=current_user.is_young and booking_open and free_to_book,
        klip=credits.balance(db, current_user.id) if event.price_klip and current_user.is_young else None,
    )


# --- booking ---


@bp.route("/events/<int:event_id>/book", methods=["POST"])
@login_required
def book(event_id: int):
    form = BookForm()
    if not form.validate_on_submit():
        return _detail_page(event_id, form, status=422)
    db = get_session()
    try:
        with db.begin_nested():  # a refused booking must not show on the page that explains why
            booking = services.book(
                db,
                actor=current_user,
                event_id=event_id,
                companion=form.chosen_companion(),
                companion_note=form.companion_note.data or "",
            )
    except Conflict as error:
        return _detail_page(event_id, form, error=error)
    if booking.status == BookingStatus.CONFIRMED:
        flash(_("You have a place! See you there."), "success")
    else:
        number = services.waitlist_position(db, booking)
        message = _("It is full, so you are on the waitlist: number %(number)d.", number=number)
        flash(message + " " + _("We will tell you if a place opens up."), "info")
    return hx_redirect(url_for("events.booking", booking_id=booking.id))


def _own_booking(booking_id: int) -> Booking:
    return get_or_404(Booking, booking_id, visible=lambda b: b.user_id == current_user.id)


@bp.route("/bookings/<int:booking_id>")
@login_required
def booking(booking_id: int):
    return _booking_page(_own_booking(booking_id))


def _booking_page(booking: Booking, *, error: DomainError | None = None):
    db = get_session()
    [card] = queries.event_cards(db, current_user, [db.get(Event, booking.event_id)], utcnow())
    place = card.place  # this booking: a person has one per event
    return render(
        "events/booking.html",
        status=error.status if error else 200,
        place=place,
        card=card,
        ticket=_ticket_qr(booking.ticket_code) if place.has_ticket else None,
        # A reminder is for a seat still ahead: never for a released, missed or cancelled one, nor
        # while an offer waits for an answer (its own buttons come first).
        offer_reminder=place.state == queries.PlaceState.CONFIRMED and not place.started,
        error=error.message if error else None,
    )


def _ticket_qr(code: str) -> Markup:
    """The ticket's QR code: the staff's check-in link for this booking."""
    return qr_svg(public_url("staff_events.scan", code=code))


def _attempt(action: Callable[..., Booking], booking: Booking) -> DomainError | None:
    """Run a booking action; a refusal is undone and returned, so the page can explain it."""
    db = get_session()
    try:
        with db.begin_nested():
            action(db, actor=current_user, booking_id=booking.id)
    except Conflict as error:
        return error
    return None


def _back_to(booking: Booking, message: str):
    flash(message, "success")
    return hx_redirect(url_for("events.booking", booking_id=booking.id))


@bp.route("/bookings/<int:booking_id>/cancel", methods=["POST"])
@login_required
def cancel(booking_id: int):
    booking = _own_booking(booking_id)
    was_waiting, paid = booking.status == BookingStatus.WAITLISTED, booking.klip_paid
    if error := _attempt(services.cancel, booking):
        return _booking_page(booking, error=error)
    if was_waiting:
        return _back_to(booking, _("You are off the waitlist."))
    thanks = _("Your place is released. Thank you for making room for someone else.")
    if paid and not booking.klip_paid:
        thanks += " " + ngettext("Your %(num)d klip is back.", "Your %(num)d klip are back.", paid)
    return _back_to(booking, thanks)


@bp.route("/bookings/<int:booking_id>/accept", methods=["POST"])
@login_required
def accept(booking_id: int):
    booking = _own_booking(booking_id)
    if error := _attempt(services.accept_offer, booking):
        return _booking_page(booking, error=error)
    return _back_to(booking, _("Yes! The place is yours. See you there."))


@bp.route("/bookings/<int:booking_id>/decline", methods=["POST"])
@login_required
def decline(booking_id: int):
    booking = _own_booking(booking_id)
    if error := _attempt(services.decline_offer, booking):
        return _booking_page(booking, error=error)
    return _back_to(booking, _("Thanks for telling us. The place goes to the next in line."))


@bp.route("/my/bookings")
@roles_required(Role.YOUNG)
def mine():
    db, now = get_session(), utcnow()
    return render(
        "events/mine.html",
        upcoming=queries.upcoming_places(db, current_user, now),
        earlier=queries.earlier_places(db, current_user, now),
    )


# --- calendar ---


def _event_url(event: Event) -> str:
    return public_url("events.detail", event_id=event.id)


def _calendar_response(body: bytes, filename: str, *, attachment: bool):
    response = current_app.response_class(body, mimetype="text/calendar")
    disposition = "attachment" if attachment else "inline"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response


@bp.route("/events/<int:event_id>/calendar.ics")
@roles_required(*BROWSERS)
def ics(event_id: int):
    event = services.get_visible_event(get_session(), current_user, event_id)
    body = calendar.calendar_file([event], _event_url)
    return _calendar_response(body, f"ungehub-{event.id}.ics", attachment=True)


@bp.route("/calendar")
@roles_required(Role.YOUNG)
def calendar_settings():
    return render("events/calendar.html", has_feed=calendar.has_feed(get_session(), current_user.id), feed_url=None)


@bp.route("/calendar/reset", methods=["POST"])
@roles_required(Role.YOUNG)
def calendar_reset():
    token = calendar.reset_feed(get_session(), user_id=current_user.id)
    # The address is shown once, here, and never stored in plain: so no redirect, but the
    # address bar shows the calendar page (a refresh shows it without the secret).
    feed_url = public_url("events.feed", token=token)
    webcal_url = "webcal://" + feed_url.split("://", 1)[1]
    page = url_for("events.calendar_settings")
    return render_at(page, "events/calendar.html", has_feed=True, feed_url=feed_url, webcal_url=webcal_url)


@bp.route("/calendar/<token>.ics")
def feed(token: str):
    """The private calendar address phones subscribe to: no login, the token is the key."""
    db = get_session()
    found = calendar.find_feed(db, token)
    person = db.get(User, found.user_id) if found else None
    if person is None or not person.is_active:
        raise NotFound("not_found", _("This calendar address no longer works. You can make a new one in Ungehub."))
    with force_locale(person.locale):
        body = calendar.calendar_file(queries.feed_events(db, person.id, utcnow()), _event_url, feed=True)
    response = _calendar_response(body, "ungehub.ics", attachment=False)
    response.headers["Cache-Control"] = "private, no-cache"
    return response


# --- for templates ---


@bp.app_template_filter("event_span")
def event_span(event: Event) -> str:
    """'onsdag 9. december kl. 17.00–19.00'; an event over midnight names both days."""
    start, end = when(event.starts_at, "weekday_date"), when(event.ends_at, "weekday_date")
    if start == end:
        times = {"start": when(event.starts_at, "time"), "end": when(event.ends_at, "time")}
        return _("%(day)s, %(start)s–%(end)s", day=start, **times)
    return f"{when(event.starts_at, 'weekday_time')} – {when(event.ends_at, 'weekday_time')}"


# Globals rather than a context processor: macros imported without context can call them too.
@bp.app_template_global()
def upcoming_for(user: User, limit: int = 3, offers: bool = True) -> list[queries.Place]:
    """The next few seats, offers and waits, offers first; without the offers (`offers=False`)
    where they have a card of their own, as on the young person's home."""
    found = queries.upcoming_places(get_session(), user, utcnow())
    if not offers:
        found = [place for place in found if not place.can_answer]
    return found[:limit]


@bp.app_template_global()
def offers_for(user: User) -> list[queries.Place]:
    """Seats held for this person that wait for their yes: the first thing on their home."""
    return queries.live_offers(get_session(), user, utcnow())


@bp.app_template_global()
def category_label(category: str) -> str:
    return CATEGORY_LABELS.get(category, category)


bp.add_app_template_global(queries.map_url, "event_map_url")
