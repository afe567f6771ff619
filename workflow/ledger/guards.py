"""File-level checks on a ledger before it is parsed: what a hostile or damaged file could do.

- An .xlsx is a zip archive; one of under a megabyte can hold a sheet that inflates to gigabytes
  (a zip bomb). The archive's directory declares each member's sizes, so a file is refused from
  those figures before anything is inflated.
- A CSV is UTF-8 or, from Excel on Chinese Windows, GBK/GB18030. GB18030 accepts almost any
  byte sequence, so a UTF-8 file with one stray byte would decode "successfully" as GB18030 into
  mojibake. The encoding is decided from the whole file: UTF-8 when it is UTF-8 but for a few
  bytes (then refused, naming where), GB18030 only when the file as a whole is not UTF-8.
"""

from __future__ import annotations

import codecs
import pathlib
import zipfile

from workflow.i18n import Msg
from workflow.ledger.messages import LedgerFormatError

__all__ = ["MAX_MEMBER_BYTES", "MAX_RATIO", "MAX_TOTAL_BYTES", "check_workbook", "csv_encoding"]

# A ledger of 1,000,000 rows is a sheet of some 400 MB; real sheets compress 5 to 20 times.
MAX_MEMBER_BYTES = 1024 * 1024 * 1024
MAX_TOTAL_BYTES = 2 * MAX_MEMBER_BYTES
MAX_RATIO = 100
_RATIO_FROM = 10 * 1024 * 1024  # small members (styles, an empty sheet) may compress very well

_CHUNK = 1 << 20
_STRAY_LIMIT = 16  # more bytes than this that are not UTF-8: the file is not UTF-8 at all
_HIGH = bytes(range(0x80, 0x100))


def check_workbook(path: pathlib.Path) -> None:
    """Refuse a workbook whose members would inflate beyond what any ledger needs."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (OSError, zipfile.BadZipFile, ValueError):
        return  # not a zip at all: the workbook reader says so in its own words
    total = 0
    for member in members:
        total += member.file_size
        ratio = member.file_size / max(member.compress_size, 1)
        too_big = member.file_size > MAX_MEMBER_BYTES or total > MAX_TOTAL_BYTES
        if too_big or (member.file_size > _RATIO_FROM and ratio > MAX_RATIO):
            raise LedgerFormatError(
                Msg(
                    "{file}: refused unread: its part {member} would inflate from {packed} to "
                    "{size} bytes (a zip bomb?); save the ledger again from Excel or WPS",
                    file=str(path),
                    member=member.filename,
                    packed=f"{member.compress_size:,}",
                    size=f"{member.file_size:,}",
                )
            )


def csv_encoding(path: pathlib.Path) -> str:
    """The codec to read the CSV at `path` with: 'utf-8-sig' or 'gb18030' (read in chunks)."""
    high, stray = _utf8_damage(path)
    if not stray:
        return "utf-8-sig"
    if not _decodes(path, "gb18030"):
        raise LedgerFormatError(
            Msg(
                "{file}: is neither UTF-8 nor GBK/GB18030 text; save it as CSV UTF-8",
                file=str(path),
            )
        )
    first_offset = stray[0]
    # A few bad bytes among many good UTF-8 ones (or a lone high byte in ASCII text) is a UTF-8
    # file with damage: decoded as GB18030 it would import as mojibake.
    if len(stray) <= _STRAY_LIMIT and (len(stray) * 10 < high or high == 1):
        raise LedgerFormatError(
            Msg(
                "{file}: line {line} (byte {offset}) is not UTF-8 text, though the rest of the "
                "file is; correct it there or save the file again as CSV UTF-8",
                file=str(path),
                line=_line_of(path, first_offset),
                offset=first_offset,
            )
        )
    return "gb18030"


def _utf8_damage(path: pathlib.Path) -> tuple[int, list[int]]:
    """(bytes >= 0x80, offsets of the bytes that are not UTF-8, at most _STRAY_LIMIT + 1)."""
    high = 0
    stray: list[int] = []
    base = 0  # file offset of data[0]
    data = b""
    with path.open("rb") as file:
        while True:
            chunk = file.read(_CHUNK)
            final = not chunk
            high += len(chunk) - len(chunk.translate(None, _HIGH))
            data += chunk
            position = 0
            while len(stray) <= _STRAY_LIMIT:
                try:
                    _, used = codecs.utf_8_decode(data[position:], "strict", final)
                    position += used
                    break
                except UnicodeDecodeError as exc:
                    stray.append(base + position + exc.start)
                    position += exc.end
            else:
                return high, stray  # clearly not UTF-8: no need to read on
            base += position
            data = data[position:]
            if final:
                return high, stray


def _decodes(path: pathlib.Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with path.open("rb") as file:
            while chunk := file.read(_CHUNK):
                decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _line_of(path: pathlib.Path, offset: int) -> int:
    line, seen = 1, 0
    with path.open("rb") as file:
        while seen < offset and (chunk := file.read(min(_CHUNK, offset - seen))):
            line += chunk.count(b"\n")
            seen += len(chunk)
    return line
