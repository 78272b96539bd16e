"""Metrics for Prometheus at /metrics: how requests go, and what waits in the database.

Per request (counted by every gunicorn worker into PROMETHEUS_MULTIPROC_DIR and added up at
each scrape, hub/gunicorn_conf.py; in one process, such as the tests, kept in memory):
- `ungehub_http_request_duration_seconds{route,method}`: a histogram of how long requests took,
  by the route's rule (`/events/<int:event_id>/book`, never the path; `(unmatched)` for a 404).
- `ungehub_http_responses_total{route,method,status_class}`: answers by class (2xx … 5xx): the
  4xx and 5xx are the errors.

Read from the database at each scrape (the same on every server; take `max` across them):
- `ungehub_outbox_depth{outbox}` and `ungehub_outbox_oldest_seconds{outbox}`: how many pushes
  (`push`: notifications due and deliveries due or being sent) or e-mails (`mail`, hub/outbox)
  wait (those being sent included), and how long the one due longest has been due, as readiness
  reckons it (hub/core/health.py: a claim whose sender died counts from when it ran out); 0 when
  none is due.
- `ungehub_scheduler_lease_holder{holder}` 1 for the scheduler process holding the lease, and
  `ungehub_scheduler_lease_seconds_left` (negative once it has run out: nobody runs the jobs).
- `ungehub_scheduler_job_last_success_timestamp_seconds{job}` and `…_last_error_…`, and
  `ungehub_scheduler_job_interval_seconds{job}` to compare them with.
- `ungehub_metrics_database_up`: 0 when these could not be read (the others are then left out).

Only addresses in HUB_METRICS_ALLOW (default the loopback) get an answer; anyone else gets a 404,
as if there were nothing. It is served before the Flask app: no session, login or rate limit.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import time
from collections.abc import Iterable, Iterator

from flask import Flask
from prometheus_client import CollectorRegistry, Counter, Histogram, disable_created_metrics, make_wsgi_app
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import func, or_
from sqlmodel import Session, select

from hub import logs
from hub.core import health
from hub.db import new_session, utcnow
from hub.notifications.models import DeliveryStatus, Notification, PushDelivery, PushStatus
from hub.outbox import services as mail_outbox
from hub.scheduler import status as scheduler_status

log = logging.getLogger("hub.metrics")

PATH = "/metrics"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

disable_created_metrics()  # no `_created` series beside each count: nothing here reads them

# registry=None: each scrape builds its registry (hub.metrics.registry), so that in multiprocess
# mode only the workers' files are read and these in-memory copies are not counted twice.
REQUEST_SECONDS = Histogram(
    "ungehub_http_request_duration_seconds",
    "Time from a request's arrival in the app to the end of its answer, by route.",
    ["route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
    registry=None,
)
RESPONSES = Counter(
    "ungehub_http_responses",
    "Answers by route and status class (2xx, 3xx, 4xx, 5xx).",
    ["route", "method", "status_class"],
    registry=None,
)


def record(route: str, method: str, status: int, seconds: float) -> None:
    method = method if method in METHODS else "other"
    REQUEST_SECONDS.labels(route, method).observe(seconds)
    RESPONSES.labels(route, method, f"{status // 100}xx").inc()


class Observed:
    """WSGI middleware: times and counts every request, and answers /metrics itself."""

    def __init__(self, wsgi_app, app: Flask):
        self.wsgi_app, self.app = wsgi_app, app
        self.allowed = [ipaddress.ip_network(n, strict=False) for n in app.config.get("METRICS_ALLOW", [])]

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") == PATH:
            return self.scrape(environ, start_response)
        started = time.perf_counter()
        answer = {"status": 500}

        def start(status: str, headers, exc_info=None):
            answer["status"] = int(status.split(None, 1)[0])
            return start_response(status, headers, exc_info)

        def done() -> None:
            route = environ.get(logs.ROUTE, logs.UNMATCHED)
            record(route, environ.get("REQUEST_METHOD", ""), answer["status"], time.perf_counter() - started)

        try:
            body = self.wsgi_app(environ, start)
        except BaseException:
            done()
            raise
        return Counted(body, done)  # a streamed file counts until its last byte

    def permits(self, address: str | None) -> bool:
        try:
            ip = ipaddress.ip_address(address or "")
        except ValueError:
            return False
        if ip.version == 6 and ip.ipv4_mapped:
            ip = ip.ipv4_mapped
        return any(ip in network for network in self.allowed)

    def scrape(self, environ, start_response):
        if not self.permits(environ.get("REMOTE_ADDR")):
            return _plain(start_response, "404 NOT FOUND", b"Not Found\n")
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return _plain(start_response, "405 METHOD NOT ALLOWED", b"Method Not Allowed\n", [("Allow", "GET, HEAD")])
        # prometheus_client's own answer: the text or OpenMetrics format, gzipped when asked.
        return make_wsgi_app(registry(self.app))(environ, start_response)


class Counted:
    """A response body that calls `done` once: when it has been sent or when it is closed."""

    def __init__(self, body: Iterable[bytes], done):
        self.body, self._done = body, done

    def __iter__(self) -> Iterator[bytes]:
        yield from self.body
        self._finish()

    def close(self) -> None:
        try:
            if hasattr(self.body, "close"):
                self.body.close()
        finally:
            self._finish()

    def _finish(self) -> None:
        done, self._done = self._done, None
        if done is not None:
            done()


def _plain(start_response, status: str, body: bytes, extra: list | None = None):
    headers = [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))]
    start_response(status, [*headers, *(extra or [])])
    return [body]


def registry(app: Flask) -> CollectorRegistry:
    """What one scrape reports: every worker's request counts, and the database's figures now."""
    scraped = CollectorRegistry(auto_describe=False)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(scraped)
    else:
        scraped.register(REQUEST_SECONDS)
        scraped.register(RESPONSES)
    scraped.register(DatabaseFigures(app))
    return scraped


class DatabaseFigures:
    """A collector reading the outboxes and the scheduler's rows when scraped, not before."""

    def __init__(self, app: Flask):
        self.app = app

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("ungehub_metrics_database_up", "1 when the database figures could be read.")
        try:
            with self.app.app_context():
                session = new_session(write=False, app=self.app)
                try:
                    families = list(database_figures(session))
                finally:
                    session.rollback()
                    session.close()
        except Exception:  # a scrape must answer, to tell that the database did not
            log.warning("metrics: the database figures could not be read", exc_info=True)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from families


