"""The `rectify` command: parse options, call one library function, print the result.

Every refusal from the library (RectifyError) becomes one line on stderr starting `Error:` and
exit status 1; the library has already rolled its transaction back.
"""

from __future__ import annotations

import functools
import importlib
import json
import os
import sys
from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from workflow.clock import parse_instant
from workflow.errors import InvalidInput, RectifyError
from workflow.i18n import LANGS, Msg
from workflow.terms import Day, Term, raised_text

if TYPE_CHECKING:
    from workflow import output
    from workflow.app import App
    from workflow.services import demo as demo_service
    from workflow.services import directory, extensions, importer, lifecycle, lists, queries
    from workflow.services import sweep as sweep_service


class _Lazy:
    """A module imported on first use, so that `rectify --help` and `rectify --version` load no
    database or file code (SQLAlchemy, Alembic, openpyxl, Jinja2): each command loads what it
    calls. tests/unit/test_startup.py checks what start-up imports."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attr: str) -> Any:
        return getattr(importlib.import_module(self._name), attr)


if not TYPE_CHECKING:
    output = _Lazy("workflow.output")
    demo_service = _Lazy("workflow.services.demo")
    directory = _Lazy("workflow.services.directory")
    extensions = _Lazy("workflow.services.extensions")
    importer = _Lazy("workflow.services.importer")
    lifecycle = _Lazy("workflow.services.lifecycle")
    lists = _Lazy("workflow.services.lists")
    queries = _Lazy("workflow.services.queries")
    sweep_service = _Lazy("workflow.services.sweep")

# The choices of options, spelled out as the library defines them (output.FORMATS,
# queries.LEVELS ...; tests/unit/test_startup.py checks that they agree) so that building the
# commands imports neither module.
FORMATS = ("table", "json", "csv")
LEVELS = ("none", "blue", "yellow", "red")
STATES = ("issued", "assigned", "fixed", "closed")
KINDS = ("problem", "task", "responsibility")
NOTICE_STATUSES = ("pending", "sending", "sent", "dead", "skipped")

HISTORY_FIELDS = ("at", "actor", "trigger", "from", "to", "note")


class OneLineUsageError(click.ClickException):
    """A bad option or argument, said in one `Error:` line (exit 2, as click's usage errors)."""

    exit_code = 2


class RectifyGroup(click.Group):
    """Turns library refusals and bad options into click's one-line `Error:` output."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        bad = _undecodable(args)
        if bad is not None:
            shown = bad.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
            line = Msg("argument {arg!r} is not UTF-8 text; set the terminal to UTF-8",
                       arg=shown)  # fmt: skip
            raise OneLineUsageError(_one_line(line.to(_lang(ctx))))
        # A bad option of `rectify` itself (--lang xx) is found here, before invoke.
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as exc:
            if type(exc).__name__ == "NoArgsIsHelpError":  # bare `rectify`: the help, as ever
                raise
            line = Msg("{command}: {message}", command="rectify", message=_usage(exc))
            raise OneLineUsageError(line.to(_lang(ctx))) from None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            if type(exc).__name__ == "NoArgsIsHelpError":  # `rectify unit`: its help, as ever
                raise
            command = exc.ctx.command_path if exc.ctx else "rectify"
            line = Msg("{command}: {message}", command=command, message=_usage(exc))
            raise OneLineUsageError(line.to(_lang(ctx))) from None
        except RectifyError as exc:
            raise click.ClickException(_one_line(exc.to(_lang(ctx)))) from None
        except Exception as exc:
            if not _is_database_error(exc):
                raise
            cause = getattr(exc, "orig", None) or exc
            line = Msg("database: {reason}", reason=_one_line(str(cause)))
            raise click.ClickException(line.to(_lang(ctx))) from None


def _is_database_error(exc: BaseException) -> bool:
    """An SQLAlchemy error; a command that never loaded SQLAlchemy cannot have raised one."""
    loaded = sys.modules.get("sqlalchemy.exc")
    return loaded is not None and isinstance(exc, loaded.SQLAlchemyError)


def _usage(exc: click.UsageError) -> Msg | str:
    """click's usage error as a message, so that the common ones are translated: the message
    is only used where its English is exactly click's (else click's own text is shown)."""
    said = _one_line(exc.format_message())
    message = _usage_message(exc)
    return message if message is not None and message.to("en") == said else said


def _usage_message(exc: click.UsageError) -> Msg | None:
    param = getattr(exc, "param", None)
    name = param.get_error_hint(exc.ctx) if param is not None else None
    if isinstance(exc, click.MissingParameter) and param is not None:
        what = param.param_type_name
        if isinstance(param.type, click.Choice):
            choices = ", ".join(map(str, param.type.choices))
            if what == "option":
                return Msg("Missing option {name}. Choose from: {choices}", name=name,
                           choices=choices)  # fmt: skip
            return Msg("Missing argument {name}. Choose from: {choices}", name=name,
                       choices=choices)  # fmt: skip
        if what == "option":
            return Msg("Missing option {name}.", name=name)
        return Msg("Missing argument {name}.", name=name)
    if isinstance(exc, click.BadParameter) and name is not None:
        return Msg("Invalid value for {name}: {problem}", name=name,
                   problem=_bad_value(exc.message))  # fmt: skip
    if isinstance(exc, click.NoSuchOption):
        return _no_such(exc.possibilities, Msg("No such option {name!r}.", name=exc.option_name))
    if isinstance(exc, click.exceptions.NoSuchCommand):
        return _no_such(exc.possibilities, Msg("No such command {name!r}.", name=exc.command_name))
    return _matched(_USAGE_PATTERNS, exc.message)


def _no_such(possibilities: list[str] | None, message: Msg) -> Msg:
    """An unknown option or command, with click's guesses at what was meant."""
    if not possibilities:
        return message
    shown = ", ".join(repr(p) for p in sorted(possibilities))
    if len(possibilities) == 1:
        return Msg("{message} Did you mean {possibility}?", message=message, possibility=shown)
    return Msg("{message} (Did you mean one of: {possibilities}?)", message=message,
               possibilities=shown)  # fmt: skip


# click's own wording of the other common usage errors, matched on its English text.
_USAGE_PATTERNS: list[tuple[str, Msg]] = [
    (r"Got unexpected extra argument \((?P<args>.*)\)",
     Msg("Got unexpected extra argument ({args})")),
    (r"Got unexpected extra arguments \((?P<args>.*)\)",
     Msg("Got unexpected extra arguments ({args})")),
    (r"Missing command\.", Msg("Missing command.")),
    (r"Option (?P<name>'.*') requires an argument\.", Msg("Option {name} requires an argument.")),
]  # fmt: skip
_VALUE_PATTERNS: list[tuple[str, Msg]] = [
    (r"(?P<value>'.*') is not one of (?P<choices>.*)\.", Msg("{value} is not one of {choices}.")),
    (r"(?P<value>'.*') is not (?P<choice>'.*')\.", Msg("{value} is not {choice}.")),
    (r"(?P<value>'.*') is not a valid integer\.", Msg("{value} is not a valid integer.")),
    (r"(?P<value>'.*') is not a valid float\.", Msg("{value} is not a valid float.")),
    (r"(?P<value>.*) is not in the range (?P<range>.*)\.",
     Msg("{value} is not in the range {range}.")),
    (r"File (?P<file>'.*') does not exist\.", Msg("File {file} does not exist.")),
    (r"File (?P<file>'.*') is a directory\.", Msg("File {file} is a directory.")),
]  # fmt: skip


