from __future__ import annotations

from datetime import date, datetime, timedelta

import chinese_calendar
import pytest
from hypothesis import given
from hypothesis import strategies as st

from workflow.calendar import (
    CalendarEntry,
    WorkdayCalendar,
    chinese_calendar_entries,
    chinese_calendar_years,
    parse_calendar_file,
    seed_from_chinese_calendar,
)

PACKAGE_YEARS = range(2004, 2027)
SEEDED = seed_from_chinese_calendar(range(2004, 2031))


def brute_force_between(calendar: WorkdayCalendar, start: date, end: date) -> int:
    if end < start:
        return -brute_force_between(calendar, end, start)
    return sum(
        calendar.is_workday(start + timedelta(days=n)) for n in range(1, (end - start).days + 1)
    )


# --- the 2020 National Day / Mid-Autumn holiday --------------------------------------------------


@pytest.mark.parametrize("day", [date(2020, 10, d) for d in range(1, 9)])
def test_national_day_2020_is_off(day: date) -> None:
    assert not SEEDED.is_workday(day)


@pytest.mark.parametrize(
    "day",
    [date(2020, 9, 27), date(2020, 10, 10)],  # Sunday and Saturday make-up working days (调休)
)
def test_make_up_weekends_2020_are_working(day: date) -> None:
    assert day.weekday() >= 5
    assert SEEDED.is_workday(day)


def test_ordinary_days_around_national_day_2020() -> None:
    assert SEEDED.is_workday(date(2020, 9, 30))  # Wednesday
    assert SEEDED.is_workday(date(2020, 10, 9))  # Friday
    assert not SEEDED.is_workday(date(2020, 10, 11))  # Sunday
    assert not SEEDED.is_workday(date(2020, 9, 26))  # Saturday


def test_workdays_between_over_national_day_2020() -> None:
    # Only Friday 9 October counts after Wednesday 30 September.
    assert SEEDED.workdays_between(date(2020, 9, 30), date(2020, 10, 9)) == 1
    # Sun 27 (调休), Mon 28, Tue 29, Wed 30, Fri 9, Sat 10 (调休), Mon 12.
    assert SEEDED.workdays_between(date(2020, 9, 25), date(2020, 10, 12)) == 7
    # The whole holiday week adds nothing.
    assert SEEDED.workdays_between(date(2020, 9, 30), date(2020, 10, 8)) == 0


def test_seed_agrees_with_the_package_for_every_day_it_knows() -> None:
    day = date(2004, 1, 1)
    while day <= date(2026, 12, 31):
        assert SEEDED.is_workday(day) == chinese_calendar.is_workday(day), day
        day += timedelta(days=1)


# --- the counting convention ---------------------------------------------------------------------


def test_workdays_between_excludes_start_and_includes_end() -> None:
    plain = WorkdayCalendar()
    friday, saturday, monday = date(2030, 1, 4), date(2030, 1, 5), date(2030, 1, 7)
    assert plain.workdays_between(friday, friday) == 0
    assert plain.workdays_between(friday, saturday) == 0
    assert plain.workdays_between(friday, monday) == 1
    assert plain.workdays_between(date(2030, 1, 3), friday) == 1
    assert plain.workdays_between(friday, friday + timedelta(days=7)) == 5


def test_workdays_between_mirrors_when_end_is_before_start() -> None:
    assert SEEDED.workdays_between(date(2020, 10, 12), date(2020, 9, 25)) == -7
    assert WorkdayCalendar().workdays_between(date(2030, 1, 7), date(2030, 1, 4)) == -1


dates = st.dates(min_value=date(2003, 1, 1), max_value=date(2031, 12, 31))


@given(dates, st.integers(min_value=-60, max_value=60))
def test_workdays_between_matches_counting_day_by_day(start: date, span: int) -> None:
    end = start + timedelta(days=span)
    assert SEEDED.workdays_between(start, end) == brute_force_between(SEEDED, start, end)


