"""Read a ledger (整改台账) from .xlsx/.xlsm or .csv into normalised rows.

Pure: no database, no CLI. Checking units and people against the database is the
importer's job; this module reports only what it can see in the file itself.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime
import io
import pathlib
import re
import unicodedata
import warnings
from collections.abc import Sequence
from typing import Any

from workflow.i18n import Msg
from workflow.ledger.dates import DeadlineContext, DeadlineError, parse_ledger_deadline
from workflow.ledger.headers import ALIASES, HEADER_SEARCH_ROWS, REQUIRED, Header, find_header
from workflow.ledger.messages import LedgerFormatError, RowError

__all__ = [
    "ALIASES",
    "HEADER_SEARCH_ROWS",
    "REQUIRED",
    "Ledger",
    "LedgerFormatError",
    "LedgerRow",
    "RowError",
    "read_ledger",
]

_SUPPORTED = (".xlsx", ".xlsm", ".csv")
_COOPERATING_SEPARATORS = re.compile(r"[、,，；;]")
_INTEGRAL_DECIMAL = re.compile(r"^(\d+)\.0+$")  # '1.0' typed or exported for 1


@dataclasses.dataclass(frozen=True)
class LedgerRow:
    row_number: int
    no: str | None
    source: str | None
    category: str | None
    problem: str | None
    task: str | None
    unit: str | None
    cooperating_units: tuple[str, ...]
    person: str | None
    deadline: datetime.date | None  # None: empty, unreadable or standing
    deadline_kind: str = "date"  # date | immediate | standing (长期坚持)
    progress: str | None = None  # 整改进展 / 完成情况 / 整改目标, kept on the items as text
    leader: str | None = None  # 责任领导: the problem's leader in charge, by name


@dataclasses.dataclass(frozen=True)
class Ledger:
    rows: list[LedgerRow]
    errors: list[RowError]
    headers: dict[str, str]
    ignored: tuple[str, ...] = ()  # header texts of columns the importer does not use


# A sheet row as (row number shown by the spreadsheet, raw cells, cells with merges filled).
_SheetRow = tuple[int, Sequence[object], Sequence[object]]


def read_ledger(path: pathlib.Path, context: DeadlineContext) -> Ledger:
    """Read every data row of the ledger at *path*; per-row problems go to Ledger.errors.

    `context` gives deadlines without a year their year and 立行立改 its date."""
    suffix = path.suffix.lower()
    if suffix not in _SUPPORTED:
        raise LedgerFormatError(
            Msg(
                "{file}: unsupported file type {suffix}; save it as .xlsx, .xlsm or .csv",
                file=str(path),
                suffix=suffix or "''",
            )
        )
    sheet = _load_csv(path) if suffix == ".csv" else _load_workbook(path)
    header = find_header(str(path), [filled for _, _, filled in sheet])
    used = [*header.columns.values(), *(column for column, _ in header.progress)]
    rows: list[LedgerRow] = []
    errors: list[RowError] = []
    for number, raw, filled in sheet[header.index + 1 :]:
        # Blank means blank in the ledger's own columns: a stray note in an extra column or a
        # merge running past the last task does not make a task.
        if all(_text(_cell(raw, col)) is None for col in used):
            continue
        row = _build_row(number, filled, header, context, errors)
        if row.no is None and row.problem is None:
            row = _continue_problem(row, rows[-1] if rows else None, header.headers, errors)
        rows.append(row)
    return Ledger(rows=rows, errors=errors, headers=header.headers, ignored=header.ignored)


def _load_csv(path: pathlib.Path) -> list[_SheetRow]:
    try:
        records = list(csv.reader(io.StringIO(_decode(path.read_bytes()), newline="")))
    except OSError as exc:
        raise LedgerFormatError(
            Msg("{file}: cannot be read ({reason})", file=str(path), reason=exc.strerror or exc)
        ) from None
    except UnicodeDecodeError:
        raise LedgerFormatError(
            Msg(
                "{file}: is neither UTF-8 nor GBK/GB18030 text; save it as CSV UTF-8",
                file=str(path),
            )
        ) from None
    except csv.Error as exc:
        raise LedgerFormatError(
            Msg("{file}: not a readable CSV file ({reason})", file=str(path), reason=str(exc))
        ) from None
    records = [[_undefused(cell) for cell in record] for record in records]
    # Spreadsheets show one row per CSV record even when a quoted cell spans lines.
    return [(number, record, record) for number, record in enumerate(records, start=1)]


# A CSV written by `rectify export` (or any careful program) puts ' before text a spreadsheet
# would run as a formula; the text itself is what follows.
_DEFUSED = re.compile(r"^'(?=[=+\-@\t\r])")


def _undefused(cell: str) -> str:
    return _DEFUSED.sub("", cell, count=1)


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel on Chinese Windows saves "CSV (逗号分隔)" in the ANSI code page, i.e. GBK,
        # and GB18030 is its superset.
        return data.decode("gb18030")


def _load_workbook(path: pathlib.Path) -> list[_SheetRow]:
    import openpyxl  # deferred: CSV-only callers should not pay for importing it

    try:
        with warnings.catch_warnings():
            # Files from LibreOffice/WPS trigger openpyxl warnings about styles and
            # extensions it drops; none of them affects the cell values read here.
            warnings.simplefilter("ignore")
            # Not read_only: merged ranges are only available on a fully loaded sheet.
            book = openpyxl.load_workbook(path, data_only=True)
    except Exception as exc:
        # openpyxl surfaces corrupt files as zipfile, KeyError, XML parse and other errors;
        # all mean the same to the user.
        reason = getattr(exc, "strerror", None) or exc
        raise LedgerFormatError(
            Msg(
                "{file}: cannot be read as an Excel workbook ({reason})",
                file=str(path),
                reason=str(reason),
            )
        ) from None
    try:
        if not book.worksheets:
            raise LedgerFormatError(Msg("{file}: the workbook has no worksheet", file=str(path)))
        sheet = book.worksheets[0]
        raw = [[_cell_value(cell) for cell in cells] for cells in sheet.iter_rows()]
        filled = [list(values) for values in raw]
        for merged in sheet.merged_cells.ranges:
            if merged.min_row > len(raw):  # a merge of empty cells below the data
                continue
            top_left = _cell(raw[merged.min_row - 1], merged.min_col - 1)
            # Down the rows only: a title merged across columns must not fill every column.
            for row in range(merged.min_row, min(merged.max_row, len(filled)) + 1):
                if merged.min_col <= len(filled[row - 1]):
                    filled[row - 1][merged.min_col - 1] = top_left
    finally:
        book.close()
    _refuse_unsaved_formulas(path, raw)
    return [(index, raw[index - 1], filled[index - 1]) for index in range(1, len(raw) + 1)]


def _cell_value(cell: Any) -> object:
    """A cell's value; a date cell shown as a month only ('2020年10月', what Excel and WPS make
    of that typed text) stays a month, which a ledger deadline reads as the month's end."""
    value = cell.value
    if isinstance(value, datetime.datetime) and cell.is_date:
        shown = re.sub(r'"[^"]*"|\\.|\[[^]]*\]', "", str(cell.number_format).lower())
        if "y" in shown and "m" in shown and not re.search(r"[dhs]", shown):
            return f"{value.year}年{value.month}月"
    return value


