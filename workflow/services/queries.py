"""Read side: the three lists, one item in full, and its history.

Lists are plain SQL rows streamed from the database (never ORM objects), so a campaign of
100,000 items is one query whatever its size.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, Select, case, exists, func, literal, null, select

from workflow.db.schema import (
    audit_events,
    campaigns,
    evidence,
    evidence_blobs,
    items,
    notices,
    people,
    problems,
    tasks,
    units,
)
from workflow.errors import InvalidInput, NotFound
from workflow.i18n import Msg
from workflow.refs import normalise
from workflow.services.directory import find_person, find_unit

LEVELS = ("none", "blue", "yellow", "red")
# "no problem P9": one message per kind, so that each reads naturally in Chinese too.
MISSING = {
    "problem": Msg("no problem {ref}"),
    "task": Msg("no task {ref}"),
    "responsibility": Msg("no responsibility item {ref}"),
}
STATES = ("issued", "assigned", "fixed", "closed")
KINDS = ("problem", "task", "responsibility")
OPEN_STATES = ("issued", "assigned")
LIST_FIELDS = (
    "ref", "kind", "title", "state", "level", "deadline", "deadline_kind",
    "unit", "person", "task", "problem", "campaign", "role",
)  # fmt: skip
# What a person reads in a table; JSON and CSV carry every field of LIST_FIELDS.
TABLE_COLUMNS = {
    "problem": ("ref", "title", "state", "level", "deadline", "campaign"),
    "task": ("ref", "title", "state", "level", "deadline", "problem"),
    "responsibility": (
        "ref",
        "title",
        "unit",
        "person",
        "role",
        "state",
        "level",
        "deadline",
        "task",
    ),
}
# A fixed or closed item no longer escalates: it shows no warning, though its row keeps the
# level it reached (a rejected item resumes from there).
_shown_level = case((items.c.state.in_(("issued", "assigned")), items.c.level), else_="none")
_RANK = case(*((items.c.level == level, rank) for rank, level in enumerate(LEVELS)), else_=0)


def resolve_filters(
    conn: Connection,
    *,
    campaign: str | None,
    unit: str | None,
    person: str | None,
    level: str | None,
) -> tuple[int | None, int | None]:
    """Check the filters the lists share, before any row is read: (unit id, person id)."""
    if level is not None and level not in LEVELS:
        raise InvalidInput(
            "level {level!r} must be one of {levels}", level=level, levels=", ".join(LEVELS)
        )
    unit_id = find_unit(conn, unit) if unit else None
    if (
        campaign is not None
        and conn.execute(select(campaigns.c.id).where(campaigns.c.code == campaign)).first() is None
    ):
        raise NotFound("no campaign {code!r}", code=campaign)
    person_id = find_person(conn, person, prefer_unit_id=unit_id).id if person else None
    return unit_id, person_id


def list_rows(
    conn: Connection,
    *,
    kind: str = "responsibility",
    campaign: str | None = None,
    unit: str | None = None,
    state: str | None = None,
    level: str | None = None,
    person: str | None = None,
) -> Iterator[dict[str, Any]]:
    if kind not in KINDS:
        raise InvalidInput(
            "kind {kind!r} must be one of {kinds}", kind=kind, kinds=", ".join(KINDS)
        )
    if state is not None and state not in STATES:
        raise InvalidInput(
            "state {state!r} must be one of {states}", state=state, states=", ".join(STATES)
        )
    unit_id, person_id = resolve_filters(
        conn, campaign=campaign, unit=unit, person=person, level=level
    )
    query = {"responsibility": _items_query, "task": _tasks_query, "problem": _problems_query}[
        kind
    ](unit_id, level)
    if campaign is not None:
        query = query.where(campaigns.c.code == campaign)
    if person_id is not None:
        query = query.where(_of_person(kind, person_id))
    if state is not None:
        query = query.where(query.selected_columns.state == state)
    result = conn.execution_options(yield_per=2000).execute(query)
    for row in result.mappings():
        record = dict(row)
        if "rank" in record:
            record["level"] = LEVELS[int(record.pop("rank") or 0)]
        yield record


def _items_query(unit_id: int | None, level: str | None) -> Select[Any]:
    query = (
        select(
            items.c.ref,
            literal("responsibility").label("kind"),
            tasks.c.title,
            items.c.state,
            _shown_level.label("level"),
            items.c.deadline,
            items.c.deadline_kind,
            units.c.name.label("unit"),
            people.c.name.label("person"),
            tasks.c.ref.label("task"),
            problems.c.ref.label("problem"),
            campaigns.c.code.label("campaign"),
            items.c.role,
        )
        .join(tasks, tasks.c.id == items.c.task_id)
        .join(problems, problems.c.id == tasks.c.problem_id)
        .join(campaigns, campaigns.c.id == problems.c.campaign_id)
        .join(units, units.c.id == items.c.unit_id)
        .join(people, people.c.id == items.c.person_id)
        .order_by(items.c.id)
    )
    if unit_id is not None:
        query = query.where(items.c.unit_id == unit_id)
    if level is not None:
        query = query.where(_shown_level == level)
    return query


def _of_person(kind: str, person_id: int) -> Any:
    """Rows the person answers for: their items, and the tasks and problems of those."""
    if kind == "responsibility":
        return items.c.person_id == person_id
    if kind == "task":
        return exists().where(items.c.task_id == tasks.c.id, items.c.person_id == person_id)
    return (
        exists()
        .select_from(items.join(tasks, tasks.c.id == items.c.task_id))
        .where(tasks.c.problem_id == problems.c.id, items.c.person_id == person_id)
    )


def _open_rank(group_key: Any) -> Any:
    """The highest warning among a parent's open items, per parent."""
    return (
        select(group_key.label("parent_id"), func.max(_RANK).label("rank"))
        .select_from(items.join(tasks, tasks.c.id == items.c.task_id))
        .where(items.c.state.in_(OPEN_STATES))
        .group_by(group_key)
        .subquery()
    )


