"""Every page that shows a young person's things to staff or a support person writes an audit
line, and the main staff actions that change them do too.

The world is the access matrix's: `{young}` with one of everything, and `{supporter}`, a
caseworker in their circle who may see it all.
"""

from __future__ import annotations

import pytest

from hub.accounts.models import Role
from hub.checkins.queries import local_today

# endpoint: (path, the area its audit line names). Staff open each of these.
READ_ROUTES = {
    "staff_support.person": ("/staff/support/people/{young}", "support"),
    "staff_credits.person": ("/staff/klip/people/{young}", "klip"),
    "checkins.young_person": ("/my-young-people/{young}", "plan"),
    "plans.shared": ("/young/{young}/plan", "plan"),
    "plans.shared_changes": ("/young/{young}/plan/changes", "plan"),
    "evaluation.person": ("/staff/evaluation/people/{young}", "evaluation"),
    "staff_messages.conversation": ("/staff/messages/{conversation}", "messages"),
    "staff_events.scan": ("/staff/events/scan/matrix-ticket", "bookings"),
    "staff_circle.nomination": ("/staff/support/nominations/{nomination}", "support"),
}

# GET routes with an id that staff or support people can open but that write no audit line, and why.
NOT_AUDITED = {
    # Nothing of a young person's behind the id.
    "accounts.set_password": "a single-use link",
    "accounts.confirm_signup": "a single-use link",
    "downloads.fetch": "a single-use link to a file the person themselves just asked for",
    "credits.offer": "a klip offer",
    "events.detail": "an event",
    "events.ics": "an event",
    "events.feed": "a calendar feed, by secret address",
    "proposals.detail": "an idea, public to everyone logged in",
    "staff_credits.edit_offer": "a klip offer",
    "staff_credits.edit_partner": "a partner",
    "staff_events.detail": "an event; its bookings are counted and named as on the door list",
    "staff_events.edit": "an event",
    "staff_events.cancel": "an event",
    "staff_events.attendance": "the door list of an event, not one person's things",
    "staff_events.find_walk_in": "a name search for the door list",
    "staff_messages.edit_canned": "a canned reply",
    "staff_messages.edit_crisis_line": "a crisis line",
    "staff_support.edit_option": "an option on the support menu",
    "staff_circle.supporter": "a support person's listing, not a young person's",
    "yousaid.edit": "a 'you said, we did' post",
    # The young person's own: only they get in (everyone else gets 404).
    "credits.voucher": "own",
    "credits.voucher_code": "own",
    "events.booking": "own",
    "plans.goal": "own",
    "plans.edit_goal": "own",
    "plans.delete_goal": "own",
    "plans.edit_step": "own",
    "support.circle_member": "own",
    "support.end_link": "own",
    "support.person": "a young person looking at a support person",
    # The reader is part of it.
    "messages.thread": "a conversation the reader is in (staff are sent to the audited staff page)",
    "messages.poll": "a conversation the reader is in",
    "messages.new_to_young": "a blank message to them",
    # Steps from an audited page.
    "checkins.new": "a blank check-in form, opened from the audited young person's page",
    "staff_messages.use_canned": "fills a reply in on the audited conversation page",
    "evaluation.record_status": "a blank status form, opened from the audited evaluation page",
    "rights.staff_request": "audited in its view while the request waits (it shows their name, e-mail and words)",
}

ADULTS = {Role.STAFF, Role.ADMIN, Role.SUPPORT, Role.MENTOR}


def test_every_page_with_someone_elses_things_is_audited_or_says_why(app):
    """A new GET route with an id that an adult may open must join READ_ROUTES (with an audit
    call in its view) or NOT_AUDITED with a reason."""
    found = set()
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or not rule.arguments or rule.endpoint == "static":
            continue
        roles = set(getattr(app.view_functions[rule.endpoint], "required_roles", ()) or ())
        if roles and not roles & ADULTS:
            continue  # young people (or partners) only
        found.add(rule.endpoint)
    unknown = found - set(READ_ROUTES) - set(NOT_AUDITED)
    assert not unknown, f"audit these pages, or say in NOT_AUDITED why not: {sorted(unknown)}"
    assert not (set(READ_ROUTES) | set(NOT_AUDITED)) - found, "names routes that are gone or not for adults"


@pytest.mark.parametrize("endpoint", sorted(READ_ROUTES))
def test_a_staff_read_writes_an_audit_line(endpoint, client, login_as, people, entries):
    path, area = READ_ROUTES[endpoint]
    staff = login_as("staff")
    response = client.get(path.format(**people))
    assert response.status_code == 200, response.status_code
    lines = entries(young_id=people["young"], actor_id=staff.id)
    assert (area, "read", "staff") in {(e.area, e.action, e.actor_kind) for e in lines}, endpoint
    assert client.get(path.format(**people)).status_code == 200
    assert len(entries(young_id=people["young"], actor_id=staff.id)) == len(lines)  # same visit: no new line


