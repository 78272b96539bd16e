"""Every route × every kind of person: who gets in, and what everyone else gets.

A route missing from MATRIX fails `test_every_route_is_in_the_matrix`, so each feature adds
its routes here. Each route is asked once by each of these people, all in `{young}`'s world:

- `anonymous`: nobody logged in.
- `owner`: `{young}` (young person A, in the support trial), who owns every object the paths name.
- `young`: another young person (B, in the trial too), who owns nothing here.
- `mentor`: a volunteer mentor who is not in `{young}`'s circle.
- `assigned_mentor`: a volunteer mentor in `{young}`'s circle (a mentor is assigned to a young
  person by a circle link, with the sharing a mentor gets on joining: plan and bookings).
- `shared`: `{supporter}`, a caseworker in `{young}`'s circle who may see everything and write.
- `unshared`: a caseworker in `{young}`'s circle who may see nothing and may not write.
- `support`: a caseworker outside the circle.
- `staff`, `admin`: the hub's staff (past the second step).
- `partner`: a login of `{partner}`, the place that takes `{offer}`'s vouchers.

Paths may name `{young}`, `{other_young}`, `{staff}` (people), `{event}` (an open event),
`{booking}` (a booking of `{young}` on it), `{proposal}` (an idea of `{young}`), `{partner}`,
`{offer}` (a klip offer of that partner) or `{voucher}` (bought by `{young}`), `{supporter}` and
`{link}` (its circle membership), `{nomination}` (someone `{young}` nominated), `{option}` (a
support option) and `{item}` (`{young}` asked for it), `{goal}`, `{step}` and `{suggestion}` (in
`{young}`'s plan), `{checkin}` (the supporter's check-in with `{young}`), `{wellbeing}` (a
wellbeing check-in of `{young}`), `{young_login}` (a login of `{young}`), `{passkey}` (a passkey
of `{young}`), `{sparring}` (a mentor's request), `{conversation}` (`{young}` writing to the hub
staff), `{supporter_conversation}` (`{young}` writing to `{supporter}`), `{canned}` (a canned
reply), `{crisis_line}` and `{device}` (a phone of `{young}` that gets pushes), all made for the
test. Rows that destroy something of `{young}`'s (cancel, delete, remove) get their own spare
object (`{spare_booking}`, `{spare_goal}`, `{spare_passkey}`, `{spare_device}`), so the owner's
later rows still find theirs; logging out comes last.

What a person may use follows what the product promises, not what the code happens to do: a
young person sees only their own things; someone in the circle sees only what `{young}` shared
with them; a mentor or caseworker outside the circle sees nothing of `{young}`'s; a partner
sees the redeem pages and their own account. Allowed means not 401/403/404 and not sent to log
in. Everyone else gets 403 or 404, and 404 for an OWNER row (as if it did not exist); the
anonymous visitor is sent to log in. At the end: no 500s, and no 200 for anyone not allowed.
"""

from __future__ import annotations

import pytest

ROLES = [
    "owner",
    "young",
    "mentor",
    "assigned_mentor",
    "shared",
    "unshared",
    "support",
    "staff",
    "admin",
    "partner",
]
ANYONE = {"anonymous", *ROLES}
LOGGED_IN = set(ROLES)
STAFF = {"staff", "admin"}
YOUNG = {"owner", "young"}  # any young person, each on their own things
OWNER = frozenset({"owner"})  # `{young}`'s own: all others 404, as if it did not exist
MENTORS = {"mentor", "assigned_mentor"}
SUPPORT_PEOPLE = {"support", "shared", "unshared"}  # support people, in the circle or not
CIRCLE = {"assigned_mentor", "shared", "unshared"}  # in `{young}`'s circle, whatever is shared
SEES_PLAN = {"assigned_mentor", "shared"}  # in the circle, with the plan shared
MAY_MESSAGE = {"assigned_mentor", "shared"}  # in the circle, allowed to write to `{young}`
ADULTS = MENTORS | SUPPORT_PEOPLE | STAFF

