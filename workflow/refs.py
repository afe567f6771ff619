"""Refs people write and say aloud: P12 for a problem, T7 for a task, R130 for an item."""

from __future__ import annotations

import re

from sqlalchemy import Connection, update

from workflow.db.schema import counters
from workflow.errors import InvalidInput

KIND_BY_PREFIX = {"P": "problem", "T": "task", "R": "responsibility"}
PREFIX_BY_KIND = {kind: prefix for prefix, kind in KIND_BY_PREFIX.items()}
_REF = re.compile(r"^([PTR])(\d+)$")


def normalise(ref: str) -> tuple[str, str]:
    """(kind, ref) for user input such as 'r12' or ' R12 '."""
    match = _REF.match(ref.strip().upper())
    if not match:
        raise InvalidInput("{text!r} is not a ref; refs look like P3, T12 or R130", text=ref)
    return KIND_BY_PREFIX[match.group(1)], match.group(1) + str(int(match.group(2)))


def allocate(conn: Connection, kind: str, count: int) -> list[str]:
    """Take `count` consecutive refs in the caller's transaction (a block, for bulk imports)."""
    prefix = PREFIX_BY_KIND[kind]
    last = conn.execute(
        update(counters)
        .where(counters.c.prefix == prefix)
        .values(last=counters.c.last + count)
        .returning(counters.c.last)
    ).scalar_one()
    return [f"{prefix}{n}" for n in range(last - count + 1, last + 1)]
