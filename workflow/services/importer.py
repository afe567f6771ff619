"""Import a ledger (整改台账) into a campaign: every row, or nothing.

The file is read and checked against the units and people in full before anything is written;
any bad row fails the import with every error listed by its spreadsheet row number. Each import
is recorded (file name, SHA-256 of its bytes, who, when) and its tasks keep the key of their
ledger row, so a ledger imported twice is refused naming the first import; `update=True`
applies a revised ledger instead (see importer_update). One transaction either way.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection, func, insert, select

from workflow.app import App
from workflow.db.schema import imports, items, tasks
from workflow.errors import ImportFailed, InvalidInput
from workflow.escalation import local_today
from workflow.i18n import Msg
from workflow.identity import require_office
from workflow.ledger.dates import DeadlineContext
from workflow.ledger.reader import Ledger, LedgerFormatError, read_ledger
from workflow.services.directory import find_campaign
from workflow.services.importer_check import Checker, Directory, Problem
from workflow.services.importer_update import known_tasks, move_deadlines, plan
from workflow.services.importer_write import Written, write_rows

DEFAULT_IMMEDIATE_DAYS = 7


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
    moved: tuple[tuple[str, date], ...] = ()  # (item ref, new deadline), update only
    unchanged: int = 0  # ledger rows already imported as they are, update only
    import_id: int | None = None  # None: an update that changed nothing


def import_ledger(app: App, path: Path, campaign: str, *, update: bool = False) -> ImportSummary:
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
    try:
        ledger = read_ledger(path, context)
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except LedgerFormatError as exc:
        raise InvalidInput(exc.message) from None
    actor = app.actor().name
    with db.write() as conn:
        target = find_campaign(conn, campaign)
        checker = Checker(Directory(conn), ledger, target.code, target.deadline)
        grouped = checker.check(ledger.rows)
        errors = sorted([*ledger.errors, *checker.errors], key=lambda e: e.row_number)
        if errors:
            raise ImportFailed(path.name, [e.msg for e in errors])
        if not grouped:
            raise InvalidInput("{file}: no rows to import", file=path.name)
        job = _Job(conn, app, target, path.name, digest, ledger, actor)
        return job.update(grouped) if update else job.add(grouped)


class _Job:
    """One import's writes, in the caller's transaction."""

    def __init__(
        self,
        conn: Connection,
        app: App,
        campaign: Any,
        file: str,
        digest: str,
        ledger: Ledger,
        actor: str,
    ) -> None:
        self.conn, self.app, self.campaign = conn, app, campaign
        self.file, self.digest, self.ledger = file, digest, ledger
        self.now, self.actor = app.now(), actor

    def add(self, grouped: list[Problem]) -> ImportSummary:
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
        known = known_tasks(self.conn, self.campaign.id)
        repeated = [t.key for p in grouped for t in p.tasks if t.key in known]
        if repeated:
            first = min((known[key] for key in repeated), key=lambda k: k.task_id)
            raise InvalidInput(
                "{file}: {count} of its rows (序号, 整改措施, 责任单位) were already imported "
                "into {campaign}: {earlier}; nothing imported (use --update to apply a revised "
                "ledger)",
                file=self.file,
                count=len(repeated),
                campaign=self.campaign.code,
                earlier=self.describe(first.import_id) if first.import_id else first.ref,
            )
        import_id = self.record("new")
        written = write_rows(
            self.conn, self.app, grouped, self.campaign, self.file, import_id, self.now, self.actor
        )
        return self.finish(import_id, written)

    def update(self, grouped: list[Problem]) -> ImportSummary:
        known = known_tasks(self.conn, self.campaign.id)
        header = self.ledger.headers["deadline"]
        changes = plan(self.conn, grouped, known, self.campaign.id, header)
        if changes.errors:
            raise ImportFailed(self.file, [e.msg for e in changes.errors])
        if not changes.moves and not changes.new:
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
                (),
                changes.unchanged,
            )
        import_id = self.record("update")
        moved = move_deadlines(
            self.conn,
            self.app,
            changes.moves,
            campaign=self.campaign,
            source=self.file,
            import_id=import_id,
            now=self.now,
            actor=self.actor,
        )
        written = write_rows(
            self.conn,
            self.app,
            changes.new,
            self.campaign,
            self.file,
            import_id,
            self.now,
            self.actor,
        )
        return self.finish(
            import_id,
            written,
            moved=tuple(moved),
            unchanged=changes.unchanged,
            update=True,
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
                    rows=len(self.ledger.rows),
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
        moved: tuple[tuple[str, date], ...] = (),
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
            moved,
            unchanged,
            import_id,
        )
        refs = f", {first}..{last}" if first else ""
        text = f"{problems} problems, {tasks_} tasks, {items_} items{refs}"
        if update:
            text += f"; {len(moved)} deadlines moved, {unchanged} rows unchanged"
        self.conn.execute(sa.update(imports).where(imports.c.id == import_id).values(summary=text))
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
