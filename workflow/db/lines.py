"""JSON and CSV lines written by SQLite itself, for lists of hundreds of thousands of rows.

Making a dict per row and encoding it costs Python more than SQLite spends finding the row;
SQLite's JSON function json_object (built in since 3.38) and its string functions write the
same line in C. Each line is, byte for byte, what workflow.output writes for the same row: keys
in order with no spaces, text as it is stored (no \\u escapes beyond the control characters),
CSV cells quoted only where the csv module would quote them and spreadsheet formulas defused.
tests/cli/test_overdue_lines.py compares the two on hostile text.

Only for SQLite: PostgreSQL's json_build_object spaces its output differently, so callers keep
the Python path there (`available` says which).
"""

from __future__ import annotations

import csv
import functools
import io
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, String, case, func, literal, or_, type_coerce
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.elements import ColumnElement

from workflow.output import CSV_LINE_END, FORMULA_START


def available(conn: Connection) -> bool:
    """Whether this connection's database can write the lines (SQLite with json_object)."""
    if conn.dialect.name != "sqlite":
        return False
    try:
        conn.exec_driver_sql("SELECT json_object('a', 1)").scalar()
    except DBAPIError:  # an SQLite built without JSON
        return False
    return True


def json_line(fields: Sequence[tuple[str, ColumnElement[Any]]]) -> ColumnElement[str]:
    """One row as a JSON object of `fields` (name, value), in order."""
    arguments: list[Any] = []
    for name, value in fields:
        arguments += [literal(name), value]
    return func.json_object(*arguments)


def csv_line(fields: Sequence[tuple[ColumnElement[Any], str]]) -> ColumnElement[str]:
    """One row as a CSV line (without its line end) of `fields` (value, kind), as
    workflow.output.render_csv writes it. Kinds: "text" is defused and quoted where needed;
    "code" is text that by its CHECK constraint or its making can hold neither a formula's
    first character nor a character that needs quoting (refs, states, levels, dates), written
    as it is; "number" is an integer, in digits. One printf joins the cells (faster than a
    chain of ||); it writes NULL as nothing, as the csv module writes None."""
    cells = [_text_cell(value) if kind == "text" else value for value, kind in fields]
    return func.printf(literal(",".join(["%s"] * len(cells))), *cells)


def _text_cell(value: ColumnElement[Any]) -> ColumnElement[str]:
    text = type_coerce(value, String)
    defused = case(
        (func.substr(text, 1, 1).in_(FORMULA_START), literal("'", String) + text), else_=text
    )
    needs_quotes = or_(*(func.instr(text, char) > 0 for char in _quoting_characters()))
    return case((needs_quotes, '"' + func.replace(defused, '"', '""') + '"'), else_=defused)


@functools.cache
def _quoting_characters() -> str:
    """The characters that make this Python's csv module quote a cell (with render_csv's line
    end): the delimiter and the quote, and the line breaks it quotes."""
    found = ['"', ","]
    for char in ("\n", "\r"):
        out = io.StringIO()
        csv.writer(out, lineterminator=CSV_LINE_END).writerow([f"a{char}b"])
        if out.getvalue().startswith('"'):
            found.append(char)
    return "".join(found)
