"""The three lists, units, people, campaigns, the audit trail and evidence.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

from workflow.db.schema import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# The audit trail is append-only: the database itself refuses to change or delete a row.
SQLITE_GUARDS = [
    f"""CREATE TRIGGER audit_events_no_{name.lower()} BEFORE {name} ON audit_events
       BEGIN SELECT RAISE(ABORT, 'audit_events rows are never changed or deleted'); END"""
    for name in ("UPDATE", "DELETE")
]
POSTGRES_GUARDS = [
    """CREATE FUNCTION audit_events_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'audit_events rows are never changed or deleted'; END $$""",
    """CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
       FOR EACH ROW EXECUTE FUNCTION audit_events_refuse()""",
]


def upgrade() -> None:
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("ref", sa.String(length=20), nullable=False),
        sa.Column("trigger", sa.String(length=30), nullable=False),
        sa.Column("from_state", sa.String(length=10), nullable=True),
        sa.Column("to_state", sa.String(length=10), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    op.create_index(op.f("ix_audit_events_ref"), "audit_events", ["ref"], unique=False)
    op.create_table(
        "counters",
        sa.Column("prefix", sa.String(length=1), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("prefix", name=op.f("pk_counters")),
    )
    op.create_table(
        "evidence_blobs",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_evidence_blobs")),
    )
    op.create_table(
        "units",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("email", sa.String(length=200), nullable=True),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("unit_group", sa.String(length=50), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_units")),
        sa.UniqueConstraint("code", name=op.f("uq_units_code")),
        sa.UniqueConstraint("name", name=op.f("uq_units_name")),
    )
    op.create_index(op.f("ix_units_unit_group"), "units", ["unit_group"], unique=False)
    op.create_table(
        "evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["audit_events.id"], name=op.f("fk_evidence_event_id_audit_events")
        ),
        sa.ForeignKeyConstraint(
            ["sha256"], ["evidence_blobs.sha256"], name=op.f("fk_evidence_sha256_evidence_blobs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence")),
    )
    op.create_index(op.f("ix_evidence_event_id"), "evidence", ["event_id"], unique=False)
    op.create_table(
        "people",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=200), nullable=True),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("is_head", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_people_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_people")),
        sa.UniqueConstraint("unit_id", "name", name="uq_people_unit_name"),
    )
    op.create_index(op.f("ix_people_name"), "people", ["name"], unique=False)
    op.create_index(op.f("ix_people_unit_id"), "people", ["unit_id"], unique=False)
    op.create_table(
        "campaigns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("policy", sa.String(length=50), nullable=False),
        sa.Column("leader_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["leader_id"], ["people.id"], name=op.f("fk_campaigns_leader_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaigns")),
        sa.UniqueConstraint("code", name=op.f("uq_campaigns_code")),
    )
    op.create_table(
        "problems",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=20), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("ledger_no", sa.String(length=20), nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("category", sa.Text(), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("definition_version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "state IN ('issued', 'assigned', 'fixed', 'closed')", name=op.f("ck_problems_state")
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name=op.f("fk_problems_campaign_id_campaigns")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_problems")),
        sa.UniqueConstraint("ref", name=op.f("uq_problems_ref")),
    )
    op.create_index(op.f("ix_problems_campaign_id"), "problems", ["campaign_id"], unique=False)
    op.create_table(
        "tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=20), nullable=False),
        sa.Column("problem_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("definition_version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "state IN ('issued', 'assigned', 'fixed', 'closed')", name=op.f("ck_tasks_state")
        ),
        sa.ForeignKeyConstraint(
            ["problem_id"], ["problems.id"], name=op.f("fk_tasks_problem_id_problems")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tasks")),
        sa.UniqueConstraint("ref", name=op.f("uq_tasks_ref")),
    )
    op.create_index(op.f("ix_tasks_problem_id"), "tasks", ["problem_id"], unique=False)
    op.create_table(
        "responsibility_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=20), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("definition_version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "level IN ('none', 'blue', 'yellow', 'red')", name=op.f("ck_responsibility_items_level")
        ),
        sa.CheckConstraint(
            "role IN ('lead', 'cooperate')", name=op.f("ck_responsibility_items_role")
        ),
        sa.CheckConstraint(
            "state IN ('issued', 'assigned', 'fixed', 'closed')",
            name=op.f("ck_responsibility_items_state"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_responsibility_items_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"], name=op.f("fk_responsibility_items_task_id_tasks")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_responsibility_items_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_responsibility_items")),
        sa.UniqueConstraint("ref", name=op.f("uq_responsibility_items_ref")),
    )
    op.create_index(
        op.f("ix_responsibility_items_person_id"),
        "responsibility_items",
        ["person_id"],
        unique=False,
    )
    op.create_index(
        "ix_responsibility_items_state_deadline",
        "responsibility_items",
        ["state", "deadline"],
        unique=False,
    )
    op.create_index(
        op.f("ix_responsibility_items_task_id"), "responsibility_items", ["task_id"], unique=False
    )
    op.create_index(
        op.f("ix_responsibility_items_unit_id"), "responsibility_items", ["unit_id"], unique=False
    )
    counters = sa.table("counters", sa.column("prefix", sa.String), sa.column("last", sa.Integer))
    op.bulk_insert(counters, [{"prefix": p, "last": 0} for p in ("P", "T", "R")])
    dialect = op.get_bind().dialect.name
    for statement in SQLITE_GUARDS if dialect == "sqlite" else POSTGRES_GUARDS:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events")
        op.execute("DROP FUNCTION IF EXISTS audit_events_refuse()")
    for table in (
        "evidence",
        "evidence_blobs",
        "responsibility_items",
        "tasks",
        "problems",
        "counters",
        "campaigns",
        "people",
        "audit_events",
        "units",
    ):
        op.drop_table(table)
