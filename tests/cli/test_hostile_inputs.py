"""Hostile and damaged inputs (issue 8): each refused in one `Error:` line, alike on SQLite and
PostgreSQL, with the database untouched; control characters never reach a terminal raw."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import Rectify
from workflow.db.engine import mask_url

HEADER = "no,problem,task,unit,person,deadline\n"


def _write_csv(path: Path, body: str | bytes) -> Path:
    data = body if isinstance(body, bytes) else body.encode()
    path.write_bytes(HEADER.encode() + data)
    return path


def _nothing_imported(county: Rectify) -> None:
    assert county.json("list", "--kind", "problem") == []


def _execute(db_url: str, sql: str, **params: str) -> None:
    engine = create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text(sql), params)
    engine.dispose()


# --- 1. an .xlsx zip bomb ---------------------------------------------------------------------

_SKELETON = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
        'package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.'
        'openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="'
        'application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.'
        'openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/'
        'worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        'spreadsheetml.worksheet+xml"/></Types>'
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
        'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
        'schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="'
        'xl/workbook.xml"/></Relationships>'
    ),
    "xl/workbook.xml": (
        '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.'
        'org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/'
        'officeDocument/2006/relationships"><sheets><sheet name="台账" sheetId="1" r:id="rId1"/>'
        "</sheets></workbook>"
    ),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
        'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
        'schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="'
        'worksheets/sheet1.xml"/></Relationships>'
    ),
}


def _deflated(data: bytes, *, last: bool) -> bytes:
    """Raw deflate of `data`, byte-aligned and independent of what comes before it, so that
    pieces can be repeated and joined into one stream."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    return packer.compress(data) + packer.flush(zlib.Z_FINISH if last else zlib.Z_FULL_FLUSH)


