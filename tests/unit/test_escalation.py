from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from definitions.policies import DEFAULT_POLICY_DIR, Policy, load_policies
from workflow.calendar import WorkdayCalendar, seed_from_chinese_calendar
from workflow.escalation import (
    LEVEL_RANK,
    backoff_seconds,
    days_left,
    deadline_cutoff,
    in_quiet_hours,
    level_cutoffs,
    level_for,
    level_for_days_left,
    local_today,
    release_time,
    thresholds,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
POLICIES = load_policies(DEFAULT_POLICY_DIR)
DEFAULT = POLICIES["default"]
WORKING = POLICIES["working-days"]
# The default thresholds, counted in working days instead of calendar days.
DEFAULT_WORKING = replace(DEFAULT, day_count="working")
CALENDAR = seed_from_chinese_calendar(range(2004, 2031))


def noon_in_shanghai(day: date) -> datetime:
    return datetime.combine(day, time(12), tzinfo=SHANGHAI)


# --- default policy boundaries -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("left", "expected"),
    [(30, "none"), (8, "none"), (7, "blue"), (4, "blue"), (3, "yellow"), (0, "yellow"),
     (-1, "red"), (-100, "red")],
)  # fmt: skip
def test_default_policy_boundaries(left: int, expected: str) -> None:
    deadline = date(2021, 6, 30)
    today = deadline - timedelta(days=left)
    assert days_left(deadline, today, DEFAULT, CALENDAR) == left
    assert level_for(deadline, noon_in_shanghai(today), DEFAULT, CALENDAR, SHANGHAI) == expected
    assert level_for_days_left(left, DEFAULT) == expected


def test_thresholds_in_escalation_order() -> None:
    assert thresholds(DEFAULT) == [("blue", 7), ("yellow", 3), ("red", -1)]
    assert thresholds(WORKING) == [("blue", 5), ("yellow", 2), ("red", -1)]
    assert LEVEL_RANK == {"none": 0, "blue": 1, "yellow": 2, "red": 3}


def test_a_policy_without_blue() -> None:
    only_late = replace(DEFAULT, levels=DEFAULT.levels[1:])
    assert level_for_days_left(5, only_late) == "none"
    assert level_for_days_left(3, only_late) == "yellow"
    assert level_for_days_left(-1, only_late) == "red"


# --- the zone decides what "today" is ------------------------------------------------------------


def test_midnight_in_shanghai_is_not_midnight_in_utc() -> None:
    deadline = date(2020, 9, 30)
    now = datetime(2020, 9, 30, 16, 30, tzinfo=UTC)  # 00:30 on 1 October in Shanghai
    assert local_today(now, SHANGHAI) == date(2020, 10, 1)
    assert level_for(deadline, now, DEFAULT, CALENDAR, SHANGHAI) == "red"
    assert level_for(deadline, now, DEFAULT, CALENDAR, ZoneInfo("UTC")) == "yellow"
    # One second before midnight in Shanghai the deadline day is not over yet.
    just_before = datetime(2020, 9, 30, 15, 59, 59, tzinfo=UTC)
    assert level_for(deadline, just_before, DEFAULT, CALENDAR, SHANGHAI) == "yellow"


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        level_for(date(2020, 9, 30), datetime(2020, 9, 30, 12), DEFAULT, CALENDAR, SHANGHAI)
    with pytest.raises(ValueError, match="timezone-aware"):
        in_quiet_hours(datetime(2020, 9, 30, 23), DEFAULT, SHANGHAI)


# --- working days --------------------------------------------------------------------------------


def test_working_days_left_over_national_day_2020() -> None:
    deadline = date(2020, 10, 9)  # the Friday after the Oct 1-8 holiday
    # Wednesday 30 September: only 9 October is left.
    assert days_left(deadline, date(2020, 9, 30), WORKING, CALENDAR) == 1
    assert days_left(deadline, date(2020, 9, 30), DEFAULT, CALENDAR) == 9
    assert level_for(
        deadline, noon_in_shanghai(date(2020, 9, 30)), WORKING, CALENDAR, SHANGHAI
    ) == ("yellow")
    assert level_for(
        deadline, noon_in_shanghai(date(2020, 9, 30)), DEFAULT, CALENDAR, SHANGHAI
    ) == ("none")
    # Friday 25 September: Sun 27 (调休), Mon 28, Tue 29, Wed 30 and Fri 9 October.
    assert days_left(deadline, date(2020, 9, 25), WORKING, CALENDAR) == 5
    # During the holiday nothing is used up.
    for day in range(1, 9):
        assert days_left(deadline, date(2020, 10, day), WORKING, CALENDAR) == 1
    assert days_left(deadline, deadline, WORKING, CALENDAR) == 0
    # Saturday 10 October is a make-up working day: one working day overdue.
    assert days_left(deadline, date(2020, 10, 10), WORKING, CALENDAR) == -1
    assert days_left(deadline, date(2020, 10, 11), WORKING, CALENDAR) == -1  # Sunday
    assert days_left(deadline, date(2020, 10, 12), WORKING, CALENDAR) == -2


