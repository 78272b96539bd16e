"""mail_outbox: e-mail leaves through an outbox the scheduler sends from; jobs record their runs.

Revision ID: 0021
Revises: 0020
Created: 2026-12-07 07:00:00

outbox_message holds each message until it is sent (recipient, subject and body sealed, and
erased once it is sent or given up); scheduler_job holds each scheduled job's last start, success
and error, for monitoring; push_delivery gains `claimed_by`, the sender that claimed it, so a
scheduler taking over can give a dead predecessor's claims back at once.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel  # noqa: F401
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outbox_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("recipient", sa.String(length=1000), nullable=True),
        sa.Column("subject", sa.String(length=2000), nullable=True),
        sa.Column("body", sa.String(), nullable=True),
        sa.Column("message_id", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_by", sa.String(length=120), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=100), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("message_id"),
    )
    op.create_index("ix_outbox_message_due", "outbox_message", ["status", "next_attempt_at"], unique=False)
    op.create_table(
        "scheduler_job",
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("every_seconds", sa.Integer(), nullable=False),
        sa.Column("last_started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_success_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("name"),
    )
    with op.batch_alter_table("push_delivery") as batch:
        batch.add_column(sa.Column("claimed_by", sa.String(length=120), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("push_delivery") as batch:
        batch.drop_column("claimed_by")
    op.drop_table("scheduler_job")
    op.drop_index("ix_outbox_message_due", table_name="outbox_message")
    op.drop_table("outbox_message")
