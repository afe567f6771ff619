"""Checking the audit trail's hash chain (workflow/audit.py) for `rectify audit verify`."""

from __future__ import annotations

from sqlalchemy import select

from workflow import audit
from workflow.app import App
from workflow.db.schema import audit_events
from workflow.errors import RectifyError
from workflow.i18n import Msg

REASONS = {
    "content": Msg("its content does not match its hash (the row was changed)"),
    "link": Msg(
        "it does not follow the row before it (a row before it was changed, added or removed)"
    ),
}


class AuditChainBroken(RectifyError):
    pass


def verify_or_fail(app: App) -> int:
    """The number of rows checked; AuditChainBroken names the first row that does not match."""
    with app.ready_db().read() as conn:
        check = audit.verify(conn)
        if check.ok:
            return check.rows
        row = conn.execute(select(audit_events).where(audit_events.c.id == check.broken_id)).one()
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
