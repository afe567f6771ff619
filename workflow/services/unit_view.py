"""What a unit's own people read (the web's first page for them, issue 9): their unit's open
items worst first, whether an item or an evidence file is their unit's, and the file itself.

Office staff and leaders read everything; a unit's people read their unit's items only. The
web answers another unit's item with 404, as if it did not exist, so these functions say
"not yours" as None rather than raising.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, case, select

from definitions.policies import Policy
from workflow.db.schema import (
    audit_events,
    campaigns,
    evidence,
    evidence_blobs,
    items,
    people,
    problems,
    tasks,
    units,
)
from workflow.errors import InvalidInput
from workflow.escalation import days_left, local_today
from workflow.refs import normalise
from workflow.services import calendar_days
from workflow.services.queries import LEVELS, OPEN_STATES

OPEN_ITEM_FIELDS = (
    "ref", "title", "state", "level", "deadline", "deadline_kind", "days_left", "day_count",
    "person", "task", "problem", "campaign",
)  # fmt: skip
_RANK = case(*((items.c.level == level, rank) for rank, level in enumerate(LEVELS)), else_=0)


@dataclass(frozen=True)
class EvidenceFile:
    filename: str
    content: bytes


def open_items(
    conn: Connection,
    *,
    unit_id: int,
    now: datetime,
    zone: ZoneInfo,
    policies: Mapping[str, Policy],
) -> list[dict[str, Any]]:
    """The unit's items issued or assigned, worst first: highest warning, then the earliest
    deadline (standing items, which have none, last), then ref. `days_left` is counted as the
    campaign's policy counts days (negative once past), None for a standing item."""
    query = (
        select(
            items.c.ref,
            tasks.c.title,
            items.c.state,
            items.c.level,
            items.c.deadline,
            items.c.deadline_kind,
            people.c.name.label("person"),
            tasks.c.ref.label("task"),
            problems.c.ref.label("problem"),
            campaigns.c.code.label("campaign"),
            campaigns.c.policy,
        )
        .join(tasks, tasks.c.id == items.c.task_id)
        .join(problems, problems.c.id == tasks.c.problem_id)
        .join(campaigns, campaigns.c.id == problems.c.campaign_id)
        .join(people, people.c.id == items.c.person_id)
        .where(items.c.unit_id == unit_id, items.c.state.in_(OPEN_STATES))
        .order_by(
            _RANK.desc(),
            case((items.c.deadline.is_(None), 1), else_=0),
            items.c.deadline,
            items.c.id,
        )
    )
    rows = [dict(row) for row in conn.execute(query).mappings()]
    today = local_today(now, zone)
    working = {
        row["policy"] for row in rows
        if row["policy"] in policies and policies[row["policy"]].day_count == "working"
    }  # fmt: skip
    calendar = calendar_days.load(conn) if working else None
    for row in rows:
        policy = row.pop("policy")
        row["day_count"] = "working" if policy in working else "calendar"
        if row["deadline"] is None:
            row["days_left"] = None
        elif calendar is not None and policy in working:
            row["days_left"] = days_left(row["deadline"], today, policies[policy], calendar)
        else:
            row["days_left"] = (row["deadline"] - today).days
    return rows


def item_unit(conn: Connection, ref: str) -> int | None:
    """The unit of responsibility item REF, or None when there is no such item (or REF is a
    problem or task, which belong to no one unit)."""
    try:
        kind, ref = normalise(ref)
    except InvalidInput:
        return None
    if kind != "responsibility":
        return None
    found = conn.execute(select(items.c.unit_id).where(items.c.ref == ref)).scalar()
    return None if found is None else int(found)


def evidence_file(conn: Connection, sha256: str, *, unit_id: int | None) -> EvidenceFile | None:
    """The evidence file with this SHA-256 and the name it was given, or None. With
    `unit_id`, only a file attached to one of that unit's items (the first name it was given
    there): the same photo sent by two units is each one's own."""
    query = (
        select(evidence.c.filename, evidence_blobs.c.content)
        .join(evidence_blobs, evidence_blobs.c.sha256 == evidence.c.sha256)
        .where(evidence.c.sha256 == sha256.lower())
        .order_by(evidence.c.id)
        .limit(1)
    )
    if unit_id is not None:
        query = (
            query.join(audit_events, audit_events.c.id == evidence.c.event_id)
            .join(items, items.c.ref == audit_events.c.ref)
            .where(audit_events.c.kind == "responsibility", items.c.unit_id == unit_id)
        )
    found = conn.execute(query).first()
    return None if found is None else EvidenceFile(found.filename, bytes(found.content))


def unit_names(conn: Connection, unit_id: int | None) -> dict[str, str]:
    """{'code': ..., 'name': ...} of a unit."""
    row = conn.execute(select(units.c.code, units.c.name).where(units.c.id == unit_id)).one()
    return {"code": row.code, "name": row.name}
