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

The rows are selected in SQL; only their days overdue are counted in Python. Under one way of
counting, an earlier deadline is never fewer days overdue, so each way's rows stream in
deadline order and only rows with equal days overdue are sorted by ref before the streams are
merged: memory holds one such group, never the whole list.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Iterator, Mapping
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Connection, Select, case, select

from definitions.policies import Policy
from workflow.calendar import WorkdayCalendar
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
    unit_id, person_id = resolve_filters(
        conn, campaign=campaign, unit=unit, person=person, level=level
    )

    today = local_today(now, zone)
    query = _query(today, include_fixed)
    if campaign is not None:
        query = query.where(campaigns.c.code == campaign)
    if unit_id is not None:
        query = query.where(items.c.unit_id == unit_id)
    if person_id is not None:
        query = query.where(items.c.person_id == person_id)
    if level is not None:
        query = query.where(_shown_level == level)

    in_use = select(campaigns.c.policy).distinct()
    if campaign is not None:
        in_use = in_use.where(campaigns.c.code == campaign)
    working = {
        name: policies[name]
        for name in conn.execute(in_use).scalars()
        if name in policies and policies[name].day_count == "working"
    }
    streams: list[Iterator[dict[str, Any]]] = []
    if working:
        calendar = calendar_days.load(conn)
        counter = _working_days(today, next(iter(working.values())), calendar)
        streams.append(_stream(conn, query.where(campaigns.c.policy.in_(working)), counter))
        query = query.where(campaigns.c.policy.not_in(working))
    streams.append(_stream(conn, query, lambda deadline: (today - deadline).days))
    return streams[0] if len(streams) == 1 else heapq.merge(*streams, key=_order)


def is_overdue(today: date, *, include_fixed: bool = False) -> ColumnElement[bool]:
    """The rule, for queries that count rather than list (board, stats): open (or fixed), and
    the deadline day before today. Uses the (state, deadline) index; a standing item's NULL
    deadline never matches."""
    states = (*OPEN_STATES, "fixed") if include_fixed else OPEN_STATES
    return items.c.state.in_(states) & (items.c.deadline < today)


def _query(today: date, include_fixed: bool) -> Select[Any]:
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
            items.c.deadline,
            items.c.deadline_kind,
            items.c.original_deadline,
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
        .order_by(items.c.deadline, items.c.id)
    )


def _working_days(today: date, policy: Policy, calendar: WorkdayCalendar) -> Callable[[date], int]:
    counted: dict[date, int] = {}  # many items share a deadline: count each deadline once

    def count(deadline: date) -> int:
        if deadline not in counted:
            counted[deadline] = -days_left(deadline, today, policy, calendar)
        return counted[deadline]

    return count


def _stream(
    conn: Connection, query: Select[Any], count: Callable[[date], int]
) -> Iterator[dict[str, Any]]:
    """Rows in deadline order with their days overdue, ties sorted by ref."""
    rows = conn.execution_options(yield_per=2000).execute(query).mappings()
    with_days = ({**row, "days_overdue": count(row["deadline"])} for row in rows)
    for _, group in itertools.groupby(with_days, key=lambda r: r["days_overdue"]):
        yield from sorted(group, key=_order)


def _order(row: Mapping[str, Any]) -> tuple[int, int]:
    return -int(row["days_overdue"]), int(str(row["ref"])[1:])
