"""The `rectify` command: parse options, call one library function, print the result.

Every refusal from the library (RectifyError) becomes one line on stderr starting `Error:` and
exit status 1; the library has already rolled its transaction back.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import Any

import click
from sqlalchemy.exc import SQLAlchemyError

from workflow.app import App
from workflow.clock import parse_instant
from workflow.errors import InvalidInput, RectifyError
from workflow.i18n import LANGS, Msg
from workflow.output import FORMATS, HEADERS, WEEKDAYS, plural, render
from workflow.services import demo as demo_service
from workflow.services import directory, extensions, importer, lifecycle, lists, queries
from workflow.services import sweep as sweep_service
from workflow.services.queries import (
    KINDS,
    LEVELS,
    LIST_FIELDS,
    NOTICE_FIELDS,
    NOTICE_STATUSES,
    STATES,
    TABLE_COLUMNS,
)
from workflow.settings import load_settings

HISTORY_FIELDS = ("at", "actor", "trigger", "from", "to", "note")


class OneLineUsageError(click.ClickException):
    """A bad option or argument, said in one `Error:` line (exit 2, as click's usage errors)."""

    exit_code = 2


class RectifyGroup(click.Group):
    """Turns library refusals and bad options into click's one-line `Error:` output."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            command = exc.ctx.command_path if exc.ctx else "rectify"
            raise OneLineUsageError(f"{command}: {_one_line(exc.format_message())}") from None
        except RectifyError as exc:
            raise click.ClickException(_one_line(exc.to(_lang(ctx)))) from None
        except SQLAlchemyError as exc:
            cause = getattr(exc, "orig", None) or exc
            raise click.ClickException("database: " + _one_line(str(cause))) from None


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _lang(ctx: click.Context) -> str:
    """The language of messages: the app's once built, else what --lang/RECTIFY_LANG say."""
    app = ctx.find_root().obj
    if isinstance(app, App):
        return app.settings.lang
    wanted = ctx.find_root().params.get("lang") or os.environ.get("RECTIFY_LANG", "zh")
    return wanted if wanted in LANGS else "zh"


def say(app: App, template: str, /, **params: Any) -> None:
    """Print one summary line in the user's language (the template is the catalogue key)."""
    click.echo(Msg(template, **params).to(app.settings.lang))


pass_app = click.make_pass_decorator(App)
format_option = click.option(
    "--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
    help="table for people (aligned for Chinese text), json or csv for programs.",
)  # fmt: skip


def parse_date(text: str, what: str) -> date:
    from workflow.ledger.dates import parse_deadline

    try:
        return parse_deadline(text)
    except ValueError as exc:
        raise InvalidInput(f"{what} {text!r}: {exc}") from None


@click.group(cls=RectifyGroup, name="rectify")
@click.option("--db", envvar="RECTIFY_DB", help="Database file or SQLAlchemy URL [./rectify.db].")
@click.option(
    "--as", "actor", envvar="RECTIFY_USER", help="Who acts, for the audit trail [OS user]."
)
@click.option("--config", envvar="RECTIFY_CONFIG", help="YAML settings file.")
@click.option("--lang", type=click.Choice(LANGS), help="Language of messages and tables [zh].")
@click.version_option(package_name="rectify")
@click.pass_context
def main(
    ctx: click.Context, db: str | None, actor: str | None, config: str | None, lang: str | None
) -> None:
    """rectify: problem, task and responsibility lists (整改清单) with warnings.

    RECTIFY_NOW=2020-09-30T09:00 replaces the clock for any command (drills, tests).
    """
    try:
        settings = load_settings(db=db, actor=actor, config_file=config, lang=lang)
    except RectifyError as exc:
        raise click.ClickException(_one_line(exc.to(_lang(ctx)))) from None
    app = App(settings)
    ctx.obj = app
    ctx.call_on_close(app.close)
    app.validate_definitions()  # a broken definitions folder stops every command, up front


@main.command()
@pass_app
def init(app: App) -> None:
    """Create the database, or upgrade it to this version's schema."""
    from workflow.db.migrate import upgrade
    from workflow.services.calendar_days import seed_if_empty

    before, after = upgrade(app.db)
    name = app.db.display_name
    if before is None:
        click.echo(f"Initialised {name} (schema {after}).")
    elif before == after:
        click.echo(f"{name} is up to date (schema {after}).")
    else:
        click.echo(f"Upgraded {name} from schema {before} to {after}.")
    with app.db.write() as conn:
        seeded = seed_if_empty(conn)
    if seeded:
        click.echo(f"Working-day calendar: {seeded} statutory holidays and make-up working days "
                   "seeded from chinese-calendar.")  # fmt: skip


@main.group()
def unit() -> None:
    """Responsible units (责任单位)."""


@unit.command("add")
@click.argument("code")
@click.argument("name")
@click.option("--email", help="The unit's mailbox, for yellow and red warnings.")
@click.option("--phone", help="The unit's duty phone, for SMS warnings.")
@click.option(
    "--group", help="A group such as 乡镇: a ledger row for 各乡镇 goes to every unit in it."
)
@pass_app
def unit_add(
    app: App, code: str, name: str, email: str | None, phone: str | None, group: str | None
) -> None:
    """Add a unit with a short CODE and its NAME (e.g. slj 水利局)."""
    directory.add_unit(app, code, name, email=email, phone=phone, group=group)
    click.echo(f"Added unit {code} {name}.")


@main.group()
def person() -> None:
    """People who answer for items (责任人) and unit heads."""


@person.command("add")
@click.argument("name")
@click.option("--unit", "unit_", required=True, help="The person's unit, by code or name.")
@click.option("--email", help="For warnings sent to this person.")
@click.option("--phone", help="Mobile number, for SMS warnings.")
@click.option("--head", is_flag=True, help="The unit's head: receives items for cooperating units.")
@pass_app
def person_add(
    app: App, name: str, unit_: str, email: str | None, phone: str | None, head: bool
) -> None:
    """Add a person NAME to a unit."""
    directory.add_person(app, name, unit_, email=email, phone=phone, head=head)
    click.echo(f"Added {name} to {unit_}{' as head' if head else ''}.")


@main.group()
def campaign() -> None:
    """Rectification campaigns, each with a bottom-line deadline (底线)."""


@campaign.command("add")
@click.argument("code")
@click.argument("name")
@click.option("--deadline", required=True, help="Bottom line (底线): everything closed by then.")
@click.option("--policy", default="default", show_default=True, help="Escalation policy name.")
@click.option("--leader", help="The leader who receives red warnings (a person's name).")
@pass_app
def campaign_add(
    app: App, code: str, name: str, deadline: str, policy: str, leader: str | None
) -> None:
    """Add a campaign CODE with its NAME."""
    due = parse_date(deadline, "--deadline")
    directory.add_campaign(app, code, name, deadline=due, policy=policy, leader=leader)
    click.echo(f"Added campaign {code} {name}, bottom line {due.isoformat()}.")


@main.group()
def problem() -> None:
    """The problem list (问题清单)."""


@problem.command("add")
@click.option("--campaign", "campaign_", required=True, help="Campaign code.")
@click.option("--title", required=True, help="What was found (问题描述).")
@click.option("--source", help="Where it came from (问题来源), e.g. 国务院成效考核.")
@click.option("--category", help="Category (问题类别), e.g. 饮水安全.")
@pass_app
def problem_add(
    app: App, campaign_: str, title: str, source: str | None, category: str | None
) -> None:
    """Add a problem to a campaign; prints its ref."""
    click.echo(lists.add_problem(app, campaign_, title, source=source, category=category))


@main.group()
def task() -> None:
    """The task list (任务清单)."""


@task.command("add")
@click.option("--problem", "problem_", required=True, help="The problem's ref (P...).")
@click.option("--title", required=True, help="The rectification measure (整改措施).")
@click.option("--deadline", required=True, help="整改时限, e.g. 2020-09-30 or 2020年9月30日.")
@pass_app
def task_add(app: App, problem_: str, title: str, deadline: str) -> None:
    """Add a task to a problem; prints its ref."""
    due = parse_date(deadline, "--deadline")
    click.echo(lists.add_task(app, problem_, title, deadline=due))


@main.command()
@click.argument("task_ref", metavar="TASK")
@click.option("--unit", "unit_", required=True, help="Responsible unit, by code or name.")
@click.option("--person", "person_", required=True, help="Responsible person (NAME or NAME@UNIT).")
@click.option("--deadline", help="Deadline for this item [the task's].")
@click.option(
    "--role", type=click.Choice(["lead", "cooperate"]), default="lead", show_default=True,
    help="lead: 牵头单位; cooperate: 配合单位.",
)  # fmt: skip
@pass_app
def assign(
    app: App, task_ref: str, unit_: str, person_: str, deadline: str | None, role: str
) -> None:
    """交办: give TASK to a unit and a person; prints the new item's ref."""
    due = parse_date(deadline, "--deadline") if deadline else None
    click.echo(lists.assign(app, task_ref, unit=unit_, person=person_, deadline=due, role=role))


def _report(outcome: lifecycle.Outcome) -> None:
    click.echo(f"{outcome.ref}: {outcome.from_state} -> {outcome.to_state}")
    for ref, before, after in outcome.rolled_up:
        click.echo(f"{ref}: {before} -> {after}")


@main.command()
@click.argument("ref")
@click.option("--note", required=True, help="What was done (报结说明).")
@click.option(
    "--evidence", "evidence_paths", multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A file proving the fix; repeat for several. Stored with its SHA-256.",
)  # fmt: skip
@pass_app
def fix(app: App, ref: str, note: str, evidence_paths: tuple[Path, ...]) -> None:
    """Report REF fixed (报结), with a note and optional evidence."""
    files = [lifecycle.EvidenceFile.read(path) for path in evidence_paths]
    _report(lifecycle.fire(app, ref, "fix", note=note, evidence_files=files))


@main.command()
@click.argument("ref")
@click.option("--note", help="Acceptance remarks.")
@pass_app
def accept(app: App, ref: str, note: str | None) -> None:
    """Acceptance check passed: close REF (销号)."""
    _report(lifecycle.fire(app, ref, "accept", note=note))


@main.command()
@click.argument("ref")
@click.option("--note", required=True, help="Why the fix is not accepted.")
@pass_app
def reject(app: App, ref: str, note: str) -> None:
    """Send a fixed REF back to its unit (退回)."""
    _report(lifecycle.fire(app, ref, "reject", note=note))


@main.command()
@click.argument("ref")
@click.option("--reason", required=True, help="Why the closed item is open again (反弹).")
@pass_app
def reopen(app: App, ref: str, reason: str) -> None:
    """Reopen a closed REF."""
    _report(lifecycle.fire(app, ref, "reopen", note=reason))


@main.command()
@click.argument("ref")
@format_option
@pass_app
def show(app: App, ref: str, fmt: str) -> None:
    """Show one problem, task or item, with its tasks, items or evidence."""
    with app.ready_db().read() as conn:
        record = queries.show(conn, ref)
    if fmt != "table":
        children: dict[str, Any] = {
            k: record.pop(k) for k in ("items", "tasks", "evidence") if k in record
        }
        _print(fmt, app, [{**record, **children}], [*record, *children])
        return
    fields = [k for k in record if k not in ("items", "tasks", "evidence")]
    lang = app.settings.lang
    rows = [{"field": HEADERS[lang].get(k, k), "value": record[k]} for k in fields]
    _print("table", app, rows, ["field", "value"])
    for key, kind in (("tasks", "task"), ("items", "responsibility")):
        if record.get(key):
            click.echo()
            _print("table", app, record[key], TABLE_COLUMNS[kind])
    for file in record.get("evidence", []):
        click.echo(f"evidence: {file['filename']}  sha256 {file['sha256']}  {file['size']} bytes")


@main.command()
@click.argument("ref")
@format_option
@pass_app
def history(app: App, ref: str, fmt: str) -> None:
    """The audit trail of REF: who did what, when, from which state to which."""
    with app.ready_db().read() as conn:
        rows = queries.history(conn, ref)
    _print(fmt, app, rows, HISTORY_FIELDS if fmt == "table" else (*HISTORY_FIELDS, "evidence"))


@main.command("list")
@click.option("--campaign", "campaign_", help="Campaign code.")
@click.option("--unit", "unit_", help="Unit code or name.")
@click.option("--state", type=click.Choice(STATES), help="Only rows in this state.")
@click.option("--level", type=click.Choice(LEVELS), help="Only rows at this warning level.")
@click.option(
    "--kind", type=click.Choice(KINDS), default="responsibility", show_default=True,
    help="Which list: 问题清单, 任务清单 or 责任清单.",
)  # fmt: skip
@format_option
@pass_app
def list_(
    app: App,
    campaign_: str | None,
    unit_: str | None,
    state: str | None,
    level: str | None,
    kind: str,
    fmt: str,
) -> None:
    """List problems, tasks or responsibility items (the default), filtered."""
    with app.ready_db().read() as conn:
        rows = queries.list_rows(
            conn, kind=kind, campaign=campaign_, unit=unit_, state=state, level=level
        )
        _print(fmt, app, rows, TABLE_COLUMNS[kind] if fmt == "table" else LIST_FIELDS)


@main.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--campaign", "campaign_", required=True, help="Campaign code.")
@pass_app
def import_(app: App, file: Path, campaign_: str) -> None:
    """Import a ledger (整改台账, .xlsx or .csv): all rows, or none if any is bad."""
    summary = importer.import_ledger(app, file, campaign_)
    click.echo(
        f"Imported {summary.problems} problems, {summary.tasks} tasks and {summary.items} "
        f"responsibility items into {campaign_} ({summary.first_ref}..{summary.last_ref})."
    )


@main.command()
@click.option("--at", "at_text", help="Sweep as of this ISO date-time [now / RECTIFY_NOW].")
@format_option
@pass_app
def sweep(app: App, at_text: str | None, fmt: str) -> None:
    """Raise open items to the warning level they have reached and queue their notices."""
    at = parse_instant(at_text, app.settings.zone, "--at") if at_text else None
    report = sweep_service.sweep(app, at)
    if fmt == "json":
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False))
        return
    raised = ", ".join(f"{level} {n}" for level, n in report.raised.items())
    when = report.at.astimezone(app.settings.zone)
    queued = plural(report.notices, "notice")
    click.echo(f"Sweep at {when:%Y-%m-%d %H:%M}: raised {raised}; {queued} queued.")
    for year in report.assumed_years:
        click.echo(f"No published holiday schedule for {year}: Monday-Friday assumed.")


