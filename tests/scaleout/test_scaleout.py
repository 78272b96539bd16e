"""Scaled out as the README's production section deploys it: two app servers (gunicorn, two
workers each), each behind its nginx with deploy/nginx.conf, and two schedulers (one leads, one
stands by) on one PostgreSQL database, with Redis for rate limits. Every client goes through
nginx over https.

Young people book a small event, spend klip and write to the staff through both servers at
once, each of them on both servers at the same moment. Between two rounds of this the leading
scheduler is killed (kill -9, so it never gives its lease back) and the stand-by takes over.
Afterwards: no event has more seats taken than it has and the waitlist is in the order people
came; no klip was spent twice or below zero; every "starts soon" reminder reached the right
phone exactly once, also those that came due after the kill; every message was stored once and
reached the staff; and failed logins counted on one server hold on the other.

And the deployment can be run and watched: nginx serves the static files itself with caching,
compresses text, sends http to https (but lets health checks through), refuses bodies larger than
the app takes, and logs without tokens, under request ids that the app's JSON lines carry too;
/metrics on each server adds up what both its workers counted.

Needs PostgreSQL, Redis and nginx (see conftest.py): skipped without them, failed under CI.
"""

from __future__ import annotations

import json
import re
import ssl
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from http.client import HTTPSConnection
from pathlib import Path
from urllib.parse import quote

import requests
from prometheus_client.parser import text_string_to_metric_families
from py_vapid import Vapid02
from sqlmodel import func, select

from hub import ROOT, create_app
from hub.credits import services as ledger
from hub.credits.models import EntryKind, KlipEntry, Offer, OfferCategory, Voucher
from hub.db import job_session, utcnow
from hub.events import services as event_services
from hub.events.models import Booking, BookingStatus
from hub.messages.models import Conversation, Message
from hub.notifications import vapid
from hub.notifications.models import Notification, NotificationPreference, PushStatus, PushSubscription
from hub.scheduler.models import SchedulerLease
from tests.conftest import app_config, pass_second_step_over_http
from tests.events.helpers import make_event
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.push_endpoint import PushEndpoint
from tests.scaleout.conftest import HEARTBEAT, LEASE, REDIS_URL, SECRET_KEY, SWEEPS

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
CAPACITY, RACERS = 5, 16  # the small event everyone races for
LATE = 6  # book another event right after the kill: their reminders come due then
SPENDERS, KLIP, PRICE = 6, 5, 2  # each can afford KLIP // PRICE vouchers, no more
KEYS_PER_ROUND = 2  # per spender and round: buys with their own key, each sent to both servers
WRITERS = 6  # each writes one message per round, sent to both servers at once (a retry)
WAIT = 40  # seconds at most for what the schedulers do; a loaded machine is slow, not wrong


@dataclass
class Person:
    email: str
    user_id: int
    token: str = ""  # subscription token of their phone
    http: dict[str, requests.Session] = field(default_factory=dict)  # one login, used on each server
    csrf: str = ""


@dataclass
class World:
    staff: Person
    racers: list[Person]
    late: list[Person]
    spenders: list[Person]
    writers: list[Person]
    guessed: Person  # whose password is guessed at, half on each server
    race_id: int = 0
    late_id: int = 0
    offer_id: int = 0

    @property
    def young(self) -> list[Person]:
        return [*self.racers, *self.late, *self.spenders, *self.writers]


# --- the world -----------------------------------------------------------------------------------


