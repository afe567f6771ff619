"""Connections: SQLite set up so the CLI and a scheduler can share one file, or any SQLAlchemy URL.

SQLite's Python driver opens transactions lazily and as DEFERRED, which lets two writers both
read and then fail on upgrade with "database is locked". The documented SQLAlchemy recipe turns
the driver's handling off and emits BEGIN ourselves: IMMEDIATE for writes, so a writer waits
(busy timeout) for the lock up front instead of failing half way.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, select
from sqlalchemy.exc import OperationalError, ProgrammingError

from workflow.db.schema import metadata
from workflow.errors import RectifyError

SCHEMA_HEAD = "0002"
BUSY_TIMEOUT_MS = 30_000
_WRITE = "rectify_write"


class Database:
    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = _create(url)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @property
    def display_name(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One write transaction: all of it commits, or none of it."""
        with self.engine.connect() as conn:
            conn = conn.execution_options(**{_WRITE: True})
            with conn.begin():
                yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn, conn.begin():
            yield conn

    def schema_revision(self) -> str | None:
        from sqlalchemy import column, table

        version = table("alembic_version", column("version_num"))
        try:
            with self.read() as conn:
                return conn.execute(select(version.c.version_num)).scalar_one_or_none()
        except (OperationalError, ProgrammingError) as exc:
            if _missing_table(exc):
                return None
            raise

    def require_current_schema(self) -> None:
        revision = self.schema_revision()
        if revision is None:
            raise RectifyError(
                f"database {self.display_name} is not initialised; run `rectify init` first"
            )
        if revision != SCHEMA_HEAD:
            raise RectifyError(
                f"database {self.display_name} has schema {revision}, this rectify needs "
                f"{SCHEMA_HEAD}; run `rectify init` to upgrade it"
            )

    def dispose(self) -> None:
        self.engine.dispose()


def _create(url: str) -> Engine:
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves (see module doc)
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        write = conn.get_execution_options().get(_WRITE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def _missing_table(exc: Exception) -> bool:
    text = str(exc).lower()
    return "no such table" in text or "does not exist" in text or "undefinedtable" in text


__all__ = ["SCHEMA_HEAD", "Database", "metadata"]