def _bad_value(text: str) -> Msg | str:
    return _matched(_VALUE_PATTERNS, text) or text


def _matched(patterns: list[tuple[str, Msg]], text: str) -> Msg | None:
    import re

    for pattern, message in patterns:
        match = re.fullmatch(pattern, _one_line(text))
        if match:
            return Msg(message.template, **match.groupdict())
    return None


def _one_line(text: str) -> str:
    """An error on one line, with what a terminal would act on (ESC, BEL, bidi overrides, from
    a ledger's cells or an argument) shown escaped: \\x1b, <U+202E>."""
    from workflow.output import visible

    return visible(" ".join(text.split()))


def _undecodable(args: list[str]) -> str | None:
    """The first argument with bytes that are not UTF-8 (Python keeps them as surrogates,
    which no database driver accepts)."""
    for arg in args:
        if any("\udc80" <= ch <= "\udcff" for ch in arg):
            return arg
    return None


def _lang(ctx: click.Context) -> str:
    """The language of messages: the app's once built, else what --lang/RECTIFY_LANG say."""
    app = ctx.find_root().obj
    if app is not None:
        from workflow.app import App

        if isinstance(app, App):
            return app.settings.lang
    wanted = ctx.find_root().params.get("lang") or os.environ.get("RECTIFY_LANG", "zh")
    return wanted if wanted in LANGS else "zh"


def say(app: App, template: str, /, **params: Any) -> None:
    """Print one summary line in the user's language (the template is the catalogue key)."""
    click.echo(Msg(template, **params).to(app.settings.lang))


def pass_app(command: Any) -> Any:
    """click.make_pass_decorator(App), with workflow.app imported when the command runs."""

    def with_app(*args: Any, **kwargs: Any) -> Any:
        from workflow.app import App

        ctx = click.get_current_context()
        app = ctx.find_object(App)
        if app is None:
            raise RuntimeError("rectify: a command ran without its App")
        return ctx.invoke(command, app, *args, **kwargs)

    return functools.update_wrapper(with_app, command)


format_option = click.option(
    "--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
    help="table for people (aligned for Chinese text), json or csv for programs.",
)  # fmt: skip


def parse_date(text: str, what: str) -> date:
    from workflow.ledger.dates import DeadlineError, parse_deadline

    try:
        return parse_deadline(text)
    except DeadlineError as exc:
        raise InvalidInput("{what} {text!r}: {reason}", what=what, text=text,
                           reason=exc.message) from None  # fmt: skip
    except ValueError as exc:
        raise InvalidInput("{what} {text!r}: {reason}", what=what, text=text,
                           reason=str(exc)) from None  # fmt: skip


def parse_deadline_option(text: str, what: str) -> tuple[str, date | None]:
    """(kind, date) of a --deadline: a date, 立行立改 (kind immediate, dated by the service) or
    长期坚持 (kind standing, no date)."""
    import unicodedata

    from workflow.ledger.dates import IMMEDIATE_WORDS, STANDING_WORDS

    word = "".join(unicodedata.normalize("NFKC", text).split())
    if word in STANDING_WORDS:
        return "standing", None
    if word in IMMEDIATE_WORDS:
        return "immediate", None
    return "date", parse_date(text, what)


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
    from workflow.app import App
    from workflow.settings import load_settings

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
        say(app, "Initialised {name} (schema {after}).", name=name, after=after)
    elif before == after:
        say(app, "{name} is up to date (schema {after}).", name=name, after=after)
    else:
        say(app, "Upgraded {name} from schema {before} to {after}.", name=name, before=before,
            after=after)  # fmt: skip
    with app.db.write() as conn:
        seeded = seed_if_empty(conn)
    if seeded:
        say(app, "Working-day calendar: {count} statutory holidays and make-up working days "
            "seeded from chinese-calendar.", count=seeded)  # fmt: skip


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
    say(app, "Added unit {code} {name}.", code=code, name=name.strip())


# --- directory commands (unit, person, campaign: list, show, set, move, retire) ---

all_option = click.option(
    "--all", "include_retired", is_flag=True, help="Also list the retired (撤销, 离岗) ones."
)


def _show_entry(
    app: App, fmt: str, record: dict[str, Any], kind: str, children: tuple[str, Any]
) -> None:
    """One directory entry: a field/value table and its children, or one JSON/CSV row."""
    from workflow.services import directory_read

    key, columns = children
    lang = app.settings.lang
    if fmt != "table":
        _print(fmt, app, [record], list(record))
        return
    (shown,) = directory_read.for_table([{k: v for k, v in record.items() if k != key}], kind, lang)
    headers = {**output.HEADERS[lang], **_DIRECTORY_HEADERS[kind]} if lang == "zh" else {}
    rows = [{"field": headers.get(k, k), "value": v} for k, v in shown.items()]
    _print("table", app, rows, ["field", "value"])
    if record[key]:
        click.echo()
        _print("table", app, directory_read.for_table(record[key], "person", lang), columns,
               _DIRECTORY_HEADERS["person" if key == "people" else "item"])  # fmt: skip


_DIRECTORY_HEADERS = {
    "unit": {"head": "负责人", "people": "在岗人数"},
    "person": {"name": "姓名", "head": "单位负责人", "unit": "单位"},
    "item": {},
    "campaign": {"deadline": "底线", "items": "责任事项", "open": "未销号"},
}


@unit.command("list")
@all_option
@click.option("--group", help="Only the units of this group, e.g. 乡镇.")
@format_option
@pass_app
def unit_list(app: App, include_retired: bool, group: str | None, fmt: str) -> None:
    """List the units in use (with --all, the retired ones too), with heads and open items."""
    from workflow.services import directory_read as read

    with app.ready_db().read() as conn:
        rows = read.list_units(conn, include_retired=include_retired, group=group)
    if fmt != "table":
        _print(fmt, app, rows, read.UNIT_FIELDS)
        return
    columns = [*read.UNIT_COLUMNS, *(["active"] if include_retired else [])]
    _print(fmt, app, read.for_table(rows, "unit", app.settings.lang), columns,
           _DIRECTORY_HEADERS["unit"])  # fmt: skip


@unit.command("show")
@click.argument("unit_", metavar="UNIT")
@format_option
@pass_app
def unit_show(app: App, unit_: str, fmt: str) -> None:
    """Show UNIT (code or name) in full, with its people."""
    from workflow.services import directory_read as read

    with app.ready_db().read() as conn:
        record = read.show_unit(conn, unit_)
    _show_entry(app, fmt, record, "unit", ("people", read.PERSON_COLUMNS))


@unit.command("set")
@click.argument("unit_", metavar="UNIT")
@click.option("--name", help="The unit's new name.")
@click.option("--email", help="The unit's mailbox ('' clears it).")
@click.option("--phone", help="The unit's duty phone ('' clears it).")
@click.option("--group", help="The unit's group, e.g. 乡镇 ('' clears it).")
@pass_app
def unit_set(
    app: App,
    unit_: str,
    name: str | None,
    email: str | None,
    phone: str | None,
    group: str | None,
) -> None:
    """Change UNIT's name, mailbox, phone or group (office staff); recorded in its history."""
    from workflow.services import directory_edit

    done = directory_edit.set_unit(app, unit_, name=name, email=email, phone=phone, group=group)
    _say_changed(app, Msg("unit {code}", code=done.subject), done.fields)


