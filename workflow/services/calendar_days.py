"""The working-day calendar as stored: statutory holidays and make-up working days (调休).

Rows come from three places, recorded in `source`: the chinese_calendar package
('chinese-calendar', added by `seed` and never allowed to replace anything), an office's own
edits ('manual') and schedule files an office imports ('file'). Seeding only adds days the table
does not have yet, so an office's corrections survive every re-seed. A year counts as published
when it has at least one row; any other year falls back to Monday-Friday (see workflow.calendar).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite

from workflow.app import App
from workflow.calendar import (
    KIND_SPELLINGS,
    CalendarEntry,
    CalendarFileError,
    EntryKind,
    WorkdayCalendar,
    chinese_calendar_entries,
    chinese_calendar_years,
    parse_calendar_file,
)
from workflow.db.schema import calendar_days
from workflow.errors import InvalidInput, NotFound
from workflow.i18n import Msg
from workflow.identity import require_office
from workflow.terms import Day

PACKAGE = "chinese-calendar"
MANUAL = "manual"
FILE = "file"
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
NAME_LENGTH = 50  # calendar_days.name is String(50); PostgreSQL refuses longer names


@dataclass(frozen=True)
class DayStatus:
    """Whether a day is a working day, and why.

    `reason` is 'workday' (listed as a working day, e.g. a make-up weekend), 'holiday' (listed
    as a day off), 'weekend' or 'weekday' (not listed: the Monday-Friday default). `published`
    tells whether the day's year has a schedule at all.
    """

    day: date
    working: bool
    reason: str
    name: str | None
    source: str | None
    published: bool

    @property
    def weekday(self) -> str:
        return WEEKDAYS[self.day.weekday()]


def seed(app: App, years: Iterable[int] | None = None) -> int:
    """Add the package's entries for `years` (default: every year it knows) that the table does
    not have yet; returns the number of days added. Days already stored, whatever their source,
    are left alone."""
    known = chinese_calendar_years()
    wanted = set(known if years is None else years)
    unknown = sorted(wanted - known)
    if unknown:
        raise InvalidInput(
            "chinese-calendar has no schedule for {years} (it knows {known}); import the "
            "published schedule with `rectify calendar import FILE`",
            years=", ".join(str(y) for y in unknown),
            known=years_text(known),
        )
    with app.ready_db().write() as conn:
        require_office(app.actor(), Msg("edit the working-day calendar"))
        return _insert_missing(conn, chinese_calendar_entries(wanted))


def seed_if_empty(conn: Connection) -> int:
    """Seed every year the package knows when the table is empty (a new database)."""
    if conn.execute(select(calendar_days.c.day).limit(1)).first() is not None:
        return 0
    return _insert_missing(conn, chinese_calendar_entries(chinese_calendar_years()))


def load(conn: Connection) -> WorkdayCalendar:
    """The calendar the deadlines are counted with: every stored day; a year with at least one
    row is published."""
    rows = conn.execute(select(calendar_days.c.day, calendar_days.c.kind, calendar_days.c.name))
    return WorkdayCalendar.from_entries(CalendarEntry(r.day, r.kind, r.name) for r in rows)


def set_day(app: App, day: date, kind: str, name: str | None) -> None:
    """Declare `day` a holiday (休) or a working day (班), replacing whatever was stored."""
    entry = CalendarEntry(_check_day(day), _kind(kind), _name(name))
    with app.ready_db().write() as conn:
        require_office(app.actor(), Msg("edit the working-day calendar"))
        _upsert(conn, [entry], MANUAL)


def unset_day(app: App, day: date) -> None:
    """Remove the stored entry for `day`, so it follows Monday-Friday again."""
    day = _check_day(day)
    with app.ready_db().write() as conn:
        require_office(app.actor(), Msg("edit the working-day calendar"))
        removed = conn.execute(delete(calendar_days).where(calendar_days.c.day == day)).rowcount
    if not removed:
        raise NotFound(
            "no calendar entry for {day}; it already follows Monday-Friday", day=Day(day)
        )


def import_file(app: App, path: Path) -> int:
    """Store every day of a schedule file (CSV `date,kind,name`), replacing stored entries for
    the same days; all lines or none. Returns the number of days stored."""
    source = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InvalidInput(
            "{file}: cannot be read ({reason})", file=source, reason=exc.strerror or str(exc)
        ) from None
    try:
        text = _decode(data)
    except UnicodeDecodeError:
        raise InvalidInput(
            "{file}: is neither UTF-8 nor GBK/GB18030 text; save it as CSV UTF-8", file=source
        ) from None
    try:
        entries = parse_calendar_file(text, source)
    except CalendarFileError as exc:
        raise InvalidInput(_nothing_imported(source, exc.errors)) from None
    long_names = [
        Msg(
            "{file}: the name for {day} is longer than {count} characters",
            file=source,
            day=Day(e.day),
            count=NAME_LENGTH,
        )
        for e in entries
        if e.name is not None and len(e.name) > NAME_LENGTH
    ]
    if long_names:
        raise InvalidInput(_nothing_imported(source, long_names))
    if not entries:
        raise InvalidInput("{file}: lists no days; expected CSV lines date,kind,name", file=source)
    with app.ready_db().write() as conn:
        require_office(app.actor(), Msg("edit the working-day calendar"))
        _upsert(conn, entries, FILE)
    return len(entries)


def list_days(conn: Connection, year: int | None) -> list[dict[str, Any]]:
    """Stored days in date order, all of them or one year's."""
    query = select(
        calendar_days.c.day, calendar_days.c.kind, calendar_days.c.name, calendar_days.c.source
    ).order_by(calendar_days.c.day)
    if year is not None:
        query = query.where(*_in_year(year))
    return [
        {**row, "weekday": WEEKDAYS[row["day"].weekday()]} for row in conn.execute(query).mappings()
    ]


