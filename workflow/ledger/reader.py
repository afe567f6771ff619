"""Read a ledger (整改台账) from .xlsx/.xlsm or .csv into normalised rows.

Pure: no database, no CLI. Checking units and people against the database is the
importer's job; this module reports only what it can see in the file itself.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime
import functools
import io
import itertools
import pathlib
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Generator, Iterable, Iterator, Sequence
from typing import Any

from workflow.i18n import Msg
from workflow.ledger.dates import DeadlineContext, DeadlineError, parse_ledger_deadline
from workflow.ledger.guards import check_workbook, csv_encoding
from workflow.ledger.headers import ALIASES, HEADER_SEARCH_ROWS, REQUIRED, Header, find_header
from workflow.ledger.messages import LedgerFormatError, RowError

__all__ = [
    "ALIASES",
    "HEADER_SEARCH_ROWS",
    "REQUIRED",
    "Ledger",
    "LedgerFormatError",
    "LedgerRow",
    "LedgerStream",
    "RowError",
    "open_ledger",
    "read_ledger",
]

_SUPPORTED = (".xlsx", ".xlsm", ".csv")
_COOPERATING_SEPARATORS = re.compile(r"[、,，；;]")
_INTEGRAL_DECIMAL = re.compile(r"^(\d+)\.0+$")  # '1.0' typed or exported for 1


@dataclasses.dataclass(frozen=True, slots=True)
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


class LedgerStream:
    """A ledger read row by row: the header is found on opening, the rows come as they are
    read, so a ledger of a million rows is never held in memory. `errors` grows as rows are
    read: after a row has come out, the reader's errors of that row are in it."""

    def __init__(self, path: pathlib.Path, context: DeadlineContext) -> None:
        self.path, self.context = path, context
        self.errors: list[RowError] = []
        self.rows_read = 0  # data rows yielded so far
        suffix = path.suffix.lower()
        if suffix not in _SUPPORTED:
            raise LedgerFormatError(
                Msg(
                    "{file}: unsupported file type {suffix}; save it as .xlsx, .xlsm or .csv",
                    file=str(path),
                    suffix=suffix or "''",
                )
            )
        if suffix == ".csv":
            sheet, self.size_hint = _load_csv(path)
        else:
            sheet, self.size_hint = _load_workbook(path)
        self._sheet = iter(sheet)
        try:
            first = list(itertools.islice(self._sheet, HEADER_SEARCH_ROWS))
            self.header = find_header(str(path), [filled for _, _, filled in first])
        except BaseException:
            self.close()
            raise
        self.headers = self.header.headers
        self.ignored = self.header.ignored
        self._pending = first[self.header.index + 1 :]

    def close(self) -> None:
        """Close the file (the workbook) however far it was read."""
        close = getattr(self._sheet, "close", None)
        if close is not None:
            close()

    def __enter__(self) -> LedgerStream:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __iter__(self) -> Iterator[LedgerRow]:
        header, context, errors = self.header, self.context, self.errors
        used = [*header.columns.values(), *(column for column, _ in header.progress)]
        previous: LedgerRow | None = None
        for number, raw, filled in _chain(self._pending, self._sheet):
            # Blank means blank in the ledger's own columns: a stray note in an extra column
            # or a merge running past the last task does not make a task.
            if all(_text(_cell(raw, col)) is None for col in used):
                continue
            row = _build_row(number, filled, header, context, errors)
            if row.no is None and row.problem is None:
                row = _continue_problem(row, previous, header.headers, errors)
            previous = row
            self.rows_read += 1
            yield row


def open_ledger(path: pathlib.Path, context: DeadlineContext) -> LedgerStream:
    """The ledger at *path*, its header found, its rows to be read one by one.

    `context` gives deadlines without a year their year and 立行立改 its date."""
    return LedgerStream(path, context)