@unit.command("retire")
@click.argument("unit_", metavar="UNIT")
@pass_app
def unit_retire(app: App, unit_: str) -> None:
    """Retire UNIT (撤销/撤并, office staff) once all its items are closed.

    Its people still in post retire with it; it keeps its history and gets no new items and
    no notices.
    """
    from workflow.services import directory_edit

    done = directory_edit.retire_unit(app, unit_)
    if done.retired_people:
        say(app, "Retired unit {unit}; {count} people in post retired with it.",
            unit=done.subject, count=done.retired_people)  # fmt: skip
    else:
        say(app, "Retired unit {unit}.", unit=done.subject)


def _say_changed(app: App, what: Msg | str, fields: list[str]) -> None:
    from workflow.services.changes import FieldNames

    if fields:
        say(app, "Changed {what}: {fields}.", what=what, fields=FieldNames(fields))
    else:
        say(app, "Nothing changed for {what}: the values given are the ones it has.", what=what)


def _say_handed_over(app: App, refs: list[str], to: str | None) -> None:
    from workflow.services.handover import SHOWN_REFS, some_refs

    if len(refs) == 1 and to:
        say(app, "Handed over 1 item to {other}: {refs}.", other=to, refs=refs[0])
    elif refs and to:
        say(app, "Handed over {count} items to {other}: {refs}.", count=len(refs), other=to,
            refs=some_refs(refs[:SHOWN_REFS], len(refs)))  # fmt: skip


# --- end directory commands (unit) ---


@main.group()
def person() -> None:
    """People who answer for items (责任人) and unit heads."""


@person.command("add")
@click.argument("name")
@click.option("--unit", "unit_", required=True, help="The person's unit, by code or name.")
@click.option("--email", help="For warnings sent to this person.")
@click.option("--phone", help="Mobile number, for SMS warnings.")
@click.option("--head", is_flag=True, help="The unit's head: receives items for cooperating units.")
@click.option(
    "--role", type=click.Choice(["office", "leader", "unit"]), default="unit", show_default=True,
    help="office: 督查室 staff; leader: 县领导; unit: acts on their own unit's items only.",
)  # fmt: skip
@click.option("--login", help="OS or database user that identifies them (identity: os|database).")
@pass_app
def person_add(
    app: App,
    name: str,
    unit_: str,
    email: str | None,
    phone: str | None,
    head: bool,
    role: str,
    login: str | None,
) -> None:
    """Add a person NAME to a unit."""
    directory.add_person(
        app, name, unit_, email=email, phone=phone, head=head, role=role, login=login
    )
    if head:
        say(app, "Added {name} to {unit} as head.", name=name.strip(), unit=unit_)
    else:
        say(app, "Added {name} to {unit}.", name=name.strip(), unit=unit_)


@person.command("list")
@click.option("--unit", "unit_", help="Only the people of this unit (code or name).")
@click.option("--role", type=click.Choice(["office", "leader", "unit"]), help="Only this role.")
@all_option
@format_option
@pass_app
def person_list(
    app: App, unit_: str | None, role: str | None, include_retired: bool, fmt: str
) -> None:
    """List the people in post (with --all, the retired too), with their open items."""
    from workflow.services import directory_read as read

    with app.ready_db().read() as conn:
        rows = read.list_people(conn, unit=unit_, role=role, include_retired=include_retired)
    if fmt != "table":
        _print(fmt, app, rows, read.PERSON_FIELDS)
        return
    columns = [*read.PERSON_COLUMNS, *(["active"] if include_retired else [])]
    _print(fmt, app, read.for_table(rows, "person", app.settings.lang), columns,
           _DIRECTORY_HEADERS["person"])  # fmt: skip


@person.command("show")
@click.argument("name")
@format_option
@pass_app
def person_show(app: App, name: str, fmt: str) -> None:
    """Show person NAME (or NAME@UNIT) in full, with the items they answer for not closed."""
    from workflow.services import directory_read as read

    with app.ready_db().read() as conn:
        record = read.show_person(conn, name)
    _show_entry(app, fmt, record, "person", ("items", read.ITEM_COLUMNS))


@person.command("set")
@click.argument("name")
@click.option("--name", "new_name", help="The person's name, corrected.")
@click.option("--email", help="For warnings sent to this person ('' clears it).")
@click.option("--phone", help="Mobile number, for SMS warnings ('' clears it).")
@click.option("--head/--no-head", default=None, help="Make or unmake the unit's head.")
@click.option("--role", type=click.Choice(["office", "leader", "unit"]), help="The new role.")
@click.option("--login", help="OS or database user that identifies them ('' clears it).")
@pass_app
def person_set(
    app: App,
    name: str,
    new_name: str | None,
    email: str | None,
    phone: str | None,
    head: bool | None,
    role: str | None,
    login: str | None,
) -> None:
    """Change person NAME's name, contacts, head, role or login (office staff); recorded in
    their history."""
    from workflow.services import directory_edit

    done = directory_edit.set_person(app, name, name=new_name, email=email, phone=phone,
                                     head=head, role=role, login=login)  # fmt: skip
    _say_changed(app, done.subject, done.fields)


@person.command("move")
@click.argument("name")
@click.option("--unit", "unit_", required=True, help="The unit they move to (code or name).")
@click.option("--handover", help="The colleague of their old unit who takes their open items.")
@pass_app
def person_move(app: App, name: str, unit_: str, handover: str | None) -> None:
    """Move person NAME to another unit (office staff).

    Their items not yet closed stay with the old unit: name a colleague there with
    --handover, or the move is refused naming the items.
    """
    from workflow.services import directory_edit

    done = directory_edit.move_person(app, name, unit_, handover=handover)
    say(app, "Moved {name} to {unit}.", name=done.subject, unit=unit_)
    _say_handed_over(app, done.handed_over, done.to)


@person.command("retire")
@click.argument("name")
@click.option("--handover", help="The colleague of the same unit who takes their open items.")
@pass_app
def person_retire(app: App, name: str, handover: str | None) -> None:
    """Retire person NAME (离岗, office staff): no new items, no notices, history kept.

    Their items not yet closed (issued, assigned, fixed awaiting acceptance) go to the
    --handover colleague in one transaction, each move in the item's history and a notice to
    the colleague; without --handover a person with such items is refused.
    """
    from workflow.services import directory_edit

    done = directory_edit.retire_person(app, name, handover=handover)
    say(app, "Retired {name}.", name=done.subject)
    _say_handed_over(app, done.handed_over, done.to)


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
    say(app, "Added campaign {code} {name}, bottom line {deadline}.", code=code,
        name=name.strip(), deadline=Day(due))  # fmt: skip


@campaign.command("list")
@format_option
@pass_app
def campaign_list(app: App, fmt: str) -> None:
    """List the campaigns with their bottom lines, leaders and open items."""
    from workflow.services import directory_read as read

    with app.ready_db().read() as conn:
        rows = read.list_campaigns(conn)
    columns = read.CAMPAIGN_COLUMNS if fmt == "table" else read.CAMPAIGN_FIELDS
    _print(fmt, app, rows, columns, _DIRECTORY_HEADERS["campaign"])


