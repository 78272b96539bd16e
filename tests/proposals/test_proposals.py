"""Youth-driven activities: young people propose and back ideas, staff discuss, decide, make events."""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import requests
from sqlalchemy import event as sa_event
from sqlmodel import func, select

from hub.db import engine_for, job_session, utcnow
from hub.errors import Conflict, Forbidden, Invalid
from hub.events.models import Event
from hub.notifications.models import Notification
from hub.proposals import services
from hub.proposals.models import Proposal, ProposalBacker, ProposalComment, ProposalStatus
from tests.factories import DEFAULT_PASSWORD

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
GOOD = {"title": "Climbing for beginners", "what": "A night at the climbing hall", "why": "", "rough_cost_kr": "600"}


# --- helpers -----------------------------------------------------------------------------------


@pytest.fixture
def young(login_as):
    """Log in as a young person who reads English (the assertions below are in English)."""
    return login_as("young", locale="en", preferred_name="Sara")


@pytest.fixture
def add_proposal(app):
    def add(author_id: int, **values) -> int:
        with app.app_context(), job_session() as session:
            values = {"title": "Cooking night", "what": "We cook and eat together", **values}
            proposal = Proposal(author_id=author_id, **values)
            session.add(proposal)
            session.flush()
            return proposal.id

    return add


def load(app, model, ident):
    with app.app_context(), job_session() as session:
        return session.get(model, ident)


def backers_of(app, proposal_id: int) -> int:
    with app.app_context(), job_session() as session:
        return session.exec(
            select(func.count()).select_from(ProposalBacker).where(ProposalBacker.proposal_id == proposal_id)
        ).one()


def notifications_for(app, user_id: int) -> list[str]:
    with app.app_context(), job_session() as session:
        return list(session.exec(select(Notification.kind).where(Notification.user_id == user_id)).all())


def proposal_count(app) -> int:
    with app.app_context(), job_session() as session:
        return session.exec(select(func.count()).select_from(Proposal)).one()


# --- proposing ---------------------------------------------------------------------------------


def test_a_young_person_shares_an_idea(app, client, young):
    assert client.get("/ideas/new").status_code == 200
    response = client.post("/ideas/new", data=GOOD)
    assert response.status_code == 303
    proposal_id = int(response.headers["Location"].rsplit("/", 1)[1])
    proposal = load(app, Proposal, proposal_id)
    assert (proposal.author_id, proposal.status, proposal.rough_cost_kr) == (young.id, "open", 600)
    page = client.get(f"/ideas/{proposal_id}").get_data(as_text=True)
    assert "Climbing for beginners" in page and "Proposed by Sara" in page


@pytest.mark.parametrize(
    "change",
    [
        {"title": ""},
        {"title": "   "},
        {"title": "x" * 121},
        {"what": ""},
        {"what": "x" * 2001},
        {"why": "x" * 2001},
        {"rough_cost_kr": "-5"},
        {"rough_cost_kr": "lots"},
        {"rough_cost_kr": "12,50"},
        {"rough_cost_kr": "100001"},
    ],
)
def test_bad_input_is_explained_and_nothing_is_lost(app, client, young, change):
    response = client.post("/ideas/new", data={**GOOD, **change})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert 'aria-invalid="true"' in body
    kept = GOOD["what"] if "what" not in change else GOOD["title"]
    assert kept in body  # what they wrote is still there
    assert proposal_count(app) == 0


@pytest.mark.parametrize(
    "typed, kroner", [("1.500", 1500), ("1 500", 1500), ("500 kr.", 500), ("500,-", 500), ("", None)]
)
def test_cost_is_read_the_way_people_write_it(app, client, young, typed, kroner):
    response = client.post("/ideas/new", data={**GOOD, "rough_cost_kr": typed})
    assert response.status_code == 303
    with app.app_context(), job_session() as session:
        assert session.exec(select(Proposal.rough_cost_kr)).one() == kroner


def test_the_sixth_open_idea_waits_until_the_staff_have_answered(app, client, young, add_proposal):
    for _ in range(5):
        add_proposal(young.id)
    page = client.get("/ideas/new")
    assert "5 ideas waiting" in page.get_data(as_text=True)
    response = client.post("/ideas/new", data=GOOD)
    assert response.status_code == 422
    assert "Climbing for beginners" in response.get_data(as_text=True)  # kept for later
    assert proposal_count(app) == 5
    with app.app_context(), job_session() as session:
        session.get(Proposal, 1).status = ProposalStatus.APPROVED
    assert client.post("/ideas/new", data=GOOD).status_code == 303


