"""The push outbox end to end: notifications become encrypted, signed pushes on a local push
service, exactly once per device, with retries, backoff, gone devices, quiet hours and wishes."""

from __future__ import annotations

import json
import logging
import re
import socket
import threading
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from py_vapid import Vapid02
from sqlmodel import select

from hub.accounts.models import User
from hub.db import job_session
from hub.notifications import endpoints, jobs, push, vapid
from hub.notifications.models import (
    DeliveryStatus,
    Notification,
    NotificationPreference,
    PushDelivery,
    PushStatus,
    PushSubscription,
)
from hub.notifications.services import notify
from tests.conftest import TEST_VAPID_PEM
from tests.factories import make_user
from tests.push_endpoint import PushEndpoint

NOON = datetime(2026, 3, 10, 11, 0, tzinfo=UTC)  # 12:00 in Copenhagen: outside quiet hours
SECOND = timedelta(seconds=1)
COPENHAGEN = ZoneInfo("Europe/Copenhagen")
TEST_KEY = Vapid02.from_pem(TEST_VAPID_PEM)


@pytest.fixture
def service():
    """A push service that accepts only pushes signed with the test app's VAPID key."""
    with PushEndpoint(expected_public_key=vapid.public_key(TEST_KEY)) as endpoint:
        yield endpoint


@pytest.fixture
def person(world) -> int:
    with world() as s:
        return make_user(s, is_young=True).id


def add_device(world, user_id: int, sub: dict, name: str = "phone") -> int:
    with world() as s:
        row = PushSubscription(
            user_id=user_id, endpoint=sub["endpoint"], p256dh=sub["keys"]["p256dh"], auth=sub["keys"]["auth"], name=name
        )
        s.add(row)
        s.flush()
        return row.id


def tell(world, user_id: int, kind: str = "event_reminder", **fields) -> int | None:
    fields = {"title": "Husk fællesspisning", "body": "I morgen kl. 18", "url": "/events/7", **fields}
    with world() as s:
        made = notify(s, s.get(User, user_id), kind=kind, **fields)
        return made.id if made else None


def set_prefs(world, user_id: int, **values) -> None:
    with world() as s:
        s.add(NotificationPreference(user_id=user_id, **values))


def deliver(app, now: datetime) -> dict:
    with app.app_context(), job_session() as s:
        return jobs.deliver_push(s, now=now)


def notification(world, notification_id: int) -> Notification:
    with world() as s:
        return s.get(Notification, notification_id)


def deliveries(world, notification_id: int) -> list[PushDelivery]:
    with world() as s:
        return list(
            s.exec(
                select(PushDelivery).where(PushDelivery.notification_id == notification_id).order_by(PushDelivery.id)
            )
        )


def device_exists(world, sub_id: int) -> bool:
    with world() as s:
        return s.get(PushSubscription, sub_id) is not None


def answered(service: PushEndpoint, sub: dict) -> list[int]:
    """The statuses the push service gave this device, in order."""
    token = sub["endpoint"].rsplit("/", 1)[-1]
    return [status for t, status in service.responses if t == token]


# --- one push, as it arrives ----------------------------------------------------------------


def test_a_notification_arrives_once_encrypted_signed_and_settled(app, world, service, person):
    """The phone decrypts title, body, url, tag, icon and badge; the JWT names this service."""
    sub = service.subscription("phone")
    add_device(world, person, sub)
    nid = tell(world, person, kind="message_reply", title="Louise svarede", body="Ja, kom bare", url="/messages/3")

    deliver(app, NOON)

    [push_] = service.received_for(sub)
    assert set(push_.payload) == {"id", "title", "body", "url", "tag", "icon", "badge"}
    assert push_.payload["id"] == nid
    assert (push_.payload["title"], push_.payload["body"], push_.payload["url"]) == (
        "Louise svarede",
        "Ja, kom bare",
        "/messages/3",
    )
    assert push_.payload["tag"] == push_.headers.topic
    assert push_.payload["icon"].endswith(".png") and push_.payload["badge"].endswith(".png")
    assert push_.claims["aud"] == service.origin
    assert push_.claims["sub"] == app.config["VAPID_SUBJECT"] and push_.claims["sub"].startswith("mailto:")
    assert push_.claims["exp"] > time.time()
    assert service.rejected == []

    done = notification(world, nid)
    assert done.push_status == PushStatus.SENT and done.pushed_at == NOON
    [delivery] = deliveries(world, nid)
    assert (delivery.status, delivery.attempts, delivery.last_code) == (DeliveryStatus.SENT, 1, 201)

    deliver(app, NOON + timedelta(minutes=1))
    deliver(app, NOON + timedelta(days=2))
    assert len(service.responses) == 1


