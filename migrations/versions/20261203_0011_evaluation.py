"""evaluation

Revision ID: 0011
Revises: 0010
Created: 2026-12-03 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel  # noqa: F401
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "evaluation_enrolment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("young_id", sa.Integer(), nullable=False),
        sa.Column("cohort_year", sa.Integer(), nullable=False),
        sa.Column("enrolled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("enrolled_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["young_id"], ["user_account.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["enrolled_by_id"], ["user_account.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("young_id"),
    )
    op.create_index("ix_evaluation_enrolment_cohort", "evaluation_enrolment", ["cohort_year"])
    op.create_table(
        "evaluation_status",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("young_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("housing", sa.String(length=12), nullable=False),
        sa.Column("occupation", sa.String(length=10), nullable=False),
        sa.Column("risk", sa.String(length=6), nullable=False),
        sa.Column("network", sa.Integer(), nullable=False),
        sa.Column("network_note", sa.String(length=300), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["young_id"], ["user_account.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["user_account.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_evaluation_status_young_at", "evaluation_status", ["young_id", "recorded_at"])
    op.create_table(
        "evaluation_pulse",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("young_id", sa.Integer(), nullable=False),
        sa.Column("talk", sa.Integer(), nullable=False),
        sa.Column("home", sa.Integer(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("say", sa.Integer(), nullable=False),
        sa.Column("future", sa.Integer(), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["young_id"], ["user_account.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_evaluation_pulse_young_at", "evaluation_pulse", ["young_id", "answered_at"])
    op.create_table(
        "evaluation_export",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("export_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["user_account.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("export_id"),
    )


def downgrade() -> None:
    op.drop_table("evaluation_export")
    op.drop_index("ix_evaluation_pulse_young_at", table_name="evaluation_pulse")
    op.drop_table("evaluation_pulse")
    op.drop_index("ix_evaluation_status_young_at", table_name="evaluation_status")
    op.drop_table("evaluation_status")
    op.drop_index("ix_evaluation_enrolment_cohort", table_name="evaluation_enrolment")
    op.drop_table("evaluation_enrolment")
