"""Escalation maths: days left, warning level, SMS quiet hours, retry back-off.

Pure functions of their arguments; the current time is always passed in, aware.

Days left (剩余天数) is 0 on the deadline day itself (the deadline is met until the end of that
day in the configured zone), 1 the day before and -1 the day after, so a level with
`days_left_at_most = -1` fires exactly once the deadline day has passed.

- calendar policies: days left = (deadline - today).days.
- working policies: before or on the deadline, the number of working days d with
  today < d <= deadline (so 0 on the deadline day, and also 0 on a weekend just before a Monday
  deadline); after the deadline, minus the number of working days d with deadline < d <= today,
  but at least 1 overdue (a deadline missed on Friday is -1 on Saturday, not 0).

For a fixed `today`, days left never decreases as the deadline moves later, and for a fixed
deadline it never increases as today advances. Set-based sweeps rely on the first fact through
`deadline_cutoff`: an item is at least at a level exactly when its deadline <= the cutoff date.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from definitions.policies import LEVELS, Level, Policy
from workflow.calendar import WorkdayCalendar

__all__ = [
    "LEVELS",
    "LEVEL_RANK",
    "Level",
    "WarningLevel",
    "backoff_seconds",
    "days_left",
    "deadline_cutoff",
    "in_quiet_hours",
    "level_cutoffs",
    "level_for",
    "level_for_days_left",
    "local_today",
    "progress_cutoffs",
    "release_time",
    "thresholds",
]

WarningLevel = Literal["none", "blue", "yellow", "red"]
LEVEL_RANK: dict[str, int] = {"none": 0, "blue": 1, "yellow": 2, "red": 3}


def _require_aware(now: datetime) -> None:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"now must be timezone-aware, got naive {now.isoformat()}")


def local_today(now: datetime, zone: ZoneInfo) -> date:
    """The calendar date of the aware instant `now` in `zone`."""
    _require_aware(now)
    return now.astimezone(zone).date()


def days_left(deadline: date, today: date, policy: Policy, calendar: WorkdayCalendar) -> int:
    """Days left until the end of the deadline day; negative once it has passed (see module)."""
    if policy.day_count == "calendar":
        return (deadline - today).days
    if deadline >= today:
        return calendar.workdays_between(today, deadline)
    return -max(1, calendar.workdays_between(deadline, today))


def thresholds(policy: Policy) -> list[tuple[Level, int]]:
    """(level, days_left_at_most) in escalation order, e.g. [(blue, 7), (yellow, 3), (red, -1)]."""
    return [(rule.name, rule.days_left_at_most) for rule in policy.levels]


def level_for_days_left(left: int, policy: Policy) -> WarningLevel:
    """The highest level whose threshold `left` has reached, or 'none'."""
    reached: WarningLevel = "none"
    for name, at_most in thresholds(policy):
        if left <= at_most:
            reached = name
    return reached


def level_for(
    deadline: date, now: datetime, policy: Policy, calendar: WorkdayCalendar, zone: ZoneInfo
) -> WarningLevel:
    """Warning level of an open item with `deadline` at the aware instant `now`.

    'today' is the date of `now` in `zone`: 2020-09-30T16:30Z is already 2020-10-01 in
    Asia/Shanghai.
    """
    return level_for_days_left(
        days_left(deadline, local_today(now, zone), policy, calendar), policy
    )


def deadline_cutoff(today: date, at_most: int, policy: Policy, calendar: WorkdayCalendar) -> date:
    """The latest deadline whose days left on `today` is <= `at_most`.

    Because days left grows with the deadline, `days_left(d, today) <= at_most` holds exactly
    for `d <= deadline_cutoff(today, at_most, ...)`: a sweep can select a level's items with
    `deadline <= :cutoff` in SQL.
    """
    if policy.day_count == "calendar":
        return today + timedelta(days=at_most)
    if at_most >= 0:
        # Deadlines up to the day before the (at_most + 1)-th working day after today.
        return calendar.nth_workday_after(today, at_most + 1) - timedelta(days=1)
    if at_most == -1:
        return today - timedelta(days=1)  # every passed deadline is at least 1 overdue
    # At least n = -at_most working days overdue: the deadline lies before the n-th working
    # day counted back from today.
    return calendar.nth_workday_on_or_before(today, -at_most) - timedelta(days=1)


def level_cutoffs(
    today: date, policy: Policy, calendar: WorkdayCalendar
) -> list[tuple[Level, date]]:
    """(level, cutoff date) in escalation order: an open item is at least at that level on
    `today` exactly when its deadline <= the cutoff. Its level is the last one that matches."""
    return [
        (name, deadline_cutoff(today, at_most, policy, calendar))
        for name, at_most in thresholds(policy)
    ]


# A missed progress report (整改进展) of a standing item warns blue, then yellow; never red,
# since a standing item has no deadline to be overdue on.
PROGRESS_LEVELS: tuple[Level, ...] = ("blue", "yellow")


def progress_cutoffs(now: datetime, policy: Policy) -> list[tuple[Level, datetime]]:
    """(level, cutoff instant) for standing items: an item whose last progress report (or, with
    none, its creation) is before the cutoff has reached that level, blue after more than
    `progress_every_days` days, yellow after more than twice as many. Empty when the policy asks
    for no reports. Days are calendar days: a report is due every N days, holidays or not."""
    _require_aware(now)
    every = policy.progress_every_days
    if every is None:
        return []
    return [(level, now - timedelta(days=every * n)) for n, level in enumerate(PROGRESS_LEVELS, 1)]


def in_quiet_hours(now: datetime, policy: Policy, zone: ZoneInfo) -> bool:
    """Whether SMS must wait at `now`. The window includes its start and excludes its end, and
    may span midnight (22:00-07:00 covers 23:59 and 06:59, not 07:00)."""
    _require_aware(now)
    if policy.quiet_hours is None:
        return False
    start, end = policy.quiet_hours
    clock = now.astimezone(zone).time()
    if start < end:
        return start <= clock < end
    return clock >= start or clock < end


def release_time(now: datetime, policy: Policy, zone: ZoneInfo) -> datetime:
    """When an SMS held at `now` may go: the end of the current quiet window, aware in `zone`.

    Outside quiet hours it may go at once, and `now` is returned unchanged.
    """
    if not in_quiet_hours(now, policy, zone):
        return now
    assert policy.quiet_hours is not None  # in_quiet_hours is False without quiet hours
    start, end = policy.quiet_hours
    local = now.astimezone(zone)
    day = local.date()
    if start > end and local.time() >= start:
        day += timedelta(days=1)  # the window spans midnight and ends tomorrow morning
    release = datetime.combine(day, end, tzinfo=zone)
    # Round-trip through UTC so a wall time skipped by a daylight-saving change is normalised.
    return release.astimezone(UTC).astimezone(zone)


def backoff_seconds(attempt: int, policy: Policy) -> int:
    """Wait after failed attempt number `attempt` (1 = the first try) before the next one.

    base * 2**(attempt - 1), capped at backoff_cap_seconds: with base 60 and cap 3600 the waits
    are 60, 120, 240, 480, 960, 1920, 3600, 3600 ...
    """
    if attempt < 1:
        raise ValueError(f"attempt numbers start at 1, got {attempt}")
    base, cap = policy.backoff_base_seconds, policy.backoff_cap_seconds
    if attempt - 1 >= cap.bit_length():  # 2**(attempt-1) > cap >= the answer: skip the big power
        return cap
    return min(cap, base * 2 ** (attempt - 1))