# endpoint: (method, path, who may use it)
MATRIX = {
    "core.home": ("GET", "/", ANYONE),
    "core.service_worker": ("GET", "/sw.js", ANYONE),
    "core.manifest": ("GET", "/manifest.webmanifest", ANYONE),
    "core.offline": ("GET", "/offline", ANYONE),
    "core.privacy": ("GET", "/privacy", ANYONE),
    "core.accessibility": ("GET", "/accessibility", ANYONE),
    "core.was": ("GET", "/was", ANYONE),  # 301 to the statement, for everyone
    "core.set_language": ("POST", "/language", ANYONE),
    "downloads.fetch": ("GET", "/download/not-a-real-token", set()),  # 404 for all: no such file waiting
    "accounts.login": ("GET", "/login", ANYONE),
    "accounts.signup": ("GET", "/signup", ANYONE),
    "accounts.set_password": ("GET", "/welcome/not-a-real-token", set()),  # 404 for all: bad link
    "accounts.signup_sent": ("GET", "/signup/sent", ANYONE),
    "accounts.confirm_signup": ("GET", "/welcome/confirm/not-a-real-token", set()),  # 404 for all: bad link
    "accounts.forgot_password": ("GET", "/password/forgot", ANYONE),
    "accounts.privacy_accept": ("GET", "/privacy/accept", LOGGED_IN),
    "accounts.me": ("GET", "/me", LOGGED_IN),
    "accounts.edit_profile": ("GET", "/me/profile", LOGGED_IN),
    "accounts.change_password": ("GET", "/me/password", LOGGED_IN),
    # --- second factor (H4; the gate itself: tests/accounts/test_second_factor.py) ---
    "second_factor.index": ("GET", "/me/two-factor", LOGGED_IN),
    "second_factor.verify": ("POST", "/me/two-factor", LOGGED_IN),  # 422 here: no code
    "second_factor.recover": ("POST", "/me/two-factor/recovery", LOGGED_IN),  # 422 here: no code
    # {young} has passkeys: changing a second factor needs one proved in this login first (403)
    "second_factor.app_setup": ("GET", "/me/two-factor/app", LOGGED_IN - OWNER),
    "second_factor.app_confirm": ("POST", "/me/two-factor/app", LOGGED_IN - OWNER),  # 422 here: no code
    "second_factor.new_codes": ("POST", "/me/two-factor/recovery-codes", STAFF),  # others: no factor proved
    "second_factor.reset": ("POST", "/staff/people/{staff}/reset-second-factor", {"admin"}),
    "staff.people": ("GET", "/staff/people", STAFF),
    "staff.invite": ("GET", "/staff/people/invite", STAFF),
    "staff.reset_link": ("POST", "/staff/people/{young}/reset-link", STAFF),
    "staff.set_trial": ("POST", "/staff/people/{young}/trial", STAFF),
    "staff.set_disabled": ("POST", "/staff/people/{other_young}/disable", {"admin"}),
    # --- audit log (admins) ---
    "audit.search": ("GET", "/admin/audit?area=klip", {"admin"}),
    "audit.export": ("GET", "/admin/audit.csv?young_id={young}", {"admin"}),
    # --- events (young people) ---
    "events.index": ("GET", "/events", LOGGED_IN - {"partner"}),
    "events.detail": ("GET", "/events/{event}", LOGGED_IN - {"partner"}),
    "events.ics": ("GET", "/events/{event}/calendar.ics", LOGGED_IN - {"partner"}),
    "events.book": ("POST", "/events/{event}/book", YOUNG),  # the owner: already booked, says so
    "events.booking": ("GET", "/bookings/{booking}", OWNER),  # the ticket; the circle sees bookings elsewhere
    "events.cancel": ("POST", "/bookings/{spare_booking}/cancel", OWNER),
    "events.accept": ("POST", "/bookings/{booking}/accept", OWNER),  # 409 for the owner: nothing offered
    "events.decline": ("POST", "/bookings/{booking}/decline", OWNER),  # 409 for the owner: nothing offered
    "events.mine": ("GET", "/my/bookings", YOUNG),
    "events.calendar_settings": ("GET", "/calendar", YOUNG),
    "events.calendar_reset": ("POST", "/calendar/reset", YOUNG),
    "events.feed": ("GET", "/calendar/not-a-real-token.ics", set()),  # 404 for all: bad address
    # --- events (staff) ---
    "staff_events.index": ("GET", "/staff/events", STAFF),
    "staff_events.new": ("GET", "/staff/events/new", STAFF),
    "staff_events.detail": ("GET", "/staff/events/{event}", STAFF),
    "staff_events.edit": ("GET", "/staff/events/{event}/edit", STAFF),
    "staff_events.cancel": ("GET", "/staff/events/{event}/cancel", STAFF),
    "staff_events.attendance": ("GET", "/staff/events/{event}/attendance", STAFF),
    "staff_events.find_walk_in": ("GET", "/staff/events/{event}/walk-in/search?q=pe", STAFF),
    "staff_events.check_in": ("POST", "/staff/events/bookings/{booking}/check-in", STAFF),
    "staff_events.undo_check_in": ("POST", "/staff/events/bookings/{booking}/undo-check-in", STAFF),
    "staff_events.walk_in": ("POST", "/staff/events/{event}/walk-in", STAFF),  # 422 here: nobody chosen
    "staff_events.anonymous_walk_ins": ("POST", "/staff/events/{event}/anonymous-walk-ins", STAFF),  # 422: no +/-
    "staff_events.assign_companion": ("POST", "/staff/events/bookings/{booking}/companion", STAFF),  # none: clears
    "staff_events.scan": ("GET", "/staff/events/scan/matrix-ticket", STAFF),  # the booking's ticket code
    "staff_events.scan_check_in": ("POST", "/staff/events/scan/matrix-ticket", STAFF),
    "staff_events.statistics": ("GET", "/staff/events/stats", STAFF),
    "staff_events.export": ("GET", "/staff/events/export.csv", STAFF),
    # --- proposals ---
    "proposals.index": ("GET", "/ideas", YOUNG | STAFF),
    "proposals.new": ("GET", "/ideas/new", YOUNG),
    "proposals.detail": ("GET", "/ideas/{proposal}", YOUNG | STAFF),
    "proposals.back": ("POST", "/ideas/{proposal}/back", {"young"}),  # not the author's own
    "proposals.comment": ("POST", "/ideas/{proposal}/comment", OWNER | STAFF),  # the author and staff
    "proposals.approve": ("POST", "/ideas/{proposal}/approve", STAFF),
    "proposals.decline": ("POST", "/ideas/{proposal}/decline", STAFF),  # 422 here: no reason given
    # --- you said, we did ---
    "yousaid.index": ("GET", "/you-said", LOGGED_IN - {"partner"}),
    "yousaid.new": ("GET", "/you-said/new", STAFF),
    "yousaid.edit": ("GET", "/you-said/{you_said}/edit", STAFF),
    "yousaid.delete": ("POST", "/you-said/{you_said}/delete", STAFF),
    # --- klippekort (young people) ---
    "credits.index": ("GET", "/klip", YOUNG),
    "credits.offers": ("GET", "/klip/offers", YOUNG | STAFF),
    "credits.offer": ("GET", "/klip/offers/{offer}", YOUNG | STAFF),
    "credits.buy": ("POST", "/klip/offers/{offer}/buy", YOUNG),  # 422 here: no key, no klip
    "credits.vouchers": ("GET", "/klip/vouchers", YOUNG),
    "credits.voucher": ("GET", "/klip/vouchers/{voucher}", OWNER),  # the circle sees klip, never the code
    "credits.voucher_code": ("GET", "/klip/vouchers/{voucher}/code", OWNER),
    # --- klippekort (staff, partners) ---
    "staff_credits.index": ("GET", "/staff/klip?q=pe", STAFF),
    "staff_credits.person": ("GET", "/staff/klip/people/{young}", STAFF),
    "staff_credits.grant": ("POST", "/staff/klip/people/{young}/grant", STAFF),  # 422 here: no amount
    "staff_credits.correct": ("POST", "/staff/klip/people/{young}/correct", STAFF),  # 422 here: no amount
    "staff_credits.give_back": ("POST", "/staff/klip/people/{young}/give-back", STAFF),  # 422: no voucher
    "staff_credits.grant_many": ("GET", "/staff/klip/grant", STAFF),
    "staff_credits.allotments": ("GET", "/staff/klip/allotments", STAFF),
    "staff_credits.new_allotment": ("POST", "/staff/klip/allotments", STAFF),  # 422 here: nothing filled in
    "staff_credits.set_allotment_active": ("POST", "/staff/klip/allotments/1/active", STAFF),  # 422: no pause/resume
    "staff_credits.offers": ("GET", "/staff/klip/offers", STAFF),
    "staff_credits.new_offer": ("GET", "/staff/klip/offers/new", STAFF),
    "staff_credits.edit_offer": ("GET", "/staff/klip/offers/{offer}/edit", STAFF),  # not the partner's to edit
    "staff_credits.set_offer_active": ("POST", "/staff/klip/offers/{offer}/active", STAFF),  # 422: no in/out
    "staff_credits.partners": ("GET", "/staff/klip/partners", STAFF),
    "staff_credits.new_partner": ("GET", "/staff/klip/partners/new", STAFF),
    "staff_credits.edit_partner": ("GET", "/staff/klip/partners/{partner}/edit", STAFF),
    "staff_credits.invite_partner": ("GET", "/staff/klip/partners/invite", STAFF),
    "staff_credits.statistics": ("GET", "/staff/klip/stats", STAFF),
    "staff_credits.export": ("GET", "/staff/klip/export.csv", STAFF),
    "redeem.scan": ("GET", "/redeem", STAFF | {"partner"}),
    "redeem.use": ("POST", "/redeem", STAFF | {"partner"}),  # 422 here: no code
    "redeem.history": ("GET", "/redeem/history", STAFF | {"partner"}),  # a partner: its own offers'
    # --- support circle (young people) ---
    "support.index": ("GET", "/support", YOUNG),
    "support.directory": ("GET", "/support/people?area=housing&kind=caseworker", YOUNG),
    "support.person": ("GET", "/support/people/{supporter}", OWNER),  # not listed: only {young}'s circle shows them
    "support.choose": ("POST", "/support/people/{supporter}/choose", OWNER),  # already primary: says so
    "support.add": ("POST", "/support/people/{supporter}/add", OWNER),  # already in the circle: says so
    "support.circle_member": ("GET", "/support/circle/{link}", OWNER),
    "support.end_link": ("GET", "/support/circle/{link}/end", OWNER),  # a confirm step; POST ends it
    "support.visibility": ("GET", "/support/visibility", YOUNG),
    "support.nominate": ("GET", "/support/nominate", YOUNG),
    "support.withdraw_nomination": ("POST", "/support/nominations/{nomination}/withdraw", OWNER),
    "support.my_profile": ("GET", "/support/my-profile", MENTORS | SUPPORT_PEOPLE),  # anyone with a supporter kind
    # --- support circle (staff) ---
    "staff_circle.nominations": ("GET", "/staff/support/nominations", STAFF),
    "staff_circle.nomination": ("GET", "/staff/support/nominations/{nomination}", STAFF),
    "staff_circle.invite_nominee": ("POST", "/staff/support/nominations/{nomination}/invite", STAFF),  # 422: no e-mail
    "staff_circle.decline_nomination": ("POST", "/staff/support/nominations/{nomination}/decline", STAFF),  # 422 here
    "staff_circle.supporters": ("GET", "/staff/support/supporters", STAFF),
    "staff_circle.supporter": ("GET", "/staff/support/supporters/{supporter}", STAFF),
    # --- support menu (young people) ---
    "support_menu.options": ("GET", "/support/options", YOUNG),
    "support_menu.ask": ("POST", "/support/options/{option}/ask", YOUNG),  # the owner: already asked, says so
    "support_menu.withdraw": ("POST", "/support/items/{item}/withdraw", OWNER),
    "support_menu.scale": ("POST", "/support/items/{item}/change", OWNER),  # the owner: 422 here, no change named
    "support_menu.history": ("GET", "/support/history", YOUNG),
    "support_menu.leave": ("GET", "/support/leave", YOUNG),
    "support_menu.come_back": ("POST", "/support/return", YOUNG),  # not away: nothing to do, 303 home
    # --- support menu (staff) ---
    "staff_support.index": ("GET", "/staff/support?q=pe", STAFF),
    "staff_support.sparring_done": ("POST", "/staff/support/sparring/{sparring}/done", STAFF),
    "staff_support.person": ("GET", "/staff/support/people/{young}", STAFF),
    "staff_support.record_left": ("POST", "/staff/support/people/{young}/left", STAFF),
    "staff_support.record_return": ("POST", "/staff/support/people/{young}/return", STAFF),
    "staff_support.activate": ("POST", "/staff/support/items/{item}/activate", STAFF),  # 422 here: no level
    "staff_support.adjust": ("POST", "/staff/support/items/{item}/adjust", STAFF),  # 409 here: not on yet
    "staff_support.decline": ("POST", "/staff/support/items/{item}/decline", STAFF),  # 422 here: no reason
    "staff_support.pause": ("POST", "/staff/support/items/{item}/pause", STAFF),  # 409 here: not on yet
    "staff_support.resume": ("POST", "/staff/support/items/{item}/resume", STAFF),  # 409 here: not paused
    "staff_support.end": ("POST", "/staff/support/items/{item}/end", STAFF),  # 409 here: not on yet
    "staff_support.options": ("GET", "/staff/support/options", STAFF),
    "staff_support.new_option": ("GET", "/staff/support/options/new", STAFF),
    "staff_support.edit_option": ("GET", "/staff/support/options/{option}/edit", STAFF),
    "staff_support.move_option": ("POST", "/staff/support/options/{option}/move", STAFF),  # 422 here: no way
    "staff_support.set_option_active": ("POST", "/staff/support/options/{option}/active", STAFF),  # 422: no yes/no
    # --- plan ---
    "plans.mine": ("GET", "/plan", YOUNG),
    "plans.edit_dreams": ("GET", "/plan/dreams", YOUNG),
    "plans.answer": ("POST", "/plan/suggestions/{suggestion}/answer", OWNER),
    "plans.new_goal": ("GET", "/plan/goals/new", YOUNG),
    "plans.goal": ("GET", "/plan/goals/{goal}", OWNER),
    "plans.edit_goal": ("GET", "/plan/goals/{goal}/edit", OWNER),
    "plans.delete_goal": ("POST", "/plan/goals/{spare_goal}/delete", OWNER),
    "plans.add_step": ("POST", "/plan/goals/{goal}/steps", OWNER),
    "plans.edit_step": ("GET", "/plan/steps/{step}/edit", OWNER),
    "plans.step_status": ("POST", "/plan/steps/{step}/status", OWNER),
    "plans.comment": ("POST", "/plan/goals/{goal}/comments", OWNER | SEES_PLAN | STAFF),  # 422 here: nothing written
    "plans.changes": ("GET", "/plan/changes", YOUNG),
    "plans.shared": ("GET", "/young/{young}/plan", OWNER | SEES_PLAN | STAFF),  # the owner: to their own
    "plans.suggest": ("POST", "/young/{young}/plan/suggestions", SEES_PLAN | STAFF),  # 422 here: nothing written
    "plans.shared_changes": ("GET", "/young/{young}/plan/changes", OWNER | SEES_PLAN | STAFF),
    # --- check-ins and wellbeing ---
    "checkins.young_people": ("GET", "/my-young-people", ADULTS),  # each sees their own young people
    "checkins.young_person": ("GET", "/my-young-people/{young}", CIRCLE | STAFF),  # showing only what is shared
    "checkins.new": ("GET", "/my-young-people/{young}/checkins/new", CIRCLE | STAFF),
    "checkins.staff_overview": ("GET", "/staff/checkins", STAFF),
    "checkins.wellbeing": ("GET", "/wellbeing", YOUNG),
    "checkins.share_wellbeing": ("POST", "/wellbeing/sharing/{link}", OWNER),  # {young}'s own link
    "checkins.delete_wellbeing": ("POST", "/wellbeing/{wellbeing}/delete", OWNER),
    "checkins.volunteer": ("GET", "/volunteer", MENTORS),
    "checkins.ask_sparring": ("POST", "/volunteer/sparring", MENTORS),  # 422 here: nothing written
    # --- messages (young people, support people, help now) ---
    "messages.index": ("GET", "/messages", LOGGED_IN - {"partner"}),  # staff are sent on to their inbox
    "messages.new": ("GET", "/messages/new", YOUNG),
    "messages.new_to_young": ("GET", "/messages/to/{young}", MAY_MESSAGE),
    "messages.thread": ("GET", "/messages/{conversation}", OWNER | STAFF),  # staff: 303 to the inbox
    "messages.reply": ("POST", "/messages/{supporter_conversation}/reply", {"owner", "shared"}),  # 422: nothing
    "messages.poll": ("GET", "/messages/{conversation}/poll?after=0", OWNER),  # staff poll in the inbox
    "messages.help": ("GET", "/help", ANYONE),
    "messages.urgent": ("GET", "/help/urgent", YOUNG),
    # --- messages (staff) ---
    # {supporter_conversation} is 404 even for staff: tests/messages/test_staff_inbox.py
    "staff_messages.inbox": ("GET", "/staff/messages?tab=mine&topic=housing", STAFF),
    "staff_messages.conversation": ("GET", "/staff/messages/{conversation}", STAFF),
    "staff_messages.reply": ("POST", "/staff/messages/{conversation}/reply", STAFF),  # 422 here: nothing written
    "staff_messages.use_canned": ("GET", "/staff/messages/{conversation}/canned/{canned}", STAFF),
    "staff_messages.assign": ("POST", "/staff/messages/{conversation}/assign", STAFF),  # nobody: back to new
    "staff_messages.pick_up": ("POST", "/staff/messages/{conversation}/pick-up", STAFF),  # 409 here: not urgent
    "staff_messages.close": ("POST", "/staff/messages/{conversation}/close", STAFF),
    "staff_messages.reopen": ("POST", "/staff/messages/{conversation}/reopen", STAFF),
    "staff_messages.duty": ("POST", "/staff/messages/duty", STAFF),  # 422 here: no choice
    "staff_messages.settings": ("GET", "/staff/messages/settings", STAFF),
    "staff_messages.crisis_lines": ("GET", "/staff/messages/crisis-lines", STAFF),
    "staff_messages.new_crisis_line": ("GET", "/staff/messages/crisis-lines/new", STAFF),
    "staff_messages.edit_crisis_line": ("GET", "/staff/messages/crisis-lines/{crisis_line}", STAFF),
    "staff_messages.canned": ("GET", "/staff/messages/canned", STAFF),
    "staff_messages.new_canned": ("GET", "/staff/messages/canned/new", STAFF),
    "staff_messages.edit_canned": ("GET", "/staff/messages/canned/{canned}", STAFF),
    "staff_messages.delete_canned": ("POST", "/staff/messages/canned/{canned}/delete", STAFF),  # after its uses
    "staff_messages.stats": ("GET", "/staff/messages/stats", STAFF),
    "staff_messages.export": ("GET", "/staff/messages/stats.csv", STAFF),
    # --- notifications ---
    "notifications.bell": ("GET", "/notifications", LOGGED_IN),
    "notifications.mark_read": ("POST", "/notifications/read", LOGGED_IN),
    "notifications.settings": ("GET", "/notifications/settings", LOGGED_IN),
    "notifications.public_key": ("GET", "/push/key", LOGGED_IN),
    "notifications.subscribe": ("POST", "/push/subscriptions", LOGGED_IN),  # 422 here: no subscription sent
    "notifications.unsubscribe": ("POST", "/push/unsubscribe", LOGGED_IN),  # removes only one's own
    "notifications.rename": ("POST", "/push/subscriptions/{device}/name", OWNER),
    "notifications.test": ("POST", "/push/subscriptions/{device}/test", OWNER),
    "notifications.remove": ("POST", "/push/subscriptions/{spare_device}/delete", OWNER),
    # --- evaluation ---
    "evaluation.pulse": ("GET", "/pulse", YOUNG),  # outside the trial: a page saying what it is for
    "evaluation.index": ("GET", "/staff/evaluation", STAFF),
    "evaluation.person": ("GET", "/staff/evaluation/people/{young}", STAFF),
    "evaluation.enrol": ("POST", "/staff/evaluation/people/{young}/enrol", STAFF),  # 422 here: no cohort year
    "evaluation.record_status": ("GET", "/staff/evaluation/people/{young}/status", STAFF),  # not enrolled: 303
    "evaluation.statistics": ("GET", "/staff/evaluation/stats", STAFF),
    "evaluation.stats_csv": ("GET", "/staff/evaluation/stats.csv", STAFF),
    "evaluation.export_page": ("GET", "/staff/evaluation/export", STAFF),
    "evaluation.download_export": ("POST", "/staff/evaluation/export", STAFF),
    # --- data rights ({deletion_request}: {young} asked to be deleted) ---
    "rights.index": ("GET", "/me/data", LOGGED_IN),
    "rights.summary": ("GET", "/me/data/summary", LOGGED_IN),
    "rights.download": ("GET", "/me/data/export.json", LOGGED_IN),
    "rights.ask_deletion": ("POST", "/me/data/delete", LOGGED_IN - STAFF),  # 422: not ticked; staff 403
    "rights.withdraw_deletion": ("POST", "/me/data/delete/withdraw", LOGGED_IN),  # nothing to take back: 303
    "rights.staff_requests": ("GET", "/staff/deletion-requests", STAFF),
    "rights.staff_request": ("GET", "/staff/deletion-requests/{deletion_request}", STAFF),
    "rights.confirm": ("POST", "/staff/deletion-requests/{deletion_request}/confirm", STAFF),  # 422 here: not ticked
    "rights.decline": ("POST", "/staff/deletion-requests/{deletion_request}/decline", STAFF),  # 422 here: no reason
    # --- my sessions and password rules ({young_login}: a login of {young}) ---
    "sessions.index": ("GET", "/me/sessions", LOGGED_IN),
    "sessions.end": ("POST", "/me/sessions/{young_login}/end", OWNER),  # another of the owner's logins
    "sessions.end_others": ("POST", "/me/sessions/end-others", LOGGED_IN),
    "staff.end_sessions": ("POST", "/staff/people/{other_young}/end-sessions", {"admin"}),
    # --- passkeys ({passkey}: a passkey of {young}) ---
    "passkeys.index": ("GET", "/me/passkeys", LOGGED_IN),
    "passkeys.register_options": ("POST", "/me/passkeys/options", LOGGED_IN),
    "passkeys.register": ("POST", "/me/passkeys", LOGGED_IN),  # 422 here: no passkey sent
    "passkeys.rename": ("POST", "/me/passkeys/{passkey}/name", OWNER),
    "passkeys.remove": ("POST", "/me/passkeys/{spare_passkey}/delete", OWNER),
    "passkeys.verify_options": ("POST", "/me/passkeys/verify/options", LOGGED_IN),
    "passkeys.verify": ("POST", "/me/passkeys/verify", LOGGED_IN),  # 422 here: no passkey sent
    "passkeys.login_options": ("POST", "/login/passkey/options", ANYONE),
    "passkeys.login": ("POST", "/login/passkey", ANYONE),  # 422 anonymous (no passkey sent); logged in: 200
    # --- offline wallet ---
    "wallet.show": ("GET", "/wallet", LOGGED_IN),
    "wallet.forget_phone": ("POST", "/wallet/forget", LOGGED_IN),  # ends the login: to /login, like logout
    "accounts.logout": ("POST", "/logout", ANYONE),  # last: it ends the login
}
ENDS_LOGIN = {"wallet.forget_phone"}  # its answer to an allowed role is the login page

