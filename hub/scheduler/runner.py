"""The scheduler process: `flask --app hub scheduler`. Run one; a second one stands by.

Never start APScheduler inside the web app: it would run once per gunicorn worker.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

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
from hub.rights import jobs as rights_jobs
from hub.scheduler import lease
from hub.support import jobs as support_jobs

log = logging.getLogger("hub.scheduler")

PUSH_SWEEP_SECONDS = int(os.environ.get("HUB_PUSH_SWEEP_SECONDS", 5))
# How often "starts soon" reminders are looked for; tests that watch a takeover shorten it.
REMINDER_SWEEP_SECONDS = int(os.environ.get("HUB_REMINDER_SWEEP_SECONDS", 300))


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[Session], object]
    every_seconds: int


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
    # The outbox: new pushes, retries and catch-up after a restart, all from the rows.
    Job("deliver_push", notification_jobs.deliver_push, every_seconds=PUSH_SWEEP_SECONDS),
]


def make_holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def run(app: Flask, *, heartbeat: int = 20, lease_seconds: int = 60) -> None:
    holder = make_holder()
    scheduler = BlockingScheduler(timezone="UTC")
    state = {"leader": False}

    def renew() -> None:
        with app.app_context(), job_session() as session:
            leader = lease.acquire(session, holder, seconds=lease_seconds)
        if leader != state["leader"]:
            log.warning("%s is now %s", holder, "the leader" if leader else "standing by")
            state["leader"] = leader

    def guarded(job: Job) -> Callable[[], None]:
        def run_job() -> None:
            with app.app_context(), job_session() as session:
                if not lease.holds(session, holder):
                    return
                result = job.run(session)
            if result:  # quiet when there was nothing to do (the push sweep runs every few seconds)
                log.info("%s ran: %s", job.name, result)

        return run_job

    scheduler.add_job(
        renew,
        IntervalTrigger(seconds=heartbeat),
        id="lease",
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
        scheduler.shutdown(wait=False)

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
