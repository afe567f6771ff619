"""Write a ledger (整改台账) as .xlsx or .csv, in the columns the reader (reader.py) reads.

Pure: rows in, file out. A problem's rows follow each other; in .xlsx its 序号, 问题来源,
问题类别 and 问题描述 cells are merged down its rows, as offices lay ledgers out (the reader fills
merges down). Text that a spreadsheet would run as a formula (=, +, -, @, tab, CR) is kept as
text: in .xlsx a string cell with the quote prefix (the text itself unchanged, so it imports
back as written); in .csv, where there is no cell type, with a leading ' (output._defuse).
"""

from __future__ import annotations

import csv
import datetime
import pathlib
from collections.abc import Sequence

from workflow.output import _defuse

__all__ = ["COLUMNS", "DATE_FORMAT", "MERGED", "write_ledger"]

Cell = str | int | datetime.date | None

# (header, width in Excel character units: a Chinese character counts about two)
COLUMNS: tuple[tuple[str, int], ...] = (
    ("序号", 6),
    ("问题来源", 14),
    ("问题类别", 12),
    ("问题描述", 40),
    ("整改措施", 40),
    ("责任单位", 14),
    ("配合单位", 20),
    ("责任人", 10),
    ("整改时限", 16),
    ("整改进展", 30),
    # Not 编号: the reader takes 编号 as another name of 序号.
    ("事项编号", 10),
    ("角色", 6),
    ("状态", 8),
    ("预警", 6),
    ("原整改时限", 16),
    ("延期次数", 8),
    ("销号日期", 16),
)
MERGED = ("序号", "问题来源", "问题类别", "问题描述")  # one per problem, merged down its rows
DATE_FORMAT = 'yyyy"年"m"月"d"日"'
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def write_ledger(path: pathlib.Path, problems: Sequence[Sequence[Sequence[Cell]]]) -> None:
    """Write `problems` (each a list of rows in COLUMNS order) to `path` (.xlsx or .csv)."""
    if path.suffix.lower() == ".csv":
        _write_csv(path, problems)
    else:
        _write_xlsx(path, problems)


def _write_csv(path: pathlib.Path, problems: Sequence[Sequence[Sequence[Cell]]]) -> None:
    # utf-8-sig: Excel on Chinese Windows opens a CSV without a BOM as GBK.
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow([header for header, _ in COLUMNS])
        for rows in problems:
            writer.writerows([[_csv_cell(value) for value in row] for row in rows])


def _csv_cell(value: Cell) -> str | int:
    if isinstance(value, datetime.date):
        return f"{value.year}年{value.month}月{value.day}日"
    return "" if value is None else _defuse(value)


def _write_xlsx(path: pathlib.Path, problems: Sequence[Sequence[Sequence[Cell]]]) -> None:
    import openpyxl  # deferred: CSV exports should not pay for importing it
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "责任清单"
    sheet.append([header for header, _ in COLUMNS])
    for column, (_, width) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
        sheet.cell(1, column).font = Font(bold=True)
    sheet.freeze_panes = "A2"
    wrap = Alignment(wrap_text=True, vertical="center")
    merged = [index for index, (header, _) in enumerate(COLUMNS, start=1) if header in MERGED]
    row_number = 1
    for rows in problems:
        first = row_number + 1
        for row in rows:
            row_number += 1
            for column, value in enumerate(row, start=1):
                if value is None or (column in merged and row_number > first):
                    continue  # a merged cell keeps only its top-left value
                cell = sheet.cell(row_number, column)
                cell.value = value
                cell.alignment = wrap
                if isinstance(value, datetime.date):
                    cell.number_format = DATE_FORMAT
                elif isinstance(value, str) and value.startswith(_FORMULA_START):
                    cell.data_type = "s"  # openpyxl took it for a formula
                    cell.quotePrefix = True  # and so does Excel on editing, without this
        if row_number > first:
            for column in merged:
                sheet.merge_cells(
                    start_row=first, start_column=column, end_row=row_number, end_column=column
                )
    book.save(path)
