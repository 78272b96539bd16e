"""/metrics for Prometheus: request durations by route, answers by status class, the outboxes and
the scheduler read from the database at each scrape, and only for the addresses allowed.

Counts in one test process add up across tests (no PROMETHEUS_MULTIPROC_DIR here, so they are in
memory), so each test compares a scrape after its requests with one before. Several gunicorn
workers adding up their counts is shown in tests/scaleout/test_scaleout.py.
"""

from __future__ import annotations

import gzip
from datetime import timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import create_engine

from hub import create_app
from hub.db import utcnow
from hub.notifications.models import DeliveryStatus, Notification, PushDelivery, PushStatus, PushSubscription
from hub.outbox.services import enqueue_mail
from hub.scheduler.lease import LEASE_NAME
from hub.scheduler.models import SchedulerJob, SchedulerLease
from tests.conftest import app_config
from tests.factories import make_user


@pytest.fixture
def app_factory(db_url, tmp_path):
    """Apps on the test's database with settings of their own."""
    made = []

    def make(**settings):
        made.append(create_app({**app_config(db_url, tmp_path), **settings}))
        return made[-1]

    yield make
    for app in made:
        app.extensions["hub_engine"].dispose()


def scrape(client, **environ) -> dict[tuple[str, tuple], float]:
    """The samples of one scrape: (name, sorted labels) → value."""
    answer = client.get("/metrics", environ_base=environ, buffered=True)
    assert answer.status_code == 200, answer.status_code
    assert answer.content_type.startswith("text/plain; version=")  # the Prometheus text format
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(answer.get_data(as_text=True))
        for sample in family.samples
    }


def sample(samples: dict, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_requests_are_timed_and_counted_by_route_and_status_class(app, client):
    def boom(name: str):
        raise RuntimeError("a bug")

    app.add_url_rule("/boom/<name>", "boom", boom)
    before = scrape(client)
    for path in ("/login", "/login", "/no/such/page", "/boom/Yasmin"):
        client.get(path, buffered=True)
    after = scrape(client)

    def grew(name: str, **labels) -> float:
        return sample(after, name, **labels) - sample(before, name, **labels)

    count = "ungehub_http_request_duration_seconds_count"
    assert grew(count, route="/login", method="GET") == 2
    assert grew("ungehub_http_request_duration_seconds_sum", route="/login", method="GET") > 0
    assert grew("ungehub_http_responses_total", route="/login", method="GET", status_class="2xx") == 2
    # A 404 is one route for every path no rule takes; a failure is counted under its rule, never
    # its path (a path can hold a name or a token).
    assert grew("ungehub_http_responses_total", route="(unmatched)", method="GET", status_class="4xx") == 1
    assert grew("ungehub_http_responses_total", route="/boom/<name>", method="GET", status_class="5xx") == 1
    assert not any("Yasmin" in str(labels) for _name, labels in after)
    # Each request lands in the histogram's buckets: the +Inf bucket counts every one.
    assert grew("ungehub_http_request_duration_seconds_bucket", route="/login", method="GET", le="+Inf") == 2


def test_only_allowed_addresses_get_an_answer(app, client):
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"}).status_code == 200
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "::1"}).status_code == 200
    for stranger in ("10.0.0.7", "2001:db8::7", "not an address"):
        answer = client.get("/metrics", environ_base={"REMOTE_ADDR": stranger})
        assert answer.status_code == 404 and b"ungehub_" not in answer.data
    assert client.post("/metrics", csrf=False).status_code == 405


def test_the_allowed_addresses_are_a_setting(app_factory):
    app = app_factory(METRICS_ALLOW=["10.0.0.0/24"])
    client = app.test_client()
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.0.0.7"}).status_code == 200
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.0.1.7"}).status_code == 404
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"}).status_code == 404


def test_behind_the_proxy_the_clients_address_counts(app_factory):
    """nginx adds the address it saw to X-Forwarded-For; with HUB_PROXY_HOPS=1 that last entry is
    the one checked, so a client cannot pass as the loopback by sending the header itself."""
    client = app_factory(PROXY_HOPS=1).test_client()
    proxy = {"REMOTE_ADDR": "127.0.0.1"}

    def through_proxy(forwarded_for: str) -> int:
        return client.get("/metrics", environ_base=proxy, headers={"X-Forwarded-For": forwarded_for}).status_code

    assert through_proxy("127.0.0.1") == 200  # Prometheus on the same host, through nginx
    assert through_proxy("203.0.113.9") == 404  # someone on the internet
    assert through_proxy("127.0.0.1, 203.0.113.9") == 404  # ... who sent their own X-Forwarded-For


