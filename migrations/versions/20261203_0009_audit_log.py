"""audit log: one log of who read or changed a young person's data; circle_view moves into it

Revision ID: 0009
Revises: 0008
Created: 2026-12-03 16:00:00

audit_entry (until now: staff reading a conversation, action "read_conversation") gains the
area, "read"/"change", what the actor was and a detail. The support circle's own look log
(circle_view) becomes rows of audit_entry and is dropped. The downgrade rebuilds circle_view
from the circle's reads and keeps only the conversation reads in audit_entry: what else was
logged after the upgrade has no place in the old schema.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel  # noqa: F401
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# What the actor was, as hub.audit.services.actor_kind has it: staff first.
ACTOR_KIND = """
    CASE WHEN u.is_admin THEN 'admin'
         WHEN u.is_staff THEN 'staff'
         WHEN u.support_type IS NOT NULL THEN u.support_type
         WHEN u.is_mentor THEN 'mentor'
         ELSE '' END
"""


def upgrade() -> None:
    with op.batch_alter_table("audit_entry") as batch:
        batch.add_column(sa.Column("actor_kind", sa.String(length=30), nullable=False, server_default=""))
        batch.add_column(sa.Column("area", sa.String(length=12), nullable=False, server_default="messages"))
        batch.add_column(sa.Column("detail", sa.String(length=40), nullable=False, server_default=""))
    op.execute(
        f"UPDATE audit_entry SET action = 'read', actor_kind = COALESCE("
        f"(SELECT {ACTOR_KIND} FROM user_account u WHERE u.id = audit_entry.actor_id), '')"
    )
    op.execute(
        "INSERT INTO audit_entry (actor_id, actor_kind, young_id, area, action, detail, object_id, at) "
        f"SELECT l.supporter_id, {ACTOR_KIND}, l.young_id, v.area, 'read', '', NULL, v.viewed_at "
        "FROM circle_view v JOIN support_link l ON l.id = v.link_id JOIN user_account u ON u.id = l.supporter_id"
    )
    with op.batch_alter_table("audit_entry") as batch:
        batch.alter_column("action", existing_type=sa.String(length=30), type_=sa.String(length=10))
        batch.alter_column("actor_kind", existing_type=sa.String(length=30), server_default=None)
        batch.alter_column("area", existing_type=sa.String(length=12), server_default=None)
        batch.alter_column("detail", existing_type=sa.String(length=40), server_default=None)
        batch.create_index("ix_audit_entry_actor_at", ["actor_id", "at"])
        batch.create_index("ix_audit_entry_at", ["at"])
    with op.batch_alter_table("circle_view") as batch:
        batch.drop_index("ix_circle_view_link_at")
    op.drop_table("circle_view")


def downgrade() -> None:
    op.create_table(
        "circle_view",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("link_id", sa.Integer(), nullable=False),
        sa.Column("area", sa.String(length=12), nullable=False),
        sa.Column("viewed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["link_id"], ["support_link.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("circle_view") as batch:
        batch.create_index("ix_circle_view_link_at", ["link_id", "viewed_at"], unique=False)
    # A read by someone in the circle goes back to the link they had when they looked.
    op.execute(
        "INSERT INTO circle_view (link_id, area, viewed_at) "
        "SELECT (SELECT MAX(l.id) FROM support_link l WHERE l.young_id = a.young_id "
        "        AND l.supporter_id = a.actor_id AND l.started_at <= a.at), a.area, a.at "
        "FROM audit_entry a WHERE a.action = 'read' AND a.actor_kind NOT IN ('staff', 'admin') "
        "AND a.area IN ('plan', 'bookings', 'wellbeing', 'klip', 'checkins') AND EXISTS ("
        "SELECT 1 FROM support_link l WHERE l.young_id = a.young_id AND l.supporter_id = a.actor_id "
        "AND l.started_at <= a.at)"
    )
    op.execute("DELETE FROM audit_entry WHERE NOT (area = 'messages' AND action = 'read')")
    with op.batch_alter_table("audit_entry") as batch:
        batch.drop_index("ix_audit_entry_at")
        batch.drop_index("ix_audit_entry_actor_at")
        batch.alter_column("action", existing_type=sa.String(length=10), type_=sa.String(length=30))
    op.execute("UPDATE audit_entry SET action = 'read_conversation'")
    with op.batch_alter_table("audit_entry") as batch:
        batch.drop_column("detail")
        batch.drop_column("area")
        batch.drop_column("actor_kind")