def _zip_bomb(path: Path, inflated_mib: int = 640) -> Path:
    """A valid xlsx skeleton whose sheet1.xml inflates to `inflated_mib` MiB of repeated rows,
    built from one compressed MiB repeated (seconds, not minutes, and under 1 MB on disk)."""
    head = (
        b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.'
        b'openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    )
    # Rows of one long cell each: long runs of one byte deflate best (about 1000 to 1).
    row = b'<row><c t="inlineStr"><is><t>' + b"x" * (64 * 1024 - 50) + b"</t></is></c></row>"
    mib = row * (16 * 1024 * 1024 // len(row))  # 16 MiB, compressed once, repeated
    tail = b"</sheetData></worksheet>"
    piece = _deflated(mib, last=False)
    crc = zlib.crc32(head)
    for _ in range(inflated_mib // 16):
        crc = zlib.crc32(mib, crc)
    crc = zlib.crc32(tail, crc)
    members = [(name, 0, body.encode(), len(body.encode()), zlib.crc32(body.encode()))
               for name, body in _SKELETON.items()]  # fmt: skip
    sheet = _deflated(head, last=False) + piece * (inflated_mib // 16) + _deflated(tail, last=True)
    size = len(head) + len(mib) * (inflated_mib // 16) + len(tail)
    members.append(("xl/worksheets/sheet1.xml", 8, sheet, size, crc))
    out, central = bytearray(), bytearray()
    for name, method, data, full, checksum in members:
        encoded = name.encode()
        fields = (20, 0, method, 0, 0x21, checksum, len(data), full, len(encoded), 0)
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, *fields, 0, 0, 0, 0,
                               len(out)) + encoded  # fmt: skip
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, *fields) + encoded + data
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(central),
                      len(out), 0)  # fmt: skip
    path.write_bytes(bytes(out + central + end))
    return path


@pytest.fixture(scope="module")
def bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _zip_bomb(tmp_path_factory.mktemp("bomb") / "ledger.xlsx")


def test_the_zip_bomb_is_what_it_claims(bomb: Path) -> None:
    import zipfile

    assert bomb.stat().st_size < 1_000_000
    with zipfile.ZipFile(bomb) as archive:
        sheet = archive.getinfo("xl/worksheets/sheet1.xml")
        assert sheet.file_size > 640_000_000  # zlib reaches ~700:1: 640 MiB in under 1 MB
        with archive.open(sheet) as stream:  # really inflates: the first MiB is rows
            first = stream.read(1024 * 1024)
    assert first.count(b"<row>") >= 15


def test_an_xlsx_zip_bomb_is_refused_before_it_is_inflated(county: Rectify, bomb: Path) -> None:
    line = county.fails("import", str(bomb), "--campaign", "TP")
    assert str(bomb) in line
    assert "xl/worksheets/sheet1.xml" in line and "zip bomb" in line
    _nothing_imported(county)


# --- 2. one stray byte in a UTF-8 CSV ---------------------------------------------------------


def test_a_stray_byte_in_a_utf8_csv_is_refused_not_read_as_gb18030(
    county: Rectify, tmp_path: Path
) -> None:
    good = "1,饮用水源地保护区内有违建,拆除违建,slj,韩水,2020-10-15\n".encode()
    body = good + "2,河道垃圾清理不及时".encode() + b"\xb7" + ",清理,slj,韩水,2020-10-15\n".encode()
    ledger = _write_csv(tmp_path / "ledger.csv", body)
    data = ledger.read_bytes()
    data.decode("gb18030")  # the old fallback would have "read" it, as mojibake
    line = county.fails("import", str(ledger), "--campaign", "TP")
    offset = data.index(b"\xb7")
    assert f"line 3 (byte {offset})" in line, line
    _nothing_imported(county)


def test_a_gbk_csv_still_imports(county: Rectify, tmp_path: Path) -> None:
    body = "1,饮用水源地保护区内有违建,拆除违建,slj,韩水,2020-10-15\n"
    ledger = tmp_path / "ledger.csv"
    ledger.write_bytes((HEADER + body).encode("gbk"))
    county.ok("import", str(ledger), "--campaign", "TP")
    [problem] = county.json("list", "--kind", "problem")
    assert problem["title"] == "饮用水源地保护区内有违建"


# --- 3. terminal control characters -----------------------------------------------------------

HOSTILE = "清理\x1b[2J\x07河道\u202e垃圾\x9b"


def test_control_characters_are_refused_in_titles_from_the_cli(county: Rectify) -> None:
    line = county.fails("problem", "add", "--campaign", "TP", "--title", HOSTILE)
    assert "--title" in line and "U+001B, U+0007, U+202E, U+009B" in line
    assert "\x1b" not in line and "\u202e" not in line
    _nothing_imported(county)


def test_control_characters_in_a_ledger_are_refused_by_row_and_column(
    county: Rectify, tmp_path: Path
) -> None:
    ledger = _write_csv(tmp_path / "ledger.csv", f"1,{HOSTILE},清理,slj,韩水,2020-10-15\n")
    line = county.fails("import", str(ledger), "--campaign", "TP")
    assert "row 2, problem: contains control characters (U+001B" in line
    assert "\x1b" not in line
    _nothing_imported(county)


def test_tables_escape_control_characters_json_keeps_them(county: Rectify, db_url: str) -> None:
    out = county.ok("problem", "add", "--campaign", "TP", "--title", "河道垃圾")
    assert "P1" in out
    # A title stored before the input checks, or written by another program.
    _execute(db_url, "UPDATE problems SET title = :title", title="a\x1b[2J\x07b\u202ec")
    table = county.ok("list", "--kind", "problem")
    assert "a\\x1b[2J\\x07b<U+202E>c" in table
    assert not any(ch in table for ch in "\x1b\x07\u202e")
    shown = county.ok("show", "P1")
    assert "\x1b" not in shown and "\\x1b" in shown
    [problem] = county.json("list", "--kind", "problem")
    assert problem["title"] == "a\x1b[2J\x07b\u202ec"


# --- 4. the same limits on both backends ------------------------------------------------------


def test_nul_bytes_and_long_ledger_numbers_fail_alike_on_both_backends(
    county: Rectify, tmp_path: Path
) -> None:
    long_no = "2020-DCS-0001-0002-0003"  # 23 characters: problems.ledger_no is String(20)
    body = f"{long_no},问题一,措施一,slj,韩水,2020-10-15\n2,问题二,措\x00施,slj,韩水,2020-10-15\n"
    ledger = _write_csv(tmp_path / "ledger.csv", body)
    line = county.fails("import", str(ledger), "--campaign", "TP")
    assert line == (
        "Error: ledger.csv: 2 errors, nothing imported: row 2, no: is 23 characters long; at "
        "most 20 fit; row 3, task: contains control characters (U+0000); remove them"
    )
    _nothing_imported(county)


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("unit", "add", "u1", "局" * 101), "unit name is 101 characters long; at most 100 fit"),
        (("unit", "add", "u1", "某局", "--group", "组" * 51), "--group is 51 characters long"),
        (("person", "add", "张" * 51, "--unit", "slj"), "person name is 51 characters long"),
        (("person", "add", "张三", "--unit", "slj", "--login", "x" * 101),
         "--login is 101 characters long; at most 100 fit"),
        (("unit", "set", "slj", "--name", "局" * 101), "unit name is 101 characters long"),
    ],
)  # fmt: skip
def test_over_long_names_are_refused_by_option_on_both_backends(
    county: Rectify, args: tuple[str, ...], said: str
) -> None:
    assert said in county.fails(*args)
    units = county.json("unit", "list")
    assert len(units) == 10 and all(len(u["name"]) < 100 for u in units)


