"""Alembic environment: targets SQLModel.metadata, with the URL from Ungehub's settings."""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context
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
    with engine.execution_options(hub_write=True).connect() as connection:
        configure(connection)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("Ungehub runs migrations online only.")
run_migrations_online()
