"""Export a campaign's 责任清单 as a ledger (.xlsx or .csv) that `import` reads back.

One row per task (per lead item, for a task led by several units, as 各乡镇 makes): its lead
unit and person in 责任单位/责任人 and its cooperating units joined by 、 in 配合单位, which is
how the importer makes a task's items; imported into another campaign, the file gives the same
problems, tasks and items. The state columns (事项编号 … 销号日期) describe the row's lead item.
What a ledger cannot say is not carried back: a cooperating item goes to its unit's head, and
立行立改 is written as its date (it imports as a dated item with the same deadline).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, case, func, select

from workflow.app import App
from workflow.db.schema import audit_events, items, people, problems, tasks, units
from workflow.errors import InvalidInput
from workflow.i18n import Msg
from workflow.ledger.writer import Cell, write_ledger
from workflow.services.directory import find_campaign

SUFFIXES = (".xlsx", ".csv")
STANDING = "长期坚持"
ROLES = {"lead": "牵头", "cooperate": "配合"}
LEVELS = {"none": None, "blue": "蓝色", "yellow": "黄色", "red": "红色"}


@dataclass(frozen=True)
class ExportSummary:
    campaign: str
    file: str
    problems: int
    rows: int
    items: int


def export_ledger(app: App, path: Path, campaign: str, *, force: bool = False) -> ExportSummary:
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise InvalidInput(
            "{file}: cannot export to {suffix}; name the file .xlsx or .csv",
            file=str(path),
            suffix=suffix or "''",
        )
    db = app.ready_db()
    with db.read() as conn:
        target = find_campaign(conn, campaign)
        if path.exists() and not force:
            raise InvalidInput("{file} already exists; use --force to overwrite it", file=str(path))
        records = conn.execute(_query(conn, target.id)).all()
    zone = app.settings.zone
    grouped = [list(rows) for _, rows in groupby(records, key=lambda r: r.problem_id)]
    numbers = _numbers([rows[0].ledger_no for rows in grouped])
    sheet = [_problem_rows(no, rows, zone) for no, rows in zip(numbers, grouped, strict=True)]
    try:
        write_ledger(path, sheet)
    except OSError as exc:
        raise InvalidInput(
            "{file}: cannot be written ({reason})", file=str(path), reason=exc.strerror or exc
        ) from None
    return ExportSummary(
        target.code,
        str(path),
        len(grouped),
        sum(len(rows) for rows in sheet),
        sum(1 for r in records if r.ref is not None),
    )


def _query(conn: Connection, campaign_id: int) -> Any:
    """Every problem, task and item of the campaign in ledger order, with its closing time."""
    closed_at = (
        select(func.max(audit_events.c.at))
        .where(
            audit_events.c.kind == "responsibility",
            audit_events.c.ref == items.c.ref,
            audit_events.c.trigger == "accept",
        )
        .scalar_subquery()
    )
    return (
        select(
            problems.c.id.label("problem_id"),
            problems.c.ledger_no,
            problems.c.source,
            problems.c.category,
            problems.c.title.label("problem"),
            tasks.c.id.label("task_id"),
            tasks.c.title.label("task"),
            tasks.c.deadline.label("task_deadline"),
            tasks.c.deadline_kind.label("task_kind"),
            items.c.ref,
            items.c.role,
            items.c.state,
            items.c.level,
            items.c.deadline,
            items.c.deadline_kind,
            items.c.original_deadline,
            items.c.extension_count,
            items.c.ledger_note,
            units.c.name.label("unit"),
            people.c.name.label("person"),
            case((items.c.state == "closed", closed_at)).label("closed_at"),
        )
        .select_from(problems)
        .outerjoin(tasks, tasks.c.problem_id == problems.c.id)
        .outerjoin(items, items.c.task_id == tasks.c.id)
        .outerjoin(units, units.c.id == items.c.unit_id)
        .outerjoin(people, people.c.id == items.c.person_id)
        .where(problems.c.campaign_id == campaign_id)
        .order_by(
            problems.c.id,
            tasks.c.id,
            case((items.c.role == "lead", 0), else_=1),
            items.c.id,
        )
    )


def _numbers(ledger_nos: list[str | None]) -> list[str]:
    """The problems' own 序号 when each has a distinct one, else 1, 2, 3 … in order: the
    importer groups rows by 序号, so two problems must never share one."""
    given = [no for no in ledger_nos if no]
    if len(given) == len(ledger_nos) and len(set(given)) == len(given):
        return given
    return [str(n) for n in range(1, len(ledger_nos) + 1)]


def _problem_rows(no: str, records: list[Any], zone: Any) -> list[list[Cell]]:
    head = records[0]
    number: Cell = int(no) if no.isdigit() else no
    problem: list[Cell] = [number, head.source, head.category, head.problem]
    if head.task_id is None:  # a problem with no task yet
        return [[*problem, *[None] * 13]]
    rows: list[list[Cell]] = []
    for _, task_records in groupby(records, key=lambda r: r.task_id):
        found = list(task_records)
        leads = [r for r in found if r.role == "lead"] or [found[0]]
        cooperating = [r.unit for r in found if r.role == "cooperate" and r.unit is not None]
        for index, lead in enumerate(leads):
            together = "、".join(dict.fromkeys(cooperating)) if index == 0 else None
            rows.append([*problem, *_task_cells(lead, together or None, zone)])
    return rows


def _task_cells(r: Any, cooperating: str | None, zone: Any) -> list[Cell]:
    if r.ref is None:  # a task with no item: its own deadline, nobody responsible yet
        deadline = STANDING if r.task_kind == "standing" else r.task_deadline
        return [r.task, None, cooperating, None, deadline, *[None] * 8]
    is_lead = r.role == "lead"
    standing = r.deadline_kind == "standing"
    closed: datetime.date | None = None
    if r.closed_at is not None:
        at = r.closed_at
        if at.tzinfo is None:  # SQLite hands back naive UTC from a bare subquery
            at = at.replace(tzinfo=datetime.UTC)
        closed = at.astimezone(zone).date()
    return [
        r.task,
        r.unit if is_lead else None,
        cooperating,
        r.person if is_lead else None,
        STANDING if standing else r.deadline,
        r.ledger_note,
        r.ref,
        ROLES[r.role],
        Msg(r.state).to("zh"),
        LEVELS.get(r.level),
        None if standing else r.original_deadline,
        r.extension_count,
        closed,
    ]