def database_figures(session: Session) -> Iterable[Metric]:
    now = utcnow()
    depth = GaugeMetricFamily("ungehub_outbox_depth", "Items due and not yet sent, by outbox.", labels=["outbox"])
    oldest = GaugeMetricFamily(
        "ungehub_outbox_oldest_seconds", "How long the item due longest has waited, by outbox.", labels=["outbox"]
    )
    for outbox, (count, since) in outboxes(session, now).items():
        depth.add_metric([outbox], count)
        oldest.add_metric([outbox], max(0.0, (now - since).total_seconds()) if since else 0.0)
    yield depth
    yield oldest

    holder = GaugeMetricFamily(
        "ungehub_scheduler_lease_holder", "1 for the scheduler process holding the lease.", labels=["holder"]
    )
    left = GaugeMetricFamily(
        "ungehub_scheduler_lease_seconds_left", "Until the lease runs out; negative: no scheduler runs the jobs."
    )
    leader = scheduler_status.leader(session)
    if leader is not None:
        holder.add_metric([leader.holder], 1 if leader.holds(now) else 0)
        left.add_metric([], (leader.expires_at - now).total_seconds())
    yield holder
    yield left

    success = GaugeMetricFamily(
        "ungehub_scheduler_job_last_success_timestamp_seconds", "When each job last succeeded.", labels=["job"]
    )
    error = GaugeMetricFamily(
        "ungehub_scheduler_job_last_error_timestamp_seconds", "When each job last failed.", labels=["job"]
    )
    every = GaugeMetricFamily("ungehub_scheduler_job_interval_seconds", "How often each job runs.", labels=["job"])
    for job in scheduler_status.job_status(session):
        every.add_metric([job.name], job.every_seconds)
        if job.last_success_at:
            success.add_metric([job.name], job.last_success_at.timestamp())
        if job.last_error_at:
            error.add_metric([job.name], job.last_error_at.timestamp())
    yield from (success, error, every)


def outboxes(session: Session, now) -> dict[str, tuple[int, object]]:
    """Each outbox's count of items waiting (those being sent included) and the time the item due
    longest became due, as readiness reckons it (hub/core/health.py)."""
    due_notices = session.exec(
        select(func.count()).where(
            Notification.push_status == PushStatus.PENDING,
            or_(Notification.push_after.is_(None), Notification.push_after <= now),
        )
    ).one()
    unsent = PushDelivery.status.in_([DeliveryStatus.PENDING, DeliveryStatus.SENDING])
    deliveries = session.exec(select(func.count()).where(unsent, PushDelivery.next_attempt_at <= now)).one()
    push_since = [health.oldest_due_notification(session, now), health.oldest_due_push(session, now)]
    return {
        "push": (due_notices + deliveries, min((t for t in push_since if t is not None), default=None)),
        "mail": (mail_outbox.depth(session), health.oldest_due_mail(session, now)),
    }


def init_app(app: Flask) -> None:
    """Before hub.security wraps the app, so the address checked is the client's, not the proxy's."""
    app.wsgi_app = Observed(app.wsgi_app, app)