@campaign.command("show")
@click.argument("code")
@format_option
@pass_app
def campaign_show(app: App, code: str, fmt: str) -> None:
    """Show campaign CODE in full."""
    from workflow.services import directory_read as read

    with app.ready_db().read() as conn:
        record = read.show_campaign(conn, code)
    if fmt != "table":
        _print(fmt, app, [record], list(record))
        return
    lang = app.settings.lang
    headers = {**output.HEADERS[lang], **_DIRECTORY_HEADERS["campaign"]} if lang == "zh" else {}
    _print("table", app, [{"field": headers.get(k, k), "value": v} for k, v in record.items()],
           ["field", "value"])  # fmt: skip


@campaign.command("set")
@click.argument("code")
@click.option("--name", help="The campaign's name.")
@click.option("--deadline", help="A new bottom line (底线); not before an open item's deadline.")
@click.option("--leader", help="The leader who receives red warnings ('' for none).")
@click.option("--policy", help="Escalation policy name.")
@pass_app
def campaign_set(
    app: App,
    code: str,
    name: str | None,
    deadline: str | None,
    leader: str | None,
    policy: str | None,
) -> None:
    """Change campaign CODE's name, bottom line, leader or policy (office staff); recorded in
    its history."""
    from workflow.services import directory_campaign

    due = parse_date(deadline, "--deadline") if deadline is not None else None
    done = directory_campaign.set_campaign(app, code, name=name, deadline=due, leader=leader,
                                       policy=policy)  # fmt: skip
    _say_changed(app, Msg("campaign {code}", code=done.subject), done.fields)


@main.group()
def problem() -> None:
    """The problem list (问题清单)."""


@problem.command("add")
@click.option("--campaign", "campaign_", required=True, help="Campaign code.")
@click.option("--title", required=True, help="What was found (问题描述).")
@click.option("--source", help="Where it came from (问题来源), e.g. 国务院成效考核.")
@click.option("--category", help="Category (问题类别), e.g. 饮水安全.")
@click.option(
    "--leader", help="The county leader in charge (责任领导), NAME or NAME@UNIT; red warnings "
    "and digests go to them as well as to the campaign leader.",
)  # fmt: skip
@pass_app
def problem_add(
    app: App,
    campaign_: str,
    title: str,
    source: str | None,
    category: str | None,
    leader: str | None,
) -> None:
    """Add a problem to a campaign; prints its ref."""
    click.echo(lists.add_problem(app, campaign_, title, source=source, category=category,
                                 leader=leader))  # fmt: skip


@main.group()
def task() -> None:
    """The task list (任务清单)."""


@task.command("add")
@click.option("--problem", "problem_", required=True, help="The problem's ref (P...).")
@click.option("--title", required=True, help="The rectification measure (整改措施).")
@click.option(
    "--deadline", required=True,
    help="整改时限, e.g. 2020-09-30 or 2020年9月30日; 立行立改 (today plus the policy's "
    "immediate_days) or 长期坚持 (standing, no deadline).",
)  # fmt: skip
@pass_app
def task_add(app: App, problem_: str, title: str, deadline: str) -> None:
    """Add a task to a problem; prints its ref."""
    kind, due = parse_deadline_option(deadline, "--deadline")
    click.echo(lists.add_task(app, problem_, title, deadline=due, deadline_kind=kind))


@main.command()
@click.argument("task_ref", metavar="TASK")
@click.option("--unit", "unit_", required=True, help="Responsible unit, by code or name.")
@click.option("--person", "person_", required=True, help="Responsible person (NAME or NAME@UNIT).")
@click.option(
    "--deadline", help="Deadline for this item: a date, 立行立改 or 长期坚持 [the task's]."
)
@click.option(
    "--role", type=click.Choice(["lead", "cooperate"]), default="lead", show_default=True,
    help="lead: 牵头单位; cooperate: 配合单位.",
)  # fmt: skip
@pass_app
def assign(
    app: App, task_ref: str, unit_: str, person_: str, deadline: str | None, role: str
) -> None:
    """交办: give TASK to a unit and a person; prints the new item's ref."""
    kind, due = parse_deadline_option(deadline, "--deadline") if deadline else (None, None)
    click.echo(lists.assign(app, task_ref, unit=unit_, person=person_, deadline=due,
                            deadline_kind=kind, role=role))  # fmt: skip


def _report(app: App, outcome: lifecycle.Outcome) -> None:
    """`R1: assigned -> fixed`, then each task and problem that followed (R1：已交办 → 已整改)."""
    moves = [(outcome.ref, outcome.from_state, outcome.to_state), *outcome.rolled_up]
    for ref, before, after in moves:
        say(app, "{ref}: {before} -> {after}", ref=ref, before=Msg(before), after=Msg(after))


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
    _report(app, lifecycle.fire(app, ref, "fix", note=note, evidence_files=files))


@main.command()
@click.argument("ref")
@click.option("--note", required=True, help="What has been done so far (整改进展).")
@click.option(
    "--evidence", "evidence_paths", multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A file showing the progress; repeat for several. Stored with its SHA-256.",
)  # fmt: skip
@pass_app
def progress(app: App, ref: str, note: str, evidence_paths: tuple[Path, ...]) -> None:
    """Report progress (整改进展) on an open REF; standing items (长期坚持) owe one regularly."""
    from workflow.services import progress as progress_service

    files = [lifecycle.EvidenceFile.read(path) for path in evidence_paths]
    done = progress_service.report(app, ref, note=note, evidence_files=files)
    say(app, "{ref}: progress recorded.", ref=done.ref)
    if done.level_before != done.level:
        say(app, "{ref}: the missed-report warning is lifted.", ref=done.ref)
    if done.next_due is not None:
        day = Day(done.next_due.astimezone(app.settings.zone).date())
        say(app, "Next progress report due by {day}.", day=day)


@main.command()
@click.argument("ref")
@click.option("--note", help="Acceptance remarks.")
@pass_app
def accept(app: App, ref: str, note: str | None) -> None:
    """Acceptance check passed: close REF (销号)."""
    _report(app, lifecycle.fire(app, ref, "accept", note=note))


@main.command()
@click.argument("ref")
@click.option("--note", required=True, help="Why the fix is not accepted.")
@pass_app
def reject(app: App, ref: str, note: str) -> None:
    """Send a fixed REF back to its unit (退回)."""
    _report(app, lifecycle.fire(app, ref, "reject", note=note))


@main.command()
@click.argument("ref")
@click.option("--reason", required=True, help="Why the closed item is open again (反弹).")
@pass_app
def reopen(app: App, ref: str, reason: str) -> None:
    """Reopen a closed REF."""
    _report(app, lifecycle.fire(app, ref, "reopen", note=reason))


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
    # A standing item's deadline reads 长期坚持; an immediate one's is marked 立行立改.
    shown = {"deadline": output.deadline_text(record.get("deadline"), record.get("deadline_kind"),
                                              lang, app.settings.zone)}  # fmt: skip
    headers = output.HEADERS[lang]
    rows = [{"field": headers.get(k, k), "value": shown.get(k, record[k])} for k in fields]
    _print("table", app, rows, ["field", "value"])
    for key, kind in (("tasks", "task"), ("items", "responsibility")):
        if record.get(key):
            click.echo()
            _print("table", app, record[key], queries.TABLE_COLUMNS[kind])
    for file in record.get("evidence", []):
        say(app, "evidence: {filename}  sha256 {sha256}  {size} bytes", **file)


