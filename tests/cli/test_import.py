"""`rectify import`: the office's ledger in, all of it or none of it."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from tests.conftest import DATA, Rectify

SAMPLE_XLSX = DATA / "sample-ledger.xlsx"
SAMPLE_CSV = DATA / "ledger" / "sample-ledger.csv"
HEADER = "序号,问题来源,问题类别,问题描述,整改措施,责任单位,配合单位,责任人,整改时限"

# What the sample ledger becomes in the county of conftest.py: (ref, task, unit, person, role,
# deadline). Row 5's 各乡镇 fans out to both townships: 秦书 leads for 城关镇, 何乡 (its head)
# for 红旗乡; each 配合单位 gets an item for its head.
SAMPLE_ITEMS = [
    ("R1", "T1", "水利局", "韩水", "lead", "2020-10-15"),
    ("R2", "T1", "卫健委", "鲁检", "cooperate", "2020-10-15"),
    ("R3", "T1", "财政局", "蒋财", "cooperate", "2020-10-15"),
    ("R4", "T2", "卫健委", "鲁检", "lead", "2020-10-09"),
    ("R5", "T3", "水利局", "韩水", "lead", "2020-09-30"),
    ("R6", "T4", "城关镇", "秦书", "lead", "2020-09-18"),
    ("R7", "T4", "红旗乡", "何乡", "lead", "2020-09-18"),
    ("R8", "T5", "扶贫办", "魏监", "lead", "2020-10-30"),
    ("R9", "T5", "民政局", "杨保", "cooperate", "2020-10-30"),
    ("R10", "T6", "民政局", "杨保", "lead", "2020-11-10"),
    ("R11", "T7", "财政局", "蒋财", "lead", "2020-10-20"),
    ("R12", "T7", "审计局", "沈审", "cooperate", "2020-10-20"),
]
SAMPLE_TASKS = {"T1": "P1", "T2": "P1", "T3": "P1", "T4": "P2", "T5": "P3", "T6": "P3", "T7": "P4"}


def snapshot(rectify: Rectify) -> list[object]:
    return [rectify.json("list", "--kind", kind) for kind in ("problem", "task", "responsibility")]


@pytest.mark.parametrize("ledger", [SAMPLE_XLSX, SAMPLE_CSV], ids=["xlsx", "csv"])
def test_sample_ledger_imports_with_merged_cells_and_unit_groups(
    county: Rectify, ledger: Path
) -> None:
    out = county.ok("import", str(ledger), "--campaign", "TP")
    assert out == ("Imported 4 problems, 7 tasks and 12 responsibility items into TP (R1..R12).\n")
    items = county.json("list")
    got = [(i["ref"], i["task"], i["unit"], i["person"], i["role"], i["deadline"]) for i in items]
    assert got == SAMPLE_ITEMS
    assert {i["state"] for i in items} == {"assigned"}
    tasks = county.json("list", "--kind", "task")
    assert {t["ref"]: t["problem"] for t in tasks} == SAMPLE_TASKS
    problems = county.json("list", "--kind", "problem")
    assert [p["title"] for p in problems] == [
        "部分农村集中供水工程氟超标",
        "乡镇党委研究脱贫攻坚工作不及时",
        "边缘易致贫户动态监测不到位",
        "扶贫项目资金拨付滞后",
    ]
    # Merged 问题来源 cells reach every task row of the problem they span.
    p1 = county.json("show", "P1")[0]
    assert (p1["source"], p1["category"], p1["deadline"]) == (
        "国务院成效考核",
        "饮水安全",
        "2020-10-15",
    )
    assert [t["ref"] for t in p1["tasks"]] == ["T1", "T2", "T3"]
    history = county.json("history", "R5")
    assert [(h["trigger"], h["from"], h["to"], h["actor"]) for h in history] == [
        ("import", None, "assigned", "李督查")
    ]
    assert history[0]["note"] == f"{ledger.name} row 4"


def test_english_headers_and_bom_less_csv(county: Rectify, tmp_path: Path) -> None:
    ledger = tmp_path / "ledger.csv"
    ledger.write_text(
        "no,source,category,problem,task,unit,cooperating_units,person,deadline\n"
        "7,自查,饮水安全,水质不达标,加装净水设备,slj,wjw；czj,韩水,2020年10月1日\n",
        encoding="utf-8",
    )
    county.ok("import", str(ledger), "--campaign", "TP")
    items = county.json("list")
    assert [(i["unit"], i["person"], i["role"]) for i in items] == [
        ("水利局", "韩水", "lead"),
        ("卫健委", "鲁检", "cooperate"),
        ("财政局", "蒋财", "cooperate"),
    ]
    assert county.json("show", "P1")[0]["ledger_no"] == "7"


def test_several_bad_rows_are_all_reported_and_nothing_is_written(
    county: Rectify, tmp_path: Path
) -> None:
    before = snapshot(county)
    ledger = tmp_path / "bad.csv"
    ledger.write_text(
        HEADER + "\n"
        "1,自查,饮水安全,水质不达标,加装净水设备,水利局,,韩水,2020-10-01\n"  # row 2: good
        "2,自查,饮水安全,供水不稳,修复管网,消防队,,韩水,2020-10-01\n"  # unknown unit
        "3,自查,饮水安全,无人负责,建立台账,水利局,,,2020-10-01\n"  # no person
        "4,自查,饮水安全,时限不明,清查水源,水利局,,韩水,\n"  # no deadline
        "5,自查,饮水安全,日期错误,抽检,水利局,,韩水,2020-13-01\n"  # bad date
        "6,自查,饮水安全,超过底线,整治,水利局,,张三,2020-12-31\n",  # unknown person, too late
        encoding="utf-8-sig",
    )
    error = county.fails("import", str(ledger), "--campaign", "TP")
    assert error.startswith("Error: bad.csv: 6 errors, nothing imported: ")
    for expected in (
        "row 3, 责任单位: unknown unit '消防队'",
        "row 4, 责任人: is empty",
        "row 5, 整改时限: is empty",
        "row 6, 整改时限: '2020-13-01' is not a date",
        "row 7, 整改时限: 2020-12-31 is after campaign TP's bottom line 2020-11-30",
        "row 7, 责任人: unknown person '张三'",
    ):
        assert expected in error, expected
    assert "row 2" not in error
    assert snapshot(county) == before
    # Nothing was taken either: the next good import starts at P1 / R1.
    county.ok("import", str(SAMPLE_CSV), "--campaign", "TP")
    assert county.json("list")[0]["ref"] == "R1"


def test_bad_rows_inside_merged_cells_of_an_xlsx_are_reported_by_sheet_row(
    county: Rectify, tmp_path: Path
) -> None:
    ledger = tmp_path / "merged.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["2020年整改台账"])  # a title row above the header, as offices write it
    sheet.append(HEADER.split(","))
    sheet.append(
        [
            1,
            "第三方评估",
            "饮水安全",
            "水源污染",
            "关停排污口",
            "水利局",
            "",
            "韩水",
            date(2020, 10, 1),
        ]
    )
    sheet.append([None, None, None, None, "复查水质", "卫健委", "", "鲁检", "2020/10/5"])
    sheet.append([None, None, None, None, "公示结果", "卫健委", "红十字会", "鲁检", "十月底"])
    for column in "ABCD":
        sheet.merge_cells(f"{column}3:{column}5")
    book.save(ledger)
    error = county.fails("import", str(ledger), "--campaign", "TP")
    assert error.startswith("Error: merged.xlsx: 2 errors, nothing imported: ")
    assert "row 5, 配合单位: unknown unit '红十字会'" in error
    assert "row 5, 整改时限: '十月底' is not a date" in error
    assert county.json("list", "--kind", "problem") == []
    # Fixed, the same sheet imports as one problem with three tasks.
    sheet["I5"] = date(2020, 10, 31)
    sheet["G5"] = "财政局"
    book.save(ledger)
    county.ok("import", str(ledger), "--campaign", "TP")
    tasks = county.json("list", "--kind", "task")
    assert [(t["problem"], t["title"]) for t in tasks] == [
        ("P1", "关停排污口"),
        ("P1", "复查水质"),
        ("P1", "公示结果"),
    ]


def test_a_unit_group_needs_the_named_person_in_it_and_a_head_in_every_unit(
    county: Rectify, tmp_path: Path
) -> None:
    county.ok("unit", "add", "xdz", "新店镇", "--group", "乡镇")  # a township with no head yet
    ledger = tmp_path / "group.csv"
    ledger.write_text(
        HEADER + "\n"
        "1,自查,压紧压实责任,排查不实,重新排查,各乡镇,,秦书,2020-10-01\n"
        "2,自查,压紧压实责任,档案留痕,清理材料,各乡镇,,韩水,2020-10-01\n"
        "3,自查,压紧压实责任,作风漂浮,专题整治,各街道,,秦书,2020-10-01\n",
        encoding="utf-8",
    )
    error = county.fails("import", str(ledger), "--campaign", "TP")
    assert "row 2, 责任单位: 新店镇 has no head to receive its item" in error
    assert "row 3, 责任人: 韩水 is not in any unit of 各乡镇" in error
    assert "row 4, 责任单位: unknown unit '各街道'" in error
    county.ok("person", "add", "邓镇", "--unit", "新店镇", "--head")
    ledger.write_text(HEADER + "\n1,自查,压紧压实责任,排查不实,重新排查,各乡镇,,秦书,2020-10-01\n")
    county.ok("import", str(ledger), "--campaign", "TP")
    assert [(i["unit"], i["person"]) for i in county.json("list")] == [
        ("城关镇", "秦书"),
        ("红旗乡", "何乡"),
        ("新店镇", "邓镇"),
    ]


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("ledger.xls", b"", "ledger.xls"),
        ("ledger.csv", "问题,措施\n1,2\n".encode(), "missing"),
        ("ledger.csv", HEADER.encode() + b"\n", "no rows to import"),
    ],
)
def test_unreadable_files_fail_with_one_line(
    county: Rectify, tmp_path: Path, name: str, content: bytes, expected: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    error = county.fails("import", str(path), "--campaign", "TP")
    assert expected in error


def test_unknown_campaign_and_a_ledger_copied_elsewhere(county: Rectify, tmp_path: Path) -> None:
    assert county.fails("import", str(SAMPLE_CSV), "--campaign", "NOPE") == (
        "Error: no campaign 'NOPE'"
    )
    copy = tmp_path / "台账.xlsx"
    shutil.copy(SAMPLE_XLSX, copy)
    assert "12 responsibility items" in county.ok("import", str(copy), "--campaign", "TP")
