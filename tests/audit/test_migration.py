"""Migration 0009 moves the old logs into the one audit log, and back on a downgrade."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from hub import ROOT
from hub.db import make_engine

AT = datetime(2026, 11, 1, 10, 0, tzinfo=UTC)


def _config(url: str) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("sqlalchemy.url", url)
    config.attributes["configure_logging"] = False
    return config


def _filler(column: sa.Column):
    """A value for a NOT NULL column the test does not care about."""
    kind = column.type
    if isinstance(kind, sa.Boolean):
        return False
    if isinstance(kind, sa.Integer):
        return 0
    if isinstance(kind, sa.DateTime):
        return AT.replace(tzinfo=None)
    return "x"


def _insert(connection, table: sa.Table, **values) -> int:
    for column in table.columns:
        needed = not (column.nullable or column.primary_key or column.server_default is not None)
        if needed and column.name not in values:
            values[column.name] = _filler(column)
    return connection.execute(table.insert().values(**values)).inserted_primary_key[0]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_circle_views_and_conversation_reads_become_audit_lines(backend, backend_url_factory):
    url = backend_url_factory(backend)
    config = _config(url)
    command.upgrade(config, "0008")
    engine = make_engine(url)
    with engine.begin() as connection:
        tables = sa.MetaData()
        tables.reflect(connection, only=["user_account", "support_link", "circle_view", "audit_entry"])
        user, link_table = tables.tables["user_account"], tables.tables["support_link"]
        young = _insert(connection, user, email="sara@example.org", name="Sara", is_young=True)
        staff = _insert(connection, user, email="louise@example.org", name="Louise", is_staff=True)
        hanne = _insert(connection, user, email="hanne@example.org", name="Hanne", support_type="caseworker")
        link = _insert(
            connection, link_table, young_id=young, supporter_id=hanne, started_at=AT.replace(day=1, month=10)
        )
        _insert(connection, tables.tables["circle_view"], link_id=link, area="plan", viewed_at=AT)
        _insert(connection, tables.tables["circle_view"], link_id=link, area="checkins", viewed_at=AT)
        _insert(
            connection,
            tables.tables["audit_entry"],
            actor_id=staff,
            young_id=young,
            action="read_conversation",
            object_id=42,
            at=AT,
        )
    command.upgrade(config, "0009")
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text(
                "SELECT actor_id, actor_kind, young_id, area, action, detail, object_id FROM audit_entry ORDER BY id"
            )
        ).all()
        assert [tuple(row) for row in rows] == [
            (staff, "staff", young, "messages", "read", "", 42),
            (hanne, "caseworker", young, "plan", "read", "", None),
            (hanne, "caseworker", young, "checkins", "read", "", None),
        ]
        assert "circle_view" not in sa.inspect(connection).get_table_names()
    command.downgrade(config, "0008")
    with engine.connect() as connection:
        views = connection.execute(sa.text("SELECT link_id, area FROM circle_view ORDER BY area")).all()
        assert [tuple(v) for v in views] == [(link, "checkins"), (link, "plan")]
        entries = connection.execute(sa.text("SELECT actor_id, action, object_id FROM audit_entry")).all()
        assert [tuple(e) for e in entries] == [(staff, "read_conversation", 42)]
    engine.dispose()