@pytest.mark.parametrize(
    ("useful_for", "expected_ttl"),
    [(timedelta(hours=2), 7200), (timedelta(seconds=90), 90), (timedelta(days=3), 86400), (None, 86400)],
)
def test_ttl_is_the_time_the_notice_stays_useful_at_most_a_day(app, world, service, person, useful_for, expected_ttl):
    sub = service.subscription()
    add_device(world, person, sub)
    tell(world, person, useful_until=None if useful_for is None else NOON + useful_for)
    deliver(app, NOON)
    [push_] = service.received_for(sub)
    assert push_.headers.ttl == expected_ttl


@pytest.mark.parametrize(
    ("kind", "urgency"),
    [("message_urgent", "high"), ("waitlist_offer", "high"), ("message_reply", "normal"), ("klip_expiring", "low")],
)
def test_urgency_follows_the_kind(app, world, service, person, kind, urgency):
    sub = service.subscription()
    add_device(world, person, sub)
    tell(world, person, kind=kind)
    deliver(app, NOON)
    [push_] = service.received_for(sub)
    assert push_.headers.urgency == urgency


def test_topic_is_short_url_safe_and_the_same_for_the_same_kind_and_page(app, world, service, person):
    """A newer push about the same thing replaces an older one still waiting at the push service."""
    sub = service.subscription()
    add_device(world, person, sub)
    tell(world, person, kind="event_changed", url="/events/7", title="Nyt tidspunkt")
    tell(world, person, kind="event_changed", url="/events/7", title="Nyt sted")
    tell(world, person, kind="event_changed", url="/events/8", title="Andet arrangement")
    tell(world, person, kind="event_cancelled", url="/events/7", title="Aflyst")
    deliver(app, NOON)
    topics = {p.payload["title"]: p.headers.topic for p in service.received_for(sub)}
    assert len(service.received_for(sub)) == 4
    for value in topics.values():
        assert re.fullmatch(r"[A-Za-z0-9_-]{1,32}", value)
    assert topics["Nyt tidspunkt"] == topics["Nyt sted"]
    assert len(set(topics.values())) == 3


# --- the payload cap ------------------------------------------------------------------------


