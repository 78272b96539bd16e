"""Pushes go only to the browsers' own push services: a person cannot make the server send a
request to an address of its own network (server-side request forgery), not by the endpoint
they subscribe with, not by DNS that points a push service's name elsewhere, not by a redirect,
and not by any configuration. A hanging push service holds up only its own pushes."""

from __future__ import annotations

import socket
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from py_vapid import Vapid02
from sqlmodel import select

from hub.accounts.models import User
from hub.db import job_session
from hub.notifications import jobs, push, vapid
from hub.notifications.models import DeliveryStatus, Notification, PushDelivery, PushStatus, PushSubscription
from hub.notifications.services import notify
from tests.conftest import TEST_VAPID_PEM
from tests.factories import make_user
from tests.push_endpoint import PushEndpoint, make_subscriber_keys

NOON = datetime(2026, 3, 10, 11, 0, tzinfo=UTC)  # outside quiet hours
KEY = vapid.public_key(Vapid02.from_pem(TEST_VAPID_PEM))
REFUSED_DA = "Notifikationer kan kun gå gennem din browsers egen push-tjeneste, så telefonen kunne ikke sættes op."
REFUSED_EN = "Notifications can only go through your browser's own push service, so this phone could not be set up."


@pytest.fixture
def service():
    with PushEndpoint(expected_public_key=KEY) as endpoint:
        yield endpoint


@pytest.fixture
def production_rules(app):
    """The settings of a real server: the browsers' push services only, nothing on loopback."""
    app.config["PUSH_ALLOWED_HOSTS"] = []
    app.config["PUSH_ALLOW_LOOPBACK"] = False


@pytest.fixture
def person(world) -> int:
    with world() as s:
        return make_user(s, is_young=True).id


class Connections:
    """Every outgoing TCP connection the process tries, refused before it leaves."""

    def __init__(self) -> None:
        self.tried: list[tuple] = []


@pytest.fixture
def connections(monkeypatch) -> Connections:
    seen = Connections()

    class RecordingSocket(socket.socket):
        def connect(self, address):
            seen.tried.append(address)
            raise ConnectionRefusedError("no connection leaves this test")

        def connect_ex(self, address):
            seen.tried.append(address)
            return 111

    monkeypatch.setattr(socket, "socket", RecordingSocket)
    return seen


def fake_dns(monkeypatch, answers: dict[str, list[list[str]]], calls: list[str] | None = None) -> None:
    """Make `host` resolve to the first list of addresses, the next lookup to the next (the last stays)."""
    real = socket.getaddrinfo
    rounds = {host: list(lists) for host, lists in answers.items()}

    def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):  # noqa: A002 (socket's names)
        if host not in rounds:
            return real(host, port, family, type, proto, flags)
        if calls is not None:
            calls.append(host)
        addresses = rounds[host][0] if len(rounds[host]) == 1 else rounds[host].pop(0)
        port = int(port or 0)
        return [
            (socket.AF_INET6, socket.SOCK_STREAM, 6, "", (ip, port, 0, 0))
            if ":" in ip
            else (socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port))
            for ip in addresses
        ]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def subscribe(client, endpoint: str):
    return client.post("/push/subscriptions", json={"endpoint": endpoint, "keys": make_subscriber_keys().as_dict()})


def add_device(world, user_id: int, endpoint: str, keys: dict | None = None) -> int:
    keys = keys or make_subscriber_keys().as_dict()
    with world() as s:
        row = PushSubscription(user_id=user_id, endpoint=endpoint, p256dh=keys["p256dh"], auth=keys["auth"], name="x")
        s.add(row)
        s.flush()
        return row.id


def tell(world, user_id: int, title: str = "Husk i morgen") -> int:
    with world() as s:
        return notify(s, s.get(User, user_id), kind="event_reminder", title=title, url="/events/1").id


def deliver(app, now: datetime = NOON) -> dict:
    with app.app_context(), job_session() as s:
        return jobs.deliver_push(s, now=now)


def deliveries(world, notification_id: int) -> list[PushDelivery]:
    with world() as s:
        return list(s.exec(select(PushDelivery).where(PushDelivery.notification_id == notification_id)))


def device(world, sub_id: int) -> PushSubscription | None:
    with world() as s:
        return s.get(PushSubscription, sub_id)


def all_devices(world) -> list[PushSubscription]:
    with world() as s:
        return list(s.exec(select(PushSubscription)))


# --- subscribing ----------------------------------------------------------------------------

