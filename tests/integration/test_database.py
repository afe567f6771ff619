"""The database layer on SQLite and PostgreSQL: migrations, the append-only audit trail,
and SQLite's locking set-up for sharing one file between the CLI and a scheduler."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError

from tests.conftest import Rectify
from workflow.db.engine import SCHEMA_HEAD, Database
from workflow.db.migrate import alembic_config, head_revision, upgrade
from workflow.db.schema import audit_events, items, metadata
from workflow.settings import database_url


def test_migrations_build_exactly_the_schema_the_code_declares(db_url: str) -> None:
    db = Database(database_url(db_url))
    assert upgrade(db) == (None, SCHEMA_HEAD)
    assert head_revision() == SCHEMA_HEAD
    with db.engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), metadata)
    db.dispose()
    assert differences == []


def test_upgrade_from_the_first_schema_keeps_items_and_fills_new_columns(
    rectify: Rectify,
) -> None:
    """Items made under schema 0001 get their original deadline and version 1 on upgrade."""
    db = Database(database_url(rectify.db_url))
    config = alembic_config()
    with db.write(foreign_keys=False) as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0001")
    assert db.schema_revision() == "0001"
    assert rectify.fails("list").startswith("Error: database ")  # not at the schema we need
    assert "run `rectify init` to upgrade it" in rectify.fails("list")
    with db.write() as conn:
        conn.execute(text("INSERT INTO units (code, name) VALUES ('slj', '水利局')"))
    assert rectify.ok("init").splitlines()[0].endswith(f"from schema 0001 to {SCHEMA_HEAD}.")
    assert db.schema_revision() == SCHEMA_HEAD
    db.dispose()
    # Schema 0001 knew no roles: nobody is office staff after the upgrade, so anyone may
    # register the office, as on a fresh database.
    rectify.ok("person", "add", "韩水", "--unit", "slj", "--head")
    rectify.ok("person", "add", "周督", "--unit", "dcs", "--role", "office")
    rectify.actor = "周督"
    rectify.ok("campaign", "add", "C", "整改", "--deadline", "2020-12-31")
    rectify.ok("problem", "add", "--campaign", "C", "--title", "氟超标")
    rectify.ok("task", "add", "--problem", "P1", "--title", "除氟", "--deadline", "2020-10-01")
    rectify.ok("assign", "T1", "--unit", "slj", "--person", "韩水")
    shown = rectify.json("show", "R1")[0]
    assert (shown["original_deadline"], shown["deadline_version"]) == ("2020-10-01", 1)


def test_an_uninitialised_database_is_refused_with_a_pointer_to_init(tmp_path: Path) -> None:
    runner = Rectify("sqlite:///" + str(tmp_path / "new.db"))
    error = runner.fails("list")
    assert error.startswith("Error: database sqlite:///")
    assert error.endswith("is not initialised; run `rectify init` first")


def test_audit_rows_are_never_updated_or_deleted(rectify: Rectify) -> None:
    rectify.ok("unit", "add", "slj", "水利局")
    rectify.ok("person", "add", "韩水", "--unit", "slj", "--head")
    rectify.ok("campaign", "add", "C", "整改", "--deadline", "2020-12-31")
    rectify.ok("problem", "add", "--campaign", "C", "--title", "氟超标")
    db = Database(database_url(rectify.db_url))
    for statement in (
        update(audit_events).values(actor="someone else"),
        delete(audit_events),
    ):
        with pytest.raises(DBAPIError, match="never changed or deleted"), db.write() as conn:
            conn.execute(statement)
    with db.read() as conn:
        assert conn.execute(select(audit_events.c.actor)).scalars().all() == ["李督查"]
    db.dispose()


def test_sqlite_runs_in_wal_and_writers_take_the_lock_up_front(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    db = Database("sqlite:///" + str(path))
    upgrade(db)
    with db.read() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    # BEGIN IMMEDIATE: holding a write transaction, even before writing anything, makes a
    # second writer wait (here: fail at once, its busy timeout being zero) ...
    with db.write() as conn:
        conn.execute(select(items.c.id))
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
    # ... while readers are never blocked, and the lock is free again after commit.
    with db.read() as conn:
        other.execute("BEGIN IMMEDIATE")
        assert conn.execute(select(items.c.id)).all() == []
        other.execute("ROLLBACK")
    other.close()
    db.dispose()
