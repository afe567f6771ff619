"""Connections: SQLite set up so the CLI and a scheduler can share one file, or any SQLAlchemy URL.

SQLite's Python driver opens transactions lazily and as DEFERRED, which lets two writers both
read and then fail on upgrade with "database is locked". The documented SQLAlchemy recipe turns
the driver's handling off and emits BEGIN ourselves: IMMEDIATE for writes, so a writer waits
(busy timeout) for the lock up front instead of failing half way.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, select
from sqlalchemy.exc import ArgumentError, OperationalError, ProgrammingError

from workflow.db.schema import metadata
from workflow.errors import RectifyError

SCHEMA_HEAD = "0009"
BUSY_TIMEOUT_MS = 30_000
_WRITE = "rectify_write"


class Database:
    def __init__(self, url: str) -> None:
        self.url = url
        try:
            self.engine = _create(url)
        except (ArgumentError, ValueError, ImportError) as exc:
            # A bad URL or a missing driver: say which, without echoing the URL's password.
            reason = mask_url(_one_line(exc))
            raise RectifyError(
                "cannot use database {url}: {reason}", url=mask_url(url), reason=reason
            ) from None
        if "@" in (self.engine.url.host or ""):
            # SQLAlchemy ends the password at its first @ and takes the rest for the host,
            # which every connection error would then show.
            raise RectifyError(
                "cannot use database {url}: write each @ in its password as %40",
                url=mask_url(url),
            )

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @property
    def display_name(self) -> str:
        # psycopg also takes the password as ?password=...: hide that too.
        url = self.engine.url.difference_update_query(["password", "sslpassword"])
        return url.render_as_string(hide_password=True)

    @contextmanager
    def write(self, *, foreign_keys: bool = True) -> Iterator[Connection]:
        """One write transaction: all of it commits, or none of it.

        `foreign_keys=False` is for migrations on SQLite, which rebuild a table by copying it
        (a referenced table cannot be dropped while its references are enforced); the pragma
        only takes effect outside a transaction, so it is set before BEGIN and restored after.
        """
        with self.engine.connect() as conn:
            relax = self.is_sqlite and not foreign_keys
            if relax:
                conn.connection.dbapi_connection.execute("PRAGMA foreign_keys = OFF")  # type: ignore[union-attr]
            try:
                conn = conn.execution_options(**{_WRITE: True})
                with conn.begin():
                    yield conn
            finally:
                if relax:
                    conn.connection.dbapi_connection.execute("PRAGMA foreign_keys = ON")  # type: ignore[union-attr]

    def check_foreign_keys(self, conn: Connection) -> None:
        """After a migration with foreign keys relaxed: refuse to commit a broken reference."""
        if self.is_sqlite:
            broken = conn.exec_driver_sql("PRAGMA foreign_key_check").first()
            if broken is not None:
                raise RectifyError(
                    "migration left a broken reference in table {table}", table=broken[0]
                )

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
                "database {name} is not initialised; run `rectify init` first",
                name=self.display_name,
            )
        refuse_newer(revision, self.display_name)
        if revision != SCHEMA_HEAD:
            raise RectifyError(
                "database {name} has schema {revision}, this rectify needs {head}; run "
                "`rectify init` to upgrade it",
                name=self.display_name,
                revision=revision,
                head=SCHEMA_HEAD,
            )

    def dispose(self) -> None:
        self.engine.dispose()


def known_revisions() -> set[str]:
    """The schema revisions this rectify has migrations for (read from their file names, so
    that a plain command does not import Alembic)."""
    versions = Path(__file__).resolve().parent / "migrations" / "versions"
    return {path.name.split("_", 1)[0] for path in versions.glob("[0-9]*_*.py")}


def refuse_newer(revision: str | None, name: str) -> None:
    """A database at a revision this rectify has no migration for was written by a newer
    rectify: upgrading cannot help, and this code must not touch it."""
    if revision is not None and revision not in known_revisions():
        raise RectifyError(
            "database {name} was written by a newer rectify (schema {revision}); install that "
            "version",
            name=name,
            revision=revision,
        )


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
    """Only the version table being absent means "not initialised"; a missing database or a
    refused connection is reported as what it is."""
    text = str(exc).lower()
    return "no such table: alembic_version" in text or (
        'relation "alembic_version" does not exist' in text
    )


def mask_url(url: str) -> str:
    """A database URL with its password (user:password@ or ?password=) replaced by ***.

    The password runs to the last @: one typed with @, : or / unescaped is hidden whole, as is
    a %-escaped one."""
    scheme, sep, rest = url.partition("://")
    at = rest.rfind("@")
    if sep and at > 0:
        user, colon, _ = rest[:at].partition(":")
        if colon and "/" not in user:
            url = f"{scheme}{sep}{user}:***{rest[at:]}"
    return re.sub(r"(?i)((?:ssl)?password=)[^&]*", r"\1***", url)


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


__all__ = ["SCHEMA_HEAD", "Database", "mask_url", "metadata"]