def build_world(app, service: PushEndpoint) -> World:
    """Young people with a phone each, no quiet hours (the test must not depend on the time of
    day), klip for the race and the shop; a staff member with a phone; two events starting within
    the two hours in which "starts soon" reminders are due, open for booking until they start."""
    with app.app_context(), job_session() as s:

        def person(**fields) -> Person:
            user = make_user(s, **fields)
            sub = service.subscription(user.email)
            s.add(PushSubscription(user_id=user.id, endpoint=sub["endpoint"], **sub["keys"]))
            s.add(NotificationPreference(user_id=user.id, quiet_hours=False))
            return Person(email=user.email, user_id=user.id, token=sub["endpoint"].rsplit("/", 1)[1])

        world = World(
            staff=person(is_staff=True),
            racers=[person(is_young=True) for _ in range(RACERS)],
            late=[person(is_young=True) for _ in range(LATE)],
            spenders=[person(is_young=True) for _ in range(SPENDERS)],
            writers=[person(is_young=True) for _ in range(WRITERS)],
            guessed=Person(email=make_user(s, is_young=True).email, user_id=0),
        )
        soon = utcnow() + timedelta(minutes=60)
        race = make_event(s, title="Klatring", starts_at=soon, capacity=CAPACITY, price_klip=1, cutoff_hours=0)
        world.race_id = race.id
        world.late_id = make_event(s, title="Madklub", starts_at=soon, capacity=LATE + 10, cutoff_hours=0).id
        world.offer_id = _offer(s).id
        for racer in world.racers:
            ledger.grant(s, user_id=racer.user_id, amount=1, reason="Velkommen", actor_id=None)
        for spender in world.spenders:
            ledger.grant(s, user_id=spender.user_id, amount=KLIP, reason="Velkommen", actor_id=None)
    return world


def _offer(s) -> Offer:
    offer = Offer(title="Biograftur", category=OfferCategory.CULTURE, price_klip=PRICE)
    s.add(offer)
    s.flush()
    return offer


# --- over HTTP -------------------------------------------------------------------------------------


def fresh_session(base: str, ca: Path) -> requests.Session:
    """A browser's session with one server (through its nginx): it trusts the test's certificate
    and names the page it comes from, as a browser does (over https the CSRF check asks for a
    same-site Referer). A new connection per request: one closed by the server just as a request
    is sent on it says nothing about the app."""
    session = requests.Session()
    session.trust_env = False  # or REQUESTS_CA_BUNDLE would stand in for `verify`
    session.verify = str(ca)
    session.headers.update({"Connection": "close", "Referer": base + "/"})
    return session


def log_in(app, servers: list[str], person: Person, via: int, ca: Path) -> None:
    """Log in on one server; the same login (its cookie) is then used on every server, as behind
    a load balancer. The CSRF token is read once, so it is the same on both."""
    base = servers[via]
    first = fresh_session(base, ca)
    token = CSRF.search(first.get(base + "/login", timeout=30).text).group(1)
    answer = first.post(
        base + "/login",
        data={"csrf_token": token, "email": person.email, "password": DEFAULT_PASSWORD},
        allow_redirects=False,
        timeout=30,
    )
    assert answer.status_code == 303, (person.email, answer.status_code)
    pass_second_step_over_http(app, first, base, person.email)
    person.csrf = CSRF.search(first.get(base + "/me", timeout=30).text).group(1)
    for url in servers:
        session = first if url == base else fresh_session(url, ca)
        session.cookies.update(first.cookies)
        person.http[url] = session


def book(person: Person, base: str, event_id: int) -> int:
    return (
        person.http[base]
        .post(f"{base}/events/{event_id}/book", data={"csrf_token": person.csrf}, allow_redirects=False, timeout=60)
        .status_code
    )


def buy(person: Person, base: str, offer_id: int, key: str) -> tuple[str, int, str]:
    answer = person.http[base].post(
        f"{base}/klip/offers/{offer_id}/buy",
        data={"csrf_token": person.csrf, "key": key},
        allow_redirects=False,
        timeout=60,
    )
    return key, answer.status_code, answer.headers.get("Location", "")


def write(person: Person, base: str, body: str, client_key: str) -> int:
    return (
        person.http[base]
        .post(
            f"{base}/messages/new",
            data={"csrf_token": person.csrf, "topic": "other", "to": "hub", "body": body, "client_key": client_key},
            allow_redirects=False,
            timeout=60,
        )
        .status_code
    )


def failed_login(base: str, ca: Path, email: str, password: str = "not the password") -> int:
    http = fresh_session(base, ca)
    token = CSRF.search(http.get(base + "/login", timeout=30).text).group(1)
    data = {"csrf_token": token, "email": email, "password": password}
    return http.post(base + "/login", data=data, allow_redirects=False, timeout=30).status_code


