"""The burn-down: how many of a campaign's items were not yet closed (未销号) at each day's end.

It is read from the audit trail, not from the items' current state, so it shows what happened
on each day. Every audit row of an item moves it between "not closed" and "closed" or not at
all: a row that creates the item (from_state NULL: `create` by `assign`, `import`) adds it, an
`accept` (to closed) takes it away, a `reopen` (from closed) adds it back; any other row
(fix, reject, extension, handover) leaves the count as it was. So each row counts

    (to_state <> 'closed') - (from_state IS NOT NULL AND from_state <> 'closed')

and the sum of these up to a day is the number not closed at its end.

Days are days in the configured zone, which SQL cannot compute the same way on SQLite and
PostgreSQL. The query sums the counts per quarter hour of UTC time (every zone's offset is a
whole number of quarter hours) in one GROUP BY, and Python gives each quarter hour its local
day: the rows are at most 96 per day of the campaign with any event, never one per item.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Integer, and_, case, cast, func, select

from workflow.db.schema import audit_events, items, problems, tasks

QUARTER = 900  # seconds


@dataclass(frozen=True)
class BurnDown:
    first: date  # the day the campaign's first item was created
    last: date  # max(today, bottom line): the chart's right edge
    today: date
    bottom_line: date
    open_by_day: list[tuple[date, int]]  # from `first` to min(today, last), every day

    @property
    def start_count(self) -> int:
        """Items not closed at the end of the first day: where the ideal line starts."""
        return self.open_by_day[0][1]

    def ideal(self, day: date) -> float:
        """The straight line from the first day's count to none at the bottom line."""
        span = (self.bottom_line - self.first).days
        if span <= 0:
            return 0.0
        done = min(max((day - self.first).days, 0), span) / span
        return self.start_count * (1 - done)


def _quarter_hour(conn: Connection) -> Any:
    """The UTC quarter hour of an audit row, as a whole number of quarter hours since 1970."""
    if conn.dialect.name == "postgresql":
        return func.floor(func.extract("epoch", audit_events.c.at) / QUARTER)
    # SQLite keeps UTC as text: strftime('%s') reads it back as seconds since 1970.
    return cast(func.strftime("%s", audit_events.c.at), Integer) / QUARTER


def burn_down(
    conn: Connection,
    *,
    campaign_id: int,
    bottom_line: date,
    now: datetime,
    zone: ZoneInfo,
) -> BurnDown | None:
    """The campaign's burn-down as of `now`, or None while it has no items."""
    change = case((audit_events.c.to_state != "closed", 1), else_=0) - case(
        (
            and_(audit_events.c.from_state.is_not(None), audit_events.c.from_state != "closed"),
            1,
        ),
        else_=0,
    )
    bucket = _quarter_hour(conn).label("bucket")
    query = (
        select(bucket, func.sum(change).label("change"))
        .select_from(audit_events)
        .join(items, items.c.ref == audit_events.c.ref)
        .join(tasks, tasks.c.id == items.c.task_id)
        .join(problems, problems.c.id == tasks.c.problem_id)
        .where(
            audit_events.c.kind == "responsibility",
            problems.c.campaign_id == campaign_id,
            audit_events.c.at <= now,
        )
        .group_by(bucket)
    )
    by_day: Counter[date] = Counter()
    for quarter, count in conn.execute(query):
        instant = datetime.fromtimestamp(int(quarter) * QUARTER, UTC)
        by_day[instant.astimezone(zone).date()] += int(count)
    if not by_day:
        return None
    today = now.astimezone(zone).date()
    first = min(by_day)
    last = max(today, bottom_line)
    series: list[tuple[date, int]] = []
    running = 0
    day = first
    while day <= min(today, last):
        running += by_day.get(day, 0)
        series.append((day, running))
        day += timedelta(days=1)
    return BurnDown(first, last, today, bottom_line, series)
