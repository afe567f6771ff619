"""Import a ledger (整改台账) into a campaign: every row, or nothing.

The file is streamed: read, checked against the units and people and written `CHUNK_ROWS`
rows at a time, all in one transaction, so memory does not grow with the file. Rows go on being
checked (and written) after a bad one, so every error is listed by its spreadsheet row number;
any error rolls the whole transaction back at the end. The checks that need every row (a key
repeated within the file, rows an earlier import made) are asked of the database once the rows
are in it, not of a dict of every row. Each import is recorded (file name, SHA-256 of its
bytes, who, when) and its tasks keep the key of their ledger row, so a ledger imported twice is
refused naming the first import; `update=True` applies a revised ledger instead (see
importer_update), streamed the same way.
"""

from __future__ import annotations

import hashlib
import itertools
from array import array
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection, func, insert, or_, select

from workflow.app import App
from workflow.db.schema import imports, items, problems, tasks
from workflow.errors import ImportFailed, InvalidInput
from workflow.escalation import local_today
from workflow.i18n import Msg
from workflow.identity import require_office
from workflow.ledger.dates import DeadlineContext
from workflow.ledger.messages import capped
from workflow.ledger.reader import LedgerFormatError, LedgerRow, LedgerStream, RowError, open_ledger
from workflow.progress import progress
from workflow.services.directory import find_campaign
from workflow.services.importer_check import Checker, Directory, Problem
from workflow.services.importer_update import (
    FirstRows,
    Move,
    MovedTo,
    MoveTally,
    move_deadlines,
    plan,
)
from workflow.services.importer_write import Written, queue_assignments, write_rows

DEFAULT_IMMEDIATE_DAYS = 7
CHUNK_ROWS = 5_000  # rows read, checked and written at a time


@dataclass(frozen=True)
class ImportSummary:
    campaign: str
    file: str
    update: bool  # an `--update` run
    problems: int  # added
    tasks: int
    items: int
    first_ref: str | None  # of the items added
    last_ref: str | None
    ignored: tuple[str, ...] = ()  # header texts of the columns not used
    moved: int = 0  # items whose deadline an update moved
    unchanged: int = 0  # ledger rows already imported as they are, update only
    import_id: int | None = None  # None: an update that changed nothing
    moved_to: tuple[MovedTo, ...] = ()  # per new deadline: its first refs and their count


def import_ledger(
    app: App, path: Path, campaign: str, *, update: bool = False, chunk_rows: int | None = None
) -> ImportSummary:
    db = app.ready_db()  # a database that cannot take the rows is said before reading them
    require_office(app.actor(), Msg("import ledgers"))
    now = app.now()
    with db.read() as conn:
        target = find_campaign(conn, campaign)
    policy = app.policies.get(target.policy)
    context = DeadlineContext(
        year=target.deadline.year,
        today=local_today(now, app.settings.zone),
        immediate_days=policy.immediate_days if policy else DEFAULT_IMMEDIATE_DAYS,
    )
    actor = app.actor().name
    try:
        with open_ledger(path, context) as ledger:
            with path.open("rb") as handle:
                digest = hashlib.file_digest(handle, "sha256").hexdigest()
            with db.write() as conn:
                target = find_campaign(conn, campaign)
                job = _Job(conn, app, target, path.name, digest, ledger, actor)
                chunk_rows = chunk_rows or CHUNK_ROWS
                return job.update(chunk_rows) if update else job.add(chunk_rows)
    except LedgerFormatError as exc:  # also when found part way: the rows are rolled back
        raise InvalidInput(exc.message) from None


def _chunks(rows: Iterator[LedgerRow], size: int) -> Iterator[list[LedgerRow]]:
    while chunk := list(itertools.islice(rows, size)):
        yield chunk


def _added(total: Written, written: Written) -> Written:
    return Written(
        total.problems + written.problems,
        total.tasks + written.tasks,
        total.items + written.items,
        total.first_ref or written.first_ref,
        written.last_ref or total.last_ref,
    )