@dataclass
class Round:
    """One burst of traffic: every request of a person goes to both servers at the same moment."""

    bookings: list[int] = field(default_factory=list)
    buys: list[tuple[str, int, str]] = field(default_factory=list)
    writes: list[int] = field(default_factory=list)
    messages: dict[str, str] = field(default_factory=dict)  # client key -> body


def drive(pool: ThreadPoolExecutor, servers: list[str], world: World, bookers: list[Person], event_id: int, name: str):
    done = Round()
    jobs = []
    for person in bookers:
        jobs += [("book", pool.submit(book, person, base, event_id)) for base in servers]
    for number, person in enumerate(world.spenders):
        for key in (f"{name}-{number}-{k}" for k in range(KEYS_PER_ROUND)):
            jobs += [("buy", pool.submit(buy, person, base, world.offer_id, key)) for base in servers]
    for number, person in enumerate(world.writers):
        key, body = f"{name}-message-{number}-{'x' * 16}", f"Hej, det er {name} besked nummer {number}."
        done.messages[key] = body
        jobs += [("write", pool.submit(write, person, base, body, key)) for base in servers]
    for kind, job in jobs:
        {"book": done.bookings, "buy": done.buys, "write": done.writes}[kind].append(job.result())
    return done


# --- what the database and the phones say ------------------------------------------------------------


def lease_holder(app) -> str | None:
    with app.app_context(), job_session() as s:
        row = s.exec(select(SchedulerLease)).first()
        return row.holder if row and row.expires_at > utcnow() else None


def wait_until(predicate, seconds: float = WAIT, step: float = 0.2):
    deadline = time.monotonic() + seconds
    while not (value := predicate()):
        if time.monotonic() > deadline:
            return value
        time.sleep(step)
    return value


def pushes_settled(app, world: World) -> bool:
    """Every confirmed booking has its reminder, every conversation its notice to the staff, and
    nothing is waiting to be pushed or half sent."""
    with app.app_context(), job_session() as s:
        confirmed = s.exec(select(func.count()).where(Booking.status == BookingStatus.CONFIRMED)).one()
        reminders = s.exec(select(func.count()).where(Notification.kind == "event_reminder")).one()
        conversations = s.exec(select(func.count()).select_from(Conversation)).one()
        notices = s.exec(select(func.count()).where(Notification.user_id == world.staff.user_id)).one()
        open_ = s.exec(
            select(func.count()).where(Notification.push_status.in_([PushStatus.PENDING, PushStatus.SENDING]))
        ).one()
    return confirmed == reminders and conversations == notices and open_ == 0


def expected_pushes(app, world: World) -> Counter:
    """(notification id, phone) once for every notification: every person here has one phone."""
    phones = {p.user_id: p.token for p in (world.staff, *world.young)}
    with app.app_context(), job_session() as s:
        return Counter((n.id, phones[n.user_id]) for n in s.exec(select(Notification)))


def arrived(service: PushEndpoint) -> Counter:
    return Counter((push.payload["id"], push.token) for push in service.received)


# --- the test --------------------------------------------------------------------------------------