@given(dates, dates, dates)
def test_workdays_between_adds_up(a: date, b: date, c: date) -> None:
    assert SEEDED.workdays_between(a, b) + SEEDED.workdays_between(b, c) == (
        SEEDED.workdays_between(a, c)
    )
    assert SEEDED.workdays_between(a, b) == -SEEDED.workdays_between(b, a)


def test_nth_workday_helpers() -> None:
    assert SEEDED.nth_workday_after(date(2020, 9, 30), 1) == date(2020, 10, 9)
    assert SEEDED.nth_workday_after(date(2020, 9, 30), 2) == date(2020, 10, 10)
    assert SEEDED.nth_workday_on_or_before(date(2020, 10, 9), 1) == date(2020, 10, 9)
    assert SEEDED.nth_workday_on_or_before(date(2020, 10, 8), 1) == date(2020, 9, 30)
    assert SEEDED.nth_workday_on_or_before(date(2020, 10, 9), 3) == date(2020, 9, 29)
    with pytest.raises(ValueError, match="at least 1"):
        SEEDED.nth_workday_after(date(2020, 9, 30), 0)
    with pytest.raises(ValueError, match="at least 1"):
        SEEDED.nth_workday_on_or_before(date(2020, 9, 30), 0)


# --- unpublished years ---------------------------------------------------------------------------


def test_unpublished_year_falls_back_to_monday_to_friday() -> None:
    assert not SEEDED.is_published(2027)
    assert SEEDED.is_published(2026)
    assert SEEDED.is_workday(date(2027, 1, 1))  # a Friday; the 2027 schedule is not known
    assert not SEEDED.is_workday(date(2027, 1, 2))  # Saturday
    assert not SEEDED.is_workday(date(2027, 1, 3))  # Sunday
    # Fri 1 Jan 2027 to Mon 11 Jan 2027: 4-8 and 11.
    assert SEEDED.workdays_between(date(2027, 1, 1), date(2027, 1, 11)) == 6


def test_unpublished_years_reports_only_the_unknown_years_in_range() -> None:
    assert SEEDED.unpublished_years(date(2026, 12, 1), date(2027, 2, 1)) == [2027]
    assert SEEDED.unpublished_years(date(2027, 2, 1), date(2026, 12, 1)) == [2027]
    assert SEEDED.unpublished_years(date(2020, 1, 1), date(2020, 12, 31)) == []
    assert SEEDED.unpublished_years(date(2025, 6, 1), date(2029, 1, 1)) == [2027, 2028, 2029]


def test_seed_publishes_only_years_the_package_knows() -> None:
    assert chinese_calendar_years() >= frozenset(PACKAGE_YEARS)
    calendar = seed_from_chinese_calendar([1999, 2020, 2027])
    assert calendar.published_years == frozenset({2020})
    assert all(d.year == 2020 for d in calendar.holidays | calendar.workdays)
    assert seed_from_chinese_calendar([]) == WorkdayCalendar()


def test_package_entries_are_named_in_chinese() -> None:
    entries = {e.day: e for e in chinese_calendar_entries([2020])}
    assert entries[date(2020, 10, 1)] == CalendarEntry(date(2020, 10, 1), "holiday", "国庆节")
    assert entries[date(2020, 1, 19)] == CalendarEntry(date(2020, 1, 19), "workday", "春节")
    assert list(entries) == sorted(entries)


# --- construction --------------------------------------------------------------------------------


def test_a_day_cannot_be_both_holiday_and_workday() -> None:
    day = date(2030, 1, 1)
    with pytest.raises(ValueError, match="2030-01-01"):
        WorkdayCalendar(holidays=frozenset({day}), workdays=frozenset({day}))


def test_datetimes_are_refused() -> None:
    with pytest.raises(TypeError, match=r"datetime\.date"):
        WorkdayCalendar(holidays=frozenset({datetime(2030, 1, 1)}))
    with pytest.raises(TypeError, match=r"datetime\.date"):
        SEEDED.is_workday(datetime(2020, 10, 1, 12))