@main.command()
@click.argument("ref", metavar="REF|UNIT|PERSON|CAMPAIGN")
@click.option(
    "--kind", "kind_", type=click.Choice(["item", "unit", "person", "campaign"]),
    help="What the name is, where it could be more than one (a unit code and a person).",
)  # fmt: skip
@format_option
@pass_app
def history(app: App, ref: str, kind_: str | None, fmt: str) -> None:
    """The audit trail of REF: who did what, when, from which state to which.

    For a unit, person or campaign: who changed which field, when, from what to what.
    """
    from workflow.services import changes

    with app.ready_db().read() as conn:
        what, rows = changes.history(conn, ref, kind_)
    if what == "item":
        _print(fmt, app, rows, HISTORY_FIELDS if fmt == "table" else (*HISTORY_FIELDS, "evidence"))
    elif fmt == "table":
        _print(fmt, app, changes.for_table(rows, app.settings.lang), changes.CHANGE_FIELDS)
    else:
        _print(fmt, app, rows, changes.CHANGE_JSON_FIELDS)


@main.command("list")
@click.option("--campaign", "campaign_", help="Campaign code.")
@click.option("--unit", "unit_", help="Unit code or name.")
@click.option("--person", "person_", help="Only what this person answers for (NAME or NAME@UNIT).")
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
    person_: str | None,
    state: str | None,
    level: str | None,
    kind: str,
    fmt: str,
) -> None:
    """List problems, tasks or responsibility items (the default), filtered."""
    with app.ready_db().read() as conn:
        rows = queries.list_rows(
            conn, kind=kind, campaign=campaign_, unit=unit_, state=state, level=level,
            person=person_,
        )  # fmt: skip
        columns = queries.TABLE_COLUMNS[kind] if fmt == "table" else queries.LIST_FIELDS
        _print(fmt, app, rows, columns)


@main.command()
@click.option("--campaign", "campaign_", help="Campaign code.")
@click.option("--unit", "unit_", help="Unit code or name.")
@click.option("--person", "person_", help="Only this person's items (NAME or NAME@UNIT).")
@click.option("--level", type=click.Choice(LEVELS), help="Only items at this warning level.")
@click.option(
    "--include-fixed", is_flag=True, help="Also fixed items past their deadline, not yet accepted."
)
@format_option
@pass_app
def overdue(
    app: App,
    campaign_: str | None,
    unit_: str | None,
    person_: str | None,
    level: str | None,
    include_fixed: bool,
    fmt: str,
) -> None:
    """Open items past their deadline day (逾期事项), most days overdue first.

    Days are counted as the campaign's policy counts them: calendar or working days.

    \b
    Examples:
      rectify overdue
      rectify overdue --campaign TP --unit 水利局
      rectify overdue --level red --format csv > 逾期.csv
    """
    from workflow.services import overdue as overdue_service

    asked = dict(now=app.now(), zone=app.settings.zone, policies=app.policies,
                 campaign=campaign_, unit=unit_, person=person_, level=level,
                 include_fixed=include_fixed)  # fmt: skip
    with app.ready_db().read() as conn:
        if fmt != "table":  # written by SQLite where it can: a province's list is long
            lines = overdue_service.overdue_lines(conn, fmt, **asked)  # type: ignore[arg-type]
            if lines is not None:
                output.write_lines(lines, fmt, overdue_service.OVERDUE_FIELDS, sys.stdout)
                return
        rows = overdue_service.overdue_rows(conn, **asked)  # type: ignore[arg-type]
        wanted = overdue_service.TABLE_COLUMNS if fmt == "table" else overdue_service.OVERDUE_FIELDS
        _print(fmt, app, rows, wanted)


@main.command()
@click.option("--campaign", "campaign_", help="Campaign code [every campaign with items].")
@click.option(
    "--by", type=click.Choice(["unit", "problem", "leader"]), default="unit", show_default=True,
    help="One row per responsible unit, per problem, or per leader in charge (责任领导).",
)  # fmt: skip
@format_option
@pass_app
def board(app: App, campaign_: str | None, by: str, fmt: str) -> None:
    """The battle map (挂图作战): items closed (销号) and open at each level, worst first.

    Most red items first, then most overdue, then the lowest share closed; a tick per closed
    item, and the days left to each campaign's bottom line (底线).

    \b
    Examples:
      rectify board
      rectify board --campaign TP --by leader
      rectify board --by problem --format csv > 挂图.csv
    """
    from workflow.services import board as board_service

    with app.ready_db().read() as conn:
        rows = board_service.board_rows(
            conn, now=app.now(), zone=app.settings.zone, policies=app.policies,
            campaign=campaign_, by=by,
        )  # fmt: skip
    if fmt == "table":
        board_service.render_board(rows, sys.stdout, by=by, lang=app.settings.lang)
    else:
        _print(fmt, app, rows, board_service.BOARD_FIELDS)


@main.command()
@click.option("--campaign", "campaign_", help="Campaign code [every campaign].")
@click.option(
    "--by", type=click.Choice(["unit", "person", "source"]), default="unit", show_default=True,
    help="One row per responsible unit, per person (the items' current one), or per problem "
    "source (问题来源).",
)  # fmt: skip
@click.option("--from", "from_text", help="Count events on or after this day.")
@click.option("--to", "to_text", help="Count events on or before this day.")
@click.option(
    "--verify/--no-verify", default=True, show_default=True,
    help="Check the audit trail's hash chain first (about 9 µs a record).",
)  # fmt: skip
@format_option
@pass_app
def stats(
    app: App,
    campaign_: str | None,
    by: str,
    from_text: str | None,
    to_text: str | None,
    verify: bool,
    fmt: str,
) -> None:
    """Accountability figures (精准问责), counted from the audit trail.

    \b
    assigned            items assigned (交办) or imported as assigned
    on_time / late      items accepted (销号): was the fix (报结) accepted
                        on or before the deadline then in force (with
                        approved extensions)? An item counts once, by its
                        last acceptance
    open / overdue      items issued or assigned now / of them past their
                        deadline day, as `rectify overdue` counts
    days_overdue        their days overdue, calendar or working days
    rejected, reopened  times sent back (退回) and reopened (反弹)
    extensions_asked / extensions_granted   requests (延期) and approvals
    on_time_rate        on_time / (on_time + late), blank if none closed

    --from/--to (days in the configured zone, inclusive) choose the events
    counted; open, overdue and days_overdue are as of today. The table ends
    with a line saying whether the audit trail's hash chain verified; with
    json or csv that line goes to stderr.

    \b
    Examples:
      rectify stats --campaign TP
      rectify stats --by person --from 2020-09-01 --to 2020-09-30
      rectify stats --by source --format csv > 问责.csv
    """
    from workflow.services import stats as stats_service

    start = parse_date(from_text, "--from") if from_text else None
    end = parse_date(to_text, "--to") if to_text else None
    with app.ready_db().read() as conn:
        rows = stats_service.stats_rows(
            conn, now=app.now(), zone=app.settings.zone, policies=app.policies,
            campaign=campaign_, by=by, date_from=start, date_to=end,
        )  # fmt: skip
        chain = stats_service.chain_status(conn, app.settings.zone, verify=verify)
    if fmt == "table":
        lang = app.settings.lang
        shown = [stats_service.table_row(row, lang) for row in rows]
        keys = stats_service.TABLE_KEYS[by]
        _print(fmt, app, shown, [*keys, *stats_service.FIGURES], stats_service.HEADERS_ZH)
    else:
        _print(fmt, app, rows, [*stats_service.KEYS[by], *stats_service.FIGURES])
    click.echo(chain.to(app.settings.lang), err=fmt != "table")


