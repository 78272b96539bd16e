"""An upgrade keeps every row: a database at an older release, filled with ten times the demo data,
is migrated to head, and every table the old release had keeps its rows and their values; then
Sara logs in on the upgraded database and sees her plan.

The old schema cannot be filled by today's demo loader (it writes today's models), so the demo is
loaded into a database at head and copied into the old one, column by column, ten times over:
each copy's integer ids and references are moved on by a million, and each value that must be
unique (an e-mail, a token hash) gets the copy's number in front. Tables whose rows cannot be told
apart that way (one row per weekday, say) are copied once. How long each part took is printed
(`pytest -s`); `HUB_UPGRADE_SCALE=100` fills a hundred copies instead.
"""

from __future__ import annotations

import os
import shutil
import time

import pytest
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Integer, MetaData, String, create_engine, inspect, select, text

from hub import ROOT, create_app
from hub import demo as demo_data
from hub.db import job_session
from tests.conftest import Client, app_config

# The release an installation upgrades from: the oldest whose tables all live on (0009 replaced
# circle_view with the audit log), so the upgrade runs thirteen migrations over the data.
FROM = os.environ.get("HUB_UPGRADE_FROM", "0009")
SCALE = int(os.environ.get("HUB_UPGRADE_SCALE", "10"))
OFFSET = 1_000_000  # ids are 32-bit: a hundred copies fit
SARA, SARAS_GOAL = "ung@example.org", "Komme ind på pædagoguddannelsen"


def alembic(url: str) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("sqlalchemy.url", url)
    config.attributes["configure_logging"] = False
    return config


def load_demo(url: str, tmp_path) -> None:
    app = create_app(app_config(url, tmp_path))
    with app.app_context(), job_session() as session:
        demo_data.load(session)
    app.extensions["hub_engine"].dispose()


class Copier:
    """Copies rows from a database at head into one at an older revision, `SCALE` times."""

    def __init__(self, source, target):
        self.source, self.target = MetaData(), MetaData()
        self.source.reflect(source)
        self.target.reflect(target)
        self.inspector = inspect(target)
        self.copied: dict[str, int] = {}  # table: rows written

    def tables(self):
        return [t for t in self.target.sorted_tables if t.name != "alembic_version" and t.name in self.source.tables]

    def _ids(self, table) -> set[str]:
        """The integer columns that are ids: the primary key's and those that point at one."""
        keys = {c.name for c in table.primary_key.columns} | {fk.parent.name for fk in table.foreign_keys}
        return {name for name in keys if isinstance(table.c[name].type, Integer)}

    def _unique_sets(self, table) -> list[list[str]]:
        constraints = [u["column_names"] for u in self.inspector.get_unique_constraints(table.name)]
        indexes = [i["column_names"] for i in self.inspector.get_indexes(table.name) if i["unique"]]
        return [names for names in constraints + indexes if names and None not in names]

    def plan(self, table) -> tuple[set[str], set[str], int]:
        """(id columns, unique text columns to mark, how many copies)."""
        ids, marked = self._ids(table), set()
        if not ids & {c.name for c in table.primary_key.columns}:
            return ids, set(), 1  # a table keyed by a code (a topic, a setting's name) has each code once
        for names in self._unique_sets(table):
            if ids & set(names):
                continue  # the moved ids keep it unique
            text_columns = [n for n in names if isinstance(table.c[n].type, String)]
            if not text_columns:
                return ids, set(), 1  # nothing to tell copies apart by
            marked.add(text_columns[0])
        return ids, marked, SCALE

    def copy(self, source_connection, target_connection) -> None:
        for table in self.tables():
            shared = [c.name for c in table.columns if c.name in self.source.tables[table.name].c]
            rows = [
                dict(r._mapping)
                for r in source_connection.execute(select(*(self.source.tables[table.name].c[n] for n in shared)))
            ]
            if not rows:
                continue
            ids, marked, copies = self.plan(table)
            for number in range(copies):
                target_connection.execute(
                    table.insert(), [self._moved(row, number, ids, marked, table) for row in rows]
                )
            self.copied[table.name] = len(rows) * copies

    @staticmethod
    def _moved(row: dict, number: int, ids: set[str], marked: set[str], table) -> dict:
        if number == 0:
            return row
        moved = dict(row)
        for name in ids:
            if moved.get(name) is not None:
                moved[name] += number * OFFSET
        for name in marked:
            if moved.get(name) is not None:
                length = table.c[name].type.length
                moved[name] = f"{number}{moved[name]}"[: length or None]
        return moved


def snapshot(url: str, tables) -> dict[str, list[tuple]]:
    """Every row of every table the old schema has, its columns in order, sorted."""
    engine = create_engine(url)
    with engine.connect() as connection:
        found = {}
        for table in tables:
            names = ", ".join(f'"{c.name}"' for c in table.columns)
            rows = connection.execute(text(f'SELECT {names} FROM "{table.name}"')).all()
            found[table.name] = sorted((tuple(row) for row in rows), key=repr)
    engine.dispose()
    return found


def emptied(connection, metadata: MetaData) -> None:
    """The rows migrations seeded go: the copy brings head's own."""
    for table in reversed(metadata.sorted_tables):
        if table.name != "alembic_version":
            connection.execute(table.delete())