@main.command()
@format_option
@pass_app
def deliver(app: App, fmt: str) -> None:
    """Send the notices that are due, through every configured channel."""
    from notifications.delivery import deliver as deliver_notices

    report = deliver_notices(app)
    if fmt == "json":
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False))
        return
    click.echo(f"Sent {report.sent}, retrying {report.retrying}, dead {report.dead}, "
               f"held for quiet hours {report.held}.")  # fmt: skip
    if report.skipped:
        skipped = plural(report.skipped, "warning")
        click.echo(f"Skipped {skipped} overtaken before sending (item fixed or closed, "
                   "deadline extended, or a higher level queued).")  # fmt: skip
    for channel, (count, why) in report.waiting.items():
        click.echo(f"{channel}: not configured ({why}); {count} notices stay pending.")
    for error in report.errors:
        click.echo(f"dead: {error}")


@main.command("notices")
@click.option("--status", type=click.Choice(NOTICE_STATUSES), help="Only notices in this state.")
@click.option("--ref", help="Only notices of this responsibility item.")
@format_option
@pass_app
def notices_(app: App, status: str | None, ref: str | None, fmt: str) -> None:
    """The outbox: every notice queued, sent, retrying or dead."""
    with app.ready_db().read() as conn:
        _print(fmt, app, queries.list_notices(conn, status=status, ref=ref), NOTICE_FIELDS)