def _sized(body_bytes: int) -> Notification:
    """A notification with the longest title and a body of `body_bytes` bytes (rounded down to even)."""
    return Notification(id=1, user_id=1, kind="message_reply", title="🙂" * 120, body="ø" * (body_bytes // 2), url="/")


def test_payload_just_at_the_cap_is_kept_whole():
    empty = len(push.payload(_sized(0)).encode())
    room = push.MAX_PAYLOAD - empty
    exact = _sized(room - room % 2)
    data = push.payload(exact)
    assert len(data.encode()) <= push.MAX_PAYLOAD
    assert json.loads(data)["body"] == exact.body


def test_a_body_over_the_cap_is_shortened_to_fit_and_still_arrives(service):
    """The JSON stays within 3,072 bytes and the shortened body ends with an ellipsis."""
    long = Notification(id=1, user_id=1, kind="message_reply", title="🙂" * 120, body="Hej ø 🙂 " * 600, url="/m/1")
    data = push.payload(long)
    assert len(data.encode()) <= push.MAX_PAYLOAD
    decoded = json.loads(data)
    assert decoded["title"] == long.title
    assert decoded["body"].endswith("…") and len(decoded["body"]) > 100
    assert long.body.startswith(decoded["body"][:-1])

    just_over = _sized(push.MAX_PAYLOAD - len(push.payload(_sized(0)).encode()) + 2)
    assert len(push.payload(just_over).encode()) <= push.MAX_PAYLOAD
    assert json.loads(push.payload(just_over))["body"].endswith("…")

    sub = service.subscription()
    with push.http_session(1, endpoints.Rules(("127.0.0.1",), loopback=True)) as http:
        outcome = push.send(TEST_KEY, "mailto:hub@example.org", push.message(long, sub, NOON), http)
    assert outcome.delivered, outcome
    [arrived] = service.received
    assert arrived.payload == decoded


# --- several devices, retries and gone devices -----------------------------------------------


def test_each_device_gets_exactly_one(app, world, service, person):
    subs = [service.subscription(name) for name in ("phone", "tablet", "laptop")]
    for sub in subs:
        add_device(world, person, sub)
    nid = tell(world, person)
    deliver(app, NOON)
    deliver(app, NOON + timedelta(hours=1))
    assert [len(service.received_for(sub)) for sub in subs] == [1, 1, 1]
    assert len(deliveries(world, nid)) == 3
    assert notification(world, nid).push_status == PushStatus.SENT


def test_429_retries_only_that_device_and_not_before_retry_after(app, world, service, person):
    phone, tablet = service.subscription("phone"), service.subscription("tablet")
    add_device(world, person, phone)
    add_device(world, person, tablet)
    service.respond(phone, 429, retry_after=120)  # longer than the first backoff (30 s)
    nid = tell(world, person)

    deliver(app, NOON)
    assert answered(service, phone) == [429] and len(service.received_for(tablet)) == 1
    assert notification(world, nid).push_status == PushStatus.SENDING  # one device still to go

    deliver(app, NOON + 119 * SECOND)
    assert answered(service, phone) == [429]

    deliver(app, NOON + 120 * SECOND)
    assert answered(service, phone) == [429, 201]
    assert len(service.received_for(phone)) == 1
    assert answered(service, tablet) == [201]  # the tablet is not sent again
    done = notification(world, nid)
    assert done.push_status == PushStatus.SENT and done.pushed_at == NOON + 120 * SECOND
    by_device = {d.attempts for d in deliveries(world, nid)}
    assert by_device == {1, 2}


@pytest.mark.parametrize("status", [410, 404])
def test_a_gone_device_is_deleted_at_once_and_the_other_still_gets_it(app, world, service, person, status):
    phone, tablet = service.subscription("phone"), service.subscription("tablet")
    phone_id, tablet_id = add_device(world, person, phone), add_device(world, person, tablet)
    service.respond(phone, status)
    nid = tell(world, person)

    deliver(app, NOON)

    assert not device_exists(world, phone_id)
    assert device_exists(world, tablet_id)
    assert len(service.received_for(tablet)) == 1
    assert notification(world, nid).push_status == PushStatus.SENT
    statuses = {d.subscription_id: d.status for d in deliveries(world, nid)}
    assert statuses == {None: DeliveryStatus.GONE, tablet_id: DeliveryStatus.SENT}

    deliver(app, NOON + timedelta(hours=2))
    assert answered(service, phone) == [status]


def test_a_notification_no_device_took_has_failed(app, world, service, person):
    phone = service.subscription("phone")
    phone_id = add_device(world, person, phone)
    service.gone(phone)
    nid = tell(world, person)
    deliver(app, NOON)
    assert not device_exists(world, phone_id)
    done = notification(world, nid)
    assert done.push_status == PushStatus.FAILED and done.pushed_at is None


@pytest.mark.parametrize("max_attempts", [4, 2])
def test_server_errors_are_retried_with_growing_backoff_then_fail(app, world, service, person, max_attempts):
    if max_attempts != 4:
        app.config["PUSH_MAX_ATTEMPTS"] = max_attempts
    assert app.config["PUSH_MAX_ATTEMPTS"] == max_attempts  # 4 is the default
    phone = service.subscription()
    phone_id = add_device(world, person, phone)
    service.respond(phone, *[500] * 10)
    nid = tell(world, person)

    now, waits = NOON, []
    for attempt in range(1, max_attempts + 1):
        deliver(app, now)  # never raises
        assert len(answered(service, phone)) == attempt
        [delivery] = deliveries(world, nid)
        if attempt == max_attempts:
            break
        wait = delivery.next_attempt_at - now
        waits.append(wait)
        deliver(app, now + wait - SECOND)  # not a moment early
        assert len(answered(service, phone)) == attempt
        now += wait

    assert waits == sorted(waits) and len(set(waits)) == len(waits)  # each wait longer than the last
    assert waits[0] >= timedelta(seconds=30)
    [delivery] = deliveries(world, nid)
    assert (delivery.status, delivery.attempts, delivery.last_code) == (DeliveryStatus.FAILED, max_attempts, 500)
    assert notification(world, nid).push_status == PushStatus.FAILED
    assert device_exists(world, phone_id)  # a broken push service is no reason to forget the phone

    deliver(app, now + timedelta(days=1))
    assert len(answered(service, phone)) == max_attempts


@pytest.mark.parametrize("status", [400, 403])
def test_refused_pushes_fail_at_once_and_are_logged_as_errors(app, world, service, person, caplog, status):
    phone = service.subscription()
    add_device(world, person, phone)
    service.respond(phone, status)
    nid = tell(world, person)

    with caplog.at_level(logging.WARNING, logger="hub.push"):
        deliver(app, NOON)
        deliver(app, NOON + timedelta(hours=2))

    assert answered(service, phone) == [status]
    [delivery] = deliveries(world, nid)
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 1)
    assert notification(world, nid).push_status == PushStatus.FAILED
    errors = [r for r in caplog.records if r.name == "hub.push" and r.levelno == logging.ERROR]
    assert len(errors) == 1


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_an_unreachable_push_service_is_retried_and_never_crashes(app, world, service, person):
    fake = service.subscription()  # real keys, but at an address where nobody listens
    fake["endpoint"] = f"http://127.0.0.1:{_closed_port()}/push/nobody"
    add_device(world, person, fake)
    nid = tell(world, person)

    deliver(app, NOON)  # connection refused: no exception

    [delivery] = deliveries(world, nid)
    assert delivery.status == DeliveryStatus.PENDING and delivery.last_code is None
    assert delivery.next_attempt_at > NOON
    deliver(app, delivery.next_attempt_at)
    [delivery] = deliveries(world, nid)
    assert delivery.attempts == 2 and delivery.status == DeliveryStatus.PENDING
    assert notification(world, nid).push_status == PushStatus.SENDING


def test_each_send_signs_fresh_claims(app, world, person):
    """Two push services in one sweep: each JWT names its own audience and verifies."""
    with PushEndpoint() as first, PushEndpoint() as second:
        one, two = first.subscription(), second.subscription()
        add_device(world, person, one)
        add_device(world, person, two)
        tell(world, person)
        tell(world, person, url="/events/8")
        deliver(app, NOON)
        assert first.rejected == [] and second.rejected == []
        assert [p.claims["aud"] for p in first.received] == [first.origin] * 2
        assert [p.claims["aud"] for p in second.received] == [second.origin] * 2


# --- quiet hours ----------------------------------------------------------------------------


def local(text: str) -> datetime:
    """A Copenhagen wall-clock time, as UTC."""
    return datetime.fromisoformat(text).replace(tzinfo=COPENHAGEN).astimezone(UTC)


def test_a_normal_notification_waits_for_the_morning(app, world, service, person):
    sub = service.subscription()
    add_device(world, person, sub)
    nid = tell(world, person)

    deliver(app, local("2026-01-15T23:30"))
    waiting = notification(world, nid)
    assert waiting.push_status == PushStatus.PENDING
    assert waiting.push_after == local("2026-01-16T08:00") == datetime(2026, 1, 16, 7, 0, tzinfo=UTC)
    assert service.responses == []

    deliver(app, local("2026-01-16T07:59"))
    assert service.responses == []
    deliver(app, local("2026-01-16T08:01"))
    assert len(service.received_for(sub)) == 1
    assert notification(world, nid).push_status == PushStatus.SENT


@pytest.mark.parametrize(
    ("night", "morning_utc"),
    [
        ("2026-10-24T23:30", datetime(2026, 10, 25, 7, 0, tzinfo=UTC)),  # clocks go back at 03:00
        ("2026-03-28T23:30", datetime(2026, 3, 29, 6, 0, tzinfo=UTC)),  # clocks go forward at 02:00
    ],
)
def test_quiet_hours_end_at_eight_local_time_across_a_clock_change(app, world, service, person, night, morning_utc):
    sub = service.subscription()
    add_device(world, person, sub)
    nid = tell(world, person)
    deliver(app, local(night))
    assert notification(world, nid).push_after == morning_utc
    deliver(app, morning_utc - SECOND)
    assert service.responses == []
    deliver(app, morning_utc)
    assert len(service.received_for(sub)) == 1


def test_urgent_messages_come_through_at_night(app, world, service, person):
    sub = service.subscription()
    add_device(world, person, sub)
    nid = tell(world, person, kind="message_urgent")
    deliver(app, local("2026-01-15T23:30"))
    assert len(service.received_for(sub)) == 1
    assert notification(world, nid).push_status == PushStatus.SENT


def test_a_notice_stale_by_morning_expires_and_is_never_sent(app, world, service, person):
    sub = service.subscription()
    add_device(world, person, sub)
    night = local("2026-01-15T23:30")
    nid = tell(world, person, useful_until=local("2026-01-16T07:30"))
    deliver(app, night)
    assert notification(world, nid).push_status == PushStatus.EXPIRED
    deliver(app, local("2026-01-16T08:01"))
    assert service.responses == []
    assert deliveries(world, nid) == []


def test_without_quiet_hours_it_goes_at_once(app, world, service, person):
    set_prefs(world, person, quiet_hours=False)
    sub = service.subscription()
    add_device(world, person, sub)
    nid = tell(world, person)
    deliver(app, local("2026-01-15T23:30"))
    assert len(service.received_for(sub)) == 1
    assert notification(world, nid).push_status == PushStatus.SENT


# --- wishes, devices, dedupe ----------------------------------------------------------------


def test_a_category_switched_off_is_not_pushed_but_shows_under_the_bell(app, world, service, client, auth, person):
    set_prefs(world, person, messages=False)
    sub = service.subscription()
    add_device(world, person, sub)
    nid = tell(world, person, kind="message_reply", title="Louise svarede dig")
    other = tell(world, person, kind="event_reminder", title="Husk i morgen")

    deliver(app, NOON)

    assert notification(world, nid).push_status == PushStatus.SKIPPED
    assert [p.payload["title"] for p in service.received_for(sub)] == ["Husk i morgen"]
    assert notification(world, other).push_status == PushStatus.SENT
    with world() as s:
        user = s.get(User, person)
    auth.login(user)
    page = client.get("/notifications").get_data(as_text=True)
    assert "Louise svarede dig" in page


def test_test_and_urgent_pushes_ignore_the_switches(app, world, service, person):
    set_prefs(world, person, events=False, waitlist=False, messages=False, checkins=False, klip=False, support=False)
    sub = service.subscription()
    add_device(world, person, sub)
    tell(world, person, kind="message_urgent", title="Akut")
    tell(world, person, kind="test", title="Test")
    tell(world, person, kind="message_escalated", title="Ingen har svaret")
    skipped = tell(world, person, kind="klip_expiring", title="Klip udløber")
    deliver(app, NOON)
    assert sorted(p.payload["title"] for p in service.received_for(sub)) == ["Akut", "Ingen har svaret", "Test"]
    assert notification(world, skipped).push_status == PushStatus.SKIPPED


def test_no_devices_means_skipped(app, world, service, person):
    nid = tell(world, person)
    deliver(app, NOON)
    assert notification(world, nid).push_status == PushStatus.SKIPPED
    assert deliveries(world, nid) == []


def test_a_dedupe_key_makes_one_notification_and_one_push(app, world, service, person):
    sub = service.subscription()
    add_device(world, person, sub)
    first = tell(world, person, dedupe_key="k")
    assert tell(world, person, dedupe_key="k") is None
    with world() as s:
        user = s.get(User, person)
        assert notify(s, user, kind="event_reminder", title="x", dedupe_key="k") is None
        assert len(s.exec(select(Notification).where(Notification.dedupe_key == "k")).all()) == 1
    deliver(app, NOON)
    deliver(app, NOON + timedelta(minutes=5))
    assert len(service.received_for(sub)) == 1
    assert service.received_for(sub)[0].payload["id"] == first


# --- crashed senders and racing senders -----------------------------------------------------


def _claimed(world, user_id: int, sub_id: int, claimed_until: datetime) -> int:
    """A notification whose one delivery was claimed by a sender, as if it were under way."""
    with world() as s:
        n = notify(s, s.get(User, user_id), kind="event_reminder", title=f"Claimed until {claimed_until}")
        n.push_status = PushStatus.SENDING
        s.add(
            PushDelivery(
                notification_id=n.id,
                subscription_id=sub_id,
                status=DeliveryStatus.SENDING,
                attempts=1,
                next_attempt_at=NOON - timedelta(minutes=10),
                claimed_until=claimed_until,
            )
        )
        s.flush()
        return n.id


def test_a_delivery_whose_sender_died_is_retried_and_a_live_claim_is_left_alone(app, world, service, person):
    sub = service.subscription()
    sub_id = add_device(world, person, sub)
    died = _claimed(world, person, sub_id, claimed_until=NOON - SECOND)
    busy = _claimed(world, person, sub_id, claimed_until=NOON + timedelta(minutes=3))

    deliver(app, NOON)

    assert [p.payload["id"] for p in service.received_for(sub)] == [died]
    assert notification(world, died).push_status == PushStatus.SENT
    [retried] = deliveries(world, died)
    assert (retried.status, retried.attempts) == (DeliveryStatus.SENT, 2)
    [untouched] = deliveries(world, busy)
    assert (untouched.status, untouched.attempts) == (DeliveryStatus.SENDING, 1)
    assert untouched.claimed_until == NOON + timedelta(minutes=3)
    assert notification(world, busy).push_status == PushStatus.SENDING


def test_racing_senders_push_each_notification_exactly_once(app, world, service, person):
    subs = [service.subscription(name) for name in ("phone", "tablet", "laptop")]
    for sub in subs:
        add_device(world, person, sub)
    ids = [tell(world, person, title=f"Nummer {i}") for i in range(30)]
    start = threading.Barrier(4)
    errors: list[BaseException] = []

    def sweep() -> None:
        try:
            start.wait(5)
            deliver(app, NOON)
        except BaseException as error:  # surfaced below: a thread's exception is otherwise lost
            errors.append(error)

    threads = [threading.Thread(target=sweep) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert errors == []
    assert len(service.received) == 90  # every sweep has returned: nothing more is on its way
    for sub in subs:
        assert sorted(p.payload["id"] for p in service.received_for(sub)) == ids
    with world() as s:
        statuses = set(s.exec(select(Notification.push_status).where(Notification.id.in_(ids))))
    assert statuses == {PushStatus.SENT}
