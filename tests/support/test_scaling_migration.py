"""Migration 0020 adds the pause's end day, its place in the history and the "support options"
sharing choice; rows already there keep everything and share nothing new; a downgrade takes the
columns away again and keeps the rows."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from alembic import command

from hub.db import make_engine
from tests.audit.test_migration import _config, _insert

AT = datetime(2026, 11, 1, 10, 0, tzinfo=UTC)
TABLES = ["user_account", "support_option", "support_item", "support_change", "support_link"]


def _tables(connection) -> dict[str, sa.Table]:
    metadata = sa.MetaData()
    metadata.reflect(connection, only=TABLES)
    return metadata.tables


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_upgrade_adds_the_columns_and_downgrade_removes_them_keeping_the_rows(backend, backend_url_factory):
    url = backend_url_factory(backend)
    config = _config(url)
    command.upgrade(config, "0019")
    engine = make_engine(url)
    with engine.begin() as connection:
        tables = _tables(connection)
        assert "paused_until" not in tables["support_item"].c and "see_support" not in tables["support_link"].c
        young = _insert(connection, tables["user_account"], email="sara@example.org", name="Sara", is_young=True)
        mentor = _insert(connection, tables["user_account"], email="peter@example.org", name="Peter", is_mentor=True)
        option = _insert(connection, tables["support_option"], kind="mentor", name="Frivillig mentor", created_at=AT)
        item = _insert(
            connection,
            tables["support_item"],
            young_id=young,
            option_id=option,
            status="active",
            level=2,
            requested_at=AT,
            updated_at=AT,
        )
        _insert(
            connection,
            tables["support_change"],
            young_id=young,
            kind="activated",
            at=AT,
            item_id=item,
            level_after=2,
            reason="",
        )
        link = _insert(
            connection, tables["support_link"], young_id=young, supporter_id=mentor, see_plan=True, started_at=AT
        )
    engine.dispose()

    command.upgrade(config, "0020")
    engine = make_engine(url)
    with engine.begin() as connection:
        tables = _tables(connection)
        row = connection.execute(sa.select(tables["support_link"]).where(tables["support_link"].c.id == link)).one()
        assert (row.see_plan, row.see_support) == (True, False)  # nobody sees support options until she says so
        assert connection.execute(sa.select(tables["support_item"].c.paused_until)).scalar_one() is None
        assert connection.execute(sa.select(tables["support_change"].c.until)).scalar_one() is None
        # The new columns take what the app writes.
        connection.execute(tables["support_item"].update().values(status="paused", paused_until=date(2027, 1, 10)))
        _insert(
            connection,
            tables["support_change"],
            young_id=young,
            kind="paused",
            at=AT,
            item_id=item,
            level_before=2,
            level_after=2,
            until=date(2027, 1, 10),
            reason="Eksamen",
        )
        connection.execute(tables["support_link"].update().values(see_support=True))
    engine.dispose()

    command.downgrade(config, "0019")
    engine = make_engine(url)
    with engine.begin() as connection:
        tables = _tables(connection)
        assert "paused_until" not in tables["support_item"].c
        assert "until" not in tables["support_change"].c
        assert "see_support" not in tables["support_link"].c
        assert connection.execute(sa.select(tables["support_item"].c.status)).scalar_one() == "paused"
        kinds = connection.execute(sa.select(tables["support_change"].c.kind).order_by("id")).scalars().all()
        assert kinds == ["activated", "paused"]
        assert connection.execute(sa.select(tables["support_link"].c.see_plan)).scalar_one() is True
    engine.dispose()
    command.upgrade(config, "head")
