"""offline_wallet: no schema. The wallet is a copy the service worker keeps on the phone, and a
voucher's offline codes come from its existing secret.

Revision ID: 0015
Revises: 0014
Created: 2026-12-03 18:30:00
"""

from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
import sqlmodel  # noqa: F401
from alembic import op  # noqa: F401

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