def test_two_servers_and_two_schedulers_keep_every_promise(cluster, tmp_path):
    # The test's own app (to build the world and look at it) is configured like the servers.
    settings = {"RATELIMIT_STORAGE_URI": REDIS_URL, "SECRET_KEY": SECRET_KEY}
    app = create_app({**app_config(cluster.db_url, tmp_path), **settings})
    key = vapid.public_key(Vapid02.from_pem(app.config["VAPID_PRIVATE_PEM"]))
    servers, ca = cluster.public, cluster.certificate  # through nginx, over https
    with PushEndpoint(expected_public_key=key) as service, ThreadPoolExecutor(24) as pool:
        world = build_world(app, service)
        everyone = [world.staff, *world.young]
        list(pool.map(lambda pair: log_in(app, servers, pair[1], pair[0] % 2, ca), enumerate(everyone)))
        leader = wait_until(lambda: lease_holder(app))
        assert leader, cluster.logs()

        before = drive(pool, servers, world, world.racers, world.race_id, "before")
        assert wait_until(lambda: pushes_settled(app, world)), cluster.logs()
        leader = lease_holder(app)
        leader_pid = int(leader.split(":")[1])
        standby_pid = next(pid for pid in cluster.schedulers if pid != leader_pid)
        # Mid-run: it dies holding the lease, with the second round of traffic still to come. Its
        # outbox is empty at this moment on purpose: pushes it had claimed and not yet sent would be
        # given back only after CLAIM_FOR (five minutes, hub/notifications/jobs.py), by design.
        cluster.kill(leader_pid)
        killed_at = utcnow()

        after = drive(pool, servers, world, world.late, world.late_id, "after")
        new_leader = wait_until(lambda: (holder := lease_holder(app)) != leader and holder, LEASE + HEARTBEAT + 30)
        assert new_leader and int(new_leader.split(":")[1]) == standby_pid, cluster.logs()
        assert wait_until(lambda: pushes_settled(app, world)), cluster.logs()
        time.sleep(3 * SWEEPS)  # a few more sweeps: nothing more may arrive

        expected = expected_pushes(app, world)
        assert arrived(service) == expected, cluster.logs()
        assert service.rejected == []
        assert cluster.schedulers[standby_pid].poll() is None

        limited = shared_login_limit(servers, ca, world.guessed.email)

    for burst in (before, after):
        assert all(status < 500 for status in burst.bookings + burst.writes), burst
        assert all(status < 500 for _key, status, _to in burst.buys), burst.buys
    check_bookings(app, world)
    check_klip(app, world, before.buys + after.buys)
    check_reminders(app, world, service, killed_at)
    check_messages(app, world, service, {**before.messages, **after.messages})
    assert limited == ([422] * 5, [429, 429]), limited
    check_proxies(cluster)
    check_logs(cluster)
    check_metrics(cluster, new_leader)
    app.extensions["hub_engine"].dispose()


def shared_login_limit(servers: list[str], ca: Path, email: str) -> tuple[list[int], list[int]]:
    """Five wrong passwords, alternately on each server (so neither sees five itself); then both
    refuse, even the right password: the count is shared in Redis."""
    tries = [failed_login(servers[n % 2], ca, email) for n in range(5)]
    blocked = [failed_login(servers[1], ca, email), failed_login(servers[0], ca, email, DEFAULT_PASSWORD)]
    return tries, blocked


def check_bookings(app, world: World) -> None:
    """One booking per person, however many servers they asked; never more seats than there are;
    and nobody waits who came before the last seat went."""
    with app.app_context(), job_session() as s:
        race = s.exec(select(Booking).where(Booking.event_id == world.race_id)).all()
        late = s.exec(select(Booking).where(Booking.event_id == world.late_id)).all()
        assert sorted(b.user_id for b in race) == sorted(p.user_id for p in world.racers)
        assert sorted(b.user_id for b in late) == sorted(p.user_id for p in world.late)
        assert {b.status for b in late} == {BookingStatus.CONFIRMED}
        seated = [b for b in race if b.status == BookingStatus.CONFIRMED]
        waiting = [b for b in race if b.status == BookingStatus.WAITLISTED]
        assert len(seated) == CAPACITY and len(waiting) == RACERS - CAPACITY
        assert max(b.confirmed_at for b in seated) <= min(b.waitlisted_at for b in waiting)
        in_line = sorted(waiting, key=lambda b: (b.waitlisted_at, b.id))
        assert [event_services.waitlist_position(s, b) for b in in_line] == list(range(1, len(waiting) + 1))
        # The seat is paid for once, with the klip each racer had; a place in line costs nothing.
        paid = Counter(e.booking_id for e in s.exec(select(KlipEntry).where(KlipEntry.kind == EntryKind.SPEND)))
        assert {b.id: paid[b.id] for b in race} == {b.id: int(b in seated) for b in race}
        assert {b.klip_paid for b in seated} == {1} and {b.klip_paid for b in waiting} == {0}


