"""Accountability figures (精准问责) per unit, person or problem source, from the audit trail.

Every figure is counted from what the audit trail (audit_events, kind 'responsibility', joined
to the items by ref) says happened, so it cannot drift from the history; `open`, `overdue` and
`days overdue` describe the items as they stand now. Rows are grouped by the item's current
unit, its current person (a handover moves an item, with its whole history, to the colleague
who took it over) or its problem's source (问题来源; an empty source is its own group).

- assigned: items that entered `assigned` by an assign event (交办) or were imported straight
  into it (trigger import); a reject or reopen, which also lead back to assigned, is not one.
- closed on time / closed late: items accepted (accept event, 销号), judged once per item by
  its last acceptance: on time when the fix (报结) that acceptance accepted, the last fix event
  before it, falls on or before the deadline in force at that moment, in the configured zone.
  The deadline in force is the latest approved extension decided by then (the extensions table
  keeps each approval's new date, the audit trail only a note), else the item's first deadline
  (original_deadline). A standing item (长期坚持) has no deadline and is never late.
  An item reopened and accepted again counts once, by its last acceptance.
- open: items issued or assigned now. overdue: open items past their deadline day, and days
  overdue their sum, both as `rectify overdue` counts (workflow/services/overdue.py): a deadline
  is met until the end of its day; calendar or working days by the campaign's policy, at least
  1 once the day has passed; an item extended past today is not overdue.
- sent back (退回): reject events. reopened (反弹): reopen events.
- extensions asked: extend events (a unit's request); granted: extension_approved events. A
  deadline moved by a ledger update (`import --update`) is recorded as an approved extension
  without a request, so it counts as granted but not asked.
- on-time rate: on time / (on time + late), a percentage to one decimal; None when nothing
  closed.

`date_from`/`date_to` keep the events whose day, in the configured zone, falls within them
(both inclusive): the assignments, acceptances, rejections, reopenings and extensions counted.
They do not change open, overdue and days overdue, which are as of `now`.

All figures come from one SQL query: the audit rows are grouped per item (one pass over the
trail, as a hand-written query would), joined to the items, and aggregated per key. Every item
has audit rows from its creation (create or import), so the join keeps every item. Days
overdue are summed in SQL when every campaign counted counts calendar days; when one counts
working days they are counted per (group, policy, deadline) row that SQL has grouped, with each
distinct deadline counted once, so memory holds one row per group and deadline.

`chain_status` says whether the audit trail's hash chain verified (workflow/audit.py). The CLI
prints it as the table's last line; with json or csv it goes to stderr, so stdout stays a plain
array or CSV of the rows (one per group, a few hundred at most).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime, time, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Connection,
    Date,
    FromClause,
    Integer,
    Select,
    and_,
    case,
    cast,
    func,
    literal,
    select,
    true,
)
from sqlalchemy.sql.elements import ColumnElement

from definitions.policies import Policy
from workflow import audit
from workflow.calendar import WorkdayCalendar
from workflow.db.schema import (
    audit_events,
    campaigns,
    extensions,
    items,
    people,
    problems,
    tasks,
    units,
)
from workflow.errors import InvalidInput
from workflow.escalation import days_left, local_today
from workflow.i18n import Msg
from workflow.names import natural_key
from workflow.services import calendar_days
from workflow.services.audit_check import REASONS
from workflow.services.overdue import is_overdue
from workflow.services.queries import OPEN_STATES, resolve_filters

BY = ("unit", "person", "source")
FIGURES = (
    "assigned", "on_time", "late", "open", "overdue", "days_overdue", "rejected", "reopened",
    "extensions_asked", "extensions_granted", "on_time_rate",
)  # fmt: skip
KEYS = {
    "unit": ("unit_code", "unit"),
    "person": ("person", "unit_code", "unit"),
    "source": ("source",),
}
TABLE_KEYS = {"unit": ("unit",), "person": ("person", "unit"), "source": ("source",)}
# Column names for Chinese tables where output.HEADERS has none, or means something else.
HEADERS_ZH = {
    "assigned": "交办",
    "on_time": "按期办结",
    "late": "逾期办结",
    "open": "在办",
    "overdue": "逾期未办",
    "days_overdue": "逾期天数",
    "rejected": "退回",
    "reopened": "反弹",
    "extensions_asked": "申请延期",
    "extensions_granted": "批准延期",
    "on_time_rate": "按期办结率",
}
NO_SOURCE = Msg("(none)")  # how a table shows the group of problems with no source

_ASSIGNED = ("assign", "import")
_COUNTED = {
    "rejected": ("reject",),
    "reopened": ("reopen",),
    "extensions_asked": ("extend",),
    "extensions_granted": ("extension_approved",),
}
_SQLITE_LOCAL_DAY = "rectify_local_day"


def stats_rows(
    conn: Connection,
    *,
    now: datetime,
    zone: ZoneInfo,
    policies: Mapping[str, Policy],
    campaign: str | None,
    by: str,
    date_from: date | None = None,
    date_to: date | None = None,
) -> list[dict[str, Any]]:
    """One row per unit, person or source that has items (in `campaign`, or in any campaign):
    its key columns (KEYS[by]) and FIGURES, ordered by unit code, person, or source."""
    if by not in BY:
        raise InvalidInput("--by {by!r} must be one of {choices}", by=by, choices=", ".join(BY))
    if date_from is not None and date_to is not None and date_from > date_to:
        raise InvalidInput(
            "--from {start} is after --to {end}",
            start=date_from.isoformat(),
            end=date_to.isoformat(),
        )
    resolve_filters(conn, campaign=campaign, unit=None, person=None, level=None)
    today = local_today(now, zone)
    scope = _Scope(by, campaign)
    in_window = _window(zone, date_from, date_to)

    working = _working_policies(conn, campaign, policies)
    rows: dict[Any, dict[str, Any]] = {}
    for found in conn.execute(
        _figures(conn, scope, zone, today, in_window, not working)
    ).mappings():
        row = {k: found[k] for k in KEYS[by]}
        row.update({f: int(found[f] or 0) for f in FIGURES if f in found})
        row["late"] = int(found["closed"] or 0) - row["on_time"]
        rows[found["gid"]] = row
    if working:  # some days are working days: counted in Python, once per distinct deadline
        for row in rows.values():
            row["days_overdue"] = 0
        for gid, days in _days_overdue(conn, scope, today, policies).items():
            rows[gid]["days_overdue"] = days
    for row in rows.values():
        closed = row["on_time"] + row["late"]
        row["on_time_rate"] = round(100 * row["on_time"] / closed, 1) if closed else None
    return sorted(rows.values(), key=_order(by))


def chain_status(conn: Connection, zone: ZoneInfo, *, verify: bool = True) -> Msg:
    """One line: the audit chain verified (N rows), or the first row that breaks it."""
    if not verify:
        return Msg(
            "The audit trail was not checked this time (--no-verify); `rectify audit verify` "
            "checks it."
        )
    check = audit.verify(conn)
    if check.ok:
        return Msg(
            "Audit trail verified: {rows} rows, the hash chain is unbroken.", rows=check.rows
        )
    row = conn.execute(select(audit_events).where(audit_events.c.id == check.broken_id)).one()
    return Msg(
        "Audit trail NOT verified: broken at row {id} ({ref} {trigger}, {at}): {reason}; "
        "{good} rows before it verified. These figures may not show what happened.",
        id=row.id,
        ref=row.ref,
        trigger=row.trigger,
        at=row.at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
        reason=REASONS[check.reason or "content"],
        good=check.rows,
    )


class _Scope:
    """The items counted (a campaign's, or all) and the expression that groups them."""

    def __init__(self, by: str, campaign: str | None) -> None:
        self.by = by
        self.campaign = campaign
        if by == "unit":
            self.gid: ColumnElement[Any] = items.c.unit_id
        elif by == "person":
            self.gid = items.c.person_id
        else:  # a blank source is no source
            self.gid = func.nullif(func.trim(problems.c.source), "")

    def joined(self, *, policy: bool = False) -> FromClause:
        """Items joined to as much as the grouping, the campaign filter or `policy` need."""
        joined: FromClause = items
        if self.by == "source" or self.campaign is not None or policy:
            joined = joined.join(tasks, tasks.c.id == items.c.task_id).join(
                problems, problems.c.id == tasks.c.problem_id
            )
        if self.campaign is not None or policy:
            joined = joined.join(campaigns, campaigns.c.id == problems.c.campaign_id)
        return joined

    def where(self, query: Select[Any]) -> Select[Any]:
        return query if self.campaign is None else query.where(campaigns.c.code == self.campaign)


def _window(
    zone: ZoneInfo, date_from: date | None, date_to: date | None
) -> Callable[[Any], ColumnElement[bool]]:
    """A condition on an event time: its local day within [from, to]. The days become instants
    here (local midnights), so the condition compares stored times and can use an index."""
    start = datetime.combine(date_from, time(), tzinfo=zone) if date_from else None
    end = datetime.combine(date_to + timedelta(days=1), time(), tzinfo=zone) if date_to else None

    def within(at: Any) -> ColumnElement[bool]:
        conditions = [at >= start] if start else []
        conditions += [at < end] if end else []
        return and_(true(), *conditions)

    return within


def _working_policies(
    conn: Connection, campaign: str | None, policies: Mapping[str, Policy]
) -> bool:
    """Whether any campaign counted counts working days (a few campaigns: read them all)."""
    query = select(campaigns.c.policy).distinct()
    if campaign is not None:
        query = query.where(campaigns.c.code == campaign)
    return any(
        name in policies and policies[name].day_count == "working"
        for name in conn.execute(query).scalars()
    )


def _figures(
    conn: Connection,
    scope: _Scope,
    zone: ZoneInfo,
    today: date,
    within: Callable[[Any], ColumnElement[bool]],
    days_in_sql: bool,
) -> Select[Any]:
    """Every figure per group in one pass over the items and their audit rows.

    The audit rows are grouped per item first (counts of each kind of event in the window, the
    last acceptance in it, the last fix); the fix that acceptance accepted is the last fix when
    that came before it, else (a reopened item fixed again) the last fix before it, looked up.
    Days overdue are summed here when every campaign counts calendar days."""
    e = audit_events
    counted = {
        "assigned": and_(e.c.trigger.in_(_ASSIGNED), e.c.to_state == "assigned"),
        **{name: e.c.trigger.in_(triggers) for name, triggers in _COUNTED.items()},
    }
    in_window = within(e.c.at)
    per_item = (
        select(
            e.c.ref,
            *(func.count(case((and_(when, in_window), 1))).label(n) for n, when in counted.items()),
            func.max(case((and_(e.c.trigger == "accept", in_window), e.c.id))).label("accept_id"),
            func.max(case((e.c.trigger == "fix", e.c.id))).label("last_fix_id"),
        )
        .where(e.c.kind == "responsibility")
        .group_by(e.c.ref)
        .subquery("per_item")
    )
    earlier = audit_events.alias("earlier")
    fix_before_accept = (
        select(func.max(earlier.c.id))
        .where(
            earlier.c.kind == "responsibility",
            earlier.c.ref == per_item.c.ref,
            earlier.c.trigger == "fix",
            earlier.c.id < per_item.c.accept_id,
        )
        .scalar_subquery()
    )
    accepted_fix_id = case(
        (per_item.c.accept_id.is_(None), None),
        (per_item.c.last_fix_id < per_item.c.accept_id, per_item.c.last_fix_id),
        else_=fix_before_accept,
    )
    fix = audit_events.alias("fix")
    x = extensions
    extended_to = (
        select(x.c.requested_deadline)
        .where(x.c.item_id == items.c.id, x.c.status == "approved", x.c.decided_at <= fix.c.at)
        .order_by(x.c.decided_at.desc(), x.c.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    # The deadline in force when the fix was reported; none (a standing item) is never late.
    in_force = func.coalesce(
        extended_to, items.c.original_deadline, items.c.deadline, date(9999, 12, 31)
    )
    accepted = per_item.c.accept_id.is_not(None)
    # An acceptance with no fix before it is on time only for a standing item.
    fixed_on = func.coalesce(_local_day(conn, zone, fix.c.at), date(9999, 12, 31))
    on_time = and_(accepted, fixed_on <= in_force)
    overdue = is_overdue(today)
    figures = [
        func.count(case((items.c.state.in_(OPEN_STATES), 1))).label("open"),
        func.count(case((overdue, 1))).label("overdue"),
        *(func.sum(per_item.c[name]).label(name) for name in counted),
        func.count(case((on_time, 1))).label("on_time"),
        func.count(case((accepted, 1))).label("closed"),
    ]
    if days_in_sql:
        figures.append(
            func.sum(case((overdue, _days_since(conn, today, items.c.deadline)))).label(
                "days_overdue"
            )
        )
    grouped = scope.where(
        select(scope.gid.label("gid"), *figures)
        .select_from(
            per_item.join(scope.joined(), items.c.ref == per_item.c.ref).outerjoin(
                fix, fix.c.id == accepted_fix_id
            )
        )
        .group_by(scope.gid)
    ).subquery("grouped")
    # The names are joined to the few grouped rows, not to every item.
    if scope.by == "unit":
        return select(grouped, units.c.code.label("unit_code"), units.c.name.label("unit")).join(
            units, units.c.id == grouped.c.gid
        )
    if scope.by == "person":
        return (
            select(
                grouped,
                people.c.name.label("person"),
                units.c.code.label("unit_code"),
                units.c.name.label("unit"),
            )
            .join(people, people.c.id == grouped.c.gid)
            .join(units, units.c.id == people.c.unit_id)
        )
    return select(grouped, grouped.c.gid.label("source"))


def _days_since(conn: Connection, today: date, deadline: Any) -> ColumnElement[Any]:
    """Calendar days from `deadline` to `today`, in SQL."""
    if conn.dialect.name == "postgresql":
        return literal(today, Date) - deadline
    return cast(func.julianday(today.isoformat()) - func.julianday(deadline), Integer)


def _local_day(conn: Connection, zone: ZoneInfo, at: Any) -> ColumnElement[Any]:
    """The day of a stored UTC time in `zone`, in SQL. PostgreSQL knows the zones; SQLite does
    not, so the connection gets a small function (zoneinfo, exact across any offset change)."""
    if conn.dialect.name == "postgresql":
        return cast(func.timezone(zone.key, at), Date)
    offset = _fixed_offset_minutes(zone)
    if offset is not None:
        # Most of China's zones have kept one offset since 1991: SQLite's own date() with that
        # offset is exact and spares a Python call per row.
        return func.date(at, f"{offset:+d} minutes")
    raw = conn.connection.dbapi_connection
    raw.create_function(  # type: ignore[union-attr]
        _SQLITE_LOCAL_DAY, 1, partial(_sqlite_local_day, zone), deterministic=True
    )
    return getattr(func, _SQLITE_LOCAL_DAY)(at)


def _fixed_offset_minutes(zone: ZoneInfo) -> int | None:
    """The zone's UTC offset in minutes if it is the same at every half year 1992-2100."""
    offsets = {
        datetime(year, month, 1, tzinfo=zone).utcoffset()
        for year in range(1992, 2101)
        for month in (1, 7)
    }
    if len(offsets) != 1:
        return None
    (offset,) = offsets
    return None if offset is None else int(offset.total_seconds() // 60)


def _sqlite_local_day(zone: ZoneInfo, stored: str | None) -> str | None:
    if stored is None:
        return None
    at = datetime.fromisoformat(stored)
    if at.tzinfo is None:
        at = at.replace(tzinfo=ZoneInfo("UTC"))
    return at.astimezone(zone).date().isoformat()


def _days_overdue(
    conn: Connection, scope: _Scope, today: date, policies: Mapping[str, Policy]
) -> dict[Any, int]:
    """Days overdue per group: SQL counts the overdue items per (group, policy, deadline); each
    deadline's days are counted once per way of counting, as services/overdue.py counts them."""
    query = scope.where(
        select(scope.gid, campaigns.c.policy, items.c.deadline, func.count())
        .select_from(scope.joined(policy=True))
        .where(is_overdue(today))
        .group_by(scope.gid, campaigns.c.policy, items.c.deadline)
    )
    calendar: WorkdayCalendar | None = None
    counted: dict[tuple[bool, date], int] = {}
    totals: dict[Any, int] = {}
    for gid, policy_name, deadline, n in conn.execute(query):
        policy = policies.get(policy_name)
        working = policy is not None and policy.day_count == "working"
        if (working, deadline) not in counted:
            if working and calendar is None:
                calendar = calendar_days.load(conn)
            if working:
                assert policy is not None and calendar is not None
                counted[(working, deadline)] = -days_left(deadline, today, policy, calendar)
            else:  # a calendar policy, or one whose file is gone (as overdue.py)
                counted[(working, deadline)] = (today - deadline).days
        totals[gid] = totals.get(gid, 0) + counted[(working, deadline)] * int(n)
    return totals


def _order(by: str) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    if by == "unit":
        return lambda row: (natural_key(row["unit_code"]),)
    if by == "person":
        return lambda row: (natural_key(row["unit_code"]), row["person"])
    return lambda row: (row["source"] is None, row["source"] or "")


def table_row(row: Mapping[str, Any], lang: str) -> dict[str, Any]:
    """A row as a table for people shows it: the rate as a percentage, a missing source named."""
    rate = row["on_time_rate"]
    shown = {**row, "on_time_rate": None if rate is None else f"{rate:.1f}%"}
    if "source" in row and row["source"] is None:
        shown["source"] = NO_SOURCE.to(lang)
    return shown
