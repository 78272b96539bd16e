"""english_seeds: seeded texts carry an English version.

Crisis lines, events and klip offers get optional English columns beside the Danish ones (support
options have had theirs since 0006). The crisis lines the app seeded in 0007 get their English
here, matched by phone number and their seeded Danish text, so a line the staff have rewritten
keeps no stale translation.

Revision ID: 0019
Revises: 0018
Created: 2026-12-07 03:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

# table: [(column, length)]
COLUMNS = {
    "crisis_line": [("name_en", 80), ("description_en", 300)],
    "event": [("title_en", 120), ("description_en", 2000), ("accessibility_en", 500)],
    "offer": [("title_en", 120), ("description_en", 1000)],
}

# The lines 0007 seeded: (phone, Danish name, Danish description, English name, English description).
SEEDED_LINES = [
    ("112", "112", "Alarm: når nogen er i fare lige nu.", "112", "Emergency: when someone is in danger right now."),
    (
        "70 201 201",
        "Livslinien",
        "Hvis du tænker på at tage dit eget liv, eller er bekymret for en anden. Anonymt.",
        "Livslinien (suicide helpline)",
        "If you are thinking about taking your own life, or are worried about someone else. Anonymous.",
    ),
    (
        "116 111",
        "Børnetelefonen",
        "Til dig under 18, om alt. Anonymt og gratis.",
        "Børnetelefonen (children's helpline)",
        "For you if you are under 18, about anything. Anonymous and free.",
    ),
    (
        "70 11 31 31",
        "Lægevagten Region Midtjylland",
        "Når du skal bruge en læge, og din egen læge har lukket.",
        "Out-of-hours doctor, Central Denmark Region",
        "When you need a doctor and your own doctor is closed.",
    ),
]


def upgrade() -> None:
    for table, columns in COLUMNS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, length in columns:
                batch_op.add_column(sa.Column(name, sa.String(length=length), nullable=False, server_default=""))
    line = sa.table(
        "crisis_line",
        sa.column("phone", sa.String),
        sa.column("name", sa.String),
        sa.column("description", sa.String),
        sa.column("name_en", sa.String),
        sa.column("description_en", sa.String),
    )
    for phone, name, description, name_en, description_en in SEEDED_LINES:
        # Only a line still as seeded, and only where nobody has written English yet.
        op.execute(
            line.update()
            .where(line.c.phone == phone, line.c.name == name, line.c.description == description)
            .where(line.c.name_en == "", line.c.description_en == "")
            .values(name_en=name_en, description_en=description_en)
        )


def downgrade() -> None:
    for table, columns in COLUMNS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, _length in reversed(columns):
                batch_op.drop_column(name)