@main.command()
@click.option("--campaign", "campaign_", required=True, help="Campaign code.")
@click.option(
    "--html", "html_file", required=True, type=click.Path(dir_okay=False, path_type=Path),
    help="The page to write (.html): one file, no network needed to open it.",
)  # fmt: skip
@click.option("--force", is_flag=True, help="Replace the file if it exists.")
@click.option(
    "--verify/--no-verify", default=True, show_default=True,
    help="Check the audit trail's hash chain first (about 9 µs a record).",
)  # fmt: skip
@pass_app
def report(app: App, campaign_: str, html_file: Path, force: bool, verify: bool) -> None:
    """Write one self-contained HTML page of a campaign for a meeting or a phone: the battle
    map (units x problems by warning level, ✓ when closed), the burn-down to the bottom line,
    the overdue list, the board per unit and the accountability figures. It prints on A4.

    Says whether the audit trail's hash chain verified (the page says it too).

    \b
    Examples:
      rectify report --campaign TP --html 整改情况.html
      rectify report --campaign TP --html 整改情况.html --force
    """
    from workflow import report as report_service

    done = report_service.write_report(app, html_file, campaign_, force=force, verify=verify)
    say(app, "Wrote the report of {campaign} to {file}: {items} responsibility items, {closed} "
        "closed, {overdue} overdue.", campaign=done.campaign, file=done.file, items=done.items,
        closed=done.closed, overdue=done.overdue)  # fmt: skip
    click.echo(report_service.audit_line(done.audit).to(app.settings.lang))


@main.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--campaign", "campaign_", required=True, help="Campaign code.")
@click.option(
    "--update", is_flag=True,
    help="The ledger was imported before: move the deadlines it changed (as approved "
    "extensions) and add its new rows.",
)  # fmt: skip
@pass_app
def import_(app: App, file: Path, campaign_: str, update: bool) -> None:
    """Import a ledger (整改台账, .xlsx or .csv): all rows, or none if any is bad."""
    from workflow.ledger.messages import Listing

    summary = importer.import_ledger(app, file, campaign_, update=update)
    if summary.update:
        say(app, "Updated {campaign} from {file}: {moved} deadlines moved, {tasks} tasks added, "
            "{unchanged} rows unchanged.", campaign=summary.campaign, file=summary.file,
            moved=summary.moved, tasks=summary.tasks, unchanged=summary.unchanged)  # fmt: skip
        from workflow.services.handover import some_refs

        for moved in summary.moved_to:  # the first 20 and a count: a ledger may move all
            say(app, "Deadline moved to {deadline}: {refs}.", deadline=Day(moved.deadline),
                refs=some_refs(moved.refs, moved.count))  # fmt: skip
    if summary.items:
        say(app, "Imported {problems} problems, {tasks} tasks and {items} responsibility items "
            "into {campaign} ({first}..{last}).", problems=summary.problems, tasks=summary.tasks,
            items=summary.items, campaign=summary.campaign, first=summary.first_ref,
            last=summary.last_ref)  # fmt: skip
    if summary.ignored:
        say(app, "Ignored columns: {columns}.", columns=Listing(summary.ignored))


@main.command("export")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--campaign", "campaign_", required=True, help="Campaign code.")
@click.option("--force", is_flag=True, help="Overwrite FILE if it exists.")
@pass_app
def export(app: App, file: Path, campaign_: str, force: bool) -> None:
    """Write the campaign's 责任清单 to FILE (.xlsx or .csv) in the ledger columns `import`
    reads, with each item's state, warning, deadlines and 销号 date.

    \b
    Example:  rectify export 责任清单.xlsx --campaign TP"""
    from workflow.services import export as export_service

    done = export_service.export_ledger(app, file, campaign_, force=force)
    say(app, "Exported {problems} problems in {rows} rows ({items} responsibility items) of "
        "{campaign} to {file}.", problems=done.problems, rows=done.rows, items=done.items,
        campaign=done.campaign, file=done.file)  # fmt: skip


@main.command()
@click.option("--at", "at_text", help="Sweep as of this ISO date-time [now / RECTIFY_NOW].")
@format_option
@pass_app
def sweep(app: App, at_text: str | None, fmt: str) -> None:
    """Raise open items to the warning level they have reached and queue their notices."""
    from workflow.progress import progress

    at = parse_instant(at_text, app.settings.zone, "--at") if at_text else None
    label = Msg("Sweeping").to(app.settings.lang)
    with progress(lambda: sweep_service.planned_steps(app), label) as tick:
        report = sweep_service.sweep(app, at, on_step=tick)
    if fmt == "json":
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False))
        return
    when = f"{report.at.astimezone(app.settings.zone):%Y-%m-%d %H:%M}"
    raised = raised_text(report.raised)
    if report.notices == 1:
        say(app, "Sweep at {when}: raised {raised}; 1 notice queued.", when=when, raised=raised)
    else:
        say(app, "Sweep at {when}: raised {raised}; {count} notices queued.", when=when,
            raised=raised, count=report.notices)  # fmt: skip
    if any(report.progress.values()):
        say(app, "Standing items with a missed progress report: blue {blue}, yellow {yellow}.",
            **report.progress)  # fmt: skip
    if report.digests:
        say(app, "Daily digests queued: {count}.", count=report.digests)
    for year in report.assumed_years:
        say(app, "No published holiday schedule for {year}: Monday-Friday assumed.", year=year)


@main.command()
@format_option
@pass_app
def deliver(app: App, fmt: str) -> None:
    """Send the notices that are due, through every configured channel."""
    from notifications.delivery import deliver as deliver_notices
    from notifications.due import due_count
    from workflow.progress import progress

    label = Msg("Delivering notices").to(app.settings.lang)
    with progress(lambda: due_count(app, app.now()), label) as tick:
        report = deliver_notices(app, on_sent=tick)
    if fmt == "json":
        click.echo(json.dumps(report.as_dict(app.settings.lang), ensure_ascii=False))
        _delivery_failed(report)
        return
    say(app, "Sent {sent}, retrying {retrying}, dead {dead}, held for quiet hours {held}.",
        sent=report.sent, retrying=report.retrying, dead=report.dead, held=report.held)  # fmt: skip
    if report.skipped == 1:
        say(app, "Skipped 1 warning overtaken before sending (item fixed or closed, deadline "
            "extended, or a higher level queued).")  # fmt: skip
    elif report.skipped:
        say(app, "Skipped {count} warnings overtaken before sending (item fixed or closed, "
            "deadline extended, or a higher level queued).", count=report.skipped)  # fmt: skip
    for channel, (count, fault) in report.unavailable.items():
        say(app, "{channel}: cannot send now ({why}); {count} notices stay pending, no "
            "attempt used.", channel=channel, why=fault, count=count)  # fmt: skip
    for channel, (count, why) in report.waiting.items():
        say(app, "{channel}: not configured ({why}); {count} notices stay pending.",
            channel=channel, why=why, count=count)  # fmt: skip
    if report.resent:
        say(app, "Sent again {count} notices cut mid-flight (the process sending them died); "
            "they may have gone out twice: `rectify notices` marks them.",
            count=report.resent)  # fmt: skip
    for error in report.errors:
        say(app, "dead: {error}", error=error)
    _delivery_failed(report)


