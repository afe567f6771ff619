"""Ledgers as counties publish them: deadline words, header names of their own, extra
columns, a ledger imported twice (refused, naming the first import) and `import --update`."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select

from tests.conftest import DATA, Rectify
from workflow.db.schema import extensions, imports, items, tasks

LEDGERS = DATA / "ledger"
COUNTY = LEDGERS / "county-ledger.xlsx"  # built by tests/data/ledger/build_county_ledgers.py
REVISED = LEDGERS / "county-ledger-v2.xlsx"
GBK = LEDGERS / "county-ledger-gbk.csv"

# (ref, task, unit, person, role, deadline) of the county ledger imported on 2020-09-01:
# 9月30日前 takes the bottom line's year, 2020年10月 is the end of October, 立行立改 is due
# seven days after the import, 长期坚持 (and 立行立改，长期坚持) have no deadline.
COUNTY_ITEMS = [
    ("R1", "T1", "水利局", "韩水", "lead", "2020-09-30"),
    ("R2", "T1", "卫健委", "鲁检", "cooperate", "2020-09-30"),
    ("R3", "T1", "财政局", "蒋财", "cooperate", "2020-09-30"),
    ("R4", "T2", "卫健委", "鲁检", "lead", "2020-09-30"),
    ("R5", "T3", "水利局", "韩水", "lead", None),
    ("R6", "T4", "城关镇", "秦书", "lead", "2020-09-08"),
    ("R7", "T4", "红旗乡", "何乡", "lead", "2020-09-08"),
    ("R8", "T5", "县委督查室", "李督查", "lead", "2020-10-31"),
    ("R9", "T6", "财政局", "蒋财", "lead", "2020-10-31"),
    ("R10", "T6", "审计局", "沈审", "cooperate", "2020-10-31"),
    ("R11", "T7", "民政局", "杨保", "lead", None),
    ("R12", "T7", "扶贫办", "魏监", "cooperate", None),
]
KINDS = ["date"] * 4 + ["standing", "immediate", "immediate", "date", "date", "date"]
KINDS += ["standing", "standing"]
IMPORTED = (
    "Imported 4 problems, 7 tasks and 12 responsibility items into TP (R1..R12).\n"
    "Ignored columns: 备注.\n"
)


def database(rectify: Rectify, query: Any) -> list[Any]:
    engine = create_engine(rectify.db_url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(query))
    finally:
        engine.dispose()


def items_as_listed(rectify: Rectify) -> list[tuple[Any, ...]]:
    return [
        (i["ref"], i["task"], i["unit"], i["person"], i["role"], i["deadline"])
        for i in rectify.json("list")
    ]


def snapshot(rectify: Rectify) -> list[Any]:
    return [
        *(rectify.json("list", "--kind", kind) for kind in ("problem", "task", "responsibility")),
        rectify.json("notices"),
        database(rectify, select(imports.c.id, imports.c.mode)),
        database(rectify, select(extensions.c.id)),
    ]


def test_county_ledger_with_deadline_words_and_merged_cells(county: Rectify) -> None:
    assert county.ok("import", str(COUNTY), "--campaign", "TP") == IMPORTED
    assert items_as_listed(county) == COUNTY_ITEMS
    # 责任领导 is read: 王书记 is in charge of problems 1 and 2, nobody is named for 3 and 4
    leaders = [county.json("show", ref)[0]["leader_in_charge"] for ref in ("P1", "P2", "P3", "P4")]
    assert leaders == ["王书记", "王书记", None, None]
    stored = database(
        county,
        select(
            items.c.ref, items.c.deadline_kind, items.c.original_deadline, items.c.ledger_note
        ).order_by(items.c.id),
    )
    assert [row.deadline_kind for row in stored] == KINDS
    assert stored[4].original_deadline is None  # standing: nothing to keep either
    # 整改目标 (merged over the problem's rows) and 整改进展 are kept under their names.
    assert stored[0].ledger_note == "整改目标：农村饮水安全全部达标\n整改进展：已完成12处水源排查"
    assert stored[3].ledger_note == "整改目标：农村饮水安全全部达标"
    assert stored[5].ledger_note is None
    tasks_ = database(
        county,
        select(tasks.c.deadline, tasks.c.deadline_kind, tasks.c.import_id, tasks.c.ledger_key),
    )
    assert [(t.deadline is None, t.deadline_kind) for t in tasks_][2] == (True, "standing")
    assert len({t.ledger_key for t in tasks_}) == 7
    (record,) = database(county, select(imports))
    assert {t.import_id for t in tasks_} == {record.id}
    assert (record.filename, record.mode, record.rows, record.actor) == (
        "county-ledger.xlsx", "new", 7, "李督查",
    )  # fmt: skip
    assert record.sha256 == hashlib.sha256(COUNTY.read_bytes()).hexdigest()
    assert record.summary == "4 problems, 7 tasks, 12 items, R1..R12"
    problems = county.json("list", "--kind", "problem")
    assert [p["ref"] for p in problems] == ["P1", "P2", "P3", "P4"]
    assert county.json("show", "P1")[0]["ledger_no"] == "1"


def test_summary_and_errors_are_in_chinese_by_default(county: Rectify, tmp_path: Path) -> None:
    county.lang = None
    bad = tmp_path / "台账.csv"
    bad.write_text(
        "序号,问题描述,整改措施,责任单位,责任人,整改时限\n"
        "1,水质不达标,加装净水设备,水利局,韩水,2020年9月底前\n"
        "2,供水不稳,修复管网,消防队,韩水,9月30日前\n"
        "3,管护缺位,建立机制,水利局,韩水,2020年13月底前\n",
        encoding="utf-8",
    )
    assert county.fails("import", str(bad), "--campaign", "TP") == (
        "Error: 台账.csv：2 处错误，未导入任何内容：第 3 行，责任单位：未知单位 '消防队'"
        "（请写单位代码或名称）；第 4 行，整改时限：'2020年13月底前' 不是有效的时限"
        "（月份应在 1 到 12 之间）"
    )
    assert county.ok("import", str(COUNTY), "--campaign", "TP") == (
        "已导入 TP：问题 4 个、任务 7 项、责任事项 12 项（R1..R12）。\n未使用的列：备注。\n"
    )


def test_a_gbk_csv_from_another_county(county: Rectify) -> None:
    out = county.ok("import", str(GBK), "--campaign", "TP")
    assert out == (
        "Imported 3 problems, 4 tasks and 4 responsibility items into TP (R1..R4).\n"
        "Ignored columns: 联系电话.\n"
    )
    assert items_as_listed(county) == [
        ("R1", "T1", "民政局", "杨保", "lead", "2020-09-30"),  # 2020年9月30日前完成
        ("R2", "T2", "审计局", "沈审", "lead", None),  # 持续推进
        ("R3", "T3", "扶贫办", "魏监", "lead", "2020-11-30"),  # full-width １１月底前
        ("R4", "T4", "城关镇", "陈干", "lead", "2020-11-15"),  # 2020年11月15日之前
    ]


def test_the_sample_ledger_is_still_refused_twice_and_names_the_first(county: Rectify) -> None:
    sample = DATA / "sample-ledger.xlsx"
    county.ok("import", str(sample), "--campaign", "TP")
    before = snapshot(county)
    error = county.fails("import", str(sample), "--campaign", "TP", now="2020-09-02T10:00")
    assert error == (
        "Error: sample-ledger.xlsx was already imported into TP: sample-ledger.xlsx on "
        "2020-09-01 09:00 by 李督查 (R1..R12); nothing imported"
    )
    # Its CSV export is other bytes with the same rows.
    error = county.fails("import", str(DATA / "ledger" / "sample-ledger.csv"), "--campaign", "TP")
    assert error == (
        "Error: sample-ledger.csv: 7 of its rows (序号, 整改措施, 责任单位) were already imported "
        "into TP: sample-ledger.xlsx on 2020-09-01 09:00 by 李督查 (R1..R12); nothing imported "
        "(use --update to apply a revised ledger)"
    )
    assert snapshot(county) == before


def test_a_ledger_imported_again_is_refused_whatever_its_name(
    county: Rectify, tmp_path: Path
) -> None:
    county.ok("import", str(COUNTY), "--campaign", "TP")
    before = snapshot(county)
    renamed = tmp_path / "整改台账（终稿）.xlsx"
    shutil.copy(COUNTY, renamed)
    assert county.fails("import", str(renamed), "--campaign", "TP") == (
        "Error: 整改台账（终稿）.xlsx was already imported into TP: county-ledger.xlsx on "
        "2020-09-01 09:00 by 李督查 (R1..R12); nothing imported"
    )
    county.lang = None
    assert county.fails("import", str(REVISED), "--campaign", "TP") == (
        "Error: county-ledger-v2.xlsx：其中 7 行（序号、整改措施、责任单位相同）已导入过 TP："
        "李督查 于 2020-09-01 09:00 导入的 county-ledger.xlsx（R1..R12）；本次未导入任何内容"
        "（如是修订后的台账，请加 --update）"
    )
    assert snapshot(county) == before


def test_update_moves_changed_deadlines_as_approved_extensions_and_adds_rows(
    county: Rectify,
) -> None:
    county.ok("import", str(COUNTY), "--campaign", "TP")
    out = county.ok("import", str(REVISED), "--campaign", "TP", "--update", now="2020-09-20T10:00")
    assert out == (
        "Updated TP from county-ledger-v2.xlsx: 3 deadlines moved, 2 tasks added, "
        "5 rows unchanged.\n"
        "Deadline moved to 2020-10-15: R4.\n"
        "Deadline moved to 2020-11-20: R9, R10.\n"
        "Imported 1 problems, 2 tasks and 2 responsibility items into TP (R13..R14).\n"
        "Ignored columns: 备注.\n"
    )
    r4 = county.json("show", "R4")[0]
    assert (r4["deadline"], r4["original_deadline"]) == ("2020-10-15", "2020-09-30")
    assert (r4["extension_count"], r4["deadline_version"]) == (1, 2)
    last = county.json("history", "R4")[-1]
    assert (last["trigger"], last["actor"], last["from"], last["to"]) == (
        "extension_approved", "李督查", "assigned", "assigned",
    )  # fmt: skip
    assert last["note"] == "2020年10月15日: 台账更新：county-ledger-v2.xlsx"
    assert county.json("history", "T2")[-1]["note"] == (
        "2020年9月30日 → 2020年10月15日: 台账更新：county-ledger-v2.xlsx"
    )
    granted = database(
        county,
        select(extensions.c.status, extensions.c.current_deadline, extensions.c.reason)
        .join(items, items.c.id == extensions.c.item_id)
        .where(items.c.ref == "R10"),
    )
    assert [(g.status, str(g.current_deadline), g.reason) for g in granted] == [
        ("approved", "2020-10-31", "台账更新：county-ledger-v2.xlsx")
    ]
    # Unchanged rows are untouched; 立行立改 said again is not a new date.
    listed = {i["ref"]: i for i in county.json("list")}
    assert listed["R1"]["deadline"] == "2020-09-30"
    assert listed["R6"]["deadline"] == "2020-09-08"
    assert county.json("show", "R1")[0]["deadline_version"] == 1
    # The new task of problem 4 joins it; problem 5 is new.
    assert [(t["ref"], t["problem"]) for t in county.json("list", "--kind", "task")][-2:] == [
        ("T8", "P4"),
        ("T9", "P5"),
    ]
    assert [(m.mode, m.rows) for m in database(county, select(imports).order_by(imports.c.id))] == [
        ("new", 7),
        ("update", 9),
    ]
    # The same revision again changes nothing and records nothing.
    before = snapshot(county)
    out = county.ok("import", str(REVISED), "--campaign", "TP", "--update", now="2020-09-21T10:00")
    assert out.startswith(
        "Updated TP from county-ledger-v2.xlsx: 0 deadlines moved, 0 tasks added, "
        "9 rows unchanged.\n"
    )
    assert snapshot(county) == before


def test_notices_for_standing_items_and_moved_deadlines(county: Rectify, tmp_path: Path) -> None:
    county.ok("unit", "add", "jyj", "教育局")
    county.ok("person", "add", "钱教", "--unit", "jyj", "--head", "--email", "qj@jyj.gov.test")
    header = "序号,问题描述,整改措施,责任单位,责任人,整改时限\n"
    ledger = tmp_path / "教育.csv"
    ledger.write_text(
        header + "1,控辍保学不到位,建立劝返台账,教育局,钱教,长期坚持\n"
        "2,资助政策落实不到位,全面核查资助对象,教育局,钱教,10月15日前\n",
        encoding="utf-8",
    )
    county.ok("import", str(ledger), "--campaign", "TP")
    queued = [(n["ref"], n["event"], n["deadline_version"]) for n in county.json("notices")]
    assert queued == [("R1", "assigned", 1), ("R2", "assigned", 1)]  # the standing one too
    ledger.write_text(
        header + "1,控辍保学不到位,建立劝返台账,教育局,钱教,长期坚持\n"
        "2,资助政策落实不到位,全面核查资助对象,教育局,钱教,10月31日前\n",
        encoding="utf-8",
    )
    county.ok("import", str(ledger), "--campaign", "TP", "--update", now="2020-10-10T09:00")
    queued = [(n["ref"], n["event"], n["deadline_version"]) for n in county.json("notices")]
    assert queued[2:] == [("R2", "extension_approved", 2)]


def test_update_moves_open_items_only(county: Rectify) -> None:
    county.ok("import", str(COUNTY), "--campaign", "TP")
    county.ok("fix", "R10", "--note", "已完成审计", actor="沈审", now="2020-09-10T09:00")
    out = county.ok("import", str(REVISED), "--campaign", "TP", "--update", now="2020-09-20T10:00")
    assert "Deadline moved to 2020-11-20: R9.\n" in out
    assert county.json("show", "R10")[0]["deadline"] == "2020-10-31"  # fixed: nothing to move
    assert county.json("show", "T6")[0]["deadline"] == "2020-11-20"  # the ledger's word


def test_update_refuses_what_an_extension_cannot_express(county: Rectify, tmp_path: Path) -> None:
    header = "序号,问题描述,整改措施,责任单位,责任人,整改时限\n"
    first = tmp_path / "v1.csv"
    first.write_text(header + "1,问题甲,任务甲,水利局,韩水,长期坚持\n", encoding="utf-8")
    county.ok("import", str(first), "--campaign", "TP")
    before = snapshot(county)
    second = tmp_path / "v2.csv"
    second.write_text(header + "1,问题甲,任务甲,水利局,韩水,2020年10月底前\n", encoding="utf-8")
    assert county.fails("import", str(second), "--campaign", "TP", "--update") == (
        "Error: v2.csv: 1 error, nothing imported: row 2, 整改时限: T1 is a standing task "
        "(长期坚持); an update cannot give it a deadline"
    )
    # A moved deadline is still held to the bottom line.
    second.write_text(header + "1,问题甲,任务甲,水利局,韩水,2020年12月底前\n", encoding="utf-8")
    error = county.fails("import", str(second), "--campaign", "TP", "--update")
    assert "row 2, 整改时限: 2020-12-31 is after campaign TP's bottom line 2020-11-30" in error
    assert snapshot(county) == before


def test_bottom_line_applies_to_dated_deadlines_only(county: Rectify, tmp_path: Path) -> None:
    ledger = tmp_path / "late.csv"
    ledger.write_text(
        "序号,问题描述,整改措施,责任单位,责任人,整改时限\n"
        "1,问题甲,任务甲,水利局,韩水,长期坚持\n"
        "2,问题乙,任务乙,水利局,韩水,立行立改\n"
        "3,问题丙,任务丙,水利局,韩水,年底前\n",
        encoding="utf-8",
    )
    # On 11-28, 立行立改 (due 12-05) and 年底前 (12-31) are both past the bottom line.
    error = county.fails("import", str(ledger), "--campaign", "TP", now="2020-11-28T09:00")
    assert error == (
        "Error: late.csv: 2 errors, nothing imported: "
        "row 3, 整改时限: 2020-12-05 is after campaign TP's bottom line 2020-11-30 (底线); "
        "row 4, 整改时限: 2020-12-31 is after campaign TP's bottom line 2020-11-30 (底线)"
    )


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "found: 编号, 问题, 措施, 单位, 联系人; missing: 整改措施 (task), 责任单位 (unit), "
               "责任人 (person), 整改时限 (deadline)"),
        ("zh", "找到的列：编号、问题、措施、单位、联系人；"
               "缺少：整改措施、责任单位、责任人、整改时限"),
    ],
)  # fmt: skip
def test_a_header_it_cannot_match_names_found_and_missing(
    county: Rectify, tmp_path: Path, lang: str, expected: str
) -> None:
    county.lang = lang
    ledger = tmp_path / "odd.csv"
    ledger.write_text("某县整改台账\n编号,问题,措施,单位,联系人\n1,问题甲,任务甲,水利局,韩水\n")
    error = county.fails("import", str(ledger), "--campaign", "TP")
    assert error.startswith("Error: ") and "odd.csv" in error
    assert error.endswith(expected)


def test_units_and_people_are_read_as_offices_write_them(county: Rectify, tmp_path: Path) -> None:
    """Several units in 责任单位 (the first leads), and notes after names: （牵头）, （局长）."""
    ledger = tmp_path / "台账.csv"
    ledger.write_text(
        "序号,存在问题,整改措施,责任单位,责任人,整改时限\n"
        "1,水质不达标,加装除氟设备,水利局（牵头）、卫健委,韩水,2020年10月底前\n"
        "2,签约不实,核实签约,卫健委,鲁检（主任）,2020年10月底前\n"
        "3,资金滞后,加快拨付,财政局；审计局（配合）,蒋财,2020年10月底前\n",
        encoding="utf-8",
    )
    county.ok("import", str(ledger), "--campaign", "TP")
    assert [(i["ref"], i["unit"], i["person"], i["role"]) for i in county.json("list")] == [
        ("R1", "水利局", "韩水", "lead"),
        ("R2", "卫健委", "鲁检", "cooperate"),
        ("R3", "卫健委", "鲁检", "lead"),
        ("R4", "财政局", "蒋财", "lead"),
        ("R5", "审计局", "沈审", "cooperate"),
    ]


def test_a_name_that_names_nobody_even_without_its_note_is_still_refused(
    county: Rectify, tmp_path: Path
) -> None:
    ledger = tmp_path / "台账.csv"
    ledger.write_text(
        "序号,存在问题,整改措施,责任单位,责任人,整改时限\n"
        "1,水质不达标,加装除氟设备,消防队（牵头）、卫健委,韩水,2020年10月底前\n",
        encoding="utf-8",
    )
    assert county.fails("import", str(ledger), "--campaign", "TP") == (
        "Error: 台账.csv: 1 error, nothing imported: row 2, 责任单位: unknown unit "
        "'消防队（牵头）、卫健委' (give its code or name)"
    )


def test_update_moving_many_items_lists_twenty_and_sweeps_each(
    county: Rectify, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Blocks of 4 items per sweep here, so 25 moved items take seven sweeps.
    monkeypatch.setattr("workflow.services.importer_update.SWEEP_BLOCK", 4)
    header = "序号,问题描述,整改措施,责任单位,责任人,整改时限\n"
    ledger = tmp_path / "v1.csv"
    rows = [f"{n},问题{n},任务{n},水利局,韩水,{{}}\n" for n in range(1, 26)]
    ledger.write_text(header + "".join(r.format("2020-10-31") for r in rows), encoding="utf-8")
    county.ok("import", str(ledger), "--campaign", "TP")
    # Moved to a day two days after 'now': yellow under the default policy, for every item.
    ledger.write_text(header + "".join(r.format("2020-10-12") for r in rows), encoding="utf-8")
    out = county.ok("import", str(ledger), "--campaign", "TP", "--update", now="2020-10-10T09:00")
    assert "Deadline moved to 2020-10-12: R1, R2, R3, " in out
    assert "R20 and 5 more (25 in all).\n" in out
    assert "R21" not in out
    levels = {row["ref"]: row["level"] for row in county.json("list", now="2020-10-10T09:00")}
    assert levels == {f"R{n}": "yellow" for n in range(1, 26)}


def test_a_request_overtaken_by_a_revised_ledger_cannot_be_approved(
    county: Rectify, tmp_path: Path
) -> None:
    county.ok("unit", "add", "jyj", "教育局")
    county.ok("person", "add", "钱教", "--unit", "jyj", "--head", "--email", "qj@jyj.gov.test")
    header = "序号,问题描述,整改措施,责任单位,责任人,整改时限\n"
    row = "1,资助政策落实不到位,全面核查资助对象,教育局,钱教,{}\n"
    ledger = tmp_path / "教育.csv"
    ledger.write_text(header + row.format("10月15日前"), encoding="utf-8")
    county.ok("import", str(ledger), "--campaign", "TP", now="2020-09-01T09:00")
    county.ok("extend", "R1", "--to", "2020-10-20", "--reason", "资金未到位", actor="钱教",
              now="2020-10-01T09:00")  # fmt: skip
    ledger.write_text(header + row.format("10月31日前"), encoding="utf-8")
    county.ok("import", str(ledger), "--campaign", "TP", "--update", now="2020-10-02T09:00")
    before = snapshot(county)

    refusal = county.fails("extension", "approve", "R1", now="2020-10-03T09:00")
    county.lang = None  # Chinese, as offices see it
    in_chinese = county.fails("extension", "approve", "R1", now="2020-10-03T09:00")

    assert refusal == (
        "Error: R1's deadline has moved to 2020-10-31 since the extension to 2020-10-20 was "
        "asked for (it was 2020-10-15); the request cannot be approved as it stands: refuse it, "
        "and the unit may ask again"
    )
    assert in_chinese == (
        "Error: R1 的整改时限在申请延期后已调整为 2020年10月31日（申请时为 2020年10月15日），"
        "延期至 2020年10月20日 的申请不能再按原样批准：请退回该申请，责任单位可重新申请"
    )
    assert snapshot(county) == before  # the ledger's deadline stands
    county.ok("extension", "refuse", "R1", "--note", "以修订台账为准", now="2020-10-03T09:00")
    assert county.json("show", "R1")[0]["deadline"] == "2020-10-31"
