"""read_ledger: ledgers as offices really keep them, in XLSX and CSV."""

from __future__ import annotations

import csv
import datetime
import io
import pathlib
from collections.abc import Sequence

import openpyxl
import pytest

from workflow.i18n import Msg
from workflow.ledger import DeadlineContext, Ledger, LedgerFormatError, LedgerRow, RowError
from workflow.ledger import read_ledger as read_with_context

DATA = pathlib.Path(__file__).resolve().parents[1] / "data"
SAMPLE_XLSX = DATA / "sample-ledger.xlsx"
SAMPLE_CSV = DATA / "ledger" / "sample-ledger.csv"  # Excel "CSV UTF-8" export of the sample

HEADER = ["序号", "问题来源", "问题类别", "问题描述", "整改措施", "责任单位", "配合单位",
          "责任人", "整改时限"]  # fmt: skip
ENGLISH = ["no", "source", "category", "problem", "task", "unit", "cooperating_units",
           "person", "deadline"]  # fmt: skip
FIRST = ["1", "第三方评估", "饮水安全", "供水工程氟超标", "更换水源", "水利局", "卫健委",
         "韩水", "2020-10-15"]  # fmt: skip
SECOND = ["", "", "", "", "水质抽样监测", "卫健委", "", "鲁检", "2020/10/9"]


# A campaign with its bottom line in 2020, the ledger imported on 2020-09-01.
CONTEXT = DeadlineContext(year=2020, today=datetime.date(2020, 9, 1), immediate_days=7)


def read_ledger(path: pathlib.Path) -> Ledger:
    return read_with_context(path, CONTEXT)


def write_csv(
    path: pathlib.Path, rows: list[list[str]], encoding: str = "utf-8-sig"
) -> pathlib.Path:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_xlsx(
    path: pathlib.Path, rows: Sequence[Sequence[object]], merges: tuple[str, ...] = ()
) -> pathlib.Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    for cells in merges:
        sheet.merge_cells(cells)
    book.save(path)
    return path


def tasks(ledger: Ledger) -> list[tuple[int, str | None, str | None, str | None]]:
    return [(row.row_number, row.no, row.problem, row.task) for row in ledger.rows]


# --- the real office sample -----------------------------------------------------------


@pytest.fixture(scope="module")
def sample() -> Ledger:
    return read_ledger(SAMPLE_XLSX)


def test_sample_rows_keep_spreadsheet_row_numbers(sample: Ledger) -> None:
    assert [row.row_number for row in sample.rows] == [2, 3, 4, 5, 6, 7, 8]
    assert sample.errors == []


def test_sample_merged_problem_cells_fill_every_task_row(sample: Ledger) -> None:
    by_row = {row.row_number: row for row in sample.rows}
    for row_number in (3, 4):
        assert by_row[row_number].no == "1"
        assert by_row[row_number].source == "国务院成效考核"
        assert by_row[row_number].category == "饮水安全"
        assert by_row[row_number].problem == "部分农村集中供水工程氟超标"
    assert by_row[3].task == "开展水质抽样监测并公示结果"
    assert by_row[7].no == "3"
    assert by_row[7].problem == "边缘易致贫户动态监测不到位"
    assert by_row[7].source == "第三方评估"
    assert by_row[7].unit == "民政局"
    assert by_row[7].person == "杨保"


def test_sample_first_row_in_full(sample: Ledger) -> None:
    assert sample.rows[0] == LedgerRow(
        row_number=2,
        no="1",
        source="国务院成效考核",
        category="饮水安全",
        problem="部分农村集中供水工程氟超标",
        task="对氟超标水源更换或加装除氟设备",
        unit="水利局",
        cooperating_units=("卫健委", "财政局"),
        person="韩水",
        deadline=datetime.date(2020, 10, 15),
    )


def test_sample_dates_and_units(sample: Ledger) -> None:
    assert [row.deadline for row in sample.rows] == [
        datetime.date(2020, 10, 15),
        datetime.date(2020, 10, 9),
        datetime.date(2020, 9, 30),
        datetime.date(2020, 9, 18),
        datetime.date(2020, 10, 30),
        datetime.date(2020, 11, 10),
        datetime.date(2020, 10, 20),
    ]
    # The reader passes 各乡镇 through untouched; fanning it out is the importer's decision.
    assert sample.rows[3].unit == "各乡镇"
    assert sample.rows[1].cooperating_units == ()  # an empty-string cell, not a unit named ''
    assert sample.headers == dict(zip(ENGLISH, HEADER, strict=True))


