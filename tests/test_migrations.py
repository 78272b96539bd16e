"""All migrations run on an empty database and agree with the models (no autogenerate drift)."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

import hub.models  # noqa: F401
from hub import ROOT
from hub.db import make_engine


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_migrations_build_the_models_schema(backend, backend_url_factory):
    url = backend_url_factory(backend)
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("sqlalchemy.url", url)
    config.attributes["configure_logging"] = False
    command.upgrade(config, "head")

    engine = make_engine(url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        drift = compare_metadata(context, SQLModel.metadata)
        tables = set(inspect(connection).get_table_names())
    engine.dispose()
    assert drift == [], f"models and migrations disagree: {drift}"
    assert set(SQLModel.metadata.tables) <= tables

    command.downgrade(config, "base")
    command.upgrade(config, "head")