NOT_CHECKED = {"static"}  # files, no logic


def test_every_route_is_in_the_matrix(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()} - NOT_CHECKED
    missing = endpoints - set(MATRIX)
    assert not missing, f"add these routes to the access matrix: {sorted(missing)}"
    assert not set(MATRIX) - endpoints, "the matrix names routes that no longer exist"


@pytest.mark.parametrize("role", ["anonymous", *ROLES])
def test_access_by_role(role, client, auth, login_as, people):
    if role in people["logins"]:
        auth.login(people["logins"][role])
    elif role != "anonymous":
        login_as(role)
    answers = []
    for endpoint, (method, path, allowed) in MATRIX.items():
        url = path.format(**people)
        response = client.open(url, method=method, data={})
        answers.append((endpoint, allowed, f"{role} {method} {url} ({endpoint}) → {response.status_code}", response))
    failed = [where for _, _, where, response in answers if response.status_code >= 500]
    assert not failed, "errors:\n" + "\n".join(failed)
    unexpected = [
        where for _, allowed, where, response in answers if role not in allowed and response.status_code == 200
    ]
    assert not unexpected, "let in, though not allowed:\n" + "\n".join(unexpected)
    wrong = [
        where for endpoint, allowed, where, response in answers if not _as_promised(role, endpoint, allowed, response)
    ]
    assert not wrong, "not the promised answer:\n" + "\n".join(wrong)


