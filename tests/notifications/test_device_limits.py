"""A person keeps at most ten devices (a new phone pushes out the one silent longest), and
subscribing and test pushes are rate limited per person and per address, with a friendly 429."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from hub.db import utcnow
from hub.notifications.models import Notification, PushSubscription
from hub.security import limiter
from tests.conftest import Auth
from tests.factories import make_user
from tests.push_endpoint import make_subscriber_keys

SLOW_DOWN_DA = "Du har prøvet mange gange. Vent lidt, før du prøver igen."


def endpoint(n: int | str) -> str:
    return f"https://fcm.googleapis.com/fcm/send/device-{n}"


def subscribe(client, url: str, **environ):
    return client.post(
        "/push/subscriptions",
        json={"endpoint": url, "keys": make_subscriber_keys().as_dict()},
        headers={"Accept": "application/json"},
        environ_base=environ,
    )


def devices_of(world, user_id: int) -> list[PushSubscription]:
    with world() as s:
        return list(
            s.exec(select(PushSubscription).where(PushSubscription.user_id == user_id).order_by(PushSubscription.id))
        )


def add_devices(world, user_id: int, count: int) -> list[int]:
    """`count` devices, made a minute apart (the first is the oldest)."""
    start = utcnow() - timedelta(days=1)
    with world() as s:
        rows = [
            PushSubscription(
                user_id=user_id,
                endpoint=endpoint(f"{user_id}-{i}"),
                p256dh="k",
                auth="a",
                name=f"Enhed {i}",
                created_at=start + timedelta(minutes=i),
            )
            for i in range(count)
        ]
        s.add_all(rows)
        s.flush()
        return [row.id for row in rows]


def reached(world, sub_id: int, ago: timedelta) -> None:
    with world() as s:
        s.get(PushSubscription, sub_id).last_success_at = utcnow() - ago


def other_person(app, world):
    with world() as s:
        user = make_user(s, is_young=True)
    other = app.test_client()
    Auth(other).login(user)
    return user, other


# --- at most ten devices ----------------------------------------------------------------------


def test_an_eleventh_device_replaces_one_never_reached_since_it_was_added(client, login_as, world):
    user = login_as("young")
    ids = add_devices(world, user.id, 10)
    for sub_id in ids[:4] + ids[5:]:
        reached(world, sub_id, timedelta(hours=1))
    # ids[4] was added a day ago and never reached: silent longest.

    response = subscribe(client, endpoint("new"))

    assert response.status_code == 201
    kept = devices_of(world, user.id)
    assert len(kept) == 10
    assert ids[4] not in [d.id for d in kept]
    assert endpoint("new") in [d.endpoint for d in kept]


def test_when_all_were_reached_the_one_silent_longest_goes(client, login_as, world):
    user = login_as("young")
    ids = add_devices(world, user.id, 10)
    for i, sub_id in enumerate(ids):
        reached(world, sub_id, timedelta(days=30) if i == 7 else timedelta(hours=i + 1))

    assert subscribe(client, endpoint("new")).status_code == 201
    assert subscribe(client, endpoint("newer")).status_code == 201

    left = {d.id for d in devices_of(world, user.id)}
    assert len(left) == 10
    assert ids[7] not in left  # silent for a month
    assert ids[9] not in left  # then: last reached ten hours ago
    assert set(ids) - left == {ids[7], ids[9]}


def test_a_hundred_subscriptions_leave_ten_devices(app, client, login_as, world, monkeypatch):
    monkeypatch.setattr(limiter, "enabled", False)  # the cap, not the rate limit
    user = login_as("young")
    for n in range(100):
        assert subscribe(client, endpoint(n)).status_code == 201
    assert [d.endpoint for d in devices_of(world, user.id)] == [endpoint(n) for n in range(90, 100)]


def test_the_cap_is_per_person(app, client, login_as, world):
    user = login_as("young")
    other, _ = other_person(app, world)
    add_devices(world, other.id, 10)
    add_devices(world, user.id, 3)
    assert subscribe(client, endpoint("mine")).status_code == 201
    assert len(devices_of(world, other.id)) == 10
    assert len(devices_of(world, user.id)) == 4


# --- rate limits --------------------------------------------------------------------------------


def test_subscribing_is_limited_per_person_with_a_friendly_json_429(client, login_as, world):
    user = login_as("young")
    for n in range(20):
        assert subscribe(client, endpoint(n)).status_code == 201

    response = subscribe(client, endpoint("one-too-many"))

    assert response.status_code == 429
    assert response.json["error"] == 429 and response.json["message"] == SLOW_DOWN_DA
    assert int(response.headers["Retry-After"]) > 0
    assert endpoint("one-too-many") not in [d.endpoint for d in devices_of(world, user.id)]


def test_a_phone_that_is_already_mine_says_so_without_using_up_the_limit(client, login_as, world):
    login_as("young")
    assert subscribe(client, endpoint("phone")).status_code == 201
    for _ in range(30):  # push.js tells the server again on every page with the push box
        assert subscribe(client, endpoint("phone")).status_code == 200
    assert subscribe(client, endpoint("tablet")).status_code == 201


def test_subscribing_is_limited_per_address(app, client, login_as, world):
    login_as("young")
    address = {"REMOTE_ADDR": "198.51.100.7"}
    made = 0
    people = [client] + [other_person(app, world)[1] for _ in range(3)]
    answers = []
    for i, browser in enumerate(people):
        for n in range(20):
            answer = subscribe(browser, endpoint(f"{i}-{n}"), **address)
            answers.append(answer.status_code)
            made += answer.status_code == 201
    assert made == 60 and answers.count(429) == 20
    assert subscribe(people[-1], endpoint("elsewhere"), REMOTE_ADDR="198.51.100.8").status_code == 201


def test_test_pushes_are_limited_per_person_and_the_page_says_so(app, client, login_as, world):
    user = login_as("young")
    [sub_id] = add_devices(world, user.id, 1)
    for _ in range(5):
        assert client.post(f"/push/subscriptions/{sub_id}/test").status_code == 303

    boosted = client.post(f"/push/subscriptions/{sub_id}/test", headers={"HX-Request": "true", "HX-Boosted": "true"})

    assert boosted.status_code == 429
    page = boosted.get_data(as_text=True)
    assert SLOW_DOWN_DA in page and "<html" in page
    assert int(boosted.headers["Retry-After"]) > 0
    with world() as s:
        assert len(s.exec(select(Notification).where(Notification.user_id == user.id)).all()) == 5


@pytest.mark.clock
def test_test_pushes_are_limited_per_day_too(app, client, login_as, world, time_machine):
    user = login_as("young")
    [sub_id] = add_devices(world, user.id, 1)
    time_machine.move_to(utcnow(), tick=True)
    answers = []
    for _round in range(5):
        for _ in range(5):
            answers.append(client.post(f"/push/subscriptions/{sub_id}/test").status_code)
        time_machine.shift(timedelta(minutes=11))  # past the ten-minute window
    assert answers.count(303) == 20 and answers.count(429) == 5


def test_test_pushes_are_limited_per_address(app, client, login_as, world):
    address = {"REMOTE_ADDR": "198.51.100.9"}
    answers = []
    for _ in range(7):
        user, browser = other_person(app, world)
        [sub_id] = add_devices(world, user.id, 1)
        for _ in range(5):
            answers.append(browser.post(f"/push/subscriptions/{sub_id}/test", environ_base=address).status_code)
    assert answers.count(303) == 30 and answers.count(429) == 5
