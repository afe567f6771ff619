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

from workflow.ledger.dates import parse_deadline

__all__ = ["Ledger", "LedgerFormatError", "LedgerRow", "RowError", "read_ledger"]

REQUIRED = ("problem", "task", "unit", "person", "deadline")
# Keys are header texts after _header_key(); the first Chinese name of each field is
# the one offices use most and is what error messages suggest.
ALIASES: dict[str, tuple[str, ...]] = {
    "no": ("序号", "编号", "no", "no.", "number"),
    "source": ("问题来源", "来源", "source"),
    "category": ("问题类别", "问题类型", "问题分类", "类别", "category"),
    "problem": ("问题描述", "存在问题", "问题内容", "问题", "problem"),
    "task": ("整改措施", "整改任务", "整改举措", "task"),
    "unit": ("责任单位", "牵头单位", "主责单位", "unit"),
    "cooperating_units": ("配合单位", "协办单位", "协同单位", "cooperatingunits"),
    "person": ("责任人", "具体责任人", "person"),
    "deadline": ("整改时限", "完成时限", "整改期限", "完成时间", "deadline"),
}
_FIELD_BY_KEY = {key: field for field, keys in ALIASES.items() for key in keys}
HEADER_SEARCH_ROWS = 5
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
    deadline: datetime.date | None


@dataclasses.dataclass(frozen=True)
class RowError:
    row_number: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row_number}, {self.field}: {self.message}"


@dataclasses.dataclass(frozen=True)
class Ledger:
    rows: list[LedgerRow]
    errors: list[RowError]
    headers: dict[str, str]


class LedgerFormatError(ValueError):
    """The file as a whole cannot be read as a ledger."""


# A sheet row as (row number shown by the spreadsheet, raw cells, cells with merges filled).
_SheetRow = tuple[int, Sequence[object], Sequence[object]]


def read_ledger(path: pathlib.Path) -> Ledger:
    """Read every data row of the ledger at *path*; per-row problems go to Ledger.errors."""
    suffix = path.suffix.lower()
    if suffix not in _SUPPORTED:
        kind = f"file type {suffix}" if suffix else "file without extension"
        raise LedgerFormatError(f"{path}: unsupported {kind}; save it as .xlsx, .xlsm or .csv")
    sheet = _load_csv(path) if suffix == ".csv" else _load_workbook(path)
    header_at, columns, headers = _find_header(path, sheet)
    rows: list[LedgerRow] = []
    errors: list[RowError] = []
    for number, raw, filled in sheet[header_at + 1 :]:
        # Blank means blank in the ledger's own columns: a stray note in an extra column or a
        # merge running past the last task does not make a task.
        if all(_text(_cell(raw, col)) is None for col in columns.values()):
            continue
        row = _build_row(number, filled, columns, headers, errors)
        if row.no is None and row.problem is None:
            row = _continue_problem(row, rows[-1] if rows else None, headers, errors)
        rows.append(row)
    return Ledger(rows=rows, errors=errors, headers=headers)


def _load_csv(path: pathlib.Path) -> list[_SheetRow]:
    try:
        records = list(csv.reader(io.StringIO(_decode(path.read_bytes()), newline="")))
    except OSError as exc:
        raise LedgerFormatError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        message = "is neither UTF-8 nor GBK/GB18030 text; save it as CSV UTF-8"
        raise LedgerFormatError(f"{path}: {message}") from None
    except csv.Error as exc:
        raise LedgerFormatError(f"{path}: not a readable CSV file ({exc})") from None
    # Spreadsheets show one row per CSV record even when a quoted cell spans lines.
    return [(number, record, record) for number, record in enumerate(records, start=1)]


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
        raise LedgerFormatError(f"{path}: cannot be read as an Excel workbook ({reason})") from None
    try:
        if not book.worksheets:
            raise LedgerFormatError(f"{path}: the workbook has no worksheet")
        sheet = book.worksheets[0]
        raw = [list(values) for values in sheet.iter_rows(values_only=True)]
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
                        f"{path}: cell {where} holds a formula with no saved result; open the "
                        "file in Excel or WPS and save it, or paste the values"
                    )
    finally:
        book.close()


def _find_header(
    path: pathlib.Path, sheet: list[_SheetRow]
) -> tuple[int, dict[str, int], dict[str, str]]:
    """Return (index in sheet, field -> column, field -> header text) of the header row."""
    best: dict[str, int] = {}
    for index, (_, _, cells) in enumerate(sheet[:HEADER_SEARCH_ROWS]):
        columns: dict[str, int] = {}
        headers: dict[str, str] = {}
        clash = ""
        for column, cell in enumerate(cells):
            text = _text(cell)
            field = _FIELD_BY_KEY.get(_header_key(text)) if text is not None else None
            if text is None or field is None:
                continue
            if field in columns:
                clash = clash or f"{headers[field]!r} and {_header_text(text)!r} both mean {field}"
            else:
                columns[field], headers[field] = column, _header_text(text)
        if all(field in columns for field in REQUIRED):
            if clash:  # guessing which of the two columns is meant would mis-assign tasks
                raise LedgerFormatError(f"{path}: columns {clash}; keep one")
            return index, columns, headers
        if len(columns) > len(best):
            best = columns
    missing = ", ".join(f"{ALIASES[f][0]} ({f})" for f in REQUIRED if f not in best)
    raise LedgerFormatError(
        f"{path}: no header row with the required columns in the first "
        f"{HEADER_SEARCH_ROWS} rows; missing: {missing}"
    )


def _build_row(
    number: int,
    cells: Sequence[object],
    columns: dict[str, int],
    headers: dict[str, str],
    errors: list[RowError],
) -> LedgerRow:
    def text(field: str) -> str | None:
        return _text(_cell(cells, columns[field])) if field in columns else None

    deadline: datetime.date | None = None
    raw_deadline = _cell(cells, columns["deadline"])
    if _text(raw_deadline) is not None:
        try:
            deadline = parse_deadline(raw_deadline)
        except ValueError as exc:
            errors.append(RowError(number, headers["deadline"], str(exc)))
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
    )


def _continue_problem(
    row: LedgerRow, previous: LedgerRow | None, headers: dict[str, str], errors: list[RowError]
) -> LedgerRow:
    """A row without 序号 and 问题描述 is another task of the problem above it."""
    if previous is None or previous.problem is None:
        message = "task row with no problem above it (序号 and 问题描述 are empty)"
        errors.append(RowError(row.row_number, headers["problem"], message))
        return row
    return dataclasses.replace(
        row,
        no=previous.no,
        source=previous.source,
        category=previous.category,
        problem=previous.problem,
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


def _header_key(text: str) -> str:
    """Matching key for a header cell: case, spaces, markers and trailing notes ignored."""
    key = re.sub(r"[\s_\-*]", "", unicodedata.normalize("NFKC", text).lower())
    # '整改时限(年月日)' and '责任人：' are the same column as '整改时限' and '责任人'.
    return re.sub(r"\([^()]*\)$", "", key).rstrip(":")


def _header_text(text: str) -> str:
    """Header as shown in messages: line breaks inside CJK headers ('整改\\n时限') dropped."""
    collapsed = " ".join(text.split())
    return re.sub(r"(?<=[^\x00-\x7f]) | (?=[^\x00-\x7f])", "", collapsed)