def test_propose_service_rules(app, make):
    author = make.user(is_young=True)
    mentor = make.user(is_mentor=True)
    with app.test_request_context("/?lang=en"), job_session() as session:
        with pytest.raises(Forbidden) as error:
            services.propose(session, actor=mentor, title="x", what="y")
        assert error.value.code == "only_young"
        with pytest.raises(Invalid) as error:
            services.propose(session, actor=author, title=" ", what="y")
        assert error.value.code == "title_missing"
        with pytest.raises(Invalid) as error:
            services.propose(session, actor=author, title="x", what="y", rough_cost_kr=-1)
        assert error.value.code == "cost_negative"
        for _ in range(5):
            services.propose(session, actor=author, title="x", what="y")
        with pytest.raises(Conflict) as error:
            services.propose(session, actor=author, title="x", what="y")
        assert error.value.code == "too_many_open"


# --- backing -----------------------------------------------------------------------------------


def test_backing_toggles_and_counts(app, client, make, young, add_proposal):
    author = make.user(is_young=True)
    proposal_id = add_proposal(author.id)
    assert client.post(f"/ideas/{proposal_id}/back", data={"want": "back"}).status_code == 303
    assert client.post(f"/ideas/{proposal_id}/back", data={"want": "back"}).status_code == 303
    assert backers_of(app, proposal_id) == 1
    assert "You back this" in client.get("/ideas").get_data(as_text=True)
    client.post(f"/ideas/{proposal_id}/back", data={"want": "unback"})
    assert backers_of(app, proposal_id) == 0
    client.post(f"/ideas/{proposal_id}/back", data={"want": "unback"})  # a second tap changes nothing
    assert backers_of(app, proposal_id) == 0


def test_nobody_backs_their_own_idea(app, client, young, add_proposal):
    proposal_id = add_proposal(young.id)
    assert client.post(f"/ideas/{proposal_id}/back", data={"want": "back"}).status_code == 403
    assert backers_of(app, proposal_id) == 0
    page = client.get(f"/ideas/{proposal_id}").get_data(as_text=True)
    assert f"/ideas/{proposal_id}/back" not in page  # no button for your own idea


