"""The support circle: a young person chooses and changes their support person, adds people,
decides what each may see, sees who looked, and ends a relationship without a reason."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from hub.audit.models import AuditEntry
from hub.db import utcnow
from hub.errors import Conflict, NotFound
from hub.notifications.models import Notification
from hub.support import services
from hub.support.circle import may_see, primary_link
from hub.support.models import ChangeKind, SupportChange, SupporterProfile, SupportLink
from tests.factories import make_user

pytestmark = pytest.mark.usefixtures("english")


def listed(session, **fields):
    """A support person in the directory, with a profile in their own words."""
    profile = {
        "about": fields.pop("about", "I grew up in care myself."),
        "helps_with": fields.pop("helps_with", "housing,economy"),
    }
    user = make_user(session, **{"support_type": "caseworker", "locale": "en", **fields})
    session.add(
        SupporterProfile(user_id=user.id, listed=True, phone="12 34 56 78", reachable="Weekdays 9-15", **profile)
    )
    session.flush()
    return user


@pytest.fixture
def young(login_as):
    return login_as("young", preferred_name="Sara", name="Sara Nielsen", trial_enrolled_at=utcnow())


def kinds_for(session, user_id: int) -> list[str]:
    return list(session.exec(select(Notification.kind).where(Notification.user_id == user_id)).all())


def changes(session, young_id: int) -> list[str]:
    return list(
        session.exec(
            select(SupportChange.kind).where(SupportChange.young_id == young_id).order_by(SupportChange.id)
        ).all()
    )


# --- choosing ----------------------------------------------------------------------------------------


def test_choosing_a_support_person_makes_them_primary_and_tells_them_and_the_staff(client, world, young):
    with world() as s:
        hanne = listed(s, name="Hanne Lund")
        staff = make_user(s, is_staff=True)
    response = client.post(f"/support/people/{hanne.id}/choose")
    assert response.status_code == 303
    assert response.headers["Location"] == "/support"
    page = client.get("/support").get_data(as_text=True)
    assert "Your support person" in page and "Hanne Lund" in page and "12 34 56 78" in page
    with world() as s:
        link = primary_link(s, young_id=young.id)
        assert link.supporter_id == hanne.id
        assert (link.see_plan, link.see_bookings, link.see_wellbeing, link.may_message) == (True, True, False, True)
        assert changes(s, young.id) == [ChangeKind.PERSON_ADDED, ChangeKind.PRIMARY_CHOSEN]
        assert s.exec(select(SupportChange.supporter_type).where(SupportChange.kind == "primary_chosen")).one() == (
            "caseworker"
        )
        assert kinds_for(s, hanne.id) == ["support_chosen"]
        assert kinds_for(s, staff.id) == ["support_chosen_staff"]


def test_changing_primary_keeps_the_former_in_the_circle_and_the_history(client, world, young):
    with world() as s:
        hanne, peter = listed(s, name="Hanne Lund"), listed(s, name="Peter Madsen", support_type=None, is_mentor=True)
    client.post(f"/support/people/{hanne.id}/choose")
    response = client.post(f"/support/people/{peter.id}/choose")
    assert response.status_code == 303
    with world() as s:
        old = s.exec(select(SupportLink).where(SupportLink.supporter_id == hanne.id)).one()
        new = primary_link(s, young_id=young.id)
        assert new.supporter_id == peter.id and not old.is_primary and old.ended_at is None
        assert changes(s, young.id) == ["person_added", "primary_chosen", "person_added", "primary_chosen"]
        assert kinds_for(s, hanne.id) == ["support_chosen", "support_changed"]
        old_news = s.exec(select(Notification).where(Notification.kind == "support_changed")).one()
        assert "You are still in their circle" in old_news.body  # neutral, no-fault wording
    # The page offers to end it with the former primary too, or to keep them.
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Hanne Lund is still in your circle" in page
    assert f"/support/circle/{old.id}/end" in page


def test_choosing_someone_already_in_the_circle_promotes_them_without_adding_again(client, world, young):
    with world() as s:
        hanne = listed(s)
    client.post(f"/support/people/{hanne.id}/add")
    client.post(f"/support/people/{hanne.id}/choose")
    client.post(f"/support/people/{hanne.id}/choose")  # a double tap
    with world() as s:
        assert len(s.exec(select(SupportLink).where(SupportLink.young_id == young.id)).all()) == 1
        assert changes(s, young.id) == ["person_added", "primary_chosen"]


def test_htmx_choose_navigates_with_hx_redirect(client, world, young):
    with world() as s:
        hanne = listed(s)
    response = client.post(f"/support/people/{hanne.id}/choose", headers={"HX-Request": "true"})
    assert response.status_code == 204 and response.headers["HX-Redirect"] == "/support"


def test_only_one_primary_even_when_the_index_catches_a_race(app, world):
    """Without the row lock (a bug), the partial unique index still refuses a second primary: a 409, not a 500."""
    with world() as s:
        sara = make_user(s, is_young=True)
        a, b = listed(s), listed(s)
        s.add(SupportLink(young_id=sara.id, supporter_id=a.id, is_primary=True))
    with world() as s:
        s.add(SupportLink(young_id=sara.id, supporter_id=b.id, is_primary=True))
        with pytest.raises(Conflict) as error:
            services.flush_circle(s)
        assert error.value.code == "circle_changed"
        s.rollback()


# --- adding and sharing ---------------------------------------------------------------------------


def test_adding_someone_uses_the_defaults_for_their_kind(client, world, young):
    with world() as s:
        mentor = listed(s, support_type=None, is_mentor=True)
    response = client.post(f"/support/people/{mentor.id}/add")
    assert response.status_code == 303
    with world() as s:
        link = s.exec(select(SupportLink).where(SupportLink.young_id == young.id)).one()
        assert response.headers["Location"] == f"/support/circle/{link.id}"
        assert not link.is_primary
        assert (link.see_plan, link.see_bookings, link.see_wellbeing, link.see_klip) == (True, True, False, False)
        assert kinds_for(s, mentor.id) == ["support_added"]


def test_sharing_toggles_change_what_the_person_may_see(client, world, young):
    with world() as s:
        hanne = listed(s)
    client.post(f"/support/people/{hanne.id}/add")
    with world() as s:
        link = s.exec(select(SupportLink).where(SupportLink.young_id == young.id)).one()
        assert may_see(s, hanne, young.id, "plan") and not may_see(s, hanne, young.id, "wellbeing")
    page = client.get(f"/support/circle/{link.id}").get_data(as_text=True)
    assert "How you said you feel" in page  # one line about what each toggle means
    response = client.post(f"/support/circle/{link.id}", data={"see_wellbeing": "y", "may_message": "y"})
    assert response.status_code == 303
    assert "Saved" in client.get(response.headers["Location"]).get_data(as_text=True)
    with world() as s:
        assert may_see(s, hanne, young.id, "wellbeing")
        assert not may_see(s, hanne, young.id, "plan")
        assert not may_see(s, hanne, young.id, "bookings")


def test_the_visibility_page_shows_who_sees_what_and_who_looked(client, world, young):
    with world() as s:
        hanne = listed(s, name="Hanne Lund")
    client.post(f"/support/people/{hanne.id}/choose")
    with world() as s:
        link = primary_link(s, young_id=young.id)
        link.started_at = utcnow() - timedelta(days=60)  # the looks below were made while in the circle
        for days in range(25):
            at = utcnow() - timedelta(days=days, hours=1)
            s.add(AuditEntry(actor_id=hanne.id, young_id=young.id, area="plan", action="read", at=at))
        at = utcnow() - timedelta(days=30)
        s.add(AuditEntry(actor_id=hanne.id, young_id=young.id, area="bookings", action="read", at=at))
    page = client.get("/support/visibility").get_data(as_text=True)
    assert "Hanne Lund" in page
    assert "✓ Yes" in page and "✗ No" in page  # words as well as marks, not colour alone
    assert "The staff at the hub" in page and "cannot see your wellbeing check-ins" in page
    table, phone_cards = page.split('class="share-cards"')
    assert table.count("Last looked") == 2  # plan and bookings
    assert phone_cards.split('id="looks-title"')[0].count("Last looked") == 2  # the same, one card per person
    looks = page.split('class="plain-list look-list"')[1].split("</ul>")[0]
    assert looks.count("<li>") == 2 and "25 times" in looks  # one line per person and area


def test_the_audit_log_feeds_the_last_looks(app, world):
    from hub.audit.services import record

    with world() as s:
        sara = make_user(s, is_young=True)
        hanne = listed(s)
        s.add(SupportLink(young_id=sara.id, supporter_id=hanne.id, see_plan=True))
    with world() as s:
        record(s, actor=hanne, young_id=sara.id, area="plan")
        view = services.visibility(s, young=sara)
        # plan, bookings, wellbeing, klip, support options: only the plan was looked at
        assert [row.last_look is not None for row in view.rows[0].areas] == [True, False, False, False, False]
        assert len(view.looks) == 1


# --- ending ---------------------------------------------------------------------------------------------


def test_ending_a_link_removes_access_at_once_and_tells_the_person(client, world, young):
    with world() as s:
        hanne = listed(s, name="Hanne Lund")
        staff = make_user(s, is_staff=True)
    client.post(f"/support/people/{hanne.id}/choose")
    with world() as s:
        link = primary_link(s, young_id=young.id)
    confirm = client.get(f"/support/circle/{link.id}/end")
    assert confirm.status_code == 200 and "Yes, end it" in confirm.get_data(as_text=True)
    response = client.post(f"/support/circle/{link.id}/end")
    assert response.status_code == 303
    with world() as s:
        assert not may_see(s, hanne, young.id, "plan")
        ended = s.get(SupportLink, link.id)
        assert ended.ended_at is not None and ended.ended_by_id == young.id
        assert changes(s, young.id)[-1] == ChangeKind.PERSON_ENDED
        assert kinds_for(s, hanne.id)[-1] == "support_ended"
        assert "support_primary_ended" in kinds_for(s, staff.id)
    assert client.get(f"/support/circle/{link.id}").status_code == 404
    assert client.post(f"/support/circle/{link.id}/end").status_code == 303  # a second tap is harmless
    assert "Choose your support person" in client.get("/support").get_data(as_text=True)


def test_ending_is_only_for_the_young_persons_own_links(app, world):
    with world() as s:
        sara, mads = make_user(s, is_young=True), make_user(s, is_young=True)
        hanne = listed(s)
        link = SupportLink(young_id=sara.id, supporter_id=hanne.id)
        s.add(link)
    with world() as s:
        with pytest.raises(NotFound):
            services.end_link(s, actor=mads, link=s.get(SupportLink, link.id))


# --- who may --------------------------------------------------------------------------------------------


def test_another_young_person_cannot_reach_someone_elses_circle(client, world, login_as):
    with world() as s:
        sara = make_user(s, is_young=True)
        hanne = make_user(s, support_type="caseworker")  # not listed
        link = SupportLink(young_id=sara.id, supporter_id=hanne.id)
        s.add(link)
    login_as("young", trial_enrolled_at=utcnow())
    assert client.get(f"/support/circle/{link.id}").status_code == 404
    assert client.post(f"/support/circle/{link.id}", data={"see_klip": "y"}).status_code == 404
    assert client.post(f"/support/circle/{link.id}/end").status_code == 404
    assert client.get(f"/support/people/{hanne.id}").status_code == 404
    assert client.post(f"/support/people/{hanne.id}/choose").status_code == 404
    with world() as s:
        assert s.get(SupportLink, link.id).ended_at is None


def test_a_supporter_cannot_choose_or_see_the_young_pages(client, world, login_as):
    with world() as s:
        other = listed(s)
    login_as("support")
    assert client.get("/support").status_code == 403
    assert client.post(f"/support/people/{other.id}/choose").status_code == 404


# --- the home card --------------------------------------------------------------------------------------


def test_home_card_invites_to_choose_then_shows_how_to_reach(client, world, young):
    home = client.get("/").get_data(as_text=True)
    assert 'id="home-support"' in home and "Choose your support person" in home
    with world() as s:
        hanne = listed(s, name="Hanne Lund")
    client.post(f"/support/people/{hanne.id}/choose")
    home = client.get("/").get_data(as_text=True)
    assert "Your support person" in home and "Hanne Lund" in home and "tel:12345678" in home
