"""`rectify stats`: accountability figures (精准问责) counted from the audit trail.

Campaign TP (calendar days) with a scripted history, all times Asia/Shanghai, every item
assigned on 09-01; the figures are read on 2020-10-15:

  P1 国务院成效考核  R1 slj 韩水 due 09-20: fixed 09-20 23:30, accepted 09-21      on time
                     R2 slj 韩水 due 09-20: fixed 09-21 00:30 (16:30 UTC on 09-20),
                                            accepted 09-21                         late
                     R3 wjw 鲁检 due 09-20: fixed 09-10, sent back; 09-12, sent back;
                                            fixed 09-22, accepted 09-23            late
                     R4 czj 蒋财 due 09-20: extension to 10-10 asked and granted 09-15,
                                            fixed 09-25, accepted 09-26            on time
  P2 自查（举一反三） R5 czj 蒋财 due 09-20: fixed 09-18, accepted 09-20 00:30,
                                            reopened 09-28; open, 25 days overdue
                     R6 wjw 鲁检 due 10-10: extension to 10-20 asked 09-15, refused
                                            09-16; open, 5 days overdue
  P3 (no source)     R7 slj 韩水 due 09-30: open, 15 days overdue
                     R8 cgz 陈干 长期坚持: open, never overdue
                     R9 cgz 秦书 due 10-31: open, not yet due
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, func, select, text

from tests.conftest import Rectify, _built
from workflow.db.schema import audit_events

AT = "2020-10-15T09:00"
FIELDS = (
    "assigned", "on_time", "late", "open", "overdue", "days_overdue", "rejected", "reopened",
    "extensions_asked", "extensions_granted", "on_time_rate",
)  # fmt: skip


@pytest.fixture
def history(county: Rectify, built_cache: Path) -> Rectify:
    """Built once per session on SQLite and copied for each test (see tests/conftest.py)."""
    _built("stats_history", county, _script_history, built_cache)
    county.now = AT
    return county


def _script_history(r: Rectify) -> None:
    r.ok("problem", "add", "--campaign", "TP", "--title", "饮水安全", "--source", "国务院成效考核")
    r.ok(
        "problem", "add", "--campaign", "TP", "--title", "防贫监测", "--source", "自查（举一反三）"
    )
    r.ok("problem", "add", "--campaign", "TP", "--title", "档案过度留痕")
    tasks = [
        ("P1", "2020-09-20", "slj", "韩水"),
        ("P1", "2020-09-20", "slj", "韩水"),
        ("P1", "2020-09-20", "wjw", "鲁检"),
        ("P1", "2020-09-20", "czj", "蒋财"),
        ("P2", "2020-09-20", "czj", "蒋财"),
        ("P2", "2020-10-10", "wjw", "鲁检"),
        ("P3", "2020-09-30", "slj", "韩水"),
        ("P3", "长期坚持", "cgz", "陈干"),
        ("P3", "2020-10-31", "cgz", "秦书"),
    ]
    for n, (problem, deadline, unit, person) in enumerate(tasks, start=1):
        r.ok("task", "add", "--problem", problem, "--title", f"措施{n}", "--deadline", deadline)
        assert r.ok("assign", f"T{n}", "--unit", unit, "--person", person) == f"R{n}\n"

    def fix(ref: str, person: str, at: str) -> None:
        r.ok("fix", ref, "--note", "已整改", actor=person, now=at)

    fix("R1", "韩水", "2020-09-20T23:30")
    r.ok("accept", "R1", now="2020-09-21T09:00")
    fix("R2", "韩水", "2020-09-21T00:30")
    r.ok("accept", "R2", now="2020-09-21T10:00")
    fix("R3", "鲁检", "2020-09-10T10:00")
    r.ok("reject", "R3", "--note", "缺少检测报告", now="2020-09-11T10:00")
    fix("R3", "鲁检", "2020-09-12T10:00")
    r.ok("reject", "R3", "--note", "仍不达标", now="2020-09-13T10:00")
    fix("R3", "鲁检", "2020-09-22T10:00")
    r.ok("accept", "R3", now="2020-09-23T10:00")
    r.ok("extend", "R4", "--to", "2020-10-10", "--reason", "资金未到位", actor="蒋财",
         now="2020-09-15T10:00")  # fmt: skip
    r.ok("extension", "approve", "R4", now="2020-09-15T11:00")
    fix("R4", "蒋财", "2020-09-25T10:00")
    r.ok("accept", "R4", now="2020-09-26T10:00")
    fix("R5", "蒋财", "2020-09-18T10:00")
    r.ok("accept", "R5", now="2020-09-20T00:30")
    r.ok("reopen", "R5", "--reason", "回访发现反弹", now="2020-09-28T10:00")
    r.ok("extend", "R6", "--to", "2020-10-20", "--reason", "工期紧", actor="鲁检",
         now="2020-09-15T10:00")  # fmt: skip
    r.ok("extension", "refuse", "R6", "--note", "理由不充分", now="2020-09-16T10:00")


def stats(r: Rectify, *args: str, key: str = "unit_code") -> dict[Any, dict[str, Any]]:
    rows = r.json("stats", *args)
    return {row[key]: {f: row[f] for f in FIELDS} for row in rows}


def figures(*values: Any) -> dict[str, Any]:
    return dict(zip(FIELDS, values, strict=True))


def audit_rows(r: Rectify) -> int:
    engine = create_engine(r.db_url)
    with engine.connect() as conn:
        n = conn.execute(select(func.count()).select_from(audit_events)).scalar_one()
    engine.dispose()
    return int(n)


def test_figures_per_unit(history: Rectify) -> None:
    assert stats(history, "--campaign", "TP") == {
        #                 asg on late open ovd days rej reo ask grant rate
        "slj": figures(3, 1, 1, 1, 1, 15, 0, 0, 0, 0, 50.0),
        "wjw": figures(2, 0, 1, 1, 1, 5, 2, 0, 1, 0, 0.0),
        # R4 fixed after its first deadline but before the extended one: on time. R5 was
        # accepted (on time) and then reopened: it counts as closed and as open and overdue.
        "czj": figures(2, 2, 0, 1, 1, 25, 0, 1, 1, 1, 100.0),
        "cgz": figures(2, 0, 0, 2, 0, 0, 0, 0, 0, 0, None),
    }


def test_rows_are_in_unit_code_order_with_names(history: Rectify) -> None:
    rows = history.json("stats")
    assert [(r["unit_code"], r["unit"]) for r in rows] == [
        ("cgz", "城关镇"),
        ("czj", "财政局"),
        ("slj", "水利局"),
        ("wjw", "卫健委"),
    ]


def test_figures_per_person(history: Rectify) -> None:
    rows = history.json("stats", "--by", "person")
    assert [(r["person"], r["unit_code"]) for r in rows] == [
        ("秦书", "cgz"),
        ("陈干", "cgz"),
        ("蒋财", "czj"),
        ("韩水", "slj"),
        ("鲁检", "wjw"),
    ]
    by_person = stats(history, "--by", "person", key="person")
    assert by_person["秦书"] == figures(1, 0, 0, 1, 0, 0, 0, 0, 0, 0, None)
    assert by_person["陈干"] == figures(1, 0, 0, 1, 0, 0, 0, 0, 0, 0, None)
    assert by_person["韩水"] == figures(3, 1, 1, 1, 1, 15, 0, 0, 0, 0, 50.0)
    assert by_person["鲁检"] == figures(2, 0, 1, 1, 1, 5, 2, 0, 1, 0, 0.0)


def test_a_handover_moves_an_items_history_to_its_new_person(history: Rectify) -> None:
    history.ok("person", "retire", "秦书", "--handover", "陈干")
    by_person = stats(history, "--by", "person", key="person")
    assert by_person["陈干"] == figures(2, 0, 0, 2, 0, 0, 0, 0, 0, 0, None)
    assert "秦书" not in by_person


def test_figures_per_source(history: Rectify) -> None:
    rows = history.json("stats", "--by", "source")
    assert [r["source"] for r in rows] == ["国务院成效考核", "自查（举一反三）", None]
    assert {r["source"]: {f: r[f] for f in FIELDS} for r in rows} == {
        "国务院成效考核": figures(4, 2, 2, 0, 0, 0, 2, 0, 1, 1, 50.0),
        "自查（举一反三）": figures(2, 1, 0, 2, 2, 30, 0, 1, 1, 0, 100.0),
        None: figures(3, 0, 0, 3, 1, 15, 0, 0, 0, 0, None),
    }


def test_days_overdue_agree_with_rectify_overdue(history: Rectify) -> None:
    for row in history.json("stats"):
        listed = history.json("overdue", "--unit", row["unit_code"])
        assert row["overdue"] == len(listed)
        assert row["days_overdue"] == sum(item["days_overdue"] for item in listed)


def test_from_and_to_cut_events_by_their_local_day(history: Rectify) -> None:
    # 09-20 .. 09-21: R1 and R2 accepted on 09-21, R5 at 00:30 on 09-20 (09-19 in UTC).
    # Open and overdue are as of today whatever the window.
    assert stats(history, "--from", "2020-09-20", "--to", "2020-09-21") == {
        "slj": figures(0, 1, 1, 1, 1, 15, 0, 0, 0, 0, 50.0),
        "wjw": figures(0, 0, 0, 1, 1, 5, 0, 0, 0, 0, None),
        "czj": figures(0, 1, 0, 1, 1, 25, 0, 0, 0, 0, 100.0),
        "cgz": figures(0, 0, 0, 2, 0, 0, 0, 0, 0, 0, None),
    }
    # Up to 09-19: the assignments, both rejections and the extension requests; R5's
    # acceptance (09-20 00:30 local) is after the window.
    assert stats(history, "--to", "2020-09-19") == {
        "slj": figures(3, 0, 0, 1, 1, 15, 0, 0, 0, 0, None),
        "wjw": figures(2, 0, 0, 1, 1, 5, 2, 0, 1, 0, None),
        "czj": figures(2, 0, 0, 1, 1, 25, 0, 0, 1, 1, None),
        "cgz": figures(2, 0, 0, 2, 0, 0, 0, 0, 0, 0, None),
    }
    # From 09-24: R4 accepted 09-26 and R5 reopened 09-28.
    after = stats(history, "--from", "2020年9月24日")
    assert after["czj"] == figures(0, 1, 0, 1, 1, 25, 0, 1, 0, 0, 100.0)
    assert after["wjw"] == figures(0, 0, 0, 1, 1, 5, 0, 0, 0, 0, None)
    assert after["slj"] == figures(0, 0, 0, 1, 1, 15, 0, 0, 0, 0, None)


def test_a_closure_is_judged_by_its_last_acceptance(history: Rectify) -> None:
    # R5 fixed again after its deadline and accepted: now late, and one closure, not two.
    history.ok("fix", "R5", "--note", "再次整改", actor="蒋财", now="2020-10-12T10:00")
    history.ok("accept", "R5", now="2020-10-13T10:00")
    assert stats(history, "--campaign", "TP")["czj"] == figures(2, 1, 1, 0, 0, 0, 0, 1, 1, 1, 50.0)
    # Up to 10-12 only its first acceptance is counted, on time.
    assert stats(history, "--to", "2020-10-12")["czj"] == figures(
        2, 2, 0, 0, 0, 0, 0, 1, 1, 1, 100.0
    )


@pytest.fixture
def working(history: Rectify) -> Rectify:
    """Campaign GQ counts working days: 10-01..08 were the National Day holiday, Saturday
    10-10 a make-up working day (调休)."""
    r = history
    r.ok("campaign", "add", "GQ", "国庆整改", "--deadline", "2020-12-31",
         "--policy", "working-days", now="2020-09-01T09:00")  # fmt: skip
    r.ok("problem", "add", "--campaign", "GQ", "--title", "供水不稳定", now="2020-09-01T09:00")
    for n, (deadline, unit, person) in enumerate(
        [("2020-09-30", "slj", "韩水"), ("2020-10-09", "wjw", "鲁检")], start=10
    ):
        r.ok("task", "add", "--problem", "P4", "--title", f"措施{n}", "--deadline", deadline,
             now="2020-09-01T09:00")  # fmt: skip
        assert r.ok("assign", f"T{n}", "--unit", unit, "--person", person,
                    now="2020-09-01T09:00") == f"R{n}\n"  # fmt: skip
    return r


def test_working_day_campaign_skips_the_holiday_and_weekends(working: Rectify) -> None:
    # R10 due Wed 09-30: 10-09, 10-10 (调休), 10-12, 13, 14, 15 = 6 working days (15 calendar).
    # R11 due Fri 10-09: 10-10, 12, 13, 14, 15 = 5 (6 calendar).
    gq = stats(working, "--campaign", "GQ")
    assert gq == {
        "slj": figures(1, 0, 0, 1, 1, 6, 0, 0, 0, 0, None),
        "wjw": figures(1, 0, 0, 1, 1, 5, 0, 0, 0, 0, None),
    }
    # Every campaign: TP's calendar days and GQ's working days add up per unit.
    every = stats(working)
    assert (every["slj"]["days_overdue"], every["wjw"]["days_overdue"]) == (15 + 6, 5 + 5)
    assert (every["slj"]["assigned"], every["wjw"]["overdue"]) == (4, 2)
    for row in working.json("stats"):
        listed = working.json("overdue", "--unit", row["unit_code"])
        assert row["days_overdue"] == sum(item["days_overdue"] for item in listed)


def test_table_ends_with_the_audit_chain_line(history: Rectify) -> None:
    lines = history.ok("stats", "--campaign", "TP").splitlines()
    assert lines[0].split() == ["unit", *FIELDS]
    assert lines[3].split() == [
        "水利局",
        "3",
        "1",
        "1",
        "1",
        "1",
        "15",
        "0",
        "0",
        "0",
        "0",
        "50.0%",
    ]
    assert lines[1].split()[:4] == ["城关镇", "2", "0", "0"]  # no closure: the rate is blank
    assert len(lines[1].split()) == len(FIELDS)
    assert lines[-1] == (
        f"Audit trail verified: {audit_rows(history)} rows, the hash chain is unbroken."
    )


def test_chinese_table(history: Rectify) -> None:
    history.lang = None
    lines = history.ok("stats", "--by", "source").splitlines()
    assert lines[0].split()[:4] == ["问题来源", "交办", "按期办结", "逾期办结"]
    assert lines[3].split()[0] == "（未填）"
    assert lines[-1] == f"审计记录校验通过：共 {audit_rows(history)} 条，哈希链完整。"


def test_json_and_csv_keep_stdout_for_rows(history: Rectify) -> None:
    result = history.run("stats", "--format", "csv", "--by", "person")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == ",".join(("person", "unit_code", "unit", *FIELDS))
    assert len(lines) == 6
    assert lines[1].endswith(",1,0,0,1,0,0,0,0,0,0,")  # 秦书: no closure, empty rate
    assert result.stderr.startswith("Audit trail verified: ")


def test_a_broken_chain_is_named(history: Rectify) -> None:
    engine = create_engine(history.db_url)
    with engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.execute(text("DROP TRIGGER audit_events_no_delete"))
        else:
            conn.execute(text("DROP TRIGGER audit_events_append_only ON audit_events"))
        rejected = conn.execute(
            select(audit_events.c.id).where(audit_events.c.trigger == "reject").limit(1)
        ).scalar_one()
        conn.execute(text(f"DELETE FROM audit_events WHERE id = {rejected}"))
    engine.dispose()
    result = history.run("stats", "--format", "json")
    assert result.exit_code == 0
    assert result.stderr.startswith(f"Audit trail NOT verified: broken at row {rejected + 1} (")
    # The figures are still what the trail now says: one rejection of R3 is gone.
    rows = {row["unit_code"]: row for row in history.json("stats")}
    assert rows["wjw"]["rejected"] == 1


def test_refusals(history: Rectify) -> None:
    assert history.fails("stats", "--campaign", "XX") == "Error: no campaign 'XX'"
    assert history.fails("stats", "--from", "2020-10-02", "--to", "2020-10-01") == (
        "Error: --from 2020-10-02 is after --to 2020-10-01"
    )
    assert history.fails("stats", "--from", "someday").startswith("Error: --from 'someday': ")
    result = history.run("stats", "--by", "leader")
    assert result.exit_code == 2 and "--by" in result.stderr


def test_a_campaign_without_items_has_no_rows(history: Rectify) -> None:
    history.ok("campaign", "add", "HB", "环保整改", "--deadline", "2020-12-31")
    assert history.json("stats", "--campaign", "HB") == []