def check_klip(app, world: World, buys: list[tuple[str, int, str]]) -> None:
    """Every balance is the sum of its entries and never below zero; each spender got exactly
    what their klip could buy; each voucher was paid once; a key resent to the other server got
    the very voucher the first request bought."""
    with app.app_context(), job_session() as s:
        for person in world.young:
            entries = ledger.entries_of(s, person.user_id)
            assert ledger.balance(s, person.user_id) == sum(e.amount for e in entries) >= 0
            assert ledger.ledger_of(s, person.user_id).balance() == sum(e.amount for e in entries)
        vouchers = s.exec(select(Voucher)).all()
        per_person = Counter(v.user_id for v in vouchers)
        assert per_person == {p.user_id: KLIP // PRICE for p in world.spenders}
        payments = Counter(e.voucher_id for e in s.exec(select(KlipEntry).where(KlipEntry.voucher_id.is_not(None))))
        assert payments == {v.id: 1 for v in vouchers}
        for person in world.spenders:
            assert ledger.balance(s, person.user_id) == KLIP % PRICE
    bought = [(key, to) for key, status, to in buys if status == 303]
    assert len({to for _key, to in bought}) == len(vouchers)
    by_key: dict[str, set[str]] = {}
    for key, to in bought:
        by_key.setdefault(key, set()).add(to)
    assert all(len(places) == 1 for places in by_key.values()), by_key
    assert {status for _key, status, _to in buys} <= {303, 409}


def check_reminders(app, world: World, service: PushEndpoint, killed_at) -> None:
    """Each confirmed booking's "starts soon" reminder reached its owner's phone once; those for
    bookings made after the kill were made by the scheduler that took over."""
    phones = {p.user_id: p.token for p in world.young}
    with app.app_context(), job_session() as s:
        seated = s.exec(select(Booking).where(Booking.status == BookingStatus.CONFIRMED)).all()
        reminders = s.exec(select(Notification).where(Notification.kind == "event_reminder")).all()
        after_kill = [n for n in reminders if n.created_at > killed_at]
    got = Counter(
        (push.payload["url"], push.token)
        for push in service.received
        if push.payload["id"] in {n.id for n in reminders}
    )
    assert got == Counter((f"/bookings/{b.id}", phones[b.user_id]) for b in seated)
    late_urls = {f"/bookings/{b.id}" for b in seated if b.event_id == world.late_id}
    assert {n.url for n in after_kill} >= late_urls and len(late_urls) == LATE


def check_messages(app, world: World, service: PushEndpoint, sent: dict[str, str]) -> None:
    """Each message, though sent to both servers, is stored once, in a conversation of its own
    that the staff's phone heard of once and the staff can open on either server."""
    with app.app_context(), job_session() as s:
        stored = s.exec(select(Message)).all()
        conversations = s.exec(select(Conversation)).all()
    assert sorted((m.client_key, m.body) for m in stored) == sorted(sent.items())
    assert len(conversations) == len(sent)
    staff = world.staff
    heard = Counter(push.payload["url"] for push in service.received if push.token == staff.token)
    assert heard == Counter(f"/staff/messages/{c.id}" for c in conversations)
    for number, message in enumerate(stored):
        base = list(staff.http)[number % 2]
        page = staff.http[base].get(f"{base}/staff/messages/{message.conversation_id}", timeout=30)
        assert page.status_code == 200 and message.body in page.text


# --- nginx in front, the logs and the metrics ------------------------------------------------------

TOKEN = "JG6DcBvUGVAjCQNuxXpGNiLxSAF3axY4IEC9mnHrY1I"  # the shape of an invitation or calendar token
CODE = "Ab3dEf6hIj9kLm2nOp5q_w"  # a ticket's code
EMAIL = "sara.secret@example.org"
LIMIT = 2 * 1024 * 1024  # the app's HUB_MAX_CONTENT_LENGTH, and deploy/nginx.conf's client_max_body_size


def check_proxies(cluster) -> None:
    """deploy/nginx.conf at work in front of the first server."""
    proxy = cluster.proxies[0]
    browser = fresh_session(proxy.url, cluster.certificate)

    # Pages come from the app (it names the request), compressed.
    login = browser.get(proxy.url + "/login", timeout=30)
    assert login.status_code == 200 and login.headers["Content-Encoding"] == "gzip"
    assert re.fullmatch(r"[0-9a-f]{32}", login.headers["X-Request-ID"])
    # Static files come from disk: a versioned URL (as the pages name them) for a year, compressed;
    # an unversioned one and the service worker and manifest (the app's) are checked every time.
    css = re.search(r"/static/css/app\.css\?v=[0-9a-f]+", login.text).group(0)
    versioned = browser.get(proxy.url + css, timeout=30)
    assert versioned.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert versioned.headers["Content-Encoding"] == "gzip" and "X-Request-ID" not in versioned.headers
    assert versioned.content == (ROOT / "static" / "css" / "app.css").read_bytes()
    assert browser.get(proxy.url + "/static/css/app.css", timeout=30).headers["Cache-Control"] == "no-cache"
    for path in ("/sw.js", "/manifest.webmanifest"):
        answer = browser.get(proxy.url + path, timeout=30)
        assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-cache", path
        assert "X-Request-ID" in answer.headers, f"{path} is the app's, made per request"

    # Plain http goes to https, except the health checks a load balancer makes.
    plain = requests.get(proxy.http_url + "/events?category=sport", allow_redirects=False, timeout=30)
    assert plain.status_code == 301 and plain.headers["Location"] == proxy.url + "/events?category=sport"
    assert requests.get(proxy.http_url + "/healthz", allow_redirects=False, timeout=30).status_code == 200
    for path in ("/livez", "/readyz"):
        assert requests.get(proxy.http_url + path, allow_redirects=False, timeout=30).status_code != 301, path

    def health_lines() -> list[dict]:
        lines = [json.loads(line) for line in proxy.access_lines()]
        return [line for line in lines if line["scheme"] == "http" and line["path"] in ("/livez", "/readyz")]

    # nginx writes a request's line once the answer has gone: the client can be a moment ahead.
    checked = wait_until(lambda: len(health_lines()) == 2 and health_lines(), 10) or health_lines()
    assert len(checked) == 2 and all(line["upstream"] for line in checked), "the app answered them"

    # A body larger than the app takes is refused by nginx; one just under it is passed on (the app
    # refuses a POST there without reading it, so what nginx then answers is not the point).
    octets = {"Content-Type": "application/octet-stream"}
    refused = browser.post(proxy.url + "/events", data=b"x" * (LIMIT + 1), headers=octets, timeout=30)
    assert refused.status_code == 413 and "X-Request-ID" not in refused.headers
    taken = browser.post(proxy.url + "/events", data=b"x" * (LIMIT - 4096), headers=octets, timeout=30)
    assert taken.status_code != 413

    def posted_here() -> list[tuple[int, bool]]:  # nginx writes a line once it has closed the connection
        lines = [json.loads(line) for line in proxy.access_lines()]
        return [
            (line["status"], bool(line["upstream"]))
            for line in lines
            if line["path"] == "/events" and line["method"] == "POST"
        ]

    posted = wait_until(lambda: len(posted_here()) == 2 and posted_here(), 10)
    assert posted and posted[0] == (413, False) and posted[1][1], posted_here()

    # Tokens in paths and values in queries, and an address where a path segment would be.
    for path in (
        f"/welcome/{TOKEN}",
        f"/download/{TOKEN}",
        f"/calendar/{TOKEN}.ics",
        f"/staff/events/scan/{CODE}",
        f"/staff/people?q={quote(EMAIL)}",
        f"/login?next=/welcome/{TOKEN}",
        f"/{EMAIL}",
    ):
        browser.get(proxy.url + path, allow_redirects=False, timeout=30)

    # Only loopback addresses may ask nginx for /metrics: 127.0.0.2 is this machine, yet not allowed.
    context = ssl.create_default_context(cafile=str(cluster.certificate))
    connection = HTTPSConnection(
        "127.0.0.1", proxy.https_port, source_address=("127.0.0.2", 0), context=context, timeout=30
    )
    try:
        connection.request("GET", "/metrics")
        assert connection.getresponse().status == 403
    finally:
        connection.close()


def json_lines(path: Path) -> list[dict]:
    """Every line of a log as the JSON object it must be."""
    lines = [json.loads(line) for line in path.read_text(errors="replace").splitlines() if line.strip()]
    assert lines and all(isinstance(line, dict) for line in lines), path
    return lines


def ids_not_in_app(cluster, number: int) -> tuple[set[str], set[str]]:
    """The ids of the requests nginx `number` passed on, and those of them no app line carries."""
    passed_on = {line["request_id"] for line in json_lines(cluster.proxies[number - 1].access_log) if line["upstream"]}
    app_lines = json_lines(cluster.folder / f"web{number}.log")
    return passed_on, passed_on - {line["request_id"] for line in app_lines if "request_id" in line}


def check_logs(cluster) -> None:
    """One JSON object per line from every process; nothing secret in nginx's or the app's lines;
    and each request nginx passed on is found under the same id in the app server's lines."""
    for number in (1, 2):
        json_lines(cluster.folder / f"scheduler{number}.log")
    secrets = {TOKEN, CODE, EMAIL, quote(EMAIL), quote(EMAIL, safe="")}
    for number, proxy in enumerate(cluster.proxies, 1):
        # gunicorn writes its line just after the answer has gone, maybe after nginx wrote its own.
        wait_until(lambda n=number: not ids_not_in_app(cluster, n)[1], 10)
        passed_on, missing = ids_not_in_app(cluster, number)
        assert passed_on and not missing, sorted(missing)[:5]
        nginx_lines = json_lines(proxy.access_log)
        assert {line["upstream"] for line in nginx_lines if line["upstream"]} == {
            cluster.servers[number - 1].removeprefix("http://")
        }
        written = proxy.access_log.read_text() + (cluster.folder / f"web{number}.log").read_text()
        assert not [secret for secret in secrets if secret in written]
    first = json_lines(cluster.proxies[0].access_log)
    paths = {line["path"] for line in first}
    assert {"/welcome/[redacted]", "/download/[redacted]", "/calendar/[redacted].ics"} <= paths
    assert "/staff/events/scan/[redacted]" in paths and "[redacted]" in paths
    assert {line["query"] for line in first} == {"", "[redacted]"}
    assert all(re.fullmatch(r"\d+\.\d+\.\d+\.0", line["client"]) for line in first), "the address is cut"


def scrape(url: str, ca: Path) -> dict[tuple[str, tuple], float]:
    answer = requests.get(url + "/metrics", verify=str(ca), timeout=30)
    assert answer.status_code == 200, answer.status_code
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(answer.text)
        for sample in family.samples
    }


