"""index bookings by companion

Revision ID: 0004
Revises: 0003
Created: 2026-11-23 16:18:05.794897
"""

from __future__ import annotations

import sqlmodel  # noqa: F401
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("booking", schema=None) as batch_op:
        batch_op.create_index("ix_booking_companion_user", ["companion_user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("booking", schema=None) as batch_op:
        batch_op.drop_index("ix_booking_companion_user")