@main.command()
@click.argument("ref")
@click.option("--to", "to_text", required=True, help="The new deadline asked for.")
@click.option("--reason", required=True, help="Why the unit needs more time.")
@pass_app
def extend(app: App, ref: str, to_text: str, reason: str) -> None:
    """Request a deadline extension (延期) for REF, before its deadline passes."""
    to = parse_date(to_text, "--to")
    number = extensions.request(app, ref, to=to, reason=reason)
    click.echo(f"{ref.upper()}: extension to {to.isoformat()} requested (#{number}).")


@main.group()
def extension() -> None:
    """Decide extension requests (not by the unit that asked)."""


@extension.command("approve")
@click.argument("ref")
@click.option("--note", help="Remarks on the decision.")
@pass_app
def extension_approve(app: App, ref: str, note: str | None) -> None:
    """Approve REF's pending request: the deadline moves and warnings start again."""
    result = extensions.decide(app, ref, approve=True, note=note)
    click.echo(f"{result['ref']}: extension approved, deadline {result['deadline']} "
               f"(originally {result['original_deadline']}), level {result['level']}.")  # fmt: skip


@extension.command("refuse")
@click.argument("ref")
@click.option("--note", help="Why the request is refused.")
@pass_app
def extension_refuse(app: App, ref: str, note: str | None) -> None:
    """Refuse REF's pending request: the deadline stays as it was."""
    result = extensions.decide(app, ref, approve=False, note=note)
    click.echo(f"{result['ref']}: extension refused, deadline stays {result['deadline']}.")


