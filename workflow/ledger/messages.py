"""What a ledger file can be told about itself: whole-file and per-row errors, as messages."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from workflow.i18n import Msg

__all__ = ["LedgerFormatError", "Listing", "RowError"]


class LedgerFormatError(ValueError):
    """The file as a whole cannot be read as a ledger."""

    def __init__(self, message: Msg) -> None:
        self.message = message
        super().__init__(str(message))


@dataclasses.dataclass(frozen=True)
class RowError:
    """One bad cell: its spreadsheet row, the column as the file names it, and why."""

    row_number: int
    field: str
    message: Msg

    @property
    def msg(self) -> Msg:
        return Msg(
            "row {row}, {field}: {message}",
            row=self.row_number,
            field=self.field,
            message=self.message,
        )

    def __str__(self) -> str:
        return str(self.msg)


class Listing(Msg):
    """Names listed in a message: '责任人, 整改时限' in English, '责任人、整改时限' in Chinese."""

    __slots__ = ("entries",)

    def __init__(self, entries: Sequence[str | Msg]) -> None:
        super().__init__("{entries}")
        self.entries = tuple(entries)

    def to(self, lang: str) -> str:
        shown = [entry.to(lang) if isinstance(entry, Msg) else entry for entry in self.entries]
        return ("、" if lang == "zh" else ", ").join(shown)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Listing) and self.entries == other.entries

    def __hash__(self) -> int:
        return hash(self.entries)
