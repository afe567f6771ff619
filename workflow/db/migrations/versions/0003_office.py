"""A real office: roles, logins and retirement in the directory, its change log, ledger
imports, standing (长期坚持) and immediate (立行立改) deadlines, and skipped notices.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

from workflow.db.schema import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

DEADLINE_KINDS = "deadline_kind IN ('date', 'immediate', 'standing')"
OLD_STATUSES = "status IN ('pending', 'sending', 'sent', 'dead')"
NEW_STATUSES = "status IN ('pending', 'sending', 'sent', 'dead', 'skipped')"

# The change log is append-only, like the audit trail.
SQLITE_GUARDS = [
    f"""CREATE TRIGGER change_log_no_{name.lower()} BEFORE {name} ON change_log
       BEGIN SELECT RAISE(ABORT, 'change_log rows are never changed or deleted'); END"""
    for name in ("UPDATE", "DELETE")
]
POSTGRES_GUARDS = [
    """CREATE FUNCTION change_log_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'change_log rows are never changed or deleted'; END $$""",
    """CREATE TRIGGER change_log_append_only BEFORE UPDATE OR DELETE ON change_log
       FOR EACH ROW EXECUTE FUNCTION change_log_refuse()""",
]


def upgrade() -> None:
    op.create_table(
        "imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("mode", sa.String(length=10), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("mode IN ('new', 'update')", name=op.f("ck_imports_mode")),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name=op.f("fk_imports_campaign_id_campaigns")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_imports")),
    )
    op.create_index(op.f("ix_imports_campaign_id"), "imports", ["campaign_id"], unique=False)
    op.create_index(op.f("ix_imports_sha256"), "imports", ["sha256"], unique=False)
    op.create_table(
        "change_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("ref", sa.String(length=100), nullable=False),
        sa.Column("field", sa.String(length=40), nullable=False),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=True),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change_log")),
    )
    op.create_index(op.f("ix_change_log_ref"), "change_log", ["ref"], unique=False)

    with op.batch_alter_table("units") as batch:
        batch.add_column(
            sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
    with op.batch_alter_table("people") as batch:
        batch.add_column(
            sa.Column("role", sa.String(length=10), server_default="unit", nullable=False)
        )
        batch.add_column(sa.Column("login", sa.String(length=100), nullable=True))
        batch.add_column(
            sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
        batch.create_unique_constraint(op.f("uq_people_login"), ["login"])
        batch.create_check_constraint(
            op.f("ck_people_role"), "role IN ('office', 'leader', 'unit')"
        )
    with op.batch_alter_table("tasks") as batch:
        batch.alter_column("deadline", existing_type=sa.Date(), nullable=True)
        batch.add_column(
            sa.Column("deadline_kind", sa.String(length=10), server_default="date", nullable=False)
        )
        batch.add_column(sa.Column("import_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("ledger_key", sa.String(length=64), nullable=True))
        batch.create_foreign_key(
            op.f("fk_tasks_import_id_imports"), "imports", ["import_id"], ["id"]
        )
        batch.create_index(op.f("ix_tasks_import_id"), ["import_id"], unique=False)
        batch.create_index(op.f("ix_tasks_ledger_key"), ["ledger_key"], unique=False)
        batch.create_check_constraint(op.f("ck_tasks_deadline_kind"), DEADLINE_KINDS)
    with op.batch_alter_table("responsibility_items") as batch:
        batch.alter_column("deadline", existing_type=sa.Date(), nullable=True)
        batch.add_column(
            sa.Column("deadline_kind", sa.String(length=10), server_default="date", nullable=False)
        )
        batch.add_column(sa.Column("ledger_note", sa.Text(), nullable=True))
        batch.add_column(sa.Column("last_progress_at", UTCDateTime(), nullable=True))
        batch.create_check_constraint(op.f("ck_responsibility_items_deadline_kind"), DEADLINE_KINDS)
    with op.batch_alter_table("notices") as batch:
        batch.alter_column("deadline", existing_type=sa.Date(), nullable=True)
        batch.drop_constraint(op.f("ck_notices_status"), type_="check")
        batch.create_check_constraint(op.f("ck_notices_status"), NEW_STATUSES)

    dialect = op.get_bind().dialect.name
    for statement in SQLITE_GUARDS if dialect == "sqlite" else POSTGRES_GUARDS:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS change_log_append_only ON change_log")
        op.execute("DROP FUNCTION IF EXISTS change_log_refuse()")
    notices = sa.table("notices", sa.column("status"))
    op.execute(notices.update().where(notices.c.status == "skipped").values(status="dead"))
    with op.batch_alter_table("notices") as batch:
        batch.drop_constraint(op.f("ck_notices_status"), type_="check")
        batch.create_check_constraint(op.f("ck_notices_status"), OLD_STATUSES)
    with op.batch_alter_table("responsibility_items") as batch:
        batch.drop_constraint(op.f("ck_responsibility_items_deadline_kind"), type_="check")
        for column in ("last_progress_at", "ledger_note", "deadline_kind"):
            batch.drop_column(column)
    with op.batch_alter_table("tasks") as batch:
        batch.drop_constraint(op.f("ck_tasks_deadline_kind"), type_="check")
        batch.drop_index(op.f("ix_tasks_ledger_key"))
        batch.drop_index(op.f("ix_tasks_import_id"))
        batch.drop_constraint(op.f("fk_tasks_import_id_imports"), type_="foreignkey")
        for column in ("ledger_key", "import_id", "deadline_kind"):
            batch.drop_column(column)
    with op.batch_alter_table("people") as batch:
        batch.drop_constraint(op.f("ck_people_role"), type_="check")
        batch.drop_constraint(op.f("uq_people_login"), type_="unique")
        for column in ("active", "login", "role"):
            batch.drop_column(column)
    with op.batch_alter_table("units") as batch:
        batch.drop_column("active")
    op.drop_table("change_log")
    op.drop_table("imports")
