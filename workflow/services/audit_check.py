"""Checking the audit trail's hash chain (workflow/audit.py) for `rectify audit verify`."""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import select

from workflow import audit
from workflow.app import App
from workflow.db.schema import audit_events
from workflow.errors import InvalidInput, RectifyError
from workflow.i18n import Msg

REASONS = {
    "content": Msg("its content does not match its hash (the row was changed)"),
    "link": Msg(
        "it does not follow the row before it (a row before it was changed, added or removed)"
    ),
    "anchor": Msg("its hash is not the one kept as an anchor (the trail was rewritten)"),
}
_ANCHOR = re.compile(r"^\s*(\d+):([0-9a-f]{64})\s*$")


class AuditChainBroken(RectifyError):
    pass


def parse_anchors(texts: Iterable[str]) -> dict[int, str]:
    """ROW:HASH as `audit verify` printed them."""
    anchors: dict[int, str] = {}
    for text in texts:
        match = _ANCHOR.match(text.lower())
        if match is None:
            raise InvalidInput(
                "--anchor {text!r}: expected ROW:HASH as `rectify audit verify` prints it, "
                "e.g. 1234:9f86d081…(64 hex digits)",
                text=text,
            )
        anchors[int(match[1])] = match[2]
    return anchors


def verify_or_fail(app: App, anchors: dict[int, str] | None = None) -> audit.ChainCheck:
    """The check of a whole chain; AuditChainBroken names the first row that does not match."""
    with app.ready_db().read() as conn:
        check = audit.verify(conn, anchors=anchors)
        if check.ok:
            return check
        row = conn.execute(select(audit_events).where(audit_events.c.id == check.broken_id)).first()
    if row is None:
        raise AuditChainBroken(
            "audit trail broken: anchored row {id} is gone (rows were removed from the end); "
            "{good} rows verified",
            id=check.broken_id,
            good=check.rows,
        )
    raise AuditChainBroken(
        "audit trail broken at row {id} ({ref} {trigger}, {at}): {reason}; {good} rows before "
        "it verified",
        id=row.id,
        ref=row.ref,
        trigger=row.trigger,
        at=row.at.astimezone(app.settings.zone).strftime("%Y-%m-%d %H:%M"),
        reason=REASONS[check.reason or "content"],
        good=check.rows,
    )
