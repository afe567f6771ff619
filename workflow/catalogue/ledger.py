"""Chinese messages: ledger."""

ZH: dict[str, str] = {}
