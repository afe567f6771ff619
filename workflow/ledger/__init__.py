"""Reading ledgers (整改台账): spreadsheet or CSV files listing problems, tasks and owners."""

from workflow.ledger.dates import (
    Deadline,
    DeadlineContext,
    DeadlineError,
    parse_deadline,
    parse_ledger_deadline,
)
from workflow.ledger.messages import LedgerFormatError, RowError
from workflow.ledger.reader import Ledger, LedgerRow, read_ledger

__all__ = [
    "Deadline",
    "DeadlineContext",
    "DeadlineError",
    "Ledger",
    "LedgerFormatError",
    "LedgerRow",
    "RowError",
    "parse_deadline",
    "parse_ledger_deadline",
    "read_ledger",
]
