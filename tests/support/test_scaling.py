"""The young person scales their own support: more, less, a pause (perhaps until a day), start again.

Each change is theirs alone, is written in the history (who, when, from what to what, their words),
tells the staff and the support people the option concerns, and a second tap of the same button
changes nothing. A pause with an end day starts again by itself, and quiets check-in reminders.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlmodel import select

from hub.accounts.models import User
from hub.checkins.jobs import remind_supporters
from hub.checkins.models import CheckIn
from hub.db import utcnow
from hub.errors import Conflict, Invalid, NotFound
from hub.messages.hours import AARHUS
from hub.support import menu, scaling
from hub.support.models import ChangeKind, ItemStatus, SupportChange, SupportItem, SupportLink
from tests.support.test_menu import add_item, add_option, get, notes_for

TODAY = date(2026, 12, 7)


def history(world, young_id: int) -> list[SupportChange]:
    with world() as s:
        return list(s.exec(select(SupportChange).where(SupportChange.young_id == young_id).order_by(SupportChange.id)))


def link(world, young_id: int, supporter_id: int, **sharing) -> int:
    with world() as s:
        row = SupportLink(young_id=young_id, supporter_id=supporter_id, **sharing)
        s.add(row)
        s.flush()
        return row.id


def do(world, young_id: int, item_id: int, change: str, **values) -> scaling.Outcome:
    """The young person makes one change, in a step of its own, as on "today" (TODAY)."""
    with world() as s:
        item = s.get(SupportItem, item_id)
        return scaling.scale(s, actor=s.get(User, young_id), item=item, change=change, today=TODAY, **values)


@pytest.fixture
def sara(make):
    return make.user(is_young=True, preferred_name="Sara", locale="en", trial_enrolled_at=utcnow())


@pytest.fixture
def mentor_option(world):
    return add_option(world)  # kind "mentor", "A volunteer mentor"


# --- the service ---------------------------------------------------------------------------------


@pytest.mark.clock
def test_more_less_pause_and_start_again_are_written_with_from_to_and_words(world, make, sara, mentor_option):
    staff = make.user(is_staff=True, locale="en")
    item = add_item(world, sara.id, mentor_option, status=ItemStatus.ACTIVE, level=1)

    assert do(world, sara.id, item, "more", seen="active:1", note="  Twice a week, please  ").changed
    assert (get(world, SupportItem, item).status, get(world, SupportItem, item).level) == ("active", 2)
    do(world, sara.id, item, "pause", seen="active:2", until=TODAY + timedelta(days=30), note="Exams")
    paused = get(world, SupportItem, item)
    assert (paused.status, paused.level, paused.paused_until) == ("paused", 2, TODAY + timedelta(days=30))
    do(world, sara.id, item, "resume", seen="paused:2")
    do(world, sara.id, item, "less", seen="active:2")
    back = get(world, SupportItem, item)
    assert (back.status, back.level, back.paused_until) == ("active", 1, None)

    rows = history(world, sara.id)
    assert [(r.kind, r.level_before, r.level_after, r.until, r.reason, r.by_id) for r in rows] == [
        (ChangeKind.SCALED_UP, 1, 2, None, "Twice a week, please", sara.id),
        (ChangeKind.PAUSED, 2, 2, TODAY + timedelta(days=30), "Exams", sara.id),
        (ChangeKind.RESUMED, 2, 2, None, "", sara.id),
        (ChangeKind.SCALED_DOWN, 2, 1, None, "", sara.id),
    ]
    titles = [note.title for note in notes_for(world, staff.id)]
    assert titles == [
        "Sara wants more: A volunteer mentor",
        "Sara has paused: A volunteer mentor",
        "Sara has started again: A volunteer mentor",
        "Sara wants less: A volunteer mentor",
    ]
    first = notes_for(world, staff.id)[0]
    assert first.body == "From a little to some. “Twice a week, please”"
    assert first.url == f"/staff/support/people/{sara.id}"


def test_the_mentor_it_concerns_is_told_and_reads_the_words_only_when_shared(world, make, sara, mentor_option):
    make.user(is_staff=True, locale="en")
    told = make.user(is_mentor=True, name="Peter Mentor", locale="en")
    not_shared = make.user(is_mentor=True, name="Mona Mentor", locale="en")
    caseworker = make.user(support_type="caseworker")  # in the circle, but a mentor option is not theirs
    link(world, sara.id, told.id, see_support=True)
    link(world, sara.id, not_shared.id, see_support=False)
    link(world, sara.id, caseworker.id, see_support=True)
    item = add_item(world, sara.id, mentor_option, status=ItemStatus.ACTIVE, level=2)

    do(world, sara.id, item, "pause", seen="active:2", note="Too much right now")

    [shared_note] = notes_for(world, told.id)
    assert shared_note.title == "Sara has paused: A volunteer mentor"
    assert "Too much right now" in shared_note.body and shared_note.url == f"/my-young-people/{sara.id}"
    [private_note] = notes_for(world, not_shared.id)
    assert "Too much right now" not in private_note.body and private_note.body == "Until they start it again."
    assert notes_for(world, caseworker.id) == []
    with world() as s:
        assert scaling.told_names(s, s.get(SupportItem, item)) == ["Peter", "Mona"]


def test_the_same_tap_twice_changes_it_once(world, make, sara, mentor_option):
    staff = make.user(is_staff=True, locale="en")
    item = add_item(world, sara.id, mentor_option, status=ItemStatus.ACTIVE, level=1)
    first = do(world, sara.id, item, "more", seen="active:1")
    again = do(world, sara.id, item, "more", seen="active:1")
    assert (first.changed, again.changed) == (True, False)
    assert get(world, SupportItem, item).level == 2
    assert [r.kind for r in history(world, sara.id)] == [ChangeKind.SCALED_UP]
    assert len(notes_for(world, staff.id)) == 1
    # A pause sent twice, and starting again twice, likewise.
    assert do(world, sara.id, item, "pause", seen="active:2").changed
    assert not do(world, sara.id, item, "pause", seen="active:2").changed
    assert do(world, sara.id, item, "resume", seen="paused:2").changed
    assert not do(world, sara.id, item, "resume", seen="paused:2").changed
    assert [r.kind for r in history(world, sara.id)] == [ChangeKind.SCALED_UP, ChangeKind.PAUSED, ChangeKind.RESUMED]


def test_a_change_made_meanwhile_by_the_staff_is_a_conflict_not_a_surprise(world, make, sara, mentor_option):
    staff = make.user(is_staff=True, locale="en")
    item = add_item(world, sara.id, mentor_option, status=ItemStatus.ACTIVE, level=1)
    with world() as s:
        menu.adjust(s, actor=s.get(type(staff), staff.id), item=s.get(SupportItem, item), level=3, reason="Agreed")
    with pytest.raises(Conflict) as error:
        do(world, sara.id, item, "less", seen="active:1")  # her page still said "a little"
    assert error.value.code == "changed_meanwhile"
    assert get(world, SupportItem, item).level == 3


@pytest.mark.parametrize(
    ("status", "level", "change", "code"),
    [
        ("active", 3, "more", "cannot_more"),
        ("active", 1, "less", "cannot_less"),
        ("active", 2, "resume", "cannot_resume"),
        ("paused", 2, "more", "cannot_more"),
        ("paused", 2, "pause", "cannot_pause"),
        ("requested", None, "pause", "cannot_pause"),
        ("ended", 2, "resume", "cannot_resume"),
    ],
)
def test_what_cannot_be_done_from_here_says_so(world, sara, mentor_option, status, level, change, code):
    item = add_item(world, sara.id, mentor_option, status=status, level=level)
    with pytest.raises(Conflict) as error:
        do(world, sara.id, item, change, seen=f"{status}:{level or ''}")
    assert error.value.code == code
    assert history(world, sara.id) == []


def test_bad_input_is_named_by_field(world, sara, mentor_option):
    item = add_item(world, sara.id, mentor_option, status=ItemStatus.ACTIVE, level=2)
    for until, message in (
        (TODAY, "Vælg en dag efter i dag"),  # no request here: the hub's language, Danish
        (TODAY + timedelta(days=367), "Vælg en dag inden for et år"),
    ):
        with pytest.raises(scaling.InvalidScale) as error:
            do(world, sara.id, item, "pause", seen="active:2", until=until)
        assert message in error.value.errors["until"]
    with pytest.raises(scaling.InvalidScale) as error:
        do(world, sara.id, item, "more", seen="active:2", note="x" * 301)
    assert "300" in error.value.errors["note"]
    with pytest.raises(Invalid) as error:
        do(world, sara.id, item, "explode", seen="active:2")
    assert error.value.code == "unknown_change"
    assert history(world, sara.id) == [] and get(world, SupportItem, item).level == 2


def test_only_the_young_person_themself_can_scale_their_option(world, make, sara, mentor_option):
    other = make.user(is_young=True, trial_enrolled_at=utcnow())
    staff = make.user(is_staff=True, locale="en")
    item = add_item(world, sara.id, mentor_option, status=ItemStatus.ACTIVE, level=1)
    for person in (other, staff):
        with pytest.raises(NotFound), world() as s:
            scaling.scale(s, actor=s.get(type(person), person.id), item=s.get(SupportItem, item), change="more")
    assert get(world, SupportItem, item).level == 1


# --- pauses that end by themselves, and reminders that rest --------------------------------------


@pytest.mark.clock
def test_a_pause_with_an_end_day_starts_again_by_itself_once(world, make, sara, mentor_option):
    staff = make.user(is_staff=True, locale="en")
    item = add_item(world, sara.id, mentor_option, status=ItemStatus.ACTIVE, level=2)
    do(world, sara.id, item, "pause", seen="active:2", until=TODAY + timedelta(days=3))
    with world() as s:
        assert scaling.resume_ended_pauses(s, today=TODAY + timedelta(days=2)) == 0
    with world() as s:
        assert scaling.resume_ended_pauses(s, today=TODAY + timedelta(days=3)) == 1
    with world() as s:
        assert scaling.resume_ended_pauses(s, today=TODAY + timedelta(days=3)) == 0
    resumed = get(world, SupportItem, item)
    assert (resumed.status, resumed.level, resumed.paused_until) == ("active", 2, None)
    last = history(world, sara.id)[-1]
    assert (last.kind, last.by_id, last.until) == (ChangeKind.RESUMED, None, TODAY + timedelta(days=3))
    [young_note] = notes_for(world, sara.id)
    assert young_note.title == "A volunteer mentor is on again"
    assert notes_for(world, staff.id)[-1].title == "The pause has ended for Sara: A volunteer mentor"


@pytest.mark.clock
def test_check_in_reminders_rest_while_the_support_they_give_is_paused(world, make, sara, mentor_option):
    mentor = make.user(is_mentor=True, locale="en")
    link(world, sara.id, mentor.id)
    item = add_item(world, sara.id, mentor_option, status=ItemStatus.ACTIVE, level=2)
    morning = datetime(2026, 12, 7, 9, 0, tzinfo=AARHUS)
    with world() as s:
        agreed = CheckIn(
            young_id=sara.id, by_id=mentor.id, happened_on=TODAY - timedelta(days=7), way="phone", went="good"
        )
        agreed.next_on = TODAY  # they agreed to be in touch again today
        s.add(agreed)
    do(world, sara.id, item, "pause", seen="active:2")
    with world() as s:
        assert remind_supporters(s, now=morning) == 0
    do(world, sara.id, item, "resume", seen="paused:2")
    with world() as s:
        assert remind_supporters(s, now=morning) == 1
    assert [n.kind for n in notes_for(world, mentor.id)].count("checkin_due") == 1


# --- the pages -----------------------------------------------------------------------------------


@pytest.mark.clock
def test_sara_scales_from_her_page_and_sees_it_in_her_history(client, auth, world, make, sara, mentor_option):
    client.get("/?lang=en")
    auth.login(sara)
    staff = make.user(is_staff=True, locale="en")
    item = add_item(world, sara.id, mentor_option, status=ItemStatus.ACTIVE, level=2)
    body = client.get("/support/options").get_data(as_text=True)
    for label in ("I want more", "I want less", "Pause it"):
        assert label in body
    assert 'value="active:2"' in body and "Start again" not in body and "The staff are told." in body

    until = (menu.local_today() + timedelta(days=10)).isoformat()
    response = client.post(
        f"/support/items/{item}/change", data={"change": "pause", "seen": "active:2", "until": until, "note": "Exams"}
    )
    assert response.status_code == 303 and response.headers["Location"].endswith(f"#option-{mentor_option}")
    body = client.get("/support/options").get_data(as_text=True)
    assert "It starts again by itself on" in body and "Start again" in body and "I want more" not in body
    assert "Paused. It is still yours" in body  # the flash
    again = client.post(f"/support/items/{item}/change", data={"change": "pause", "seen": "active:2"})
    assert again.status_code == 303
    assert "That was done already" in client.get("/support/options").get_data(as_text=True)
    assert len(history(world, sara.id)) == 1 and len(notes_for(world, staff.id)) == 1

    history_page = client.get("/support/history").get_data(as_text=True)
    assert "A volunteer mentor paused until" in history_page and "– you" in history_page and "Exams" in history_page


def test_bad_input_on_the_page_is_a_clear_4xx_in_danish(client, auth, world, sara, mentor_option):
    client.get("/?lang=da")
    auth.login(sara)
    item = add_item(world, sara.id, mentor_option, status=ItemStatus.ACTIVE, level=3)
    today = menu.local_today().isoformat()

    def send(**data):
        return client.post(f"/support/items/{item}/change", data={"seen": "active:3", **data})

    response = send(change="pause", until=today)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Vælg en dag efter i dag" in body and 'aria-invalid="true"' in body
    response = send(change="pause", until="32-13")
    assert response.status_code == 422 and "Vælg en dato" in response.get_data(as_text=True)
    response = send(change="more")
    assert response.status_code == 409 and "Du har allerede meget af den" in response.get_data(as_text=True)
    response = send(change="sideways")
    assert response.status_code == 422
    assert "Vælg mere, mindre, pause eller start igen" in response.get_data(as_text=True)
    assert history(world, sara.id) == []


def test_another_young_person_cannot_scale_saras_option(client, auth, world, make, sara, mentor_option):
    item = add_item(world, sara.id, mentor_option, status=ItemStatus.ACTIVE, level=1)
    amina = make.user(is_young=True, trial_enrolled_at=utcnow())
    auth.login(amina)
    assert client.post(f"/support/items/{item}/change", data={"change": "more", "seen": "active:1"}).status_code == 404
    auth.logout()
    staff = make.user(is_staff=True, locale="en")
    auth.login(staff)
    assert client.post(f"/support/items/{item}/change", data={"change": "more", "seen": "active:1"}).status_code == 404
    auth.logout()
    response = client.post(f"/support/items/{item}/change", data={"change": "more", "seen": "active:1"})
    assert response.status_code in (302, 303, 401)  # sent to log in
    assert get(world, SupportItem, item).level == 1 and history(world, sara.id) == []


def test_staff_see_the_state_and_the_history_with_her_words(client, auth, world, make, sara, mentor_option):
    client.get("/?lang=en")
    item = add_item(world, sara.id, mentor_option, status=ItemStatus.ACTIVE, level=1)
    do(world, sara.id, item, "more", seen="active:1", note="I am ready for more")
    do(world, sara.id, item, "pause", seen="active:2", until=TODAY + timedelta(days=5))
    auth.login(make.user(is_staff=True, locale="en"))
    body = client.get(f"/staff/support/people/{sara.id}").get_data(as_text=True)
    assert "Paused" in body and "Level: some" in body and "their choice" in body
    assert "A volunteer mentor: more, from a little to some" in body and "I am ready for more" in body
    assert "A volunteer mentor paused until" in body and f"– {sara.name}" in body


def test_a_mentor_sees_her_support_only_when_she_shares_it(client, auth, world, make, sara, mentor_option):
    client.get("/?lang=en")
    mentor = make.user(is_mentor=True, locale="en")
    link_id = link(world, sara.id, mentor.id, see_support=False)
    item = add_item(world, sara.id, mentor_option, status=ItemStatus.ACTIVE, level=1)
    do(world, sara.id, item, "more", seen="active:1", note="Private words")
    auth.login(mentor)
    body = client.get(f"/my-young-people/{sara.id}").get_data(as_text=True)
    assert "Their support options" not in body and "Private words" not in body
    assert "their support options" in body  # named among what she has not shared
    with world() as s:
        s.get(SupportLink, link_id).see_support = True
    body = client.get(f"/my-young-people/{sara.id}").get_data(as_text=True)
    assert "Their support options" in body and "Private words" in body and "Level: some" in body


def test_sara_shares_her_support_options_from_the_sharing_form(client, auth, world, make, sara):
    client.get("/?lang=en")
    mentor = make.user(is_mentor=True, locale="en")
    link_id = link(world, sara.id, mentor.id)
    auth.login(sara)
    page = client.get(f"/support/circle/{link_id}")
    assert "My support options" in page.get_data(as_text=True)
    response = client.post(f"/support/circle/{link_id}", data={"see_plan": "y", "see_support": "y"})
    assert response.status_code == 303
    with world() as s:
        saved = s.get(SupportLink, link_id)
        assert (saved.see_plan, saved.see_support, saved.see_bookings) == (True, True, False)