REFUSED_ENDPOINTS = [
    "http://127.0.0.1:6379/",
    "http://[::1]/",
    "http://169.254.169.254/latest/meta-data/",
    "https://10.0.0.1/push/1",
    "https://[::ffff:127.0.0.1]/push/1",
    "https://2130706433/push/1",  # 127.0.0.1 as one number
    "https://localhost/push/1",
    "https://evil.example/push/1",
    "https://fcm.googleapis.com.evil.example/fcm/send/1",
    "https://evilfcm.googleapis.com/fcm/send/1",
    "https://fcm.googleapis.com./fcm/send/1",
    "https://push.apple.com.evil.example/1",
    "https://notify.windows.com.evil.example/w/?token=1",
    "https://user@fcm.googleapis.com/fcm/send/1",
    "https://user:secret@fcm.googleapis.com/fcm/send/1",
    "https://fcm.googleapis.com\\@evil.example/fcm/send/1",
    "https://fcm.googleapis.com:8443/fcm/send/1",
    "https://fcm.googleapis.com:6379/fcm/send/1",
    "http://fcm.googleapis.com/fcm/send/1",
    "ftp://fcm.googleapis.com/fcm/send/1",
    "https://fcm.googleapis.com /fcm/send/1",
    "https://fcm.googleapis.com/fcm/send/1\r\nHost: evil",
]

ACCEPTED_ENDPOINTS = [
    "https://fcm.googleapis.com/fcm/send/dGhpcyBpcyBub3Q6APA91bE-xyz_123",
    "https://fcm.googleapis.com:443/fcm/send/abc",
    "https://android.googleapis.com/gcm/send/abc",
    "https://updates.push.services.mozilla.com/wpush/v2/gAAAAABm-abc_123",
    "https://push.services.mozilla.com/wpush/v1/abc",
    "https://web.push.apple.com/QGm2Kc9nXa1-abc",
    "https://api.push.apple.com/3/device/abc",
    "https://wns2-db5p.notify.windows.com/w/?token=BQYAAAB%2bAbc%3d",
]


def test_an_endpoint_off_the_push_services_is_refused_at_subscribe(client, login_as, world, production_rules):
    """Each endpoint in turn, in one world (a database per endpoint would cost seconds each)."""
    login_as("young")
    for endpoint in REFUSED_ENDPOINTS:
        response = subscribe(client, endpoint)

        assert response.status_code == 422, endpoint
        assert response.json == {"error": 422, "message": REFUSED_DA}, endpoint
        assert all_devices(world) == [], endpoint


def test_the_refusal_speaks_english_to_an_english_reader(client, login_as, english, production_rules):
    login_as("young")
    response = subscribe(client, "http://127.0.0.1:6379/")
    assert response.status_code == 422 and response.json["message"] == REFUSED_EN


def test_an_endpoint_on_a_browsers_push_service_is_taken(client, login_as, world, production_rules):
    user = login_as("young")
    assert len(ACCEPTED_ENDPOINTS) < 10  # within the device cap: each one stays
    for taken, endpoint in enumerate(ACCEPTED_ENDPOINTS, 1):
        assert subscribe(client, endpoint).status_code == 201, endpoint
        devices = [(d.user_id, d.endpoint) for d in all_devices(world)]
        assert len(devices) == taken and (user.id, endpoint) in devices, endpoint


def test_an_extra_host_is_taken_on_its_port_over_https_only(app, client, login_as, world, production_rules):
    app.config["PUSH_ALLOWED_HOSTS"] = ["push.example.org:8443", "*.push.example.net"]
    login_as("young")
    for endpoint in (
        "https://push.example.org/p/1",
        "https://push.example.org:9000/p/1",
        "http://push.example.org:8443/p/1",
        "https://push.example.net/p/1",  # a wildcard names the subdomains only
        "https://evilpush.example.net/p/1",
    ):
        assert subscribe(client, endpoint).status_code == 422, endpoint
    for endpoint in ("https://push.example.org:8443/p/1", "https://eu.push.example.net/p/1"):
        assert subscribe(client, endpoint).status_code == 201, endpoint


def test_the_loopback_test_rule_keeps_to_the_listed_port(app, client, login_as, world):
    app.config["PUSH_ALLOWED_HOSTS"] = ["127.0.0.1:5000"]
    app.config["PUSH_ALLOW_LOOPBACK"] = True
    login_as("young")
    assert subscribe(client, "http://127.0.0.1:6379/").status_code == 422
    assert subscribe(client, "http://127.0.0.1:5000/push/1").status_code == 201


