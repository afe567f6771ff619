"""Reading ledgers (整改台账): spreadsheet or CSV files listing problems, tasks and owners."""

from workflow.ledger.dates import parse_deadline
from workflow.ledger.reader import Ledger, LedgerFormatError, LedgerRow, RowError, read_ledger

__all__ = ["Ledger", "LedgerFormatError", "LedgerRow", "RowError", "parse_deadline", "read_ledger"]
