"""Checking a read ledger against the directory: every row's unit, person and deadline.

Nothing is written here; the rows that pass become problems and tasks ready for writing,
each task with the key (序号, 整改措施, 责任单位) by which a later import recognises it.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Protocol

from sqlalchemy import Connection, select

from workflow.db.schema import people, units
from workflow.errors import RectifyError
from workflow.i18n import Msg
from workflow.ledger.reader import LedgerRow, RowError
from workflow.limits import row_errors
from workflow.services.leaders import find_leader

GROUP_PREFIX = "各"  # 各乡镇: "every township", i.e. every unit in the group 乡镇


@dataclass(slots=True)
class Problem:
    key: str
    row: LedgerRow
    tasks: list[Task] = field(default_factory=list)
    existing_id: int | None = None  # its row in the database, once written or found
    leader_id: int | None = None  # 责任领导, the first row that names one
    leader_row: LedgerRow | None = None  # that row
    joined: bool = False  # an update found it made by an earlier import: its leader stays


@dataclass(slots=True)
class Task:
    row: LedgerRow
    deadline: date | None  # None for a standing task (长期坚持)
    kind: str  # date | immediate | standing
    key: str  # ledger_key
    # (unit id, person id, role) for each responsibility item of the task
    assignments: list[tuple[int, int, str]]


def ledger_key(no: str | None, problem: str | None, task: str | None, unit: str | None) -> str:
    """Hash of the row's 序号 (or, without one, its problem), 整改措施 and 责任单位, with width
    and spacing normalised so that retyping a ledger does not make its rows new."""
    parts = [no or problem or "", task or "", unit or ""]
    text = "\x1f".join(re.sub(r"\s+", "", unicodedata.normalize("NFKC", p)) for p in parts)
    return hashlib.sha256(text.encode()).hexdigest()


class Directory:
    """Units and people held in memory for checking a file: they are few, rows are many."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.leaders: dict[str, int | RectifyError] = {}  # name as written -> id or refusal
        self.unit_ids: dict[str, int] = {}
        self.groups: dict[str, list[int]] = {}
        self.unit_names: dict[int, str] = {}
        # Retired units and people take no new items: they are named as such, not as unknown.
        self.retired: set[str] = set()
        columns = (units.c.id, units.c.code, units.c.name, units.c.unit_group, units.c.active)
        for u in conn.execute(select(*columns)):
            if not u.active:
                self.retired.update((u.code, u.name))
                continue
            self.unit_ids[u.code] = self.unit_ids[u.name] = u.id
            self.unit_names[u.id] = u.name
            if u.unit_group:
                self.groups.setdefault(u.unit_group, []).append(u.id)
        self.people: dict[str, list[tuple[int, int]]] = {}
        self.heads: dict[int, int] = {}
        for p in conn.execute(
            select(people.c.id, people.c.name, people.c.unit_id, people.c.is_head, people.c.active)
        ):
            if not p.active:
                self.retired.add(p.name)
                continue
            self.people.setdefault(p.name, []).append((p.id, p.unit_id))
            if p.is_head:
                self.heads[p.unit_id] = p.id

    def leader(self, text: str) -> int | RectifyError:
        """The leader in charge named `text` (few names, many rows: each looked up once)."""
        if text not in self.leaders:
            try:
                self.leaders[text] = find_leader(self.conn, text).id
            except RectifyError as exc:
                self.leaders[text] = exc
        return self.leaders[text]

    def knows_unit(self, text: str) -> bool:
        return self.units_for(text) is not None or text in self.retired

    def units_for(self, text: str) -> list[int] | None:
        """One unit by code or name, or every unit of a group written as 各<group>."""
        if text in self.unit_ids:
            return [self.unit_ids[text]]
        if text.startswith(GROUP_PREFIX) and text[1:] in self.groups:
            return self.groups[text[1:]]
        return None


class ReadLedger(Protocol):
    """A ledger read whole (Ledger) or being read (LedgerStream): its headers, and the reader's
    errors so far."""

    @property
    def headers(self) -> dict[str, str]: ...

    @property
    def errors(self) -> list[RowError]: ...


