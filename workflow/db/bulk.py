"""Many rows into one table, at the driver's speed: one executemany, values converted once.

`conn.execute(insert(table), rows)` runs every value of every row through its column type's
bind processing in Python (a datetime made UTC, a date made text on SQLite), some 20 µs a row:
for a million-row import that is most of the time. Here the statement is compiled once and the
few distinct values of each typed column (the import's timestamp, a ledger's deadlines) are
converted once each; strings and integers pass straight to the driver.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Table, insert

_MEMO_LIMIT = 4_096  # distinct values remembered per column (more: the memo starts again)


def bulk_insert(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """INSERT `rows` (all with the keys of the first) into `table` with one executemany."""
    if not rows:
        return
    names = list(rows[0])
    compiled = insert(table).compile(dialect=conn.dialect, column_keys=names, for_executemany=True)
    order = list(compiled.positiontup or []) if compiled.positional else list(compiled.params)
    # Columns the rows leave out but the statement names: their Python-side defaults.
    defaults = {name: _default(table, name) for name in order if name not in rows[0]}
    rows = [{**row, **defaults} for row in rows] if defaults else rows
    get = itemgetter(*order) if len(order) > 1 else (lambda row: (row[order[0]],))
    typed = [
        (i, convert) for i, name in enumerate(order) if (convert := _converter(table, name, conn))
    ]
    values: list[Any] = [get(row) for row in rows]
    if typed:
        for index, row_values in enumerate(values):
            converted = list(row_values)
            for i, convert in typed:
                converted[i] = convert(converted[i])
            values[index] = tuple(converted)
    if not compiled.positional:
        values = [dict(zip(order, row_values, strict=True)) for row_values in values]
    conn.exec_driver_sql(str(compiled), values)


def _default(table: Table, name: str) -> Any:
    default = table.c[name].default
    if default is None or not default.is_scalar:
        raise ValueError(f"bulk_insert into {table.name}: give {name} (no constant default)")
    return default.arg  # type: ignore[attr-defined]


def _converter(table: Table, name: str, conn: Connection) -> Callable[[Any], Any] | None:
    process = table.c[name].type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
    if process is None:
        return None  # the driver takes the value as it is
    memo: dict[Any, Any] = {}

    def convert(value: Any) -> Any:
        if value is None:
            return None
        try:
            return memo[value]
        except KeyError:
            if len(memo) >= _MEMO_LIMIT:
                memo.clear()
            memo[value] = converted = process(value)
            return converted

    return convert
