"""Daily digests: one notice a day listing a recipient's open items at the digested levels.

A policy may say `digest: {leader: daily at 08:30}` for a level: from then on that recipient kind
gets no notice per item at that level (the sweep leaves it out), and instead the first sweep
after 08:30 local time each day queues one digest per recipient and channel, listing every open
item of theirs at that level (for leaders: the items of campaigns they lead and of problems they
are in charge of), most days overdue first. A digest is an outbox row with no item: its table,
the items as they were when it was queued, is kept as JSON in the row's note, and the unique
index on (event_key 'digest:<day>', recipient, channel) for rows without an item makes it once
a day whatever the number of sweeps or processes.

Days overdue are counted as `rectify overdue` counts them (workflow.services.overdue): the
campaign policy's days, calendar or working, at least 1 once the deadline day has passed; 0 for
an item not yet past its deadline, none for a standing item.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, String, and_, cast, exists, literal, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import aliased

from definitions.policies import DIGEST_CHANNELS, Level, Policy
from workflow.app import App
from workflow.calendar import WorkdayCalendar
from workflow.db.schema import campaigns, items, notices, people, problems, tasks, units
from workflow.escalation import days_left, local_today, release_time
from workflow.outbox import CHANNEL_ADDRESS, recipient_of

EVENT = "digest"
OPEN_STATES = ("issued", "assigned")
# The columns of a digest's table, in the order the templates show them.
COLUMNS = ("ref", "title", "unit", "person", "deadline", "days_overdue", "level")
_item_unit = aliased(units, name="item_unit")
_item_person = aliased(people, name="item_person")


@dataclass(frozen=True)
class _Part:
    """One policy's share of a recipient kind's digest: its campaigns' items at `levels`."""

    policy: Policy
    levels: tuple[Level, ...]
    channels: tuple[str, ...]


def event_key(day: date) -> str:
    return f"{EVENT}:{day.isoformat()}"


def queue_digests(conn: Connection, app: App, at: datetime, calendar: WorkdayCalendar) -> int:
    """Queue today's digests whose time of day has passed and that are not queued yet; returns
    how many notices were queued. In the caller's (the sweep's) transaction."""
    zone = app.settings.zone
    local = at.astimezone(zone)
    parts: dict[str, list[_Part]] = {}
    in_use = conn.execute(select(campaigns.c.policy).distinct()).scalars().all()
    for name in sorted(in_use):
        policy = app.policies.get(name)
        if policy is None:
            continue
        for kind, (due, levels) in policy.digests().items():
            if local.time() < due:
                continue
            channels = tuple(
                dict.fromkeys(
                    channel
                    for rule in policy.levels
                    if rule.name in levels
                    for channel in rule.channels
                    if channel in DIGEST_CHANNELS
                )
            )
            if channels:
                parts.setdefault(kind, []).append(_Part(policy, levels, channels))
    today = local_today(at, zone)
    return sum(
        _queue_kind(conn, app, kind, kind_parts, at, today, calendar)
        for kind, kind_parts in parts.items()
    )