def _as_promised(role: str, endpoint: str, allowed, response) -> bool:
    status = response.status_code
    if role in allowed:
        return status not in (401, 403, 404) and (endpoint in ENDS_LOGIN or not _to_login(response))
    if not allowed:
        return status == 404
    if role == "anonymous":
        return status == 401 or _to_login(response)
    if allowed == OWNER:
        return status == 404
    return status in (403, 404)


def _to_login(response) -> bool:
    return response.status_code in (302, 303) and response.headers["Location"].startswith("/login")


@pytest.fixture
def people(app, make):
    """`{young}`'s world, one of each thing, and the people who log in to look at it."""
    from datetime import timedelta

    from hub.accounts.logins import hash_token
    from hub.accounts.models import UserSession
    from hub.accounts.passkey_models import Passkey
    from hub.checkins.models import Wellbeing
    from hub.credits.models import Offer, Partner, Voucher
    from hub.db import job_session, utcnow
    from hub.events.models import Booking, BookingStatus, Event
    from hub.proposals.models import Proposal
    from hub.proposals.yousaid import YouSaid
    from hub.rights.models import DeletionRequest
    from tests.factories import make_user

    owner = make.user(is_young=True, trial_enrolled_at=utcnow())
    young = owner.id
    ids: dict[str, int] = {}
    with app.app_context(), job_session() as session:
        start = utcnow() + timedelta(days=3)
        event, other_event = (
            Event(
                title=title,
                category="community",
                starts_at=start,
                ends_at=start + timedelta(hours=2),
                place="Ungehub",
                capacity=10,
            )
            for title in ("Madklub", "Yoga")
        )
        session.add_all([event, other_event])
        session.flush()
        booking = Booking(event_id=event.id, user_id=young, status=BookingStatus.CONFIRMED, ticket_code="matrix-ticket")
        spare_booking = Booking(
            event_id=other_event.id, user_id=young, status=BookingStatus.CONFIRMED, ticket_code="matrix-spare"
        )
        proposal = Proposal(author_id=young, title="Klatretur", what="Vi tager ud og klatrer")
        you_said = YouSaid(title="Længere åbent", you_said="Åbent om fredagen", we_did="Åbent til kl. 22")
        partner = Partner(name="Bloc Aarhus")
        session.add_all([booking, spare_booking, proposal, partner, you_said])
        session.flush()
        offer = Offer(title="Klatring", category="sport", price_klip=2, partner_id=partner.id)
        session.add(offer)
        session.flush()
        voucher = Voucher(user_id=young, offer_id=offer.id, price_klip=2, qr_secret="00" * 32)
        deletion_request = DeletionRequest(user_id=young, reason="Jeg vil gerne slettes")
        young_login = UserSession(token_hash=hash_token("matrix-login"), user_id=young)
        passkey, spare_passkey = (
            Passkey(user_id=young, credential_id=name.encode(), public_key=b"key", user_handle=b"sara", name=name)
            for name in ("Telefon", "Computer")
        )
        wellbeing = Wellbeing(young_id=young, mood=4, sleep=3, movement=2)
        session.add_all([voucher, deletion_request, young_login, passkey, spare_passkey, wellbeing])
        session.flush()
        logins = {
            "owner": owner,
            "young": make_user(session, is_young=True, trial_enrolled_at=utcnow()),
            "partner": make_user(session, partner_id=partner.id),
        }
        ids |= support_world(session, young, logins)
        ids |= {
            "event": event.id,
            "booking": booking.id,
            "spare_booking": spare_booking.id,
            "proposal": proposal.id,
            "partner": partner.id,
            "offer": offer.id,
            "voucher": voucher.id,
            "deletion_request": deletion_request.id,
            "young_login": young_login.id,
            "passkey": passkey.id,
            "spare_passkey": spare_passkey.id,
            "wellbeing": wellbeing.id,
            "you_said": you_said.id,
        }
    return {
        "young": young,
        "other_young": make.user(is_young=True).id,
        "staff": make.user(is_staff=True).id,
        "logins": logins,
        **ids,
    }


