"""Overdue items (逾期事项) for leaders: open items whose deadline day has passed.

A deadline is met until the end of its day in the configured zone, so an item is overdue from
the next day on: `deadline < today`. Standing items (长期坚持) have no deadline and are never
overdue; an item extended past today is not overdue, since its deadline is the extended one.
A fixed item waiting for its acceptance check is not overdue; `include_fixed` shows it too, with
the days past its deadline as of today (state fixed, level none, as `list` shows it).

Days overdue are counted as the campaign's policy counts days, the same rule as the sweep
(workflow.escalation.days_left): calendar days, or working days for a working-day policy, at
least 1 once the deadline day has passed. A campaign whose policy file is gone counts calendar
days, so its items still show.

The rows are selected and ordered in SQL (deadline, then ref as a number); only their days
overdue are counted in Python, once per distinct deadline. Under one way of counting, an
earlier deadline is never fewer days overdue, so each way's rows stream in order; under
working days two deadlines (a Saturday and a Sunday) can be the same days overdue, so rows with
equal days are merged by ref before the streams are merged: memory holds one such group, never
the whole list. Rows come as the driver gives them (no per-row type conversion: a province's
list has hundreds of thousands), so a deadline is an ISO date string on SQLite and a date on
PostgreSQL; output treats both alike.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Iterator, Mapping
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Connection,
    Integer,
    Select,
    String,
    case,
    cast,
    func,
    select,
    type_coerce,
)

from definitions.policies import Policy
from workflow.db.schema import campaigns, items, people, problems, tasks, units
from workflow.escalation import days_left, local_today
from workflow.services import calendar_days
from workflow.services.queries import OPEN_STATES, resolve_filters

OVERDUE_FIELDS = (
    "ref", "title", "task", "problem", "campaign", "unit", "person", "role", "deadline",
    "deadline_kind", "original_deadline", "extensions", "days_overdue", "level", "state",
)  # fmt: skip
TABLE_COLUMNS = (
    "ref", "title", "unit", "person", "deadline", "days_overdue", "extensions", "level", "state",
)  # fmt: skip
# A fixed item shows no warning, as in `list` (its row keeps the level it reached).
_shown_level = case((items.c.state.in_(OPEN_STATES), items.c.level), else_="none")


def overdue_rows(
    conn: Connection,
    *,
    now: datetime,
    zone: ZoneInfo,
    policies: Mapping[str, Policy],
    campaign: str | None = None,
    unit: str | None = None,
    person: str | None = None,
    level: str | None = None,
    include_fixed: bool = False,
) -> Iterator[dict[str, Any]]:
    """Overdue items, most days overdue first, then by ref (R2 before R10).

    Not a generator: bad names are refused here, before any row is read or printed.
    """
    today = local_today(now, zone)
    query = _selection(conn, today, campaign, unit, person, level, include_fixed)
    working = _working(conn, campaign, policies)
    streams: list[Iterator[dict[str, Any]]] = []
    if working:
        calendar = calendar_days.load(conn)
        policy = next(iter(working.values()))
        working_days = _per_deadline(lambda day: -days_left(day, today, policy, calendar))
        working_query = query.where(campaigns.c.policy.in_(working))
        streams.append(_merged_ties(_stream(conn, working_query, working_days)))
        query = query.where(campaigns.c.policy.not_in(working))
    # Calendar days: a later deadline is always fewer days overdue, so SQL's order is final.
    streams.append(_stream(conn, query, _per_deadline(lambda day: (today - day).days)))
    return streams[0] if len(streams) == 1 else heapq.merge(*streams, key=_order)


def overdue_lines(
    conn: Connection,
    fmt: str,
    *,
    now: datetime,
    zone: ZoneInfo,
    policies: Mapping[str, Policy],
    campaign: str | None = None,
    unit: str | None = None,
    person: str | None = None,
    level: str | None = None,
    include_fixed: bool = False,
) -> Iterator[str] | None:
    """The rows of overdue_rows as JSON objects or CSV lines (fmt json or csv) of every field,
    written by SQLite (workflow/db/lines.py): the same text, a few times faster. None where
    they cannot be: on PostgreSQL, or when a campaign counted counts working days (the days
    are counted in Python then); overdue_rows serves those.

    Not a generator: bad names are refused here, before any row is read or printed.
    """
    from workflow.db import lines

    today = local_today(now, zone)
    query = _selection(conn, today, campaign, unit, person, level, include_fixed)
    if not lines.available(conn) or _working(conn, campaign, policies):
        return None
    selected = {column.key: column for column in query.selected_columns}
    days = cast(func.julianday(today.isoformat()) - func.julianday(items.c.deadline), Integer)
    values = [(name, days if name == "days_overdue" else selected[name]) for name in OVERDUE_FIELDS]
    if fmt == "json":
        line = lines.json_line(values)
    else:
        line = lines.csv_line([(value, _CSV_KINDS.get(name, "code")) for name, value in values])
    result = conn.execution_options(yield_per=5000).execute(query.with_only_columns(line))
    return (text for (text,) in result)


# How each field reads in CSV (workflow/db/lines.py): the rest are refs, codes and dates.
_CSV_KINDS = {
    "title": "text", "campaign": "text", "unit": "text", "person": "text",
    "extensions": "number", "days_overdue": "number",
}  # fmt: skip


def _selection(
    conn: Connection,
    today: date,
    campaign: str | None,
    unit: str | None,
    person: str | None,
    level: str | None,
    include_fixed: bool,
) -> Select[Any]:
    """The overdue items asked for, in deadline and ref order; refuses unknown names."""
    unit_id, person_id = resolve_filters(
        conn, campaign=campaign, unit=unit, person=person, level=level
    )
    query = _query(today, include_fixed)
    if campaign is not None:
        query = query.where(campaigns.c.code == campaign)
    if unit_id is not None:
        query = query.where(items.c.unit_id == unit_id)
    if person_id is not None:
        query = query.where(items.c.person_id == person_id)
    if level is not None:
        query = query.where(_shown_level == level)
    return query


def _working(
    conn: Connection, campaign: str | None, policies: Mapping[str, Policy]
) -> dict[str, Policy]:
    """The policies in use (by `campaign`, or by any) that count working days."""
    in_use = select(campaigns.c.policy).distinct()
    if campaign is not None:
        in_use = in_use.where(campaigns.c.code == campaign)
    return {
        name: policies[name]
        for name in conn.execute(in_use).scalars()
        if name in policies and policies[name].day_count == "working"
    }


def is_overdue(today: date, *, include_fixed: bool = False) -> ColumnElement[bool]:
    """The rule, for queries that count rather than list (board, stats): open (or fixed), and
    the deadline day before today. Uses the (state, deadline) index; a standing item's NULL
    deadline never matches."""
    states = (*OPEN_STATES, "fixed") if include_fixed else OPEN_STATES
    return items.c.state.in_(states) & (items.c.deadline < today)


def _query(today: date, include_fixed: bool) -> Select[Any]:
    # Dates as the driver returns them: no converter called twice per row.
    def raw(column: Any, name: str) -> Any:
        return type_coerce(column, String).label(name)

    return (
        select(
            items.c.ref,
            tasks.c.title,
            tasks.c.ref.label("task"),
            problems.c.ref.label("problem"),
            campaigns.c.code.label("campaign"),
            units.c.name.label("unit"),
            people.c.name.label("person"),
            items.c.role,
            raw(items.c.deadline, "deadline"),
            items.c.deadline_kind,
            raw(items.c.original_deadline, "original_deadline"),
            items.c.extension_count.label("extensions"),
            _shown_level.label("level"),
            items.c.state,
        )
        .join(tasks, tasks.c.id == items.c.task_id)
        .join(problems, problems.c.id == tasks.c.problem_id)
        .join(campaigns, campaigns.c.id == problems.c.campaign_id)
        .join(units, units.c.id == items.c.unit_id)
        .join(people, people.c.id == items.c.person_id)
        .where(is_overdue(today, include_fixed=include_fixed))
        # R9 before R10: refs are R and a number without leading zeros.
        .order_by(items.c.deadline, func.length(items.c.ref), items.c.ref)
    )


def _per_deadline(count: Callable[[date], int]) -> Callable[[Any], int]:
    """`count`, called once per distinct deadline (many items share one), which may come as a
    date or as its ISO text."""
    counted: dict[Any, int] = {}

    def days(deadline: Any) -> int:
        try:
            return counted[deadline]
        except KeyError:
            day = deadline if isinstance(deadline, date) else date.fromisoformat(deadline)
            counted[deadline] = count(day)
            return counted[deadline]

    return days


_DAYS_AT = OVERDUE_FIELDS.index("days_overdue")  # the query selects every field but this one
_DEADLINE_AT = OVERDUE_FIELDS.index("deadline")


def _stream(
    conn: Connection, query: Select[Any], days: Callable[[Any], int]
) -> Iterator[dict[str, Any]]:
    """Rows in the query's order with their days overdue, as dicts of OVERDUE_FIELDS."""
    fields, at, deadline_at = OVERDUE_FIELDS, _DAYS_AT, _DEADLINE_AT
    for row in conn.execution_options(yield_per=5000).execute(query):
        yield dict(zip(fields, (*row[:at], days(row[deadline_at]), *row[at:]), strict=True))


def _merged_ties(rows: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Rows with equal days overdue (several deadlines under working days) put in ref order."""
    for _, group in itertools.groupby(rows, key=lambda r: r["days_overdue"]):
        yield from sorted(group, key=_order)


def _order(row: Mapping[str, Any]) -> tuple[int, int]:
    return -int(row["days_overdue"]), int(str(row["ref"])[1:])