def test_a_scrape_needs_no_session_is_not_limited_and_comes_compressed(client):
    for _ in range(40):
        answer = client.get("/metrics")
        assert answer.status_code == 200
        assert "Set-Cookie" not in answer.headers and not any(
            name.startswith("X-RateLimit") for name, _ in answer.headers
        )
    packed = client.get("/metrics", headers={"Accept-Encoding": "gzip"}, buffered=True)
    assert packed.headers["Content-Encoding"] == "gzip" and b"ungehub_" in gzip.decompress(packed.data)


def test_the_outbox_and_the_scheduler_are_read_from_the_database(client, world):
    now = utcnow()
    with world() as s:
        user = make_user(s, is_young=True)
        phone = PushSubscription(user_id=user.id, endpoint="https://push.example/1", p256dh="k", auth="a")
        s.add(phone)
        s.flush()
        waiting = Notification(user_id=user.id, kind="x", title="t", created_at=now - timedelta(minutes=10))
        quiet = Notification(user_id=user.id, kind="x", title="t", push_after=now + timedelta(hours=6))
        sent = Notification(user_id=user.id, kind="x", title="t", push_status=PushStatus.SENT)
        sending = Notification(user_id=user.id, kind="x", title="t", push_status=PushStatus.SENDING)
        s.add_all([waiting, quiet, sent, sending])
        s.flush()
        s.add(
            PushDelivery(
                notification_id=sending.id,
                subscription_id=phone.id,
                status=DeliveryStatus.SENDING,
                next_attempt_at=now - timedelta(minutes=2),
            )
        )
        mail = enqueue_mail(s, kind="password_reset", to="sara@example.org", subject="Nulstil", body="…")
        mail.next_attempt_at = now - timedelta(minutes=5)  # due five minutes ago, not sent
        s.add(SchedulerLease(name=LEASE_NAME, holder="app-2:4242:b00b1e", expires_at=now + timedelta(seconds=45)))
        s.add(SchedulerJob(name="deliver_push", every_seconds=5, last_success_at=now - timedelta(seconds=3)))
        s.add(
            SchedulerJob(
                name="expire_klip", every_seconds=900, last_success_at=now - timedelta(hours=2), last_error_at=now
            )
        )

    samples = scrape(client)
    assert sample(samples, "ungehub_metrics_database_up") == 1
    # Due and unsent: the waiting notice and the delivery being sent; not the one held for quiet
    # hours, not the sent one. The oldest has waited ten minutes.
    assert sample(samples, "ungehub_outbox_depth", outbox="push") == 2
    assert 600 <= sample(samples, "ungehub_outbox_oldest_seconds", outbox="push") < 700
    assert sample(samples, "ungehub_outbox_depth", outbox="mail") == 1
    assert 300 <= sample(samples, "ungehub_outbox_oldest_seconds", outbox="mail") < 400
    assert sample(samples, "ungehub_scheduler_lease_holder", holder="app-2:4242:b00b1e") == 1
    assert 30 < sample(samples, "ungehub_scheduler_lease_seconds_left") <= 45
    success = "ungehub_scheduler_job_last_success_timestamp_seconds"
    assert sample(samples, success, job="deliver_push") == pytest.approx((now - timedelta(seconds=3)).timestamp())
    assert sample(samples, success, job="expire_klip") == pytest.approx((now - timedelta(hours=2)).timestamp())
    assert sample(samples, "ungehub_scheduler_job_last_error_timestamp_seconds", job="expire_klip") > 0
    assert sample(samples, "ungehub_scheduler_job_interval_seconds", job="expire_klip") == 900


def test_an_empty_outbox_is_zero_and_a_run_out_lease_says_so(client, world):
    with world() as s:
        s.add(SchedulerLease(name=LEASE_NAME, holder="app-1:1:dead", expires_at=utcnow() - timedelta(seconds=20)))
    samples = scrape(client)
    assert sample(samples, "ungehub_outbox_depth", outbox="push") == 0
    assert sample(samples, "ungehub_outbox_oldest_seconds", outbox="push") == 0
    assert sample(samples, "ungehub_outbox_depth", outbox="mail") == 0
    assert sample(samples, "ungehub_scheduler_lease_holder", holder="app-1:1:dead") == 0
    assert sample(samples, "ungehub_scheduler_lease_seconds_left") < -15


def test_a_database_that_cannot_be_read_is_reported_not_a_failed_scrape(app, client, tmp_path):
    engine = app.extensions["hub_engine"]
    app.extensions["hub_engine"] = create_engine(f"sqlite:///{tmp_path}/missing/folder/db.sqlite3")
    try:
        samples = scrape(client)
    finally:
        app.extensions["hub_engine"].dispose()
        app.extensions["hub_engine"] = engine
    assert sample(samples, "ungehub_metrics_database_up") == 0
    assert not any(name.startswith("ungehub_outbox") for name, _labels in samples)