def reset_sequences(connection, tables) -> None:
    """PostgreSQL: id sequences continue after the copied ids, as they would after real use."""
    for table in tables:
        key = list(table.primary_key.columns)
        if len(key) == 1 and isinstance(key[0].type, Integer):
            connection.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', '{key[0].name}'), "
                    f'(SELECT coalesce(max("{key[0].name}"), 0) + 1 FROM "{table.name}"), false)'
                )
            )


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_an_upgrade_from_an_older_release_keeps_every_row(backend, backend_url_factory, tmp_path):
    timings = {}
    started = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal started
        timings[name] = time.perf_counter() - started
        started = time.perf_counter()

    source_url, old_url = backend_url_factory(backend), backend_url_factory(backend)
    command.upgrade(alembic(source_url), "head")
    load_demo(source_url, tmp_path)
    command.upgrade(alembic(old_url), FROM)
    lap(f"migrate an empty database to head and to {FROM}, load the demo")

    source, old = create_engine(source_url), create_engine(old_url)
    copier = Copier(source, old)
    with source.connect() as reading, old.begin() as writing:
        if backend == "postgresql":
            writing.execute(text("SET LOCAL session_replication_role = replica"))  # references land in any order
        emptied(writing, copier.target)
        copier.copy(reading, writing)
        if backend == "postgresql":
            reset_sequences(writing, copier.tables())
    source.dispose()
    old.dispose()
    before = snapshot(old_url, copier.target.sorted_tables)
    rows = sum(len(found) for found in before.values())
    lap(f"fill {FROM} with {SCALE}x the demo data ({rows} rows)")

    command.upgrade(alembic(old_url), "head")
    lap(f"upgrade {FROM} -> head")

    after = snapshot(old_url, copier.target.sorted_tables)
    assert {name: len(found) for name, found in after.items()} == {name: len(found) for name, found in before.items()}
    changed = [name for name in before if after[name] != before[name] and name != "alembic_version"]
    assert changed == [], f"the upgrade changed rows in {changed}"
    assert {name: len(before[name]) for name in copier.copied} == copier.copied
    assert len(before["user_account"]) >= SCALE * len(demo_data.PEOPLE)

    app = create_app(app_config(old_url, tmp_path))
    app.test_client_class = Client
    client = app.test_client()
    answer = client.post("/login", data={"email": SARA, "password": demo_data.DEMO_PASSWORD})
    assert answer.status_code == 303, answer.get_data(as_text=True)[:500]
    plan = client.get("/plan", follow_redirects=True)
    if plan.request.path == "/privacy/accept":  # the demo's young people have not said yes yet
        plan = client.post("/privacy/accept?next=/plan", data={"accept": "y"}, follow_redirects=True)
    assert plan.status_code == 200 and SARAS_GOAL in plan.get_data(as_text=True)
    app.extensions["hub_engine"].dispose()
    lap("log in on the upgraded database and read a plan")
    print(f"\n{backend}: " + "; ".join(f"{name}: {seconds:.1f} s" for name, seconds in timings.items()))


FAILING = {
    "raises": """
def upgrade():
    op.create_table("half_done", sa.Column("id", sa.Integer, primary_key=True))
    raise RuntimeError("this migration fails half-way")
""",
    # SQLite migrates with foreign keys off (a table rebuilt in batch mode would otherwise empty the
    # references to it); what the upgrade leaves pointing at nothing is checked before it commits.
    "leaves-orphans": """
def upgrade():
    op.create_table("parent", sa.Column("id", sa.Integer, primary_key=True))
    op.create_table(
        "child",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("parent_id", sa.Integer, sa.ForeignKey("parent.id")),
    )
    op.execute("INSERT INTO child (id, parent_id) VALUES (1, 42)")
""",
}
ERRORS = {"raises": "fails half-way", "leaves-orphans": "pointing at nothing in child"}


@pytest.mark.parametrize(
    ("backend", "failure"),
    [("sqlite", "raises"), ("postgresql", "raises"), ("sqlite", "leaves-orphans")],
)
def test_an_upgrade_that_fails_part_way_leaves_the_database_as_it_was(backend, failure, backend_url_factory, tmp_path):
    """All of an upgrade's migrations are one transaction, on SQLite too: the README's runbook
    rests on this (a failed upgrade leaves the old release's database, ready for the old release)."""
    url = backend_url_factory(backend)
    command.upgrade(alembic(url), FROM)
    engine = create_engine(url)
    tables = set(inspect(engine).get_table_names())

    scripts = tmp_path / "migrations"
    shutil.copytree(ROOT / "migrations", scripts, ignore=shutil.ignore_patterns("__pycache__"))
    config = alembic(url)
    config.set_main_option("script_location", str(scripts))
    head = ScriptDirectory.from_config(config).get_current_head()
    header = f'import sqlalchemy as sa\nfrom alembic import op\n\nrevision = "9999"\ndown_revision = "{head}"\n'
    (scripts / "versions" / "9999_fails.py").write_text(header + FAILING[failure])
    with pytest.raises(RuntimeError, match=ERRORS[failure]):
        command.upgrade(config, "head")

    with engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == FROM
    assert set(inspect(engine).get_table_names()) == tables
    engine.dispose()
