"""you said we did

Revision ID: 0012
Revises: 0011
Created: 2026-12-03 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel  # noqa: F401
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "you_said",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("you_said", sa.String(length=1000), nullable=False),
        sa.Column("we_did", sa.String(length=1000), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=True),
        sa.Column("posted_by_id", sa.Integer(), nullable=True),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["proposal_id"], ["proposal.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["posted_by_id"], ["user_account.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_you_said_posted_at", "you_said", ["posted_at"])


def downgrade() -> None:
    op.drop_index("ix_you_said_posted_at", table_name="you_said")
    op.drop_table("you_said")
