"""`rectify export`: the 责任清单 as a ledger (.xlsx, .csv), read back by `import`."""

from __future__ import annotations

import csv
import datetime
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from tests.conftest import Rectify
from workflow.ledger.writer import COLUMNS, DATE_FORMAT

HEADERS = [header for header, _ in COLUMNS]


def build(r: Rectify) -> None:
    """P1 (two tasks: T1 水利局 with 城关镇 cooperating, closed; T2 standing) and P2 (one
    task, a title a spreadsheet would take for a formula)."""
    r.ok("problem", "add", "--campaign", "TP", "--title", "饮水氟超标", "--source", "省级督查",
         "--category", "饮水安全")  # fmt: skip
    r.ok("task", "add", "--problem", "P1", "--title", "加装除氟设备", "--deadline", "2020-10-15")
    r.ok("task", "add", "--problem", "P1", "--title", "定期检测水质", "--deadline", "长期坚持")
    r.ok("problem", "add", "--campaign", "TP", "--title", "=1+1 台账虚报")
    r.ok("task", "add", "--problem", "P2", "--title", "-核实数据", "--deadline", "2020年9月30日")
    assert r.ok("assign", "T1", "--unit", "水利局", "--person", "韩水") == "R1\n"
    assert r.ok("assign", "T1", "--unit", "城关镇", "--person", "秦书", "--role", "cooperate") == (
        "R2\n"
    )
    assert r.ok("assign", "T2", "--unit", "卫健委", "--person", "鲁检") == "R3\n"
    assert r.ok("assign", "T3", "--unit", "财政局", "--person", "蒋财") == "R4\n"
    r.ok("fix", "R1", "--note", "已完成", actor="韩水", now="2020-10-09T10:00")
    r.ok("accept", "R1", now="2020-10-10T10:00")


def test_export_xlsx_layout_dates_and_formulas(county: Rectify, tmp_path: Path) -> None:
    build(county)
    path = tmp_path / "清单.xlsx"
    out = county.ok("export", str(path), "--campaign", "TP")
    assert out == f"Exported 2 problems in 3 rows (4 responsibility items) of TP to {path}.\n"
    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == HEADERS
    col = {header: index for index, header in enumerate(HEADERS)}
    # P1 spans rows 2-3, merged in 序号, 问题来源, 问题类别 and 问题描述; P2 is one row.
    assert sorted(str(m) for m in sheet.merged_cells.ranges) == ["A2:A3", "B2:B3", "C2:C3", "D2:D3"]
    first, second, third = rows[1], rows[2], rows[3]
    assert first[: col["整改进展"]] == [
        1, "省级督查", "饮水安全", "饮水氟超标", "加装除氟设备", "水利局", "城关镇", "韩水",
        datetime.datetime(2020, 10, 15),
    ]  # fmt: skip
    assert first[col["事项编号"] :] == [
        "R1", "牵头", "已销号", None, datetime.datetime(2020, 10, 15), 0,
        datetime.datetime(2020, 10, 10),
    ]  # fmt: skip
    assert second[col["整改措施"] : col["整改时限"] + 1] == ["定期检测水质", "卫健委", None, "鲁检",
                                                      "长期坚持"]  # fmt: skip
    assert second[col["原整改时限"]] is None and second[col["状态"]] == "已交办"
    deadline = sheet.cell(2, col["整改时限"] + 1)
    assert deadline.is_date and deadline.number_format == DATE_FORMAT
    assert sheet.cell(2, col["销号日期"] + 1).number_format == DATE_FORMAT
    # Text beginning with = or - stays text: a string cell with the quote prefix, unchanged.
    for column, text in (("问题描述", "=1+1 台账虚报"), ("整改措施", "-核实数据")):
        cell = sheet.cell(4, col[column] + 1)
        assert (cell.value, cell.data_type, cell.quotePrefix) == (text, "s", True)
    assert third[col["整改时限"]] == datetime.datetime(2020, 9, 30)
    with zipfile.ZipFile(path) as archive:  # no formula element anywhere in the sheet
        assert b"<f>" not in archive.read("xl/worksheets/sheet1.xml")
    assert sheet.column_dimensions["D"].width == 40