# --- no configuration reaches a private address ---------------------------------------------


@pytest.mark.parametrize("address", ["127.0.0.1", "10.0.0.1", "169.254.169.254"])
def test_listing_a_private_address_without_the_loopback_rule_reaches_nothing(
    app, client, login_as, world, connections, address
):
    app.config["PUSH_ALLOWED_HOSTS"] = [address, f"{address}:6379"]
    app.config["PUSH_ALLOW_LOOPBACK"] = False
    user = login_as("young")
    for endpoint in (f"http://{address}:6379/", f"https://{address}/push/1", f"http://{address}/push/1"):
        assert subscribe(client, endpoint).status_code == 422, endpoint
    sub_id = add_device(world, user.id, f"http://{address}:6379/push/1")
    nid = tell(world, user.id)

    deliver(app)

    assert connections.tried == []
    [delivery] = deliveries(world, nid)
    assert delivery.status == DeliveryStatus.GONE  # a device we may not send to is forgotten
    assert device(world, sub_id) is None
    deliver(app, NOON + timedelta(hours=1))
    assert connections.tried == []


@pytest.mark.parametrize("address", ["10.0.0.1", "169.254.169.254", "192.168.1.10", "100.64.0.1", "0.0.0.0"])
def test_the_loopback_rule_never_opens_a_private_address(app, login_as, world, connections, monkeypatch, address):
    app.config["PUSH_ALLOWED_HOSTS"] = [address, "push.test"]
    app.config["PUSH_ALLOW_LOOPBACK"] = True
    fake_dns(monkeypatch, {"push.test": [[address]]})
    user = login_as("young")
    literal = add_device(world, user.id, f"http://{address}/push/1")
    named = add_device(world, user.id, "http://push.test/push/1")
    nid = tell(world, user.id)

    deliver(app)

    assert connections.tried == []
    assert {d.subscription_id: d.status for d in deliveries(world, nid)} == {
        literal: DeliveryStatus.FAILED,
        named: DeliveryStatus.FAILED,
    }
    deliver(app, NOON + timedelta(hours=2))  # refused is not retried
    assert connections.tried == []
    assert all(d.attempts == 1 for d in deliveries(world, nid))


# --- DNS ----------------------------------------------------------------------------------------

PRIVATE_ANSWERS = [
    ["127.0.0.1"],
    ["10.1.2.3"],
    ["172.16.5.4"],
    ["192.168.0.1"],
    ["169.254.169.254"],
    ["100.64.0.1"],
    ["0.0.0.0"],
    ["224.0.0.1"],
    ["240.0.0.1"],
    ["::1"],
    ["::"],
    ["fe80::1"],
    ["fc00::1"],
    ["fec0::1"],
    ["ff02::1"],
    ["::ffff:127.0.0.1"],
    ["::ffff:169.254.169.254"],
    ["::127.0.0.1"],
    ["64:ff9b::a9fe:a9fe"],  # NAT64 of 169.254.169.254
    ["64:ff9b:1::a00:1"],
    ["2002:7f00:1::1"],  # 6to4 of 127.0.0.1
    ["2001:db8::1"],
    ["142.250.74.106", "10.0.0.1"],  # one bad answer among good ones is enough
]


def test_a_push_service_name_resolving_to_a_private_address_is_never_connected(
    app, world, person, connections, monkeypatch
):
    """Each DNS answer in turn, with a device and a notice of its own, in one world."""
    for number, answer in enumerate(PRIVATE_ANSWERS):
        fake_dns(monkeypatch, {"fcm.googleapis.com": [answer]})
        sub_id = add_device(world, person, f"https://fcm.googleapis.com/fcm/send/abc{number}")
        nid = tell(world, person)

        deliver(app)

        assert connections.tried == [], answer
        [delivery] = deliveries(world, nid)
        assert (delivery.status, delivery.attempts, delivery.last_code) == (DeliveryStatus.FAILED, 1, None), answer
        assert device(world, sub_id) is not None, answer  # DNS may mend; the phone is kept
        with world() as session:  # the next answer starts with no device but its own
            session.delete(session.get(PushSubscription, sub_id))


