"""Create or upgrade the schema with Alembic, from code (no alembic.ini needed by users)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

from workflow.db.engine import Database, refuse_newer

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def upgrade(db: Database) -> tuple[str | None, str]:
    """Bring the database to the newest schema; returns (revision before, revision after)."""
    before = db.schema_revision()
    refuse_newer(before, db.display_name)
    config = alembic_config()
    with db.write(foreign_keys=False) as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
        db.check_foreign_keys(conn)
    return before, head_revision()