@main.group()
def scheduler() -> None:
    """The warning scheduler: sweeps and delivery on a timetable."""


@scheduler.command("run")
@click.option(
    "--sweep-every",
    type=click.IntRange(min=1),
    help="Sweep every N seconds instead "
    "of the cron schedule (RECTIFY_SWEEP_CRON, default every 30 min 07:00-22:00).",
)
@click.option(
    "--deliver-every",
    type=click.IntRange(min=1),
    default=60,
    show_default=True,
    help="Seconds between deliveries.",
)
@click.option("--stop-after", type=click.FloatRange(min=0), help="Stop after N seconds (drills).")
@pass_app
def scheduler_run(
    app: App, sweep_every: int | None, deliver_every: int, stop_after: float | None
) -> None:
    """Run sweeps and deliveries until Ctrl-C; several may share one database."""
    from workflow.scheduler import run

    app.ready_db()
    run(app, say=lambda line: click.echo(line, err=True), sweep_every=sweep_every,
        deliver_every=deliver_every, stop_after=stop_after)  # fmt: skip


@main.command()
@click.pass_context
def demo(ctx: click.Context) -> None:
    """Build a sample campaign from the seed speech, walk it through weeks, print the lists.

    Runs in a temporary database unless --db or RECTIFY_DB names one, which must be new.
    """
    source = ctx.find_root().get_parameter_source("db")
    given = source not in (None, click.core.ParameterSource.DEFAULT)
    demo_service.run(ctx.ensure_object(App), out=sys.stdout, keep=given)


