"""push: the notification outbox, devices, deliveries and preferences

Revision ID: 0008
Revises: 0007
Created: 2026-12-03 15:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel  # noqa: F401
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("notification") as batch:
        batch.add_column(sa.Column("dedupe_key", sa.String(length=120), nullable=True))
        # Everything from before push existed stays in the bell, and is never pushed late.
        batch.add_column(sa.Column("push_status", sa.String(length=10), nullable=False, server_default="skipped"))
        batch.add_column(sa.Column("push_after", sa.DateTime(timezone=True), nullable=True))
        batch.create_unique_constraint("uq_notification_dedupe_key", ["dedupe_key"])
        batch.create_index("ix_notification_push_due", ["push_status", "push_after"])
    op.create_table(
        "push_subscription",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("endpoint", sa.String(length=1000), nullable=False),
        sa.Column("p256dh", sa.String(length=200), nullable=False),
        sa.Column("auth", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("login_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_success_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["login_id"], ["user_session.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("endpoint"),
    )
    op.create_index("ix_push_subscription_user_id", "push_subscription", ["user_id"])
    op.create_table(
        "push_delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notification_id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_code", sa.Integer(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["notification_id"], ["notification.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["subscription_id"], ["push_subscription.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("notification_id", "subscription_id", name="uq_push_delivery_once"),
    )
    op.create_index("ix_push_delivery_due", "push_delivery", ["status", "next_attempt_at"])
    op.create_table(
        "notification_preference",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("events", sa.Boolean(), nullable=False),
        sa.Column("waitlist", sa.Boolean(), nullable=False),
        sa.Column("messages", sa.Boolean(), nullable=False),
        sa.Column("checkins", sa.Boolean(), nullable=False),
        sa.Column("klip", sa.Boolean(), nullable=False),
        sa.Column("support", sa.Boolean(), nullable=False),
        sa.Column("quiet_hours", sa.Boolean(), nullable=False),
        sa.Column("quiet_from", sa.String(length=5), nullable=False),
        sa.Column("quiet_until", sa.String(length=5), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id"),
    )


def downgrade() -> None:
    op.drop_table("notification_preference")
    op.drop_index("ix_push_delivery_due", table_name="push_delivery")
    op.drop_table("push_delivery")
    op.drop_index("ix_push_subscription_user_id", table_name="push_subscription")
    op.drop_table("push_subscription")
    with op.batch_alter_table("notification") as batch:
        batch.drop_index("ix_notification_push_due")
        batch.drop_constraint("uq_notification_dedupe_key", type_="unique")
        batch.drop_column("push_after")
        batch.drop_column("push_status")
        batch.drop_column("dedupe_key")
