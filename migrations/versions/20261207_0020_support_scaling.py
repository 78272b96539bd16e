"""support_scaling: a young person scales each support option: more, less, pause, come back, with its history.

Revision ID: 0020
Revises: 0019
Created: 2026-12-07 03:00:00

support_item gains `paused_until` (a pause that ends by itself on a day), support_change gains
`until` (that day, kept in the history), and support_link gains `see_support`: whether someone in
the circle may see the young person's support options and their history (no, until the young
person says yes). Only columns of this project's own older tables are touched.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel  # noqa: F401
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("support_item") as batch:
        batch.add_column(sa.Column("paused_until", sa.Date(), nullable=True))
    with op.batch_alter_table("support_change") as batch:
        batch.add_column(sa.Column("until", sa.Date(), nullable=True))
    with op.batch_alter_table("support_link") as batch:
        batch.add_column(sa.Column("see_support", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("support_link") as batch:
        batch.alter_column("see_support", existing_type=sa.Boolean(), server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("support_link") as batch:
        batch.drop_column("see_support")
    with op.batch_alter_table("support_change") as batch:
        batch.drop_column("until")
    with op.batch_alter_table("support_item") as batch:
        batch.drop_column("paused_until")
