"""Import a ledger (整改台账) into a campaign: every row, or nothing.

The file is read and checked against the units and people in full before anything is written;
any bad row fails the import with every error listed by its spreadsheet row number. The writes
are a handful of multi-row INSERTs in one transaction, whatever the size of the file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, and_, insert, select

from workflow import audit
from workflow.app import App
from workflow.db.schema import items, people, problems, tasks, units
from workflow.errors import ImportFailed, InvalidInput
from workflow.ledger.reader import Ledger, LedgerFormatError, LedgerRow, RowError, read_ledger
from workflow.refs import allocate
from workflow.services import notices
from workflow.services.directory import find_campaign

GROUP_PREFIX = "各"  # 各乡镇: "every township", i.e. every unit in the group 乡镇


@dataclass(frozen=True)
class ImportSummary:
    problems: int
    tasks: int
    items: int
    first_ref: str
    last_ref: str


@dataclass
class _Problem:
    key: str
    row: LedgerRow
    tasks: list[_Task] = field(default_factory=list)


@dataclass
class _Task:
    row: LedgerRow
    deadline: date
    # (unit id, person id, role) for each responsibility item of the task
    assignments: list[tuple[int, int, str]]


class _Directory:
    """Units and people held in memory for checking a file: they are few, rows are many."""

    def __init__(self, conn: Connection) -> None:
        self.unit_ids: dict[str, int] = {}
        self.groups: dict[str, list[int]] = {}
        self.unit_names: dict[int, str] = {}
        for u in conn.execute(select(units.c.id, units.c.code, units.c.name, units.c.unit_group)):
            self.unit_ids[u.code] = self.unit_ids[u.name] = u.id
            self.unit_names[u.id] = u.name
            if u.unit_group:
                self.groups.setdefault(u.unit_group, []).append(u.id)
        self.people: dict[str, list[tuple[int, int]]] = {}
        self.heads: dict[int, int] = {}
        for p in conn.execute(
            select(people.c.id, people.c.name, people.c.unit_id, people.c.is_head)
        ):
            self.people.setdefault(p.name, []).append((p.id, p.unit_id))
            if p.is_head:
                self.heads[p.unit_id] = p.id

    def units_for(self, text: str) -> list[int] | None:
        """One unit by code or name, or every unit of a group written as 各<group>."""
        if text in self.unit_ids:
            return [self.unit_ids[text]]
        if text.startswith(GROUP_PREFIX) and text[1:] in self.groups:
            return self.groups[text[1:]]
        return None


def import_ledger(app: App, path: Path, campaign: str) -> ImportSummary:
    db = app.ready_db()  # a database that cannot take the rows is said before reading them
    try:
        ledger = read_ledger(path)
    except LedgerFormatError as exc:
        raise InvalidInput(str(exc)) from None
    with db.write() as conn:
        target = find_campaign(conn, campaign)
        checker = _Checker(_Directory(conn), ledger, target.code, target.deadline)
        grouped = checker.check(ledger.rows)
        errors = sorted([*ledger.errors, *checker.errors], key=lambda e: e.row_number)
        if errors:
            raise ImportFailed(path.name, [str(e) for e in errors])
        if not grouped:
            raise InvalidInput(f"{path.name}: no rows to import")
        return _write(conn, app, grouped, target, path.name)


class _Checker:
    def __init__(self, directory: _Directory, ledger: Ledger, code: str, bottom: date):
        self.directory = directory
        self.headers = ledger.headers
        self.campaign = code
        self.bottom_line = bottom
        self.errors: list[RowError] = []
        # Rows whose date the reader could not read: their deadline is not "empty".
        self.rows_with_bad_dates = {e.row_number for e in ledger.errors}

    def error(self, row: LedgerRow, field_name: str, message: str) -> None:
        header = self.headers.get(field_name, field_name)
        self.errors.append(RowError(row.row_number, header, message))

    def check(self, rows: Sequence[LedgerRow]) -> list[_Problem]:
        grouped: dict[str, _Problem] = {}
        for row in rows:
            key = row.no or row.problem
            if not key or not row.problem:
                if row.no and not row.problem:
                    self.error(row, "problem", "is empty")
                continue  # the reader has reported a row with no problem at all
            problem = grouped.get(key)
            if problem is None:
                problem = grouped[key] = _Problem(key, row)
            elif row.problem != problem.row.problem:
                self.error(
                    row,
                    "no",
                    f"{key} is already problem {problem.row.problem!r} (row "
                    f"{problem.row.row_number}), not {row.problem!r}",
                )
            task = self.check_task(row)
            if task is not None:
                problem.tasks.append(task)
        return list(grouped.values())

    def check_task(self, row: LedgerRow) -> _Task | None:
        before = len(self.errors)
        if not row.task:
            self.error(row, "task", "is empty; every row is one task (整改措施)")
        if row.deadline is None:
            if row.row_number not in self.rows_with_bad_dates:
                self.error(row, "deadline", "is empty; every item needs a deadline")
        elif row.deadline > self.bottom_line:
            self.error(
                row,
                "deadline",
                f"{row.deadline.isoformat()} is after campaign {self.campaign}'s bottom line "
                f"{self.bottom_line.isoformat()} (底线)",
            )
        assignments = self.lead_items(row) + self.cooperating_items(row)
        if len(self.errors) > before or row.deadline is None:
            return None
        return _Task(row, row.deadline, assignments)

    def lead_items(self, row: LedgerRow) -> list[tuple[int, int, str]]:
        if not row.unit:
            self.error(row, "unit", "is empty; every item needs a responsible unit")
            return []
        unit_ids = self.directory.units_for(row.unit)
        if unit_ids is None:
            self.error(row, "unit", f"unknown unit {row.unit!r} (give its code or name)")
            return []
        if not row.person:
            self.error(row, "person", "is empty; every item needs a responsible person")
            return []
        matches = self.directory.people.get(row.person, [])
        if not matches:
            self.error(row, "person", f"unknown person {row.person!r}")
            return []
        in_units = [m for m in matches if m[1] in unit_ids]
        if len(unit_ids) == 1:
            if not in_units:  # 到人、到单位: the person answers for their own unit
                self.error(row, "person", f"{row.person} is not a person of {row.unit}")
                return []
            return [(unit_ids[0], in_units[0][0], "lead")]
        # A group (各乡镇): the named person leads for their own unit, each other unit's head
        # for theirs; an item for a unit with no head would have no person, so that is an error.
        if not in_units:
            self.error(row, "person", f"{row.person} is not in any unit of {row.unit}")
            return []
        named_unit = in_units[0][1]
        result = []
        for unit_id in unit_ids:
            head = in_units[0][0] if unit_id == named_unit else self.head_of(row, "unit", unit_id)
            if head is not None:
                result.append((unit_id, head, "lead"))
        return result

    def cooperating_items(self, row: LedgerRow) -> list[tuple[int, int, str]]:
        lead = set(self.directory.units_for(row.unit or "") or [])
        result = []
        for text in row.cooperating_units:
            unit_ids = self.directory.units_for(text)
            if unit_ids is None:
                self.error(row, "cooperating_units", f"unknown unit {text!r}")
                continue
            for unit_id in unit_ids:
                if unit_id in lead:
                    continue
                lead.add(unit_id)
                head = self.head_of(row, "cooperating_units", unit_id)
                if head is not None:
                    result.append((unit_id, head, "cooperate"))
        return result

    def head_of(self, row: LedgerRow, field_name: str, unit_id: int) -> int | None:
        head = self.directory.heads.get(unit_id)
        if head is None:
            name = self.directory.unit_names[unit_id]
            self.error(
                row,
                field_name,
                f"{name} has no head to receive its item (rectify person add NAME --unit "
                f"{name} --head)",
            )
        return head


def _write(
    conn: Connection,
    app: App,
    grouped: list[_Problem],
    campaign: Any,
    source: str,
) -> ImportSummary:
    now, actor = app.now(), app.settings.actor
    versions = {kind: spec.version for kind, spec in app.machine_specs.items()}
    campaign_id, policy = campaign.id, campaign.policy
    stamps = {"state": "assigned", "created_at": now, "updated_at": now}
    all_tasks = [task for problem in grouped for task in problem.tasks]
    problem_refs = allocate(conn, "problem", len(grouped))
    task_refs = allocate(conn, "task", len(all_tasks))
    item_count = sum(len(task.assignments) for task in all_tasks)
    item_refs = allocate(conn, "responsibility", item_count)

    problem_ids = _insert_returning_ids(
        conn,
        problems,
        [
            {
                "ref": ref,
                "campaign_id": campaign_id,
                "ledger_no": p.row.no,
                "source": p.row.source,
                "category": p.row.category,
                "title": p.row.problem,
                "definition_version": versions["problem"],
                **stamps,
            }
            for ref, p in zip(problem_refs, grouped, strict=True)
        ],
    )
    task_rows = []
    for problem_id, problem in zip(problem_ids, grouped, strict=True):
        for task in problem.tasks:
            task_rows.append(
                {
                    "problem_id": problem_id,
                    "title": task.row.task,
                    "deadline": task.deadline,
                    "definition_version": versions["task"],
                    **stamps,
                }
            )
    for ref, row in zip(task_refs, task_rows, strict=True):
        row["ref"] = ref
    task_ids = _insert_returning_ids(conn, tasks, task_rows)

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
                    "level": "none",
                    "definition_version": versions["responsibility"],
                    **stamps,
                }
            )
            item_row_numbers.append(task.row.row_number)
    conn.execute(insert(items), item_rows)

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
        [event("problem", r, p.row.row_number) for r, p in zip(problem_refs, grouped, strict=True)]
        + [event("task", r, t.row.row_number) for r, t in zip(task_refs, all_tasks, strict=True)]
        + [
            event("responsibility", ref, n)
            for ref, n in zip(item_refs, item_row_numbers, strict=True)
        ],
    )
    # 交办 notices for every imported item: rows of this import are those of its task ids
    # created at this instant (ids are allocated in order within the transaction).
    spec = app.machine_specs["responsibility"].transitions["assign"]
    if spec.notify:
        notices.notify(
            conn,
            app,
            where=and_(
                items.c.task_id.between(task_ids[0], task_ids[-1]),
                items.c.created_at == now,
                problems.c.campaign_id == campaign_id,
            ),
            policy_name=policy,
            event=spec.past,
            event_key=spec.past,
            recipients=spec.notify,
            now=now,
        )
    return ImportSummary(len(grouped), len(all_tasks), item_count, item_refs[0], item_refs[-1])


def _insert_returning_ids(conn: Connection, table: Any, rows: list[dict[str, Any]]) -> list[int]:
    """Insert many rows and get their ids back in the same order (SQLAlchemy insertmanyvalues)."""
    result = conn.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), rows)
    return [int(row_id) for row_id in result.scalars()]