def test_staff_reading_the_young_person_page_log_each_area_shown_and_only_those(client, login_as, people, entries):
    staff = login_as("staff")
    client.get(f"/my-young-people/{people['young']}")
    areas = {e.area for e in entries(young_id=people["young"], actor_id=staff.id)}
    assert {"plan", "bookings", "klip"} <= areas
    assert "wellbeing" not in areas  # staff do not see the wellbeing check-ins, so they did not read them


@pytest.mark.parametrize(
    "path, areas",
    [
        ("/my-young-people/{young}", {"plan", "bookings", "wellbeing", "klip", "checkins"}),
        ("/young/{young}/plan", {"plan"}),
        ("/young/{young}/plan/changes", {"plan"}),
    ],
)
def test_a_support_person_reading_writes_an_audit_line(path, areas, client, login_id, people, entries):
    login_id(people["supporter"])
    assert client.get(path.format(**people)).status_code == 200
    lines = entries(young_id=people["young"], actor_id=people["supporter"])
    assert {e.area for e in lines} == areas
    assert {(e.action, e.actor_kind) for e in lines} == {("read", "caseworker")}


def test_someone_turned_away_leaves_no_line(client, auth, login_as, people, entries):
    login_as("mentor")  # not in the circle
    assert client.get(f"/young/{people['young']}/plan").status_code == 404
    auth.logout()
    login_as("young")
    assert client.get(f"/staff/klip/people/{people['young']}").status_code == 403
    assert entries() == []


# (endpoint, who, path, form, area, detail)
CHANGES = [
    ("staff.set_trial", "staff", "/staff/people/{young}/trial", {"enrol": "1"}, "profile", "account.trial_in"),
    ("staff.reset_link", "staff", "/staff/people/{young}/reset-link", {}, "profile", "account.reset_link"),
    ("staff.set_disabled", "admin", "/staff/people/{young}/disable", {"disable": "1"}, "profile", "account.closed"),
    (
        "staff_credits.grant",
        "staff",
        "/staff/klip/people/{young}/grant",
        {"grant-amount": "3", "grant-reason": "Til flytningen", "grant-key": "a" * 32},
        "klip",
        "klip.grant",
    ),
    (
        "staff_support.record_left",
        "staff",
        "/staff/support/people/{young}/left",
        {"reason": ""},
        "support",
        "support.left",
    ),
    (
        "staff_support.decline",
        "staff",
        "/staff/support/items/{item}/decline",
        {"reason": "Ikke lige nu"},
        "support",
        "support.decline",
    ),
    (
        "staff_circle.decline_nomination",
        "staff",
        "/staff/support/nominations/{nomination}/decline",
        {"reason": "Vi kunne ikke få fat i ham"},
        "support",
        "support.nominee_declined",
    ),
    ("staff_events.scan_check_in", "staff", "/staff/events/scan/matrix-ticket", {}, "bookings", "booking.check_in"),
    ("plans.comment", "staff", "/plan/goals/{goal}/comments", {"goal{goal}-text": "Flot!"}, "plan", "plan.comment"),
    (
        "plans.suggest",
        "supporter",
        "/young/{young}/plan/suggestions",
        {"area": "job", "text": "Fritidsjob"},
        "plan",
        "plan.suggest",
    ),
    (
        "checkins.new",
        "supporter",
        "/my-young-people/{young}/checkins/new",
        {"happened_on": "{today}", "way": "phone", "went": "good"},
        "checkins",
        "checkin.log",
    ),
]


@pytest.mark.parametrize("endpoint, who, path, form, area, detail", CHANGES, ids=[c[0] for c in CHANGES])
def test_a_change_writes_an_audit_line(
    endpoint, who, path, form, area, detail, app, client, login_as, login_id, people, entries
):
    actor = login_id(people["supporter"]) if who == "supporter" else login_as(who)
    with app.app_context():
        values = {**people, "today": local_today().isoformat()}
    data = {key.format(**values): value.format(**values) for key, value in form.items()}
    response = client.post(path.format(**values), data=data)
    assert response.status_code in (200, 303), (endpoint, response.status_code, response.get_data(as_text=True)[:300])
    changes = entries(young_id=people["young"], actor_id=actor.id, action="change")
    assert [(e.area, e.detail) for e in changes] == [(area, detail)]


def test_every_change_is_written_even_the_same_twice(client, login_as, people, entries):
    login_as("staff")
    for key in ("1" * 32, "2" * 32):  # two forms: two grants
        data = {"grant-amount": "1", "grant-reason": "Tak", "grant-key": key}
        assert client.post(f"/staff/klip/people/{people['young']}/grant", data=data).status_code == 303
    assert len(entries(young_id=people["young"], action="change")) == 2


def test_a_change_that_fails_writes_no_change_line(client, login_as, people, entries):
    login_as("staff")
    response = client.post(f"/staff/klip/people/{people['young']}/grant", data={"grant-amount": ""})
    assert response.status_code == 422
    assert entries(action="change") == []
