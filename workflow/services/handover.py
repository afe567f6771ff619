"""Handing a person's open items to a colleague (移交), when they move or leave their post.

The items, their audit rows ('handover', the state unchanged, "陈干 -> 秦书"), the notices to
the colleague and the skipping of the notices still waiting for the old person are written in
the caller's transaction, set-based: an item is never left half handed over.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, Connection, func, select, update

from workflow import audit
from workflow.app import App
from workflow.db.schema import campaigns, items, notices, problems, tasks
from workflow.i18n import Msg
from workflow.services import notices as notice_service
from workflow.services.directory import PersonRow
from workflow.terms import Listing

# Not closed: a fixed item awaiting acceptance may still be sent back to its person.
UNFINISHED = ("issued", "assigned", "fixed")
SHOWN_REFS = 5


def some_refs(refs: Sequence[str], total: int) -> Msg:
    """The first refs and how many there are: 'R3, R5 and 4 more' / 'R3、R5 等共 6 项'."""
    if total <= len(refs):
        return Listing(list(refs))
    return Msg(
        "{refs} and {more} more ({total} in all)",
        refs=Listing(list(refs)),
        more=total - len(refs),
        total=total,
    )


def unfinished_of(conn: Connection, where: ColumnElement[bool]) -> Msg | None:
    """The items matching `where` that are not closed, named (first few and a count)."""
    condition = [where, items.c.state.in_(UNFINISHED)]
    refs = (
        conn.execute(select(items.c.ref).where(*condition).order_by(items.c.id).limit(SHOWN_REFS))
        .scalars()
        .all()
    )
    if not refs:
        return None
    total = conn.execute(select(func.count()).select_from(items).where(*condition)).scalar_one()
    return some_refs(refs, total)


def hand_over(
    conn: Connection,
    app: App,
    *,
    source: PersonRow,
    target: PersonRow,
    actor: str,
    now: datetime,
) -> list[str]:
    """Move `source`'s open items to `target`; return their refs."""
    mine = (items.c.person_id == source.id) & items.c.state.in_(UNFINISHED)
    moved = conn.execute(
        select(items.c.id, items.c.ref, items.c.state, campaigns.c.policy)
        .join(tasks, tasks.c.id == items.c.task_id)
        .join(problems, problems.c.id == tasks.c.problem_id)
        .join(campaigns, campaigns.c.id == problems.c.campaign_id)
        .where(mine)
        .order_by(items.c.id)
    ).all()
    if not moved:
        return []
    note = f"{source.name} -> {target.name}"
    audit.record_many(
        conn,
        [
            {
                "kind": "responsibility",
                "ref": row.ref,
                "trigger": "handover",
                "from_state": row.state,
                "to_state": row.state,
                "actor": actor,
                "at": now,
                "note": note,
            }
            for row in moved
        ],
    )
    ids = [row.id for row in moved]
    conn.execute(
        update(items).where(items.c.id.in_(ids)).values(person_id=target.id, updated_at=now)
    )
    # What was waiting for the old person about these items is theirs no longer.
    conn.execute(
        update(notices)
        .where(
            notices.c.item_id.in_(ids),
            notices.c.recipient == f"person:{source.id}",
            notices.c.status == "pending",
        )
        .values(status="skipped", last_error=f"handed over to {target.name}")
    )
    # One key per handover, so handing an item back and forth notifies each time.
    key = f"handover:{uuid.uuid4().hex[:16]}"
    for policy in sorted({row.policy for row in moved}):
        notice_service.notify(
            conn,
            app,
            where=items.c.id.in_([row.id for row in moved if row.policy == policy]),
            policy_name=policy,
            event="handover",
            event_key=key,
            recipients=["person"],
            now=now,
            note=source.name,
        )
    return [row.ref for row in moved]


def skip_pending(conn: Connection, recipients: Sequence[str], reason: str) -> None:
    """Notices still queued for people or units that are leaving are not sent."""
    conn.execute(
        update(notices)
        .where(notices.c.recipient.in_(recipients), notices.c.status == "pending")
        .values(status="skipped", last_error=reason)
    )
