"""mail_outbox: E-mail leaves through an outbox that the scheduler sends from.

Revision ID: 0021
Revises: 0020
Created: 2026-12-07 07:00:00
"""

from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
import sqlmodel  # noqa: F401
from alembic import op  # noqa: F401

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
