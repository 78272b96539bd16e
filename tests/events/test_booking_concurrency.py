"""No overbooking, ever: many people in several processes against a real gunicorn server."""

from __future__ import annotations

import re
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from datetime import timedelta

import requests
from sqlmodel import func, select

from hub.db import job_session, utcnow
from hub.events.models import Booking, BookingStatus
from tests.events.helpers import make_event
from tests.factories import DEFAULT_PASSWORD, make_user

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def logged_in(base: str, email: str) -> requests.Session:
    session = requests.Session()
    token = CSRF.search(session.get(base + "/login", timeout=30).text).group(1)
    response = session.post(
        base + "/login",
        data={"csrf_token": token, "email": email, "password": DEFAULT_PASSWORD},
        allow_redirects=False,
        timeout=30,
    )
    assert response.status_code == 303, response.status_code
    return session


def page_token(session: requests.Session, url: str) -> str:
    return CSRF.search(session.get(url, timeout=30).text).group(1)


def book_many(base: str, event_id: int, emails: list[str]) -> list[int]:
    """One client process: its people log in, then all book at once from threads."""
    sessions = [logged_in(base, email) for email in emails]
    tokens = [page_token(s, f"{base}/events/{event_id}") for s in sessions]

    def book(pair):
        session, token = pair
        r = session.post(
            f"{base}/events/{event_id}/book", data={"csrf_token": token}, allow_redirects=False, timeout=60
        )
        return r.status_code

    with ThreadPoolExecutor(len(sessions)) as pool:
        return list(pool.map(book, zip(sessions, tokens, strict=True)))


def cancel_many(base: str, pairs: list[tuple[str, int]]) -> list[int]:
    sessions = [(logged_in(base, email), booking_id) for email, booking_id in pairs]

    def cancel(item):
        session, booking_id = item
        token = page_token(session, f"{base}/bookings/{booking_id}")
        url = f"{base}/bookings/{booking_id}/cancel"
        return session.post(url, data={"csrf_token": token}, allow_redirects=False, timeout=60).status_code

    with ThreadPoolExecutor(len(sessions)) as pool:
        return list(pool.map(cancel, sessions))


def counts(app, event_id: int) -> dict[str, int]:
    with app.app_context(), job_session() as s:
        rows = s.exec(
            select(Booking.status, func.count()).where(Booking.event_id == event_id).group_by(Booking.status)
        ).all()
    return dict(rows)


def make_people(app, number: int, **event_fields):
    with app.app_context(), job_session() as s:
        event = make_event(s, starts_at=utcnow() + timedelta(days=2), **event_fields)
        people = [make_user(s, is_young=True).email for _ in range(number)]
    return event.id, people


def test_last_seats_never_overbook(app, gunicorn_server):
    """24 people in 4 processes race for 5 seats: exactly 5 get one, 19 wait, no 5xx."""
    event_id, emails = make_people(app, 24, capacity=5)
    groups = [emails[i::4] for i in range(4)]
    with ProcessPoolExecutor(4) as pool:
        statuses = [s for group in pool.map(book_many, [gunicorn_server] * 4, [event_id] * 4, groups) for s in group]
    assert all(status < 500 for status in statuses), statuses
    assert counts(app, event_id) == {BookingStatus.CONFIRMED: 5, BookingStatus.WAITLISTED: 19}


def test_cancel_and_book_at_once_keep_seats_and_offers_within_capacity(app, gunicorn_server):
    """Half the seat holders release while newcomers book: seats + offers never exceed capacity."""
    event_id, emails = make_people(app, 20, capacity=6)
    holders, waiting, newcomers = emails[:6], emails[6:10], emails[10:]
    assert book_many(gunicorn_server, event_id, holders + waiting).count(303) == 10
    with app.app_context(), job_session() as s:
        ids = {b.user_id: b.id for b in s.exec(select(Booking).where(Booking.event_id == event_id)).all()}
        from hub.accounts.models import User

        by_email = {u.email: u.id for u in s.exec(select(User)).all()}
    leaving = [(email, ids[by_email[email]]) for email in holders[:3]]
    with ProcessPoolExecutor(2) as pool:
        released = pool.submit(cancel_many, gunicorn_server, leaving)
        booked = pool.submit(book_many, gunicorn_server, event_id, newcomers)
        statuses = released.result() + booked.result()
    assert all(status < 500 for status in statuses), statuses
    final = counts(app, event_id)
    assert final[BookingStatus.CANCELLED] == 3
    seats = final.get(BookingStatus.CONFIRMED, 0) + final.get(BookingStatus.OFFERED, 0)
    assert seats == 6, final  # every freed seat went to someone, never more than capacity
    assert sum(final.values()) == 20
