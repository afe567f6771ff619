"""Writing checked ledger rows: a handful of multi-row INSERTs per chunk of the file.

A streaming import calls `write_rows` once per chunk (notify=False) and `queue_assignments`
once at the end: one INSERT ... SELECT of the 交办 notices for every item of the import."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, select

from workflow import audit
from workflow.app import App
from workflow.db.bulk import bulk_insert
from workflow.db.schema import items, problems, tasks
from workflow.refs import allocate
from workflow.services import notices
from workflow.services.importer_check import Problem


@dataclass(frozen=True)
class Written:
    problems: int  # new problems (an update may add tasks to problems it already has)
    tasks: int
    items: int
    first_ref: str | None  # of the items
    last_ref: str | None
    task_ids: tuple[int, ...] = ()  # in the order written
    row_numbers: tuple[int, ...] = ()  # the ledger row of each of those tasks


def write_rows(
    conn: Connection,
    app: App,
    grouped: list[Problem],
    campaign: Any,
    source: str,
    import_id: int,
    now: datetime,
    actor: str,
    *,
    notify: bool = True,
) -> Written:
    """Insert the problems (those not already there), tasks and items of `grouped`."""
    versions = {kind: spec.version for kind, spec in app.machine_specs.items()}
    stamps = {"state": "assigned", "created_at": now, "updated_at": now}
    new_problems = [p for p in grouped if p.existing_id is None]
    all_tasks = [task for problem in grouped for task in problem.tasks]
    if not all_tasks:
        return Written(0, 0, 0, None, None)
    problem_refs = allocate(conn, "problem", len(new_problems)) if new_problems else []
    task_refs = allocate(conn, "task", len(all_tasks))
    item_count = sum(len(task.assignments) for task in all_tasks)
    item_refs = allocate(conn, "responsibility", item_count)

    new_ids = _insert_returning_ids(
        conn,
        problem_refs,
        problems,
        [
            {
                "ref": ref,
                "campaign_id": campaign.id,
                "ledger_no": p.row.no,
                "source": p.row.source,
                "category": p.row.category,
                "title": p.row.problem,
                "leader_id": p.leader_id,
                "definition_version": versions["problem"],
                **stamps,
            }
            for ref, p in zip(problem_refs, new_problems, strict=True)
        ],
    )
    for problem, problem_id in zip(new_problems, new_ids, strict=True):
        problem.existing_id = problem_id
    task_rows = [
        {
            "ref": ref,
            "problem_id": problem.existing_id,
            "title": task.row.task,
            "deadline": task.deadline,
            "deadline_kind": task.kind,
            "import_id": import_id,
            "ledger_key": task.key,
            "definition_version": versions["task"],
            **stamps,
        }
        for ref, (problem, task) in zip(
            task_refs, [(p, t) for p in grouped for t in p.tasks], strict=True
        )
    ]
    task_ids = _insert_returning_ids(conn, task_refs, tasks, task_rows)

    item_rows = []
    item_row_numbers = []  # the ledger row of each item, for its audit note
    refs = iter(item_refs)
    for task_id, task in zip(task_ids, all_tasks, strict=True):
        for unit_id, person_id, role in task.assignments:
            item_rows.append(
                {
                    "ref": next(refs),
                    "task_id": task_id,
                    "unit_id": unit_id,
                    "person_id": person_id,
                    "role": role,
                    "deadline": task.deadline,
                    "original_deadline": task.deadline,
                    "deadline_kind": task.kind,
                    "ledger_note": task.row.progress,
                    "level": "none",
                    "definition_version": versions["responsibility"],
                    **stamps,
                }
            )
            item_row_numbers.append(task.row.row_number)
    bulk_insert(conn, items, item_rows)

    def event(kind: str, ref: str, row_number: int) -> dict[str, Any]:
        return {
            "kind": kind,
            "ref": ref,
            "trigger": "import",
            "from_state": None,
            "to_state": "assigned",
            "actor": actor,
            "at": now,
            "note": f"{source} row {row_number}",
        }

    audit.record_many(
        conn,
        [
            event("problem", r, p.row.row_number)
            for r, p in zip(problem_refs, new_problems, strict=True)
        ]
        + [event("task", r, t.row.row_number) for r, t in zip(task_refs, all_tasks, strict=True)]
        + [
            event("responsibility", ref, n)
            for ref, n in zip(item_refs, item_row_numbers, strict=True)
        ],
    )
    if notify:
        queue_assignments(conn, app, campaign, import_id, now)
    return Written(
        len(new_problems),
        len(all_tasks),
        item_count,
        item_refs[0],
        item_refs[-1],
        tuple(task_ids),
        tuple(t.row.row_number for t in all_tasks),
    )


def queue_assignments(
    conn: Connection, app: App, campaign: Any, import_id: int, now: datetime
) -> None:
    """交办 notices for every imported item: the items of this import's tasks."""
    spec = app.machine_specs["responsibility"].transitions["assign"]
    if spec.notify:
        notices.notify(
            conn,
            app,
            where=and_(tasks.c.import_id == import_id, items.c.created_at == now),
            policy_name=campaign.policy,
            event=spec.past,
            event_key=spec.past,
            recipients=spec.notify,
            now=now,
        )


def _insert_returning_ids(
    conn: Connection, refs: list[str], table: Any, rows: list[dict[str, Any]]
) -> list[int]:
    """Insert many rows and get their ids back in the order of `refs`, the rows' own refs
    (unique): one executemany and one SELECT, not a RETURNING converted row by row."""
    if not rows:
        return []
    bulk_insert(conn, table, rows)
    found = conn.execute(
        select(table.c.ref, table.c.id).where(table.c.ref.in_(bindparam("refs", expanding=True))),
        {"refs": refs},
    )
    ids = {ref: row_id for ref, row_id in found}
    return [int(ids[ref]) for ref in refs]
