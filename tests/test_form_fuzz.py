"""Every form, fuzzed: hostile bodies never get a 5xx, and a refused request changes nothing.

Every route that takes POST is found in `app.url_map` (`test_every_post_route_is_fuzzed`); its
path and who may use it come from the access matrix. Logged in as the person who gets furthest,
a probe asks the view which form fields (or JSON keys) it reads, and Hypothesis then sends bodies
built from those names: random and spiky text, strings over 100 KB, numbers where text goes and
text where numbers go, dates out of range, bytes that are not UTF-8, repeated, missing and extra
fields. With a valid CSRF token nothing may answer 5xx, and a 4xx must leave every table as it
was ("never a partial write"); a 2xx or 3xx did its write, which the next example builds on.
Without a valid token every route must answer 400 and change nothing.

`FORM_FUZZ_EXAMPLES=200` runs a deeper search locally; CI runs the same examples every time.
"""

from __future__ import annotations

import json
import os

import pytest
from hypothesis import HealthCheck, example, given, settings

from tests import fuzz_support as fuzz
from tests.test_access_matrix import ENDS_LOGIN as MATRIX_ENDS_LOGIN
from tests.test_access_matrix import MATRIX, people  # noqa: F401 (a fixture)

settings.register_profile(
    "form-fuzz",
    deadline=None,
    database=None,
    derandomize=bool(os.environ.get("CI")),  # CI: the same examples every run; locally: new ones
    suppress_health_check=list(HealthCheck),
    print_blob=True,
)
# Examples per route on each database. PostgreSQL's per-test world costs more (a TRUNCATE of every
# table), so it gets fewer to stay in the same time; most crashes show on both.
EXAMPLES = {"sqlite": 8, "postgresql": 3}
if os.environ.get("FORM_FUZZ_EXAMPLES"):
    EXAMPLES = dict.fromkeys(EXAMPLES, int(os.environ["FORM_FUZZ_EXAMPLES"]))

# Who gets furthest on a route: the first of these in its matrix set. The owner of the world's
# things before anyone else; people in the circle before those outside it.
PREFERRED = [
    "anonymous", "owner", "shared", "assigned_mentor", "young", "mentor", "support", "unshared", "staff", "admin",
    "partner",
]  # fmt: skip

# Routes whose matrix entry does not reach the form: a bad link on purpose, nobody's entry, or a
# person the matrix cannot name as a role. Paths may use the `objects` below.
OVERRIDES = {
    "accounts.set_password": ("/welcome/{invite_token}", "anonymous"),  # a real invitation
    "accounts.confirm_signup": ("/welcome/confirm/{confirm_token}", "anonymous"),  # a real sign-up to finish
    "staff_credits.set_allotment_active": ("/staff/klip/allotments/{allotment}/active", "staff"),  # one that is
    "second_factor.verify": ("/me/two-factor", "staff-at-gate"),  # the staff member asked for a code
    "second_factor.recover": ("/me/two-factor/recovery", "staff-at-gate"),
    "second_factor.app_confirm": ("/me/two-factor/app", "staff-without-app"),  # setting up the app
}

# These end the login they run on: log in again before each example, or the rest run anonymous.
ENDS_LOGIN = {"accounts.logout", *MATRIX_ENDS_LOGIN}

FORM_TYPES_FORM = "application/x-www-form-urlencoded"

# Bodies that once broke a route, kept so they stay fixed: endpoint: [(body, content type)].
# JSON nested 10 000 deep crashed the parser (RecursionError, a 500) on every JSON route.
TOO_DEEP = (b"[" * 10_000, "application/json")
FOUND: dict[str, list[tuple[bytes, str]]] = {
    # An id past 64 bits overflowed the database driver (a 500); "²" and 100 000 digits passed
    # isdigit() but not int().
    "staff_events.assign_companion": [
        (b"companion_user_id=9223372036854775808", "application/x-www-form-urlencoded"),
        ("companion_user_id=²".encode(), "application/x-www-form-urlencoded"),
        (b"companion_user_id=" + b"7" * 100_000, "application/x-www-form-urlencoded"),
    ],
    "staff_messages.assign": [(f"assignee={n}".encode(), FORM_TYPES_FORM) for n in ("²", "7" * 5000, 2**63)],
    "staff_messages.duty": [(f"hours={n}".encode(), FORM_TYPES_FORM) for n in ("²", "7" * 5000)],
    "staff_events.edit": [(b"host_id=2147483648", FORM_TYPES_FORM)],  # PostgreSQL: integer out of range
    "plans.suggest": [(b"goal_id=2147483648", FORM_TYPES_FORM)],  # PostgreSQL: integer out of range
    "staff_events.walk_in": [(f"user_id={2**63}".encode(), FORM_TYPES_FORM)],
    "messages.new": [(f"to={n}&topic=housing&body=Hej".encode(), FORM_TYPES_FORM) for n in ("²", "7" * 5000, 2**63)],
    "notifications.unsubscribe": [TOO_DEEP, (b"true", "application/json"), (b"[1]", "application/json")],
    "notifications.subscribe": [TOO_DEEP],
    "passkeys.register": [TOO_DEEP],
    "passkeys.verify": [TOO_DEEP],
    "passkeys.login": [TOO_DEEP],
}

