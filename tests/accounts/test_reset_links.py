"""Reset links asked for by e-mail: a stranger asking again cannot cancel the person's link, and a
new password ends every link still open."""

from __future__ import annotations

import pytest

from hub.accounts import services
from hub.errors import NotFound

NEW_PASSWORD = "a calm walk by the river"


def test_asking_again_does_not_cancel_the_link_in_the_persons_inbox(app, world, make):
    person = make.user(is_young=True)
    with world() as session:
        first = services.issue_reset(session, actor=None, user=session.get(type(person), person.id))
    with world() as session:  # anyone can ask for another mail to the same address
        services.issue_reset(session, actor=None, user=session.get(type(person), person.id))
    with world() as session:
        assert services.redeem_token(session, token=first, password=NEW_PASSWORD).id == person.id


def test_a_new_password_ends_every_open_link(app, world, make):
    person = make.user(is_young=True)
    with world() as session:
        user = session.get(type(person), person.id)
        first = services.issue_reset(session, actor=None, user=user)
        second = services.issue_reset(session, actor=None, user=user)
    with world() as session:
        services.redeem_token(session, token=second, password=NEW_PASSWORD)
    with world() as session, pytest.raises(NotFound) as refused:
        services.find_token(session, first)
    assert refused.value.code == "link_invalid"


def test_a_link_staff_make_replaces_the_older_one(app, world, make):
    staff = make.user(is_staff=True)
    person = make.user(is_young=True)
    with world() as session:
        older = services.issue_reset(session, actor=None, user=session.get(type(person), person.id))
    with world() as session:
        services.issue_reset(
            session, actor=session.get(type(staff), staff.id), user=session.get(type(person), person.id)
        )
    with world() as session, pytest.raises(NotFound):
        services.find_token(session, older)
