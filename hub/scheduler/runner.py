"""The scheduler process: `flask --app hub scheduler`. Run one; a second one stands by.

Never start APScheduler inside the web app: it would run once per gunicorn worker.

The leader renews its lease every few seconds (hub/scheduler/lease.py). Killed with -9, it stops
renewing, and a stand-by takes the lease over within LEASE_SECONDS + HEARTBEAT_SECONDS: in the
same transaction it gives back the outbox rows the dead leader had claimed and not yet recorded,
and sweeps the outboxes at once. Each run of a job as the leader is written down in
`scheduler_job` (hub/scheduler/status.py), for monitoring.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.base import SchedulerNotRunningError
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask
from sqlmodel import Session

from hub.accounts import jobs as account_jobs
from hub.checkins import jobs as checkin_jobs
from hub.credits import jobs as credit_jobs
from hub.db import job_session
from hub.events import jobs as event_jobs
from hub.events import services as event_services
from hub.messages import jobs as message_jobs
from hub.notifications import jobs as notification_jobs
from hub.notifications import vapid
from hub.outbox import jobs as outbox_jobs
from hub.rights import jobs as rights_jobs
from hub.scheduler import lease, status
from hub.scheduler.claims import Claimer
from hub.support import jobs as support_jobs

log = logging.getLogger("hub.scheduler")

PUSH_SWEEP_SECONDS = int(os.environ.get("HUB_PUSH_SWEEP_SECONDS", 5))
MAIL_SWEEP_SECONDS = int(os.environ.get("HUB_MAIL_SWEEP_SECONDS", 5))
# How often "starts soon" reminders are looked for; tests that watch a takeover shorten it.
REMINDER_SWEEP_SECONDS = int(os.environ.get("HUB_REMINDER_SWEEP_SECONDS", 300))


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[..., object]
    every_seconds: int
    # An outbox sender: it is run with `claimer=` (its claims name this scheduler and need its
    # lease), and `give_back(session, holder)` frees a dead predecessor's claims at takeover.
    give_back: Callable[[Session, str], int] | None = None


# Every domain's scheduled work, each idempotent: running it twice does no harm.
JOBS = [
    Job("purge_old_logins", account_jobs.purge_old_logins, every_seconds=6 * 3600),
    Job("expire_offers", event_services.expire_offers, every_seconds=60),
    Job("record_no_shows", event_services.record_no_shows, every_seconds=3600),
    Job("apply_allotments", credit_jobs.apply_allotments, every_seconds=3600),
    Job("expire_klip", credit_jobs.expire_klip, every_seconds=900),
    Job("escalate_urgent_messages", message_jobs.escalate_urgent, every_seconds=60),
    Job("delete_closed_conversations", message_jobs.delete_closed_conversations, every_seconds=6 * 3600),
    Job("event_reminders", event_jobs.send_reminders, every_seconds=REMINDER_SWEEP_SECONDS),
    Job("checkin_reminders", checkin_jobs.remind_supporters, every_seconds=3600),
    Job("klip_expiry_warnings", credit_jobs.warn_expiring, every_seconds=3600),
    Job("resume_ended_pauses", support_jobs.resume_ended_pauses, every_seconds=3600),
    # Retention (hub/rights): old check-ins go; long-inactive young people are warned, then anonymised.
    Job("delete_old_checkins", rights_jobs.delete_old_checkins, every_seconds=6 * 3600),
    Job("anonymise_inactive", rights_jobs.anonymise_inactive, every_seconds=6 * 3600),
    # The outboxes: new pushes and mail, retries and catch-up after a restart, all from the rows.
    Job(
        "deliver_push",
        notification_jobs.deliver_push,
        every_seconds=PUSH_SWEEP_SECONDS,
        give_back=notification_jobs.give_back,
    ),
    Job("send_mail", outbox_jobs.send_mail, every_seconds=MAIL_SWEEP_SECONDS, give_back=outbox_jobs.give_back),
    Job("purge_sent_mail", outbox_jobs.purge_done, every_seconds=6 * 3600),
]


def make_holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def run(app: Flask, *, heartbeat: int = lease.HEARTBEAT_SECONDS, lease_seconds: int = lease.LEASE_SECONDS) -> None:
    holder = make_holder()
    stopping = threading.Event()
    claimer = Claimer(holder, leased=True, stop=stopping)
    # The lease has a thread of its own: jobs busy on every other thread never delay its renewal.
    executors = {"default": ThreadPoolExecutor(10), "lease": ThreadPoolExecutor(1)}
    scheduler = BlockingScheduler(timezone="UTC", executors=executors)
    state = {"leader": False}
    outboxes = [job for job in JOBS if job.give_back is not None]

    def renew() -> None:
        given_back: dict[str, int] = {}
        replaced: list[str] = []

        def take_over(previous: str) -> None:
            replaced.append(previous)
            for job in outboxes:
                given_back[job.name] = job.give_back(session, previous)

        with app.app_context(), job_session() as session:
            leader = lease.acquire(session, holder, seconds=lease_seconds, on_takeover=take_over)
        if leader != state["leader"]:
            log.warning("%s is now %s", holder, "the leader" if leader else "standing by")
            state["leader"] = leader
        if replaced:
            log.warning(
                "%s took over from %s; its unrecorded claims are due again: %s", holder, replaced[0], given_back
            )
            if scheduler.running:  # send them now, not at the next sweep
                for job in outboxes:
                    scheduler.modify_job(job.name, next_run_time=datetime.now(UTC))

    def guarded(job: Job) -> Callable[[], None]:
        def run_job() -> None:
            run_as_leader(app, job, claimer)

        return run_job

    scheduler.add_job(
        renew,
        IntervalTrigger(seconds=heartbeat),
        id="lease",
        executor="lease",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=heartbeat,
    )
    for job in JOBS:
        # Deliberately: runs missed while the process was down or busy collapse into one
        # (coalesce), and a run that is late by up to a whole interval still happens; APScheduler's
        # default grace of one second would silently drop it. The jobs themselves catch up from
        # the rows, so one late run does all the work that is still worth doing. Each job also
        # runs once at start: an interval trigger first fires a whole interval later, so an
        # hourly job would never run in a process restarted more often than that.
        scheduler.add_job(
            guarded(job),
            IntervalTrigger(seconds=job.every_seconds),
            id=job.name,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=job.every_seconds,
            next_run_time=datetime.now(UTC),
        )

    def stop(*_args) -> None:
        # The outbox sweeps claim nothing more and record what they sent; the lease is given
        # back only once they have, so a stand-by never sends those again.
        stopping.set()
        try:
            scheduler.shutdown(wait=True)
        except SchedulerNotRunningError:
            pass  # a second signal while stopping

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    renew()
    log.warning("scheduler %s started with %d jobs", holder, len(JOBS))
    if vapid.load(app) is None:
        log.warning("no VAPID key: notifications stay in the bell, nothing is pushed (run `flask --app hub vapid`)")
    try:
        scheduler.start()
    finally:
        with app.app_context(), job_session() as session:
            lease.release(session, holder)
        log.warning("scheduler %s stopped", holder)


def run_as_leader(app: Flask, job: Job, claimer: Claimer) -> None:
    """Run `job` if `claimer` holds the lease, writing its start and its success or error down."""
    with app.app_context():
        with job_session() as session:
            if not lease.holds(session, claimer.name):
                return
            status.started(session, job.name, job.every_seconds)
        try:
            with job_session() as session:
                result = job.run(session, claimer=claimer) if job.give_back else job.run(session)
        except Exception:
            _record_failure(job.name)
            raise  # APScheduler logs it
        with job_session() as session:
            status.succeeded(session, job.name)
    if result:  # quiet when there was nothing to do (the outbox sweeps run every few seconds)
        log.info("%s ran: %s", job.name, result)


def _record_failure(name: str) -> None:
    try:
        with job_session() as session:
            status.failed(session, name)
    except Exception as error:  # the database may be what failed: the job's own error matters more
        log.warning("could not record that %s failed: %s", name, type(error).__name__)