def test_sample_csv_export_reads_the_same_as_the_workbook(sample: Ledger) -> None:
    assert read_ledger(SAMPLE_CSV) == sample


# --- CSV encodings and headers --------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gb18030"])
def test_csv_encodings(tmp_path: pathlib.Path, encoding: str) -> None:
    path = write_csv(tmp_path / "台账.csv", [HEADER, FIRST, SECOND], encoding)
    if encoding == "gb18030":
        with pytest.raises(UnicodeDecodeError):  # the fallback is really exercised
            path.read_bytes().decode("utf-8")
    ledger = read_ledger(path)
    assert ledger.headers["no"] == "序号"  # a BOM must not stick to the first header
    assert tasks(ledger) == [
        (2, "1", "供水工程氟超标", "更换水源"),
        (3, "1", "供水工程氟超标", "水质抽样监测"),
    ]
    assert ledger.rows[0].unit == "水利局"
    assert ledger.rows[1].deadline == datetime.date(2020, 10, 9)


def test_csv_that_is_no_known_text_encoding(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "broken.csv"
    path.write_bytes(",".join(HEADER).encode() + b"\n\x80\x80\xff\n")
    with pytest.raises(LedgerFormatError, match="neither UTF-8 nor GBK/GB18030") as caught:
        read_ledger(path)
    assert "broken.csv" in str(caught.value)


def test_english_headers_any_case(tmp_path: pathlib.Path) -> None:
    header = ["No", "SOURCE", "Category", "Problem", "Task", "Unit", "Cooperating Units",
              "Person", "Deadline"]  # fmt: skip
    bad = ["2", "", "", "Late audit", "Audit again", "审计局", "", "蒋财", "soon"]
    ledger = read_ledger(write_csv(tmp_path / "en.csv", [header, FIRST, bad]))
    assert ledger.headers["cooperating_units"] == "Cooperating Units"
    assert ledger.rows[0].cooperating_units == ("卫健委",)
    assert ledger.rows[1].problem == "Late audit"
    assert [str(error) for error in ledger.errors] == [
        "row 3, Deadline: 'soon' is not a date (expected e.g. 2020年9月30日前, 2020年9月底前, "
        "9月30日前, 9月底前, 2020年10月, 2020-09-30, 立行立改 or 长期坚持)"
    ]


def test_header_aliases_spacing_and_extra_columns(tmp_path: pathlib.Path) -> None:
    header = ["序 号", "存在问题", "整改任务", " 牵头单位 ", "协办单位", "责任人（姓名）",
              "完成\n时限", "备注"]  # fmt: skip
    row = ["1", "问题甲", "任务甲", "水利局", "财政局", "韩水", "2020年9月30日", "已报结"]
    ledger = read_ledger(write_csv(tmp_path / "aliases.csv", [header, row]))
    # Padding inside CJK headers ('序 号', '完成\n时限') is layout, not part of the name.
    assert ledger.headers == {
        "no": "序号",
        "problem": "存在问题",
        "task": "整改任务",
        "unit": "牵头单位",
        "cooperating_units": "协办单位",
        "person": "责任人（姓名）",
        "deadline": "完成时限",
    }
    only = ledger.rows[0]
    assert (only.unit, only.cooperating_units, only.person) == ("水利局", ("财政局",), "韩水")
    assert only.deadline == datetime.date(2020, 9, 30)
    assert only.source is None and only.category is None  # optional columns absent


def test_title_rows_above_the_header(tmp_path: pathlib.Path) -> None:
    rows = [["XX县脱贫攻坚问题整改台账"], ["填报单位：县扶贫办", "", "2020年9月"], HEADER, FIRST]
    ledger = read_ledger(write_csv(tmp_path / "titled.csv", rows))
    assert tasks(ledger) == [(4, "1", "供水工程氟超标", "更换水源")]


def test_header_below_the_fifth_row_is_not_searched(tmp_path: pathlib.Path) -> None:
    rows = [["标题"], [], [], [], [], HEADER, FIRST]
    with pytest.raises(LedgerFormatError, match="first 5 rows"):
        read_ledger(write_csv(tmp_path / "low.csv", rows))


def test_missing_columns_are_listed(tmp_path: pathlib.Path) -> None:
    header = [name for name in HEADER if name not in ("责任人", "整改时限")]
    with pytest.raises(LedgerFormatError) as caught:
        read_ledger(write_csv(tmp_path / "short.csv", [header, FIRST[:7]]))
    message = str(caught.value)
    assert "short.csv" in message
    assert message.endswith("missing: 责任人 (person), 整改时限 (deadline)")


def test_empty_csv_lists_every_required_column(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(LedgerFormatError, match=r"missing: 问题描述 \(problem\), 整改措施"):
        read_ledger(path)


def test_a_clash_outside_the_header_row_is_not_an_error(tmp_path: pathlib.Path) -> None:
    rows = [["问题", "问题描述"], HEADER, FIRST]  # a notes row above the real header
    assert tasks(read_ledger(write_csv(tmp_path / "notes.csv", rows))) == [
        (3, "1", "供水工程氟超标", "更换水源")
    ]


def test_two_columns_meaning_the_same_field(tmp_path: pathlib.Path) -> None:
    header = [*HEADER, "牵头单位"]
    with pytest.raises(
        LedgerFormatError, match="'责任单位' and '牵头单位' both mean 责任单位 \\(unit\\); keep one"
    ):
        read_ledger(write_csv(tmp_path / "dup.csv", [header, FIRST]))


# --- rows -----------------------------------------------------------------------------


def test_continuation_rows_in_csv(tmp_path: pathlib.Path) -> None:
    rows = [
        HEADER,
        ["", "", "", "", "孤立任务", "水利局", "", "韩水", "2020-10-01"],
        FIRST,
        SECOND,
        ["", "", "", "", "第三项任务", "财政局", "", "蒋财", "2020-10-20"],
        ["2", "自查", "", "新问题", "新任务", "扶贫办", "", "魏监", "2020-11-01"],
        ["", "", "", "", "新问题的第二项", "民政局", "", "杨保", "2020-11-10"],
    ]
    ledger = read_ledger(write_csv(tmp_path / "cont.csv", rows))
    assert tasks(ledger) == [
        (2, None, None, "孤立任务"),
        (3, "1", "供水工程氟超标", "更换水源"),
        (4, "1", "供水工程氟超标", "水质抽样监测"),
        (5, "1", "供水工程氟超标", "第三项任务"),
        (6, "2", "新问题", "新任务"),
        (7, "2", "新问题", "新问题的第二项"),
    ]
    assert ledger.rows[3].source == "第三方评估" and ledger.rows[3].category == "饮水安全"
    assert ledger.rows[6 - 2].unit == "扶贫办"  # the task's own columns are never copied
    assert ledger.rows[5].category is None
    assert ledger.errors == [
        RowError(
            2, "问题描述", Msg("task row with no problem above it (序号 and 问题描述 are empty)")
        )
    ]


def test_every_bad_row_is_reported_in_row_order(tmp_path: pathlib.Path) -> None:
    rows = [
        ["整改台账"],
        HEADER,
        ["", "", "", "", "无头任务", "水利局", "", "韩水", "2020-02-30"],
        FIRST,
        ["2", "", "", "问题乙", "任务乙", "财政局", "", "蒋财", "2020-13-01"],
        ["", "", "", "", "", "", "", "", ""],
        ["3", "", "", "问题丙", "任务丙", "扶贫办", "", "魏监", ""],
        ["4", "", "", "问题丁", "任务丁", "民政局", "", "杨保", "下月底"],
    ]
    ledger = read_ledger(write_csv(tmp_path / "bad.csv", rows))
    assert [row.row_number for row in ledger.rows] == [3, 4, 5, 7, 8]
    assert [(error.row_number, error.field) for error in ledger.errors] == [
        (3, "整改时限"),
        (3, "问题描述"),
        (5, "整改时限"),
        (8, "整改时限"),
    ]
    assert (
        str(ledger.errors[2])
        == "row 5, 整改时限: '2020-13-01' is not a date (month must be in 1..12)"
    )
    assert "day is out of range" in str(ledger.errors[0].message)
    # Bad and empty deadlines are both None; only the bad one is an error.
    assert [row.deadline for row in ledger.rows[2:]] == [None, None, None]
    assert ledger.rows[3].task == "任务丙"


def test_cells_are_stripped_and_units_split(tmp_path: pathlib.Path) -> None:
    units = "卫健委, 财政局；卫健委;;审计局，"
    row = [
        "1.0",
        " 自查 ",
        "\u3000",
        " 问题甲\n",
        "任务甲",
        "水利局 ",
        units,
        "韩水",
        " 2020.9.30 ",
    ]
    only = read_ledger(write_csv(tmp_path / "strip.csv", [HEADER, row])).rows[0]
    assert (only.no, only.source, only.category, only.problem) == ("1", "自查", None, "问题甲")
    assert only.unit == "水利局"
    assert only.cooperating_units == ("卫健委", "财政局", "审计局")
    assert only.deadline == datetime.date(2020, 9, 30)


@pytest.mark.parametrize(
    ("cell", "expected"), [("1", "1"), ("1.0", "1"), ("１", "1"), ("1.5", "1.5")]
)
def test_number_text_in_csv(tmp_path: pathlib.Path, cell: str, expected: str) -> None:
    row = [cell, *FIRST[1:]]
    assert read_ledger(write_csv(tmp_path / "no.csv", [HEADER, row])).rows[0].no == expected


def test_rows_blank_in_ledger_columns_are_skipped(tmp_path: pathlib.Path) -> None:
    header = [*HEADER, "备注"]
    rows = [header, [*FIRST, ""], [""] * 10, [*[""] * 9, "（下同）"], [], [*SECOND, "x"]]
    ledger = read_ledger(write_csv(tmp_path / "blank.csv", rows))
    assert [row.row_number for row in ledger.rows] == [2, 6]
    assert ledger.rows[1].problem == "供水工程氟超标"  # continuation skips over blank rows


# --- XLSX built here ------------------------------------------------------------------


def test_xlsx_with_merges_dates_and_numbers(tmp_path: pathlib.Path) -> None:
    rows: list[Sequence[object]] = [
        ["县整改台账", None, None, None, None, None, None, None, None],
        HEADER,
        [1.0, "第三方评估", "饮水安全", "问题甲", "任务一", "水利局", "卫健委、财政局", "韩水",
         datetime.datetime(2020, 10, 15)],
        [None, None, None, None, "任务二", "卫健委", None, "鲁检", None],
        [None, None, None, None, "任务三", "财政局", None, 1001, "2020年11月1日"],
        [2, "自查", "资金", "问题乙", "任务四", "扶贫办", None, "魏监",
         datetime.datetime(2020, 12, 1, 18, 30)],
        [None, None, None, None, "任务五", "民政局", None, "杨保", "2020-11-31"],
    ]  # fmt: skip
    # The title merges across; the problem cells and one deadline merge down.
    merges = ("A1:I1", "A3:A5", "B3:B5", "C3:C5", "D3:D5", "I3:I4", "A6:A7", "B6:B7", "D6:D7")
    ledger = read_ledger(write_xlsx(tmp_path / "built.xlsx", rows, merges))
    assert tasks(ledger) == [
        (3, "1", "问题甲", "任务一"),
        (4, "1", "问题甲", "任务二"),
        (5, "1", "问题甲", "任务三"),
        (6, "2", "问题乙", "任务四"),
        (7, "2", "问题乙", "任务五"),
    ]
    by_row = {row.row_number: row for row in ledger.rows}
    assert by_row[4].deadline == datetime.date(2020, 10, 15)  # from the merged deadline cell
    assert by_row[5].deadline == datetime.date(2020, 11, 1)
    assert by_row[5].person == "1001"  # numbers in text columns come through as text
    assert by_row[6].deadline == datetime.date(2020, 12, 1)
    assert by_row[7].source == "自查" and by_row[7].deadline is None
    assert by_row[7].category is None  # C7 was neither merged nor copied: 序号 is filled
    assert [str(error) for error in ledger.errors] == [
        "row 7, 整改时限: '2020-11-31' is not a date (day is out of range for month)"
    ]


def test_two_row_header_built_from_merged_cells(tmp_path: pathlib.Path) -> None:
    rows: list[list[object]] = [
        ["序号", "问题描述", "任务清单", "责任清单", None, None],
        [None, None, "整改措施", "责任单位", "责任人", "整改时限"],
        [1, "问题甲", "任务甲", "水利局", "韩水", datetime.date(2020, 10, 1)],
    ]
    ledger = read_ledger(write_xlsx(tmp_path / "two.xlsx", rows, ("A1:A2", "B1:B2", "D1:F1")))
    assert tasks(ledger) == [(3, "1", "问题甲", "任务甲")]
    assert ledger.rows[0].deadline == datetime.date(2020, 10, 1)


def test_xlsm_is_read_like_xlsx(tmp_path: pathlib.Path) -> None:
    path = write_xlsx(tmp_path / "macro.xlsm", [HEADER, FIRST])
    assert tasks(read_ledger(path)) == [(2, "1", "供水工程氟超标", "更换水源")]


def test_only_the_first_worksheet_is_read(tmp_path: pathlib.Path) -> None:
    path = write_xlsx(tmp_path / "sheets.xlsx", [HEADER, FIRST])
    book = openpyxl.load_workbook(path)
    book.create_sheet("说明").append(["not", "a", "ledger"])
    book.move_sheet("说明", offset=1)
    book.save(path)
    assert len(read_ledger(path).rows) == 1


# --- whole-file problems --------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["ledger.xls", "ledger.ods", "ledger.fods", "ledger.txt", "ledger"]
)
def test_unsupported_file_types(tmp_path: pathlib.Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"whatever")
    with pytest.raises(
        LedgerFormatError, match=r"unsupported .*; save it as \.xlsx, \.xlsm or \.csv"
    ) as caught:
        read_ledger(path)
    assert name in str(caught.value)


def test_upper_case_extension_is_supported(tmp_path: pathlib.Path) -> None:
    path = write_csv(tmp_path / "LEDGER.CSV", [HEADER, FIRST])
    assert len(read_ledger(path).rows) == 1


@pytest.mark.parametrize(
    "content", [b"", b"not a zip", b"PK\x03\x04 truncated", "序号,问题描述\n".encode()]
)
def test_corrupt_workbook(tmp_path: pathlib.Path, content: bytes) -> None:
    path = tmp_path / "corrupt.xlsx"
    path.write_bytes(content)
    with pytest.raises(
        LedgerFormatError, match=r"corrupt\.xlsx: cannot be read as an Excel workbook"
    ):
        read_ledger(path)


@pytest.mark.parametrize("name", ["absent.xlsx", "absent.csv"])
def test_missing_file(tmp_path: pathlib.Path, name: str) -> None:
    with pytest.raises(LedgerFormatError, match=f"{name}: cannot be read.*No such file"):
        read_ledger(tmp_path / name)


def test_format_error_is_a_value_error() -> None:
    assert issubclass(LedgerFormatError, ValueError)


def test_orphan_task_rows_in_a_row_all_report(tmp_path: pathlib.Path) -> None:
    rows = [HEADER, SECOND, SECOND, FIRST, SECOND]
    ledger = read_ledger(write_csv(tmp_path / "orphans.csv", rows))
    assert [(error.row_number, error.field) for error in ledger.errors] == [
        (2, "问题描述"),
        (3, "问题描述"),
    ]
    assert [row.problem for row in ledger.rows] == [None, None, "供水工程氟超标", "供水工程氟超标"]


def test_formulas_without_saved_results_are_refused(tmp_path: pathlib.Path) -> None:
    """openpyxl writes formulas without results, as a program exporting a ledger might."""
    path = tmp_path / "formulas.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["序号", "问题描述", "整改措施", "责任单位", "责任人", "整改时限"])
    sheet.append([1, "水质", "抽检", "卫健委", "鲁检", datetime.date(2020, 10, 1)])
    sheet.append(["=A2", "=B2", "复查", "卫健委", "鲁检", "=F2"])
    book.save(path)
    with pytest.raises(LedgerFormatError, match=r"cell A3 holds a formula with no saved result"):
        read_ledger(path)


# --- real county ledgers: more header names, progress, unused columns, deadline words -----


def test_header_names_of_other_counties(tmp_path: pathlib.Path) -> None:
    header = ["序号", "反馈问题", "问题表现", "整改任务", "牵头单位", "整改责任人", "完成时限"]
    header[2] = "问题来源"  # 问题表现 alone is tested below; two problem columns would clash
    row = ["1", "问题甲", "巡视反馈", "任务甲", "水利局", "韩水", "2020年9月底前"]
    ledger = read_ledger(write_csv(tmp_path / "county.csv", [header, row]))
    assert ledger.headers == {
        "no": "序号",
        "problem": "反馈问题",
        "source": "问题来源",
        "task": "整改任务",
        "unit": "牵头单位",
        "person": "整改责任人",
        "deadline": "完成时限",
    }
    assert ledger.rows[0].deadline == datetime.date(2020, 9, 30)
    for name in ("问题表现", "存在的问题", "具体问题"):
        other = [name, "整改措施", "责任单位", "责任人", "整改时限"]
        path = write_csv(
            tmp_path / "other.csv", [other, ["问题", "任务", "水利局", "韩水", "9月30日前"]]
        )
        assert read_ledger(path).rows[0].problem == "问题"


def test_progress_columns_are_kept_and_unused_columns_listed(tmp_path: pathlib.Path) -> None:
    header = ["序号", "问题描述", "整改措施", "责任领导", "责任单位", "责任人", "整改时限",
              "整改进展", "备注", "联系电话"]  # fmt: skip
    rows = [
        header,
        ["1", "问题甲", "任务甲", "王书记", "水利局", "韩水", "立行立改", "已完成排查", "", "1380"],
        ["", "", "任务乙", "", "卫健委", "鲁检", "长期坚持", "", "", ""],
    ]
    ledger = read_ledger(write_csv(tmp_path / "progress.csv", rows))
    assert ledger.ignored == ("备注", "联系电话")
    first, second = ledger.rows
    assert (first.leader, second.leader) == ("王书记", "王书记")  # a task row takes its problem's
    assert (first.deadline_kind, first.deadline) == ("immediate", datetime.date(2020, 9, 8))
    assert first.progress == "已完成排查"
    assert (second.deadline_kind, second.deadline, second.progress) == ("standing", None, None)
    assert ledger.errors == []


def test_several_progress_columns_are_kept_under_their_names(tmp_path: pathlib.Path) -> None:
    header = ["序号", "问题描述", "整改目标", "整改措施", "责任单位", "责任人", "整改时限",
              "完成情况"]  # fmt: skip
    row = ["1", "问题甲", "全部达标", "任务甲", "水利局", "韩水", "2020年10月", "正在推进"]
    only = read_ledger(write_csv(tmp_path / "two.csv", [header, row])).rows[0]
    assert only.progress == "整改目标：全部达标\n完成情况：正在推进"
    assert only.deadline == datetime.date(2020, 10, 31)


def test_lead_unit_beside_responsible_units(tmp_path: pathlib.Path) -> None:
    """牵头单位 leads; 责任单位 beside it (with no 配合单位) are the units sharing the work."""
    header = ["序号", "问题描述", "整改措施", "牵头单位", "责任单位", "责任人", "整改时限"]
    row = ["1", "问题甲", "任务甲", "水利局", "卫健委、财政局", "韩水", "2020年10月"]
    ledger = read_ledger(write_csv(tmp_path / "lead.csv", [header, row]))
    assert ledger.headers["unit"] == "牵头单位"
    assert ledger.headers["cooperating_units"] == "责任单位"
    assert ledger.rows[0].cooperating_units == ("卫健委", "财政局")


def test_header_that_cannot_be_matched_names_found_and_missing(tmp_path: pathlib.Path) -> None:
    rows = [["某县整改台账"], ["序号", "问题", "措施", "单位", "联系人", "时间"], ["1", "a"]]
    with pytest.raises(LedgerFormatError) as caught:
        read_ledger(write_csv(tmp_path / "odd.csv", rows))
    message = caught.value.message
    assert message.to("en").endswith(
        "odd.csv: no header row with the required columns in the first 5 rows; "
        "found: 序号, 问题, 措施, 单位, 联系人, 时间; "
        "missing: 整改措施 (task), 责任单位 (unit), 责任人 (person), 整改时限 (deadline)"
    )
    assert message.to("zh").endswith(
        "odd.csv：前 5 行中没有含必需列的表头行；找到的列：序号、问题、措施、单位、联系人、时间；"
        "缺少：整改措施、责任单位、责任人、整改时限"
    )


def test_row_errors_read_in_chinese(tmp_path: pathlib.Path) -> None:
    rows = [HEADER, [*FIRST[:8], "2020年13月底前"]]
    ledger = read_ledger(write_csv(tmp_path / "zh.csv", rows))
    assert [error.msg.to("zh") for error in ledger.errors] == [
        "第 2 行，整改时限：'2020年13月底前' 不是有效的时限（月份应在 1 到 12 之间）"
    ]


def test_xlsx_month_cells_mean_the_end_of_the_month(tmp_path: pathlib.Path) -> None:
    """Typed 2020年10月, Excel and WPS store a date cell shown as a month: the 1st of it."""
    path = write_xlsx(
        tmp_path / "month.xlsx", [HEADER, [*FIRST[:8], datetime.datetime(2020, 10, 1)]]
    )
    book = openpyxl.load_workbook(path)
    sheet = book.active
    assert sheet is not None
    sheet["I2"].number_format = 'yyyy"年"m"月"'
    book.save(path)
    assert read_ledger(path).rows[0].deadline == datetime.date(2020, 10, 31)
    sheet["I2"].number_format = "yyyy-mm-dd"
    book.save(path)
    assert read_ledger(path).rows[0].deadline == datetime.date(2020, 10, 1)
