"""No token, reset link, e-mail address, name or message text reaches a log line.

The redaction functions and the logging filter on their own, then real flows (invitation and
reset links, the calendar feed, a wrong password, a message, a voucher code, a ticket scan, a
reset e-mail that cannot be sent) against the Procfile's own web line (and its scheduler line, which
sends the mail), whose every log line (stdout and stderr: access and error log, the app's own) is
then searched for what they handed out, in text lines and in JSON lines; and the request ids and
JSON lines on their own.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import re
import secrets
import subprocess
import time
from types import SimpleNamespace
from urllib.parse import quote, quote_plus

import pytest
import requests
from flask import current_app
from flask_login import current_user
from sqlmodel import select

from hub import ROOT, create_app, logs
from hub.credits import services as ledger
from hub.credits import vouchers
from hub.credits.models import Offer, Partner
from hub.events.models import Booking, BookingStatus
from hub.messages.models import CannedReply, Conversation
from tests.conftest import app_config, pass_second_step_over_http
from tests.events.helpers import make_event
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.scaleout.conftest import _control_socket_flag, free_port, procfile_command

# The shape of an invitation, reset or calendar token; fixed, so every pytest worker collects the
# same test names (xdist refuses a run whose workers disagree).
TOKEN = "JG6DcBvUGVAjCQNuxXpGNiLxSAF3axY4IEC9mnHrY1I"


# --- the redaction on its own -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "logged"),
    [
        (f"/welcome/{TOKEN}", "/welcome/[redacted]"),
        ("/welcome/short", "/welcome/[redacted]"),
        (f"/calendar/{TOKEN}.ics", "/calendar/[redacted].ics"),
        ("/staff/events/scan/Ab3dEf6hIj9kLm2nOp5q_w", "/staff/events/scan/[redacted]"),
        (f"/download/{TOKEN}", "/download/[redacted]"),
        ("/download/short", "/download/[redacted]"),
        ("/redeem?code=12-345678", "/redeem?code"),
        ("/staff/people?q=sara%40example.org&page=2", "/staff/people?q&page"),
        ("/login?next=/welcome/abc", "/login?next"),
        ("/staff/messages/4/canned/2?body=Hej+Sara", "/staff/messages/4/canned/2?body"),
        ("/sara@example.org", "/[redacted]"),
        ("/static/vendor/htmx-2.0.4.min.js?v=3f2a", "/static/vendor/htmx-2.0.4.min.js?v"),
        ("/staff/people/12/reset-second-factor", "/staff/people/12/reset-second-factor"),
        ("/calendar/reset", "/calendar/reset"),
    ],
)
def test_a_path_is_logged_without_its_secrets(raw, logged):
    assert logs.redact_path(raw) == logged


def test_text_loses_addresses_tokens_and_query_values_but_keeps_what_explains_it():
    text = (
        f"could not send mail to Sara <sara.n@example.org>: refused; "
        f"Error handling request /welcome/{TOKEN}?next=/me and /redeem?code=12-345678, "
        f"endpoint https://fcm.googleapis.com/fcm/send/{TOKEN} hex {secrets.token_hex(32)} "
        "file /download/shorttoken fetched"
    )
    clean = logs.redact_text(text)
    assert "example.org" not in clean and TOKEN not in clean and "12-345678" not in clean
    assert "/welcome/[redacted]?next" in clean and "/redeem?code" in clean
    assert "shorttoken" not in clean and "/download/[redacted] fetched" in clean
    assert "could not send mail" in clean and "SMTPRecipientsRefused" in logs.redact_text("SMTPRecipientsRefused")


def test_the_filter_cleans_every_record_its_arguments_and_its_traceback():
    records: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(self.format(record))

    handler = Keep()
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    handler.addFilter(logs.FILTER)
    logger = logging.getLogger("hub.test_log_privacy")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("mail to %s failed", "young.person@example.org")
        logger.info({"token": TOKEN})  # not even a non-string message gets through
        try:
            raise ValueError(f"no link /welcome/{TOKEN} for young.person@example.org")
        except ValueError:
            logger.exception("failed on %s", f"/calendar/{TOKEN}.ics")
    finally:
        logger.removeHandler(handler)
    written = "\n".join(records)
    assert "young.person@example.org" not in written and TOKEN not in written
    assert "mail to [email] failed" in written and "ValueError" in written and "/calendar/[redacted].ics" in written


def test_every_handler_the_apps_records_reach_has_the_filter(app):
    reached = [*app.logger.handlers, *logging.getLogger().handlers]
    assert reached, "Flask's default handler, or the root's, writes the app's log"
    assert all(logs.FILTER in handler.filters for handler in reached)


def test_an_unhandled_error_is_logged_with_the_route_not_the_path(app, client, caplog):
    def boom(name: str):
        raise RuntimeError("a bug")

    app.add_url_rule("/boom/<name>", "boom", boom)
    with caplog.at_level(logging.ERROR):
        assert client.get("/boom/Yasmin").status_code == 500
    assert "Unhandled error on GET /boom/<name>" in caplog.text and "Yasmin" not in caplog.text


def test_the_deployment_starts_gunicorn_with_the_private_log_settings():
    service = (ROOT / "deploy" / "ungehub-web.service").read_text()
    for command in (procfile_command("web"), service):
        assert "-c python:hub.gunicorn_conf" in command
        assert "--access-logfile" not in command and "access-logformat" not in command


# --- request ids and JSON lines ---------------------------------------------------------------------

NGINX_ID = "0123456789abcdef0123456789abcdef"  # the shape of nginx's $request_id


def test_each_request_gets_an_id_a_client_cannot_choose(client):
    first, second = client.get("/login"), client.get("/login", headers={"X-Request-ID": NGINX_ID})
    ids = [first.headers["X-Request-ID"], second.headers["X-Request-ID"]]
    assert all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids) and ids[0] != ids[1]
    assert NGINX_ID not in ids, "without a proxy in front the header is anyone's, so it is not taken"


@pytest.mark.parametrize(
    ("sent", "taken"),
    [
        (NGINX_ID, True),
        ("5f0c2a8e-8d2b-4c61-9f57-0b8f3c1d2e4a", True),
        ("short", False),
        ("x" * 65, False),
        ("sara@example.org", False),
        ("abc def ghi jkl", False),
    ],
)
def test_behind_the_proxy_its_request_id_is_taken_when_it_looks_like_one(db_url, tmp_path, sent, taken):
    app = create_app({**app_config(db_url, tmp_path), "PROXY_HOPS": 1})
    try:
        returned = app.test_client().get("/login", headers={"X-Request-ID": sent}).headers["X-Request-ID"]
    finally:
        app.extensions["hub_engine"].dispose()
    assert (returned == sent) is taken
    assert re.fullmatch(r"[A-Za-z0-9-]{8,64}", returned)


@pytest.fixture
def json_lines(app):
    """The app's records as the production handler writes them (hub.logs.configure): JSON lines."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.formatter("json"))
    handler.addFilter(logs.CONTEXT)
    handler.addFilter(logs.FILTER)
    app.logger.addHandler(handler)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        app.logger.removeHandler(handler)


