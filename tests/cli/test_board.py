"""`rectify board`: the battle map (挂图作战), one row per unit, problem or leader in charge.

The county's campaign TP (底线 2020-11-30, leader 王书记, calendar days) and a second campaign HB
(底线 2020-12-31, no leader), swept at 2020-10-01 09:00 (blue at 7 days left, yellow at 3, red
once missed):

    TP P1 (责任领导 赵县长 of 县政府)        TP P2 (no leader of its own: 王书记)
    R1 slj 09-20 red, overdue             R9  czj 09-28 closed
    R2 wjw 09-25 red, overdue             R10 slj 09-28 closed
    R3 slj 10-03 yellow                   R11 cgz 09-20 red, overdue
    R4 slj 10-06 blue                     R12 cgz 11-20 none
    R5 slj standing (长期坚持)
    R6 czj 09-10 extended to 10-20        HB P3 (no leader anywhere)
    R7 wjw 09-15 fixed, not accepted      R13 slj 09-29 red, overdue   R14 slj closed
    R8 wjw 09-26 red, overdue             R15 hqx 09-29 red, overdue   R16 hqx closed
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, update
from wcwidth import wcswidth

from cli import main
from tests.conftest import Rectify, _built
from workflow.db.schema import people, problems
from workflow.services.board import ticks, truncate

AT = "2020-10-01T09:00"
FIGURES = ("total", "closed", "fixed", "open", "open_blue", "open_yellow", "open_red", "overdue")


def _set_problem_leader(r: Rectify, ref: str, leader: str) -> None:
    """`problem add --leader` belongs to another change; until it lands, set the column."""
    engine = create_engine(r.db_url)
    try:
        with engine.begin() as conn:
            leader_id = conn.execute(people.select().where(people.c.name == leader)).one().id
            conn.execute(update(problems).where(problems.c.ref == ref).values(leader_id=leader_id))
    finally:
        engine.dispose()


def _problem(r: Rectify, campaign: str, title: str, ref: str, leader: str | None = None) -> None:
    add = main.commands["problem"].commands["add"]  # type: ignore[attr-defined]
    if leader and "leader" in {p.name for p in add.params}:
        r.ok("problem", "add", "--campaign", campaign, "--title", title, "--leader", leader)
        return
    r.ok("problem", "add", "--campaign", campaign, "--title", title)
    if leader:
        _set_problem_leader(r, ref, leader)


@pytest.fixture
def battle(county: Rectify, built_cache: Path) -> Rectify:
    _built("board", county, _build_battle, built_cache)
    county.now = AT
    return county


def _build_battle(county: Rectify) -> None:
    county.ok("unit", "add", "xzf", "县政府")
    county.ok("person", "add", "赵县长", "--unit", "xzf", "--head", "--role", "leader")
    county.ok("campaign", "add", "HB", "环保整改", "--deadline", "2020-12-31")
    _problem(county, "TP", "农村饮水安全不达标", "P1", leader="赵县长")
    _problem(county, "TP", "危房改造不到位", "P2")
    _problem(county, "HB", "河道垃圾", "P3")
    plan = [
        ("P1", "加装除氟设备", "2020-09-20", "slj", "韩水"),
        ("P1", "开展水质抽样监测", "2020-09-25", "wjw", "鲁检"),
        ("P1", "公布水质检测结果", "2020-10-03", "slj", "韩水"),
        ("P1", "更换老旧管网", "2020-10-06", "slj", "韩水"),
        ("P1", "落实巡查制度", "长期坚持", "slj", "韩水"),
        ("P1", "清理水源地垃圾", "2020-09-10", "czj", "蒋财"),
        ("P1", "建立水质档案", "2020-09-15", "wjw", "鲁检"),
        ("P1", "核查饮水点", "2020-09-26", "wjw", "鲁检"),
        ("P2", "危房鉴定", "2020-09-28", "czj", "蒋财"),
        ("P2", "拨付改造资金", "2020-09-28", "slj", "韩水"),
        ("P2", "入户核查", "2020-09-20", "cgz", "秦书"),
        ("P2", "建档立卡", "2020-11-20", "cgz", "陈干"),
        ("P3", "清理河道", "2020-09-29", "slj", "韩水"),
        ("P3", "河长巡河", "2020-10-30", "slj", "韩水"),
        ("P3", "清理沟渠", "2020-09-29", "hqx", "何乡"),
        ("P3", "垃圾转运", "2020-10-30", "hqx", "何乡"),
    ]
    for number, (problem, title, deadline, unit, person) in enumerate(plan, 1):
        county.ok("task", "add", "--problem", problem, "--title", title, "--deadline", deadline)
        assert county.ok("assign", f"T{number}", "--unit", unit, "--person", person) == (
            f"R{number}\n"
        )
    county.ok("extend", "R6", "--to", "2020-10-20", "--reason", "资金未到位",
              actor="蒋财", now="2020-09-05T10:00")  # fmt: skip
    county.ok("extension", "approve", "R6", now="2020-09-05T11:00")
    county.ok("fix", "R7", "--note", "档案已建立", actor="鲁检", now="2020-09-30T10:00")
    for ref, person in [("R9", "蒋财"), ("R10", "韩水"), ("R14", "韩水"), ("R16", "何乡")]:
        county.ok("fix", ref, "--note", "已完成", actor=person, now="2020-09-20T10:00")
        county.ok("accept", ref, now="2020-09-21T10:00")
    county.ok("sweep", "--at", AT)


def figures(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """(campaign, key, total, closed, fixed, open, blue, yellow, red, overdue, %) per row."""
    return [(r["campaign"], r["key"], *(r[f] for f in FIGURES), r["percent_closed"]) for r in rows]


def test_by_unit_counts_every_item_and_puts_the_worst_first(battle: Rectify) -> None:
    assert figures(battle.json("board")) == [
        # campaign, key, total, closed, fixed, open, blue, yellow, red, overdue, % closed
        ("HB", "hqx", 2, 1, 0, 1, 0, 0, 1, 1, 50.0),  # ties with slj: by key
        ("HB", "slj", 2, 1, 0, 1, 0, 0, 1, 1, 50.0),
        ("TP", "wjw", 3, 0, 1, 2, 0, 0, 2, 2, 0.0),  # most red
        ("TP", "cgz", 2, 0, 0, 2, 0, 0, 1, 1, 0.0),  # lower % closed than slj
        # R5 (standing) and R6 (extended to 10-20) are open and not overdue
        ("TP", "slj", 5, 1, 0, 4, 1, 1, 1, 1, 20.0),
        ("TP", "czj", 2, 1, 0, 1, 0, 0, 0, 0, 50.0),
    ]


def test_every_field_of_a_row(battle: Rectify) -> None:
    row = battle.json("board", "--campaign", "TP")[0]
    assert row == {
        "campaign": "TP",
        "campaign_name": "脱贫攻坚问题整改",
        "key": "wjw",
        "name": "卫健委",
        "total": 3,
        "closed": 0,
        "fixed": 1,
        "open": 2,
        "open_blue": 0,
        "open_yellow": 0,
        "open_red": 2,
        "overdue": 2,
        "percent_closed": 0.0,
        "bottom_line": "2020-11-30",
        "day_count": "calendar",
        "days_to_bottom_line": 60,  # 10-01 to 11-30
    }
    hb = battle.json("board", "--campaign", "HB")
    assert {(r["bottom_line"], r["days_to_bottom_line"]) for r in hb} == {("2020-12-31", 91)}


def test_by_problem(battle: Rectify) -> None:
    rows = battle.json("board", "--by", "problem")
    assert figures(rows) == [
        ("HB", "P3", 4, 2, 0, 2, 0, 0, 2, 2, 50.0),
        ("TP", "P1", 8, 0, 1, 7, 1, 1, 3, 3, 0.0),
        ("TP", "P2", 4, 2, 0, 2, 0, 0, 1, 1, 50.0),
    ]
    assert [r["name"] for r in rows] == ["河道垃圾", "农村饮水安全不达标", "危房改造不到位"]


def test_by_leader_falls_back_to_the_campaign_leader_then_to_none(battle: Rectify) -> None:
    rows = battle.json("board", "--by", "leader")
    assert figures(rows) == [
        ("HB", None, 4, 2, 0, 2, 0, 0, 2, 2, 50.0),  # neither a problem nor a campaign leader
        ("TP", "赵县长", 8, 0, 1, 7, 1, 1, 3, 3, 0.0),  # P1's 责任领导
        ("TP", "王书记", 4, 2, 0, 2, 0, 0, 1, 1, 50.0),  # P2 has none: the campaign's leader
    ]
    assert [r["name"] for r in rows] == [None, "县政府", "县委办"]


@pytest.mark.parametrize("by", ["unit", "problem", "leader"])
def test_every_grouping_counts_the_same_items(battle: Rectify, by: str) -> None:
    rows = battle.json("board", "--by", by)
    totals = {f: sum(r[f] for r in rows) for f in FIGURES}
    # 16 items: 4 closed (R9 R10 R14 R16), 1 fixed (R7), 11 open of which R3 yellow, R4 blue
    # and R1 R2 R8 R11 R13 R15 red and overdue.
    assert totals == {
        "total": 16, "closed": 4, "fixed": 1, "open": 11, "open_blue": 1, "open_yellow": 1,
        "open_red": 6, "overdue": 6,
    }  # fmt: skip
    assert totals["total"] == len(battle.json("list"))


@pytest.mark.parametrize("now", [AT, "2020-10-07T09:00", "2020-10-25T09:00"])
def test_the_overdue_column_agrees_with_rectify_overdue(battle: Rectify, now: str) -> None:
    for campaign in ("TP", "HB"):
        listed = battle.json("overdue", "--campaign", campaign, now=now)
        for by in ("unit", "problem", "leader"):
            rows = battle.json("board", "--campaign", campaign, "--by", by, now=now)
            assert sum(r["overdue"] for r in rows) == len(listed), (campaign, by)
        per_unit = battle.json("board", "--campaign", campaign, now=now)
        units = {row["unit"] for row in listed}
        assert {r["name"]: r["overdue"] for r in per_unit if r["overdue"]} == {
            unit: sum(1 for row in listed if row["unit"] == unit) for unit in units
        }


def test_red_before_overdue_before_share_closed(battle: Rectify) -> None:
    # A week on with no sweep: R3 (10-03) and R4 (10-06) are overdue but not yet red, so 水利局
    # has the most overdue items, yet 卫健委 with two red comes first.
    rows = battle.json("board", "--campaign", "TP", now="2020-10-07T09:00")
    assert [(r["key"], r["open_red"], r["overdue"], r["percent_closed"]) for r in rows] == [
        ("wjw", 2, 2, 0.0),
        ("slj", 1, 3, 20.0),
        ("cgz", 1, 1, 0.0),
        ("czj", 0, 0, 50.0),
    ]
    assert rows[0]["days_to_bottom_line"] == 54


def test_past_the_bottom_line_the_days_are_negative(battle: Rectify) -> None:
    rows = battle.json("board", "--campaign", "TP", now="2020-12-02T09:00")
    assert {r["days_to_bottom_line"] for r in rows} == {-2}
    battle.lang = "en"
    assert battle.ok("board", "--campaign", "TP", now="2020-12-02T09:00").splitlines()[0] == (
        "TP 脱贫攻坚问题整改: bottom line 2020-11-30, 2 days past it"
    )
    assert battle.ok("board", "--campaign", "TP", now="2020-11-30T22:00").splitlines()[0] == (
        "TP 脱贫攻坚问题整改: bottom line 2020-11-30, the bottom line is today"
    )


def test_table_in_chinese(battle: Rectify) -> None:
    battle.lang = None  # RECTIFY_LANG unset: Chinese
    lines = battle.ok("board", "--campaign", "TP").splitlines()
    assert lines[0] == "TP 脱贫攻坚问题整改：底线 2020年11月30日，剩余 60 天"
    assert lines[1].split() == [
        "责任单位", "总数", "销号", "进度", "销号率", "待验收", "红", "黄", "蓝", "逾期",
    ]  # fmt: skip
    assert [line.split() for line in lines[2:]] == [
        ["卫健委", "3", "0", "···", "0%", "1", "2", "0", "0", "2"],
        ["城关镇", "2", "0", "··", "0%", "0", "1", "0", "0", "1"],
        ["水利局", "5", "1", "✓····", "20%", "0", "1", "1", "1", "1"],  # 完成一项打勾一项
        ["财政局", "2", "1", "✓·", "50%", "0", "0", "0", "0", "0"],
    ]


def test_table_groups_campaigns_under_headings(battle: Rectify) -> None:
    lines = battle.ok("board", "--by", "leader").splitlines()
    assert lines == [
        "HB 环保整改: bottom line 2020-12-31, 91 days left",
        "Leader  Items  Closed  Progress    %  Fixed  Red  Yellow  Blue  Overdue",
        "(none)      4       2  ✓✓··      50%      0    2       0     0        2",
        "",
        "TP 脱贫攻坚问题整改: bottom line 2020-11-30, 60 days left",
        "Leader  Items  Closed  Progress    %  Fixed  Red  Yellow  Blue  Overdue",
        "赵县长      8       0  ········   0%      1    3       1     1        3",
        "王书记      4       2  ✓✓··      50%      0    1       0     0        1",
    ]


LONG_UNIT = "县农业农村局乡村振兴促进中心驻村工作队管理办公室"
LONG_CAMPAIGN = "中央第三生态环境保护督察组交办信访件及脱贫攻坚专项巡视回头看反馈问题整改"


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("by", ["unit", "problem", "leader"])
def test_every_line_fits_80_columns(battle: Rectify, lang: str, by: str) -> None:
    battle.ok("unit", "set", "slj", "--name", LONG_UNIT)
    battle.ok("campaign", "set", "TP", "--name", LONG_CAMPAIGN)
    battle.lang = lang
    lines = battle.ok("board", "--by", by).splitlines()
    assert len(lines) == (11 if by == "unit" else 8)
    assert max(wcswidth(line) for line in lines) <= 80
    tp = lines.index(next(line for line in lines if line.startswith("TP ")))
    assert "…" in lines[tp] and "2020" in lines[tp]  # the name is cut, never the bottom line
    if by == "unit":
        slj = next(line for line in lines[tp:] if line.startswith(LONG_UNIT[:4]))
        assert "…" in slj and slj.split()[1:] == ["5", "1", "✓····", "20%", "0", "1", "1", "1", "1"]


def test_many_items_show_a_bar(county: Rectify) -> None:
    county.ok("problem", "add", "--campaign", "TP", "--title", "饮水")
    for number in range(1, 13):
        county.ok("task", "add", "--problem", "P1", "--title", f"措施{number}",
                  "--deadline", "2020-10-30")  # fmt: skip
        county.ok("assign", f"T{number}", "--unit", "slj", "--person", "韩水")
    for number in range(1, 4):
        county.ok("fix", f"R{number}", "--note", "已完成", actor="韩水")
        county.ok("accept", f"R{number}")
    row = county.ok("board").splitlines()[2]
    assert row.split()[:5] == ["水利局", "12", "3", "██░░░░░░░░", "25%"]


def test_ticks_and_bars() -> None:
    assert ticks(0, 3) == "···"
    assert ticks(2, 3) == "✓✓·"
    assert ticks(10, 10) == "✓" * 10
    assert ticks(1, 1000) == "█" + "░" * 9  # anything closed shows
    assert ticks(999, 1000) == "█" * 9 + "░"  # full only when all are closed
    assert ticks(1000, 1000) == "█" * 10
    assert ticks(0, 1000) == "░" * 10
    assert truncate("县农业农村局", 7) == "县农业…"
    assert truncate("水利局", 6) == "水利局"


def test_working_day_campaign_counts_working_days_to_its_bottom_line(rectify: Rectify) -> None:
    """2020 National Day holiday (10-01..08 off, 09-27 and 10-10 worked), bottom line Mon 10-12."""
    rectify.ok("unit", "add", "slj", "水利局")
    rectify.ok("person", "add", "韩水", "--unit", "slj", "--head")
    rectify.ok("campaign", "add", "GQ", "国庆整改", "--deadline", "2020-10-12",
               "--policy", "working-days")  # fmt: skip
    rectify.ok("problem", "add", "--campaign", "GQ", "--title", "供水不稳定")
    rectify.ok("task", "add", "--problem", "P1", "--title", "修复管网", "--deadline", "2020-10-12")
    rectify.ok("assign", "T1", "--unit", "slj", "--person", "韩水")

    def left(now: str) -> tuple[str, int]:
        (row,) = rectify.json("board", now=now)
        return row["day_count"], row["days_to_bottom_line"]

    # 09-29, 09-30, 10-09, 10-10 (调休), 10-12: 5 working days, though 14 calendar days.
    assert left("2020-09-28T09:00") == ("working", 5)
    assert left("2020-10-01T09:00") == ("working", 3)  # in the holiday
    assert left("2020-10-12T09:00") == ("working", 0)
    assert left("2020-10-13T09:00") == ("working", -1)
    rectify.lang = None
    assert rectify.ok("board", now="2020-09-28T09:00").splitlines()[0] == (
        "GQ 国庆整改：底线 2020年10月12日，剩余 5 个工作日"
    )


def test_no_items_yet(county: Rectify) -> None:
    assert county.json("board") == []
    assert county.ok("board", "--campaign", "TP") == "No responsibility items.\n"
    county.lang = None
    assert county.ok("board") == "没有责任事项。\n"


def test_csv_carries_codes_and_numbers(battle: Rectify) -> None:
    lines = battle.ok("board", "--campaign", "TP", "--format", "csv").splitlines()
    assert lines[0].split(",")[:6] == [
        "campaign",
        "campaign_name",
        "key",
        "name",
        "total",
        "closed",
    ]
    assert lines[1] == "TP,脱贫攻坚问题整改,wjw,卫健委,3,0,1,2,0,0,2,2,0.0,2020-11-30,calendar,60"
    assert len(lines) == 5


def test_unknown_campaign_is_refused(battle: Rectify) -> None:
    assert battle.fails("board", "--campaign", "NOPE") == "Error: no campaign 'NOPE'"
    battle.lang = None
    assert battle.fails("board", "--campaign", "NOPE", "--format", "json").startswith("Error: ")