def _delivery_failed(report: Any) -> None:
    """Exit 1 after the summary when nothing was sent and something failed."""
    if report.failed_only:
        raise RectifyError(
            "nothing was sent: {retrying} notices retrying, {dead} dead",
            retrying=report.retrying, dead=report.dead)  # fmt: skip


notice_status_option = click.option(
    "--status", type=click.Choice(NOTICE_STATUSES), help="Only notices in this state."
)
notice_ref_option = click.option("--ref", help="Only notices of this responsibility item.")


@main.group("notices", invoke_without_command=True)
@notice_status_option
@notice_ref_option
@format_option
@click.pass_context
def notices_(ctx: click.Context, status: str | None, ref: str | None, fmt: str) -> None:
    """The outbox: every notice queued, sent, retrying, skipped or dead (`notices list`)."""
    if ctx.invoked_subcommand is None:
        _list_notices(ctx.obj, status, ref, fmt)


@notices_.command("list")
@notice_status_option
@notice_ref_option
@format_option
@pass_app
def notices_list(app: App, status: str | None, ref: str | None, fmt: str) -> None:
    """List the outbox, oldest first (the same as `notices` alone)."""
    _list_notices(app, status, ref, fmt)


def _list_notices(app: App, status: str | None, ref: str | None, fmt: str) -> None:
    with app.ready_db().read() as conn:
        _print(fmt, app, queries.list_notices(conn, status=status, ref=ref), queries.NOTICE_FIELDS)


@notices_.command("retry")
@click.option("--ref", help="Only the dead notices of this responsibility item.")
@click.option("--channel", help="Only dead notices of this channel: email, sms, dingtalk, wecom.")
@click.option("--since", "since_text", help="Only notices given up on or after this date.")
@pass_app
def notices_retry(app: App, ref: str | None, channel: str | None, since_text: str | None) -> None:
    """Put dead notices back in the queue (office staff), e.g. once the mail server is fixed.

    Their attempts start again at 0; each is recorded in the change log. Warnings overtaken
    meanwhile are still skipped when delivery comes to them.
    """
    from workflow.services import notice_admin

    since = parse_date(since_text, "--since") if since_text else None
    count = notice_admin.retry(app, ref=ref, channel=channel, since=since)
    if count == 0:
        say(app, "No dead notices match; nothing put back in the queue.")
    elif count == 1:
        say(app, "Put 1 dead notice back in the queue; `rectify deliver` sends it.")
    else:
        say(app, "Put {count} dead notices back in the queue; `rectify deliver` sends them.",
            count=count)  # fmt: skip


@main.command()
@click.argument("ref")
@click.option("--to", "to_text", required=True, help="The new deadline asked for.")
@click.option("--reason", required=True, help="Why the unit needs more time.")
@pass_app
def extend(app: App, ref: str, to_text: str, reason: str) -> None:
    """Request a deadline extension (延期) for REF, before its deadline passes."""
    to = parse_date(to_text, "--to")
    number = extensions.request(app, ref, to=to, reason=reason)
    say(app, "{ref}: extension to {to} requested (#{number}).", ref=ref.strip().upper(),
        to=Day(to), number=number)  # fmt: skip


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
    say(app, "{ref}: extension approved, deadline {deadline} (originally {original}), level "
        "{level}.", ref=result["ref"], deadline=Day(date.fromisoformat(result["deadline"])),
        original=Day(date.fromisoformat(result["original_deadline"])),
        level=Term("level", result["level"]))  # fmt: skip


@extension.command("refuse")
@click.argument("ref")
@click.option("--note", help="Why the request is refused.")
@pass_app
def extension_refuse(app: App, ref: str, note: str | None) -> None:
    """Refuse REF's pending request: the deadline stays as it was."""
    result = extensions.decide(app, ref, approve=False, note=note)
    say(app, "{ref}: extension refused, deadline stays {deadline}.", ref=result["ref"],
        deadline=Day(date.fromisoformat(result["deadline"])))  # fmt: skip


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


@main.group("audit")
def audit_group() -> None:
    """The audit trail (审计记录): every state change, chained by SHA-256."""


@audit_group.command("verify")
@click.option(
    "--anchor", "anchors", multiple=True, metavar="ROW:HASH",
    help="A row and hash an earlier verify printed: that row must still carry that hash.",
)  # fmt: skip
@pass_app
def audit_verify(app: App, anchors: tuple[str, ...]) -> None:
    """Recompute the audit trail's hash chain; name the first row that does not match.

    Each row holds the hash of the row before it, so a row changed, added or removed in the
    database behind rectify's back breaks the chain from there on. Exits 1 when it is broken.
    It prints the last row's hash: keep it outside the database (a report, a mail, a printout)
    and pass it back with --anchor, so that a trail rewritten from some row on with every hash
    recomputed is caught too.

    \b
    Examples:
      rectify audit verify
      rectify audit verify --anchor 18342:5f1c…(the 64 hex digits printed last month)
    """
    from workflow.services import audit_check

    check = audit_check.verify_or_fail(app, audit_check.parse_anchors(anchors))
    say(app, "Audit trail verified: {rows} rows, the hash chain is unbroken.", rows=check.rows)
    if check.head_id is not None:
        say(app, "Anchor to keep: {anchor}", anchor=f"{check.head_id}:{check.head_hash}")


@main.command()
@click.pass_context
def demo(ctx: click.Context) -> None:
    """Build a sample campaign from the seed speech, walk it through weeks, print the lists.

    Runs in a temporary database unless --db or RECTIFY_DB names one, which must be new.
    """
    source = ctx.find_root().get_parameter_source("db")
    given = source not in (None, click.core.ParameterSource.DEFAULT)
    from workflow.app import App

    demo_service.run(ctx.ensure_object(App), out=sys.stdout, keep=given)


def _print(
    fmt: str,
    app: App,
    rows: Iterable[Mapping[str, Any]],
    columns: Any,
    headers: Mapping[str, str] | None = None,
) -> None:
    settings = app.settings
    output.render(rows, list(columns), fmt, sys.stdout, lang=settings.lang, zone=settings.zone,
           headers=headers)  # fmt: skip


# --- calendar commands ---
# The working-day calendar (节假日, 调休) behind deadlines counted in working days.

CALENDAR_FIELDS = ("day", "weekday", "kind", "name", "source")

_CALENDAR_SOURCES = {
    "chinese-calendar": Msg("from chinese-calendar"),
    "manual": Msg("set by hand"),
    "file": Msg("from an imported file"),
}


def _day_text(day: date) -> Msg:
    """2020-10-08 (Thursday) / 2020年10月8日（星期四）."""
    weekday = Term("weekday", output.WEEKDAYS[day.weekday()].title())
    return Msg("{day} ({weekday})", day=Day(day), weekday=weekday)


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
        say(app, "{year}: {holidays} holidays and {workdays} make-up working days listed.",
            year=year, holidays=summary["holidays"], workdays=summary["workdays"])  # fmt: skip
    else:
        say(app, "{year}: no published schedule; Monday-Friday assumed.", year=year)


