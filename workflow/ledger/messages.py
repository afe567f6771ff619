"""What a ledger file can be told about itself: whole-file and per-row errors, as messages."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Sequence

from workflow.i18n import Msg
from workflow.terms import Listing  # re-exported: the ledger's messages list names too

__all__ = ["PER_KIND", "LedgerFormatError", "Listing", "RowError", "capped"]


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


PER_KIND = 20  # errors of one kind listed before the rest are counted


def capped(errors: Sequence[RowError], per_kind: int = PER_KIND) -> list[Msg]:
    """The errors to show, in their order: the first `per_kind` of each kind (same column,
    same reason whatever the values), then one line counting the rest of that kind. A ledger
    with one mistake repeated on 200,000 rows gives a readable line, not 14 MB."""
    seen: Counter[tuple[str, str]] = Counter()
    for error in errors:
        seen[_kind(error)] += 1
    shown: list[Msg] = []
    listed: Counter[tuple[str, str]] = Counter()
    for error in errors:
        kind = _kind(error)
        listed[kind] += 1
        if listed[kind] <= per_kind:
            shown.append(error.msg)
        if listed[kind] == per_kind and seen[kind] > per_kind:
            more = seen[kind] - per_kind
            shown.append(Msg("…and {count} more like it", count=f"{more:,}"))
    return shown


def _kind(error: RowError) -> tuple[str, str]:
    return error.field, error.message.template
