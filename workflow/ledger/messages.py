"""What a ledger file can be told about itself: whole-file and per-row errors, as messages."""

from __future__ import annotations

import dataclasses

from workflow.i18n import Msg
from workflow.terms import Listing  # re-exported: the ledger's messages list names too

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
