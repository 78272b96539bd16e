"""Password guessing is slowed down where it comes from, and the real person still gets in.

The counts (hub/accounts/login_throttle.py): this account from this address, this address
for any account, and this account from browsers it was never logged in on.
"""

from __future__ import annotations

import pytest

from hub import create_app
from hub.accounts.login_throttle import DEVICE_COOKIE
from tests.conftest import Client, app_config

PASSWORD = "correct horse battery"
ATTACKER = "198.51.100.7"
HOME = "203.0.113.20"


def from_address(client, address: str, email: str, password: str, **kwargs):
    return client.post(
        "/login", data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": address}, **kwargs
    )


def test_guessing_from_one_address_does_not_lock_out_the_person_elsewhere(app, make):
    person = make.user(is_young=True)
    attacker = app.test_client()
    for _ in range(5):
        assert from_address(attacker, ATTACKER, person.email, "wrong guess 123").status_code == 422
    held = from_address(attacker, ATTACKER, person.email, PASSWORD)
    assert held.status_code == 429 and int(held.headers["Retry-After"]) > 0  # even the right password waits

    phone = app.test_client()  # the person, on their phone's own connection
    assert from_address(phone, HOME, person.email, PASSWORD).status_code == 303
    assert phone.get("/me").status_code == 200


def test_one_address_trying_many_accounts_is_slowed_down(app, make):
    attacker = app.test_client()
    for n in range(30):
        assert from_address(attacker, ATTACKER, f"guess{n}@example.org", "wrong guess 123").status_code == 422
    person = make.user(is_young=True)
    assert from_address(attacker, ATTACKER, person.email, PASSWORD).status_code == 429
    # A different place is not affected.
    assert from_address(app.test_client(), HOME, person.email, PASSWORD).status_code == 303


def test_many_addresses_guessing_one_account_leave_the_persons_own_phone_alone(app, make):
    person = make.user(is_young=True)
    phone = app.test_client()
    assert from_address(phone, HOME, person.email, PASSWORD).status_code == 303
    assert phone.get_cookie(DEVICE_COOKIE) is not None
    phone.post("/logout")

    for n in range(50):  # a botnet: one guess from each of fifty addresses
        bot = app.test_client()
        assert from_address(bot, f"192.0.2.{n + 1}", person.email, "wrong guess 123").status_code == 422
    # A browser that never logged in to this account is held, wherever it is ...
    stranger = app.test_client()
    assert from_address(stranger, "192.0.2.200", person.email, PASSWORD).status_code == 429
    # ... but the person's own phone, on yet another network, is not.
    assert from_address(phone, "100.64.0.9", person.email, PASSWORD).status_code == 303
    assert phone.get("/me").status_code == 200


def test_a_made_up_device_cookie_is_worth_nothing(app, make):
    person = make.user(is_young=True)
    for n in range(50):
        from_address(app.test_client(), f"192.0.2.{n + 1}", person.email, "wrong guess 123")
    forger = app.test_client()
    forger.set_cookie(DEVICE_COOKIE, "WyJhYmMiXQ.not-a-signature")
    assert from_address(forger, "192.0.2.201", person.email, PASSWORD).status_code == 429


def test_another_persons_device_cookie_does_not_vouch_for_this_account(app, make):
    person, friend = make.user(is_young=True), make.user(is_young=True)
    shared = app.test_client()
    assert from_address(shared, HOME, friend.email, PASSWORD).status_code == 303
    shared.post("/logout")
    for n in range(50):
        from_address(app.test_client(), f"192.0.2.{n + 1}", person.email, "wrong guess 123")
    assert from_address(shared, "100.64.0.10", person.email, PASSWORD).status_code == 429


def test_forget_this_phone_forgets_the_device_cookie(app, make):
    person = make.user(is_young=True)
    phone = app.test_client()
    from_address(phone, HOME, person.email, PASSWORD)
    assert phone.get_cookie(DEVICE_COOKIE) is not None
    assert phone.post("/wallet/forget").status_code == 303
    assert phone.get_cookie(DEVICE_COOKIE) is None


def test_ipv6_addresses_count_per_64(app, make):
    person = make.user(is_young=True)
    attacker = app.test_client()
    for n in range(5):  # a new address each time, all in one /64
        from_address(attacker, f"2001:db8:1:2::{n + 1:x}", person.email, "wrong guess 123")
    assert from_address(attacker, "2001:db8:1:2::ff", person.email, PASSWORD).status_code == 429
    assert from_address(app.test_client(), "2001:db8:1:3::1", person.email, PASSWORD).status_code == 303


@pytest.fixture
def app_behind_proxy(db_url, tmp_path):
    app = create_app({**app_config(db_url, tmp_path), "PROXY_HOPS": 1})
    app.test_client_class = Client
    yield app
    app.extensions["hub_engine"].dispose()


def test_behind_a_proxy_the_forwarded_address_is_counted(app_behind_proxy, make):
    person = make.user(is_young=True)
    proxy = "10.0.0.2"  # every request reaches the app from the proxy
    attacker = app_behind_proxy.test_client()
    for _ in range(5):
        from_address(attacker, proxy, person.email, "wrong", headers={"X-Forwarded-For": ATTACKER})
    held = from_address(attacker, proxy, person.email, PASSWORD, headers={"X-Forwarded-For": ATTACKER})
    assert held.status_code == 429
    phone = app_behind_proxy.test_client()
    assert from_address(phone, proxy, person.email, PASSWORD, headers={"X-Forwarded-For": HOME}).status_code == 303


def test_without_a_proxy_a_forged_forwarded_header_changes_nothing(app, make):
    person = make.user(is_young=True)
    attacker = app.test_client()
    for n in range(5):
        forged = {"X-Forwarded-For": f"192.0.2.{n + 1}"}
        from_address(attacker, ATTACKER, person.email, "wrong", headers=forged)
    forged = {"X-Forwarded-For": "192.0.2.99"}
    assert from_address(attacker, ATTACKER, person.email, PASSWORD, headers=forged).status_code == 429