class _Job:
    """One import's writes, in the caller's transaction."""

    def __init__(
        self,
        conn: Connection,
        app: App,
        campaign: Any,
        file: str,
        digest: str,
        ledger: LedgerStream,
        actor: str,
    ) -> None:
        self.conn, self.app, self.campaign = conn, app, campaign
        self.file, self.digest, self.ledger = file, digest, ledger
        self.now, self.actor = app.now(), actor

    def checker(self) -> Checker:
        return Checker(
            Directory(self.conn), self.ledger, self.campaign.code, self.campaign.deadline
        )

    def in_row_order(self, checker: Checker, repeated: list[RowError]) -> list[RowError]:
        """The reader's and the checker's errors and those of repeated keys (found later, in
        the database), by row; within a row as the checker would list them: the reader's
        first, a repeated key after the row's problem, leader and date and before its units
        and person."""
        later = {self.ledger.headers.get(f, f) for f in ("unit", "person", "cooperating_units")}
        rows = {e.row_number for e in repeated}
        phased = [(e, 0) for e in self.ledger.errors]
        phased += [
            (e, 3 if e.row_number in rows and e.field in later else 1) for e in checker.errors
        ]
        phased += [(e, 2) for e in repeated]
        return [e for e, _ in sorted(phased, key=lambda p: (p[0].row_number, p[1]))]

    def add(self, chunk_rows: int) -> ImportSummary:
        """Stream the rows in a chunk at a time, then make the checks that need every row."""
        self.refuse_same_file()
        import_id = self.record("new")
        checker = self.checker()
        total = Written(0, 0, 0, None, None)
        task_ids, row_numbers = array("q"), array("q")  # each written task and its ledger row
        label = Msg("Importing {file}", file=self.file).to(self.app.settings.lang)
        with progress(self.ledger.size_hint or None, label) as tick:
            for chunk in _chunks(iter(self.ledger), chunk_rows):
                grouped = checker.check(chunk)
                # A leader first named on a later row of a problem an earlier chunk wrote.
                late = [
                    p
                    for p in grouped
                    if p.existing_id is not None
                    and p.leader_row is not None
                    and p.leader_row.row_number >= chunk[0].row_number
                ]
                written = write_rows(
                    self.conn,
                    self.app,
                    grouped,
                    self.campaign,
                    self.file,
                    import_id,
                    self.now,
                    self.actor,
                    notify=False,
                )
                self.set_leaders(late)
                checker.forget(grouped)
                task_ids.extend(written.task_ids)
                row_numbers.extend(written.row_numbers)
                total = _added(total, written)
                tick(len(chunk))
        repeated = self.repeated_in_file(import_id, task_ids, row_numbers)
        errors = self.in_row_order(checker, repeated)
        if errors:
            raise ImportFailed(self.file, capped(errors), len(errors))
        if not total.tasks:
            raise InvalidInput("{file}: no rows to import", file=self.file)
        self.refuse_imported_rows(import_id)
        queue_assignments(self.conn, self.app, self.campaign, import_id, self.now)
        return self.finish(import_id, total)

    def set_leaders(self, written_before: list[Problem]) -> None:
        for problem in written_before:
            self.conn.execute(
                sa.update(problems)
                .where(problems.c.id == problem.existing_id, problems.c.leader_id.is_(None))
                .values(leader_id=problem.leader_id)
            )

    def repeated_in_file(
        self, import_id: int, task_ids: array[int], row_numbers: array[int]
    ) -> list[RowError]:
        """Rows with the key (序号, 整改措施, 责任单位) of an earlier row of the file, which a
        later --update could not tell apart: one GROUP BY over the rows just written."""
        repeated = (
            select(tasks.c.ledger_key)
            .where(tasks.c.import_id == import_id)
            .group_by(tasks.c.ledger_key)
            .having(func.count() > 1)
        )
        found = self.conn.execute(
            select(tasks.c.id, tasks.c.ledger_key)
            .where(tasks.c.import_id == import_id, tasks.c.ledger_key.in_(repeated))
            .order_by(tasks.c.id)
        )
        header = self.ledger.headers["task"]
        first: dict[str, int] = {}
        errors = []
        for task_id, key in found:
            row = row_numbers[bisect_left(task_ids, task_id)]
            earlier = first.setdefault(key, row)
            if earlier != row:
                message = Msg("same 序号, 整改措施 and 责任单位 as row {row}", row=earlier)
                errors.append(RowError(row, header, message))
        return errors

    def refuse_same_file(self) -> None:
        same_file = self.conn.execute(
            select(imports.c.id)
            .where(imports.c.campaign_id == self.campaign.id, imports.c.sha256 == self.digest)
            .order_by(imports.c.id)
        ).first()
        if same_file is not None:
            raise InvalidInput(
                "{file} was already imported into {campaign}: {earlier}; nothing imported",
                file=self.file,
                campaign=self.campaign.code,
                earlier=self.describe(same_file.id),
            )

    def refuse_imported_rows(self, import_id: int) -> None:
        """Rows an earlier import into the campaign made (same key), found with one join."""
        other = tasks.alias("other")
        earlier = (
            select(other.c.id)
            .join(problems, problems.c.id == other.c.problem_id)
            .where(
                problems.c.campaign_id == self.campaign.id,
                other.c.ledger_key.is_not(None),
                or_(other.c.import_id.is_(None), other.c.import_id != import_id),
            )
        )
        if self.conn.execute(earlier.limit(1)).first() is None:
            return  # the campaign's first import: nothing to join the new rows with
        count, first_id = self.conn.execute(
            select(func.count(func.distinct(tasks.c.id)), func.min(other.c.id))
            .select_from(tasks.join(other, other.c.ledger_key == tasks.c.ledger_key))
            .where(tasks.c.import_id == import_id, other.c.id.in_(earlier))
        ).one()
        if not count:
            return
        first = self.conn.execute(
            select(tasks.c.ref, tasks.c.import_id).where(tasks.c.id == first_id)
        ).one()
        raise InvalidInput(
            "{file}: {count} of its rows (序号, 整改措施, 责任单位) were already imported "
            "into {campaign}: {earlier}; nothing imported (use --update to apply a revised "
            "ledger)",
            file=self.file,
            count=count,
            campaign=self.campaign.code,
            earlier=self.describe(first.import_id) if first.import_id else first.ref,
        )

    def update(self, chunk_rows: int) -> ImportSummary:
        """A revised ledger a chunk at a time (see importer_update): each chunk checked, its
        repeated keys, known tasks and problems looked up, and its changes made. Once a row is
        bad the import will fail: the rest is checked, not applied."""
        checker = self.checker()
        first_rows = FirstRows(self.conn, self.ledger.headers["task"])
        header = self.ledger.headers["deadline"]
        tally = MoveTally()
        total = Written(0, 0, 0, None, None)
        repeated: list[RowError] = []
        refused: list[tuple[tuple[int, int], RowError]] = []  # changes an update cannot make
        import_id: int | None = None  # recorded with the first change
        unchanged, any_rows = 0, False
        label = Msg("Importing {file}", file=self.file).to(self.app.settings.lang)
        with progress(self.ledger.size_hint or None, label) as tick:
            for chunk in _chunks(iter(self.ledger), chunk_rows):
                grouped = checker.check(chunk)
                any_rows = any_rows or bool(grouped)
                repeated += first_rows.repeated(checker.keys_seen)
                if not (self.ledger.errors or checker.errors or repeated):
                    late = [
                        p
                        for p in grouped
                        if p.existing_id is not None
                        and not p.joined
                        and p.leader_row is not None
                        and p.leader_row.row_number >= chunk[0].row_number
                    ]
                    changes = plan(self.conn, grouped, self.campaign.id, header, import_id)
                    refused += changes.errors
                    unchanged += changes.unchanged
                    if not refused and (changes.moves or changes.new):
                        import_id = import_id or self.record("update")
                        written = self.apply(changes.moves, changes.new, tally, import_id)
                        total = _added(total, written)
                    if not refused:
                        self.set_leaders(late)
                checker.forget(grouped)
                tick(len(chunk))
        errors = self.in_row_order(checker, repeated)
        if errors:
            raise ImportFailed(self.file, capped(errors), len(errors))
        if not any_rows:
            raise InvalidInput("{file}: no rows to import", file=self.file)
        if refused:
            ordered = [error for _, error in sorted(refused, key=lambda r: r[0])]
            raise ImportFailed(self.file, capped(ordered), len(ordered))
        first_rows.drop()
        if import_id is None:
            return ImportSummary(
                self.campaign.code,
                self.file,
                True,
                0,
                0,
                0,
                None,
                None,
                self.ledger.ignored,
                unchanged=unchanged,
            )
        if total.tasks:
            queue_assignments(self.conn, self.app, self.campaign, import_id, self.now)
        return self.finish(import_id, total, moved=tally, unchanged=unchanged, update=True)

    def apply(
        self, moves: list[Move], new: list[Problem], tally: MoveTally, import_id: int
    ) -> Written:
        """A chunk's changes: the moved deadlines, then the new rows (交办 notices at the end)."""
        move_deadlines(
            self.conn,
            self.app,
            moves,
            tally,
            campaign=self.campaign,
            source=self.file,
            import_id=import_id,
            now=self.now,
            actor=self.actor,
        )
        return write_rows(
            self.conn,
            self.app,
            new,
            self.campaign,
            self.file,
            import_id,
            self.now,
            self.actor,
            notify=False,
        )

    def record(self, mode: str) -> int:
        return int(
            self.conn.execute(
                insert(imports)
                .returning(imports.c.id)
                .values(
                    campaign_id=self.campaign.id,
                    filename=self.file,
                    sha256=self.digest,
                    mode=mode,
                    rows=0,  # set by finish, once they are read
                    actor=self.actor,
                    at=self.now,
                )
            ).scalar_one()
        )

    def finish(
        self,
        import_id: int,
        written: Written,
        *,
        moved: MoveTally | None = None,
        unchanged: int = 0,
        update: bool = False,
    ) -> ImportSummary:
        problems, tasks_, items_ = written.problems, written.tasks, written.items
        first, last = written.first_ref, written.last_ref
        summary = ImportSummary(
            self.campaign.code,
            self.file,
            update,
            problems,
            tasks_,
            items_,
            first,
            last,
            self.ledger.ignored,
            moved.count if moved else 0,
            unchanged,
            import_id,
            moved.by_deadline() if moved else (),
        )
        refs = f", {first}..{last}" if first else ""
        text = f"{problems} problems, {tasks_} tasks, {items_} items{refs}"
        if update:
            text += f"; {summary.moved} deadlines moved, {unchanged} rows unchanged"
        self.conn.execute(
            sa.update(imports)
            .where(imports.c.id == import_id)
            .values(summary=text, rows=self.ledger.rows_read)
        )
        return summary

    def describe(self, import_id: int) -> Msg:
        """An earlier import as people know it: file, when, who, the items it made."""
        earlier = self.conn.execute(select(imports).where(imports.c.id == import_id)).one()
        span = self.conn.execute(
            select(func.min(items.c.id), func.max(items.c.id))
            .join(tasks, tasks.c.id == items.c.task_id)
            .where(tasks.c.import_id == import_id)
        ).one()
        at = earlier.at.astimezone(self.app.settings.zone).strftime("%Y-%m-%d %H:%M")
        if span[0] is None:
            refs = "-"
        else:
            found = dict(
                self.conn.execute(select(items.c.id, items.c.ref).where(items.c.id.in_(span))).all()
            )
            refs = f"{found[span[0]]}..{found[span[1]]}"
        return Msg(
            "{file} on {at} by {actor} ({refs})",
            file=earlier.filename,
            at=at,
            actor=earlier.actor,
            refs=refs,
        )