def test_the_back_button_swaps_only_itself(app, client, make, young, add_proposal):
    proposal_id = add_proposal(make.user(is_young=True).id)
    response = client.post(f"/ideas/{proposal_id}/back", data={"want": "back"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "<html" not in body
    assert body.lstrip().startswith("<div") and f'id="backing-{proposal_id}"' in body
    assert 'aria-pressed="true"' in body and 'value="unback"' in body


def test_a_double_tap_at_once_leaves_one_backer(app, live_server, make, add_proposal):
    """Several requests to back the same idea race each other on a real server."""
    proposal_id = add_proposal(make.user(is_young=True).id)
    fan = make.user(is_young=True)
    taps = 8
    ready = threading.Barrier(taps, timeout=60)
    base = live_server.url

    def tap(number: int) -> int:
        browser = requests.Session()
        token = CSRF.search(browser.get(base + "/login", timeout=30).text).group(1)
        login = {"csrf_token": token, "email": fan.email, "password": DEFAULT_PASSWORD}
        assert browser.post(base + "/login", data=login, allow_redirects=False, timeout=30).status_code == 303
        token = CSRF.search(browser.get(f"{base}/ideas/{proposal_id}", timeout=30).text).group(1)
        headers = {"HX-Request": "true"} if number % 2 else {}
        ready.wait()
        response = browser.post(
            f"{base}/ideas/{proposal_id}/back",
            data={"csrf_token": token, "want": "back"},
            headers=headers,
            allow_redirects=False,
            timeout=60,
        )
        return response.status_code

    with ThreadPoolExecutor(taps) as pool:
        statuses = list(pool.map(tap, range(taps)))
    assert set(statuses) <= {200, 303}, statuses
    assert backers_of(app, proposal_id) == 1


# --- the list ----------------------------------------------------------------------------------


def test_the_list_puts_the_most_backed_first_and_has_tabs(app, client, make, young, add_proposal):
    author = make.user(is_young=True, preferred_name="Ali")
    add_proposal(author.id, title="Quiet idea")
    loved = add_proposal(author.id, title="Loved idea")
    approved = add_proposal(author.id, title="Approved idea", status=ProposalStatus.APPROVED)
    add_proposal(author.id, title="Declined idea", status=ProposalStatus.DECLINED)
    with app.app_context(), job_session() as session:
        for _ in range(2):
            session.add(ProposalBacker(proposal_id=loved, user_id=make.user(is_young=True).id))
    body = client.get("/ideas").get_data(as_text=True)
    assert body.index("Loved idea") < body.index("Quiet idea")
    assert "2 people back this" in body and "Proposed by Ali" in body
    assert "Approved idea" not in body and "Declined idea" not in body
    fragment = client.get("/ideas?tab=approved", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in fragment and 'id="proposal-list"' in fragment and "Approved idea" in fragment
    assert "Declined idea" not in client.get("/ideas?tab=declined").get_data(as_text=True)  # not a tab for peers
    assert client.get(f"/ideas/{approved}").status_code == 200


def test_the_list_counts_in_one_query(app, make, add_proposal):
    author = make.user(is_young=True)
    reader = make.user(is_young=True)
    for _ in range(4):
        proposal_id = add_proposal(author.id)
        with app.app_context(), job_session() as session:
            session.add(ProposalBacker(proposal_id=proposal_id, user_id=reader.id))
            session.add(ProposalComment(proposal_id=proposal_id, author_id=author.id, body="hi"))
    statements = []
    with app.app_context(), job_session() as session:
        engine = engine_for()
        sa_event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
        cards = services.cards(session, actor=reader, statuses=(ProposalStatus.OPEN,))
        _ = [(c.author_name, c.backers, c.comments, c.i_back) for c in cards]
    assert len(cards) == 4 and all(c.backers == 1 and c.comments == 1 and c.i_back for c in cards)
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 1


# --- staff: comment, approve, decline, make it an event ------------------------------------------


def test_a_staff_comment_tells_the_young_person(app, client, make, login_as, add_proposal):
    author = make.user(is_young=True)
    proposal_id = add_proposal(author.id)
    login_as("staff", locale="en")
    assert client.post(f"/ideas/{proposal_id}/comment", data={"body": ""}).status_code == 422
    response = client.post(f"/ideas/{proposal_id}/comment", data={"body": "Which day would suit you?"})
    assert response.status_code == 303
    assert notifications_for(app, author.id) == ["proposal_comment"]
    assert "Which day would suit you?" in client.get(f"/ideas/{proposal_id}").get_data(as_text=True)


def test_only_the_author_replies_among_young_people(app, client, make, auth, add_proposal):
    author = make.user(is_young=True, locale="en")
    peer = make.user(is_young=True, locale="en")
    proposal_id = add_proposal(author.id)
    auth.login(peer)
    assert client.post(f"/ideas/{proposal_id}/comment", data={"body": "Me too!"}).status_code == 403
    auth.logout()
    auth.login(author)
    assert client.post(f"/ideas/{proposal_id}/comment", data={"body": "Any Friday"}).status_code == 303
    assert notifications_for(app, author.id) == []  # nobody is told about their own words


def test_staff_approve_with_a_budget(app, client, make, login_as, add_proposal):
    author = make.user(is_young=True)
    proposal_id = add_proposal(author.id)
    staff = login_as("staff", locale="en")
    response = client.post(f"/ideas/{proposal_id}/approve", data={"budget_kr": "1.500"})
    assert response.status_code == 303
    proposal = load(app, Proposal, proposal_id)
    assert (proposal.status, proposal.budget_kr, proposal.decided_by_id) == ("approved", 1500, staff.id)
    assert proposal.decided_at is not None
    assert notifications_for(app, author.id) == ["proposal_approved"]
    page = client.get(f"/ideas/{proposal_id}").get_data(as_text=True)
    assert f"/staff/events/new?proposal={proposal_id}" in page and "Make it an event" in page
    # Deciding twice is a clash, not a second notification.
    assert client.post(f"/ideas/{proposal_id}/approve", data={}).status_code == 409
    assert client.post(f"/ideas/{proposal_id}/approve", data={"budget_kr": "-1"}).status_code in (409, 422)


def test_approve_without_money_and_bad_budget(app, client, make, login_as, add_proposal):
    proposal_id = add_proposal(make.user(is_young=True).id)
    login_as("staff", locale="en")
    assert client.post(f"/ideas/{proposal_id}/approve", data={"budget_kr": "a lot"}).status_code == 422
    assert load(app, Proposal, proposal_id).status == "open"
    assert client.post(f"/ideas/{proposal_id}/approve", data={"budget_kr": ""}).status_code == 303
    assert load(app, Proposal, proposal_id).budget_kr is None


def test_a_decline_needs_a_kind_reason(app, client, make, login_as, auth, add_proposal):
    author = make.user(is_young=True, locale="en")
    peer = make.user(is_young=True, locale="en")
    proposal_id = add_proposal(author.id)
    login_as("staff", locale="en")
    response = client.post(f"/ideas/{proposal_id}/decline", data={"reason": "  "})
    assert response.status_code == 422 and 'aria-invalid="true"' in response.get_data(as_text=True)
    assert load(app, Proposal, proposal_id).status == "open"
    reason = "We cannot rent a boat, but a canoe trip could work. Shall we talk?"
    assert client.post(f"/ideas/{proposal_id}/decline", data={"reason": reason}).status_code == 303
    assert load(app, Proposal, proposal_id).status == "declined"
    assert notifications_for(app, author.id) == ["proposal_declined"]
    auth.logout()
    auth.login(author)
    assert reason in client.get(f"/ideas/{proposal_id}").get_data(as_text=True)
    auth.logout()
    auth.login(peer)
    assert client.get(f"/ideas/{proposal_id}").status_code == 404  # a "no" is not shown to peers


def test_young_people_cannot_decide(client, make, young, add_proposal):
    proposal_id = add_proposal(make.user(is_young=True).id)
    assert client.post(f"/ideas/{proposal_id}/approve", data={"budget_kr": "100"}).status_code == 403
    assert client.post(f"/ideas/{proposal_id}/decline", data={"reason": "no"}).status_code == 403


@pytest.mark.parametrize("role", ["mentor", "support"])
def test_mentors_and_support_people_do_not_see_ideas(client, login_as, make, add_proposal, role):
    proposal_id = add_proposal(make.user(is_young=True).id)
    login_as(role)
    assert client.get("/ideas").status_code == 403
    assert client.get(f"/ideas/{proposal_id}").status_code == 403


def test_a_missing_idea_is_404(client, young):
    assert client.get("/ideas/9999").status_code == 404
    assert client.post("/ideas/9999/back", data={"want": "back"}).status_code == 404


def test_an_approved_idea_becomes_an_event_with_credit(app, make, add_proposal):
    author = make.user(is_young=True, preferred_name="Sara")
    fan = make.user(is_young=True)
    staff = make.user(is_staff=True)
    proposal_id = add_proposal(author.id, status=ProposalStatus.APPROVED)
    declined_id = add_proposal(author.id, status=ProposalStatus.DECLINED)
    with app.app_context(), job_session() as session:
        session.add(ProposalBacker(proposal_id=proposal_id, user_id=fan.id))
    with app.test_request_context("/?lang=en"), job_session() as session:
        start = utcnow() + timedelta(days=7)
        event = Event(
            title="Cooking night",
            category="community",
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            place="The hub",
            capacity=12,
        )
        session.add(event)
        proposal = session.get(Proposal, proposal_id)
        services.mark_as_event(session, actor=staff, proposal=proposal, event=event)
        assert proposal.status == ProposalStatus.EVENT and event.proposal_id == proposal_id
        assert services.proposal_credit(session, event) == "Proposed by Sara"
        services.mark_as_event(session, actor=staff, proposal=proposal, event=event)  # again: no second notice
        declined = session.get(Proposal, declined_id)
        with pytest.raises(Conflict) as error:
            services.mark_as_event(session, actor=staff, proposal=declined, event=event)
        assert error.value.code == "not_approved"
    assert notifications_for(app, author.id) == ["proposal_event"]
    assert notifications_for(app, fan.id) == ["proposal_event"]


def test_the_credit_helper_is_there_for_event_pages(app):
    with app.test_request_context("/"):
        app.preprocess_request()
        helpers = {}
        for processor in app.template_context_processors[None]:
            helpers.update(processor())
        assert helpers["proposal_credit"](Event(title="x", category="group", place="p", capacity=1)) is None