def test_a_json_line_names_the_request_its_route_and_a_keyed_hash_of_the_user(app, client, login_as, json_lines):
    def note(number: int):
        current_user.get_id()  # the view has the user, as any page for a logged-in person does
        current_app.logger.warning("noted %s for %s", number, "yasmin.o@example.org")
        return "ok"

    app.add_url_rule("/note/<int:number>", "note", note)
    user = login_as("young")
    answer = client.get("/note/7")
    [line] = json_lines()
    assert line["message"] == "noted 7 for [email]" and line["level"] == "WARNING"
    assert line["request_id"] == answer.headers["X-Request-ID"] and line["route"] == "/note/<int:number>"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", line["time"]) and line["pid"] > 0
    # The user id under HMAC with the app's secret key: not the id, not a plain hash anyone can make.
    assert line["user"] == logs.user_hash(user.id, app.config["SECRET_KEY"])
    assert line["user"] != logs.user_hash(user.id, "another key")
    assert line["user"] not in {str(user.id), hashlib.sha256(str(user.id).encode()).hexdigest()[:16]}
    assert str(user.id) not in {str(v) for k, v in line.items() if k != "pid"}


def test_a_json_line_keeps_the_traceback_and_the_extras_redacted(app, json_lines):
    with app.test_request_context("/welcome/" + TOKEN):
        try:
            raise ValueError(f"no link /welcome/{TOKEN} for young.person@example.org")
        except ValueError:
            app.logger.exception("failed", extra={"address": "young.person@example.org", "status": 500})
    [line] = json_lines()
    written = json.dumps(line)
    assert TOKEN not in written and "young.person@example.org" not in written
    assert "ValueError" in line["exc_info"] and line["address"] == "[email]" and line["status"] == 500
    assert line["route"] == "/welcome/<token>"  # the rule, never the path with its token


# --- real flows against the deployment's web server ---------------------------------------------

LOG_WAIT_SECONDS = 30  # how long to wait for the scheduler's mail line (a wait, not a timing check)