def _print(
    fmt: str,
    app: App,
    rows: Iterable[Mapping[str, Any]],
    columns: Any,
    headers: Mapping[str, str] | None = None,
) -> None:
    settings = app.settings
    render(rows, list(columns), fmt, sys.stdout, lang=settings.lang, zone=settings.zone,
           headers=headers)  # fmt: skip


# --- calendar commands ---
# The working-day calendar (节假日, 调休) behind deadlines counted in working days.

CALENDAR_FIELDS = ("day", "weekday", "kind", "name", "source")

_CALENDAR_SOURCES = {
    "chinese-calendar": "from chinese-calendar",
    "manual": "set by hand",
    "file": "from an imported file",
}


def _day_text(day: date) -> str:
    return f"{day.isoformat()} ({WEEKDAYS[day.weekday()].title()})"


@main.group("calendar")
def calendar_() -> None:
    """Working days: statutory holidays (放假) and make-up working days (调休).

    Years the stored calendar does not cover count Monday to Friday as working days.
    """


@calendar_.command("list")
@click.option("--year", type=click.IntRange(1, 9999), help="Only this year's days.")
@format_option
@pass_app
def calendar_list(app: App, year: int | None, fmt: str) -> None:
    """List the stored holidays and working days, in date order."""
    from workflow.services import calendar_days

    with app.ready_db().read() as conn:
        rows = calendar_days.list_days(conn, year)
        summary = calendar_days.year_summary(conn, year) if year is not None else None
    _print(fmt, app, rows, CALENDAR_FIELDS, {"kind": "类型", "source": "来源"})
    if summary is None or fmt != "table":
        return
    if summary["published"]:
        click.echo(
            f"{year}: {summary['holidays']} holidays and "
            f"{summary['workdays']} make-up working days listed."
        )
    else:
        click.echo(f"{year}: no published schedule; Monday-Friday assumed.")