# NUL in a field's name or value, and a lone surrogate in JSON, reached PostgreSQL, which refuses
# them (a 500; SQLite stored them). Now every request's text is cleaned before a view sees it.
NUL_AND_SURROGATES = {
    "credits.buy": (b"key=a%00b&voucher-1-%00=%01", FORM_TYPES_FORM),
    "messages.new": (b"to=hub&topic=housing&body=Hej%00%1b", FORM_TYPES_FORM),
    "notifications.unsubscribe": (b'{"endpoint": "\\u0000\\ud800", "\\u0000": "\\udfff"}', "application/json"),
}
for _endpoint, _body in NUL_AND_SURROGATES.items():
    FOUND.setdefault(_endpoint, []).append(_body)

# Columns a refused request may change, each with why. (Empty: every refusal rolls back all.)
IGNORED_COLUMNS: dict[str, set[str]] = {}


def who_for(endpoint: str) -> str | None:
    _method, _path, allowed = MATRIX[endpoint]
    return next((role for role in PREFERRED if role in allowed), None)


def post_routes(app) -> dict[str, tuple[str, str]]:
    """endpoint: (path, who) for every rule that accepts POST, from the matrix or OVERRIDES."""
    routes = {}
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods:
            continue
        if rule.endpoint in OVERRIDES:
            routes[rule.endpoint] = OVERRIDES[rule.endpoint]
        elif rule.endpoint in MATRIX and who_for(rule.endpoint):
            routes[rule.endpoint] = (MATRIX[rule.endpoint][1], who_for(rule.endpoint))
    return routes


def _all_post_endpoints() -> list[str]:
    """Every POST endpoint, read from a throwaway app (the parametrize list is made at import)."""
    import tempfile
    from pathlib import Path

    from hub import create_app
    from tests.conftest import app_config

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(app_config(f"sqlite:///{tmp}/routes.sqlite3", Path(tmp)))
        endpoints = sorted({rule.endpoint for rule in app.url_map.iter_rules() if "POST" in rule.methods})
        app.extensions["hub_engine"].dispose()
    return endpoints


ALL_POST = _all_post_endpoints()


def test_every_post_route_is_fuzzed(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in rule.methods}
    missing = endpoints - set(post_routes(app))
    assert not missing, f"give these POST routes a matrix entry (or an OVERRIDE) so the fuzz reaches them: {missing}"
    assert endpoints == set(ALL_POST)
    assert not set(OVERRIDES) - endpoints, "OVERRIDES names routes that no longer exist"


@pytest.fixture
def objects(app, make, people):  # noqa: F811 (the imported fixture)
    """The matrix's people and things, plus what OVERRIDES need; the owner takes part in the
    trial, so the pulse form takes answers."""
    from hub.accounts.models import User
    from hub.accounts.services import issue_invite, request_sign_up
    from hub.credits.models import Allotment
    from hub.db import job_session
    from hub.evaluation import services as evaluation

    invited = make.user(password=None, activated_at=None, consented=False)
    with app.app_context(), job_session() as session:
        invite_token = issue_invite(session, user=invited, actor=None)
        signed_up = request_sign_up(
            session, name="Ny Person", email="ny.person@example.org", password="et langt kodeord", locale="da"
        )
        staff, owner = session.get(User, people["staff"]), session.get(User, people["young"])
        evaluation.enrol(session, actor=staff, young=owner, cohort_year=evaluation.cohort_years()[0])
        allotment = Allotment(name="Hver måned", audience="all", amount=2)
        session.add(allotment)
        session.flush()
        return {**people, "invite_token": invite_token, "confirm_token": signed_up.token, "allotment": allotment.id}


