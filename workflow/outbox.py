"""Queueing notices in the outbox, set-based, in the caller's transaction.

One INSERT ... SELECT per (recipient kind, channel) whatever the number of items: the rows to
notify are described by a WHERE clause, never fetched into Python. The unique key (item, event
key, deadline version, recipient, channel) with ON CONFLICT DO NOTHING makes queueing
idempotent: whatever runs twice queues once.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, String, and_, cast, literal, or_, select, true
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import aliased

from workflow.db.schema import campaigns, items, notices, people, problems, tasks, units

RECIPIENT_KINDS = ("person", "unit", "leader")
CHANNEL_ADDRESS = {"email": "email", "sms": "phone"}
ROBOTS = ("dingtalk", "wecom")
_leader = aliased(people, name="leader")
QUEUED_COLUMNS = (
    "item_id", "event", "event_key", "deadline_version", "deadline", "recipient",
    "recipient_name", "channel", "address", "note", "status", "attempts", "next_attempt_at",
    "created_at",
)  # fmt: skip


def recipient_of(kind: str) -> Any:
    """(table alias, join condition) for the person, unit or leaders of an item. `leader` is
    the campaign leader and the problem's leader in charge (责任领导): a join on either, so
    one person who is both gets one row."""
    if kind == "person":
        return people, people.c.id == items.c.person_id
    if kind == "unit":
        return units, units.c.id == items.c.unit_id
    return _leader, or_(_leader.c.id == campaigns.c.leader_id, _leader.c.id == problems.c.leader_id)


def queue(
    conn: Connection,
    *,
    event: str,
    event_key: ColumnElement[Any] | str,
    where: ColumnElement[bool],
    recipients: Iterable[str],
    channels: Iterable[str],
    now: datetime,
    sms_not_before: datetime | None = None,
    note: str | None = None,
) -> int:
    """Queue `event` for every item matching `where`, to each recipient that has the address.

    `where` may refer to items, tasks, problems and campaigns. SMS rows wait until
    `sms_not_before` (quiet hours: held, not dropped). Returns the number of rows queued.
    """
    key = literal(event_key) if isinstance(event_key, str) else event_key
    targets = [
        (kind, channel) for kind in recipients for channel in channels if channel not in ROBOTS
    ]
    # A group robot posts once per item whoever the recipients are, in the unit's name.
    targets += [("unit", channel) for channel in channels if channel in ROBOTS]
    queued = 0
    for kind, channel in targets:
        target, joined_on = recipient_of(kind)
        if channel in ROBOTS:
            address: Any = literal("")
            has_address: ColumnElement[bool] = true()
        else:
            address = target.c[CHANNEL_ADDRESS[channel]]
            has_address = and_(address.is_not(None), address != "")
        due = sms_not_before if channel == "sms" and sms_not_before else now
        rows = (
            select(
                items.c.id,
                literal(event),
                key,
                items.c.deadline_version,
                items.c.deadline,
                literal(kind + ":") + cast(target.c.id, String),
                target.c.name,
                literal(channel),
                address,
                literal(note, type_=String),
                literal("pending"),
                literal(0),
                literal(due, type_=notices.c.next_attempt_at.type),
                literal(now, type_=notices.c.created_at.type),
            )
            .select_from(
                items.join(tasks, tasks.c.id == items.c.task_id)
                .join(problems, problems.c.id == tasks.c.problem_id)
                .join(campaigns, campaigns.c.id == problems.c.campaign_id)
                .join(target, joined_on)
            )
            # Retired people and units (离岗, 撤销) get no notices.
            .where(and_(where, has_address, target.c.active))
        )
        statement = _insert(conn).from_select(QUEUED_COLUMNS, rows)
        statement = statement.on_conflict_do_nothing().execution_options(preserve_rowcount=True)
        queued += max(conn.execute(statement).rowcount, 0)
    return queued


def _insert(conn: Connection) -> Any:
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(notices)
