"""What leaders see: the leader in charge of each problem (责任领导), the audit trail's hash
chain, and digests (one notice covering many items).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

from workflow import audit
from workflow.db.schema import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

SQLITE_GUARD_NAMES = ("audit_events_no_update", "audit_events_no_delete")
SQLITE_GUARDS = [
    f"""CREATE TRIGGER audit_events_no_{name.lower()} BEFORE {name} ON audit_events
       BEGIN SELECT RAISE(ABORT, 'audit_events rows are never changed or deleted'); END"""
    for name in ("UPDATE", "DELETE")
]
POSTGRES_GUARD = """CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
       FOR EACH ROW EXECUTE FUNCTION audit_events_refuse()"""


def _drop_guards(dialect: str) -> None:
    if dialect == "sqlite":
        for name in SQLITE_GUARD_NAMES:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events")


def _create_guards(dialect: str) -> None:
    for statement in SQLITE_GUARDS if dialect == "sqlite" else [POSTGRES_GUARD]:
        op.execute(statement)


def _chain_existing_rows() -> None:
    """Hash the rows written before the chain existed, in id order."""
    bind = op.get_bind()
    events = sa.table(
        "audit_events",
        sa.column("id", sa.Integer),
        *(sa.column(name, sa.Text) for name in ("kind", "ref", "trigger", "from_state")),
        *(sa.column(name, sa.Text) for name in ("to_state", "actor", "note")),
        sa.column("at", UTCDateTime()),
        sa.column("prev_hash", sa.String),
        sa.column("row_hash", sa.String),
    )
    prev = audit.GENESIS
    rows = bind.execute(sa.select(events).order_by(events.c.id)).all()
    for row in rows:
        digest = audit.row_hash(prev, row._mapping)
        bind.execute(
            events.update().where(events.c.id == row.id).values(prev_hash=prev, row_hash=digest)
        )
        prev = digest


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    with op.batch_alter_table("problems") as batch:
        batch.add_column(sa.Column("leader_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_problems_leader_id_people"), "people", ["leader_id"], ["id"]
        )
        batch.create_index(op.f("ix_problems_leader_id"), ["leader_id"], unique=False)

    # A batch rebuild on SQLite would drop the append-only triggers with the old table: add
    # the columns in place, fill them, then make them NOT NULL with the guards off.
    _drop_guards(dialect)
    op.add_column("audit_events", sa.Column("prev_hash", sa.String(length=64), nullable=True))
    op.add_column("audit_events", sa.Column("row_hash", sa.String(length=64), nullable=True))
    _chain_existing_rows()
    with op.batch_alter_table("audit_events") as batch:
        batch.alter_column("prev_hash", existing_type=sa.String(length=64), nullable=False)
        batch.alter_column("row_hash", existing_type=sa.String(length=64), nullable=False)
    _create_guards(dialect)

    with op.batch_alter_table("notices") as batch:
        batch.alter_column("item_id", existing_type=sa.Integer(), nullable=True)
    op.create_index(
        "uq_notices_digest",
        "notices",
        ["event_key", "recipient", "channel"],
        unique=True,
        sqlite_where=sa.text("item_id IS NULL"),
        postgresql_where=sa.text("item_id IS NULL"),
    )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.drop_index("uq_notices_digest", table_name="notices")
    notices = sa.table("notices", sa.column("item_id"))
    op.execute(notices.delete().where(notices.c.item_id.is_(None)))
    with op.batch_alter_table("notices") as batch:
        batch.alter_column("item_id", existing_type=sa.Integer(), nullable=False)
    _drop_guards(dialect)
    with op.batch_alter_table("audit_events") as batch:
        batch.drop_column("row_hash")
        batch.drop_column("prev_hash")
    _create_guards(dialect)
    with op.batch_alter_table("problems") as batch:
        batch.drop_index(op.f("ix_problems_leader_id"))
        batch.drop_constraint(op.f("fk_problems_leader_id_people"), type_="foreignkey")
        batch.drop_column("leader_id")
