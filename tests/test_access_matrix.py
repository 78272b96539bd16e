"""Every route × every role: who gets in, and what everyone else gets.

A route missing from MATRIX fails `test_every_route_is_in_the_matrix`, so each feature adds
its routes here. Paths may name `{young}`, `{other_young}`, `{staff}` (people), `{event}` (an
open event), `{booking}` (a booking of `{young}` on it), `{proposal}` (an idea of `{young}`),
`{partner}`, `{offer}` (a klip offer of that partner) or `{voucher}` (bought by `{young}`),
`{supporter}` (a caseworker in `{young}`'s circle, sharing everything) and `{link}` (that circle
membership), `{nomination}` (someone `{young}` nominated), `{option}` (a support option) and
`{item}` (`{young}` asked for it), `{goal}`, `{step}` and `{suggestion}` (in `{young}`'s plan),
`{checkin}` (the supporter's check-in with `{young}`), `{young_login}` (a login of `{young}`),
`{passkey}` (a passkey of `{young}`),
`{sparring}` (a mentor's request),
`{conversation}` (`{young}` writing to the hub staff), `{supporter_conversation}` (`{young}`
writing to `{supporter}`), `{canned}` (a canned reply), `{crisis_line}` and `{device}` (a phone
of `{young}` that gets pushes), all made for the test. ANYONE includes
the anonymous visitor; LOGGED_IN does not.
OWNER marks something only its owner (`{young}`, never a logged-in test role) may see: the
anonymous visitor is sent to log in, and every role gets 404, as if it did not exist.
"""

from __future__ import annotations

import pytest

ROLES = ["young", "support", "mentor", "staff", "admin"]
ANYONE = {"anonymous", *ROLES}
LOGGED_IN = set(ROLES)
STAFF = {"staff", "admin"}
OWNER = frozenset({"owner"})

