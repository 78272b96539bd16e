"""The HTTP side of push: a phone subscribes, is named, tested and removed; logging out stops
its pushes; preferences are saved; the bell lists a person's own notifications."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from py_vapid import Vapid02
from sqlmodel import select

from hub.accounts.models import User, UserSession
from hub.db import job_session, utcnow
from hub.notifications import jobs, vapid
from hub.notifications.models import (
    Notification,
    NotificationPreference,
    PushDelivery,
    PushStatus,
    PushSubscription,
)
from tests.conftest import TEST_VAPID_PEM, Auth
from tests.factories import make_user
from tests.push_endpoint import PushEndpoint

ANDROID_CHROME = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Mobile Safari/537.36"
)
IPHONE_SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Mobile/15E148 Safari/604.1"
)
TOO_BIG = 2**40  # no route matches an id PostgreSQL cannot compare


@pytest.fixture
def service():
    with PushEndpoint(expected_public_key=vapid.public_key(Vapid02.from_pem(TEST_VAPID_PEM))) as endpoint:
        yield endpoint


def subscribe(client, sub: dict, user_agent: str = ANDROID_CHROME):
    return client.post("/push/subscriptions", json=sub, headers={"User-Agent": user_agent})


def devices_of(world, user_id: int) -> list[PushSubscription]:
    with world() as s:
        return list(s.exec(select(PushSubscription).where(PushSubscription.user_id == user_id)))


def all_devices(world) -> list[PushSubscription]:
    with world() as s:
        return list(s.exec(select(PushSubscription)))


def add_device(world, user_id: int, sub: dict, name: str = "Telefon") -> int:
    with world() as s:
        row = PushSubscription(
            user_id=user_id, endpoint=sub["endpoint"], p256dh=sub["keys"]["p256dh"], auth=sub["keys"]["auth"], name=name
        )
        s.add(row)
        s.flush()
        return row.id


def someone_else(world, **overrides) -> User:
    with world() as s:
        return make_user(s, **({"is_young": True} | overrides))


def second_client(app, user: User):
    """Another browser, logged in as `user`."""
    other = app.test_client()
    Auth(other).login(user)
    return other


# --- subscribing ----------------------------------------------------------------------------


def test_a_browser_subscription_is_saved_with_a_guessed_name_and_its_login(client, login_as, world, service):
    user = login_as("young")
    sub = service.subscription()

    response = subscribe(client, sub)

    assert response.status_code == 201
    [device] = devices_of(world, user.id)
    assert response.json == {"id": device.id, "name": "Chrome · Android"}
    assert (device.endpoint, device.p256dh, device.auth) == (
        sub["endpoint"],
        sub["keys"]["p256dh"],
        sub["keys"]["auth"],
    )
    with world() as s:
        [login] = s.exec(select(UserSession.id).where(UserSession.user_id == user.id)).all()
    assert device.login_id == login


def test_subscribing_again_is_idempotent(client, login_as, world, service):
    user = login_as("young")
    sub = service.subscription()
    first = subscribe(client, sub)
    again = subscribe(client, sub, user_agent=IPHONE_SAFARI)
    assert (first.status_code, again.status_code) == (201, 200)  # 200: it was mine already
    assert first.json == again.json  # the same row, and the name it already had
    assert len(devices_of(world, user.id)) == 1


def test_another_person_on_the_same_phone_takes_the_device_over(app, client, login_as, world, service):
    """A phone passed to a sibling pushes to whoever subscribed last, never to both."""
    first = login_as("young")
    sub = service.subscription()
    subscribe(client, sub)
    add_device(world, first.id, service.subscription(), name="Min anden")
    with world() as s:
        shared = s.exec(select(PushSubscription).where(PushSubscription.endpoint == sub["endpoint"])).one()
        shared.name = "Saras telefon"

    second = someone_else(world)
    response = subscribe(second_client(app, second), sub, user_agent=IPHONE_SAFARI)

    assert response.status_code == 201
    [taken] = devices_of(world, second.id)
    assert taken.endpoint == sub["endpoint"]
    assert taken.name == "Safari · iPhone"  # the first owner's name for it does not come along
    assert [d.name for d in devices_of(world, first.id)] == ["Min anden"]
    assert len(all_devices(world)) == 2


def _bad_subscriptions(service: PushEndpoint) -> list:
    good = service.subscription()
    short_key = {**good, "keys": {**good["keys"], "p256dh": good["keys"]["p256dh"][:40]}}
    short_auth = {**good, "keys": {**good["keys"], "auth": good["keys"]["auth"][:10]}}
    garbage_key = {**good, "keys": {"p256dh": "!!not base64!!", "auth": good["keys"]["auth"]}}
    return [
        [good],  # JSON, but not an object
        {"endpoint": good["endpoint"]},  # no keys
        {**good, "keys": "p256dh"},
        {**good, "endpoint": "javascript:alert(1)"},
        {**good, "endpoint": ""},
        short_key,
        short_auth,
        garbage_key,
    ]


def test_bad_subscriptions_are_refused_with_a_message_and_nothing_saved(client, login_as, world, service):
    login_as("young")
    for bad in _bad_subscriptions(service):
        response = subscribe(client, bad)
        assert response.status_code == 422, bad
        assert response.json["error"] == 422 and response.json["message"], bad
    for body in ("not json", "{", ""):
        response = client.post("/push/subscriptions", data=body, content_type="application/json")
        assert response.status_code == 422 and response.json["message"], body
    assert all_devices(world) == []


def test_a_plain_http_push_service_is_refused_in_production(app, client, login_as, world, service):
    login_as("young")
    app.config.update(PRODUCTION=True, PUSH_ALLOWED_HOSTS=[], PUSH_ALLOW_LOOPBACK=False)
    sub = service.subscription()  # http://127.0.0.1:…

    response = subscribe(client, sub)

    assert response.status_code == 422 and response.json["message"]
    assert all_devices(world) == []
    https = {**sub, "endpoint": "https://fcm.googleapis.com/fcm/send/abc123"}
    assert subscribe(client, https).status_code == 201


# --- naming, testing and removing a device --------------------------------------------------


def test_the_settings_page_lists_my_devices(client, login_as, world, service):
    user = login_as("young")
    add_device(world, user.id, service.subscription(), name="Køkkenets iPad")
    other = someone_else(world)
    add_device(world, other.id, service.subscription(), name="Andens telefon")
    page = client.get("/notifications/settings").get_data(as_text=True)
    assert 'value="Køkkenets iPad"' in page
    assert "Andens telefon" not in page


def test_a_device_can_be_renamed(client, login_as, world, service):
    user = login_as("young")
    device_id = add_device(world, user.id, service.subscription())
    response = client.post(f"/push/subscriptions/{device_id}/name", data={"name": "  Min telefon "})
    assert response.status_code == 303
    assert [d.name for d in devices_of(world, user.id)] == ["Min telefon"]

    for bad in ("", "   ", "x" * 61):
        assert client.post(f"/push/subscriptions/{device_id}/name", data={"name": bad}).status_code == 422
    assert [d.name for d in devices_of(world, user.id)] == ["Min telefon"]


def test_a_test_push_goes_to_that_device_only(app, client, login_as, world, service):
    assert app.config["PUSH_SEND_NOW"] is False  # tests sweep in step
    user = login_as("young")
    phone, tablet = service.subscription("phone"), service.subscription("tablet")
    phone_id = add_device(world, user.id, phone)
    add_device(world, user.id, tablet)

    response = client.post(f"/push/subscriptions/{phone_id}/test")

    assert response.status_code == 303
    assert service.responses == []
    with world() as s:
        [test] = s.exec(select(Notification).where(Notification.user_id == user.id)).all()
        [delivery] = s.exec(select(PushDelivery).where(PushDelivery.notification_id == test.id)).all()
    assert test.kind == "test" and delivery.subscription_id == phone_id

    with app.app_context(), job_session() as s:
        jobs.deliver_push(s, now=utcnow() + timedelta(seconds=1))
    assert [p.name for p in service.received] == ["phone"]
    assert service.received[0].payload["id"] == test.id


def test_the_test_button_pushes_at_once(app, client, login_as, world, service):
    """No sweep needed: the view starts a send right after its commit (as it does outside tests)."""
    app.config["PUSH_SEND_NOW"] = True
    user = login_as("young")
    phone = service.subscription("phone")
    phone_id = add_device(world, user.id, phone)

    client.post(f"/push/subscriptions/{phone_id}/test")

    [arrived] = service.wait_for(1, timeout=5)
    assert arrived.name == "phone" and arrived.headers.urgency == "high"
    deadline = time.monotonic() + 5
    while True:  # let the sender record its success before the database goes away
        with world() as s:
            status = s.exec(select(Notification.push_status).where(Notification.user_id == user.id)).one()
        if status == PushStatus.SENT or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    assert status == PushStatus.SENT


def test_a_device_can_be_removed(client, login_as, world, service):
    user = login_as("young")
    keep = add_device(world, user.id, service.subscription())
    drop = add_device(world, user.id, service.subscription())
    assert client.post(f"/push/subscriptions/{drop}/delete").status_code == 303
    assert [d.id for d in devices_of(world, user.id)] == [keep]


@pytest.mark.parametrize("action", ["name", "test", "delete"])
def test_someone_elses_or_an_unknown_device_is_not_found(client, login_as, world, service, action):
    login_as("young")
    other = someone_else(world)
    theirs = add_device(world, other.id, service.subscription(), name="Deres")
    for device_id in (theirs, 999_999, 2**31 - 1, TOO_BIG):
        response = client.post(f"/push/subscriptions/{device_id}/{action}", data={"name": "Min nu"})
        assert response.status_code == 404, device_id
    assert [d.name for d in devices_of(world, other.id)] == ["Deres"]
    with world() as s:
        assert s.exec(select(Notification)).all() == []


def test_logging_out_forgets_the_devices_of_that_login_only(app, client, login_as, world, service):
    user = login_as("young")
    here, there = service.subscription("here"), service.subscription("there")
    assert subscribe(client, here).status_code == 201
    elsewhere = second_client(app, user)
    assert subscribe(elsewhere, there).status_code == 201
    unbound = service.subscription("unbound")
    add_device(world, user.id, unbound)  # belongs to no login

    assert client.post("/logout").status_code == 303

    assert {d.endpoint for d in devices_of(world, user.id)} == {there["endpoint"], unbound["endpoint"]}
    assert elsewhere.get("/notifications").status_code == 200  # the other login goes on


# --- preferences ----------------------------------------------------------------------------


def _preferences(**changes) -> dict:
    form = {
        "events": "y",
        "waitlist": "y",
        "messages": "y",
        "checkins": "y",
        "klip": "y",
        "support": "y",
        "quiet_hours": "y",
        "quiet_from": "22:00",
        "quiet_until": "08:00",
    }
    form.update(changes)
    return {key: value for key, value in form.items() if value is not None}


def stored_preferences(world, user_id: int) -> NotificationPreference | None:
    with world() as s:
        return s.get(NotificationPreference, user_id)


def switched_on(page: str, name: str) -> bool:
    """Whether the settings page shows the checkbox `name` ticked."""
    tag = re.search(rf'<input[^>]*\bname="{name}"[^>]*>', page).group(0)
    return re.search(r"\bchecked\b", tag) is not None


def test_preferences_are_saved(client, login_as, world):
    user = login_as("young")
    response = client.post(
        "/notifications/settings",
        data=_preferences(messages=None, klip=None, quiet_hours=None, quiet_from="21:30", quiet_until="07:15"),
    )
    assert response.status_code == 303
    pref = stored_preferences(world, user.id)
    assert (pref.events, pref.waitlist, pref.messages, pref.klip, pref.support) == (True, True, False, False, True)
    assert (pref.quiet_hours, pref.quiet_from, pref.quiet_until) == (False, "21:30", "07:15")

    page = client.get("/notifications/settings").get_data(as_text=True)
    assert (switched_on(page, "events"), switched_on(page, "messages")) == (True, False)
    assert 'value="21:30"' in page


@pytest.mark.parametrize(("field", "value"), [("quiet_from", "25:00"), ("quiet_until", ""), ("quiet_from", "7")])
def test_a_bad_quiet_time_is_refused_and_nothing_saved(client, login_as, world, field, value):
    user = login_as("young")
    response = client.post("/notifications/settings", data=_preferences(messages=None, **{field: value}))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    error = re.search(rf'<p class="field__error" id="{field}-error">([^<]+)</p>', page)
    assert error and error.group(1).strip()
    assert stored_preferences(world, user.id) is None


@pytest.mark.parametrize(("role", "has_checkins"), [("young", False), ("mentor", True)])
def test_the_switches_depend_on_the_role(client, login_as, role, has_checkins):
    login_as(role)
    page = client.get("/notifications/settings").get_data(as_text=True)
    assert ('name="checkins"' in page) is has_checkins
    assert 'name="messages"' in page


def test_a_young_person_cannot_switch_off_a_category_not_shown(client, login_as, world):
    user = login_as("young")
    client.post("/notifications/settings", data=_preferences(checkins=None))
    assert stored_preferences(world, user.id).checkins is True


# --- the bell ------------------------------------------------------------------------------


def bell_badge(page: str) -> int:
    """The unread count in the header's bell (0 when no badge is shown)."""
    bell = re.search(r'<a class="bell".*?</a>', page, re.S).group(0)
    count = re.search(r'<span class="nav-badge">(\d+)', bell)
    return int(count.group(1)) if count else 0


