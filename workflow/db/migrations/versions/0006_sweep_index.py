"""The sweep's index: open items by (state, level, deadline), so that the sweep visits only the
items that reach a level above their own, and a repeated sweep answers "nothing rose" with one
index probe per level instead of a scan of every open item near its deadline.

Revision ID: 0006
Revises: 0004
Create Date: 2026-12-05
"""

from alembic import op

revision = "0006"
down_revision = "0004"
branch_labels = None
depends_on = None

INDEX = "ix_responsibility_items_state_level_deadline"


def upgrade() -> None:
    op.create_index(INDEX, "responsibility_items", ["state", "level", "deadline"])


def downgrade() -> None:
    op.drop_index(INDEX, table_name="responsibility_items")
