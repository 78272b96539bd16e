"""The access matrix's world (a young person with one of everything, and a caseworker in their
circle who may see it all), and logging in as one of its people."""

from __future__ import annotations

import pytest

from hub.accounts.models import User
from tests.test_access_matrix import people  # noqa: F401  (a fixture)


@pytest.fixture
def login_id(app, auth):
    """Log the client in as an existing person, by id."""
    from hub.db import job_session

    def login(user_id: int) -> User:
        with app.app_context(), job_session() as session:
            user = session.get(User, user_id)
        auth.login(user)
        return user

    return login


@pytest.fixture
def entries(world):
    """The audit entries now, oldest first: `entries(young_id=…, action="read")`."""
    from sqlmodel import select

    from hub.audit.models import AuditEntry

    def read(**where):
        with world() as session:
            statement = select(AuditEntry).order_by(AuditEntry.at, AuditEntry.id)
            for name, value in where.items():
                statement = statement.where(getattr(AuditEntry, name) == value)
            return list(session.exec(statement))

    return read