@pytest.fixture
def log_in(app, make, auth, login_as):
    """Log the client in as `who`: a matrix role (one of the world's people, or a new person of
    that kind), or staff held at (or setting up) their second factor."""

    def log_in(who: str, objects: dict) -> None:
        if who == "anonymous":
            return
        if who in objects["logins"]:
            auth.login(objects["logins"][who])
        elif who == "staff-at-gate":
            auth.login(make.user(is_staff=True), second_factor=False)
        elif who == "staff-without-app":
            auth.login(make.user(is_staff=True, totp=False), second_factor=False)
        else:
            login_as(who)

    return log_in


class Fuzzer:
    """Sends one body to one route and checks the answer against the database."""

    def __init__(self, app, client, url: str):
        self.app, self.client, self.url = app, client, url
        self.engine = app.extensions["hub_engine"]
        self.sent = 0
        self.before = self.snapshot()

    def snapshot(self) -> dict:
        return fuzz.fingerprint(self.engine, IGNORED_COLUMNS)

    def send(self, body: bytes, content_type: str, *, csrf: bool = True, headers: dict | None = None):
        """POST, each from its own address so per-address rate limits never stand in the way."""
        self.sent += 1
        response = self.client.post(
            self.url,
            data=body,
            content_type=content_type,
            csrf=csrf,
            headers=headers or {},
            environ_base={"REMOTE_ADDR": f"10.{self.sent // 65536 % 256}.{self.sent // 256 % 256}.{self.sent % 256}"},
        )
        status = response.status_code
        assert status < 500, f"{status} from POST {self.url} with {body[:300]!r} ({content_type})"
        after = self.snapshot()
        if status >= 400:
            changed = fuzz.changed_tables(self.before, after)
            assert not changed, f"{status} from POST {self.url} yet {changed} changed; body {body[:300]!r}"
        self.before = after
        return response


def _fields(reads: fuzz.Reads) -> list[str]:
    # The CSRF token is the client's to send (valid, in a header); a bad one is tested apart.
    return sorted(name for name in reads.form if not name.endswith("csrf_token"))


def _reached(endpoint: str, response) -> bool:
    to_login = response.status_code in (302, 303) and response.headers["Location"].startswith("/login")
    if endpoint in ENDS_LOGIN:
        return response.status_code < 400
    return response.status_code not in (401, 403, 404, 405) and not to_login


@pytest.mark.parametrize("endpoint", ALL_POST)
def test_form_fuzz(endpoint, database, app, client, objects, log_in):
    path, who = post_routes(app)[endpoint]
    url = path.format(**objects)
    log_in(who, objects)
    fuzzer = Fuzzer(app, client, url)

    # Without a valid CSRF token: refused, whatever the body.
    for headers in ({}, {"X-CSRFToken": "not-a-token"}):
        response = fuzzer.send(b"csrf_token=forged&name=x", FORM_TYPES_FORM, csrf=False, headers=headers)
        assert response.status_code == 400, f"POST {url} without a valid CSRF token: {response.status_code}"

    # Ask the view what it reads: form fields, and JSON keys if it wants JSON.
    with fuzz.recording(app) as reads:
        probe = fuzzer.send(b"_fuzz_probe=1", FORM_TYPES_FORM)
        assert _reached(endpoint, probe), (
            f"{who} cannot use POST {url} ({probe.status_code}): the fuzz does not reach it"
        )
        if reads.json_asked:  # one level down too: keys read from the objects it finds
            fuzzer.send(b'{"_fuzz_probe": 1}', "application/json")
            nested = {key: {"_fuzz_probe": 1} for key in reads.json_keys - {"_fuzz_probe"}}
            fuzzer.send(json.dumps(nested).encode(), "application/json")
    fields, json_keys = _fields(reads), sorted(reads.json_keys - {"_fuzz_probe"})

    def one(request):
        if endpoint in ENDS_LOGIN:
            log_in(who, objects)
            fuzzer.before = fuzzer.snapshot()
        fuzzer.send(*request)

    for request in FOUND.get(endpoint, []):
        one = example(request=request)(one)
    strategy = fuzz.json_requests(json_keys) if reads.json_asked else fuzz.form_requests(fields)
    run = given(request=strategy)(one)
    settings(settings.get_profile("form-fuzz"), max_examples=EXAMPLES[database[0]])(run)()
