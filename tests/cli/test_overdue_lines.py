"""`overdue --format json|csv` on SQLite is written by SQLite itself (workflow/db/lines.py):
it must be the very text the Python path (overdue_rows through workflow.output) writes, on
hostile names and titles as on plain ones. PostgreSQL always takes the Python path, and the
tests in test_overdue.py run both backends through the same assertions."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, create_engine, text

import definitions
from definitions.policies import parse_policy
from tests.conftest import Rectify
from workflow import output
from workflow.db import lines
from workflow.services import overdue

NOW = datetime(2020, 10, 1, 1, tzinfo=UTC)
ZONE = ZoneInfo("Asia/Shanghai")
HOSTILE = [
    "=1+2", "+x", "-3", "@SUM(A1)", "\tTab", "\rCR", "a,b", 'say "hi"', "line\nbreak",
    "cr\rmid", "back\\slash", "esc\x1b[31mred", "bell\x07", "rtl\u202eltr", "ls\u2028ps",
    "😀 emoji", "中文，标点；“引号”", "", " lead space", "'quote", "\x7fdel", "tab\tmid",
]  # fmt: skip


@pytest.fixture
def sqlite_county(county: Rectify) -> Iterator[tuple[Rectify, Connection]]:
    if not county.db_url.startswith("sqlite"):
        pytest.skip("the lines are written by SQLite only")
    county.ok("problem", "add", "--campaign", "TP", "--title", "问题")
    for n in range(4):
        county.ok("task", "add", "--problem", "P1", "--title", f"任务{n}",
                  "--deadline", f"2020-09-{20 + n}")  # fmt: skip
        county.ok("assign", f"T{n + 1}", "--unit", "slj", "--person", "韩水")
    engine = create_engine(county.db_url)
    with engine.connect() as conn:
        yield county, conn
    engine.dispose()


def both(conn: Connection, fmt: str) -> tuple[str, str]:
    """(the Python path's text, SQLite's text) for the same rows."""
    by_python, by_sqlite = io.StringIO(), io.StringIO()
    rows = overdue.overdue_rows(conn, now=NOW, zone=ZONE, policies={})
    output.render(rows, overdue.OVERDUE_FIELDS, fmt, by_python, lang="en", zone=ZONE)
    written = overdue.overdue_lines(conn, fmt, now=NOW, zone=ZONE, policies={})
    assert written is not None
    output.write_lines(written, fmt, overdue.OVERDUE_FIELDS, by_sqlite)
    return by_python.getvalue(), by_sqlite.getvalue()


def name_everything(conn: Connection, value: str) -> None:
    conn.execute(text("UPDATE tasks SET title = :v"), {"v": value})
    conn.execute(text("UPDATE units SET name = :v || id"), {"v": value})
    conn.execute(text("UPDATE people SET name = :v || id"), {"v": value})


@pytest.mark.parametrize("fmt", ["json", "csv"])
@pytest.mark.parametrize("value", HOSTILE)
def test_sqlite_writes_what_python_writes(
    sqlite_county: tuple[Rectify, Connection], fmt: str, value: str
) -> None:
    _, conn = sqlite_county
    assert lines.available(conn)
    name_everything(conn, value)
    by_python, by_sqlite = both(conn, fmt)
    assert by_sqlite == by_python
    if fmt == "json":
        assert {row["title"] for row in json.loads(by_sqlite)} == {value}
    else:
        titles = {row["title"] for row in csv.DictReader(io.StringIO(by_sqlite, newline=""))}
        defused = "'" + value if value.startswith(output.FORMULA_START) else value
        assert titles == {defused}


def test_empty_list_is_framed_the_same(sqlite_county: tuple[Rectify, Connection]) -> None:
    _, conn = sqlite_county
    conn.execute(text("UPDATE responsibility_items SET state = 'closed'"))
    for fmt in ("json", "csv"):
        by_python, by_sqlite = both(conn, fmt)
        assert by_sqlite == by_python
    assert by_python.startswith("ref,title,")


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(value=st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00")))
def test_any_text_reads_the_same(sqlite_county: tuple[Rectify, Connection], value: str) -> None:
    _, conn = sqlite_county
    name_everything(conn, value)
    for fmt in ("json", "csv"):
        by_python, by_sqlite = both(conn, fmt)
        assert by_sqlite == by_python


def test_working_days_take_the_python_path(sqlite_county: tuple[Rectify, Connection]) -> None:
    _, conn = sqlite_county
    folder = Path(definitions.__file__).parent / "policies"
    working = parse_policy((folder / "working-days.yaml").read_text(), "working-days", "default")
    assert working.day_count == "working"
    assert overdue.overdue_lines(conn, "json", now=NOW, zone=ZONE, policies={}) is not None
    assert (
        overdue.overdue_lines(conn, "json", now=NOW, zone=ZONE, policies={"default": working})
        is None
    )