def support_world(session, young: int, logins: dict | None = None) -> dict[str, int]:
    """The young person's circle, support, plan and check-ins, one of each; the circle's people
    go into `logins` (role: user), for those who log in as them."""
    from datetime import date

    from hub.checkins.models import CheckIn
    from hub.messages.models import CannedReply, Conversation, CrisisLine, Message
    from hub.notifications.models import PushSubscription
    from hub.plans.models import Goal, Plan, Step, Suggestion
    from hub.support.circle import default_sharing
    from hub.support.models import Nomination, SparringRequest, SupportItem, SupportLink, SupportOption
    from tests.factories import make_user

    supporter = make_user(session, support_type="caseworker")
    unshared = make_user(session, support_type="caseworker")
    assigned_mentor = make_user(session, is_mentor=True)
    mentor = make_user(session, is_mentor=True)
    everything = dict(see_plan=True, see_bookings=True, see_wellbeing=True, see_klip=True, may_message=True)
    nothing = dict.fromkeys(everything, False)
    link = SupportLink(young_id=young, supporter_id=supporter.id, is_primary=True, **everything)
    option = SupportOption(kind="mentor", name="Frivillig mentor", description="En frivillig")
    session.add_all(
        [
            link,
            # A mentor is assigned by joining the circle, with what a mentor sees on joining.
            SupportLink(young_id=young, supporter_id=assigned_mentor.id, **default_sharing(assigned_mentor)),
            SupportLink(young_id=young, supporter_id=unshared.id, **nothing),
            option,
            Plan(young_id=young, dreams="At få min egen lejlighed"),
        ]
    )
    session.flush()
    if logins is not None:
        logins |= {"shared": supporter, "unshared": unshared, "assigned_mentor": assigned_mentor}
    nomination = Nomination(young_id=young, name="Kim Træner", relation="Min fodboldtræner", phone="12345678")
    item = SupportItem(young_id=young, option_id=option.id, wish="Gerne en mentor")
    goal, spare_goal = (
        Goal(young_id=young, area=area, title=title, created_by_id=young)
        for area, title in (("housing", "Egen lejlighed"), ("job", "Et fritidsjob"))
    )
    checkin = CheckIn(young_id=young, by_id=supporter.id, happened_on=date(2026, 11, 20), way="phone", went="good")
    sparring = SparringRequest(mentor_id=mentor.id, text="Kan vi tale om det?")
    session.add_all([nomination, item, goal, spare_goal, checkin, sparring])
    session.flush()
    conversation = Conversation(young_id=young, topic="housing", started_by_id=young)
    supporter_conversation = Conversation(young_id=young, topic="job", supporter_id=supporter.id, started_by_id=young)
    canned = CannedReply(title="Tak", body="Tak for din besked.")
    crisis_line = CrisisLine(name="Livslinien", phone="70 201 201")
    device, spare_device = (
        PushSubscription(user_id=young, endpoint=f"https://push.example/{name}", p256dh="k", auth="a", name=name)
        for name in ("Telefon", "Tablet")
    )
    session.add_all([conversation, supporter_conversation, canned, crisis_line, device, spare_device])
    session.flush()
    session.add_all(
        [
            Message(conversation_id=conversation.id, author_id=young, body="Jeg skal flytte"),
            Message(conversation_id=supporter_conversation.id, author_id=young, body="Hej Hanne"),
        ]
    )
    step = Step(goal_id=goal.id, what="Skriv mig op hos AAB", created_by_id=young)
    suggestion = Suggestion(young_id=young, goal_id=goal.id, text="Ring til boligforeningen", by_id=supporter.id)
    session.add_all([step, suggestion])
    session.flush()
    return {
        "supporter": supporter.id,
        "link": link.id,
        "nomination": nomination.id,
        "option": option.id,
        "item": item.id,
        "goal": goal.id,
        "spare_goal": spare_goal.id,
        "step": step.id,
        "suggestion": suggestion.id,
        "checkin": checkin.id,
        "sparring": sparring.id,
        "conversation": conversation.id,
        "supporter_conversation": supporter_conversation.id,
        "canned": canned.id,
        "crisis_line": crisis_line.id,
        "device": device.id,
        "spare_device": spare_device.id,
    }