# endpoint: (method, path, who may use it)
MATRIX = {
    "core.home": ("GET", "/", ANYONE),
    "core.healthz": ("GET", "/healthz", ANYONE),
    "core.service_worker": ("GET", "/sw.js", ANYONE),
    "core.manifest": ("GET", "/manifest.webmanifest", ANYONE),
    "core.offline": ("GET", "/offline", ANYONE),
    "core.privacy": ("GET", "/privacy", ANYONE),
    "core.set_language": ("POST", "/language", ANYONE),
    "accounts.login": ("GET", "/login", ANYONE),
    "accounts.signup": ("GET", "/signup", ANYONE),
    "accounts.set_password": ("GET", "/welcome/not-a-real-token", set()),  # 404 for all: bad link
    "accounts.forgot_password": ("GET", "/password/forgot", ANYONE),
    "accounts.privacy_accept": ("GET", "/privacy/accept", LOGGED_IN),
    "accounts.me": ("GET", "/me", LOGGED_IN),
    "accounts.edit_profile": ("GET", "/me/profile", LOGGED_IN),
    "accounts.change_password": ("GET", "/me/password", LOGGED_IN),
    # --- second factor (H4; the gate itself: tests/accounts/test_second_factor.py) ---
    "second_factor.index": ("GET", "/me/two-factor", LOGGED_IN),
    "second_factor.verify": ("POST", "/me/two-factor", LOGGED_IN),  # 422 here: no code
    "second_factor.recover": ("POST", "/me/two-factor/recovery", LOGGED_IN),  # 422 here: no code
    "second_factor.app_setup": ("GET", "/me/two-factor/app", LOGGED_IN),
    "second_factor.app_confirm": ("POST", "/me/two-factor/app", LOGGED_IN),  # 422 here: no code
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
    "events.index": ("GET", "/events", LOGGED_IN),
    "events.detail": ("GET", "/events/{event}", LOGGED_IN),
    "events.ics": ("GET", "/events/{event}/calendar.ics", LOGGED_IN),
    "events.book": ("POST", "/events/{event}/book", {"young"}),
    "events.booking": ("GET", "/bookings/{booking}", OWNER),
    "events.cancel": ("POST", "/bookings/{booking}/cancel", OWNER),
    "events.accept": ("POST", "/bookings/{booking}/accept", OWNER),
    "events.decline": ("POST", "/bookings/{booking}/decline", OWNER),
    "events.mine": ("GET", "/my/bookings", {"young"}),
    "events.calendar_settings": ("GET", "/calendar", {"young"}),
    "events.calendar_reset": ("POST", "/calendar/reset", {"young"}),
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
    "proposals.index": ("GET", "/ideas", {"young", "staff", "admin"}),
    "proposals.new": ("GET", "/ideas/new", {"young"}),
    "proposals.detail": ("GET", "/ideas/{proposal}", {"young", "staff", "admin"}),
    "proposals.back": ("POST", "/ideas/{proposal}/back", {"young"}),  # not the author's own
    "proposals.comment": ("POST", "/ideas/{proposal}/comment", STAFF),  # and the author (not a role)
    "proposals.approve": ("POST", "/ideas/{proposal}/approve", STAFF),
    "proposals.decline": ("POST", "/ideas/{proposal}/decline", STAFF),  # 422 here: no reason given
    # --- you said, we did ---
    "yousaid.index": ("GET", "/you-said", LOGGED_IN),
    "yousaid.new": ("GET", "/you-said/new", STAFF),
    "yousaid.edit": ("GET", "/you-said/{you_said}/edit", STAFF),
    "yousaid.delete": ("POST", "/you-said/{you_said}/delete", STAFF),
    # --- klippekort (young people) ---
    "credits.index": ("GET", "/klip", {"young"}),
    "credits.offers": ("GET", "/klip/offers", {"young", "staff", "admin"}),
    "credits.offer": ("GET", "/klip/offers/{offer}", {"young", "staff", "admin"}),
    "credits.buy": ("POST", "/klip/offers/{offer}/buy", {"young"}),  # 422 here: no key, no klip
    "credits.vouchers": ("GET", "/klip/vouchers", {"young"}),
    "credits.voucher": ("GET", "/klip/vouchers/{voucher}", OWNER),
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
    "staff_credits.edit_offer": ("GET", "/staff/klip/offers/{offer}/edit", STAFF),
    "staff_credits.set_offer_active": ("POST", "/staff/klip/offers/{offer}/active", STAFF),  # 422: no in/out
    "staff_credits.partners": ("GET", "/staff/klip/partners", STAFF),
    "staff_credits.new_partner": ("GET", "/staff/klip/partners/new", STAFF),
    "staff_credits.edit_partner": ("GET", "/staff/klip/partners/{partner}/edit", STAFF),
    "staff_credits.invite_partner": ("GET", "/staff/klip/partners/invite", STAFF),
    "staff_credits.statistics": ("GET", "/staff/klip/stats", STAFF),
    "staff_credits.export": ("GET", "/staff/klip/export.csv", STAFF),
    "redeem.scan": ("GET", "/redeem", STAFF),  # and partner accounts (not a matrix role: tests/credits)
    "redeem.use": ("POST", "/redeem", STAFF),  # 422 here: no code
    "redeem.history": ("GET", "/redeem/history", STAFF),
    # --- support circle (young people) ---
    "support.index": ("GET", "/support", {"young"}),
    "support.directory": ("GET", "/support/people?area=housing&kind=caseworker", {"young"}),
    "support.person": ("GET", "/support/people/{supporter}", OWNER),  # not listed: only {young}'s circle sees them
    "support.choose": ("POST", "/support/people/{supporter}/choose", OWNER),
    "support.add": ("POST", "/support/people/{supporter}/add", OWNER),
    "support.circle_member": ("GET", "/support/circle/{link}", OWNER),
    "support.end_link": ("GET", "/support/circle/{link}/end", OWNER),  # a confirm step; POST ends it
    "support.visibility": ("GET", "/support/visibility", {"young"}),
    "support.nominate": ("GET", "/support/nominate", {"young"}),
    "support.withdraw_nomination": ("POST", "/support/nominations/{nomination}/withdraw", OWNER),
    "support.my_profile": ("GET", "/support/my-profile", {"support", "mentor"}),  # anyone with a supporter kind
    # --- support circle (staff) ---
    "staff_circle.nominations": ("GET", "/staff/support/nominations", STAFF),
    "staff_circle.nomination": ("GET", "/staff/support/nominations/{nomination}", STAFF),
    "staff_circle.invite_nominee": ("POST", "/staff/support/nominations/{nomination}/invite", STAFF),  # 422: no e-mail
    "staff_circle.decline_nomination": ("POST", "/staff/support/nominations/{nomination}/decline", STAFF),  # 422 here
    "staff_circle.supporters": ("GET", "/staff/support/supporters", STAFF),
    "staff_circle.supporter": ("GET", "/staff/support/supporters/{supporter}", STAFF),
    # --- support menu (young people) ---
    "support_menu.options": ("GET", "/support/options", {"young"}),
    "support_menu.ask": ("POST", "/support/options/{option}/ask", {"young"}),
    "support_menu.withdraw": ("POST", "/support/items/{item}/withdraw", OWNER),
    "support_menu.history": ("GET", "/support/history", {"young"}),
    "support_menu.leave": ("GET", "/support/leave", {"young"}),
    "support_menu.come_back": ("POST", "/support/return", {"young"}),  # not away: nothing to do, 303 home
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
    "plans.mine": ("GET", "/plan", {"young"}),
    "plans.edit_dreams": ("GET", "/plan/dreams", {"young"}),
    "plans.answer": ("POST", "/plan/suggestions/{suggestion}/answer", OWNER),
    "plans.new_goal": ("GET", "/plan/goals/new", {"young"}),
    "plans.goal": ("GET", "/plan/goals/{goal}", OWNER),
    "plans.edit_goal": ("GET", "/plan/goals/{goal}/edit", OWNER),
    "plans.delete_goal": ("POST", "/plan/goals/{goal}/delete", OWNER),
    "plans.add_step": ("POST", "/plan/goals/{goal}/steps", OWNER),
    "plans.edit_step": ("GET", "/plan/steps/{step}/edit", OWNER),
    "plans.step_status": ("POST", "/plan/steps/{step}/status", OWNER),
    "plans.comment": ("POST", "/plan/goals/{goal}/comments", STAFF),  # 422 here: nothing written; and the circle
    "plans.changes": ("GET", "/plan/changes", {"young"}),
    "plans.shared": ("GET", "/young/{young}/plan", STAFF),  # and {supporter}: tests/plans
    "plans.suggest": ("POST", "/young/{young}/plan/suggestions", STAFF),  # 422 here: nothing written
    "plans.shared_changes": ("GET", "/young/{young}/plan/changes", STAFF),
    # --- check-ins and wellbeing ---
    "checkins.young_people": ("GET", "/my-young-people", {"support", "mentor", "staff", "admin"}),
    "checkins.young_person": ("GET", "/my-young-people/{young}", STAFF),  # and {young}'s circle (not a role)
    "checkins.new": ("GET", "/my-young-people/{young}/checkins/new", STAFF),  # and {young}'s circle
    "checkins.staff_overview": ("GET", "/staff/checkins", STAFF),
    "checkins.wellbeing": ("GET", "/wellbeing", {"young"}),
    "checkins.share_wellbeing": ("POST", "/wellbeing/sharing/{link}", OWNER),  # {young}'s own link
    "checkins.delete_wellbeing": ("POST", "/wellbeing/2147483647/delete", OWNER),  # nobody's entry: 404
    "checkins.volunteer": ("GET", "/volunteer", {"mentor"}),
    "checkins.ask_sparring": ("POST", "/volunteer/sparring", {"mentor"}),  # 422 here: nothing written
    # --- messages (young people, support people, help now) ---
    "messages.index": ("GET", "/messages", LOGGED_IN),  # staff are sent on to their inbox; partners 403
    "messages.new": ("GET", "/messages/new", {"young"}),
    "messages.new_to_young": ("GET", "/messages/to/{young}", OWNER),  # only {supporter}: tests/messages
    "messages.thread": ("GET", "/messages/{conversation}", STAFF),  # and {young}; staff: 303 to the inbox
    "messages.reply": ("POST", "/messages/{supporter_conversation}/reply", OWNER),  # 422 for {young}, {supporter}
    "messages.poll": ("GET", "/messages/{conversation}/poll?after=0", OWNER),  # staff poll in the inbox
    "messages.help": ("GET", "/help", ANYONE),
    "messages.urgent": ("GET", "/help/urgent", {"young"}),
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
    "notifications.remove": ("POST", "/push/subscriptions/{device}/delete", OWNER),
    # --- evaluation ---
    "evaluation.pulse": ("GET", "/pulse", {"young"}),  # outside the trial: a page saying what it is for
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
    "rights.ask_deletion": ("POST", "/me/data/delete", {"young", "support", "mentor"}),  # 422: not ticked; staff 403
    "rights.withdraw_deletion": ("POST", "/me/data/delete/withdraw", LOGGED_IN),  # nothing to take back: 303
    "rights.staff_requests": ("GET", "/staff/deletion-requests", STAFF),
    "rights.staff_request": ("GET", "/staff/deletion-requests/{deletion_request}", STAFF),
    "rights.confirm": ("POST", "/staff/deletion-requests/{deletion_request}/confirm", STAFF),  # 422 here: not ticked
    "rights.decline": ("POST", "/staff/deletion-requests/{deletion_request}/decline", STAFF),  # 422 here: no reason
    # --- my sessions and password rules ({young_login}: a login of {young}) ---
    "sessions.index": ("GET", "/me/sessions", LOGGED_IN),
    "sessions.end": ("POST", "/me/sessions/{young_login}/end", OWNER),
    "sessions.end_others": ("POST", "/me/sessions/end-others", LOGGED_IN),  # none to end: 303
    "staff.end_sessions": ("POST", "/staff/people/{other_young}/end-sessions", {"admin"}),
    # --- passkeys ({passkey}: a passkey of {young}) ---
    "passkeys.index": ("GET", "/me/passkeys", LOGGED_IN),
    "passkeys.register_options": ("POST", "/me/passkeys/options", LOGGED_IN),
    "passkeys.register": ("POST", "/me/passkeys", LOGGED_IN),  # 422 here: no passkey sent
    "passkeys.rename": ("POST", "/me/passkeys/{passkey}/name", OWNER),
    "passkeys.remove": ("POST", "/me/passkeys/{passkey}/delete", OWNER),
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


@pytest.fixture
def people(app, make):
    from datetime import timedelta

    from hub.accounts.logins import hash_token
    from hub.accounts.models import UserSession
    from hub.accounts.passkey_models import Passkey
    from hub.credits.models import Offer, Partner, Voucher
    from hub.db import job_session, utcnow
    from hub.events.models import Booking, BookingStatus, Event
    from hub.proposals.models import Proposal
    from hub.proposals.yousaid import YouSaid
    from hub.rights.models import DeletionRequest

    young = make.user(is_young=True).id
    ids: dict[str, int] = {}
    with app.app_context(), job_session() as session:
        start = utcnow() + timedelta(days=3)
        event = Event(
            title="Madklub",
            category="community",
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            place="Ungehub",
            capacity=10,
        )
        session.add(event)
        session.flush()
        booking = Booking(event_id=event.id, user_id=young, status=BookingStatus.CONFIRMED, ticket_code="matrix-ticket")
        proposal = Proposal(author_id=young, title="Klatretur", what="Vi tager ud og klatrer")
        you_said = YouSaid(title="Længere åbent", you_said="Åbent om fredagen", we_did="Åbent til kl. 22")
        partner = Partner(name="Bloc Aarhus")
        session.add_all([booking, proposal, partner, you_said])
        session.flush()
        offer = Offer(title="Klatring", category="sport", price_klip=2, partner_id=partner.id)
        session.add(offer)
        session.flush()
        voucher = Voucher(user_id=young, offer_id=offer.id, price_klip=2, qr_secret="00" * 32)
        deletion_request = DeletionRequest(user_id=young, reason="Jeg vil gerne slettes")
        young_login = UserSession(token_hash=hash_token("matrix-login"), user_id=young)
        passkey = Passkey(user_id=young, credential_id=b"matrix", public_key=b"key", user_handle=b"sara", name="Sara")
        session.add_all([voucher, deletion_request, young_login, passkey])
        session.flush()
        ids |= support_world(session, young)
        ids |= {
            "event": event.id,
            "booking": booking.id,
            "proposal": proposal.id,
            "partner": partner.id,
            "offer": offer.id,
            "voucher": voucher.id,
            "deletion_request": deletion_request.id,
            "young_login": young_login.id,
            "passkey": passkey.id,
            "you_said": you_said.id,
        }
    return {
        "young": young,
        "other_young": make.user(is_young=True).id,
        "staff": make.user(is_staff=True).id,
        **ids,
    }


def support_world(session, young: int) -> dict[str, int]:
    """The young person's circle, support, plan and check-ins, one of each."""
    from datetime import date

    from hub.checkins.models import CheckIn
    from hub.messages.models import CannedReply, Conversation, CrisisLine, Message
    from hub.notifications.models import PushSubscription
    from hub.plans.models import Goal, Plan, Step, Suggestion
    from hub.support.models import Nomination, SparringRequest, SupportItem, SupportLink, SupportOption
    from tests.factories import make_user

    supporter = make_user(session, support_type="caseworker")
    mentor = make_user(session, is_mentor=True)
    link = SupportLink(
        young_id=young,
        supporter_id=supporter.id,
        is_primary=True,
        see_plan=True,
        see_bookings=True,
        see_wellbeing=True,
        see_klip=True,
        may_message=True,
    )
    option = SupportOption(kind="mentor", name="Frivillig mentor", description="En frivillig")
    session.add_all([link, option, Plan(young_id=young, dreams="At få min egen lejlighed")])
    session.flush()
    nomination = Nomination(young_id=young, name="Kim Træner", relation="Min fodboldtræner", phone="12345678")
    item = SupportItem(young_id=young, option_id=option.id, wish="Gerne en mentor")
    goal = Goal(young_id=young, area="housing", title="Egen lejlighed", created_by_id=young)
    checkin = CheckIn(young_id=young, by_id=supporter.id, happened_on=date(2026, 11, 20), way="phone", went="good")
    sparring = SparringRequest(mentor_id=mentor.id, text="Kan vi tale om det?")
    session.add_all([nomination, item, goal, checkin, sparring])
    session.flush()
    conversation = Conversation(young_id=young, topic="housing", started_by_id=young)
    supporter_conversation = Conversation(young_id=young, topic="job", supporter_id=supporter.id, started_by_id=young)
    canned = CannedReply(title="Tak", body="Tak for din besked.")
    crisis_line = CrisisLine(name="Livslinien", phone="70 201 201")
    device = PushSubscription(user_id=young, endpoint="https://push.example/matrix", p256dh="k", auth="a", name="Sara")
    session.add_all([conversation, supporter_conversation, canned, crisis_line, device])
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
        "step": step.id,
        "suggestion": suggestion.id,
        "checkin": checkin.id,
        "sparring": sparring.id,
        "conversation": conversation.id,
        "supporter_conversation": supporter_conversation.id,
        "canned": canned.id,
        "crisis_line": crisis_line.id,
        "device": device.id,
    }


@pytest.mark.parametrize("role", ["anonymous", *ROLES])
def test_access_by_role(role, app, client, login_as, people):
    if role != "anonymous":
        login_as(role)
    for endpoint, (method, path, allowed) in MATRIX.items():
        url = path.format(**people)
        response = client.open(url, method=method, data={})
        status = response.status_code
        where = f"{role} {method} {url} ({endpoint}) → {status}"
        if role in allowed:
            assert status not in (401, 403, 404) and (endpoint in ENDS_LOGIN or not _to_login(response)), where
        elif not allowed:
            assert status == 404, where
        elif allowed == OWNER:
            assert (status == 401 or _to_login(response)) if role == "anonymous" else status == 404, where
        elif role == "anonymous":
            assert status == 401 or _to_login(response), where
        else:
            assert status in (403, 404), where
        assert status != 500, where


def _to_login(response) -> bool:
    return response.status_code in (302, 303) and response.headers["Location"].startswith("/login")
