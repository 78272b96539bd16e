"""support circle, support options (seeded with the four from the trial), PLAN1, check-ins

Revision ID: 0006
Revises: 0005
Created: 2026-11-23 18:07:06.017751
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel  # noqa: F401
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


# The menu the trial starts with (Aarhus Kommune's four options); staff edit it from then on.
SEED_OPTIONS = [
    (
        "klip",
        "Klippekort til fritid",
        "Klip du kan bruge på fritidsaktiviteter: en klub, klatring, biograf, et kursus. Du vælger selv hvad.",
        "Klippekort for leisure",
        "Klip you can spend on leisure activities: a club, climbing, the cinema, a course. You choose what.",
    ),
    (
        "contact_person",
        "Støttekontaktperson uden ventetid",
        "En fast voksen, der har tid til dig og kan hjælpe med det, der fylder. Du får en uden at stå på venteliste.",
        "A support contact person with no waiting time",
        "A steady adult who has time for you and helps with what matters right now. No waiting list.",
    ),
    (
        "digital_contact",
        "Digital kontakt med din sagsbehandler",
        "Skriv med din sagsbehandler her i appen i stedet for at vente på et møde. Det slås til, når I har aftalt det.",
        "Digital contact with your caseworker",
        "Write with your caseworker in the app instead of waiting for a meeting. Switched on once you have agreed it.",
    ),
    (
        "mentor",
        "Frivillig mentor",
        "En frivillig fra en forening, der kan være sammen med dig om noget, du gerne vil. Ikke fra kommunen.",
        "A volunteer mentor",
        "A volunteer from an organisation to spend time with on something you want. Not from the municipality.",
    ),
]


def upgrade() -> None:
    op.create_table(
        "support_option",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("description", sa.String(length=600), nullable=False),
        sa.Column("name_en", sa.String(length=80), nullable=False),
        sa.Column("description_en", sa.String(length=600), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "checkin",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("young_id", sa.Integer(), nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=True),
        sa.Column("happened_on", sa.Date(), nullable=False),
        sa.Column("way", sa.String(length=10), nullable=False),
        sa.Column("went", sa.String(length=10), nullable=False),
        sa.Column("note", sa.String(length=1000), nullable=False),
        sa.Column("note_shared", sa.Boolean(), nullable=False),
        sa.Column("next_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["by_id"], ["user_account.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["young_id"], ["user_account.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("checkin", schema=None) as batch_op:
        batch_op.create_index("ix_checkin_by_young", ["by_id", "young_id"], unique=False)
        batch_op.create_index("ix_checkin_young_on", ["young_id", "happened_on"], unique=False)

    op.create_table(
        "nomination",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("young_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("relation", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("phone", sa.String(length=30), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["decided_by_id"], ["user_account.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["young_id"], ["user_account.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("nomination", schema=None) as batch_op:
        batch_op.create_index("ix_nomination_status", ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_nomination_young_id"), ["young_id"], unique=False)

    op.create_table(
        "plan",
        sa.Column("young_id", sa.Integer(), nullable=False),
        sa.Column("dreams", sa.String(length=2000), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["updated_by_id"], ["user_account.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["young_id"], ["user_account.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("young_id"),
    )
    op.create_table(
        "sparring_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mentor_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=1000), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["answered_by_id"], ["user_account.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["mentor_id"], ["user_account.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("sparring_request", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sparring_request_mentor_id"), ["mentor_id"], unique=False)

    op.create_table(
        "support_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("young_id", sa.Integer(), nullable=False),
        sa.Column("option_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("level", sa.Integer(), nullable=True),
        sa.Column("wish", sa.String(length=500), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("agreed_on", sa.Date(), nullable=True),
        sa.Column("agreed_with_id", sa.Integer(), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["agreed_with_id"], ["user_account.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["option_id"], ["support_option.id"], ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["young_id"], ["user_account.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("support_item", schema=None) as batch_op:
        batch_op.create_index("ix_support_item_status", ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_support_item_young_id"), ["young_id"], unique=False)
        batch_op.create_index(
            "uq_support_item_open",
            ["young_id", "option_id"],
            unique=True,
            sqlite_where=sa.text("status IN ('requested', 'active', 'paused')"),
            postgresql_where=sa.text("status IN ('requested', 'active', 'paused')"),
        )

    op.create_table(
        "supporter_profile",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("about", sa.String(length=500), nullable=False),
        sa.Column("helps_with", sa.String(length=200), nullable=False),
        sa.Column("languages", sa.String(length=120), nullable=False),
        sa.Column("reachable", sa.String(length=200), nullable=False),
        sa.Column("phone", sa.String(length=30), nullable=False),
        sa.Column("listed", sa.Boolean(), nullable=False),
        sa.Column("organisation", sa.String(length=120), nullable=False),
        sa.Column("agreement_on", sa.Date(), nullable=True),
        sa.Column("training_on", sa.Date(), nullable=True),
        sa.Column("staff_contact_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["staff_contact_id"], ["user_account.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id"),
    )
    op.create_table(
        "wellbeing",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("young_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("mood", sa.Integer(), nullable=False),
        sa.Column("sleep", sa.Integer(), nullable=False),
        sa.Column("movement", sa.Integer(), nullable=False),
        sa.Column("words", sa.String(length=280), nullable=False),
        sa.CheckConstraint("mood BETWEEN 1 AND 5", name="ck_wellbeing_mood"),
        sa.CheckConstraint("movement BETWEEN 1 AND 5", name="ck_wellbeing_movement"),
        sa.CheckConstraint("sleep BETWEEN 1 AND 5", name="ck_wellbeing_sleep"),
        sa.ForeignKeyConstraint(["young_id"], ["user_account.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("wellbeing", schema=None) as batch_op:
        batch_op.create_index("ix_wellbeing_young_at", ["young_id", "at"], unique=False)

    op.create_table(
        "plan_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("young_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=True),
        sa.Column("entity", sa.String(length=12), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=12), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("before", sa.String(length=60), nullable=False),
        sa.Column("after", sa.String(length=60), nullable=False),
        sa.ForeignKeyConstraint(["by_id"], ["user_account.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["young_id"], ["plan.young_id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("plan_change", schema=None) as batch_op:
        batch_op.create_index("ix_plan_change_young_at", ["young_id", "at"], unique=False)

    op.create_table(
        "plan_goal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("young_id", sa.Integer(), nullable=False),
        sa.Column("area", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("why", sa.String(length=500), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["user_account.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["young_id"], ["plan.young_id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("plan_goal", schema=None) as batch_op:
        batch_op.create_index("ix_plan_goal_young_area", ["young_id", "area"], unique=False)

    op.create_table(
        "support_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("young_id", sa.Integer(), nullable=False),
        sa.Column("supporter_id", sa.Integer(), nullable=False),
        sa.Column("is_primary", sa.Boolean(), nullable=False),
        sa.Column("see_plan", sa.Boolean(), nullable=False),
        sa.Column("see_bookings", sa.Boolean(), nullable=False),
        sa.Column("see_wellbeing", sa.Boolean(), nullable=False),
        sa.Column("see_klip", sa.Boolean(), nullable=False),
        sa.Column("may_message", sa.Boolean(), nullable=False),
        sa.Column("nomination_id", sa.Integer(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["ended_by_id"], ["user_account.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["nomination_id"], ["nomination.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["supporter_id"], ["user_account.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["young_id"], ["user_account.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("support_link", schema=None) as batch_op:
        batch_op.create_index("ix_support_link_supporter_open", ["supporter_id", "ended_at"], unique=False)
        batch_op.create_index(
            "uq_support_link_open_pair",
            ["young_id", "supporter_id"],
            unique=True,
            sqlite_where=sa.text("ended_at IS NULL"),
            postgresql_where=sa.text("ended_at IS NULL"),
        )
        batch_op.create_index(
            "uq_support_link_primary",
            ["young_id"],
            unique=True,
            sqlite_where=sa.text("is_primary AND ended_at IS NULL"),
            postgresql_where=sa.text("is_primary AND ended_at IS NULL"),
        )

    op.create_table(
        "circle_view",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("link_id", sa.Integer(), nullable=False),
        sa.Column("area", sa.String(length=12), nullable=False),
        sa.Column("viewed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["link_id"], ["support_link.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("circle_view", schema=None) as batch_op:
        batch_op.create_index("ix_circle_view_link_at", ["link_id", "viewed_at"], unique=False)

    op.create_table(
        "plan_comment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("goal_id", sa.Integer(), nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["by_id"], ["user_account.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["goal_id"], ["plan_goal.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("plan_comment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_comment_goal_id"), ["goal_id"], unique=False)

    op.create_table(
        "plan_step",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("goal_id", sa.Integer(), nullable=False),
        sa.Column("what", sa.String(length=200), nullable=False),
        sa.Column("helper", sa.String(length=10), nullable=False),
        sa.Column("helper_name", sa.String(length=80), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["user_account.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["goal_id"], ["plan_goal.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("plan_step", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_step_goal_id"), ["goal_id"], unique=False)

    op.create_table(
        "support_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("young_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=True),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("option_id", sa.Integer(), nullable=True),
        sa.Column("link_id", sa.Integer(), nullable=True),
        sa.Column("supporter_type", sa.String(length=30), nullable=False),
        sa.Column("level_before", sa.Integer(), nullable=True),
        sa.Column("level_after", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(["by_id"], ["user_account.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["item_id"], ["support_item.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["link_id"], ["support_link.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["option_id"], ["support_option.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["young_id"], ["user_account.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("support_change", schema=None) as batch_op:
        batch_op.create_index("ix_support_change_young_at", ["young_id", "at"], unique=False)

    op.create_table(
        "plan_suggestion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("young_id", sa.Integer(), nullable=False),
        sa.Column("goal_id", sa.Integer(), nullable=True),
        sa.Column("area", sa.String(length=20), nullable=True),
        sa.Column("text", sa.String(length=200), nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answer", sa.String(length=12), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("made_goal_id", sa.Integer(), nullable=True),
        sa.Column("made_step_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["by_id"], ["user_account.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["goal_id"], ["plan_goal.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["made_goal_id"], ["plan_goal.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["made_step_id"], ["plan_step.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["young_id"], ["plan.young_id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("plan_suggestion", schema=None) as batch_op:
        batch_op.create_index("ix_plan_suggestion_young_answer", ["young_id", "answer"], unique=False)

    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("left_at", sa.DateTime(timezone=True), nullable=True))
    option = sa.table(
        "support_option",
        sa.column("kind", sa.String),
        sa.column("name", sa.String),
        sa.column("description", sa.String),
        sa.column("name_en", sa.String),
        sa.column("description_en", sa.String),
        sa.column("active", sa.Boolean),
        sa.column("position", sa.Integer),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    now = datetime.now(UTC)
    op.bulk_insert(
        option,
        [
            {
                "kind": kind,
                "name": name,
                "description": description,
                "name_en": name_en,
                "description_en": description_en,
                "active": True,
                "position": position,
                "created_at": now,
            }
            for position, (kind, name, description, name_en, description_en) in enumerate(SEED_OPTIONS)
        ],
    )


def downgrade() -> None:
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("left_at")

    with op.batch_alter_table("plan_suggestion", schema=None) as batch_op:
        batch_op.drop_index("ix_plan_suggestion_young_answer")

    op.drop_table("plan_suggestion")
    with op.batch_alter_table("support_change", schema=None) as batch_op:
        batch_op.drop_index("ix_support_change_young_at")

    op.drop_table("support_change")
    with op.batch_alter_table("plan_step", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_step_goal_id"))

    op.drop_table("plan_step")
    with op.batch_alter_table("plan_comment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_comment_goal_id"))

    op.drop_table("plan_comment")
    with op.batch_alter_table("circle_view", schema=None) as batch_op:
        batch_op.drop_index("ix_circle_view_link_at")

    op.drop_table("circle_view")
    with op.batch_alter_table("support_link", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_support_link_primary",
            sqlite_where=sa.text("is_primary AND ended_at IS NULL"),
            postgresql_where=sa.text("is_primary AND ended_at IS NULL"),
        )
        batch_op.drop_index(
            "uq_support_link_open_pair",
            sqlite_where=sa.text("ended_at IS NULL"),
            postgresql_where=sa.text("ended_at IS NULL"),
        )
        batch_op.drop_index("ix_support_link_supporter_open")

    op.drop_table("support_link")
    with op.batch_alter_table("plan_goal", schema=None) as batch_op:
        batch_op.drop_index("ix_plan_goal_young_area")

    op.drop_table("plan_goal")
    with op.batch_alter_table("plan_change", schema=None) as batch_op:
        batch_op.drop_index("ix_plan_change_young_at")

    op.drop_table("plan_change")
    with op.batch_alter_table("wellbeing", schema=None) as batch_op:
        batch_op.drop_index("ix_wellbeing_young_at")

    op.drop_table("wellbeing")
    op.drop_table("supporter_profile")
    with op.batch_alter_table("support_item", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_support_item_open",
            sqlite_where=sa.text("status IN ('requested', 'active', 'paused')"),
            postgresql_where=sa.text("status IN ('requested', 'active', 'paused')"),
        )
        batch_op.drop_index(batch_op.f("ix_support_item_young_id"))
        batch_op.drop_index("ix_support_item_status")

    op.drop_table("support_item")
    with op.batch_alter_table("sparring_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sparring_request_mentor_id"))

    op.drop_table("sparring_request")
    op.drop_table("plan")
    with op.batch_alter_table("nomination", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_nomination_young_id"))
        batch_op.drop_index("ix_nomination_status")

    op.drop_table("nomination")
    with op.batch_alter_table("checkin", schema=None) as batch_op:
        batch_op.drop_index("ix_checkin_young_on")
        batch_op.drop_index("ix_checkin_by_young")

    op.drop_table("checkin")
    op.drop_table("support_option")
