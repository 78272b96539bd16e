"""A page that writes as it reads (an audit line, a read mark) takes the write lock at once.

On SQLite a request that has read and then writes cannot take the write lock once another
request committed in between: "database is locked", and the page would be a 500. Views that
write on GET are marked with `hub.db.writes`; code that writes on a page read checks the mark.
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from hub.accounts.models import User
from hub.audit import services as audit
from hub.db import get_session, job_session, writes


def _commit_elsewhere(app, user_id: int) -> None:
    with app.app_context(), job_session() as other:
        other.get(User, user_id).pronouns = "de"


@pytest.fixture
def two_people(make):
    return make.user(is_staff=True), make.user(is_young=True)


def _page_read_then_write(app, path: str, staff: User, young: User) -> None:
    """The page reads; another request writes (it commits at once, or waits for the page's lock);
    then the page writes and commits."""
    failed = []

    def other_request():
        try:
            _commit_elsewhere(app, young.id)
        except Exception as error:  # noqa: BLE001 - reported below
            failed.append(error)

    other = threading.Thread(target=other_request)
    try:
        with app.test_request_context(path, method="GET"):
            session = get_session()
            session.exec(text("SELECT count(*) FROM user_account")).one()
            other.start()
            other.join(timeout=2)  # committed by now, unless it waits for this page's lock
            audit.record(session, actor=staff, young_id=young.id, area="plan")
            session.commit()
    finally:
        if other.is_alive() or other.ident:
            other.join()
    assert not failed, failed
    with app.app_context(), job_session() as check:
        assert check.get(User, young.id).pronouns == "de"


def test_a_marked_page_writes_after_another_commit(app, two_people):
    app.add_url_rule("/test/marked/<int:young_id>", "test_marked", writes(lambda young_id: ""))
    _page_read_then_write(app, f"/test/marked/{two_people[1].id}", *two_people)


def test_an_unmarked_page_that_writes_is_caught_in_tests(app, two_people):
    app.add_url_rule("/test/unmarked/<int:young_id>", "test_unmarked", lambda young_id: "")
    with pytest.raises(RuntimeError, match="mark the view with hub.db.writes"):
        _page_read_then_write(app, f"/test/unmarked/{two_people[1].id}", *two_people)


def test_without_the_mark_sqlite_refuses_the_late_write(app, two_people):
    """Why the mark exists: the same page on a plain read transaction fails on SQLite."""
    if app.extensions["hub_engine"].dialect.name != "sqlite":
        pytest.skip("PostgreSQL takes row locks as it writes; only SQLite's read snapshot cannot turn into a write")
    staff, young = two_people
    app.testing = False  # no guard: let the database answer
    app.add_url_rule("/test/plain/<int:young_id>", "test_plain", lambda young_id: "")
    with pytest.raises(OperationalError, match="database is locked"):
        _page_read_then_write(app, f"/test/plain/{young.id}", staff, young)