class Checker:
    """Checks rows as they come. The problems seen stay known across calls of `check` (a
    problem's rows may be far apart); `forget` slims those already written down to what later
    rows are checked against. Rows repeating a key are left to the caller, which finds them
    in the database, not in a dict of every row: `keys_seen` holds the (key, row number) of
    each row of the last `check` that names a task and a unit."""

    def __init__(
        self,
        directory: Directory,
        ledger: ReadLedger,
        code: str,
        bottom: date,
    ):
        self.directory = directory
        self.headers = ledger.headers
        self.campaign = code
        self.bottom_line = bottom
        self.errors: list[RowError] = []
        # Rows whose date the reader could not read: their deadline is not "empty".
        self.reader_errors = ledger.errors
        self.rows_with_bad_dates: set[int] = set()
        self.reader_errors_seen = 0
        self.keys_seen: list[tuple[str, int]] = []
        self.problems: dict[str, Problem] = {}

    def bad_date(self, row_number: int) -> bool:
        """Whether the reader reported the row (its errors so far: the rows read until now)."""
        if self.reader_errors_seen < len(self.reader_errors):
            fresh = self.reader_errors[self.reader_errors_seen :]
            self.rows_with_bad_dates.update(e.row_number for e in fresh)
            self.reader_errors_seen = len(self.reader_errors)
        return row_number in self.rows_with_bad_dates

    def forget(self, written: Iterable[Problem]) -> None:
        """Keep of each problem of a chunk only what its later rows are checked against (and,
        for one an update has not written yet, what a later new row would create it with)."""
        for problem in written:
            problem.tasks = []
            problem.row = _slim(problem.row, unwritten=problem.existing_id is None)
            if problem.leader_row is not None:
                problem.leader_row = _slim(problem.leader_row)

    def error(self, row: LedgerRow, field_name: str, message: Msg) -> None:
        header = self.headers.get(field_name, field_name)
        self.errors.append(RowError(row.row_number, header, message))

    def check(self, rows: Sequence[LedgerRow]) -> list[Problem]:
        """The problems of `rows`, in order of first appearance, each with its new tasks."""
        grouped: dict[str, Problem] = {}
        self.keys_seen = []
        for row in rows:
            if unstorable := row_errors(row, self.headers):  # the same on both backends
                self.errors.extend(unstorable)
                continue
            key = row.no or row.problem
            if not key or not row.problem:
                if row.no and not row.problem:
                    self.error(row, "problem", Msg("is empty"))
                continue  # the reader has reported a row with no problem at all
            problem = self.problems.get(key)
            if problem is None:
                problem = self.problems[key] = Problem(key, row)
            grouped.setdefault(key, problem)
            if problem.row is not row and row.problem != problem.row.problem:
                self.error(
                    row,
                    "no",
                    Msg(
                        "{key} is already problem {title!r} (row {row}), not {other!r}",
                        key=key,
                        title=problem.row.problem,
                        row=problem.row.row_number,
                        other=row.problem,
                    ),
                )
            self.check_leader(problem, row)
            task = self.check_task(row)
            if task is not None:
                problem.tasks.append(task)
        return list(grouped.values())

    def check_leader(self, problem: Problem, row: LedgerRow) -> None:
        """责任领导: a known leader, the same on every row of the problem."""
        if not row.leader:
            return
        found = self.directory.leader(row.leader)
        if isinstance(found, RectifyError):
            self.error(row, "leader", found.message)
            return
        first = problem.leader_row
        if first is None:
            problem.leader_id, problem.leader_row = found, row
        elif found != problem.leader_id:
            self.error(
                row,
                "leader",
                Msg(
                    "{name} differs from {first} (row {row}): a problem has one leader in charge",
                    name=row.leader,
                    first=first.leader,
                    row=first.row_number,
                ),
            )

    def check_task(self, row: LedgerRow) -> Task | None:
        row = self.settle_names(row)
        before = len(self.errors)
        if not row.task:
            self.error(row, "task", Msg("is empty; every row is one task (整改措施)"))
        if row.deadline is None and row.deadline_kind != "standing":
            if not self.bad_date(row.row_number):
                self.error(row, "deadline", Msg("is empty; every item needs a deadline"))
        elif row.deadline is not None and row.deadline > self.bottom_line:
            self.error(
                row,
                "deadline",
                Msg(
                    "{deadline} is after campaign {campaign}'s bottom line {bottom} (底线)",
                    deadline=row.deadline.isoformat(),
                    campaign=self.campaign,
                    bottom=self.bottom_line.isoformat(),
                ),
            )
        key = ledger_key(row.no, row.problem, row.task, row.unit)
        if row.task and row.unit:  # a repeated key: an error the caller finds
            self.keys_seen.append((key, row.row_number))
        assignments = self.lead_items(row) + self.cooperating_items(row)
        if len(self.errors) > before or (row.deadline is None and row.deadline_kind != "standing"):
            return None
        return Task(row, row.deadline, row.deadline_kind, key, assignments)

    def settle_names(self, row: LedgerRow) -> LedgerRow:
        """Read units and people as offices write them, where the text as written names
        nobody: `县水利局（牵头）、县卫健委` in 责任单位 is 县水利局 leading with 县卫健委
        cooperating, and `鲁检（局长）` is 鲁检. Text that names someone as written is kept."""
        unit, cooperating, person = row.unit, list(row.cooperating_units), row.person
        if unit and not self.directory.knows_unit(unit):
            parts = [_bare(part) for part in _UNIT_SEPARATORS.split(unit) if part.strip()]
            if parts and self.directory.knows_unit(parts[0]):
                unit, cooperating = parts[0], [*parts[1:], *cooperating]
        cooperating = [
            text if self.directory.knows_unit(text) else _bare(text) for text in cooperating
        ]
        if person and person not in self.directory.people and person not in self.directory.retired:
            first = _bare(_UNIT_SEPARATORS.split(person)[0])
            if first in self.directory.people:
                person = first
        settled = (unit, tuple(dict.fromkeys(cooperating)), person)
        if settled == (row.unit, row.cooperating_units, row.person):
            return row
        return replace(row, unit=unit, cooperating_units=settled[1], person=person)

    def lead_items(self, row: LedgerRow) -> list[tuple[int, int, str]]:
        if not row.unit:
            self.error(row, "unit", Msg("is empty; every item needs a responsible unit"))
            return []
        unit_ids = self.directory.units_for(row.unit)
        if unit_ids is None and row.unit in self.directory.retired:
            self.error(
                row, "unit", Msg("unit {unit} is retired and takes no new items", unit=row.unit)
            )
            return []
        if unit_ids is None:
            self.error(
                row, "unit", Msg("unknown unit {unit!r} (give its code or name)", unit=row.unit)
            )
            return []
        if not row.person:
            self.error(row, "person", Msg("is empty; every item needs a responsible person"))
            return []
        matches = self.directory.people.get(row.person, [])
        if not matches and row.person in self.directory.retired:
            self.error(
                row, "person", Msg("{name} is retired and takes no new items", name=row.person)
            )
            return []
        if not matches:
            self.error(row, "person", Msg("unknown person {person!r}", person=row.person))
            return []
        in_units = [m for m in matches if m[1] in unit_ids]
        if len(unit_ids) == 1:
            if not in_units:  # 到人、到单位: the person answers for their own unit
                self.error(
                    row,
                    "person",
                    Msg("{person} is not a person of {unit}", person=row.person, unit=row.unit),
                )
                return []
            return [(unit_ids[0], in_units[0][0], "lead")]
        # A group (各乡镇): the named person leads for their own unit, each other unit's head
        # for theirs; an item for a unit with no head would have no person, so that is an error.
        if not in_units:
            self.error(
                row,
                "person",
                Msg("{person} is not in any unit of {unit}", person=row.person, unit=row.unit),
            )
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
                self.error(row, "cooperating_units", Msg("unknown unit {unit!r}", unit=text))
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
                Msg(
                    "{unit} has no head to receive its item (rectify person add NAME --unit "
                    "{unit} --head)",
                    unit=name,
                ),
            )
        return head


def _slim(row: LedgerRow, *, unwritten: bool = False) -> LedgerRow:
    source, category = (row.source, row.category) if unwritten else (None, None)
    return LedgerRow(
        row.row_number, row.no, source, category, row.problem, None, None, (), None, None,
        leader=row.leader,
    )  # fmt: skip


_UNIT_SEPARATORS = re.compile(r"[、,，；;/]")
# A note after a name: （牵头）, (配合), （局长）.
_NOTE = re.compile(r"\s*[（(][^（）()]*[）)]\s*$")


def _bare(text: str) -> str:
    """A unit or person name without the note offices write after it."""
    return _NOTE.sub("", text.strip()).strip()
