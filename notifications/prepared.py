"""Statements compiled once and run on a DBAPI connection held for a whole `deliver`.

Each message `deliver` sends costs a short write transaction (its result, the next notice's
'sending' mark). Through SQLAlchemy's Connection each such transaction took over a millisecond
against the database's own 0.1 ms: a pool checkout, statement building, a cache key and a
result object per statement. Here a statement is written in Core as usual, compiled once for
the connection's dialect (its SQL text and paramstyle: qmark for SQLite, pyformat for
psycopg), and executed on the DBAPI cursor with bound parameters, each passed through its
column type's bind processor as SQLAlchemy itself would (UTC datetimes, SQLite's timestamp
text).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Dialect, Engine
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler


class Prepared:
    """One statement compiled for one dialect; `params` turns named values into what the
    driver takes (a tuple in the statement's order, or a dict)."""

    def __init__(self, statement: ClauseElement, dialect: Dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        if not isinstance(compiled, SQLCompiler):
            raise TypeError(f"not a SQL statement: {statement!r}")
        self.sql = compiled.string
        # Each parameter the SQL names, in order: a value fixed in the statement (already
        # processed), or the key of a value given at execution and its type's processor.
        self._slots: list[tuple[str, bool, Any, Callable[[Any], Any] | None]] = []
        for bind, name in compiled.bind_names.items():
            if bind.expanding:  # an IN list is rendered per execution; not for this path
                raise ValueError(f"{name}: expanding parameters cannot be prepared")
            processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if bind.required:
                self._slots.append((name, True, bind.key, processor and _last_one(processor)))
            else:
                value = bind.effective_value
                self._slots.append((name, False, processor(value) if processor else value, None))
        if compiled.positiontup is not None:
            where = {name: slot for slot in self._slots for name in [slot[0]]}
            self._slots = [where[name] for name in compiled.positiontup]
            self._positional = True
        else:
            self._positional = False

    def params(self, values: Mapping[str, Any]) -> tuple[Any, ...] | dict[str, Any]:
        row = [
            (process(values[key]) if process else values[key]) if given else key
            for _, given, key, process in self._slots
        ]
        if self._positional:
            return tuple(row)
        return {slot[0]: value for slot, value in zip(self._slots, row, strict=True)}


class Writer:
    """Short write transactions on one DBAPI connection, kept until `close`.

    SQLite: its driver runs in autocommit mode here (workflow.db.engine turns its own
    transaction handling off), so a transaction is begun explicitly, IMMEDIATE so that a second
    writer waits for the lock up front rather than failing half way, as Database.write does.
    PostgreSQL: the driver begins a transaction at the first statement.
    """

    def __init__(self, engine: Engine) -> None:
        self.dialect = engine.dialect
        self._connection = engine.raw_connection()
        self._cursor = self._connection.cursor()
        self._begin = "BEGIN IMMEDIATE" if self.dialect.name == "sqlite" else None

    @contextmanager
    def transaction(self) -> Iterator[Writer]:
        if self._begin is not None:
            self._cursor.execute(self._begin)
        try:
            yield self
        except BaseException:
            self._connection.rollback()
            raise
        self._connection.commit()

    def execute(self, statement: Prepared, values: Mapping[str, Any]) -> int:
        """Run `statement` inside a transaction; the number of rows it changed."""
        self._cursor.execute(statement.sql, statement.params(values))
        return int(self._cursor.rowcount)

    def fetch(self, statement: Prepared, values: Mapping[str, Any]) -> list[Any]:
        """Run `statement` inside a transaction; the first column of the rows it returns."""
        self._cursor.execute(statement.sql, statement.params(values))
        return [row[0] for row in self._cursor.fetchall()]

    def execute_many(self, statement: Prepared, values: list[Mapping[str, Any]]) -> None:
        if values:
            rows: list[Any] = [statement.params(v) for v in values]
            self._cursor.executemany(statement.sql, rows)

    def close(self) -> None:
        self._cursor.close()
        self._connection.close()  # back to the pool, rolled back if anything was left open


def _last_one(processor: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """`processor`, remembering its last answer: one run stamps many rows with the same time,
    and SQLite's timestamp formatting is the dearest part of a statement's parameters."""
    last: list[Any] = [_NOTHING, None]

    def process(value: Any) -> Any:
        if value is None:
            return processor(value)
        if value != last[0]:
            last[:] = [value, processor(value)]
        return last[1]

    return process


_NOTHING = object()