def _tasks_query(unit_id: int | None, level: str | None) -> Select[Any]:
    ranks = _open_rank(tasks.c.id)
    query = (
        select(
            tasks.c.ref,
            literal("task").label("kind"),
            tasks.c.title,
            tasks.c.state,
            func.coalesce(ranks.c.rank, 0).label("rank"),
            tasks.c.deadline,
            tasks.c.deadline_kind,
            null().label("unit"),
            null().label("person"),
            tasks.c.ref.label("task"),
            problems.c.ref.label("problem"),
            campaigns.c.code.label("campaign"),
            null().label("role"),
        )
        .join(problems, problems.c.id == tasks.c.problem_id)
        .join(campaigns, campaigns.c.id == problems.c.campaign_id)
        .outerjoin(ranks, ranks.c.parent_id == tasks.c.id)
        .order_by(tasks.c.id)
    )
    if unit_id is not None:
        query = query.where(
            exists().where(items.c.task_id == tasks.c.id, items.c.unit_id == unit_id)
        )
    if level is not None:
        query = query.where(func.coalesce(ranks.c.rank, 0) == LEVELS.index(level))
    return query


def _problems_query(unit_id: int | None, level: str | None) -> Select[Any]:
    ranks = _open_rank(tasks.c.problem_id)
    latest = (
        select(tasks.c.problem_id, func.max(tasks.c.deadline).label("deadline"))
        .group_by(tasks.c.problem_id)
        .subquery()
    )
    query = (
        select(
            problems.c.ref,
            literal("problem").label("kind"),
            problems.c.title,
            problems.c.state,
            func.coalesce(ranks.c.rank, 0).label("rank"),
            latest.c.deadline,
            # A problem whose tasks are all standing (长期坚持) has no deadline either.
            case(
                (latest.c.problem_id.is_not(None) & latest.c.deadline.is_(None), "standing"),
                else_="date",
            ).label("deadline_kind"),
            null().label("unit"),
            null().label("person"),
            null().label("task"),
            problems.c.ref.label("problem"),
            campaigns.c.code.label("campaign"),
            null().label("role"),
        )
        .join(campaigns, campaigns.c.id == problems.c.campaign_id)
        .outerjoin(ranks, ranks.c.parent_id == problems.c.id)
        .outerjoin(latest, latest.c.problem_id == problems.c.id)
        .order_by(problems.c.id)
    )
    if unit_id is not None:
        query = query.where(
            exists()
            .select_from(items.join(tasks, tasks.c.id == items.c.task_id))
            .where(tasks.c.problem_id == problems.c.id, items.c.unit_id == unit_id)
        )
    if level is not None:
        query = query.where(func.coalesce(ranks.c.rank, 0) == LEVELS.index(level))
    return query


