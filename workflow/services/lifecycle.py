"""Firing triggers on responsibility items, and the roll-up to tasks and problems.

Each request is one write transaction: the item's new state, its audit row, any evidence, and
the roll-up of its task and problem (each with its own audit row) commit together or not at all.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, case, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from workflow import audit
from workflow.app import App
from workflow.db.schema import (
    campaigns,
    evidence,
    evidence_blobs,
    items,
    problems,
    tasks,
)
from workflow.errors import InvalidInput, NotFound
from workflow.identity import relation
from workflow.machines import Attempt, Machines
from workflow.refs import normalise
from workflow.rollup import rollup_state
from workflow.services import notices
from workflow.terms import Listing, Term

ITEM_TRIGGERS = ("fix", "accept", "reject", "reopen")
SYSTEM = "system"


@dataclass(frozen=True)
class EvidenceFile:
    filename: str
    content: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()

    @classmethod
    def read(cls, path: Path) -> EvidenceFile:
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise InvalidInput(
                "evidence file {path}: {reason}", path=str(path), reason=exc.strerror
            ) from None
        if not content:
            raise InvalidInput("evidence file {path} is empty", path=str(path))
        return cls(path.name, content)


@dataclass(frozen=True)
class Outcome:
    ref: str
    trigger: str
    from_state: str
    to_state: str
    rolled_up: tuple[tuple[str, str, str], ...]  # (ref, from, to) of tasks and problems that moved


def fire(
    app: App,
    ref: str,
    trigger: str,
    *,
    note: str | None = None,
    evidence_files: Sequence[EvidenceFile] = (),
) -> Outcome:
    kind, ref = normalise(ref)
    if kind != "responsibility":
        raise InvalidInput(
            "{ref} is a {kind}; {trigger} acts on responsibility items (R...), and a {kind} "
            "follows them",
            ref=ref,
            kind=Term("kind", kind),
            trigger=Term("action", trigger),
        )
    if trigger not in ITEM_TRIGGERS:
        raise InvalidInput(
            "{trigger} is not one of {triggers}",
            trigger=trigger,
            triggers=Listing([Term("action", t) for t in ITEM_TRIGGERS]),
        )
    now = app.now()
    note = note.strip() if note and note.strip() else None
    with app.ready_db().write() as conn:
        actor = app.actor().name
        item = locked_item(conn, ref)
        role = relation(app.actor(), item.person_id, item.unit_id, item.leader_id)
        attempt = Attempt("responsibility", ref, trigger, actor, role, note)
        new_state = app.machines.fire("responsibility", item.state, attempt)
        set_item_state(conn, item.id, item.state, new_state, now)
        event_id = audit.record(
            conn,
            kind="responsibility",
            ref=ref,
            trigger=trigger,
            from_state=item.state,
            to_state=new_state,
            actor=actor,
            at=now,
            note=note,
        )
        store_evidence(conn, event_id, evidence_files)
        spec = app.machine_specs["responsibility"].transitions[trigger]
        if spec.notify:
            notices.notify(
                conn,
                app,
                where=items.c.id == item.id,
                policy_name=item.policy,
                event=spec.past,
                event_key=f"{spec.past}:{event_id}",
                recipients=spec.notify,
                now=now,
                note=note,
            )
        moved = roll_up(conn, app.machines, item.task_id, now)
    return Outcome(ref, trigger, item.state, new_state, moved)


def set_item_state(conn: Connection, item_id: int, old: str, new: str, now: datetime) -> None:
    changed = conn.execute(
        update(items)
        .where(items.c.id == item_id, items.c.state == old)
        .values(state=new, updated_at=now)
    ).rowcount
    if changed != 1:  # only possible if another writer slipped past the lock
        raise InvalidInput("the item changed while this request ran; try again")


def store_evidence(conn: Connection, event_id: int, files: Sequence[EvidenceFile]) -> None:
    """Contents are kept once per SHA-256; each upload links its name to the content (the same
    file given twice in one request is one piece of evidence)."""
    for file in dict.fromkeys(files):
        blob = {"sha256": file.sha256, "size": len(file.content), "content": file.content}
        conn.execute(_insert_ignore(conn).values(blob))
        conn.execute(
            insert(evidence).values(event_id=event_id, filename=file.filename, sha256=file.sha256)
        )


# kind -> (its table, the foreign key by which its children point at it)
_PARENTS: dict[str, tuple[Any, Any]] = {
    "task": (tasks, items.c.task_id),
    "problem": (problems, tasks.c.problem_id),
}


def roll_up(
    conn: Connection, machines: Machines, task_id: int, now: datetime
) -> tuple[tuple[str, str, str], ...]:
    """Move the task after its items, then the problem after its tasks, auditing each move."""
    step = follow_children(conn, machines, "task", task_id, now)
    if step is None:
        return ()
    problem_id = conn.execute(select(tasks.c.problem_id).where(tasks.c.id == task_id)).scalar_one()
    problem_step = follow_children(conn, machines, "problem", problem_id, now)
    return (step,) if problem_step is None else (step, problem_step)


def follow_children(
    conn: Connection, machines: Machines, kind: str, row_id: int, now: datetime
) -> tuple[str, str, str] | None:
    """Bring one task or problem to the state its children call for; (ref, from, to) if it moved."""
    table, child_fk = _PARENTS[kind]
    row = conn.execute(select(table.c.ref, table.c.state).where(table.c.id == row_id)).one()
    child_state = child_fk.table.c.state
    counts = conn.execute(
        select(
            func.count(),
            func.coalesce(func.sum(case((child_state == "issued", 1), else_=0)), 0),
            func.coalesce(func.sum(case((child_state.in_(("fixed", "closed")), 1), else_=0)), 0),
            func.coalesce(func.sum(case((child_state == "closed", 1), else_=0)), 0),
        ).where(child_fk == row_id)
    ).one()
    target = rollup_state(*(int(n) for n in counts))
    if target == row.state:
        return None
    move = machines.rollup_move(kind, row.state, target)
    new_state = machines.fire(
        kind, row.state, Attempt(kind, row.ref, move.trigger, SYSTEM, SYSTEM, None)
    )
    conn.execute(update(table).where(table.c.id == row_id).values(state=new_state, updated_at=now))
    audit.record(
        conn,
        kind=kind,
        ref=row.ref,
        trigger=move.trigger,
        from_state=row.state,
        to_state=new_state,
        actor=SYSTEM,
        at=now,
        note="roll-up",
    )
    return (row.ref, row.state, new_state)


def locked_item(conn: Connection, ref: str) -> Any:
    """An item with what deciding on it needs, locked for this transaction (SQLite's BEGIN
    IMMEDIATE already holds the write lock; PostgreSQL needs FOR UPDATE)."""
    query = (
        select(
            items.c.id,
            items.c.ref,
            items.c.state,
            items.c.level,
            items.c.deadline,
            items.c.original_deadline,
            items.c.task_id,
            items.c.unit_id,
            items.c.person_id,
            campaigns.c.code.label("campaign"),
            campaigns.c.deadline.label("bottom_line"),
            campaigns.c.leader_id,
            campaigns.c.policy,
        )
        .join(tasks, tasks.c.id == items.c.task_id)
        .join(problems, problems.c.id == tasks.c.problem_id)
        .join(campaigns, campaigns.c.id == problems.c.campaign_id)
        .where(items.c.ref == ref)
    )
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(of=items)
    row = conn.execute(query).first()
    if row is None:
        raise NotFound("no responsibility item {ref}", ref=ref)
    return row


def _insert_ignore(conn: Connection) -> Any:
    if conn.dialect.name == "postgresql":
        return postgresql.insert(evidence_blobs).on_conflict_do_nothing()
    return sqlite.insert(evidence_blobs).on_conflict_do_nothing()
