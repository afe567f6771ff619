"""`rectify import FILE --campaign TP` over random and hostile ledgers (issue 8, point 8):
wrong encodings, huge cells, formulas, missing or repeated columns, impossible dates, files
that are not what their extension says, empty files and bare headers. Whatever the file, the
command exits 0 or 1 in bounded time without a traceback; a refusal is one `Error:` line and
changes nothing in the database."""

from __future__ import annotations

import io
import random
import struct
import zlib
from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from tests.conftest import Rectify
from tests.properties import Pristine, check_outcome, counts, time_limit


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    """SQLite only (see tests/properties/__init__.py)."""
    return "sqlite:///" + str(tmp_path / "rectify.db")


@pytest.fixture
def pristine(county: Rectify) -> Pristine:
    return Pristine(county.db_url)


ZH = [
    "序号",
    "问题来源",
    "问题类别",
    "问题描述",
    "整改措施",
    "责任单位",
    "配合单位",
    "责任人",
    "整改时限",
]
EN = ["no", "source", "category", "problem", "task", "unit", "cooperating_units", "person",
      "deadline"]  # fmt: skip
FIELDS = dict(zip(ZH, EN, strict=True)) | {name: name for name in EN}

# A cell each column would accept in the county of conftest.py (campaign TP, 底线 2020-11-30).
GOOD: dict[str, st.SearchStrategy[Any]] = {
    "no": st.sampled_from(["1", "2", "3", ""]),
    "source": st.sampled_from(["自查", "国务院成效考核", ""]),
    "category": st.sampled_from(["饮水安全", ""]),
    "problem": st.sampled_from(["水质不达标", "供水不稳", ""]),
    "task": st.sampled_from(["加装净水设备", "修复管网"]),
    "unit": st.sampled_from(["slj", "水利局", "wjw", "各乡镇"]),
    "cooperating_units": st.sampled_from(["", "wjw；czj", "卫健委、财政局"]),
    "person": st.sampled_from(["韩水", "鲁检", "秦书"]),
    "deadline": st.sampled_from(["2020-10-01", "2020/9/30", "2020年10月15日", "立行立改"]),
}

HOSTILE_WORDS = [
    "=cmd|' /C calc'!A0", "=1+1", "+1", "-1", "@SUM(A1:A9)", '=HYPERLINK("http://x","y")',
    "2020-02-30", "0000-00-00", "99999", "0", "1899-12-30", "0001-01-01", "9999-12-31",
    "2020-13-01", "2020年13月1日", "NaN", "inf", "1e308", "44105", "-44105",
    "\x00", "a\x00b", "\x1b[2J\x1b[31m", "\a", "\u202eRTL", "\u2066x\u2069", "\r", "\n",
    "", " ", "\u3000", "\ufeff", '"', "'", "''", "'; DROP TABLE items; --", "%s%n%x%d",
    "{0}", "{file}", "{row!r}", "\\", "NULL", "None", "长期坚持", "立行立改", "各乡镇",
    "slj；slj；slj", "韩水@slj", "\udcff",
]  # fmt: skip
HOSTILE: st.SearchStrategy[str] = st.one_of(
    st.sampled_from(HOSTILE_WORDS),
    st.text(max_size=20),
    st.builds(
        lambda ch, n: ch * n,
        st.sampled_from(["x", "问", "\x00", " "]),
        st.sampled_from([300, 100_000]),
    ),
)

ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "gb18030", "gb18030+stray", "utf-8+stray", "cp1252"]
KINDS = ["csv", "xlsx", "xlsx-named-csv", "csv-named-xlsx", "png-named-xlsx", "random", "empty"]

PNG = (
    b"\x89PNG\r\n\x1a\n"
    + struct.pack(">I", 13) + b"IHDR" + struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    + struct.pack(">I", zlib.crc32(b"IHDR" + struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)))
    + struct.pack(">I", 0) + b"IEND" + struct.pack(">I", zlib.crc32(b"IEND"))
)  # fmt: skip


