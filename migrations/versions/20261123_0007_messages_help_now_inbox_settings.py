"""messages, help now, inbox settings (crisis lines seeded from the product brief)

Revision ID: 0007
Revises: 0006
Created: 2026-11-23 19:21:30.544866
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel  # noqa: F401
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


# Staff edit these from the inbox settings; these are the numbers the hub starts with.
SEED_LINES = [
    ("112", "112", "Alarm: når nogen er i fare lige nu.", False),
    (
        "Livslinien",
        "70 201 201",
        "Hvis du tænker på at tage dit eget liv, eller er bekymret for en anden. Anonymt.",
        True,
    ),
    ("Børnetelefonen", "116 111", "Til dig under 18, om alt. Anonymt og gratis.", True),
    ("Lægevagten Region Midtjylland", "70 11 31 31", "Når du skal bruge en læge, og din egen læge har lukket.", False),
]


def upgrade() -> None:
    op.create_table(
        "canned_reply",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=80), nullable=False),
        sa.Column("body", sa.String(length=2000), nullable=False),
        sa.Column("topic", sa.String(length=12), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "crisis_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("phone", sa.String(length=30), nullable=False),
        sa.Column("description", sa.String(length=300), nullable=False),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("always_open", sa.Boolean(), nullable=False),
        sa.Column("opens", sa.Time(), nullable=True),
        sa.Column("closes", sa.Time(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "opening_hours",
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("opens", sa.Time(), nullable=True),
        sa.Column("closes", sa.Time(), nullable=True),
        sa.PrimaryKeyConstraint("weekday"),
    )
    op.create_table(
        "topic_setting",
        sa.Column("topic", sa.String(length=12), nullable=False),
        sa.Column("response_hours", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("topic"),
    )
    op.create_table(
        "audit_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("young_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["user_account.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["young_id"], ["user_account.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.create_index("ix_audit_entry_young_at", ["young_id", "at"], unique=False)

    op.create_table(
        "conversation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("young_id", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(length=12), nullable=False),
        sa.Column("supporter_id", sa.Integer(), nullable=True),
        sa.Column("started_by_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("assigned_to_id", sa.Integer(), nullable=True),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("picked_up_by_id", sa.Integer(), nullable=True),
        sa.Column("picked_up_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("escalation_level", sa.Integer(), nullable=False),
        sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_message_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("first_response_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["assigned_to_id"], ["user_account.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["picked_up_by_id"], ["user_account.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["started_by_id"], ["user_account.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["supporter_id"], ["user_account.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["young_id"], ["user_account.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("conversation", schema=None) as batch_op:
        batch_op.create_index("ix_conversation_status_last", ["status", "last_message_at"], unique=False)
        batch_op.create_index("ix_conversation_supporter", ["supporter_id", "last_message_at"], unique=False)
        batch_op.create_index("ix_conversation_young_last", ["young_id", "last_message_at"], unique=False)

    op.create_table(
        "duty_shift",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["staff_id"], ["user_account.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("duty_shift", schema=None) as batch_op:
        batch_op.create_index("ix_duty_shift_until", ["until"], unique=False)

    op.create_table(
        "topic_route",
        sa.Column("topic", sa.String(length=12), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["staff_id"], ["user_account.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("topic", "staff_id"),
    )
    op.create_table(
        "message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.String(length=4000), nullable=False),
        sa.Column("internal", sa.Boolean(), nullable=False),
        sa.Column("client_key", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["user_account.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversation.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("client_key"),
    )
    with op.batch_alter_table("message", schema=None) as batch_op:
        batch_op.create_index("ix_message_conversation_created", ["conversation_id", "created_at"], unique=False)

    op.create_table(
        "read_mark",
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversation.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("conversation_id", "user_id"),
    )
    line = sa.table(
        "crisis_line",
        sa.column("name", sa.String),
        sa.column("phone", sa.String),
        sa.column("description", sa.String),
        sa.column("anonymous", sa.Boolean),
        sa.column("always_open", sa.Boolean),
        sa.column("position", sa.Integer),
        sa.column("active", sa.Boolean),
    )
    op.bulk_insert(
        line,
        [
            {
                "name": name,
                "phone": phone,
                "description": description,
                "anonymous": anonymous,
                "always_open": True,
                "position": position,
                "active": True,
            }
            for position, (name, phone, description, anonymous) in enumerate(SEED_LINES)
        ],
    )


def downgrade() -> None:
    op.drop_table("read_mark")
    with op.batch_alter_table("message", schema=None) as batch_op:
        batch_op.drop_index("ix_message_conversation_created")

    op.drop_table("message")
    op.drop_table("topic_route")
    with op.batch_alter_table("duty_shift", schema=None) as batch_op:
        batch_op.drop_index("ix_duty_shift_until")

    op.drop_table("duty_shift")
    with op.batch_alter_table("conversation", schema=None) as batch_op:
        batch_op.drop_index("ix_conversation_young_last")
        batch_op.drop_index("ix_conversation_supporter")
        batch_op.drop_index("ix_conversation_status_last")

    op.drop_table("conversation")
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_entry_young_at")

    op.drop_table("audit_entry")
    op.drop_table("topic_setting")
    op.drop_table("opening_hours")
    op.drop_table("crisis_line")
    op.drop_table("canned_reply")