def _refuse_unsaved_formulas(path: pathlib.Path, raw: list[list[object]]) -> None:
    """A formula cell shows its last computed value, which a file written by a program (not
    by Excel, WPS or LibreOffice) may lack: read as empty, a row would be dropped or a
    deadline missing without a word. Such a file is refused, naming the first such cell."""
    import zipfile

    import openpyxl
    from openpyxl.utils import get_column_letter

    with zipfile.ZipFile(path) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
        if not any(b"<f" in archive.read(name) for name in sheets):
            return  # no formulas at all: the usual case, and no second read
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book = openpyxl.load_workbook(path, data_only=False)
    try:
        for row in book.worksheets[0].iter_rows():
            for cell in row:
                is_formula = isinstance(cell.value, str) and cell.value.startswith("=")
                row_values = raw[cell.row - 1] if cell.row <= len(raw) else []
                if is_formula and _cell(row_values, cell.column - 1) is None:
                    where = f"{get_column_letter(cell.column)}{cell.row}"
                    raise LedgerFormatError(
                        Msg(
                            "{file}: cell {cell} holds a formula with no saved result; open the "
                            "file in Excel or WPS and save it, or paste the values",
                            file=str(path),
                            cell=where,
                        )
                    )
    finally:
        book.close()


def _build_row(
    number: int,
    cells: Sequence[object],
    header: Header,
    context: DeadlineContext,
    errors: list[RowError],
) -> LedgerRow:
    columns = header.columns

    def text(field: str) -> str | None:
        return _text(_cell(cells, columns[field])) if field in columns else None

    deadline: datetime.date | None = None
    kind = "date"
    raw_deadline = _cell(cells, columns["deadline"])
    if _text(raw_deadline) is not None:
        try:
            parsed = parse_ledger_deadline(raw_deadline, context)
            deadline, kind = parsed.date, parsed.kind
        except DeadlineError as exc:
            errors.append(RowError(number, header.headers["deadline"], exc.message))
    no = text("no")
    return LedgerRow(
        row_number=number,
        no=_INTEGRAL_DECIMAL.sub(r"\1", unicodedata.normalize("NFKC", no)) if no else None,
        source=text("source"),
        category=text("category"),
        problem=text("problem"),
        task=text("task"),
        unit=text("unit"),
        cooperating_units=_split_units(text("cooperating_units")),
        person=text("person"),
        deadline=deadline,
        deadline_kind=kind,
        progress=_progress(cells, header.progress),
        leader=text("leader"),
    )


def _progress(cells: Sequence[object], progress: tuple[tuple[int, str], ...]) -> str | None:
    """The progress column's text; with several (整改目标 and 整改进展), each under its name."""
    texts = [(name, _text(_cell(cells, column))) for column, name in progress]
    given = [(name, value) for name, value in texts if value is not None]
    if len(progress) == 1:
        return given[0][1] if given else None
    return "\n".join(f"{name}：{value}" for name, value in given) or None


def _continue_problem(
    row: LedgerRow, previous: LedgerRow | None, headers: dict[str, str], errors: list[RowError]
) -> LedgerRow:
    """A row without 序号 and 问题描述 is another task of the problem above it."""
    if previous is None or previous.problem is None:
        message = Msg("task row with no problem above it (序号 and 问题描述 are empty)")
        errors.append(RowError(row.row_number, headers["problem"], message))
        return row
    return dataclasses.replace(
        row,
        no=previous.no,
        source=previous.source,
        category=previous.category,
        problem=previous.problem,
        leader=row.leader or previous.leader,
    )


def _cell(cells: Sequence[object], column: int) -> object:
    return cells[column] if column < len(cells) else None


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # Excel stores every number as float: 1.0 means 1
    elif isinstance(value, datetime.datetime) and value.time() == datetime.time():
        value = value.date()
    text = str(value).strip()
    return text or None


def _split_units(text: str | None) -> tuple[str, ...]:
    if text is None:
        return ()
    parts = (part.strip() for part in _COOPERATING_SEPARATORS.split(text))
    return tuple(dict.fromkeys(part for part in parts if part))
