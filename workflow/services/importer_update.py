"""`import --update`: a revised ledger moves the deadlines it changed and adds its new rows.

A row is the same row as before when its key (序号, 整改措施, 责任单位) is; its deadline has
changed when the ledger now says something else than it said then (the task's deadline, which
extensions of single items do not touch). The open items of such a task get the new deadline as
an approved extension (延期) whose reason is the ledger: the extension row, the kept original
deadline, the new deadline version and count, the audit row and the notice to the person, as
`rectify extension approve` would give them, for all moved items of a chunk at once. 立行立改
said again is not a change, although its date would fall on another day.

The importer streams a revised ledger as it does a new one: each chunk's keys, the earlier rows
they repeat, the tasks they name and the problems their new rows join are looked up in the
database (by the indexes on tasks.ledger_key and problems (campaign_id, ledger_no)), never in a
dict of the campaign; what a chunk moved is kept as a count and, per deadline, the first refs.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import (
    Column,
    Connection,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    bindparam,
    or_,
    select,
    update,
)

from workflow import audit
from workflow.app import App
from workflow.db.bulk import bulk_insert
from workflow.db.schema import extensions, items, problems, tasks
from workflow.i18n import Msg
from workflow.ledger.reader import RowError
from workflow.output import format_date
from workflow.services import notices
from workflow.services.importer_check import Problem, Task
from workflow.services.sweep import OPEN_STATES, sweep_in

SWEEP_BLOCK = 5000  # item ids per sweep: bound parameters, well under SQLite's 32,766
SHOWN = 20  # moved refs kept per deadline: what `rectify import` prints

Rank = tuple[int, int]  # (first row of the problem, row): the order of a ledger read whole


@dataclass(frozen=True)
class Known:
    """A task an earlier import made, as its ledger row last said."""

    task_id: int
    ref: str
    deadline: date | None
    kind: str
    import_id: int | None


class Move(NamedTuple):
    before: Known  # the task as it is
    task: Task  # the row saying its new deadline
    rank: Rank


@dataclass
class Plan:
    moves: list[Move]
    unchanged: int
    new: list[Problem]  # problems with only the new rows as tasks
    errors: list[tuple[Rank, RowError]]


# The first row of each key of the ledger being read: a temporary table, so that a key
# repeated a million rows later is found by an index probe, not kept in a dict.
_first_rows = Table(
    "import_first_rows",
    MetaData(),
    Column("ledger_key", String(64), primary_key=True),
    Column("row_number", Integer, nullable=False),
    prefixes=["TEMPORARY"],
    postgresql_on_commit="DROP",
    sqlite_with_rowid=False,
)


class FirstRows:
    """Rows repeating the key of an earlier row of the file, found a chunk at a time."""

    def __init__(self, conn: Connection, header: str) -> None:
        self.conn, self.header = conn, header
        _first_rows.create(conn, checkfirst=False)  # rolled back with a failed import

    def repeated(self, seen: Sequence[tuple[str, int]]) -> list[RowError]:
        """Errors for the rows of `seen` (key, row number) whose key an earlier row has."""
        if not seen:
            return []
        keys = {key for key, _ in seen}
        found = self.conn.execute(
            select(_first_rows.c.ledger_key, _first_rows.c.row_number).where(
                _first_rows.c.ledger_key.in_(bindparam("keys", expanding=True))
            ),
            {"keys": list(keys)},
        )
        earlier: dict[str, int] = {key: row for key, row in found}
        first: dict[str, int] = {}
        errors = []
        for key, row in seen:
            before = earlier.get(key) or first.get(key)
            if before is None:
                first[key] = row
            else:
                message = Msg("same 序号, 整改措施 and 责任单位 as row {row}", row=before)
                errors.append(RowError(row, self.header, message))
        bulk_insert(
            self.conn, _first_rows, [{"ledger_key": k, "row_number": n} for k, n in first.items()]
        )
        return errors

    def drop(self) -> None:
        _first_rows.drop(self.conn, checkfirst=False)


def known_tasks(
    conn: Connection, campaign_id: int, keys: Collection[str], import_id: int | None
) -> dict[str, Known]:
    """The campaign's tasks with these ledger keys (the first of each), but those this import
    made. Two queries per chunk: the tasks by the index on ledger_key, then the campaigns of
    their problems by id (a join lets SQLite read every problem of the campaign instead)."""
    if not keys:
        return {}
    query = select(
        tasks.c.id,
        tasks.c.ref,
        tasks.c.deadline,
        tasks.c.deadline_kind,
        tasks.c.import_id,
        tasks.c.ledger_key,
        tasks.c.problem_id,
    ).where(tasks.c.ledger_key.in_(bindparam("keys", expanding=True)))
    if import_id is not None:
        query = query.where(or_(tasks.c.import_id.is_(None), tasks.c.import_id != import_id))
    found = conn.execute(query, {"keys": list(keys)}).all()
    if not found:
        return {}
    ours = {
        problem_id
        for problem_id, campaign in conn.execute(
            select(problems.c.id, problems.c.campaign_id).where(
                problems.c.id.in_(bindparam("ids", expanding=True))
            ),
            {"ids": list({r.problem_id for r in found})},
        )
        if campaign == campaign_id
    }
    known: dict[str, Known] = {}
    for r in found:
        first = known.get(r.ledger_key)
        if r.problem_id in ours and (first is None or r.id < first.task_id):
            known[r.ledger_key] = Known(r.id, r.ref, r.deadline, r.deadline_kind, r.import_id)
    return known


def plan(
    conn: Connection,
    grouped: list[Problem],
    campaign_id: int,
    deadline_header: str,
    import_id: int | None,
) -> Plan:
    """Sort a chunk's rows into moved, unchanged and new; new rows of a known problem join it.

    Each problem not yet written is looked up among those earlier imports made (by 序号 and
    问题描述): found, its new rows join it, in this chunk and later ones (`joined`). The tasks
    of each problem are left as only its new rows."""
    result = Plan([], 0, [], [])
    keys = [t.key for p in grouped for t in p.tasks]
    known = known_tasks(conn, campaign_id, keys, import_id)
    _find_problems(conn, [p for p in grouped if p.existing_id is None], campaign_id)
    for problem in grouped:
        fresh: list[Task] = []
        for task in problem.tasks:
            before = known.get(task.key)
            rank = (problem.row.row_number, task.row.row_number)
            if before is None:
                fresh.append(task)
            elif _same(before, task):
                result.unchanged += 1
            elif "standing" in (before.kind, task.kind):
                result.errors.append((rank, _standing_change(before, task, deadline_header)))
            else:
                result.moves.append(Move(before, task, rank))
        problem.tasks = fresh
        if fresh:
            result.new.append(problem)
    return result


def _find_problems(conn: Connection, unwritten: list[Problem], campaign_id: int) -> None:
    """Set existing_id (and joined) of the problems an earlier import made; the first of two
    same problems wins."""
    if not unwritten:
        return
    numbered = {p.row.no for p in unwritten if p.row.no is not None}
    titled = {p.row.problem for p in unwritten if p.row.no is None}
    found: dict[tuple[str | None, str | None], int] = {}
    for column, values, extra in (
        (problems.c.ledger_no, numbered, None),
        (problems.c.title, titled, problems.c.ledger_no.is_(None)),
    ):
        if not values:
            continue
        conditions = [
            problems.c.campaign_id == campaign_id,
            column.in_(bindparam("values", expanding=True)),
        ]
        if extra is not None:
            conditions.append(extra)
        rows = conn.execute(
            select(problems.c.id, problems.c.ledger_no, problems.c.title)
            .where(and_(*conditions))
            .order_by(problems.c.id.desc()),
            {"values": list(values)},
        )
        found.update({(r.ledger_no, r.title): r.id for r in rows})
    for problem in unwritten:
        known_id = found.get((problem.row.no, problem.row.problem))
        if known_id is not None:
            problem.existing_id, problem.joined = known_id, True


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


@dataclass
class _Group:
    rank: Rank  # of its first move
    count: int = 0
    first: list[tuple[int, str]] = field(default_factory=list)  # (item id, ref), lowest ids


@dataclass(frozen=True)
class MovedTo:
    deadline: date
    refs: tuple[str, ...]  # the first SHOWN, by item id
    count: int


class MoveTally:
    """The items an update moved: how many, and per new deadline the first refs, in the order
    a ledger read whole would list them; not every ref (a ledger may move a million)."""

    def __init__(self) -> None:
        self.count = 0
        self.groups: dict[tuple[date, str], _Group] = {}

    def add(self, deadline: date, kind: str, rank: Rank, moved: Sequence[tuple[int, str]]) -> None:
        group = self.groups.setdefault((deadline, kind), _Group(rank))
        group.rank = min(group.rank, rank)
        group.count += len(moved)
        group.first = heapq.nsmallest(SHOWN, [*group.first, *moved])
        self.count += len(moved)

    def by_deadline(self) -> tuple[MovedTo, ...]:
        shown: dict[date, tuple[list[str], int]] = {}
        for (deadline, _), group in sorted(self.groups.items(), key=lambda g: g[1].rank):
            if group.count:
                refs, count = shown.get(deadline, ([], 0))
                shown[deadline] = (refs + [ref for _, ref in group.first], count + group.count)
        return tuple(MovedTo(d, tuple(refs[:SHOWN]), n) for d, (refs, n) in shown.items())


def move_deadlines(
    conn: Connection,
    app: App,
    moves: list[Move],
    tally: MoveTally,
    *,
    campaign: Any,
    source: str,
    import_id: int,
    now: datetime,
    actor: str,
) -> None:
    """Move the open items of the moved tasks, counting them in `tally`."""
    reason = f"台账更新：{source}"
    by_deadline: dict[tuple[date, str], list[Known]] = defaultdict(list)
    ranks: dict[tuple[date, str], Rank] = {}
    for before, task, rank in moves:
        assert task.deadline is not None  # standing rows never move (see plan)
        by_deadline[(task.deadline, task.kind)].append(before)
        group = (task.deadline, task.kind)
        ranks[group] = min(ranks.get(group, rank), rank)
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
        # Open items not already at the new date (extended one by one), found by their tasks
        # alone: with the state in the query, SQLite would read every open item by its index.
        targets = [
            t
            for t in conn.execute(
                select(items.c.id, items.c.ref, items.c.state, items.c.deadline)
                .where(items.c.task_id.in_(task_ids))
                .order_by(items.c.id)
            )
            if t.state in OPEN_STATES and t.deadline is not None and t.deadline != deadline
        ]
        tally.add(deadline, kind, ranks[(deadline, kind)], [(t.id, t.ref) for t in targets])
        if not targets:
            continue
        ids = [t.id for t in targets]
        bulk_insert(
            conn,
            extensions,
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
        moved_ids += ids
    # Under the new deadline each item starts from no warning and is raised at once to the
    # level it has reached, as an approved extension is: one sweep per block of moved items.
    for start in range(0, len(moved_ids), SWEEP_BLOCK):
        sweep_in(conn, app, now, item_ids=moved_ids[start : start + SWEEP_BLOCK])


def _task_states(conn: Connection, task_ids: list[int], known: list[Known]) -> list[Any]:
    rows = conn.execute(select(tasks.c.id, tasks.c.state).where(tasks.c.id.in_(task_ids)))
    states = {task_id: state for task_id, state in rows}
    return [(k, states[k.task_id]) for k in known]


def _shown(day: date | None) -> str:
    return format_date(day, "zh") if day else "长期坚持"
