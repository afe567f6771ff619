"""A responsibility item through every transition, its roll-up to task and problem, its audit."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.conftest import Rectify
from workflow.db.engine import Database
from workflow.db.schema import evidence_blobs

HISTORY_KEYS = ["at", "actor", "trigger", "from", "to", "note", "evidence"]
SYSTEM = "system"
ROLL = "roll-up"


def add_problem_and_task(r: Rectify, problem: str = "P1", task: str = "T1") -> None:
    if problem not in states(r, "problem"):
        assert r.ok("problem", "add", "--campaign", "TP", "--title", "饮水氟超标") == f"{problem}\n"
    args = ("--title", "加装除氟设备", "--deadline", "2020-10-15")
    assert r.ok("task", "add", "--problem", problem, *args) == f"{task}\n"


def assign(r: Rectify, task: str, unit: str, person: str, ref: str, *extra: str) -> None:
    assert r.ok("assign", task, "--unit", unit, "--person", person, *extra) == f"{ref}\n"


def one_item(r: Rectify) -> None:
    """P1 > T1 > R1, with R1 for 韩水 of 水利局."""
    add_problem_and_task(r)
    assign(r, "T1", "水利局", "韩水", "R1")


def lead_and_cooperating(r: Rectify) -> None:
    """T1 led by 水利局 (R1, 韩水), with 城关镇 cooperating (R2, 陈干)."""
    one_item(r)
    assign(r, "T1", "城关镇", "陈干", "R2", "--role", "cooperate")


def states(r: Rectify, kind: str) -> dict[str, str]:
    return {row["ref"]: row["state"] for row in r.json("list", "--kind", kind)}


def moves(r: Rectify, ref: str) -> list[tuple[Any, ...]]:
    """(actor, trigger, from, to, note) of each audit row of `ref`, in order."""
    return [
        (h["actor"], h["trigger"], h["from"], h["to"], h["note"]) for h in r.json("history", ref)
    ]


def fixed(r: Rectify, ref: str) -> str:
    """Report `ref` fixed as its own responsible person (R1: 韩水, R2 and others: 陈干)."""
    person = r.json("show", ref)[0]["person"]
    return r.ok("fix", ref, "--note", "已完成", actor=person)


def stored_blobs(db_url: str) -> int:
    db = Database(db_url)
    try:
        with db.read() as conn:
            return int(conn.execute(select(func.count()).select_from(evidence_blobs)).scalar_one())
    finally:
        db.dispose()


def lines(*moved: tuple[str, str, str]) -> str:
    return "".join(f"{ref}: {before} -> {after}\n" for ref, before, after in moved)


# --- each transition of a responsibility item ---------------------------------------------


def test_assign_creates_the_item_issued_then_assigns_it(county: Rectify) -> None:
    one_item(county)
    assert moves(county, "R1") == [
        ("李督查", "create", None, "issued", None),
        ("李督查", "assign", "issued", "assigned", None),
    ]
    (item,) = county.json("list")
    assert (item["ref"], item["unit"], item["person"], item["role"]) == (
        "R1",
        "水利局",
        "韩水",
        "lead",
    )
    assert (item["task"], item["problem"], item["deadline"]) == ("T1", "P1", "2020-10-15")
    assert states(county, "task") == {"T1": "assigned"}
    assert states(county, "problem") == {"P1": "assigned"}


def test_fix_with_note_and_evidence(county: Rectify, tmp_path: Path) -> None:
    one_item(county)
    photo, report = tmp_path / "现场照片.jpg", tmp_path / "report.pdf"
    photo.write_bytes(b"\xff\xd8 photo of the new filter")
    report.write_bytes(b"%PDF-1.4 water test: fluoride 0.6 mg/L")
    files = ("--evidence", str(photo), "--evidence", str(report))
    out = county.ok("fix", "R1", "--note", "已加装除氟设备", *files, actor="韩水")
    assert out == lines(
        ("R1", "assigned", "fixed"), ("T1", "assigned", "fixed"), ("P1", "assigned", "fixed")
    )
    expected = [
        {"filename": p.name, "sha256": hashlib.sha256(p.read_bytes()).hexdigest()}
        for p in (photo, report)
    ]
    (shown,) = county.json("show", "R1")
    assert shown["state"] == "fixed"
    assert [{k: e[k] for k in ("filename", "sha256")} for e in shown["evidence"]] == expected
    assert [e["size"] for e in shown["evidence"]] == [photo.stat().st_size, report.stat().st_size]
    last = county.json("history", "R1")[-1]
    assert (last["actor"], last["trigger"], last["note"]) == ("韩水", "fix", "已加装除氟设备")
    assert last["evidence"] == expected


def test_same_content_is_stored_once_but_listed_for_each_upload(
    county: Rectify, tmp_path: Path
) -> None:
    one_item(county)
    first, second = tmp_path / "a.jpg", tmp_path / "copy-of-a.jpg"
    first.write_bytes(b"same bytes")
    second.write_bytes(b"same bytes")
    digest = hashlib.sha256(b"same bytes").hexdigest()
    county.ok("fix", "R1", "--note", "一", "--evidence", str(first), "--evidence", str(first))
    county.ok("reject", "R1", "--note", "照片不清晰")
    county.ok("fix", "R1", "--note", "二", "--evidence", str(second))
    (shown,) = county.json("show", "R1")
    names = [(e["filename"], e["sha256"]) for e in shown["evidence"]]
    # The same file given twice in one request is one piece of evidence.
    assert names == [("a.jpg", digest), ("copy-of-a.jpg", digest)]
    assert stored_blobs(county.db_url) == 1
    fixes = [h["evidence"] for h in county.json("history", "R1") if h["trigger"] == "fix"]
    assert [len(files) for files in fixes] == [1, 1]


def test_fix_without_evidence_lists_none(county: Rectify) -> None:
    one_item(county)
    fixed(county, "R1")
    assert county.json("show", "R1")[0]["evidence"] == []
    assert county.json("history", "R1")[-1]["evidence"] == []


def test_accept_closes_the_item_and_rolls_up(county: Rectify) -> None:
    one_item(county)
    fixed(county, "R1")
    out = county.ok("accept", "R1", "--note", "现场核查通过")
    assert out == lines(
        ("R1", "fixed", "closed"), ("T1", "fixed", "closed"), ("P1", "fixed", "closed")
    )
    assert moves(county, "R1")[-1] == ("李督查", "accept", "fixed", "closed", "现场核查通过")


def test_reject_sends_the_item_back_with_its_note(county: Rectify) -> None:
    one_item(county)
    fixed(county, "R1")
    out = county.ok("reject", "R1", "--note", "水质检测报告缺失")
    assert out == lines(
        ("R1", "fixed", "assigned"), ("T1", "fixed", "assigned"), ("P1", "fixed", "assigned")
    )
    assert moves(county, "R1")[-1] == ("李督查", "reject", "fixed", "assigned", "水质检测报告缺失")
    assert states(county, "responsibility") == {"R1": "assigned"}


def test_reopen_a_closed_item_with_a_reason(county: Rectify) -> None:
    one_item(county)
    fixed(county, "R1")
    county.ok("accept", "R1")
    out = county.ok("reopen", "R1", "--reason", "回头看发现氟超标反弹")
    assert out == lines(
        ("R1", "closed", "assigned"), ("T1", "closed", "assigned"), ("P1", "closed", "assigned")
    )
    assert moves(county, "R1")[-1] == (
        "李督查",
        "reopen",
        "closed",
        "assigned",
        "回头看发现氟超标反弹",
    )
    assert states(county, "task") == {"T1": "assigned"}
    assert states(county, "problem") == {"P1": "assigned"}


def test_refs_are_read_in_any_case_and_with_spaces(county: Rectify) -> None:
    one_item(county)
    assert county.ok("fix", " r1 ", "--note", "已完成").startswith("R1: assigned -> fixed\n")


# --- roll-up ---------------------------------------------------------------------------------


def test_task_waits_for_lead_and_cooperating_items(county: Rectify) -> None:
    lead_and_cooperating(county)
    assert fixed(county, "R1") == lines(("R1", "assigned", "fixed"))
    assert (states(county, "task"), states(county, "problem")) == (
        {"T1": "assigned"},
        {"P1": "assigned"},
    )
    assert fixed(county, "R2") == lines(
        ("R2", "assigned", "fixed"), ("T1", "assigned", "fixed"), ("P1", "assigned", "fixed")
    )
    assert county.ok("accept", "R1") == lines(("R1", "fixed", "closed"))
    assert (states(county, "task"), states(county, "problem")) == ({"T1": "fixed"}, {"P1": "fixed"})
    assert county.ok("accept", "R2") == lines(
        ("R2", "fixed", "closed"), ("T1", "fixed", "closed"), ("P1", "fixed", "closed")
    )
    for ref, name in (("T1", "task"), ("P1", "problem")):
        assert moves(county, ref) == [
            ("李督查", "create", None, "issued", None),
            (SYSTEM, "assign", "issued", "assigned", ROLL),
            (SYSTEM, "fix", "assigned", "fixed", ROLL),
            (SYSTEM, "close", "fixed", "closed", ROLL),
        ], name


def test_a_closed_and_a_fixed_item_make_the_task_fixed(county: Rectify) -> None:
    lead_and_cooperating(county)
    fixed(county, "R1")
    county.ok("accept", "R1")
    assert states(county, "task") == {"T1": "assigned"}
    assert fixed(county, "R2") == lines(
        ("R2", "assigned", "fixed"), ("T1", "assigned", "fixed"), ("P1", "assigned", "fixed")
    )


def test_rejecting_one_item_brings_task_and_problem_back(county: Rectify) -> None:
    lead_and_cooperating(county)
    fixed(county, "R1")
    fixed(county, "R2")
    assert county.ok("reject", "R2", "--note", "配合单位未提供台账") == lines(
        ("R2", "fixed", "assigned"), ("T1", "fixed", "assigned"), ("P1", "fixed", "assigned")
    )
    assert states(county, "responsibility") == {"R1": "fixed", "R2": "assigned"}
    assert moves(county, "T1")[-1] == (SYSTEM, "reopen", "fixed", "assigned", ROLL)
    assert moves(county, "P1")[-1] == (SYSTEM, "reopen", "fixed", "assigned", ROLL)


def test_reopening_one_closed_item_reopens_task_and_problem(county: Rectify) -> None:
    lead_and_cooperating(county)
    for ref in ("R1", "R2"):
        fixed(county, ref)
        county.ok("accept", ref)
    assert county.ok("reopen", "R1", "--reason", "反弹") == lines(
        ("R1", "closed", "assigned"), ("T1", "closed", "assigned"), ("P1", "closed", "assigned")
    )
    assert states(county, "responsibility") == {"R1": "assigned", "R2": "closed"}
    assert moves(county, "P1")[-1] == (SYSTEM, "reopen", "closed", "assigned", ROLL)


def test_a_new_task_reopens_a_closed_problem(county: Rectify) -> None:
    one_item(county)
    fixed(county, "R1")
    county.ok("accept", "R1")
    assert states(county, "problem") == {"P1": "closed"}
    add_problem_and_task(county, "P1", "T2")
    assert states(county, "task") == {"T1": "closed", "T2": "issued"}
    assert states(county, "problem") == {"P1": "assigned"}
    assert moves(county, "P1")[-1] == (SYSTEM, "reopen", "closed", "assigned", ROLL)


def test_a_new_item_reopens_a_closed_task_and_problem(county: Rectify) -> None:
    one_item(county)
    fixed(county, "R1")
    county.ok("accept", "R1")
    assign(county, "T1", "城关镇", "陈干", "R2", "--role", "cooperate")
    assert states(county, "task") == {"T1": "assigned"}
    assert states(county, "problem") == {"P1": "assigned"}
    assert moves(county, "T1")[-1] == (SYSTEM, "reopen", "closed", "assigned", ROLL)
    assert moves(county, "P1")[-1] == (SYSTEM, "reopen", "closed", "assigned", ROLL)


def test_a_problem_with_two_tasks_follows_both(county: Rectify) -> None:
    one_item(county)
    add_problem_and_task(county, "P1", "T2")
    assign(county, "T2", "卫健委", "鲁检", "R2")
    assert fixed(county, "R1") == lines(("R1", "assigned", "fixed"), ("T1", "assigned", "fixed"))
    assert states(county, "problem") == {"P1": "assigned"}
    assert fixed(county, "R2") == lines(
        ("R2", "assigned", "fixed"), ("T2", "assigned", "fixed"), ("P1", "assigned", "fixed")
    )
    assert county.ok("accept", "R1") == lines(("R1", "fixed", "closed"), ("T1", "fixed", "closed"))
    assert states(county, "problem") == {"P1": "fixed"}
    assert county.ok("accept", "R2") == lines(
        ("R2", "fixed", "closed"), ("T2", "fixed", "closed"), ("P1", "fixed", "closed")
    )


# --- audit trail -----------------------------------------------------------------------------


def test_history_rows_have_exactly_the_audit_fields_in_order(county: Rectify) -> None:
    one_item(county)
    fixed(county, "R1")
    for ref in ("R1", "T1", "P1"):
        for row in county.json("history", ref):
            assert list(row) == HISTORY_KEYS


def test_each_row_records_who_and_when(county: Rectify) -> None:
    one_item(county)  # at the fixture's 2020-09-01T09:00 (Asia/Shanghai)
    county.ok("fix", "R1", "--note", "已完成", actor="韩水", now="2020-09-10T15:30+08:00")
    county.ok("reject", "R1", "--note", "不合格", actor="王书记", now="2020-09-11T08:00+08:00")
    county.ok("fix", "R1", "--note", "已整改", actor="韩水", now="2020-09-12T09:00+08:00")
    county.ok("accept", "R1", actor="王书记", now="2020-09-13T10:00+08:00")
    rows = county.json("history", "R1")
    assert [(h["actor"], h["trigger"]) for h in rows] == [
        ("李督查", "create"), ("李督查", "assign"), ("韩水", "fix"), ("王书记", "reject"),
        ("韩水", "fix"), ("王书记", "accept"),
    ]  # fmt: skip
    utc = [(1, 1, 0), (1, 1, 0), (10, 7, 30), (11, 0, 0), (12, 1, 0), (13, 2, 0)]
    expected = [datetime(2020, 9, day, hour, minute, tzinfo=UTC) for day, hour, minute in utc]
    assert [datetime.fromisoformat(h["at"]) for h in rows] == expected
    task_rows = county.json("history", "T1")
    assert datetime.fromisoformat(task_rows[-1]["at"]) == expected[-1]


@pytest.mark.parametrize(
    "now",
    [
        "2020-09-01T09:00+08:00",
        "2020-09-01T09:00",
        "2020-09-01T01:00+00:00",
        "2020-08-31T20:00-05:00",
    ],
)
def test_rectify_now_is_one_instant_whatever_its_offset(county: Rectify, now: str) -> None:
    one_item(county)
    county.ok("fix", "R1", "--note", "已完成", now=now)
    at = county.json("history", "R1")[-1]["at"]
    assert datetime.fromisoformat(at) == datetime(2020, 9, 1, 1, tzinfo=UTC)
    assert datetime.fromisoformat(at).utcoffset() is not None
    county.lang = "zh"
    table = county.ok("history", "R1").splitlines()
    assert table[-1].split() == [
        "2020-09-01",
        "09:00",
        "李督查",
        "fix",
        "已交办",
        "已整改",
        "已完成",
    ]


def test_history_table_for_people(county: Rectify) -> None:
    one_item(county)
    county.ok("fix", "R1", "--note", "已完成", actor="韩水", now="2020-09-10T15:30")
    county.lang = "zh"
    assert county.ok("history", "R1") == (
        "时间              操作人  操作    原状态  新状态  说明\n"
        "2020-09-01 09:00  李督查  create          已下发\n"
        "2020-09-01 09:00  李督查  assign  已下发  已交办\n"
        "2020-09-10 15:30  韩水    fix     已交办  已整改  已完成\n"
    )


def test_as_option_names_the_actor_over_rectify_user(county: Rectify) -> None:
    one_item(county)
    county.ok("--as", "韩水", "fix", "R1", "--note", "已完成")  # RECTIFY_USER is 李督查
    assert moves(county, "R1")[-1] == ("韩水", "fix", "assigned", "fixed", "已完成")
    county.ok("--as", "王书记", "accept", "R1")
    assert moves(county, "R1")[-1][:2] == ("王书记", "accept")
    assert moves(county, "T1")[-1][:2] == (SYSTEM, "close")
