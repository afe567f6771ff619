"""The sweep: raise every open item to the warning level it has reached, and queue its notices.

Set-based: for each escalation policy in use, the policy's cutoff dates are computed once, in
Python, from the working-day calendar; an item has reached a level when its deadline is within
that level's cutoff and beyond every more severe level's. For each level, the items reaching it
from a lower stored level get the notices of that level only (a jump from none to red sends
red), by INSERT ... SELECT, then one UPDATE stores the level and counts them: nothing is fetched
into Python, whatever the number of items. The (state, level, deadline) index (migration 0006)
lets each statement visit only those items, so a repeated sweep, which finds none, costs one
index probe per level. Levels never go down; fixed and closed items are left alone.

Standing items (长期坚持) have no deadline, so the deadline CASE never matches them. When the
policy asks for progress reports (progress_every_days = N), the same kind of statement raises a
standing item whose last report (or creation) is more than N days old to blue and more than 2N
to yellow; its notices are keyed by the number of reports so far, so each reporting period warns
once, and a report (workflow.services.progress) puts the level back to none.

`on_step`, when given, is called with 1 after each of those steps (each level of each policy in
use, each policy's progress reports, the digests): `rectify sweep` draws its progress bar from
it, against `planned_steps`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    select,
    update,
)

from definitions.policies import Policy
from workflow import outbox
from workflow.app import App
from workflow.calendar import WorkdayCalendar
from workflow.db.schema import audit_events, campaigns, items, problems, tasks
from workflow.escalation import (
    LEVEL_RANK,
    level_cutoffs,
    local_today,
    progress_cutoffs,
    release_time,
)
from workflow.services import calendar_days, digests

OPEN_STATES = ("issued", "assigned")
LEVELS = ("blue", "yellow", "red")
PROGRESS_LEVELS = ("blue", "yellow")
# Who hears of a missed progress report when the policy has no rule for that level.
_PROGRESS_FALLBACK = {"blue": ("person",), "yellow": ("person", "unit")}


@dataclass
class SweepReport:
    at: datetime
    today: date
    raised: dict[str, int] = field(default_factory=lambda: dict.fromkeys(LEVELS, 0))
    notices: int = 0
    digests: int = 0  # daily digests queued (workflow.services.digests)
    # Standing items raised for a missed progress report (整改进展): blue, then yellow.
    progress: dict[str, int] = field(default_factory=lambda: dict.fromkeys(PROGRESS_LEVELS, 0))
    assumed_years: list[int] = field(default_factory=list)  # working days without a schedule

    def as_dict(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "today": self.today.isoformat(),
            "raised": self.raised,
            "progress_raised": self.progress,
            "notices_queued": self.notices,
            "digests_queued": self.digests,
            "assumed_monday_to_friday": self.assumed_years,
        }


def sweep(
    app: App, at: datetime | None = None, *, on_step: Callable[[int], None] | None = None
) -> SweepReport:
    at = at or app.now()
    with app.ready_db().write() as conn:
        return sweep_in(conn, app, at, on_step=on_step)


def planned_steps(app: App) -> int:
    """How many times a whole sweep calls `on_step` (the progress bar's total)."""
    with app.ready_db().read() as conn:
        in_use = _policies_in_use(conn)
    policies = [app.policies.get(name) for name in in_use]
    return sum(len(policy.levels) + 1 for policy in policies if policy is not None) + 1


def _policies_in_use(conn: Connection) -> Sequence[str]:
    return conn.execute(select(campaigns.c.policy).distinct()).scalars().all()


def sweep_in(
    conn: Connection,
    app: App,
    at: datetime,
    *,
    item_id: int | None = None,
    item_ids: Sequence[int] | None = None,
    on_step: Callable[[int], None] | None = None,
) -> SweepReport:
    """The sweep inside the caller's transaction; `item_id` limits it to one item, `item_ids`
    to those (a few thousand at most: each is a bound parameter)."""
    which: ColumnElement[bool] | None = None
    if item_id is not None:
        which = items.c.id == item_id
    elif item_ids is not None:
        which = items.c.id.in_(item_ids)
    zone = app.settings.zone
    report = SweepReport(at, local_today(at, zone))
    calendar = calendar_days.load(conn)
    step = on_step or _no_step
    in_use = _policies_in_use(conn)
    for name in in_use:
        policy = app.policies.get(name)
        if policy is None:
            continue  # campaign add refuses unknown policies; a removed file is not our crash
        # With one policy in use (the usual case) every item is under it: no campaign join.
        only = name if len(in_use) == 1 else None
        _sweep_policy(conn, policy, calendar, report, at, which, app, only, step)
        _sweep_progress(conn, policy, report, at, which, app, only)
        step(1)
    if which is None:  # a whole sweep, after the levels are stored: today's digests
        report.digests = digests.queue_digests(conn, app, at, calendar)
        step(1)
    return report


def _no_step(n: int) -> None:
    return None


def _in_policy(policy_name: str) -> ColumnElement[bool]:
    """Items of campaigns under `policy_name`."""
    policy_items = (
        select(items.c.id)
        .join(tasks, tasks.c.id == items.c.task_id)
        .join(problems, problems.c.id == tasks.c.problem_id)
        .join(campaigns, campaigns.c.id == problems.c.campaign_id)
        .where(campaigns.c.policy == policy_name)
        # The outbox query joins these tables too: keep this subquery self-contained.
        .correlate(None)
    )
    return items.c.id.in_(policy_items.scalar_subquery())


def _sweep_policy(
    conn: Connection,
    policy: Policy,
    calendar: WorkdayCalendar,
    report: SweepReport,
    at: datetime,
    which: ColumnElement[bool] | None,
    app: App,
    only_policy: str | None,
    step: Callable[[int], None],
) -> None:
    cutoffs = level_cutoffs(report.today, policy, calendar)
    if policy.day_count == "working":
        last = max(day for _, day in cutoffs)
        for year in calendar.unpublished_years(min(report.today, last), max(report.today, last)):
            if year not in report.assumed_years:
                report.assumed_years.append(year)
    day_of = dict(cutoffs)
    sms_after = release_time(at, policy, app.settings.zone)
    for rule in policy.levels:
        # The items reaching exactly this level: deadline within its cutoff and beyond every
        # more severe level's, stored level below it. IN lists and one range: the
        # (state, level, deadline) index visits only these items, and none when nothing rose.
        severer = [day for name, day in cutoffs if LEVEL_RANK[name] > LEVEL_RANK[rule.name]]
        conditions = [
            items.c.state.in_(OPEN_STATES),
            items.c.level.in_([n for n, r in LEVEL_RANK.items() if r < LEVEL_RANK[rule.name]]),
            items.c.deadline <= day_of[rule.name],
        ]
        if severer:
            conditions.append(items.c.deadline > max(severer))
        if only_policy is None:
            conditions.append(_in_policy(policy.name))
        if which is not None:
            conditions.append(which)
        reaching = and_(*conditions)
        if conn.execute(select(literal(1)).where(reaching).limit(1)).first() is None:
            step(1)
            continue  # the common case for a repeated sweep: one index probe per level
        report.notices += outbox.queue(
            conn,
            event=rule.name,
            event_key=rule.name,
            where=reaching,
            # A recipient kind digested at this level hears of it in the day's digest.
            recipients=rule.per_item_recipients,
            channels=rule.channels,
            now=at,
            sms_not_before=sms_after,
        )
        raised = conn.execute(
            update(items)
            .where(reaching)
            .values(level=rule.name, updated_at=at)
            .execution_options(preserve_rowcount=True)
        ).rowcount
        report.raised[rule.name] += max(raised, 0)
        step(1)


def _sweep_progress(
    conn: Connection,
    policy: Policy,
    report: SweepReport,
    at: datetime,
    which: ColumnElement[bool] | None,
    app: App,
    only_policy: str | None,
) -> None:
    """Raise open standing items whose progress report is overdue (see the module)."""
    cutoffs = progress_cutoffs(at, policy)
    if not cutoffs:
        return
    since = func.coalesce(items.c.last_progress_at, items.c.created_at)
    reached = case(
        *((since < cut, literal(name)) for name, cut in reversed(cutoffs)), else_=literal("none")
    )
    reached_rank = case(
        *((since < cut, LEVEL_RANK[name]) for name, cut in reversed(cutoffs)), else_=0
    )
    rank = case(*((items.c.level == name, r) for name, r in LEVEL_RANK.items()), else_=0)
    conditions = [
        items.c.state.in_(OPEN_STATES),
        items.c.deadline.is_(None),  # standing: the (state, deadline) index finds them
        since < cutoffs[0][1],
        reached_rank > rank,
    ]
    if only_policy is None:
        conditions.append(_in_policy(policy.name))
    if which is not None:
        conditions.append(which)
    rising = and_(*conditions)
    counts = {
        name: int(n)
        for name, n in conn.execute(select(reached, func.count()).where(rising).group_by(reached))
    }
    if not counts:
        return
    for name, count in counts.items():
        report.progress[name] += count
    # One reporting period per report made: the n-th period's warning is queued once.
    reports_made = (
        select(func.count())
        .where(audit_events.c.ref == items.c.ref, audit_events.c.trigger == "progress")
        .correlate(items)
        .scalar_subquery()
    )
    sms_after = release_time(at, policy, app.settings.zone)
    for name in PROGRESS_LEVELS:
        if name not in counts:
            continue
        rule = policy.level(name)
        report.notices += outbox.queue(
            conn,
            event=name,
            event_key=literal(f"progress-{name}:") + cast(reports_made, String),
            where=and_(rising, reached == name),
            recipients=rule.per_item_recipients if rule else _PROGRESS_FALLBACK[name],
            channels=rule.channels if rule else ("email", "sms"),
            now=at,
            sms_not_before=sms_after,
        )
    conn.execute(update(items).where(rising).values(level=reached, updated_at=at))