def read_ledger(path: pathlib.Path, context: DeadlineContext) -> Ledger:
    """Read every data row of the ledger at *path*; per-row problems go to Ledger.errors."""
    with open_ledger(path, context) as stream:
        rows = list(stream)
    return Ledger(rows=rows, errors=stream.errors, headers=stream.headers, ignored=stream.ignored)


def _chain(first: Iterable[_SheetRow], rest: Iterator[_SheetRow]) -> Iterator[_SheetRow]:
    yield from first
    yield from rest


_CHUNK = 1 << 20


def _load_csv(path: pathlib.Path) -> tuple[Iterator[_SheetRow], int]:
    """The CSV's records, streamed, and the number of lines (an upper bound on the records).

    The encoding is settled first from the whole file, read in chunks (guards.csv_encoding);
    the records are then parsed as they are read, never held all at once."""
    try:
        lines = _count_lines(path)
        encoding = csv_encoding(path)  # never GB18030 for a UTF-8 file with a stray byte
        handle = path.open(encoding=encoding, newline="")
    except OSError as exc:
        raise LedgerFormatError(
            Msg("{file}: cannot be read ({reason})", file=str(path), reason=exc.strerror or exc)
        ) from None
    return _csv_records(path, handle), lines


def _count_lines(path: pathlib.Path) -> int:
    """Lines in the file (for the progress bar: an upper bound on its records)."""
    lines = 1
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            lines += chunk.count(b"\n")
    return lines


def _csv_records(path: pathlib.Path, handle: io.TextIOWrapper) -> Iterator[_SheetRow]:
    with handle:
        try:
            # Spreadsheets show one row per CSV record even when a quoted cell spans lines.
            for number, record in enumerate(csv.reader(handle), start=1):
                cells = [_undefused(cell) for cell in record]
                yield number, cells, cells
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


# A CSV written by `rectify export` (or any careful program) puts ' before text a spreadsheet
# would run as a formula; the text itself is what follows.
_DEFUSED = re.compile(r"^'(?=[=+\-@\t\r])")


def _undefused(cell: str) -> str:
    return _DEFUSED.sub("", cell, count=1)


def _load_workbook(path: pathlib.Path) -> tuple[Iterator[_SheetRow], int]:
    """The first sheet's rows, streamed (openpyxl read-only), and its row count if known.

    A read-only sheet does not give its merged ranges, so they are read from the sheet's XML
    first (a scan of the bytes, not a parse); a merged 序号 or 问题描述 fills the rows below."""
    import openpyxl  # deferred: CSV-only callers should not pay for importing it

    check_workbook(path)  # a zip bomb is refused before anything is inflated
    try:
        with warnings.catch_warnings():
            # Files from LibreOffice/WPS trigger openpyxl warnings about styles and
            # extensions it drops; none of them affects the cell values read here.
            warnings.simplefilter("ignore")
            book = openpyxl.load_workbook(path, data_only=True, read_only=True)
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
        merges, formulas = _scan_sheet(path, sheet._worksheet_path)
    except BaseException:
        book.close()
        raise
    return _sheet_rows(path, book, merges, formulas), sheet.max_row or 0


# <mergeCell ref="A3:A5"/>, with or without a namespace prefix; <f> or <f t="shared" ...>.
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"')
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")


