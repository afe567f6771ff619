"""The audit trail: one row per transition, written in the transaction that made it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert

from workflow.db.schema import audit_events


def record(
    conn: Connection,
    *,
    kind: str,
    ref: str,
    trigger: str,
    from_state: str | None,
    to_state: str,
    actor: str,
    at: datetime,
    note: str | None = None,
) -> int:
    row = {
        "kind": kind,
        "ref": ref,
        "trigger": trigger,
        "from_state": from_state,
        "to_state": to_state,
        "actor": actor,
        "at": at,
        "note": note,
    }
    return int(
        conn.execute(insert(audit_events).values(row).returning(audit_events.c.id)).scalar_one()
    )


def record_many(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        conn.execute(insert(audit_events), list(rows))