def served_and_counted(cluster, number: int) -> tuple[list[dict], float]:
    """Server `number`'s access lines of requests the app served, and the requests its /metrics counted."""
    counted = sum(
        value
        for (name, _labels), value in scrape(cluster.public[number - 1], cluster.certificate).items()
        if name == "ungehub_http_request_duration_seconds_count"
    )
    served = [
        line
        for line in json_lines(cluster.folder / f"web{number}.log")
        # Scrapes are not counted, nor health probes: those are answered before the app (hub/core/health.py).
        if line["logger"] == "gunicorn.access" and line["path"] not in ("/metrics", "/healthz", "/livez", "/readyz")
    ]
    return served, counted


def check_metrics(cluster, leader: str) -> None:
    """/metrics through each server's nginx: every request its two workers served is counted once
    (they add up in the multiprocess folder), and the database's figures are there."""
    for number in (1, 2):
        # An access line is written just after its answer has gone: wait for the last ones.
        wait_until(lambda n=number: (pair := served_and_counted(cluster, n))[1] == len(pair[0]), 10)
        served, counted = served_and_counted(cluster, number)
        assert counted == len(served) > 100, (counted, len(served))
        assert len({line["pid"] for line in served}) == 2, "both workers served requests"
    samples = scrape(cluster.proxies[1].url, cluster.certificate)
    assert samples[("ungehub_scheduler_lease_holder", (("holder", leader),))] == 1
    assert samples[("ungehub_outbox_depth", (("outbox", "push"),))] == 0
    assert samples[("ungehub_metrics_database_up", ())] == 1
    # The app, not only nginx, refuses an address outside HUB_METRICS_ALLOW (the proxy's client's).
    direct = requests.get(cluster.servers[0] + "/metrics", headers={"X-Forwarded-For": "203.0.113.9"}, timeout=30)
    assert direct.status_code == 404
