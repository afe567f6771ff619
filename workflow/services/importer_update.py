"""`import --update`: a revised ledger moves the deadlines it changed and adds its new rows.

A row is the same row as before when its key (序号, 整改措施, 责任单位) is; its deadline has
changed when the ledger now says something else than it said then (the task's deadline, which
extensions of single items do not touch). The open items of such a task get the new deadline as
an approved extension (延期) whose reason is the ledger: the extension row, the kept original
deadline, the new deadline version and count, the audit row and the notice to the person, as
`rectify extension approve` would give them, for all moved items at once. 立行立改 said again is
not a change, although its date would fall on another day.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from workflow import audit
from workflow.app import App
from workflow.db.schema import extensions, items, problems, tasks
from workflow.i18n import Msg
from workflow.ledger.reader import RowError
from workflow.output import format_date
from workflow.services import notices
from workflow.services.importer_check import Problem, Task
from workflow.services.sweep import OPEN_STATES, sweep_in

SWEEP_BLOCK = 5000  # item ids per sweep: bound parameters, well under SQLite's 32,766


@dataclass(frozen=True)
class Known:
    """A task an earlier import made, as its ledger row last said."""

    task_id: int
    ref: str
    deadline: date | None
    kind: str
    import_id: int | None


@dataclass
class Plan:
    moves: list[tuple[Known, Task]]  # (task as it is, row saying its new deadline)
    unchanged: int
    new: list[Problem]  # problems with only the new rows as tasks
    errors: list[RowError]


def known_tasks(conn: Connection, campaign_id: int) -> dict[str, Known]:
    """The campaign's imported tasks by ledger key (one query; a set intersection follows)."""
    rows = conn.execute(
        select(
            tasks.c.id,
            tasks.c.ref,
            tasks.c.deadline,
            tasks.c.deadline_kind,
            tasks.c.import_id,
            tasks.c.ledger_key,
        )
        .join(problems, problems.c.id == tasks.c.problem_id)
        .where(problems.c.campaign_id == campaign_id, tasks.c.ledger_key.is_not(None))
        .order_by(tasks.c.id)
    )
    known: dict[str, Known] = {}
    for r in rows:
        known.setdefault(r.ledger_key, Known(r.id, r.ref, r.deadline, r.deadline_kind, r.import_id))
    return known


def plan(
    conn: Connection,
    grouped: list[Problem],
    known: dict[str, Known],
    campaign_id: int,
    deadline_header: str,
) -> Plan:
    """Sort the rows into moved, unchanged and new; new rows of a known problem join it."""
    result = Plan([], 0, [], [])
    existing = {
        (r.ledger_no, r.title): r.id
        for r in conn.execute(
            select(problems.c.id, problems.c.ledger_no, problems.c.title)
            .where(problems.c.campaign_id == campaign_id)
            .order_by(problems.c.id.desc())  # the first of two same problems wins
        )
    }
    for problem in grouped:
        fresh: list[Task] = []
        for task in problem.tasks:
            before = known.get(task.key)
            if before is None:
                fresh.append(task)
            elif _same(before, task):
                result.unchanged += 1
            elif "standing" in (before.kind, task.kind):
                result.errors.append(_standing_change(before, task, deadline_header))
            else:
                result.moves.append((before, task))
        if fresh:
            known_id = existing.get((problem.row.no, problem.row.problem))
            result.new.append(Problem(problem.key, problem.row, fresh, known_id, problem.leader_id))
    return result


def _same(before: Known, task: Task) -> bool:
    if before.kind == task.kind and task.kind in ("immediate", "standing"):
        return True
    return (before.kind, before.deadline) == (task.kind, task.deadline)


def _standing_change(before: Known, task: Task, header: str) -> RowError:
    # An extension moves a date to a date; a standing item has none to move.
    message = (
        Msg(
            "{ref} is a standing task (长期坚持); an update cannot give it a deadline",
            ref=before.ref,
        )
        if before.kind == "standing"
        else Msg(
            "{ref} has a deadline; an update cannot make it standing (长期坚持)", ref=before.ref
        )
    )
    return RowError(task.row.row_number, header, message)