@pytest.fixture(params=["text", "json"])
def web(app, tmp_path, request):
    """The Procfile's web line on this test's database, writing text lines (development's) or JSON
    lines (production's); mail goes to a port nobody listens on."""
    port, nobody = free_port(), free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("HUB_")}
    env.update(
        HUB_DATABASE_URL=app.config["DATABASE_URL"],
        HUB_SECRET_KEY=app.config["SECRET_KEY"],  # authenticator secrets are sealed with it
        HUB_ARGON2_TIME_COST="1",
        HUB_ARGON2_MEMORY_COST="1024",
        HUB_MAIL_SERVER="127.0.0.1",
        HUB_MAIL_PORT=str(nobody),
        HUB_MAIL_STARTTLS="0",
        HUB_LOG_FORMAT=request.param,
        WEB_CONCURRENCY="2",
        BIND=f"127.0.0.1:{port}",
        PYTHONUNBUFFERED="1",
    )
    log_path = tmp_path / "web.log"
    extra = " ".join(["--graceful-timeout", "2", *_control_socket_flag()])
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            ["/bin/sh", "-c", f"exec {procfile_command('web')} {extra}"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            requests.get(base + "/healthz", timeout=1)
            break
        except requests.RequestException:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                pytest.fail(f"the web server did not start:\n{log_path.read_text()}", pytrace=False)
            time.sleep(0.2)
    yield SimpleNamespace(url=base, log=log_path, process=process, env=env)
    if process.poll() is None:
        process.terminate()
        process.wait(15)


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def post_form(http: requests.Session, url: str, page_url: str | None = None, **fields) -> requests.Response:
    """Fetch the form's page for its CSRF token, then send it, as a browser does."""
    page = http.get(page_url or url, timeout=30)
    return http.post(url, data={"csrf_token": csrf_of(page.text), **fields}, allow_redirects=False, timeout=30)


def spellings(secret: str) -> set[str]:
    """How a secret can appear in a log line: as typed, or encoded in an address."""
    return {form.lower() for form in (secret, quote(secret, safe=""), quote_plus(secret))}


def log_in(app, base: str, email: str, password: str = DEFAULT_PASSWORD) -> requests.Session:
    http = requests.Session()
    answer = post_form(http, base + "/login", email=email, password=password)
    assert answer.status_code == 303, answer.status_code
    pass_second_step_over_http(app, http, base, email)
    return http


def start_scheduler(env: dict, log_path) -> subprocess.Popen:
    """The Procfile's scheduler line beside the web server: it sends the outbox's mail."""
    with log_path.open("wb") as log:
        return subprocess.Popen(
            ["/bin/sh", "-c", f"exec {procfile_command('scheduler')}"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def test_the_web_servers_log_holds_no_token_address_name_or_message(app, world, web, tmp_path):
    message_text = "Min udlejer har smidt mig ud og jeg sover hos en ven"
    draft_text = "Kære Yasmin, vi ringer i morgen"
    with world() as s:
        young = make_user(s, is_young=True, name="Yasmin Østergaard", email="yasmin.o@example.org")
        staff = make_user(s, is_staff=True, name="Kirsten Holmgaard", email="kirsten.h@example.org")
        shop = Partner(name="Bloc Aarhus")
        s.add(shop)
        s.flush()
        offer = Offer(title="Klatring", category="sport", price_klip=1, partner_id=shop.id)
        s.add(offer)
        s.flush()
        ledger.grant(s, user_id=young.id, amount=5, reason="Velkomst", actor_id=None)
        voucher = vouchers.buy(s, actor=young, offer_id=offer.id, key="tap")
        voucher_code = vouchers.current_code(voucher).code  # good for a minute; looked up below either way
        ticket = secrets.token_urlsafe(16)
        event = make_event(s)
        s.add(Booking(event_id=event.id, user_id=young.id, status=BookingStatus.CONFIRMED, ticket_code=ticket))
        canned = CannedReply(title="Vi ringer", body="Hej {name}, vi ringer dig op.")
        s.add(canned)
        s.flush()
        canned_id, young_id, young_email, staff_email = canned.id, young.id, young.email, staff.email
    handed_out = {"Yasmin Østergaard", young_email, "Kirsten Holmgaard", staff_email, message_text, draft_text}
    handed_out |= {voucher_code, ticket}
    base = web.url

    # A wrong password, then the right one; the staff member with the second step.
    stranger = requests.Session()
    refused = post_form(stranger, base + "/login", email=young_email, password="wrong-password-9931")
    assert refused.status_code == 422
    handed_out.add("wrong-password-9931")
    as_young, as_staff = log_in(app, base, young_email), log_in(app, base, staff_email)

    # An invitation: its link is opened and a password chosen.
    invited = post_form(
        as_staff, base + "/staff/people/invite", name="Ingrid Inviteesen", email="ingrid.i@example.org", role="young"
    )
    invitation = re.search(r"/welcome/([A-Za-z0-9_-]+)", invited.text).group(1)
    handed_out |= {"Ingrid Inviteesen", "ingrid.i@example.org", invitation}
    newcomer = requests.Session()
    newcomer.headers["Referer"] = f"{base}/welcome/{invitation}"  # as a browser sends it from that page
    chosen = post_form(
        newcomer, f"{base}/welcome/{invitation}", password="a new password 4471", confirm="a new password 4471"
    )
    assert chosen.status_code == 303, chosen.status_code
    handed_out.add("a new password 4471")

    # A reset link made by staff, opened by the young person; the staff search by e-mail.
    page = as_staff.get(f"{base}/staff/people", timeout=30)
    reset = as_staff.post(
        f"{base}/staff/people/{young_id}/reset-link", data={"csrf_token": csrf_of(page.text)}, timeout=30
    )
    reset_token = re.search(r"/welcome/([A-Za-z0-9_-]+)", reset.text).group(1)
    handed_out.add(reset_token)
    assert requests.get(f"{base}/welcome/{reset_token}", timeout=30).status_code == 200
    assert as_staff.get(f"{base}/staff/people", params={"q": young_email}, timeout=30).status_code == 200

    # The private calendar feed, as a phone's calendar fetches it.
    made = post_form(as_young, base + "/calendar/reset", base + "/calendar")
    feed_token = re.search(r"/calendar/([A-Za-z0-9_-]+)\.ics", made.text).group(1)
    handed_out.add(feed_token)
    assert requests.get(f"{base}/calendar/{feed_token}.ics", timeout=30).status_code == 200

    # A message to the hub, and the staff's draft answer carried in a canned reply's address.
    form = as_young.get(base + "/messages/new", timeout=30).text
    client_key = re.search(r'name="client_key"[^>]*value="([^"]+)"', form).group(1)
    sent = as_young.post(
        base + "/messages/new",
        data={
            "csrf_token": csrf_of(form),
            "topic": "housing",
            "to": "hub",
            "body": message_text,
            "client_key": client_key,
        },
        allow_redirects=False,
        timeout=30,
    )
    assert sent.status_code == 303, sent.status_code
    with world() as s:
        conversation_id = s.exec(select(Conversation.id).where(Conversation.young_id == young_id)).one()
    canned_page = as_staff.get(
        f"{base}/staff/messages/{conversation_id}/canned/{canned_id}", params={"body": draft_text}, timeout=30
    )
    assert canned_page.status_code == 200

    # A voucher code and a ticket looked up at the door.
    assert as_staff.get(base + "/redeem", params={"code": voucher_code}, timeout=30).status_code in (200, 422)
    assert as_staff.get(f"{base}/staff/events/scan/{ticket}", timeout=30).status_code == 200

    # A forgotten password: the e-mail cannot be sent, and the scheduler logs that failure.
    assert post_form(requests.Session(), base + "/password/forgot", email=young_email).status_code == 200
    scheduler_log = tmp_path / "scheduler.log"
    scheduler = start_scheduler(web.env, scheduler_log)
    deadline = time.monotonic() + LOG_WAIT_SECONDS
    while "could not send mail" not in scheduler_log.read_text(errors="replace") and time.monotonic() < deadline:
        time.sleep(0.2)
    for process in (scheduler, web.process):
        process.terminate()
        process.wait(15)
    written = web.log.read_text(errors="replace") + scheduler_log.read_text(errors="replace")

    assert "could not send mail" in written, "the failed e-mail is logged (without its recipient)"
    assert "GET /welcome/" in written and "/calendar/" in written, "the access log is on, as in production"
    handed_out |= {name.split()[0] for name in ("Yasmin Østergaard", "Kirsten Holmgaard", "Ingrid Inviteesen")}
    leaks = sorted(secret for secret in handed_out if any(form in written.lower() for form in spellings(secret)))
    assert not leaks, f"the log holds {leaks}:\n{written}"
    if web.env["HUB_LOG_FORMAT"] == "json":
        lines = [json.loads(line) for line in written.splitlines()]  # every line, gunicorn's own too
        access = [line for line in lines if line["logger"] == "gunicorn.access"]
        # Every request the app served is filed under its id and route (health probes are answered
        # before the app, hub/core/health.py, and have neither).
        served = [line for line in access if line["path"] not in ("/healthz", "/livez", "/readyz")]
        fields = {"method", "path", "status", "duration_s", "request_id", "route"}
        assert served and all(fields <= set(line) for line in served)
        assert not [line for line in access if "?" in line["path"] or "client" in line or "agent" in line]
        # The logged-in young person's requests carry the keyed hash of their id, never the id.
        hashed = logs.user_hash(young_id, app.config["SECRET_KEY"])
        assert any(line.get("user") == hashed and line["route"] == "/calendar/reset" for line in access)
        assert all(line.get("user") != str(young_id) for line in lines)


def test_sqlalchemy_errors_keep_their_parameters_out_of_the_message(app):
    engine = app.extensions["hub_engine"]
    assert engine.dialect is not None and engine.hide_parameters