@calendar_.command("check")
@click.argument("day", metavar="DATE")
@pass_app
def calendar_check(app: App, day: str) -> None:
    """Say whether DATE (e.g. 2020-10-08 or 2020年10月8日) is a working day, and why."""
    from workflow.services import calendar_days

    when = parse_date(day, "DATE")
    with app.ready_db().read() as conn:
        status = calendar_days.check(conn, when)
    why = _why(status, when)
    if not status.published:
        assumed = Msg("no published schedule for {year}: Monday-Friday assumed", year=when.year)
        why = assumed if status.reason == "weekday" else Msg("{why}; {assumed}", why=why,
                                                               assumed=assumed)  # fmt: skip
    if status.working:
        say(app, "{day} is a working day: {why}.", day=_day_text(when), why=why)
    else:
        say(app, "{day} is not a working day: {why}.", day=_day_text(when), why=why)


def _why(status: Any, when: date) -> Msg:
    """Why a day is or is not a working day, as `calendar check` says it."""
    name = status.name
    source = _CALENDAR_SOURCES.get(status.source or "", status.source)
    if status.reason == "holiday":
        if name:
            return Msg("holiday {name}, {source}", name=name, source=source)
        return Msg("holiday, {source}", source=source)
    if status.reason == "workday" and when.weekday() >= 5:
        if name:
            return Msg("make-up working day 调休 for {name}, {source}", name=name, source=source)
        return Msg("make-up working day 调休 for a holiday, {source}", source=source)
    if status.reason == "workday":
        if name:
            return Msg("listed as a working day {name}, {source}", name=name, source=source)
        return Msg("listed as a working day, {source}", source=source)
    return Msg("weekend") if status.reason == "weekend" else Msg("Monday to Friday")


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
    label = name.strip() if name and name.strip() else None
    shown = _day_text(when)
    if kind.lower() in ("workday", "班"):
        if label:
            say(app, "{day} is now a working day ({name}).", day=shown, name=label)
        else:
            say(app, "{day} is now a working day.", day=shown)
    elif label:
        say(app, "{day} is now a holiday ({name}).", day=shown, name=label)
    else:
        say(app, "{day} is now a holiday.", day=shown)


@calendar_.command("unset")
@click.argument("day", metavar="DATE")
@pass_app
def calendar_unset(app: App, day: str) -> None:
    """Remove what is stored for DATE, so it follows Monday-Friday again."""
    from workflow.services import calendar_days

    when = parse_date(day, "DATE")
    calendar_days.unset_day(app, when)
    if when.weekday() < 5:
        say(app, "{day} follows Monday-Friday again: a working day.", day=_day_text(when))
    else:
        say(app, "{day} follows Monday-Friday again: not a working day.", day=_day_text(when))


@calendar_.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_app
def calendar_import(app: App, file: Path) -> None:
    """Store a published schedule from FILE: CSV lines date,kind,name (kind holiday/休 or
    workday/班), e.g. 2027-10-01,holiday,国庆节. All lines, or none if any is bad."""
    from workflow.services import calendar_days

    count = calendar_days.import_file(app, file)
    say(app, "Imported {count} days from {file}.", count=count, file=str(file))


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
    say(app, "Added {count} days from chinese-calendar for {years}.", count=added, years=span)


# --- end calendar commands ---


# --- web commands (issue 9): the web pages and the personal login links that open them ---

WEB_LINK_FIELDS = ("id", "person", "unit", "created", "created_by", "expires", "last_used",
                   "revoked")  # fmt: skip
WEB_LINK_HEADERS = {
    "id": "编号", "person": "姓名", "unit": "单位", "created": "创建时间",
    "created_by": "创建人", "expires": "有效期至", "last_used": "最近使用", "revoked": "撤销时间",
}  # fmt: skip


@main.command()
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; keep 127.0.0.1 behind a proxy such as nginx.",
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8080,
    show_default=True,
    help="Port to listen on (0: any free port, printed).",
)
@click.option(
    "--base-url",
    help="The address people open, for login links and secure "
    "cookies [settings web: base_url, else http://127.0.0.1:8080/].",
)
@click.option(
    "--threads",
    type=click.IntRange(1, 64),
    default=8,
    show_default=True,
    help="Requests served at the same time.",
)
@click.option(
    "--trusted-proxy",
    help="Address of the proxy (nginx) whose X-Forwarded-For and "
    "X-Forwarded-Proto headers are believed.",
)
@click.option(
    "--stop-after", type=click.FloatRange(min=0), help="Stop after N seconds (tests, benchmarks)."
)
@pass_app
def serve(
    app: App, host: str, port: int, base_url: str | None, threads: int,
    trusted_proxy: str | None, stop_after: float | None,
) -> None:  # fmt: skip
    """Serve the web pages (battle map, overdue, figures, items) until Ctrl-C.

    Nobody reads a page without a personal login link (`rectify web link`).

    \b
    Examples:
      rectify serve
      rectify serve --base-url https://dcs.example.gov.cn/rectify/ --trusted-proxy 127.0.0.1
    """
    from web.serve import run

    def listening(url: str, addresses: list[tuple[str, int]]) -> None:
        where = ", ".join(f"{address}:{number}" for address, number in addresses)
        say(app, "Serving {url} (listening on {where}); Ctrl-C stops.", url=url, where=where)

    run(app, host=host, port=port, base_url=base_url, threads=threads,
        trusted_proxy=trusted_proxy, stop_after=stop_after, say=listening)  # fmt: skip


@main.group("web")
def web_group() -> None:
    """Personal login links to the web pages (`rectify serve`), for office staff."""


@web_group.command("link")
@click.argument("name")
@click.option(
    "--expires",
    default="30d",
    show_default=True,
    help="How long the link works: 30d, 12h, 2w or 90m (at most 366d).",
)
@click.option(
    "--base-url", help="The web's address [settings web: base_url, else http://127.0.0.1:8080/]."
)
@pass_app
def web_link(app: App, name: str, expires: str, base_url: str | None) -> None:
    """Make a personal login link for NAME (or NAME@UNIT) and print it (office staff).

    Whoever opens the link reads as NAME: send it to that person only. It is shown once;
    only its hash is kept. `rectify web revoke` ends it.

    \b
    Examples:
      rectify web link 韩水
      rectify web link 王书记 --expires 7d --base-url https://dcs.example.gov.cn/rectify/
    """
    from workflow.services import web_links

    span = web_links.parse_expiry(expires)
    base = web_links.base_url(app.settings.values, base_url)
    link = web_links.create_link(app, name, expires=span, base=base)
    click.echo(link.url)
    until = link.expires_at.astimezone(app.settings.zone).strftime("%Y-%m-%d %H:%M")
    line = Msg("Login link #{id} for {person}, valid until {until}.", id=link.id,
               person=link.person, until=until)  # fmt: skip
    click.echo(line.to(app.settings.lang), err=True)


@web_group.command("links")
@format_option
@pass_app
def web_links_list(app: App, fmt: str) -> None:
    """List the login links, newest first: person, made, expiry, last use, revoked (office
    staff). The links themselves cannot be shown again: only their hashes are kept.

    \b
    Example:  rectify web links"""
    from workflow.services import web_links

    _print(fmt, app, web_links.list_links(app), WEB_LINK_FIELDS, WEB_LINK_HEADERS)


@web_group.command("revoke")
@click.argument("target", metavar="NAME|ID")
@pass_app
def web_revoke(app: App, target: str) -> None:
    """End login link #ID, or every link of the person NAME, at once (office staff).

    \b
    Examples:
      rectify web revoke 韩水
      rectify web revoke 3"""
    from workflow.services import web_links

    ids = web_links.revoke(app, target)
    say(app, "Revoked login links {ids}.", ids=", ".join(f"#{n}" for n in ids))


# --- end web commands ---