def move_deadlines(
    conn: Connection,
    app: App,
    moves: list[tuple[Known, Task]],
    *,
    campaign: Any,
    source: str,
    import_id: int,
    now: datetime,
    actor: str,
) -> list[tuple[str, date]]:
    """Move the open items of the moved tasks; returns (item ref, new deadline) of each."""
    reason = f"台账更新：{source}"
    by_deadline: dict[tuple[date, str], list[Known]] = defaultdict(list)
    for before, task in moves:
        assert task.deadline is not None  # standing rows never move (see plan)
        by_deadline[(task.deadline, task.kind)].append(before)
    moved: list[tuple[str, date]] = []
    moved_ids: list[int] = []
    for (deadline, kind), known in by_deadline.items():
        task_ids = [k.task_id for k in known]
        conn.execute(
            update(tasks)
            .where(tasks.c.id.in_(task_ids))
            .values(deadline=deadline, deadline_kind=kind, updated_at=now)
        )
        audit.record_many(
            conn,
            [
                {
                    "kind": "task",
                    "ref": k.ref,
                    "trigger": "ledger_update",
                    "from_state": None,
                    "to_state": state,
                    "actor": actor,
                    "at": now,
                    "note": f"{_shown(k.deadline)} → {format_date(deadline, 'zh')}: {reason}",
                }
                for k, state in _task_states(conn, task_ids, known)
            ],
        )
        # Items already at the new date (extended one by one) have nothing to move.
        targets = conn.execute(
            select(items.c.id, items.c.ref, items.c.state, items.c.deadline)
            .where(
                items.c.task_id.in_(task_ids),
                items.c.state.in_(OPEN_STATES),
                items.c.deadline != deadline,
            )
            .order_by(items.c.id)
        ).all()
        if not targets:
            continue
        ids = [t.id for t in targets]
        conn.execute(
            insert(extensions),
            [
                {
                    "item_id": t.id,
                    "status": "approved",
                    "current_deadline": t.deadline,
                    "requested_deadline": deadline,
                    "reason": reason,
                    "requested_by": actor,
                    "requested_at": now,
                    "decided_by": actor,
                    "decided_at": now,
                    "decision_note": reason,
                }
                for t in targets
            ],
        )
        conn.execute(
            update(items)
            .where(items.c.id.in_(ids))
            .values(
                deadline=deadline,
                deadline_kind=kind,
                deadline_version=items.c.deadline_version + 1,
                extension_count=items.c.extension_count + 1,
                level="none",
                updated_at=now,
            )
        )
        audit.record_many(
            conn,
            [
                {
                    "kind": "responsibility",
                    "ref": t.ref,
                    "trigger": "extension_approved",
                    "from_state": t.state,
                    "to_state": t.state,
                    "actor": actor,
                    "at": now,
                    "note": f"{format_date(deadline, 'zh')}: {reason}",
                }
                for t in targets
            ],
        )
        notices.notify(
            conn,
            app,
            where=items.c.id.in_(ids),
            policy_name=campaign.policy,
            event="extension_approved",
            event_key=f"ledger:{import_id}",
            recipients=("person",),
            now=now,
            note=reason,
        )
        moved += [(t.ref, deadline) for t in targets]
        moved_ids += ids
    # Under the new deadline each item starts from no warning and is raised at once to the
    # level it has reached, as an approved extension is: one sweep per block of moved items.
    for start in range(0, len(moved_ids), SWEEP_BLOCK):
        sweep_in(conn, app, now, item_ids=moved_ids[start : start + SWEEP_BLOCK])
    return moved


def _task_states(conn: Connection, task_ids: list[int], known: list[Known]) -> list[Any]:
    rows = conn.execute(select(tasks.c.id, tasks.c.state).where(tasks.c.id.in_(task_ids)))
    states = {task_id: state for task_id, state in rows}
    return [(k, states[k.task_id]) for k in known]


def _shown(day: date | None) -> str:
    return format_date(day, "zh") if day else "长期坚持"
