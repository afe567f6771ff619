"""The sweep visits only the items that reach a level above their own (issue 8).

Each level is raised by one statement over a deadline range (beyond every more severe level's
cutoff, within its own) and the levels below it; these tests put items on both sides of every
cutoff, some already raised, and check each item's level and notices against the policy worked
out by hand. On SQLite the statements of a repeated sweep are checked to search the
(state, level, deadline) index rather than scan the items.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from sqlalchemy import create_engine, event, text

from tests.cli.test_warnings import levels, queued, sweep
from tests.conftest import Rectify

# Default policy, calendar days: blue at 7 days left or fewer, yellow at 3, red once overdue.
# Swept at 2020-10-10 09:00 (Beijing): days left = deadline - 10-10.
DEADLINES = {
    "T1": "2020-10-18",  # 8 days left: none
    "T2": "2020-10-17",  # 7: blue, the first day of blue
    "T3": "2020-10-14",  # 4: blue, the last day before yellow
    "T4": "2020-10-13",  # 3: yellow
    "T5": "2020-10-10",  # 0: yellow, the deadline day itself
    "T6": "2020-10-09",  # -1: red
    "T7": "2020-09-01",  # long overdue: red
}
REACHED = {
    "R1": "none", "R2": "blue", "R3": "blue", "R4": "yellow", "R5": "yellow", "R6": "red",
    "R7": "red",
}  # fmt: skip


def _campaign(rectify: Rectify) -> None:
    rectify.ok("unit", "add", "slj", "水利局")
    rectify.ok("person", "add", "韩水", "--unit", "slj", "--head",
               "--email", "hanshui@example.gov.cn")  # fmt: skip
    rectify.ok("campaign", "add", "TP", "整改", "--deadline", "2020-11-30")
    rectify.ok("problem", "add", "--campaign", "TP", "--title", "部分农村集中供水工程氟超标")
    for task, deadline in DEADLINES.items():
        rectify.ok("task", "add", "--problem", "P1", "--title", f"任务{task}",
                   "--deadline", deadline)  # fmt: skip
        rectify.ok("assign", task, "--unit", "slj", "--person", "韩水")


def test_each_item_reaches_exactly_its_level_on_both_sides_of_every_cutoff(
    rectify: Rectify,
) -> None:
    _campaign(rectify)
    report = sweep(rectify, "2020-10-10T09:00")
    assert levels(rectify) == REACHED
    assert report["raised"] == {"blue": 2, "yellow": 2, "red": 2}
    # One email per raised item, of the level it reached only (a jump from none to red sends red).
    emails = Counter(
        (ref, event) for ref, event, _, channel in queued(rectify) if channel == "email"
    )
    raised = {(ref, level) for ref, level in REACHED.items() if level != "none"}
    assert {key for key in emails if key[1] != "assigned"} == raised
    assert all(emails[key] == 1 for key in raised)
    again = sweep(rectify, "2020-10-10T09:00")
    assert again["raised"] == {"blue": 0, "yellow": 0, "red": 0}
    assert again["notices_queued"] == 0


def test_items_already_raised_rise_only_to_a_higher_level(rectify: Rectify) -> None:
    _campaign(rectify)
    # Five days earlier (10-05): R4 and R5 are blue (8 and 5 days left... see below), R6 and R7
    # too; after that sweep, the sweep of 10-10 raises them from their stored level.
    first = sweep(rectify, "2020-10-05T09:00")
    # On 10-05: T2 12 days left (none), T3 9 (none), T4 8 (none), T5 5 (blue), T6 4 (blue),
    # T7 long overdue (red).
    assert levels(rectify) == {
        "R1": "none", "R2": "none", "R3": "none", "R4": "none", "R5": "blue", "R6": "blue",
        "R7": "red",
    }  # fmt: skip
    assert first["raised"] == {"blue": 2, "yellow": 0, "red": 1}
    second = sweep(rectify, "2020-10-10T09:00")
    assert levels(rectify) == REACHED
    # R5 blue -> yellow, R6 blue -> red; R7 stays red (never lowered, never re-raised).
    assert second["raised"] == {"blue": 2, "yellow": 2, "red": 1}
    red = Counter(ref for ref, event, _, channel in queued(rectify, "red") if channel == "email")
    assert red == Counter({"R6": 1, "R7": 1})


def test_a_repeated_sweep_searches_the_index_instead_of_scanning_items(
    rectify: Rectify,
) -> None:
    if not rectify.db_url.startswith("sqlite"):
        pytest.skip("the plan checked is SQLite's; PostgreSQL plans by table statistics")
    _campaign(rectify)
    sweep(rectify, "2020-10-10T09:00")
    statements: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if "responsibility_items" in statement and not statement.lstrip().startswith("PRAGMA"):
            statements.append((statement, params))

    event.listen(_engine_class(), "before_cursor_execute", record)
    try:
        sweep(rectify, "2020-10-10T09:00")
    finally:
        event.remove(_engine_class(), "before_cursor_execute", record)
    assert statements
    engine = create_engine(rectify.db_url)
    with engine.connect() as conn:
        plans = [
            " | ".join(row[-1] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + s, p))
            for s, p in statements
        ]
        # No statement reads every item; one probe per level of the policy uses the index.
        assert not [plan for plan in plans if "SCAN responsibility_items" in plan], plans
        probes = [p for p in plans if "ix_responsibility_items_state_level_deadline" in p]
        assert len(probes) >= 3, plans
        index = conn.execute(
            text("SELECT sql FROM sqlite_master WHERE name = :name"),
            {"name": "ix_responsibility_items_state_level_deadline"},
        ).scalar_one()
    engine.dispose()
    assert "(state, level, deadline)" in index


def _engine_class() -> Any:
    from sqlalchemy.engine import Engine

    return Engine
