"""Numbers from query strings and forms are read one bounded way: an id past 32 bits, a page
number of 10^20, "²" or "1e5" is a 4xx the person can read, never a 500 (PostgreSQL refuses to
compare an integer column with a number past 32 bits; SQLite's driver refuses one past 64)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from hub.core.forms import optional_id, whole_number
from hub.db import MAX_ID, utcnow
from tests.test_access_matrix import people  # noqa: F401 (a fixture)

# Past 64 bits, below zero, a digit that is not 0-9, a float, and past int()'s 4300 digits.
BAD = ["99999999999999999999", "-1", "²", "1e5", "7" * 5000]


def test_one_parser_reads_ids_within_32_bits_and_nothing_else():
    assert [optional_id(v) for v in ("", None, "7", " 12 ", MAX_ID, str(MAX_ID))] == [None, None, 7, 12, MAX_ID, MAX_ID]
    assert {optional_id(v) for v in [*BAD, "0", str(MAX_ID + 1), "٣", "1_0", "+3", 2**40, "abc"]} == {-1}
    assert whole_number("250", maximum=500) == 250 and whole_number("0", maximum=500) == 0
    signed = [whole_number(v, minimum=-5, maximum=5) for v in ("-5", "+2", " -1 ", "-6", "--1")]
    assert signed == [-5, 2, -1, None, None]
    assert {whole_number(v, maximum=500) for v in [*BAD, "501", "", None, "٣"]} == {None}


def _event_form(**fields) -> dict:
    start = (utcnow() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    end = (utcnow() + timedelta(days=3, hours=2)).strftime("%Y-%m-%dT%H:%M")
    return {
        "title": "Madklub", "category": "workshop", "description": "Vi laver mad.", "starts_at": start,
        "ends_at": end, "place": "Køkkenet", "address": "", "accessibility": "", "host_id": "", "host_name": "",
        "capacity": "12", "cutoff_hours": "2", "price_klip": "0", "visibility": "open", "repeat_weeks": "0", **fields,
    }  # fmt: skip


OFFER = {"title": "Svømning", "category": "sport", "kind": "leisure", "partner_id": "", "price_klip": "3",
         "description": "Morgensvømning.", "link": "", "icon": "star"}  # fmt: skip
LINE = {"name": "Natteravnene", "phone": "+45 70 20 12 01", "description": "Nogen at tale med", "position": "3"}
TOPIC_NORMS = {f"topic_{t}-norm": "24" for t in ("housing", "money", "school", "health", "other")}

# name: (who, method, path, query string name or None, form fields, form field name or None).
# Paths name the access matrix's world ({event}, {young}, ...); a callable makes fields fresh.
QUERY = "args"
CASES = {
    "new event, a copy of": ("staff", "GET", "/staff/events/new", "duplicate", {}, None),
    "new event, from an idea": ("staff", "GET", "/staff/events/new", "proposal", {}, None),
    "ticket, for an event": ("staff", "GET", "/staff/events/scan/matrix-ticket", "event", {}, None),
    "ticket check-in, for an event": ("staff", "POST", "/staff/events/scan/matrix-ticket", "event", {}, None),
    "partner invite, for a partner": ("staff", "GET", "/staff/klip/partners/invite", "partner", {}, None),
    "audit, a young person": ("admin", "GET", "/admin/audit", "young_id", {}, None),
    "audit, a page": ("admin", "GET", "/admin/audit", "page", {}, None),
    "audit export, a page": ("admin", "GET", "/admin/audit.csv", "page", {}, None),
    "support, the link before": ("owner", "GET", "/support", "before", {}, None),
    "new event, the idea it came from": ("staff", "POST", "/staff/events/new", None, _event_form, "proposal_id"),
    "new event, places": ("staff", "POST", "/staff/events/new", None, _event_form, "capacity"),
    "new event, closes hours before": ("staff", "POST", "/staff/events/new", None, _event_form, "cutoff_hours"),
    "new event, price": ("staff", "POST", "/staff/events/new", None, _event_form, "price_klip"),
    "new event, repeats": ("staff", "POST", "/staff/events/new", None, _event_form, "repeat_weeks"),
    "new event, host": ("staff", "POST", "/staff/events/new", None, _event_form, "host_id"),
    "edit event, places": ("staff", "POST", "/staff/events/{event}/edit", None, _event_form, "capacity"),
    "walk-in, a person": ("staff", "POST", "/staff/events/{event}/walk-in", None, {}, "user_id"),
    "anonymous walk-ins, up or down": ("staff", "POST", "/staff/events/{event}/anonymous-walk-ins", None, {}, "delta"),
    "companion": ("staff", "POST", "/staff/events/bookings/{booking}/companion", None, {}, "companion_user_id"),
    "plan suggestion, a goal": ("shared", "POST", "/young/{young}/plan/suggestions", None, {"text": "Hej"}, "goal_id"),
    "message, to": ("owner", "POST", "/messages/new", None, {"topic": "housing", "body": "Hej"}, "to"),
    "conversation, given to": ("staff", "POST", "/staff/messages/{conversation}/assign", None, {}, "assignee"),
    "on duty, hours": ("staff", "POST", "/staff/messages/duty", None, {}, "hours"),
    "topics, answer within": ("staff", "POST", "/staff/messages/settings", None, TOPIC_NORMS, "topic_money-norm"),
    "topics, handled by": ("staff", "POST", "/staff/messages/settings", None, TOPIC_NORMS, "topic_money-staff"),
    "crisis line, order": ("staff", "POST", "/staff/messages/crisis-lines/new", None, LINE, "position"),
    "klip grant, amount": ("staff", "POST", "/staff/klip/people/{young}/grant", None, {"grant-reason": "x"},
                           "grant-amount"),
    "klip correction, amount": ("staff", "POST", "/staff/klip/people/{young}/correct", None,
                                {"correct-reason": "x"}, "correct-amount"),
    "voucher given back": ("staff", "POST", "/staff/klip/people/{young}/give-back", None, {"back-reason": "x"},
                           "back-voucher_id"),
    "klip to many, amount": ("staff", "POST", "/staff/klip/grant", None,
                             {"recipients": "all", "reason": "x", "confirmed": "1"}, "amount"),
    "klip to many, people": ("staff", "POST", "/staff/klip/grant", None,
                             {"recipients": "chosen", "amount": "1", "reason": "x"}, "people"),
    "monthly klip, amount": ("staff", "POST", "/staff/klip/allotments", None, {"name": "M", "audience": "all"},
                             "amount"),
    "monthly klip, days": ("staff", "POST", "/staff/klip/allotments", None,
                           {"name": "M", "audience": "all", "amount": "2"}, "expires_after_days"),
    "offer, price": ("staff", "POST", "/staff/klip/offers/new", None, OFFER, "price_klip"),
    "offer, partner": ("staff", "POST", "/staff/klip/offers/new", None, OFFER, "partner_id"),
    "partner login, partner": ("staff", "POST", "/staff/klip/partners/invite", None,
                               {"name": "Pia", "email": "pia@example.org"}, "partner_id"),
    "you said, the idea": ("staff", "POST", "/you-said/new", None,
                           {"title": "T", "you_said": "Y", "we_did": "W"}, "proposal_id"),
    "support switched on, agreed with": ("staff", "POST", "/staff/support/items/{item}/activate", None,
                                         {"level": "1"}, "agreed_with"),
    "support switched on, level": ("staff", "POST", "/staff/support/items/{item}/activate", None, {}, "level"),
}  # fmt: skip


@pytest.fixture
def log_in(auth, login_as, people):  # noqa: F811 (the imported fixture)
    def log_in(who: str) -> None:
        if who in people["logins"]:
            auth.login(people["logins"][who])
        else:
            login_as(who)

    return log_in


@pytest.mark.parametrize("who", sorted({who for who, *_ in CASES.values()}))
def test_a_number_that_is_no_id_or_count_is_never_a_500(who, client, people, log_in):  # noqa: F811
    """One login per role walks that role's cases (a world per case would cost a database each)."""
    log_in(who)
    for case in sorted(name for name, (role, *_) in CASES.items() if role == who):
        _, method, path, arg, fields, field = CASES[case]
        url = path.format(**people)
        for value in BAD:
            data = fields() if callable(fields) else dict(fields)
            if field:
                data[field] = value
            response = client.open(url, method=method, query_string={arg: value} if arg else None, data=data)
            assert response.status_code < 500, f"{case}: {value[:30]!r} gave {response.status_code}"
            assert response.status_code in (200, 303, 400, 403, 404, 409, 422), (case, value[:30], response.status_code)


def test_no_view_reads_a_number_with_int_itself():
    """Query strings and forms are read through `hub.core.forms` (`arg_id`, `optional_id`,
    `whole_number`, `WholeNumberField`): `type=int` or a bare IntegerField lets 10^20 through."""
    hub = Path(__file__).resolve().parents[2] / "hub"
    found = [
        f"{path.relative_to(hub)}:{number}"
        for path in hub.rglob("*.py")
        if path.name != "forms.py" or path.parent.name != "core"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if "type=int" in line or "IntegerField(" in line
    ]
    assert not found, f"read these numbers with hub.core.forms: {found}"


def test_a_number_too_big_for_the_database_is_said_beside_its_field(client, login_as):
    login_as("staff")
    response = client.post("/staff/messages/crisis-lines/new", data={**LINE, "position": "99999999999999999999"})
    assert response.status_code == 422
    assert "Det tal er for stort." in response.get_data(as_text=True)