def test_export_csv_has_bom_text_dates_and_defused_cells(county: Rectify, tmp_path: Path) -> None:
    build(county)
    path = tmp_path / "清单.csv"
    county.ok("export", str(path), "--campaign", "TP")
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(data.decode("utf-8-sig").splitlines()))
    assert rows[0] == HEADERS
    assert rows[1] == [
        "1", "省级督查", "饮水安全", "饮水氟超标", "加装除氟设备", "水利局", "城关镇", "韩水",
        "2020年10月15日", "", "R1", "牵头", "已销号", "", "2020年10月15日", "0", "2020年10月10日",
    ]  # fmt: skip
    assert rows[3][3:5] == ["'=1+1 台账虚报", "'-核实数据"]


def snapshot(r: Rectify, campaign: str) -> list[tuple[Any, ...]]:
    """Each item of `campaign` with its task, problem, unit, person, role and deadline."""
    found = r.json("list", "--kind", "responsibility", "--campaign", campaign)
    tasks = {t["ref"]: t for t in r.json("list", "--kind", "task", "--campaign", campaign)}
    problems = {p["ref"]: p for p in r.json("list", "--kind", "problem", "--campaign", campaign)}
    return [
        (
            problems[tasks[i["task"]]["problem"]]["title"],
            tasks[i["task"]]["title"],
            i["unit"],
            i["person"],
            i["role"],
            i["deadline"],
            i["deadline_kind"],
        )
        for i in found
    ]


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_round_trip_into_another_campaign(county: Rectify, tmp_path: Path, suffix: str) -> None:
    build(county)
    if suffix == ".csv":
        county.ok("problem", "add", "--campaign", "TP", "--title", "台账不全")
        county.ok("task", "add", "--problem", "P3", "--title", "补齐台账", "--deadline", "立行立改")
        county.ok("assign", "T4", "--unit", "城关镇", "--person", "陈干")
    path = tmp_path / f"清单{suffix}"
    county.ok("export", str(path), "--campaign", "TP")
    county.ok("campaign", "add", "TP2", "再次整改", "--deadline", "2020-11-30",
              "--leader", "王书记", actor="李督查")  # fmt: skip
    county.ok("import", str(path), "--campaign", "TP2")
    before, after = snapshot(county, "TP"), snapshot(county, "TP2")
    if suffix == ".csv":
        # The ' that defuses a formula in the CSV is dropped on import: titles come back as
        # written. 立行立改 is written as its date, and imports as that date.
        before = [(*row[:6], "date" if row[6] == "immediate" else row[6]) for row in before]
    assert sorted(after) == sorted(before)
    counts = {
        kind: (len(county.json("list", "--kind", kind, "--campaign", "TP")),
               len(county.json("list", "--kind", kind, "--campaign", "TP2")))
        for kind in ("problem", "task", "responsibility")
    }  # fmt: skip
    assert all(old == new for old, new in counts.values()), counts


@pytest.mark.parametrize(
    ("name", "campaign", "expected"),
    [
        ("清单.pdf", "TP", "Error: {path}: cannot export to .pdf; name the file .xlsx or .csv"),
        ("清单.xlsx", "NOPE", "Error: no campaign 'NOPE'"),
        ("old.csv", "TP", "Error: {path} already exists; use --force to overwrite it"),
    ],
)
def test_refusals(county: Rectify, tmp_path: Path, name: str, campaign: str, expected: str) -> None:
    (tmp_path / "old.csv").write_text("keep")
    path = tmp_path / name
    assert county.fails("export", str(path), "--campaign", campaign) == expected.format(path=path)
    assert (tmp_path / "old.csv").read_text() == "keep"
    assert not (tmp_path / "清单.pdf").exists() and not (tmp_path / "清单.xlsx").exists()


def test_force_overwrites_and_chinese_summary(county: Rectify, tmp_path: Path) -> None:
    build(county)
    path = tmp_path / "old.csv"
    path.write_text("keep")
    county.lang = "zh"
    out = county.ok("export", str(path), "--campaign", "TP", "--force")
    assert out == f"已将 TP 的问题 2 个（3 行，责任事项 4 项）导出到 {path}。\n"
    assert path.read_text(encoding="utf-8-sig").startswith("序号,问题来源")
