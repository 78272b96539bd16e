"""unconfirmed_sign_ups: a self-made account waits for its address to be confirmed.

Accounts already there are confirmed (invited by staff, or signed up before mail was checked).

Revision ID: 0017
Revises: 0016
Created: 2026-12-04 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel  # noqa: F401
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("user_account") as batch:
        batch.add_column(sa.Column("unconfirmed_since", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    # Without the column they would be accounts that can log in: the addresses were never proved.
    op.execute("DELETE FROM user_account WHERE unconfirmed_since IS NOT NULL")
    with op.batch_alter_table("user_account") as batch:
        batch.drop_column("unconfirmed_since")