# --- 5. absurd deadlines ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "said"),
    [
        ("0001-01-01", "'0001-01-01' is not a date (year must be in 2000..2100)"),
        ("1899-12-25", "'1899-12-25' is not a date (year must be in 2000..2100)"),
        ("1900-02-28", "'1900-02-28' is not a date (year must be in 2000..2100)"),
    ],
)
def test_absurd_deadlines_are_refused_by_row(
    county: Rectify, tmp_path: Path, written: str, said: str
) -> None:
    ledger = _write_csv(tmp_path / "ledger.csv", f"1,问题一,措施一,slj,韩水,{written}\n")
    line = county.fails("import", str(ledger), "--campaign", "TP")
    assert line.endswith(f"row 2, deadline: {said}")
    _nothing_imported(county)


def test_excel_serial_dates_are_refused(county: Rectify, tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["序号", "问题描述", "整改措施", "责任单位", "责任人", "整改时限"])
    for number, serial in ((1, -5), (2, 59)):  # read as 1899-12-25 and 1900-02-28
        sheet.append([number, f"问题{number}", "措施", "slj", "韩水", serial])
        sheet.cell(row=number + 1, column=6).number_format = "yyyy-mm-dd"
    book.save(tmp_path / "ledger.xlsx")
    line = county.fails("import", str(tmp_path / "ledger.xlsx"), "--campaign", "TP")
    assert "row 2, 整改时限: '1899-12-25'" in line and "row 3, 整改时限: '1900-02-28'" in line
    _nothing_imported(county)


# --- 6. a password with @ in the database URL -------------------------------------------------


@pytest.mark.parametrize("password", ["p@ss", "se/cr@t", "a:b@c", "x%40y%2Fz", "@@", "p/w"])
def test_mask_url_hides_the_whole_password(password: str) -> None:
    url = f"postgresql+psycopg://clerk:{password}@db.example:5432/rectify?sslmode=require"
    assert mask_url(url) == "postgresql+psycopg://clerk:***@db.example:5432/rectify?sslmode=require"
    assert mask_url("sqlite:////tmp/a@b:c.db") == "sqlite:////tmp/a@b:c.db"


def test_a_password_with_at_never_shows_in_the_error(tmp_path: Path) -> None:
    url = "postgresql+psycopg://clerk:topSECRET@tail@127.0.0.1:1/rectify"
    line = Rectify(url).fails("list")
    assert "SECRET" not in line and "tail" not in line, line
    assert line == (
        "Error: cannot use database postgresql+psycopg://clerk:***@127.0.0.1:1/rectify: write "
        "each @ in its password as %40"
    )


# --- 7. a database from a newer rectify -------------------------------------------------------


def test_a_database_from_a_newer_rectify_is_refused_by_every_command(
    county: Rectify, db_url: str
) -> None:
    units = county.json("unit", "list")
    engine = create_engine(db_url)
    with engine.connect() as conn:
        current = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    engine.dispose()
    _execute(db_url, "UPDATE alembic_version SET version_num = '0999'")
    for args in (("init",), ("list",), ("unit", "list"), ("sweep",)):
        line = county.fails(*args)
        assert line.startswith("Error: database ") and line.endswith(
            "was written by a newer rectify (schema 0999); install that version"
        ), line
    _execute(db_url, f"UPDATE alembic_version SET version_num = '{current}'")
    assert county.json("unit", "list") == units  # untouched meanwhile


# --- 8. one mistake repeated on many rows -----------------------------------------------------


def test_a_repeated_mistake_is_listed_20_times_and_the_rest_counted(
    county: Rectify, tmp_path: Path
) -> None:
    rows = 5_000
    body = "".join(f"{n},问题{n},措施,nowhere,韩水,2020-10-15\n" for n in range(1, rows + 1))
    body += "9999,问题,措施,slj,韩水,2020-10-15\n" * 2  # a second kind: the same key twice
    ledger = _write_csv(tmp_path / "ledger.csv", body)
    line = county.fails("import", str(ledger), "--campaign", "TP")
    assert line.startswith(f"Error: ledger.csv: {rows + 1} errors, nothing imported: row 2, ")
    assert line.count("unknown unit 'nowhere'") == 20
    assert "row 21, unit: unknown unit 'nowhere' (give its code or name); …and 4,980 more like it" \
        in line  # fmt: skip
    assert "same 序号, 整改措施 and 责任单位 as row 5002" in line
    assert len(line) < 5_000
    _nothing_imported(county)
