"""Alembic environment: targets SQLModel.metadata, with the URL from Ungehub's settings."""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context
from sqlalchemy import event
from sqlmodel import SQLModel

import hub.models  # noqa: F401  (registers every table on SQLModel.metadata)
from hub import INSTANCE
from hub import config as settings
from hub.core.sealed import SealedString
from hub.db import UTCDateTime, make_engine

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logging", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = SQLModel.metadata


def database_url() -> str:
    given = config.get_main_option("sqlalchemy.url")
    if given:
        return given
    INSTANCE.mkdir(parents=True, exist_ok=True)
    try:
        return settings.load(INSTANCE)["DATABASE_URL"]
    except settings.ConfigError as error:
        error.report()
        raise


def render_item(type_, obj, autogen_context):
    """Write portable SQLAlchemy types into migrations, not Ungehub's own decorators."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if type_ == "type" and isinstance(obj, SealedString):
        return f"sa.String(length={obj.impl.length})"
    if type_ == "type" and obj.__class__.__module__.startswith("sqlmodel"):
        length = getattr(obj, "length", None)
        return f"sa.String(length={length})" if length else "sa.String()"
    return False


def configure(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        # SQLite can change its schema inside a transaction too: an upgrade that fails part-way
        # leaves the database as it was, as on PostgreSQL.
        transactional_ddl=True,
        render_item=render_item,
        compare_type=True,
    )


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(database_url())
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_foreign_keys_off)
    with engine.execution_options(hub_write=True).connect() as connection:
        configure(connection)
        with context.begin_transaction():
            context.run_migrations()
            if connection.dialect.name == "sqlite":
                _check_foreign_keys(connection)
    engine.dispose()


def _sqlite_foreign_keys_off(dbapi_connection, _record) -> None:
    """SQLite changes a table by copying it to a new one and dropping the old (batch mode), and
    dropping a table deletes its rows first: with foreign keys on, that deletes or empties every
    row pointing at it (ON DELETE CASCADE / SET NULL). The pragma only takes outside a
    transaction, so it is set as the connection opens, after the app's own settings."""
    dbapi_connection.execute("PRAGMA foreign_keys=OFF")


def _check_foreign_keys(connection) -> None:
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        tables = sorted({row[0] for row in broken})
        names = ", ".join(tables)
        raise RuntimeError(f"The upgrade would leave rows pointing at nothing in {names}; nothing was changed.")


if context.is_offline_mode():
    raise SystemExit("Ungehub runs migrations online only.")
run_migrations_online()