def _scan_sheet(path: pathlib.Path, member: str) -> tuple[dict[int, list[tuple[int, int]]], bool]:
    """The sheet's vertical merges by first row as (column, last row), and whether any cell
    holds a formula: one pass over the inflated XML, a chunk at a time."""
    from openpyxl.utils import column_index_from_string

    merges: dict[int, list[tuple[int, int]]] = {}
    formulas = False
    tail = b""
    with zipfile.ZipFile(path) as archive, archive.open(member.lstrip("/")) as source:
        while chunk := source.read(_CHUNK):
            text = tail + chunk
            formulas = formulas or _FORMULA.search(text) is not None
            # Keep the end of the chunk: a tag may be cut in two.
            cut = max(0, len(text) - 256)
            cut = text.rfind(b"<", cut) if text.rfind(b"<", cut) >= 0 else len(text)
            for match in _MERGE.finditer(text, 0, cut):
                first_col, first_row, _, last_row = match.groups()
                top = int(first_row)
                bottom = int(last_row) if last_row else top
                if bottom > top:
                    column = column_index_from_string(first_col.decode())
                    merges.setdefault(top, []).append((column, bottom))
            tail = text[cut:]
    for match in _MERGE.finditer(tail):
        first_col, first_row, _, last_row = match.groups()
        if last_row and int(last_row) > int(first_row):
            column = column_index_from_string(first_col.decode())
            merges.setdefault(int(first_row), []).append((column, int(last_row)))
    return merges, formulas


def _sheet_rows(
    path: pathlib.Path, book: Any, merges: dict[int, list[tuple[int, int]]], formulas: bool
) -> Iterator[_SheetRow]:
    formula_rows = _formula_rows(path) if formulas else None
    active: list[tuple[int, int, object]] = []  # (column, last row, top-left value)
    try:
        for number, cells in enumerate(book.worksheets[0].iter_rows(), start=1):
            raw = [_cell_value(cell) for cell in cells]
            if formula_rows is not None:
                _refuse_unsaved_formulas(path, number, raw, next(formula_rows, ()))
            if number in merges:
                active += [(col, last, _cell(raw, col - 1)) for col, last in merges[number]]
            filled = raw
            if active:
                active = [merge for merge in active if merge[1] >= number]
                filled = list(raw)
                # Down the rows only: a title merged across columns must not fill every
                # column.
                for column, _, value in active:
                    if column > len(filled):
                        filled += [None] * (column - len(filled))
                    filled[column - 1] = value
            yield number, raw, filled
    finally:
        book.close()
        if formula_rows is not None:
            formula_rows.close()


def _formula_rows(path: pathlib.Path) -> Generator[Sequence[Any]]:
    import openpyxl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book = openpyxl.load_workbook(path, data_only=False, read_only=True)
    try:
        yield from book.worksheets[0].iter_rows()
    finally:
        book.close()


def _cell_value(cell: Any) -> object:
    """A cell's value; a date cell shown as a month only ('2020年10月', what Excel and WPS make
    of that typed text) stays a month, which a ledger deadline reads as the month's end."""
    value = cell.value
    if isinstance(value, datetime.datetime) and cell.is_date:
        shown = re.sub(r'"[^"]*"|\\.|\[[^]]*\]', "", str(cell.number_format).lower())
        if "y" in shown and "m" in shown and not re.search(r"[dhs]", shown):
            return f"{value.year}年{value.month}月"
    return value


def _refuse_unsaved_formulas(
    path: pathlib.Path, number: int, values: list[object], formulas: Sequence[Any]
) -> None:
    """A formula cell shows its last computed value, which a file written by a program (not
    by Excel, WPS or LibreOffice) may lack: read as empty, a row would be dropped or a
    deadline missing without a word. Such a file is refused, naming the first such cell."""
    from openpyxl.utils import get_column_letter

    for column, cell in enumerate(formulas, start=1):
        value = getattr(cell, "value", None)
        if isinstance(value, str) and value.startswith("=") and _cell(values, column - 1) is None:
            raise LedgerFormatError(
                Msg(
                    "{file}: cell {cell} holds a formula with no saved result; open the "
                    "file in Excel or WPS and save it, or paste the values",
                    file=str(path),
                    cell=f"{get_column_letter(column)}{number}",
                )
            )


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
            parsed = _parse_deadline(raw_deadline, context)
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


@functools.lru_cache(maxsize=4096)
def _parse_deadline(raw: object, context: DeadlineContext) -> Any:
    """parse_ledger_deadline, once per distinct cell: a ledger has few distinct deadlines."""
    return parse_ledger_deadline(raw, context)


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