@calendar_.command("check")
@click.argument("day", metavar="DATE")
@pass_app
def calendar_check(app: App, day: str) -> None:
    """Say whether DATE (e.g. 2020-10-08 or 2020年10月8日) is a working day, and why."""
    from workflow.services import calendar_days

    when = parse_date(day, "DATE")
    with app.ready_db().read() as conn:
        status = calendar_days.check(conn, when)
    name = f" {status.name}" if status.name else ""
    source = _CALENDAR_SOURCES.get(status.source or "", status.source)
    why = {
        "holiday": f"holiday{name}, {source}",
        "workday": (
            f"make-up working day 调休 for{name or ' a holiday'}, {source}"
            if when.weekday() >= 5
            else f"listed as a working day{name}, {source}"
        ),
        "weekend": "weekend",
        "weekday": "Monday to Friday",
    }[status.reason]
    if not status.published:
        assumed = f"no published schedule for {when.year}: Monday-Friday assumed"
        why = assumed if status.reason == "weekday" else f"{why}; {assumed}"
    verdict = "a working day" if status.working else "not a working day"
    click.echo(f"{_day_text(when)} is {verdict}: {why}.")


@calendar_.command("set")
@click.argument("day", metavar="DATE")
@click.argument(
    "kind", metavar="holiday|workday",
    type=click.Choice(["holiday", "workday", "休", "班"], case_sensitive=False),
)  # fmt: skip
@click.option("--name", help="What the day is for, e.g. 国庆节.")
@pass_app
def calendar_set(app: App, day: str, kind: str, name: str | None) -> None:
    """Make DATE a holiday (休) or a working day (班, e.g. a make-up weekend).

    Replaces what was stored for DATE; re-seeding never undoes it.
    """
    from workflow.services import calendar_days

    when = parse_date(day, "DATE")
    calendar_days.set_day(app, when, kind, name)
    what = "a working day" if kind.lower() in ("workday", "班") else "a holiday"
    label = f" ({name.strip()})" if name and name.strip() else ""
    click.echo(f"{_day_text(when)} is now {what}{label}.")


@calendar_.command("unset")
@click.argument("day", metavar="DATE")
@pass_app
def calendar_unset(app: App, day: str) -> None:
    """Remove what is stored for DATE, so it follows Monday-Friday again."""
    from workflow.services import calendar_days

    when = parse_date(day, "DATE")
    calendar_days.unset_day(app, when)
    verdict = "a working day" if when.weekday() < 5 else "not a working day"
    click.echo(f"{_day_text(when)} follows Monday-Friday again: {verdict}.")


@calendar_.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_app
def calendar_import(app: App, file: Path) -> None:
    """Store a published schedule from FILE: CSV lines date,kind,name (kind holiday/休 or
    workday/班), e.g. 2027-10-01,holiday,国庆节. All lines, or none if any is bad."""
    from workflow.services import calendar_days

    count = calendar_days.import_file(app, file)
    click.echo(f"Imported {count} days from {file}.")


@calendar_.command("seed")
@click.option(
    "--year", "years", type=click.IntRange(1, 9999), multiple=True,
    help="A year to seed; repeat for several [every year chinese-calendar knows].",
)  # fmt: skip
@pass_app
def calendar_seed(app: App, years: tuple[int, ...]) -> None:
    """Add the holidays chinese-calendar knows; days already stored are kept."""
    from workflow.calendar import chinese_calendar_years
    from workflow.services import calendar_days

    added = calendar_days.seed(app, years or None)
    span = calendar_days.years_text(years or chinese_calendar_years())
    click.echo(f"Added {added} days from chinese-calendar for {span}.")


# --- end calendar commands ---