def test_working_deadline_is_red_the_day_after_even_when_that_day_is_off() -> None:
    deadline = date(2020, 9, 30)  # Wednesday before the holiday
    assert days_left(deadline, date(2020, 10, 1), WORKING, CALENDAR) == -1
    assert level_for(
        deadline, noon_in_shanghai(date(2020, 10, 1)), WORKING, CALENDAR, SHANGHAI
    ) == ("red")
    assert days_left(deadline, date(2020, 10, 8), WORKING, CALENDAR) == -1
    assert days_left(deadline, date(2020, 10, 9), WORKING, CALENDAR) == -1
    assert days_left(deadline, date(2020, 10, 10), WORKING, CALENDAR) == -2


def test_working_days_in_an_unpublished_year_assume_monday_to_friday() -> None:
    deadline = date(2027, 1, 11)  # Monday
    today = date(2027, 1, 1)  # Friday
    assert CALENDAR.unpublished_years(today, deadline) == [2027]
    assert days_left(deadline, today, WORKING, CALENDAR) == 6
    assert days_left(deadline, date(2027, 1, 8), WORKING, CALENDAR) == 1  # Friday
    assert days_left(deadline, date(2027, 1, 9), WORKING, CALENDAR) == 1  # Saturday
    assert days_left(deadline, date(2027, 1, 10), WORKING, CALENDAR) == 1  # Sunday


def test_default_thresholds_in_working_days_over_national_day() -> None:
    deadline = date(2020, 10, 12)
    # On 28 September: Tue 29, Wed 30, Fri 9, Sat 10, Mon 12 = 5 working days, blue.
    assert (
        level_for(
            deadline, noon_in_shanghai(date(2020, 9, 28)), DEFAULT_WORKING, CALENDAR, SHANGHAI
        )
        == "blue"
    )
    # On 30 September: Fri 9, Sat 10, Mon 12 = 3, yellow.
    assert (
        level_for(
            deadline, noon_in_shanghai(date(2020, 9, 30)), DEFAULT_WORKING, CALENDAR, SHANGHAI
        )
        == "yellow"
    )


# --- cut-off dates for set-based sweeps ----------------------------------------------------------


def test_level_cutoffs_calendar() -> None:
    today = date(2020, 9, 30)
    assert level_cutoffs(today, DEFAULT, CALENDAR) == [
        ("blue", date(2020, 10, 7)),
        ("yellow", date(2020, 10, 3)),
        ("red", date(2020, 9, 29)),
    ]


def test_level_cutoffs_working_over_national_day() -> None:
    today = date(2020, 9, 30)
    # Working days after 30 September: Fri 9, Sat 10, Mon 12, Tue 13, Wed 14, Thu 15, ...
    assert level_cutoffs(today, WORKING, CALENDAR) == [
        ("blue", date(2020, 10, 14)),  # the day before the 6th working day, Thu 15
        ("yellow", date(2020, 10, 11)),  # the day before the 3rd working day, Mon 12
        ("red", date(2020, 9, 29)),
    ]


policies = st.sampled_from([DEFAULT, WORKING, DEFAULT_WORKING])
days = st.dates(min_value=date(2019, 1, 1), max_value=date(2028, 12, 31))


@given(policies, days, days, st.integers(min_value=-8, max_value=12))
def test_deadline_cutoff_selects_exactly_the_deadlines_at_or_below(
    policy: Policy, today: date, deadline: date, at_most: int
) -> None:
    cutoff = deadline_cutoff(today, at_most, policy, CALENDAR)
    assert (days_left(deadline, today, policy, CALENDAR) <= at_most) == (deadline <= cutoff)


@given(policies, days, days, st.integers(min_value=0, max_value=40))
def test_days_left_grows_with_the_deadline(
    policy: Policy, today: date, deadline: date, later_by: int
) -> None:
    later = deadline + timedelta(days=later_by)
    assert days_left(later, today, policy, CALENDAR) >= days_left(deadline, today, policy, CALENDAR)


@given(days, days)
def test_working_days_left_is_zero_only_on_or_just_before_the_deadline(
    deadline: date, today: date
) -> None:
    left = days_left(deadline, today, WORKING, CALENDAR)
    assert (left < 0) == (today > deadline)


# --- monotone escalation -------------------------------------------------------------------------


zones = st.sampled_from([SHANGHAI, ZoneInfo("UTC"), ZoneInfo("America/New_York")])
instants = st.datetimes(min_value=datetime(2019, 1, 1), max_value=datetime(2028, 12, 31)).map(
    lambda naive: naive.replace(tzinfo=UTC)
)


