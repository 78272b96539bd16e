"""Which rows are about a person, read from the models themselves (SQLModel.metadata).

A new table is covered without anyone remembering to add it here:

- a *person column* holds a person's id: a foreign key to `user_account.id`, or to a column
  that is itself one (`plan_goal.young_id` → `plan.young_id` → `user_account.id`);
- a row is the person's *own* when a NOT NULL person column holds their id: those columns say
  whose row it is (`booking.user_id`). Nullable ones say who did something (`by_id`,
  `decided_by_id`): such a row is *about* the person too, but it is not theirs;
- a row is *part of* something of theirs when a NOT NULL foreign key points at a row of theirs
  (the messages of their conversation, the steps of their goal), however deep.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import IntEnum

from sqlalchemy import Column, Table, false, or_, select
from sqlmodel import Session, SQLModel

PEOPLE_TABLE = "user_account"


class Tie(IntEnum):
    """How a row is tied to a person; a row may be tied several ways, and the strongest counts."""

    NAMED = 1  # a nullable person column names them: they did something here
    PART = 2  # part of one of their own rows (a message in their conversation)
    OWN = 3  # a NOT NULL person column holds their id


@dataclass
class TableRows:
    table: Table
    rows: list[dict] = field(default_factory=list)
    ties: list[Tie] = field(default_factory=list)

    def __iter__(self):
        return iter(zip(self.rows, self.ties, strict=True))


def tables() -> list[Table]:
    import hub.models  # noqa: F401  (every table registered)

    return list(SQLModel.metadata.sorted_tables)


def person_columns() -> dict[str, list[Column]]:
    """Per table, the columns that hold a person's id."""
    import hub.models  # noqa: F401

    people = SQLModel.metadata.tables[PEOPLE_TABLE]
    found: set[Column] = {people.c.id}
    grew = True
    while grew:
        grew = False
        for table in tables():
            for column in table.columns:
                if column not in found and any(fk.column in found for fk in column.foreign_keys):
                    found.add(column)
                    grew = True
    by_table: dict[str, list[Column]] = {}
    for table in tables():
        columns = [column for column in table.columns if column in found]
        if columns:
            by_table[table.name] = columns
    return by_table


def owner_columns(columns: Iterable[Column]) -> list[Column]:
    return [column for column in columns if not column.nullable]


def part_of_links(table: Table) -> list[tuple[Column, Column]]:
    """(child column, parent column) for each NOT NULL foreign key to a table other than people."""
    links = []
    for column in table.columns:
        if column.nullable:
            continue
        for fk in column.foreign_keys:
            if fk.column.table.name != PEOPLE_TABLE and fk.column.table is not table:
                links.append((column, fk.column))
    return links


def rows_about(session: Session, person_id: int, *, skip: Iterable[str] = ()) -> dict[str, TableRows]:
    """Every row about the person, table by table (the people table itself included: their row).

    Parents come before children (`sorted_tables`), so a child knows its parents' own rows.
    """
    keys = person_columns()
    skipped = set(skip)
    # Values of a column in the person's own (or part-of) rows: what children may point at.
    theirs: dict[Column, set] = {}
    found: dict[str, TableRows] = {}
    for table in tables():
        if table.name in skipped:
            continue
        columns = keys.get(table.name, [])
        owners = owner_columns(columns)
        parents = [(child, parent) for child, parent in part_of_links(table) if theirs.get(parent)]
        if not columns and not parents:
            continue
        conditions = [column == person_id for column in columns]
        conditions += [child.in_(sorted(theirs[parent])) for child, parent in parents]
        result = session.exec(select(table).where(or_(false(), *conditions))).mappings().all()
        if not result:
            continue
        rows = TableRows(table)
        for row in result:
            row = dict(row)
            if any(row[column.name] == person_id for column in owners):
                tie = Tie.OWN
            elif any(row[child.name] in theirs[parent] for child, parent in parents):
                tie = Tie.PART
            else:
                tie = Tie.NAMED
            rows.rows.append(row)
            rows.ties.append(tie)
            if tie >= Tie.PART:
                for column in table.columns:
                    theirs.setdefault(column, set()).add(row[column.name])
        found[table.name] = rows
    return found
