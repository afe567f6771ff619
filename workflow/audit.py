"""The audit trail: one row per transition, written in the transaction that made it.

The rows form one hash chain. Each row stores the SHA-256 of the row before it (`prev_hash`)
and the SHA-256 of that hash together with its own content (`row_hash`), so a row edited,
inserted or deleted behind the application's back no longer matches from that row on, and
`rectify audit verify` names it. Writers take a lock before they append, so the chain has one
order (the ids') even with several processes on PostgreSQL; SQLite writers are serialised by
their BEGIN IMMEDIATE already.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, column, func, insert, select, table, text

from workflow.db.bulk import bulk_insert
from workflow.db.schema import audit_events

GENESIS = "0" * 64
# Any constant: the key of the PostgreSQL advisory lock that orders appends to the chain.
_CHAIN_LOCK = 7_310_402
_CONTENT = ("kind", "ref", "trigger", "from_state", "to_state", "actor", "at", "note")


def _canonical_time(at: datetime | str) -> str:
    """The instant as 2020-09-01T01:00:00.000000Z.

    Written rows give aware datetimes; `verify` reads raw driver values for speed: PostgreSQL
    gives aware datetimes, SQLite the text SQLAlchemy stored ('2020-09-01 01:00:00.000000',
    UTC, microseconds always written).
    """
    if isinstance(at, str):
        return at.replace(" ", "T") + "Z"
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _digest(prev_hash: str, values: Sequence[Any]) -> str:
    kind, ref, trigger, from_state, to_state, actor, at, note = values
    content = _dumps([kind, ref, trigger, from_state, to_state, actor, _canonical_time(at), note])
    return hashlib.sha256(f"{prev_hash}\n{content}".encode()).hexdigest()


_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def row_hash(prev_hash: str, row: Mapping[Any, Any]) -> str:
    """The hash of one audit row: its content (fixed order, canonical JSON) after prev_hash."""
    return _digest(prev_hash, [row.get(name) for name in _CONTENT])


def _lock_and_last_hash(conn: Connection) -> str:
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CHAIN_LOCK})
    last = conn.execute(
        select(audit_events.c.row_hash).order_by(audit_events.c.id.desc()).limit(1)
    ).scalar()
    return last or GENESIS


def chained(rows: Iterable[dict[str, Any]], prev: str) -> Iterator[dict[str, Any]]:
    """The rows with prev_hash and row_hash filled in, continuing the chain from `prev`."""
    for row in rows:
        digest = row_hash(prev, row)
        yield {**row, "prev_hash": prev, "row_hash": digest}
        prev = digest


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
    (linked,) = chained([row], _lock_and_last_hash(conn))
    return int(
        conn.execute(insert(audit_events).values(linked).returning(audit_events.c.id)).scalar_one()
    )


def record_many(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        # One executemany with values converted once: an import writes millions of rows.
        bulk_insert(conn, audit_events, list(chained(rows, _lock_and_last_hash(conn))))


@dataclass(frozen=True)
class ChainCheck:
    """What `verify` found: rows checked, and the first row that breaks the chain, if any."""

    rows: int
    broken_id: int | None = None
    # 'content' (row edited), 'link' (a row before it changed), 'anchor' (not the hash kept)
    # or 'missing' (an anchored row is gone).
    reason: str | None = None
    checked: bool = True  # False: the caller chose not to check (`--no-verify`)
    head_id: int | None = None  # the last row and its hash: an anchor to keep elsewhere
    head_hash: str | None = None

    @property
    def ok(self) -> bool:
        return self.checked and self.broken_id is None


NOT_CHECKED = ChainCheck(rows=0, checked=False)


def verify(
    conn: Connection, *, anchors: Mapping[int, str] | None = None, batch: int = 50_000
) -> ChainCheck:
    """Walk the whole chain in id order and recompute every hash; stop at the first mismatch.

    A chain alone does not stop someone who rewrites a row and recomputes every hash after
    it; `anchors` (row id -> the hash an earlier verify printed, kept outside the database)
    does: each anchored row must still carry that hash. Reads raw driver rows (no type
    conversion per row): a province's trail has millions.
    """
    anchors = dict(anchors or {})
    # Untyped columns: the driver's values as they come, without a converter per row.
    raw = table(
        "audit_events", *(column(name) for name in ("id", *_CONTENT, "prev_hash", "row_hash"))
    )
    query = select(raw).where(raw.c.id > bindparam("after")).order_by(raw.c.id).limit(batch)
    prev = GENESIS
    checked = 0
    last_id = 0
    while True:
        rows = conn.execute(query, {"after": last_id}).all()
        if not rows:
            if anchors:
                return ChainCheck(rows=checked, broken_id=min(anchors), reason="missing")
            head = GENESIS if last_id == 0 else prev
            return ChainCheck(rows=checked, head_id=last_id or None, head_hash=head)
        for row in rows:
            if row[9] != prev:
                return ChainCheck(rows=checked, broken_id=row[0], reason="link")
            prev = row[10]
            if _digest(row[9], row[1:9]) != prev:
                return ChainCheck(rows=checked, broken_id=row[0], reason="content")
            if anchors:
                if min(anchors) < row[0]:
                    return ChainCheck(rows=checked, broken_id=min(anchors), reason="missing")
                if anchors.pop(row[0], prev) != prev:
                    return ChainCheck(rows=checked, broken_id=row[0], reason="anchor")
            checked += 1
        last_id = rows[-1][0]


def count(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(audit_events)).scalar_one())
