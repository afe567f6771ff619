"""Warnings: deadline versions and extensions (延期), the notice outbox, sweep slots, calendar.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

from workflow.db.schema import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "calendar_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=True),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.CheckConstraint("kind IN ('holiday', 'workday')", name=op.f("ck_calendar_days_kind")),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_calendar_days")),
    )
    op.create_table(
        "sweep_slots",
        sa.Column("slot", sa.String(length=40), nullable=False),
        sa.Column("claimed_by", sa.String(length=100), nullable=False),
        sa.Column("claimed_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("slot", name=op.f("pk_sweep_slots")),
    )
    op.create_table(
        "extensions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("current_deadline", sa.Date(), nullable=False),
        sa.Column("requested_deadline", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("requested_by", sa.String(length=100), nullable=False),
        sa.Column("requested_at", UTCDateTime(), nullable=False),
        sa.Column("decided_by", sa.String(length=100), nullable=True),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'approved', 'refused')", name=op.f("ck_extensions_status")
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["responsibility_items.id"],
            name=op.f("fk_extensions_item_id_responsibility_items"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_extensions")),
    )
    op.create_index(op.f("ix_extensions_item_id"), "extensions", ["item_id"], unique=False)
    op.create_table(
        "notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=20), nullable=False),
        sa.Column("event_key", sa.String(length=60), nullable=False),
        sa.Column("deadline_version", sa.Integer(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("recipient", sa.String(length=40), nullable=False),
        sa.Column("recipient_name", sa.String(length=100), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=False),
        sa.Column("lease_owner", sa.String(length=64), nullable=True),
        sa.Column("lease_until", UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'sending', 'sent', 'dead')", name=op.f("ck_notices_status")
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["responsibility_items.id"],
            name=op.f("fk_notices_item_id_responsibility_items"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notices")),
        sa.UniqueConstraint(
            "item_id",
            "event_key",
            "deadline_version",
            "recipient",
            "channel",
            name="uq_notices_once",
        ),
    )
    op.create_index("ix_notices_due", "notices", ["status", "next_attempt_at"], unique=False)
    op.create_index(op.f("ix_notices_item_id"), "notices", ["item_id"], unique=False)
    op.add_column("responsibility_items", sa.Column("original_deadline", sa.Date(), nullable=True))
    op.add_column(
        "responsibility_items",
        sa.Column("deadline_version", sa.Integer(), server_default="1", nullable=False),
    )
    op.add_column(
        "responsibility_items",
        sa.Column("extension_count", sa.Integer(), server_default="0", nullable=False),
    )
    items = sa.table("responsibility_items", sa.column("deadline"), sa.column("original_deadline"))
    op.execute(items.update().values(original_deadline=items.c.deadline))


def downgrade() -> None:
    for column in ("extension_count", "deadline_version", "original_deadline"):
        op.drop_column("responsibility_items", column)
    for table in ("notices", "extensions", "sweep_slots", "calendar_days"):
        op.drop_table(table)
