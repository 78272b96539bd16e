"""Bookings and klip together, driven by random sequences of what people do, on a real database.

Young people book, release, wait, say yes or no to a freed seat and buy vouchers; staff grant
klip, give vouchers back, redeem them, change an event's size and cancel it; time passes and the
scheduled jobs run; some requests are sent twice over HTTP, as a phone on a bad connection does.
A small model predicts each outcome, and after every step the database must agree with it:
no seat counted twice, nobody twice on an event, the waitlist in order and not waiting while a
seat could be offered, every balance the sum of its entries and never below zero, every voucher
paid exactly once, and a replayed request changes no row.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

import hypothesis
import time_machine
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test
from sqlalchemy import func
from sqlmodel import select

from hub.credits import manage as klip_desk
from hub.credits import services as credits
from hub.credits import vouchers
from hub.credits.models import EntryKind, KlipAccount, KlipEntry, Offer, Voucher
from hub.db import job_session, utcnow
from hub.errors import DomainError
from hub.events import manage as event_desk
from hub.events import services
from hub.events.models import Booking, Event
from tests.conftest import Auth
from tests.events.helpers import make_event
from tests.factories import make_user

START = datetime(2030, 3, 4, 8, 0, tzinfo=UTC)  # a Monday morning; every example begins here
PEOPLE = 4
ACTIVE = ("confirmed", "waitlisted", "offered")
HELD = ("confirmed", "offered")  # statuses that hold a seat

# About 15 s on SQLite and 30 s on PostgreSQL; the same histories every time under CI.
BUDGET = settings(
    max_examples=30,
    stateful_step_count=50,
    deadline=None,
    derandomize=bool(os.environ.get("CI")),
    suppress_health_check=[HealthCheck.too_slow],
)


# --- the model --------------------------------------------------------------------------------


@dataclass
class Lot:
    """Klip that came in together (a grant or a refund), with what is left of them."""

    expires: datetime | None
    left: int

    def live(self, now: datetime) -> bool:
        return self.expires is None or self.expires > now


@dataclass
class Purse:
    """One person's klip: spent oldest first, skipping klip that have run out."""

    lots: list[Lot] = field(default_factory=list)

    def available(self, now: datetime) -> int:
        return sum(lot.left for lot in self.lots if lot.live(now))

    def balance(self) -> int:
        return sum(lot.left for lot in self.lots)

    def take(self, amount: int, now: datetime) -> list[Lot]:
        used = []
        for lot in self.lots:
            if amount == 0:
                break
            if lot.left and lot.live(now):
                bite = min(lot.left, amount)
                lot.left -= bite
                amount -= bite
                used.append(lot)
        assert amount == 0, "the model spent klip it did not have"
        return used

    def give_back(self, amount: int, used: list[Lot]) -> None:
        """A refund keeps the expiry of the klip it pays back (the latest of them)."""
        expiries = [lot.expires for lot in used]
        self.lots.append(Lot(None if not expiries or None in expiries else max(expiries), amount))


@dataclass
class Place:
    status: str
    paid: int = 0
    used: list[Lot] = field(default_factory=list)  # the lots the last payment came from
    since: datetime | None = None  # when they joined the waitlist
    offer_expires: datetime | None = None


@dataclass
class ModelEvent:
    id: int
    capacity: int
    price: int
    starts_at: datetime
    ends_at: datetime
    cutoff: timedelta
    cancelled: bool = False
    places: dict[int, Place] = field(default_factory=dict)  # person id → their place

    def taken(self) -> int:
        return sum(place.status in HELD for place in self.places.values())

    def waiting(self) -> list[int]:
        queue = [(place.since, person) for person, place in self.places.items() if place.status == "waitlisted"]
        return [person for _since, person in sorted(queue)]


@dataclass
class ModelVoucher:
    person: int
    price: int
    used: list[Lot]
    status: str = "open"


def offer_window(event: ModelEvent, now: datetime) -> timedelta | None:
    window = min(services.OFFER_WINDOW, (event.starts_at - now) / 2)
    return window if window >= services.MIN_OFFER_WINDOW else None


