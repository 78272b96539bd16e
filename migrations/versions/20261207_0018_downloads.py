"""downloads: download tickets: a file asked for by a boosted page waits a minute for the browser to fetch it.

Revision ID: 0018
Revises: 0017
Created: 2026-12-07 03:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel  # noqa: F401
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "download_ticket",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("content_type", sa.String(length=200), nullable=False),
        sa.Column("disposition", sa.String(length=300), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["owner_id"], ["user_account.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index("ix_download_ticket_owner_id", "download_ticket", ["owner_id"])
    op.create_index("ix_download_ticket_expires_at", "download_ticket", ["expires_at"])


def downgrade() -> None:
    # Files waiting a minute or two for a browser: nothing to keep.
    op.drop_table("download_ticket")