def test_the_bell_lists_my_notifications_newest_first(client, login_as, world):
    user = login_as("young")
    other = someone_else(world)
    start = utcnow() - timedelta(hours=3)
    with world() as s:
        for hours, title in ((0, "Ældst"), (2, "Nyest"), (1, "Midt i")):
            s.add(
                Notification(
                    user_id=user.id, kind="event_reminder", title=title, created_at=start + timedelta(hours=hours)
                )
            )
        s.add(Notification(user_id=other.id, kind="event_reminder", title="Ikke din"))
        s.add(
            Notification(user_id=user.id, kind="event_reminder", title="Allerede læst", created_at=start, read_at=start)
        )

    page = client.get("/notifications").get_data(as_text=True)

    assert "Ikke din" not in page
    positions = [page.index(title) for title in ("Nyest", "Midt i", "Ældst")]
    assert positions == sorted(positions)
    assert bell_badge(page) == 3

    assert client.post("/notifications/read").status_code == 303
    page = client.get("/notifications").get_data(as_text=True)
    assert bell_badge(page) == 0
    with world() as s:
        unread_of_other = s.exec(select(Notification).where(Notification.user_id == other.id)).one()
    assert unread_of_other.read_at is None


def test_the_public_key_is_the_apps_vapid_key(client, login_as):
    login_as("young")
    response = client.get("/push/key")
    assert response.status_code == 200
    assert response.json == {"publicKey": vapid.public_key(Vapid02.from_pem(TEST_VAPID_PEM))}


@pytest.mark.parametrize("path", ["/notifications", "/notifications/settings", "/push/key"])
def test_pages_send_anonymous_visitors_to_log_in(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize(
    "path",
    [
        "/notifications/read",
        "/notifications/settings",
        "/push/subscriptions",
        "/push/unsubscribe",
        "/push/subscriptions/{device}/name",
        "/push/subscriptions/{device}/test",
        "/push/subscriptions/{device}/delete",
    ],
)
def test_writes_refuse_anonymous_visitors(client, world, service, path):
    with world() as s:
        owner = make_user(s)
    path = path.format(device=add_device(world, owner.id, service.subscription()))
    assert client.post(path, json={}).status_code == 401
    htmx = client.post(path, json={}, headers={"HX-Request": "true"})
    assert htmx.status_code == 401 and "/login" in htmx.headers["HX-Redirect"]
    with world() as s:
        assert s.exec(select(Notification)).all() == []
        assert len(s.exec(select(PushSubscription)).all()) == 1
