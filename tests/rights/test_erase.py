"""Erasure: no personal data of the person is left in any table, while the ledger, the bookings
and the statistics still add up, and everyone else's data is untouched."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import String, Text, func, select

from hub.db import job_session
from hub.rights.erase import DELETED_NAME, POLICIES, erase_person
from hub.rights.models import Erasure, ErasureCause
from hub.rights.tables import PEOPLE_TABLE, owner_columns, part_of_links, person_columns, tables


def _is_text(column) -> bool:
    kind = column.type
    return isinstance(kind, String | Text) or isinstance(getattr(kind, "impl", None), String | Text)


def all_strings(session) -> list[tuple[str, str, str]]:
    """(table, column, value) for every string value in every table."""
    found = []
    for table in tables():
        columns = [c for c in table.columns if _is_text(c)]
        if not columns:
            continue
        for row in session.execute(select(*columns)).all():
            for column, value in zip(columns, row, strict=True):
                if value:
                    found.append((table.name, column.name, value))
    return found


def ledger_of(session, user_id: int) -> list[tuple[str, int]]:
    from hub.credits.models import KlipEntry

    rows = session.exec(
        select(KlipEntry.kind, KlipEntry.amount).where(KlipEntry.user_id == user_id).order_by(KlipEntry.id)
    )
    return [tuple(row) for row in rows]


def bookings_by_event(session) -> Counter:
    from hub.events.models import Booking

    return Counter(tuple(row) for row in session.exec(select(Booking.event_id, Booking.status)).all())


def erase(app, person_id: int, staff_id: int):
    from hub.accounts.models import User

    with app.app_context(), job_session() as session:
        return erase_person(
            session, person=session.get(User, person_id), cause=ErasureCause.REQUEST, actor=session.get(User, staff_id)
        )


def test_erasure_leaves_no_personal_data_anywhere(app, world_ab):
    a, b = world_ab.a, world_ab.b
    with app.app_context(), job_session() as session:
        before = all_strings(session)
    assert any(a.texts["dreams"] == value for _t, _c, value in before)  # the search can find them

    erase(app, a.id, world_ab.staff_id)

    with app.app_context(), job_session() as session:
        after = all_strings(session)
    left = [
        (table, column, value)
        for table, column, value in after
        for secret in [*a.identifying, a.display]
        if secret in value
    ]
    assert left == [], f"personal data of the erased person is left: {left}"
    # Everyone else's is untouched.
    values = {value for _t, _c, value in after}
    for secret in b.identifying:
        assert any(secret in value for value in values), f"B's {secret!r} went too"


def test_the_ledger_bookings_and_statistics_still_add_up(app, world_ab):
    a = world_ab.a
    from hub.events.models import Booking, BookingStatus
    from hub.messages.models import Conversation, Message
    from hub.plans.models import Goal
    from hub.support.models import SupportChange

    with app.app_context(), job_session() as session:
        ledger = ledger_of(session, a.id)
        bookings = bookings_by_event(session)
        messages = session.exec(select(func.count()).select_from(Message)).one()
        goals = session.exec(select(Goal.area, Goal.status).where(Goal.young_id == a.id)).all()
        changes = session.exec(select(func.count()).select_from(SupportChange)).one()[0]

    erase(app, a.id, world_ab.staff_id)

    with app.app_context(), job_session() as session:
        assert ledger_of(session, a.id) == ledger  # every amount and kind, in order
        assert sum(amount for _kind, amount in ledger) == 8
        after = bookings_by_event(session)
        # The past event's numbers are as they were; the place still to come is released.
        past = {key: n for key, n in bookings.items() if key[0] == world_ab.past_event}
        assert {key: n for key, n in after.items() if key[0] == world_ab.past_event} == past
        assert session.get(Booking, a.ids["future_booking"]).status == BookingStatus.CANCELLED
        assert session.get(Booking, a.ids["past_booking"]).checked_in_at is not None
        assert session.exec(select(func.count()).select_from(Message)).one()[0] == messages[0]
        assert session.exec(select(Goal.area, Goal.status).where(Goal.young_id == a.id)).all() == goals
        talk = session.get(Conversation, a.ids["hub_talk"])
        assert talk.status == "closed" and talk.topic == "housing"
        # The circle and the support ended, and the endings are in the history like any other.
        assert session.exec(select(func.count()).select_from(SupportChange)).one()[0] == changes + 2


def test_the_account_is_anonymised_and_logged_out(app, world_ab):
    from hub.accounts.models import User, UserSession
    from hub.notifications.models import Notification, PushSubscription

    a = world_ab.a
    with app.app_context(), job_session() as session:
        session.add(UserSession(token_hash="x" * 64, user_id=a.id))
    erase(app, a.id, world_ab.staff_id)
    with app.app_context(), job_session() as session:
        user = session.get(User, a.id)
        assert user.name == DELETED_NAME and user.preferred_name is None
        assert user.password_hash is None and not user.is_active
        assert a.email not in user.email and user.email.endswith(".invalid")
        assert user.disabled_at is not None
        for model in (UserSession, Notification, PushSubscription):
            assert not session.exec(select(model).where(model.user_id == a.id)).all(), model.__name__
        erasure = session.get(Erasure, a.id)
        assert erasure.cause == ErasureCause.REQUEST and erasure.by_id == world_ab.staff_id


def test_erasing_twice_is_erasing_once(app, world_ab):
    first = erase(app, world_ab.a.id, world_ab.staff_id)
    second = erase(app, world_ab.a.id, world_ab.staff_id)
    assert (first.user_id, first.at) == (second.user_id, second.at)


def test_every_table_with_rows_of_a_person_has_a_policy():
    """A new table holding a person's own rows needs a decision: delete them, or keep them
    without their words. (Unlisted, they are deleted; this test says so before production does.)"""
    undecided = []
    for table in tables():
        if table.name == PEOPLE_TABLE:
            continue
        owns = owner_columns(person_columns().get(table.name, []))
        if (owns or part_of_links(table)) and table.name not in POLICIES:
            undecided.append(table.name)
    # Tables that hang off shared things (an event, an offer) only, with no person in them, are fine.
    undecided = [name for name in undecided if person_columns().get(name)]
    assert undecided == [], f"decide what erasure does with: {undecided}"


def test_an_erased_account_cannot_be_opened_again(app, world_ab):
    import pytest

    from hub.accounts import services as accounts
    from hub.accounts.models import User
    from hub.errors import Conflict
    from tests.factories import make_user

    erase(app, world_ab.a.id, world_ab.staff_id)
    with app.app_context(), job_session() as session:
        admin = make_user(session, is_admin=True, is_staff=True)
        person = session.get(User, world_ab.a.id)
        with pytest.raises(Conflict):
            accounts.set_disabled(session, actor=admin, user=person, disabled=False)
        assert person.disabled_at is not None
        other = session.get(User, world_ab.b.id)
        accounts.set_disabled(session, actor=admin, user=other, disabled=True)
        accounts.set_disabled(session, actor=admin, user=other, disabled=False)  # not erased: opens again
        assert other.disabled_at is None