def show(conn: Connection, ref: str) -> dict[str, Any]:
    """One row of any kind in full, with its children (or, for an item, its evidence)."""
    kind, ref = normalise(ref)
    query = {"responsibility": _items_query, "task": _tasks_query, "problem": _problems_query}[
        kind
    ](None, None)
    table = {"responsibility": items, "task": tasks, "problem": problems}[kind]
    row = conn.execute(query.where(table.c.ref == ref)).mappings().first()
    if row is None:
        raise NotFound(Msg(MISSING[kind].template, ref=ref))
    record = dict(row)
    if "rank" in record:
        record["level"] = LEVELS[int(record.pop("rank") or 0)]
    if kind == "responsibility":
        extra = conn.execute(
            select(
                items.c.original_deadline,
                items.c.deadline_version,
                items.c.extension_count,
                items.c.last_progress_at,
                items.c.ledger_note,
            ).where(items.c.ref == ref)
        ).one()
        record.update(extra._asdict())
        record["evidence"] = [
            dict(e)
            for e in conn.execute(
                select(evidence.c.filename, evidence.c.sha256, evidence_blobs.c.size)
                .join(audit_events, audit_events.c.id == evidence.c.event_id)
                .join(evidence_blobs, evidence_blobs.c.sha256 == evidence.c.sha256)
                .where(audit_events.c.ref == ref)
                .order_by(evidence.c.id)
            ).mappings()
        ]
    elif kind == "task":
        children = _items_query(None, None).where(tasks.c.ref == ref)
        record["items"] = [dict(r) for r in conn.execute(children).mappings()]
    else:
        origin = conn.execute(
            select(
                problems.c.source,
                problems.c.category,
                problems.c.ledger_no,
                people.c.name.label("leader_in_charge"),  # 责任领导
            )
            .outerjoin(people, people.c.id == problems.c.leader_id)
            .where(problems.c.ref == ref)
        ).one()
        record.update(origin._asdict())
        children = _tasks_query(None, None).where(problems.c.ref == ref)
        record["tasks"] = [
            {**dict(r), "level": LEVELS[int(r["rank"] or 0)]}
            for r in conn.execute(children).mappings()
        ]
        for child in record["tasks"]:
            child.pop("rank")
    return record


def history(conn: Connection, ref: str) -> list[dict[str, Any]]:
    kind, ref = normalise(ref)
    table = {"responsibility": items, "task": tasks, "problem": problems}[kind]
    if conn.execute(select(table.c.id).where(table.c.ref == ref)).first() is None:
        raise NotFound(Msg(MISSING[kind].template, ref=ref))
    files: dict[int, list[dict[str, Any]]] = {}
    for e in conn.execute(
        select(evidence.c.event_id, evidence.c.filename, evidence.c.sha256)
        .join(audit_events, audit_events.c.id == evidence.c.event_id)
        .where(audit_events.c.ref == ref)
        .order_by(evidence.c.id)
    ):
        files.setdefault(e.event_id, []).append({"filename": e.filename, "sha256": e.sha256})
    rows = conn.execute(
        select(audit_events).where(audit_events.c.ref == ref).order_by(audit_events.c.id)
    )
    return [
        {
            "at": r.at,
            "actor": r.actor,
            "trigger": r.trigger,
            "from": r.from_state,
            "to": r.to_state,
            "note": r.note,
            "evidence": files.get(r.id, []),
        }
        for r in rows
    ]


NOTICE_STATUSES = ("pending", "sending", "sent", "dead", "skipped")
NOTICE_FIELDS = (
    "id", "ref", "event", "deadline_version", "recipient", "channel", "address", "status",
    "attempts", "next_attempt_at", "sent_at", "last_error",
)  # fmt: skip


def list_notices(
    conn: Connection, *, status: str | None = None, ref: str | None = None
) -> Iterator[dict[str, Any]]:
    """The outbox, oldest first."""
    query = (
        select(
            notices.c.id,
            items.c.ref,
            notices.c.event,
            notices.c.recipient_name.label("recipient"),
            notices.c.channel,
            notices.c.address,
            notices.c.status,
            notices.c.attempts,
            notices.c.next_attempt_at,
            notices.c.sent_at,
            notices.c.last_error,
            # A digest (no item) covers many items: no ref and no deadline version.
            case((notices.c.item_id.is_(None), None), else_=notices.c.deadline_version).label(
                "deadline_version"
            ),
        )
        .outerjoin(items, items.c.id == notices.c.item_id)
        .order_by(notices.c.id)
    )
    if status is not None:
        if status not in NOTICE_STATUSES:
            raise InvalidInput(
                "status {status!r} must be one of {statuses}",
                status=status,
                statuses=", ".join(NOTICE_STATUSES),
            )
        query = query.where(notices.c.status == status)
    if ref is not None:
        query = query.where(items.c.ref == normalise(ref)[1])
    for row in conn.execution_options(yield_per=2000).execute(query).mappings():
        yield dict(row)
