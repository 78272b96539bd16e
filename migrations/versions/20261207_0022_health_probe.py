"""health_probe: readiness writes a probe row to prove the database accepts writes.

Revision ID: 0022
Revises: 0021
Created: 2026-12-07 07:00:00

health_probe holds one row per app host, rewritten by each readiness check (/readyz): a database
that answers reads but cannot write (a read-only file, a full disk, a standby) fails it.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel  # noqa: F401
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "health_probe",
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("written_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("health_probe")
