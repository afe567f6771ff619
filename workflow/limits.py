"""Field limits both database backends keep alike, checked before anything is written.

SQLite stores a VARCHAR(20) of 30 characters and a text with a NUL byte; PostgreSQL refuses
both with a raw driver error naming no row or field. So the limits of workflow/db/schema.py
(String(n)) and the characters no text column may hold are checked here, up front, with the
same message on both: by option for the CLI, by row and column for a ledger.

Terminal control characters (ESC, BEL, C1, bidi overrides such as U+202E) are refused in titles
and ledger cells: printed, they could clear or recolour a clerk's screen or reorder a line.
Tabs and line breaks are kept (ledger cells hold Alt+Enter breaks).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import String, Table

from workflow.errors import InvalidInput
from workflow.i18n import Msg
from workflow.ledger.messages import RowError

__all__ = ["check_lengths", "check_text", "control_characters", "row_errors"]

# Bidirectional formatting characters: they reorder how a line shows (Trojan Source).
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_KEPT = frozenset("\t\n\r")


def control_characters(text: str) -> list[str]:
    """The characters of `text` a terminal would act on, as U+XXXX, in order of appearance."""
    return [
        f"U+{ord(ch):04X}"
        for ch in dict.fromkeys(text)
        if ch not in _KEPT and (ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F or ch in _BIDI)
    ]


def _control_message(text: str) -> Msg | None:
    found = control_characters(text)
    if not found:
        return None
    return Msg("contains control characters ({chars}); remove them", chars=", ".join(found))


def _length_message(text: str, limit: int) -> Msg | None:
    if len(text) <= limit:
        return None
    return Msg("is {length} characters long; at most {limit} fit", length=len(text), limit=limit)


def check_text(value: str | None, what: str | Msg, limit: int | None = None) -> None:
    """Refuse an option's text holding control characters or longer than `limit`."""
    if value is None:
        return
    problem = _control_message(value) or (_length_message(value, limit) if limit else None)
    if problem is not None:
        raise InvalidInput("{what} {problem}", what=what, problem=problem)


def check_lengths(table: Table, labels: Mapping[str, str | Msg], /, **values: Any) -> None:
    """Each given text against its column's String(n) in `table`, named by `labels` (the
    option that set it) or else by the column's name."""
    for column, value in values.items():
        if not isinstance(value, str):
            continue
        kind = table.c[column].type
        limit = kind.length if isinstance(kind, String) else None
        check_text(value, labels.get(column, column), limit)


# LedgerRow fields and their columns' limits (None: a Text column, no length limit). Units,
# people and leaders are looked up, never written, so only their characters are checked.
_ROW_LIMITS: dict[str, int | None] = {
    "no": 20,  # problems.ledger_no
    "source": None,
    "category": None,
    "problem": None,
    "task": None,
    "unit": None,
    "cooperating_units": None,
    "person": None,
    "progress": None,
    "leader": None,
}


def row_errors(row: Any, headers: Mapping[str, str]) -> list[RowError]:
    """The cells of one ledger row that no backend may store, each by row and column."""
    errors = []
    for field, limit in _ROW_LIMITS.items():
        value = getattr(row, field, None)
        texts: Iterable[str] = value if isinstance(value, tuple) else (value,)
        for text in texts:
            if not isinstance(text, str):
                continue
            problem = _control_message(text) or (_length_message(text, limit) if limit else None)
            if problem is not None:
                errors.append(RowError(row.row_number, headers.get(field, field), problem))
                break
    return errors


# The CLI options that set each directory column, for the messages of check_lengths.
UNIT_OPTIONS: dict[str, str | Msg] = {
    "code": Msg("unit code"),
    "name": Msg("unit name"),
    "email": "--email",
    "phone": "--phone",
    "unit_group": "--group",
}
PERSON_OPTIONS: dict[str, str | Msg] = {
    "name": Msg("person name"),
    "email": "--email",
    "phone": "--phone",
    "login": "--login",
}