def test_calendars_compare_and_hash_by_their_entries() -> None:
    again = seed_from_chinese_calendar(range(2004, 2031))
    assert again == SEEDED
    assert hash(again) == hash(SEEDED)
    assert {again, SEEDED} == {SEEDED}


def test_from_entries_publishes_the_years_it_has_entries_for() -> None:
    entries = [
        CalendarEntry(date(2027, 2, 8), "holiday", "春节"),
        CalendarEntry(date(2027, 2, 20), "workday", "春节"),
    ]
    calendar = WorkdayCalendar.from_entries(entries)
    assert calendar.published_years == frozenset({2027})
    assert not calendar.is_workday(date(2027, 2, 8))  # Monday off
    assert calendar.is_workday(date(2027, 2, 20))  # Saturday on
    assert WorkdayCalendar.from_entries(entries, published_years=[]).published_years == frozenset()


# --- calendar files ------------------------------------------------------------------------------


GOOD_FILE = """\ufeffdate,kind,name
# 2027 年部分节假日安排（示例） / part of a 2027 schedule, for the test
2027-02-08,holiday,春节
2027-02-09,休,春节

2027/2/20,班,春节
2027-10-09,workday,
2027-10-01 , Holiday , "国庆节, National Day"
"""


def test_parse_calendar_file() -> None:
    assert parse_calendar_file(GOOD_FILE, "2027.csv") == [
        CalendarEntry(date(2027, 2, 8), "holiday", "春节"),
        CalendarEntry(date(2027, 2, 9), "holiday", "春节"),
        CalendarEntry(date(2027, 2, 20), "workday", "春节"),
        CalendarEntry(date(2027, 10, 9), "workday", None),
        CalendarEntry(date(2027, 10, 1), "holiday", "国庆节, National Day"),
    ]


def test_parse_calendar_file_without_header_or_name() -> None:
    assert parse_calendar_file("2027-01-01,休\n", "x.csv") == [
        CalendarEntry(date(2027, 1, 1), "holiday", None)
    ]
    assert parse_calendar_file("", "empty.csv") == []


def test_parsed_file_makes_a_published_calendar() -> None:
    calendar = WorkdayCalendar.from_entries(parse_calendar_file(GOOD_FILE, "2027.csv"))
    assert calendar.is_published(2027)
    assert calendar.unpublished_years(date(2027, 1, 1), date(2027, 12, 31)) == []
    # Fri 5 Feb to Sat 20 Feb 2027: Mon 8 and Tue 9 off, Sat 20 on.
    assert calendar.workdays_between(date(2027, 2, 5), date(2027, 2, 20)) == 9


BAD_FILE = """date,kind,name
2027-02-08,holiday,春节
2027-13-01,holiday,
2027-02-30,休,
20270301,休,
2027-03-02,off,
2027-03-03
2027-03-04,休,a,b
2027-02-08,班,春节
date,kind,name
"""


def test_parse_calendar_file_reports_every_bad_line_with_its_number() -> None:
    with pytest.raises(ValueError) as caught:
        parse_calendar_file(BAD_FILE, "offices/2027.csv")
    assert str(caught.value).splitlines() == [
        "offices/2027.csv:3: date '2027-13-01' does not exist (month must be in 1..12)",
        "offices/2027.csv:4: date '2027-02-30' does not exist (day is out of range for month)",
        "offices/2027.csv:5: date '20270301' is not YYYY-MM-DD",
        "offices/2027.csv:6: kind 'off' is not one of holiday, workday, 休, 班",
        "offices/2027.csv:7: expected 'date,kind,name' (2 or 3 fields), found 1: '2027-03-03'",
        "offices/2027.csv:8: expected 'date,kind,name' (2 or 3 fields), found 4: "
        "'2027-03-04,休,a,b'",
        "offices/2027.csv:9: 2027-02-08 is already listed on line 2",
        "offices/2027.csv:10: date 'date' is not YYYY-MM-DD",
        "offices/2027.csv:10: kind 'kind' is not one of holiday, workday, 休, 班",
    ]