@st.composite
def ledgers(draw: st.DrawFn) -> tuple[list[str], list[list[Any]]]:
    """A header (whole, shuffled, or with columns missing or repeated) and a few rows whose
    cells are mostly good, some hostile."""
    names = draw(st.sampled_from([ZH, EN]))
    header = draw(
        st.one_of(
            st.just(names),
            st.permutations(names),
            st.lists(st.sampled_from(names), max_size=12),
            st.lists(st.one_of(st.sampled_from(names), HOSTILE), max_size=10),
        )
    )
    rows = []
    for _ in range(draw(st.integers(0, 4))):
        row = [
            draw(st.one_of(GOOD[FIELDS[h]], HOSTILE) if h in FIELDS else HOSTILE) for h in header
        ]
        rows.append(row + draw(st.lists(HOSTILE, max_size=2)))  # sometimes cells past the header
    return [str(h) for h in header], rows


def _csv_bytes(
    header: list[str], rows: list[list[Any]], encoding: str, rng: random.Random
) -> bytes:
    import csv

    out = io.StringIO()
    csv.writer(out).writerows([header, *rows])
    text = out.getvalue()
    codec = encoding.removesuffix("+stray")
    data = text.encode(codec, errors="surrogateescape" if codec.startswith("utf-8") else "replace")
    if encoding.endswith("+stray") and data:
        at = rng.randrange(len(data))
        data = data[:at] + rng.choice([b"\xff", b"\x80", b"\xfe\xfe", b"\xc3"]) + data[at:]
    return data


