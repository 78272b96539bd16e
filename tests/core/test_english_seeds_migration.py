"""Migration 0019 gives seeded texts an English version, and takes the columns away on a downgrade."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from hub import ROOT
from hub.db import make_engine

ENGLISH_COLUMNS = {
    "crisis_line": {"name_en", "description_en"},
    "event": {"title_en", "description_en", "accessibility_en"},
    "offer": {"title_en", "description_en"},
}


def _config(url: str) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("sqlalchemy.url", url)
    config.attributes["configure_logging"] = False
    return config


def _columns(engine, table: str) -> set[str]:
    with engine.connect() as connection:
        return {column["name"] for column in sa.inspect(connection).get_columns(table)}


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_seeded_crisis_lines_get_english_and_an_edited_one_does_not(backend, backend_url_factory):
    url = backend_url_factory(backend)
    config = _config(url)
    command.upgrade(config, "0018")
    engine = make_engine(url)
    with engine.begin() as connection:
        # Staff rewrote Livslinien's text, and added a line of their own.
        connection.execute(
            sa.text("UPDATE crisis_line SET description = 'Ring hele døgnet.' WHERE phone = '70 201 201'")
        )
        connection.execute(
            sa.text(
                "INSERT INTO crisis_line (name, phone, description, anonymous, always_open, position, active) "
                "VALUES ('Headspace Aarhus', '33 11 11 11', 'Gratis rådgivning.', true, true, 9, true)"
            )
        )
    for table, columns in ENGLISH_COLUMNS.items():
        assert not columns & _columns(engine, table)

    command.upgrade(config, "0019")
    with engine.connect() as connection:
        rows = {
            phone: (name_en, description_en)
            for phone, name_en, description_en in connection.execute(
                sa.text("SELECT phone, name_en, description_en FROM crisis_line")
            )
        }
    assert rows["112"] == ("112", "Emergency: when someone is in danger right now.")
    assert rows["116 111"][0] == "Børnetelefonen (children's helpline)"
    assert rows["70 11 31 31"] == (
        "Out-of-hours doctor, Central Denmark Region",
        "When you need a doctor and your own doctor is closed.",
    )
    assert rows["70 201 201"] == ("", ""), "a rewritten line gets no stale translation"
    assert rows["33 11 11 11"] == ("", ""), "a line the staff added is theirs to translate"
    for table, columns in ENGLISH_COLUMNS.items():
        assert columns <= _columns(engine, table)

    command.downgrade(config, "0018")
    for table, columns in ENGLISH_COLUMNS.items():
        assert not columns & _columns(engine, table)
    with engine.connect() as connection:
        kept = connection.execute(sa.text("SELECT description FROM crisis_line WHERE phone = '70 201 201'")).scalar()
    assert kept == "Ring hele døgnet."
    engine.dispose()
