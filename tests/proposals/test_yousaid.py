"""You said, we did: staff tell what changed; everyone logged in reads it; only staff write."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlmodel import select

from hub.db import utcnow
from hub.errors import Forbidden
from hub.proposals import yousaid
from hub.proposals.models import Proposal, ProposalStatus
from hub.proposals.yousaid import YouSaid
from tests.factories import make_user

pytestmark = pytest.mark.usefixtures("english")

GOOD = {
    "title": "Open on Fridays",
    "you_said": "You wanted the hub open on Friday evenings.",
    "we_did": "From March the hub is open on Fridays until 22.",
}


def text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def posts(world) -> list[YouSaid]:
    with world() as s:
        return list(s.exec(select(YouSaid).order_by(YouSaid.id)).all())


def add_post(world, **fields) -> YouSaid:
    with world() as s:
        staff = make_user(s, is_staff=True, name="Louise Holm")
        post = YouSaid(**{**GOOD, **fields}, posted_by_id=staff.id)
        s.add(post)
        s.flush()
        return post


def add_proposal(world, status=ProposalStatus.APPROVED, title="Climbing trip") -> Proposal:
    with world() as s:
        author = make_user(s, is_young=True)
        proposal = Proposal(author_id=author.id, title=title, what="We go climbing", status=status)
        s.add(proposal)
        s.flush()
        return proposal


# --- writing ---------------------------------------------------------------------------------------


def test_staff_post_and_everyone_logged_in_reads_it(world, client, login_as, app):
    proposal = add_proposal(world)
    staff = login_as("staff", locale="en", name="Louise Holm")
    response = client.post("/you-said/new", data={**GOOD, "proposal_id": str(proposal.id)})
    assert response.status_code == 303
    [saved] = posts(world)
    assert (saved.title, saved.posted_by_id, saved.proposal_id) == (GOOD["title"], staff.id, proposal.id)
    assert response.headers["Location"] == f"/you-said#you-said-{saved.id}"
    for role in ("young", "support", "mentor"):
        reader = app.test_client()
        reader.get("/?lang=en")
        user = make_user_in(world, role)
        reader.post("/login", data={"email": user.email, "password": "correct horse battery"})
        page = text(reader.get("/you-said"))
        assert GOOD["we_did"] in page and GOOD["you_said"] in page and "Louise Holm" in page, role
        assert "/you-said/new" not in page and f"/you-said/{saved.id}/edit" not in page, role


def make_user_in(world, role: str):
    roles = {"young": {"is_young": True}, "support": {"support_type": "caseworker"}, "mentor": {"is_mentor": True}}
    with world() as s:
        return make_user(s, **roles[role])


def test_anonymous_visitors_are_sent_to_log_in(world, client):
    add_post(world)
    response = client.get("/you-said")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_staff_edit_and_delete(world, client, login_as):
    post = add_post(world)
    login_as("staff", locale="en")
    form = text(client.get(f"/you-said/{post.id}/edit"))
    assert GOOD["you_said"] in form
    response = client.post(f"/you-said/{post.id}/edit", data={**GOOD, "we_did": "Open until 23 now."})
    assert response.status_code == 303
    [edited] = posts(world)
    assert edited.we_did == "Open until 23 now." and edited.updated_at is not None
    assert client.post(f"/you-said/{post.id}/delete").status_code == 303
    assert posts(world) == []
    assert client.post(f"/you-said/{post.id}/delete").status_code == 404
    assert client.get(f"/you-said/{post.id}/edit").status_code == 404


@pytest.mark.parametrize("role", ["young", "support", "mentor"])
def test_only_staff_write(world, client, login_as, role):
    post = add_post(world)
    login_as(role)
    assert client.get("/you-said/new").status_code == 403
    assert client.post("/you-said/new", data=GOOD).status_code == 403
    assert client.post(f"/you-said/{post.id}/edit", data={**GOOD, "title": "Hacked"}).status_code == 403
    assert client.post(f"/you-said/{post.id}/delete").status_code == 403
    [kept] = posts(world)
    assert kept.title == GOOD["title"]


def test_the_service_refuses_anyone_but_staff(world):
    with world() as s:
        person = make_user(s, is_young=True)
        with pytest.raises(Forbidden) as refused:
            yousaid.post(s, actor=person, **GOOD)
    assert refused.value.code == "only_staff"


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"title": "  "}, "title", "Give it a short title."),
        ({"you_said": ""}, "you_said", "Write what the young people said."),
        ({"we_did": ""}, "we_did", "Write what the hub did about it."),
        ({"title": "x" * 121}, "title", "Keep it under 120 characters."),
        ({"we_did": "x" * 1001}, "we_did", "Keep it under 1000 characters."),
        ({"proposal_id": "abc"}, "proposal_id", "Choose one of the ideas, or none."),
        ({"proposal_id": "2147483647"}, "proposal_id", "Choose one of the ideas, or none."),
        ({"proposal_id": "9" * 5000}, "proposal_id", "Choose one of the ideas, or none."),
    ],
)
def test_bad_input_is_said_beside_the_field_and_nothing_is_saved(world, client, login_as, changes, field, message):
    login_as("staff", locale="en")
    response = client.post("/you-said/new", data={**GOOD, **changes})
    page = text(response)
    assert response.status_code == 422
    assert f'id="{field}-error">{message}' in page
    assert posts(world) == []


def test_a_failed_edit_keeps_what_was_there(world, client, login_as):
    post = add_post(world)
    login_as("staff", locale="en")
    assert client.post(f"/you-said/{post.id}/edit", data={**GOOD, "title": ""}).status_code == 422
    [kept] = posts(world)
    assert kept.title == GOOD["title"] and kept.updated_at is None


# --- the idea behind it ---------------------------------------------------------------------------------


def test_the_idea_is_linked_only_for_those_who_may_open_it(world, client, login_as, app):
    public = add_proposal(world, title="Climbing trip")
    declined = add_proposal(world, status=ProposalStatus.DECLINED, title="Secret wish")
    first = add_post(world, title="Climbing", proposal_id=public.id)
    second = add_post(world, title="Something else", proposal_id=declined.id)
    login_as("young", locale="en")
    page = text(client.get("/you-said"))
    assert f'href="/ideas/{public.id}"' in page and "The idea: Climbing trip" in page
    assert f'href="/ideas/{declined.id}"' not in page and "Secret wish" not in page  # another's declined idea
    assert f'id="you-said-{first.id}"' in page and f'id="you-said-{second.id}"' in page
    mentor = app.test_client()
    user = make_user_in(world, "mentor")
    mentor.post("/login", data={"email": user.email, "password": "correct horse battery"})
    page = text(mentor.get("/you-said"))
    assert "/ideas/" not in page and "Climbing trip" not in page  # mentors do not take part in ideas


def test_a_deleted_idea_leaves_the_post(world, client, login_as):
    proposal = add_proposal(world)
    post = add_post(world, proposal_id=proposal.id)
    with world() as s:
        s.delete(s.get(Proposal, proposal.id))
    [kept] = posts(world)
    assert kept.id == post.id and kept.proposal_id is None


# --- on the young person's home --------------------------------------------------------------------------


def test_the_home_card_shows_the_newest_three(world, client, login_as):
    login_as("young", locale="en")
    assert 'id="home-you-said"' not in text(client.get("/"))  # nothing yet: no card
    now = utcnow()
    for number in range(4):
        add_post(world, title=f"Change {number}", posted_at=now - timedelta(days=10 - number))
    card = text(client.get("/"))
    card = card[card.index('id="home-you-said"') :]
    card = card[: card.index("</section>")]
    assert [title for title in re.findall(r"Change \d", card)] == ["Change 3", "Change 2", "Change 1"]
    assert 'href="/you-said"' in card


def test_the_list_is_newest_first(world, client, login_as):
    now = utcnow()
    add_post(world, title="Older", posted_at=now - timedelta(days=2))
    add_post(world, title="Newer", posted_at=now - timedelta(days=1))
    login_as("young", locale="en")
    page = text(client.get("/you-said"))
    assert page.index("Newer") < page.index("Older")