def _xlsx_bytes(header: list[str], rows: list[list[Any]], extra: list[Any]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in [header, *rows, extra]:
        sheet.append([_xlsx_value(value) for value in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _xlsx_value(value: Any) -> Any:
    if isinstance(value, str):
        # openpyxl refuses control characters and lone surrogates: what Excel could never hold.
        value = ILLEGAL_CHARACTERS_RE.sub("", value).encode("utf-8", "replace").decode()
        return value[:32_767]  # Excel's limit on a cell
    return value


# Values only an .xlsx can hold: numbers read as Excel serials, dates far off, booleans.
XLSX_EXTRA = st.lists(
    st.one_of(
        st.integers(-(10**6), 10**7),
        st.floats(allow_nan=True, allow_infinity=False),
        st.datetimes(min_value=datetime(1900, 3, 1), max_value=datetime(9999, 12, 31)),
        st.booleans(),
    ),
    max_size=9,
)


def _write(tmp_path: Path, kind: str, encoding: str, ledger: tuple[list[str], list[list[Any]]],
           extra: list[Any], seed: int) -> Path:  # fmt: skip
    header, rows = ledger
    rng = random.Random(seed)
    if kind == "csv":
        return _put(tmp_path / "ledger.csv", _csv_bytes(header, rows, encoding, rng))
    if kind == "xlsx":
        return _put(tmp_path / "ledger.xlsx", _xlsx_bytes(header, rows, extra))
    if kind == "xlsx-named-csv":
        return _put(tmp_path / "ledger.csv", _xlsx_bytes(header, rows, extra))
    if kind == "csv-named-xlsx":
        return _put(tmp_path / "ledger.xlsx", _csv_bytes(header, rows, encoding, rng))
    if kind == "png-named-xlsx":
        return _put(tmp_path / rng.choice(["ledger.xlsx", "ledger.xlsm", "ledger.csv"]), PNG)
    if kind == "random":
        data = rng.randbytes(rng.choice([1, 17, 4096]))
        return _put(tmp_path / rng.choice(["ledger.xlsx", "ledger.csv"]), data)
    return _put(tmp_path / rng.choice(["ledger.xlsx", "ledger.csv"]), b"")


def _put(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _imports_or_refuses(county: Rectify, pristine: Pristine, path: Path, *, rows: int = 1) -> None:
    """The import of `path` exits 0 having added rows, or 1 in one line having changed nothing,
    with no control character of the file in the `Error:` line."""
    pristine.restore()
    before = counts(county.db_url)
    with time_limit(60):
        result = county.run("import", str(path), "--campaign", "TP")
    event(f"exit {result.exit_code}")
    check_outcome(result, controls=True)
    after = counts(county.db_url)
    if result.exit_code == 0:
        added = after["responsibility_items"] - before["responsibility_items"]
        assert added >= rows, (
            result.output,
            before,
            after,
        )
        assert after["problems"] > before["problems"], (result.output, before, after)
    else:
        assert after == before, result.stderr


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    kind=st.sampled_from(KINDS),
    encoding=st.sampled_from(ENCODINGS),
    ledger=ledgers(),
    extra=XLSX_EXTRA,
    seed=st.integers(0, 2**16),
)
@example(kind="csv", encoding="utf-8", ledger=(ZH, []), extra=[], seed=0)  # only a header
@example(kind="empty", encoding="utf-8", ledger=(ZH, []), extra=[], seed=0)
@example(kind="png-named-xlsx", encoding="utf-8", ledger=(ZH, []), extra=[], seed=0)
@example(
    kind="csv", encoding="gb18030+stray", extra=[], seed=3,
    ledger=(ZH, [["1", "自查", "饮水安全", "水质不达标", "加装净水设备", "slj", "", "韩水",
                  "2020-10-01"]]),
)  # fmt: skip
@example(
    kind="csv", encoding="utf-16", extra=[], seed=0,
    ledger=(EN, [["1", "自查", "饮水安全", "=cmd|' /C calc'!A0", "x" * 100_000, "slj", "",
                  "韩水", "2020-02-30"]]),
)  # fmt: skip
@example(
    kind="xlsx", encoding="utf-8", seed=0, extra=[99999, 0.5, datetime(1900, 3, 1)],
    ledger=([*ZH, "责任人"], [["1", "自查", "饮水安全", "问题", "=cmd|' /C calc'!A0", "slj", "",
                               "韩水", "0000-00-00", "鲁检"]]),
)  # fmt: skip
def test_any_ledger_is_imported_whole_or_refused_in_one_line(
    county: Rectify,
    pristine: Pristine,
    tmp_path_factory: pytest.TempPathFactory,
    kind: str,
    encoding: str,
    ledger: tuple[list[str], list[list[Any]]],
    extra: list[Any],
    seed: int,
) -> None:
    path = _write(tmp_path_factory.mktemp("ledger"), kind, encoding, ledger, extra, seed)
    _imports_or_refuses(county, pristine, path)


GOOD_ROW = ["1", "自查", "饮水安全", "水质不达标", "加装净水设备", "slj", "", "韩水", "2020-10-01"]


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    column=st.integers(0, len(ZH) - 1),
    cell=HOSTILE,
    suffix=st.sampled_from([".csv", ".xlsx"]),
    good_rows=st.integers(0, 2),
)
@example(column=8, cell="2020-02-30", suffix=".csv", good_rows=1)
@example(column=8, cell="0000-00-00", suffix=".xlsx", good_rows=0)
@example(column=8, cell="99999", suffix=".xlsx", good_rows=2)
@example(column=3, cell="x" * 100_000, suffix=".csv", good_rows=1)
@example(column=4, cell="=cmd|' /C calc'!A0", suffix=".xlsx", good_rows=1)
@example(column=0, cell="1" * 25, suffix=".csv", good_rows=0)
@example(column=7, cell="韩\x00水", suffix=".csv", good_rows=0)
def test_one_hostile_cell_among_good_rows(
    county: Rectify,
    pristine: Pristine,
    tmp_path_factory: pytest.TempPathFactory,
    column: int,
    cell: str,
    suffix: str,
    good_rows: int,
) -> None:
    """One hostile cell in an otherwise good ledger: the whole ledger imports or none of it."""
    rows = [list(GOOD_ROW) for _ in range(good_rows)]
    bad = list(GOOD_ROW)
    bad[column] = cell
    rows.insert(len(rows) // 2, bad)
    for number, row in enumerate(rows, start=1):
        row[0] = str(number) if column != 0 or row is not bad else row[0]
    folder = tmp_path_factory.mktemp("ledger")
    if suffix == ".csv":
        path = _put(folder / "ledger.csv", _csv_bytes(ZH, rows, "utf-8", random.Random(0)))
    else:
        path = _put(folder / "ledger.xlsx", _xlsx_bytes(ZH, rows, []))
    _imports_or_refuses(county, pristine, path, rows=len(rows))


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(header=st.lists(HOSTILE, min_size=1, max_size=4))
@example(header=["\u202eevil"])
@example(header=["\x06", "\x07bell"])
def test_a_refusal_shows_no_raw_control_characters(
    county: Rectify,
    pristine: Pristine,
    tmp_path_factory: pytest.TempPathFactory,
    header: list[str],
) -> None:
    path = tmp_path_factory.mktemp("ledger") / "header.csv"
    _put(path, ",".join(header).encode("utf-8", "surrogateescape") + b"\n1,2\n")
    _imports_or_refuses(county, pristine, path)