@given(
    policies,
    zones,
    days,
    instants,
    st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=60)),
)
def test_level_never_goes_down_as_time_passes(
    policy: Policy, zone: ZoneInfo, deadline: date, now: datetime, step: timedelta
) -> None:
    before = level_for(deadline, now, policy, CALENDAR, zone)
    after = level_for(deadline, now + step, policy, CALENDAR, zone)
    assert LEVEL_RANK[after] >= LEVEL_RANK[before]


# --- SMS quiet hours -----------------------------------------------------------------------------


def at_shanghai(hour: int, minute: int = 0, day: date = date(2020, 9, 30)) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("hour", "minute", "quiet"),
    [(21, 59, False), (22, 0, True), (23, 59, True), (0, 0, True), (6, 59, True), (7, 0, False),
     (12, 0, False)],
)  # fmt: skip
def test_quiet_hours_span_midnight(hour: int, minute: int, quiet: bool) -> None:
    assert DEFAULT.quiet_hours == (time(22), time(7))
    assert in_quiet_hours(at_shanghai(hour, minute), DEFAULT, SHANGHAI) is quiet


def test_quiet_hours_are_read_in_the_zone() -> None:
    utc_evening = datetime(2020, 9, 30, 14, 30, tzinfo=UTC)  # 22:30 in Shanghai
    assert in_quiet_hours(utc_evening, DEFAULT, SHANGHAI)
    assert not in_quiet_hours(utc_evening, DEFAULT, ZoneInfo("UTC"))


def test_release_time_is_the_end_of_the_window() -> None:
    # 23:00 on 30 September waits until 07:00 on 1 October.
    assert release_time(at_shanghai(23), DEFAULT, SHANGHAI) == at_shanghai(7, day=date(2020, 10, 1))
    # 01:30 waits until 07:00 the same morning.
    assert release_time(at_shanghai(1, 30), DEFAULT, SHANGHAI) == at_shanghai(7)
    # Given in UTC, answered aware in the zone.
    released = release_time(datetime(2020, 9, 30, 14, 30, tzinfo=UTC), DEFAULT, SHANGHAI)
    assert released == datetime(2020, 9, 30, 23, 0, tzinfo=UTC)
    assert released.tzinfo == SHANGHAI
    assert released.hour == 7


def test_release_time_outside_quiet_hours_is_now() -> None:
    now = at_shanghai(12)
    assert release_time(now, DEFAULT, SHANGHAI) is now
    no_quiet = replace(DEFAULT, quiet_hours=None)
    assert not in_quiet_hours(at_shanghai(23), no_quiet, SHANGHAI)
    assert release_time(at_shanghai(23), no_quiet, SHANGHAI) == at_shanghai(23)


def test_quiet_hours_within_one_day() -> None:
    lunch = replace(DEFAULT, quiet_hours=(time(12), time(14)))
    assert not in_quiet_hours(at_shanghai(11, 59), lunch, SHANGHAI)
    assert in_quiet_hours(at_shanghai(12), lunch, SHANGHAI)
    assert not in_quiet_hours(at_shanghai(14), lunch, SHANGHAI)
    assert not in_quiet_hours(at_shanghai(23), lunch, SHANGHAI)
    assert release_time(at_shanghai(13), lunch, SHANGHAI) == at_shanghai(14)


@given(policies, zones, instants)
def test_release_time_is_never_early_and_never_quiet(
    policy: Policy, zone: ZoneInfo, now: datetime
) -> None:
    released = release_time(now, policy, zone)
    assert released.tzinfo is not None
    assert now <= released <= now + timedelta(days=1)
    assert not in_quiet_hours(released, policy, zone)


# --- delivery back-off ---------------------------------------------------------------------------


def test_backoff_doubles_up_to_the_cap() -> None:
    assert [backoff_seconds(n, DEFAULT) for n in range(1, 10)] == [
        60, 120, 240, 480, 960, 1920, 3600, 3600, 3600
    ]  # fmt: skip
    assert backoff_seconds(10_000, DEFAULT) == 3600


def test_backoff_counts_attempts_from_one() -> None:
    with pytest.raises(ValueError, match="start at 1"):
        backoff_seconds(0, DEFAULT)


@given(policies, st.integers(min_value=1, max_value=500))
def test_backoff_is_capped_and_never_shrinks(policy: Policy, attempt: int) -> None:
    wait = backoff_seconds(attempt, policy)
    assert policy.backoff_base_seconds <= wait <= policy.backoff_cap_seconds
    assert backoff_seconds(attempt + 1, policy) >= wait


def test_plain_calendar_works_without_any_entries() -> None:
    plain = WorkdayCalendar()
    assert days_left(date(2030, 1, 7), date(2030, 1, 4), WORKING, plain) == 1
