"""klippekort: offers, partners, vouchers, allotments

Revision ID: 0005
Revises: 0004
Created: 2026-11-23 16:19:28.810088
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel  # noqa: F401
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "partner",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("website", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "offer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("category", sa.String(length=12), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=True),
        sa.Column("price_klip", sa.Integer(), nullable=False),
        sa.Column("description", sa.String(length=1000), nullable=False),
        sa.Column("link", sa.String(length=300), nullable=False),
        sa.Column("icon", sa.String(length=20), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("price_klip > 0", name="ck_offer_price_positive"),
        sa.ForeignKeyConstraint(["partner_id"], ["partner.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("offer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_offer_partner_id"), ["partner_id"], unique=False)

    op.create_table(
        "allotment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("audience", sa.String(length=12), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("expires_after_days", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount > 0", name="ck_allotment_amount_positive"),
        sa.ForeignKeyConstraint(["created_by_id"], ["user_account.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "voucher",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("offer_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("price_klip", sa.Integer(), nullable=False),
        sa.Column("qr_secret", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("redeemed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("redeemed_by_id", sa.Integer(), nullable=True),
        sa.Column("refunded_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["offer_id"], ["offer.id"], ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["redeemed_by_id"], ["user_account.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("voucher", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_voucher_offer_id"), ["offer_id"], unique=False)
        batch_op.create_index("ix_voucher_user_status", ["user_id", "status"], unique=False)

    op.create_table(
        "allotment_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("allotment_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("granted", sa.Integer(), nullable=False),
        sa.Column("ran_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["allotment_id"], ["allotment.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("allotment_id", "month", name="uq_allotment_run_month"),
    )
    with op.batch_alter_table("klip_entry", schema=None) as batch_op:
        batch_op.add_column(sa.Column("voucher_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("allotment_run_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("source_entry_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_klip_entry_allotment_run", "allotment_run", ["allotment_run_id"], ["id"], ondelete="SET NULL"
        )
        batch_op.create_foreign_key(
            "fk_klip_entry_source_entry", "klip_entry", ["source_entry_id"], ["id"], ondelete="SET NULL"
        )
        batch_op.create_foreign_key("fk_klip_entry_voucher", "voucher", ["voucher_id"], ["id"], ondelete="SET NULL")

    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("partner_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_user_account_partner", "partner", ["partner_id"], ["id"], ondelete="SET NULL")


def downgrade() -> None:
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_constraint("fk_user_account_partner", type_="foreignkey")
        batch_op.drop_column("partner_id")

    with op.batch_alter_table("klip_entry", schema=None) as batch_op:
        batch_op.drop_constraint("fk_klip_entry_voucher", type_="foreignkey")
        batch_op.drop_constraint("fk_klip_entry_source_entry", type_="foreignkey")
        batch_op.drop_constraint("fk_klip_entry_allotment_run", type_="foreignkey")
        batch_op.drop_column("source_entry_id")
        batch_op.drop_column("allotment_run_id")
        batch_op.drop_column("voucher_id")

    op.drop_table("allotment_run")
    with op.batch_alter_table("voucher", schema=None) as batch_op:
        batch_op.drop_index("ix_voucher_user_status")
        batch_op.drop_index(batch_op.f("ix_voucher_offer_id"))

    op.drop_table("voucher")
    op.drop_table("allotment")
    with op.batch_alter_table("offer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_offer_partner_id"))

    op.drop_table("offer")
    op.drop_table("partner")