def test_dns_that_changes_after_subscribing_is_refused_at_send(
    client, login_as, world, app, production_rules, connections, monkeypatch
):
    fake_dns(monkeypatch, {"fcm.googleapis.com": [["142.250.74.106"], ["127.0.0.1"]]})
    socket.getaddrinfo("fcm.googleapis.com", 443)  # what it said when the phone subscribed
    user = login_as("young")
    assert subscribe(client, "https://fcm.googleapis.com/fcm/send/abc").status_code == 201
    nid = tell(world, user.id)

    deliver(app)

    assert connections.tried == []
    [delivery] = deliveries(world, nid)
    assert delivery.status == DeliveryStatus.FAILED


def test_the_checked_address_is_the_one_connected(app, world, person, connections, monkeypatch):
    """Resolved once: a second answer (a rebinding DNS server) is never asked for or used."""
    calls: list[str] = []
    fake_dns(monkeypatch, {"fcm.googleapis.com": [["142.250.74.106"], ["127.0.0.1"]]}, calls)
    add_device(world, person, "https://fcm.googleapis.com/fcm/send/abc")
    tell(world, person)

    deliver(app)

    assert calls == ["fcm.googleapis.com"]
    assert [address[:2] for address in connections.tried] == [("142.250.74.106", 443)]


# --- redirects, timeouts, what the settings page tells --------------------------------------


def test_a_redirect_is_a_failed_push_and_never_followed(app, world, person, service):
    with PushEndpoint(expected_public_key=KEY) as elsewhere:
        target = elsewhere.subscription()
        sub = service.subscription()
        add_device(world, person, sub["endpoint"], sub["keys"])
        service.respond(sub, 307, headers={"Location": target["endpoint"]})
        nid = tell(world, person)

        deliver(app)
        deliver(app, NOON + timedelta(hours=2))

        assert elsewhere.responses == []
    assert [status for _, status in service.responses] == [307]
    [delivery] = deliveries(world, nid)
    assert (delivery.status, delivery.attempts, delivery.last_code) == (DeliveryStatus.FAILED, 1, 307)


class HangingService:
    """A push service that takes the request and never answers; notes when each is given up."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.accepted = 0
        self.given_up: list[float] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            with self._lock:
                self.accepted += 1
            threading.Thread(target=self._hold, args=(conn,), daemon=True).start()

    def _hold(self, conn: socket.socket) -> None:
        with conn:
            while conn.recv(65536):
                pass
        with self._lock:
            self.given_up.append(time.time())

    def close(self) -> None:
        self.server.close()


def test_a_hanging_push_service_holds_up_only_its_own_pushes(app, world, service, monkeypatch):
    app.config["PUSH_POOL_SIZE"] = 2
    monkeypatch.setattr(push, "TIMEOUT", (2.0, 1.0))
    hanging = HangingService()
    try:
        with world() as s:
            stuck, lucky = make_user(s, is_young=True).id, make_user(s, is_young=True).id
        add_device(world, stuck, f"http://127.0.0.1:{hanging.port}/push/stuck")
        sub = service.subscription()
        add_device(world, lucky, sub["endpoint"], sub["keys"])
        waiting = [tell(world, stuck, title=f"Nummer {i}") for i in range(6)]  # first in the outbox
        arriving = [tell(world, lucky, title=f"Nummer {i}") for i in range(3)]

        deliver(app)

        assert sorted(p.payload["id"] for p in service.received) == arriving
        assert hanging.accepted == 2  # two timeouts, and the rest waits for a later sweep
        assert max(p.received_at for p in service.received) < min(hanging.given_up)
    finally:
        hanging.close()
    tried = [d for nid in waiting for d in deliveries(world, nid)]
    assert sorted(d.attempts for d in tried) == [0, 0, 0, 0, 1, 1]
    assert {d.status for d in tried} == {DeliveryStatus.PENDING}
    assert all(d.next_attempt_at > NOON and d.claimed_until is None for d in tried)
    with world() as s:
        statuses = set(s.exec(select(Notification.push_status).where(Notification.id.in_(waiting))))
    assert statuses == {PushStatus.SENDING}


def test_the_device_list_shows_no_answer_of_the_push_service(app, client, login_as, world, service):
    user = login_as("young")
    sub = service.subscription()
    sub_id = add_device(world, user.id, sub["endpoint"], sub["keys"])
    service.respond(sub, 500)  # answered with the text "scripted answer"
    tell(world, user.id)

    deliver(app)

    stored = device(world, sub_id).last_error
    assert stored and "scripted" not in stored and "Internal" not in stored
    page = client.get("/notifications/settings").get_data(as_text=True)
    assert "scripted" not in page and "Internal Server Error" not in page