def promote(event: ModelEvent, now: datetime) -> None:
    """Freed seats are offered to the first in line, each for a limited time."""
    window = offer_window(event, now)
    if event.cancelled or now >= event.starts_at or window is None:
        return
    for person in event.waiting()[: max(0, event.capacity - event.taken())]:
        place = event.places[person]
        place.status, place.offer_expires = "offered", now + window
        hypothesis.event("a freed seat is offered")


# --- the machine ------------------------------------------------------------------------------


people = st.integers(0, PEOPLE - 1)
events = st.integers(0, 1)


class BookingsAndKlip(RuleBasedStateMachine):
    """Set `app` on a subclass; every example builds its own people, events and offers."""

    app = None

    def __init__(self):
        super().__init__()
        self.traveller = time_machine.travel(START, tick=False)
        self.clock = self.traveller.start()
        self.purses: dict[int, Purse] = {}
        self.events: list[ModelEvent] = []
        self.offers: list[tuple[int, int]] = []  # (offer id, price)
        self.vouchers: dict[int, ModelVoucher] = {}
        self.bought: list[tuple[int, int, str, int]] = []  # (person, offer id, key, voucher id) over HTTP

    def teardown(self):
        self.traveller.stop()

    @contextlib.contextmanager
    def db(self):
        """One committed step with its own app context, so requests in between keep theirs."""
        with self.app.app_context(), job_session() as session:
            yield session

    def now(self) -> datetime:
        """One second passes before every step, as between two real requests."""
        self.clock.shift(timedelta(seconds=1))
        return utcnow()

    @initialize(
        capacities=st.lists(st.integers(1, 3), min_size=1, max_size=2),
        prices=st.lists(st.sampled_from([0, 0, 2, 3]), min_size=2, max_size=2),
        hours=st.lists(st.integers(12, 60), min_size=2, max_size=2),
        cutoffs=st.lists(st.sampled_from([0, 2]), min_size=2, max_size=2),
        offer_prices=st.lists(st.integers(1, 8), min_size=1, max_size=2),
        klip=st.lists(st.integers(0, 12), min_size=PEOPLE, max_size=PEOPLE),
    )
    def build(self, capacities, prices, hours, cutoffs, offer_prices, klip):
        with self.db() as s:
            self.staff = make_user(s, is_staff=True)
            self.people = [make_user(s, is_young=True) for _ in range(PEOPLE)]
            for capacity, price, hour, cutoff in zip(capacities, prices, hours, cutoffs, strict=False):
                starts_at = START + timedelta(hours=hour)
                event = make_event(s, starts_at=starts_at, capacity=capacity, price_klip=price, cutoff_hours=cutoff)
                self.events.append(
                    ModelEvent(event.id, capacity, price, starts_at, event.ends_at, timedelta(hours=cutoff))
                )
            for price in offer_prices:
                offer = Offer(title=f"Klatring for {price}", category="sport", price_klip=price)
                s.add(offer)
                s.flush()
                self.offers.append((offer.id, price))
        self.purses = {person.id: Purse() for person in self.people}
        for who, amount in enumerate(klip):
            if amount:
                self.grant(who, amount, None)

    # --- helpers --------------------------------------------------------------------------

    def event(self, index: int) -> ModelEvent:
        return self.events[index % len(self.events)]

    def attempt(self, what: str, action) -> str | None:
        """Run one service call in its own transaction; a refusal rolls it all back."""
        try:
            with self.db() as s:
                action(s)
        except DomainError as refused:
            outcome = refused.code
        else:
            outcome = None
        hypothesis.event(f"{what}: {outcome or 'done'}")  # how often each outcome came up, in the statistics
        return outcome

    def place(self, pick: int, statuses: tuple[str, ...], anyone: bool):
        """Someone's place: one in `statuses` if there is one (or `anyone`), else any place."""
        places = [
            (event, person, event.places[person.id])
            for event in self.events
            for person in self.people
            if person.id in event.places
        ]
        fitting = [found for found in places if found[2].status in statuses]
        choices = places if anyone or not fitting else fitting
        return choices[pick % len(choices)] if choices else None

    def predict_book(self, event: ModelEvent, person_id: int, now: datetime) -> tuple[str | None, str | None]:
        """(refusal, status): what booking should give, without changing the model."""
        place = event.places.get(person_id)
        if event.cancelled:
            return "event_cancelled", None
        if now >= event.starts_at - event.cutoff:
            return "booking_closed", None
        if place is not None and place.status in ACTIVE:
            return "already_booked", None
        if event.capacity - event.taken() <= 0:
            return None, "waitlisted"
        if event.price and self.purses[person_id].available(now) < event.price:
            return "not_enough_klip", None
        return None, "confirmed"

    def apply_book(self, event: ModelEvent, person_id: int, status: str, now: datetime) -> None:
        place = event.places[person_id] = Place(status)
        if status == "waitlisted":
            place.since = now
        elif event.price:
            place.paid, place.used = event.price, self.purses[person_id].take(event.price, now)

    def refund_place(self, person_id: int, place: Place) -> None:
        if place.paid:
            self.purses[person_id].give_back(place.paid, place.used)
            place.paid = 0

    def login(self, user):
        """A fresh phone: logins end after a short idle time, and the clock here jumps hours."""
        client = self.app.test_client()
        Auth(client).login(user)
        return client

    def rows(self, person_id: int) -> list:
        """Everything a replay could change for one person, as plain values."""
        with self.db() as s:
            found = [
                *s.exec(select(Booking).where(Booking.user_id == person_id).order_by(Booking.id)),
                *s.exec(select(KlipEntry).where(KlipEntry.user_id == person_id).order_by(KlipEntry.id)),
                *s.exec(select(Voucher).where(Voucher.user_id == person_id).order_by(Voucher.id)),
                *s.exec(select(KlipAccount).where(KlipAccount.user_id == person_id)),
            ]
            return [(type(row).__name__, row.model_dump()) for row in found]

    # --- young people -----------------------------------------------------------------------

    @rule(who=people, which=events)
    def book(self, who, which):
        now, event, person = self.now(), self.event(which), self.people[who]
        refusal, status = self.predict_book(event, person.id, now)
        got = self.attempt("book", lambda s: services.book(s, actor=person, event_id=event.id))
        assert got == refusal
        if status:
            self.apply_book(event, person.id, status, now)

    @rule(which=events)
    def rush(self, which):
        """Everyone books the same event, one after another: the waitlist fills."""
        for who in range(PEOPLE):
            self.book(who, which)

    @rule(pick=st.integers(0, 50), anyone=st.booleans())
    def release(self, pick, anyone):
        """Leave the waitlist, give back a seat, or say no to an offered seat."""
        now = self.now()
        found = self.place(pick, ("confirmed",), anyone)
        if found is None:
            return
        event, person, place = found
        booking_id = self.booking_id(event.id, person.id)
        action = services.decline_offer if place.status == "offered" else services.cancel
        got = self.attempt("release", lambda s: action(s, actor=person, booking_id=booking_id))
        if place.status not in ACTIVE:
            assert got == "not_active"
        elif now >= event.starts_at:
            assert got == "event_started"
        else:
            assert got is None
            held = place.status in HELD
            late = place.status == "confirmed" and now >= event.starts_at - event.cutoff
            place.status = "cancelled"
            if not late:
                self.refund_place(person.id, place)
            if held:
                promote(event, now)

    @rule(pick=st.integers(0, 50), anyone=st.booleans())
    def accept(self, pick, anyone):
        """Say yes to a freed seat, in time and with the klip it costs, or be told why not."""
        now = self.now()
        found = self.place(pick, ("offered",), anyone)
        if found is None:
            return
        event, person, place = found
        booking_id = self.booking_id(event.id, person.id)
        got = self.attempt("accept", lambda s: services.accept_offer(s, actor=person, booking_id=booking_id))
        purse = self.purses[person.id]
        if place.status != "offered":
            assert got == "no_offer"
        elif now >= place.offer_expires or now >= event.starts_at:
            assert got == "offer_expired"
        elif event.price and purse.available(now) < event.price:
            assert got == "not_enough_klip"
        else:
            assert got is None
            place.status = "confirmed"
            if event.price:
                place.paid, place.used = event.price, purse.take(event.price, now)

    @rule(who=people, which=st.integers(0, 1))
    def buy(self, who, which):
        now, person = self.now(), self.people[who]
        offer_id, price = self.offers[which % len(self.offers)]
        bought = []
        got = self.attempt(
            "buy", lambda s: bought.append(vouchers.buy(s, actor=person, offer_id=offer_id, key=uuid.uuid4().hex).id)
        )
        purse = self.purses[person.id]
        if purse.available(now) < price:
            assert got == "not_enough_klip"
        else:
            assert got is None
            self.vouchers[bought[0]] = ModelVoucher(person.id, price, purse.take(price, now))

    # --- staff ------------------------------------------------------------------------------

    @rule(who=people, amount=st.integers(1, 8), days=st.one_of(st.none(), st.integers(0, 2)))
    def grant(self, who, amount, days):
        """Klip from the staff, some running out at the end of a day soon."""
        now, person = self.now(), self.people[who]
        expires_on = None if days is None else now.astimezone(klip_desk.AARHUS).date() + timedelta(days=days)
        data = klip_desk.GrantInput(amount=amount, reason="For the climbing", expires_on=expires_on)
        got = self.attempt(
            "grant",
            lambda s: klip_desk.grant_klip(s, actor=self.staff, user_id=person.id, data=data, key=uuid.uuid4().hex),
        )
        assert got is None
        self.purses[person.id].lots.append(Lot(klip_desk.end_of_day(expires_on) if expires_on else None, amount))

    @rule(pick=st.integers(0, 20))
    def give_back(self, pick):
        """Staff refund a voucher: only an unused one, and only once."""
        if not self.vouchers:
            return
        self.now()
        voucher_id = sorted(self.vouchers)[pick % len(self.vouchers)]
        voucher = self.vouchers[voucher_id]
        got = self.attempt(
            "give back",
            lambda s: klip_desk.give_back(
                s, actor=self.staff, user_id=voucher.person, voucher_id=voucher_id, reason="Closed that day"
            ),
        )
        if voucher.status != "open":
            assert got == "not_open"
        else:
            assert got is None
            voucher.status = "refunded"
            self.purses[voucher.person].give_back(voucher.price, voucher.used)

    @rule(pick=st.integers(0, 20))
    def redeem(self, pick):
        if not self.vouchers:
            return
        now = self.now()
        voucher_id = sorted(self.vouchers)[pick % len(self.vouchers)]
        voucher = self.vouchers[voucher_id]
        with self.db() as s:
            code = vouchers.current_code(s.get(Voucher, voucher_id), now).code
        got = self.attempt("redeem", lambda s: vouchers.redeem(s, actor=self.staff, code=code))
        assert got == {"open": None, "redeemed": "already_redeemed", "refunded": "refunded"}[voucher.status]
        if voucher.status == "open":
            voucher.status = "redeemed"

    @rule(which=events, capacity=st.integers(1, 3))
    def change_capacity(self, which, capacity):
        """Staff make an event bigger or smaller; never smaller than the seats already held."""
        now, event = self.now(), self.event(which)

        def change(s):
            data = replace(event_desk.EventInput.from_event(s.get(Event, event.id)), capacity=capacity)
            event_desk.update_event(s, actor=self.staff, event_id=event.id, data=data)

        got = self.attempt("change capacity", change)
        if event.cancelled:
            assert got == "event_cancelled"
        elif capacity < event.capacity and capacity < event.taken():
            assert got == "capacity_below_booked"
        else:
            assert got is None
            grew, event.capacity = capacity > event.capacity, capacity
            if grew:
                promote(event, now)

    @rule(which=events, resolve=st.integers(0, 7))
    def cancel_event(self, which, resolve):
        """Staff call an event off (rarely: a cancelled event leaves little else to try)."""
        if resolve:
            return
        now, event = self.now(), self.event(which)
        got = self.attempt(
            "cancel event",
            lambda s: event_desk.cancel_event(s, actor=self.staff, event_id=event.id, reason="The teacher is ill"),
        )
        if event.cancelled:
            assert got == "event_cancelled"
        elif event.ends_at <= now:
            assert got == "event_over"
        else:
            assert got is None
            event.cancelled = True
            for person_id, place in event.places.items():
                if place.status in ACTIVE:
                    place.status = "event_cancelled"
                    self.refund_place(person_id, place)

    # --- time and the scheduled jobs --------------------------------------------------------

    @rule(hours=st.integers(0, 6), minutes=st.integers(0, 59))
    def time_passes(self, hours, minutes):
        self.clock.shift(timedelta(hours=hours, minutes=minutes))

    @rule()
    def jobs_run(self):
        """Offers nobody answered pass on; waiting ends when an event begins; old klip run out."""
        now = self.now()
        with self.db() as s:
            services.expire_offers(s)
            credits.expire_due(s)
        for event in self.events:
            started = now >= event.starts_at

            def stale(place, started=started):
                ran_out = place.status == "offered" and place.offer_expires <= now
                return ran_out or (started and place.status in ("offered", "waitlisted"))

            due = [place for place in event.places.values() if stale(place)]
            hypothesis.event(f"offers or waits ran out: {bool(due)}")
            for place in due:
                place.status = "expired"
            if due:
                promote(event, now)
        for purse in self.purses.values():
            for lot in purse.lots:
                if not lot.live(now):
                    lot.left = 0

    # --- the same request twice, over the network -------------------------------------------

    @rule(who=people, which=events)
    def book_twice(self, who, which):
        """A booking sent again (no answer came back): refused as already booked, nothing changes."""
        person, event = self.people[who], self.event(which)
        client = self.login(person)
        now = self.now()
        refusal, status = self.predict_book(event, person.id, now)
        first = client.post(f"/events/{event.id}/book")
        hypothesis.event(f"book over HTTP, twice: {refusal or status}")
        assert first.status_code == (409 if refusal else 303)
        if status:
            self.apply_book(event, person.id, status, now)
            assert first.headers["Location"] == f"/bookings/{self.booking_id(event.id, person.id)}"
        before = self.rows(person.id)
        self.now()
        again = client.post(f"/events/{event.id}/book")
        assert again.status_code == 409
        assert self.rows(person.id) == before

    @rule(who=people, which=st.integers(0, 1))
    def buy_twice(self, who, which):
        """A double tap on "buy": the second gives the same voucher and takes no more klip."""
        person = self.people[who]
        offer_id, price = self.offers[which % len(self.offers)]
        client, key = self.login(person), uuid.uuid4().hex  # one per page view
        now = self.now()
        purse = self.purses[person.id]
        first = client.post(f"/klip/offers/{offer_id}/buy", data={"key": key})
        if purse.available(now) < price:
            assert first.status_code == 409
        else:
            assert first.status_code == 303
            voucher_id = int(first.headers["Location"].rsplit("/", 1)[1])
            assert voucher_id not in self.vouchers
            self.vouchers[voucher_id] = ModelVoucher(person.id, price, purse.take(price, now))
            self.bought.append((who, offer_id, key, voucher_id))
        before = self.rows(person.id)
        self.now()
        again = client.post(f"/klip/offers/{offer_id}/buy", data={"key": key})
        assert (again.status_code, again.headers.get("Location")) == (first.status_code, first.headers.get("Location"))
        assert self.rows(person.id) == before

    @rule(pick=st.integers(0, 20))
    def buy_again_later(self, pick):
        """An old "buy" arriving late, after anything else happened: still the same voucher."""
        if not self.bought:
            return
        who, offer_id, key, voucher_id = self.bought[pick % len(self.bought)]
        person = self.people[who]
        client = self.login(person)
        before = self.rows(person.id)
        self.now()
        late = client.post(f"/klip/offers/{offer_id}/buy", data={"key": key})
        assert (late.status_code, late.headers["Location"]) == (303, f"/klip/vouchers/{voucher_id}")
        assert self.rows(person.id) == before

    # --- what must always hold, read from the database --------------------------------------

    def booking_id(self, event_id: int, person_id: int) -> int:
        with self.db() as s:
            return s.exec(select(Booking.id).where(Booking.event_id == event_id, Booking.user_id == person_id)).one()

    @invariant()
    def seats_and_waitlists(self):
        if not self.events:
            return
        now = utcnow()
        ids = [event.id for event in self.events]
        with self.db() as s:
            seats = services.seats_for(s, ids)
            bookings = s.exec(select(Booking).where(Booking.event_id.in_(ids))).all()
            assert max(Counter((b.event_id, b.user_id) for b in bookings).values(), default=1) == 1
            for model in self.events:
                event, counted = s.get(Event, model.id), seats[model.id]
                assert event.capacity == model.capacity
                assert 0 <= counted.confirmed <= counted.confirmed + counted.offered <= event.capacity
                mine = [b for b in bookings if b.event_id == model.id]
                assert {b.user_id: b.status for b in mine} == {p: place.status for p, place in model.places.items()}
                for booking in mine:
                    place = model.places[booking.user_id]
                    assert booking.klip_paid == place.paid
                    if booking.status == "offered":
                        assert booking.offer_expires_at == place.offer_expires
                waiting = sorted((b for b in mine if b.status == "waitlisted"), key=lambda b: (b.waitlisted_at, b.id))
                assert [b.user_id for b in waiting] == model.waiting()
                assert [services.waitlist_position(s, b) for b in waiting] == list(range(1, len(waiting) + 1))
                # Closer to the start than the shortest offer window no seat is offered (no silent
                # enrolment), so only before that must a free seat have gone to the first in line.
                could_offer = event.status == "scheduled" and now < event.starts_at
                if waiting and could_offer and services.offer_window(event, now) is not None:
                    assert counted.confirmed + counted.offered == event.capacity, "a seat is free while people wait"

    @invariant()
    def klip_add_up(self):
        if not self.purses:
            return
        now = utcnow()
        with self.db() as s:
            for person_id, purse in self.purses.items():
                entries = s.exec(select(KlipEntry).where(KlipEntry.user_id == person_id)).all()
                assert credits.balance(s, person_id) == sum(e.amount for e in entries) == purse.balance() >= 0
                assert credits.available(s, person_id, now) == purse.available(now) >= 0
            ids = [event.id for event in self.events]
            paid = s.exec(
                select(Booking.id, Booking.klip_paid, func.coalesce(func.sum(KlipEntry.amount), 0))
                .outerjoin(KlipEntry, KlipEntry.booking_id == Booking.id)
                .where(Booking.event_id.in_(ids))
                .group_by(Booking.id, Booking.klip_paid)
            ).all()
            for _booking_id, klip_paid, net in paid:
                assert net == -klip_paid, "what a booking cost is not what the ledger took for it"
            for voucher_id, model in self.vouchers.items():
                voucher = s.get(Voucher, voucher_id)
                assert (voucher.user_id, voucher.status, voucher.price_klip) == (
                    model.person,
                    model.status,
                    model.price,
                )
                entries = s.exec(select(KlipEntry).where(KlipEntry.voucher_id == voucher_id)).all()
                spends = [e.amount for e in entries if e.kind == EntryKind.SPEND]
                refunds = [e.amount for e in entries if e.kind == EntryKind.REFUND]
                assert spends == [-model.price], "a voucher is paid exactly once"
                assert refunds == ([model.price] if model.status == "refunded" else [])


def test_bookings_and_klip_follow_their_rules(app):
    """30 histories of up to 50 steps each, on this run's database (SQLite, and PostgreSQL when set)."""
    machine = type("BookingsAndKlipHere", (BookingsAndKlip,), {"app": app})
    run_state_machine_as_test(machine, settings=BUDGET)