def year_summary(conn: Connection, year: int) -> dict[str, Any]:
    """{'year', 'published', 'holidays', 'workdays'}: a year is published when it has a row."""
    counts: dict[str, int] = {
        kind: int(count)
        for kind, count in conn.execute(
            select(calendar_days.c.kind, func.count())
            .where(*_in_year(year))
            .group_by(calendar_days.c.kind)
        )
    }
    holidays, workdays = counts.get("holiday", 0), counts.get("workday", 0)
    return {
        "year": year,
        "published": bool(holidays or workdays),
        "holidays": holidays,
        "workdays": workdays,
    }


def check(conn: Connection, day: date) -> DayStatus:
    """Whether `day` is a working day and why, as `load(conn).is_workday(day)` would decide."""
    day = _check_day(day)
    row = conn.execute(select(calendar_days).where(calendar_days.c.day == day)).first()
    published = row is not None or (
        conn.execute(select(calendar_days.c.day).where(*_in_year(day.year)).limit(1)).first()
        is not None
    )
    if row is not None:
        return DayStatus(day, row.kind == "workday", row.kind, row.name, row.source, published)
    weekend = day.weekday() >= 5
    return DayStatus(day, not weekend, "weekend" if weekend else "weekday", None, None, published)


def years_text(years: Iterable[int]) -> str:
    """2004-2026, or 2019, 2021-2022: runs of consecutive years written as ranges."""
    runs: list[list[int]] = []
    for year in sorted(set(years)):
        if runs and year == runs[-1][-1] + 1:
            runs[-1].append(year)
        else:
            runs.append([year])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}-{r[-1]}" for r in runs)


def _insert_missing(conn: Connection, entries: list[CalendarEntry]) -> int:
    # ON CONFLICT DO NOTHING rather than read-then-insert, so two seeds at once cannot collide;
    # RETURNING counts what was actually added.
    if not entries:
        return 0
    statement = _dialect_insert(conn).on_conflict_do_nothing(index_elements=["day"])
    added = conn.execute(statement.returning(calendar_days.c.day), _rows(entries, PACKAGE))
    return len(added.all())


def _upsert(conn: Connection, entries: list[CalendarEntry], source: str) -> None:
    statement = _dialect_insert(conn)
    statement = statement.on_conflict_do_update(
        index_elements=["day"],
        set_={
            "kind": statement.excluded.kind,
            "name": statement.excluded.name,
            "source": statement.excluded.source,
        },
    )
    conn.execute(statement, _rows(entries, source))


def _dialect_insert(conn: Connection) -> Any:
    if conn.dialect.name == "postgresql":
        return postgresql.insert(calendar_days)
    return sqlite.insert(calendar_days)


def _rows(entries: list[CalendarEntry], source: str) -> list[dict[str, Any]]:
    return [{"day": e.day, "kind": e.kind, "name": e.name, "source": source} for e in entries]


def _in_year(year: int) -> tuple[Any, ...]:
    # A range on the key rather than extract(year), so the primary key index is used.
    try:
        return (calendar_days.c.day >= date(year, 1, 1), calendar_days.c.day <= date(year, 12, 31))
    except ValueError:
        raise InvalidInput("year {year} is out of range (1-9999)", year=year) from None


def _check_day(day: object) -> date:
    if isinstance(day, datetime) or not isinstance(day, date):
        raise InvalidInput("{day!r} is not a date", day=day)
    return day


def _kind(text: str) -> EntryKind:
    kind = KIND_SPELLINGS.get((text or "").strip().lower())
    if kind is None:
        raise InvalidInput("kind {kind!r} is not one of holiday, workday, 休, 班", kind=text)
    return kind


def _name(name: str | None) -> str | None:
    name = (name or "").strip() or None
    if name is not None and len(name) > NAME_LENGTH:
        raise InvalidInput(
            "name {name!r} is longer than {count} characters", name=name, count=NAME_LENGTH
        )
    return name


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel on Chinese Windows saves "CSV (逗号分隔)" in GBK; GB18030 is its superset.
        return data.decode("gb18030")


def _nothing_imported(source: str, errors: list[Msg] | list[str]) -> Msg:
    template = (
        "{source}: 1 error, nothing imported: {errors}"
        if len(errors) == 1
        else "{source}: {count} errors, nothing imported: {errors}"
    )
    return Msg(template, source=source, count=len(errors), errors=list(errors))