def _queue_kind(
    conn: Connection,
    app: App,
    kind: str,
    parts: list[_Part],
    at: datetime,
    today: date,
    calendar: WorkdayCalendar,
) -> int:
    target, joined_on = recipient_of(kind)
    recipient = literal(kind + ":") + cast(target.c.id, String)
    key = event_key(today)
    already = exists().where(
        notices.c.item_id.is_(None), notices.c.event_key == key, notices.c.recipient == recipient
    )
    at_levels: list[ColumnElement[bool]] = [
        and_(campaigns.c.policy == part.policy.name, items.c.level.in_(part.levels))
        for part in parts
    ]
    query = (
        select(
            target.c.id.label("target_id"),
            target.c.name.label("target_name"),
            target.c.email.label("target_email"),
            target.c.phone.label("target_phone"),
            items.c.ref,
            tasks.c.title,
            _item_unit.c.name.label("unit"),
            _item_person.c.name.label("person"),
            items.c.deadline,
            items.c.level,
            campaigns.c.policy,
        )
        .select_from(
            items.join(tasks, tasks.c.id == items.c.task_id)
            .join(problems, problems.c.id == tasks.c.problem_id)
            .join(campaigns, campaigns.c.id == problems.c.campaign_id)
            .join(_item_unit, _item_unit.c.id == items.c.unit_id)
            .join(_item_person, _item_person.c.id == items.c.person_id)
            .join(target, joined_on)
        )
        .where(
            items.c.state.in_(OPEN_STATES),
            or_(*at_levels),
            # Retired people and units (离岗, 撤销) get no notices.
            target.c.active,
            ~already,
        )
        .order_by(target.c.id)
    )
    policies = {part.policy.name: part.policy for part in parts}
    overdue = _days_overdue(today, policies, calendar)
    first = parts[0].policy
    channels = tuple(dict.fromkeys(c for part in parts for c in part.channels))
    levels = tuple(dict.fromkeys(level for part in parts for level in part.levels))
    sms_after = release_time(at, first, app.settings.zone)
    # yield_per on the statement, not the connection: the INSERTs below must not stream.
    rows = conn.execute(query.execution_options(yield_per=2000))
    queued = 0
    for _, group in itertools.groupby(rows, key=lambda row: row.target_id):
        found = list(group)
        head = found[0]
        table = sorted((_table_row(row, overdue) for row in found), key=_order)
        note = json.dumps(
            {"policy": first.name, "day": today.isoformat(), "levels": levels, "items": table},
            ensure_ascii=False,
            separators=(",", ":"),
        )
        addresses = {"email": head.target_email, "sms": head.target_phone}
        values = [
            {
                "item_id": None,
                "event": EVENT,
                "event_key": event_key(today),
                "deadline_version": 0,
                "deadline": None,
                "recipient": f"{kind}:{head.target_id}",
                "recipient_name": head.target_name,
                "channel": channel,
                "address": addresses[channel],
                "note": note,
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": sms_after if channel == "sms" else at,
                "created_at": at,
            }
            for channel in channels
            if channel in CHANNEL_ADDRESS and addresses[channel]
        ]
        queued += _insert(conn, values)
    return queued


def _insert(conn: Connection, values: list[dict[str, Any]]) -> int:
    """Insert the rows, leaving out any a concurrent sweep has queued (the unique index)."""
    if not values:
        return 0
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(notices)
        .values(values)
        .on_conflict_do_nothing()
        .execution_options(preserve_rowcount=True)
    )
    return max(conn.execute(statement).rowcount, 0)


def _days_overdue(
    today: date, policies: dict[str, Policy], calendar: WorkdayCalendar
) -> Callable[[str, date | None], int | None]:
    counted: dict[tuple[str, date], int] = {}  # many items share a deadline: count it once

    def count(policy: str, deadline: date | None) -> int | None:
        if deadline is None:
            return None
        if (policy, deadline) not in counted:
            left = days_left(deadline, today, policies[policy], calendar)
            counted[policy, deadline] = max(0, -left)
        return counted[policy, deadline]

    return count


def _table_row(row: Any, overdue: Callable[[str, date | None], int | None]) -> dict[str, Any]:
    return {
        "ref": row.ref,
        "title": row.title,
        "unit": row.unit,
        "person": row.person,
        "deadline": row.deadline.isoformat() if row.deadline else None,
        "days_overdue": overdue(row.policy, row.deadline),
        "level": row.level,
    }


def _order(row: dict[str, Any]) -> tuple[int, int]:
    """Most days overdue first (standing items last), then by ref: R2 before R10."""
    days = row["days_overdue"]
    return -(days if days is not None else -1), int(str(row["ref"])[1:])


def read_note(note: str | None) -> dict[str, Any]:
    """A digest's note as queued: policy, day, levels and the table's items."""
    data: dict[str, Any] = json.loads(note or "{}")
    return data


def table_items(note: str | None) -> Iterator[dict[str, Any]]:
    """The rows of a digest's table, dates as dates."""
    for row in read_note(note).get("items", []):
        deadline = row.get("deadline")
        yield {**row, "deadline": date.fromisoformat(deadline) if deadline else None}
