"""Staff handling support: every transition writes its history and tells the young person;
levels go up and down; digital contact needs an agreement; the menu is managed; the overview."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import select

from hub.accounts.models import User
from hub.errors import Conflict, Forbidden
from hub.support import menu
from hub.support.models import (
    ChangeKind,
    ItemStatus,
    Nomination,
    SparringRequest,
    SupportChange,
    SupportItem,
    SupportLink,
    SupportOption,
)
from tests.clock import hub_today
from tests.support.test_menu import add_item, add_option, changes, get, notes_for

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def staff(login_as):
    return login_as("staff", locale="en", name="Louise Holm")


@pytest.fixture
def person(make):
    return make.user(
        is_young=True, locale="en", name="Sara Nielsen", preferred_name="Sara", trial_enrolled_at=menu.utcnow()
    )


def last_change(world, young_id: int) -> SupportChange:
    with world() as s:
        return s.exec(
            select(SupportChange).where(SupportChange.young_id == young_id).order_by(SupportChange.id.desc())
        ).first()


# --- switching on ------------------------------------------------------------------------------


def test_activate_needs_a_level_then_switches_on_and_tells_them(client, world, staff, person):
    item = add_item(world, person.id, add_option(world))
    response = client.post(f"/staff/support/items/{item}/activate", data={})
    assert response.status_code == 422
    assert "Choose how much: a little, some or a lot." in response.get_data(as_text=True)
    assert client.post(f"/staff/support/items/{item}/activate", data={"level": "7"}).status_code == 422
    assert client.post(f"/staff/support/items/{item}/activate", data={"level": "lots"}).status_code == 422
    assert get(world, SupportItem, item).status == ItemStatus.REQUESTED

    response = client.post(f"/staff/support/items/{item}/activate", data={"level": "1"})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/people/{person.id}#item-{item}")
    saved = get(world, SupportItem, item)
    assert (saved.status, saved.level) == (ItemStatus.ACTIVE, 1)
    change = last_change(world, person.id)
    assert (change.kind, change.level_after, change.by_id, change.item_id) == (ChangeKind.ACTIVATED, 1, staff.id, item)
    [note] = notes_for(world, person.id)
    assert note.title == "A volunteer mentor is on now" and "a little" in note.body
    again = client.post(f"/staff/support/items/{item}/activate", data={"level": "2"})
    assert again.status_code == 409 and "Only a request that is waiting" in again.get_data(as_text=True)


@pytest.mark.clock
def test_digital_contact_is_never_switched_on_without_the_day_and_the_person(client, world, staff, person, make):
    caseworker = make.user(support_type="caseworker", name="Hanne Lund")
    stranger = make.user(support_type="caseworker")
    with world() as s:
        s.add(SupportLink(young_id=person.id, supporter_id=caseworker.id, is_primary=True))
    option = add_option(world, kind="digital_contact", name="Digital kontakt", name_en="Digital contact")
    item = add_item(world, person.id, option)
    url = f"/staff/support/items/{item}/activate"

    body = client.post(url, data={"level": "1"}).get_data(as_text=True)
    assert "Write the day you agreed it with Sara." in body and "Choose who agreed it with Sara." in body
    assert 'id="activate-' + str(item) + '-agreed_on"' in body and "Hanne Lund" in body  # the circle is a choice
    tomorrow = (hub_today() + timedelta(days=1)).isoformat()
    response = client.post(url, data={"level": "1", "agreed_on": tomorrow, "agreed_with": caseworker.id})
    assert response.status_code == 422 and "cannot be in the future" in response.get_data(as_text=True)
    response = client.post(url, data={"level": "1", "agreed_on": "yesterday", "agreed_with": caseworker.id})
    assert response.status_code == 422 and "Choose a date" in response.get_data(as_text=True)
    response = client.post(url, data={"level": "1", "agreed_on": "2026-01-05", "agreed_with": stranger.id})
    assert response.status_code == 422 and "from the staff or from their circle" in response.get_data(as_text=True)
    assert get(world, SupportItem, item).status == ItemStatus.REQUESTED

    agreed = hub_today().isoformat()  # today, in Aarhus, is not in the future
    assert client.post(url, data={"level": "1", "agreed_on": agreed, "agreed_with": caseworker.id}).status_code == 303
    saved = get(world, SupportItem, item)
    assert (saved.status, saved.agreed_on.isoformat(), saved.agreed_with_id) == ("active", agreed, caseworker.id)
    assert "with Hanne Lund" in client.get(f"/staff/support/people/{person.id}").get_data(as_text=True)


def test_staff_can_agree_it_themselves(world, make, person):
    staff = make.user(is_staff=True)
    item = add_item(world, person.id, add_option(world, kind="digital_contact"))
    with world() as s:
        menu.activate(
            s,
            actor=s.get(User, staff.id),
            item=s.get(SupportItem, item),
            level=2,
            agreed_on=date(2026, 1, 5),
            agreed_with_id=staff.id,
            today=date(2026, 1, 5),
        )
    assert get(world, SupportItem, item).agreed_with_id == staff.id


# --- up, down, pause, resume, end ----------------------------------------------------------------


def test_levels_go_up_and_down_and_are_counted(client, world, staff, person):
    item = add_item(world, person.id, add_option(world), status=ItemStatus.ACTIVE, level=1)
    url = f"/staff/support/items/{item}/adjust"
    response = client.post(url, data={"level": "2"})
    assert response.status_code == 422 and "Write why, in a few words." in response.get_data(as_text=True)
    response = client.post(url, data={"level": "1", "reason": "same"})
    assert response.status_code == 422 and "That is the level it has now" in response.get_data(as_text=True)

    assert client.post(url, data={"level": "3", "reason": "Going to climbing twice a week"}).status_code == 303
    up = last_change(world, person.id)
    assert (up.kind, up.level_before, up.level_after, up.reason) == (
        ChangeKind.SCALED_UP,
        1,
        3,
        "Going to climbing twice a week",
    )
    assert client.post(url, data={"level": "2", "reason": "Exams"}).status_code == 303
    down = last_change(world, person.id)
    assert (down.kind, down.level_before, down.level_after) == (ChangeKind.SCALED_DOWN, 3, 2)
    assert client.post(f"/staff/support/items/{item}/pause", data={"reason": "Summer job"}).status_code == 303
    assert notes_for(world, person.id)[-1].title == "A volunteer mentor is paused"
    body = client.get(f"/staff/support/people/{person.id}").get_data(as_text=True)
    assert "Scaled up 1 time, down 1 time, paused 1 time." in body
    assert "A volunteer mentor: more, from a little to a lot" in body and "Louise Holm" in body


def test_pause_resume_end_and_impossible_steps(client, world, staff, person):
    item = add_item(world, person.id, add_option(world), status=ItemStatus.ACTIVE, level=2)
    base = f"/staff/support/items/{item}"
    response = client.post(base + "/resume", data={})
    assert response.status_code == 409 and "Only paused support can be started again." in response.get_data(
        as_text=True
    )
    assert client.post(base + "/pause", data={}).status_code == 303
    assert get(world, SupportItem, item).status == ItemStatus.PAUSED
    assert client.post(base + "/pause", data={}).status_code == 409
    assert client.post(base + "/adjust", data={"level": "3", "reason": "x"}).status_code == 409
    assert client.post(base + "/resume", data={"reason": "Back from Skagen"}).status_code == 303
    assert get(world, SupportItem, item).status == ItemStatus.ACTIVE
    assert client.post(base + "/end", data={"reason": "x" * 501}).status_code == 422
    assert client.post(base + "/end", data={}).status_code == 303
    saved = get(world, SupportItem, item)
    assert (saved.status, saved.level) == (ItemStatus.ENDED, 2)
    assert client.post(base + "/end", data={}).status_code == 409
    assert client.post(base + "/decline", data={"reason": "no"}).status_code == 409
    assert changes(world, person.id) == [ChangeKind.PAUSED, ChangeKind.RESUMED, ChangeKind.ENDED]
    titles = [note.title for note in notes_for(world, person.id)]
    assert titles == ["A volunteer mentor is paused", "A volunteer mentor is on again", "A volunteer mentor has ended"]


def test_decline_needs_a_reason_and_the_young_person_reads_it(client, world, staff, person, auth):
    item = add_item(world, person.id, add_option(world))
    response = client.post(f"/staff/support/items/{item}/decline", data={"reason": "  "})
    assert response.status_code == 422 and "so Sara understands" in response.get_data(as_text=True)
    reason = "We have no mentors free before summer. Let us talk about klip instead."
    assert client.post(f"/staff/support/items/{item}/decline", data={"reason": reason}).status_code == 303
    saved = get(world, SupportItem, item)
    assert (saved.status, saved.note) == (ItemStatus.DECLINED, reason)
    assert last_change(world, person.id).reason == reason
    assert notes_for(world, person.id)[-1].title == "About your request: A volunteer mentor"
    auth.logout()
    auth.login(person)
    body = client.get("/support/options").get_data(as_text=True)
    assert "Not this time" in body and reason in body and "Ask again" in body


def test_the_failed_form_opens_beside_its_item(client, world, staff, person):
    first = add_item(world, person.id, add_option(world))
    second = add_item(world, person.id, add_option(world, name="Klip", name_en="Klip"))
    body = client.post(f"/staff/support/items/{second}/decline", data={}).get_data(as_text=True)
    assert f'id="decline-{second}-reason-error"' in body and f'id="decline-{first}-reason-error"' not in body


def test_two_staff_cannot_decide_the_same_request_twice(world, make, person):
    item = add_item(world, person.id, add_option(world))
    one, two = make.user(is_staff=True), make.user(is_staff=True)
    with world() as s:
        menu.decline(s, actor=s.get(User, one.id), item=s.get(SupportItem, item), reason="Not now")
    with pytest.raises(Conflict) as error, world() as s:
        menu.activate(s, actor=s.get(User, two.id), item=s.get(SupportItem, item), level=1)
    assert error.value.code == "cannot_activate"


def test_only_staff_decide(world, make, person):
    item = add_item(world, person.id, add_option(world))
    mentor = make.user(is_mentor=True)
    with pytest.raises(Forbidden), world() as s:
        menu.activate(s, actor=s.get(User, mentor.id), item=s.get(SupportItem, item), level=1)


# --- pages -------------------------------------------------------------------------------------


def test_the_overview_lists_requests_oldest_first_with_what_else_waits(client, world, staff, make):
    older = make.user(is_young=True, name="Amina Hassan", trial_enrolled_at=menu.utcnow())
    newer = make.user(is_young=True, name="Mads Kristensen")
    option = add_option(world)
    add_item(world, newer.id, option, requested_at=menu.utcnow() - timedelta(days=1))
    add_item(world, older.id, option, requested_at=menu.utcnow() - timedelta(days=5), wish="Someone who speaks Arabic")
    mentor = make.user(is_mentor=True, name="Peter Madsen")
    with world() as s:
        s.add(Nomination(young_id=older.id, name="Kim", relation="coach"))
        sparring = SparringRequest(mentor_id=mentor.id, text="Can we talk about Amina?")
        s.add(sparring)
        s.flush()
        sparring_id = sparring.id
    body = client.get("/staff/support").get_data(as_text=True)
    assert body.index("Amina Hassan") < body.index("Mads Kristensen")
    assert "waiting 5 days" in body and "Someone who speaks Arabic" in body and "In the trial" in body
    assert "1 nomination waiting" in body and "/staff/support/nominations" in body and "/staff/checkins" in body
    assert "Can we talk about Amina?" in body and "Peter Madsen" in body

    assert client.post(f"/staff/support/sparring/{sparring_id}/done").status_code == 303
    answered = get(world, SparringRequest, sparring_id)
    assert answered.answered_at is not None and answered.answered_by_id == staff.id
    assert "Can we talk about Amina?" not in client.get("/staff/support").get_data(as_text=True)
    assert client.post(f"/staff/support/sparring/{sparring_id}/done").status_code == 303  # twice is once


def test_search_finds_young_people_as_a_fragment(client, staff, make):
    make.user(is_young=True, name="Amina Hassan")
    make.user(is_staff=True, name="Amir Staff")
    fragment = client.get("/staff/support?q=ami", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in fragment and 'id="support-search-results"' in fragment
    assert "Amina Hassan" in fragment and "Amir Staff" not in fragment
    page = client.get("/staff/support?q=zzz").get_data(as_text=True)
    assert "<html" in page and "No young person is called that." in page


def test_the_person_page_shows_items_circle_and_links(client, world, staff, person, make):
    caseworker = make.user(support_type="caseworker", name="Hanne Lund")
    mentor = make.user(is_mentor=True, name="Peter Madsen")
    with world() as s:
        s.add(SupportLink(young_id=person.id, supporter_id=mentor.id, see_plan=True))
        s.add(SupportLink(young_id=person.id, supporter_id=caseworker.id, is_primary=True, see_klip=True))
    add_item(world, person.id, add_option(world), status=ItemStatus.ACTIVE, level=3, wish="Climbing")
    body = client.get(f"/staff/support/people/{person.id}").get_data(as_text=True)
    assert body.index("Hanne Lund") < body.index("Peter Madsen") and "Main support person" in body
    assert "Sees Sara&#39;s klippekort" in body and "Sees Sara&#39;s plan" in body and "Your plan" not in body
    assert "Level: a lot" in body and "Climbing" in body and "More or less" in body and "Switch on" not in body
    assert f'href="/young/{person.id}/plan"' in body and f'href="/my-young-people/{person.id}"' in body


def test_the_person_page_is_for_young_people_only(client, staff, make):
    assert client.get(f"/staff/support/people/{staff.id}").status_code == 404
    assert client.get("/staff/support/people/999999").status_code == 404
    assert client.post("/staff/support/items/999999/activate", data={"level": "1"}).status_code == 404


def test_non_staff_get_no_further(client, world, login_as, person):
    item = add_item(world, person.id, add_option(world))
    login_as("young")
    assert client.get("/staff/support").status_code == 403
    assert client.post(f"/staff/support/items/{item}/activate", data={"level": "1"}).status_code == 403
    assert get(world, SupportItem, item).status == ItemStatus.REQUESTED


def test_the_staff_home_card(client, world, staff, person):
    add_item(world, person.id, add_option(world))
    body = client.get("/").get_data(as_text=True)
    assert 'id="home-support"' in body and "1 request waiting" in body and "Sara: A volunteer mentor" in body
    assert "0 mentors want a talk" in body


# --- the menu of options -------------------------------------------------------------------------


def test_adding_an_option_puts_it_last_and_checks_the_words(client, world, staff):
    add_option(world, position=4)
    response = client.post("/staff/support/options/new", data={"kind": "other", "name": " "})
    assert response.status_code == 422 and "Give it a short name in Danish." in response.get_data(as_text=True)
    response = client.post("/staff/support/options/new", data={"kind": "rocket", "name": "x" * 81})
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and "Choose what kind" in body and "Keep it under 80 characters." in body
    data = {"kind": "other", "name": "Hjælp til bolig", "description": "Vi hjælper", "name_en": "Help with housing"}
    assert client.post("/staff/support/options/new", data=data).status_code == 303
    with world() as s:
        option = s.exec(select(SupportOption).where(SupportOption.name == "Hjælp til bolig")).one()
        assert (option.position, option.active, option.name_en) == (5, True, "Help with housing")


def test_editing_an_option(client, world, staff):
    option = add_option(world)
    page = client.get(f"/staff/support/options/{option}/edit").get_data(as_text=True)
    assert 'value="Frivillig mentor"' in page
    data = {"kind": "mentor", "name": "Mentor", "description": "", "name_en": "Mentor (EN)", "description_en": ""}
    assert client.post(f"/staff/support/options/{option}/edit", data=data).status_code == 303
    assert get(world, SupportOption, option).name_en == "Mentor (EN)"
    assert client.get("/staff/support/options/999999/edit").status_code == 404


def test_moving_options_up_and_down(client, world, staff):
    a, b, c = (add_option(world, name=n, position=i) for i, n in enumerate("ABC", start=1))
    off = add_option(world, name="Off", active=False, position=0)
    assert client.post(f"/staff/support/options/{c}/move", data={"direction": "up"}).status_code == 303
    assert client.post(f"/staff/support/options/{a}/move", data={"direction": "up"}).status_code == 303  # top
    assert client.post(f"/staff/support/options/{off}/move", data={"direction": "up"}).status_code == 303
    assert client.post(f"/staff/support/options/{a}/move", data={}).status_code == 422
    with world() as s:
        order = [
            o.name for o in s.exec(select(SupportOption).where(SupportOption.active).order_by(SupportOption.position))
        ]
    assert order == ["A", "C", "B"]
    body = client.get("/staff/support/options").get_data(as_text=True)
    spots = [body.index(f'id="option-{option}"') for option in (a, c, b, off)]
    assert spots == sorted(spots)


def test_retiring_an_option_never_touches_items(client, world, staff, person):
    option = add_option(world)
    item = add_item(world, person.id, option, status=ItemStatus.ACTIVE, level=2)
    assert client.post(f"/staff/support/options/{option}/active", data={}).status_code == 422
    assert client.post(f"/staff/support/options/{option}/active", data={"active": "no"}).status_code == 303
    assert get(world, SupportOption, option).active is False
    saved = get(world, SupportItem, item)
    assert (saved.status, saved.level) == (ItemStatus.ACTIVE, 2)
    assert "Off the menu" in client.get("/staff/support/options").get_data(as_text=True)
    assert client.post(f"/staff/support/options/{option}/active", data={"active": "yes"}).status_code == 303
    assert get(world, SupportOption, option).active is True
