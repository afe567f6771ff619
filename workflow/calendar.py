"""Working-day calendar for deadlines counted in 工作日.

In China a working day is not simply Monday to Friday: the State Council publishes each year's
holiday schedule, which turns some weekdays into days off (节假日) and some weekends into make-up
working days (调休). A `WorkdayCalendar` holds those explicit entries and falls back to
Monday-Friday for every other day, including days in years whose schedule is not yet published;
`unpublished_years` tells the caller when that fallback was used so it can say so.

The entries come from the `chinese_calendar` package (`seed_from_chinese_calendar`) or from a
small CSV file an office writes itself when the package does not know a year yet
(`parse_calendar_file`). Storing entries is the caller's business: this module is pure.
"""

from __future__ import annotations

import csv
import re
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import accumulate
from typing import Literal

from workflow.i18n import Msg

EntryKind = Literal["holiday", "workday"]

# Spellings accepted in the kind column of a calendar file: 休 = day off, 班 = working day.
KIND_SPELLINGS: dict[str, EntryKind] = {
    "holiday": "holiday",
    "休": "holiday",
    "workday": "workday",
    "班": "workday",
}


def _check_day(value: object, what: str) -> date:
    # datetime is a subclass of date but never equals one, so a datetime would silently miss
    # every explicit entry.
    if isinstance(value, datetime) or not isinstance(value, date):
        raise TypeError(f"{what} must be a datetime.date, not {type(value).__name__}")
    return value


def _weekdays_through(day: date) -> int:
    """Number of Mondays-Fridays from 0001-01-01 (a Monday, ordinal 1) to `day` inclusive."""
    weeks, rest = divmod(day.toordinal(), 7)
    return weeks * 5 + min(rest, 5)


@dataclass(frozen=True)
class WorkdayCalendar:
    """Which days are working days.

    `holidays` are days declared off (usually weekdays inside a statutory holiday; weekend days
    may be listed too and change nothing). `workdays` are days declared working (usually make-up
    weekends, 调休). A day cannot be both. Any other day is a working day when it is a Monday to
    Friday, in any year; `published_years` records the years whose schedule is actually known.
    """

    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()
    published_years: frozenset[int] = frozenset()
    # Derived: sorted dates where the explicit entries differ from Monday-Friday, and the running
    # total of those differences (+1 for a working weekend, -1 for a weekday off), so that
    # workdays_between is two bisections instead of a walk over the days.
    _adjust_days: tuple[int, ...] = field(init=False, repr=False, compare=False)
    _adjust_totals: tuple[int, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        holidays = frozenset(_check_day(d, "holiday") for d in self.holidays)
        workdays = frozenset(_check_day(d, "workday") for d in self.workdays)
        both = sorted(holidays & workdays)
        if both:
            listed = ", ".join(d.isoformat() for d in both)
            raise ValueError(f"days listed both as holiday and as workday: {listed}")
        object.__setattr__(self, "holidays", holidays)
        object.__setattr__(self, "workdays", workdays)
        object.__setattr__(self, "published_years", frozenset(self.published_years))

        changes = sorted(
            [(d.toordinal(), -1) for d in holidays if d.weekday() < 5]
            + [(d.toordinal(), +1) for d in workdays if d.weekday() >= 5]
        )
        object.__setattr__(self, "_adjust_days", tuple(o for o, _ in changes))
        object.__setattr__(self, "_adjust_totals", tuple(accumulate(c for _, c in changes)))

    @classmethod
    def from_entries(
        cls, entries: Iterable[CalendarEntry], published_years: Iterable[int] | None = None
    ) -> WorkdayCalendar:
        """Build a calendar from entries; by default every year that has an entry is published."""
        entries = list(entries)
        years = {e.day.year for e in entries} if published_years is None else published_years
        return cls(
            holidays=frozenset(e.day for e in entries if e.kind == "holiday"),
            workdays=frozenset(e.day for e in entries if e.kind == "workday"),
            published_years=frozenset(years),
        )

    def is_workday(self, day: date) -> bool:
        """Explicit entries first, else Monday to Friday. Works for any year."""
        _check_day(day, "day")
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5

    def is_published(self, year: int) -> bool:
        return year in self.published_years

    def unpublished_years(self, start: date, end: date) -> list[int]:
        """Years touched by the range [start, end] (either order) that have no known schedule.

        For those years `is_workday` assumed Monday to Friday; the caller should say so, for
        example "2027: no published schedule, Monday-Friday assumed".
        """
        low, high = sorted((_check_day(start, "start"), _check_day(end, "end")))
        return [y for y in range(low.year, high.year + 1) if y not in self.published_years]

    def workdays_between(self, start: date, end: date) -> int:
        """Working days d with start < d <= end: `start` itself is not counted, `end` is.

        Friday to the next Monday is 1, a day to itself is 0. When end < start the result is
        the mirror image, -workdays_between(end, start).
        """
        _check_day(start, "start")
        _check_day(end, "end")
        if end < start:
            return -self.workdays_between(end, start)
        return (_weekdays_through(end) - _weekdays_through(start)) + (
            self._adjustment_through(end) - self._adjustment_through(start)
        )

    def nth_workday_after(self, day: date, n: int) -> date:
        """The n-th working day strictly after `day` (n >= 1)."""
        if n < 1:
            raise ValueError(f"n must be at least 1, got {n}")
        current = _check_day(day, "day")
        while n:
            current += timedelta(days=1)
            if self.is_workday(current):
                n -= 1
        return current

    def nth_workday_on_or_before(self, day: date, n: int) -> date:
        """The n-th working day counting back from `day` itself (n >= 1; n=1 is `day` when it
        is a working day)."""
        if n < 1:
            raise ValueError(f"n must be at least 1, got {n}")
        current = _check_day(day, "day")
        while True:
            if self.is_workday(current):
                n -= 1
                if n == 0:
                    return current
            current -= timedelta(days=1)

    def _adjustment_through(self, day: date) -> int:
        index = bisect_right(self._adjust_days, day.toordinal())
        return self._adjust_totals[index - 1] if index else 0


@dataclass(frozen=True)
class CalendarEntry:
    """One explicit day of a holiday schedule."""

    day: date
    kind: EntryKind
    name: str | None = None


def _package_data() -> tuple[dict[date, str], dict[date, str]]:
    import chinese_calendar

    return dict(chinese_calendar.holidays), dict(chinese_calendar.workdays)


def _chinese_name(english: str) -> str:
    from chinese_calendar.constants import Holiday

    try:
        return str(Holiday(english).chinese)
    except ValueError:
        return english


def chinese_calendar_years() -> frozenset[int]:
    """Years whose schedule the installed chinese_calendar package knows."""
    holidays, workdays = _package_data()
    return frozenset(d.year for d in holidays) | frozenset(d.year for d in workdays)


def chinese_calendar_entries(years: Iterable[int]) -> list[CalendarEntry]:
    """The package's entries for `years`, sorted by day, named in Chinese (国庆节, 春节 ...).

    Years the package does not know give no entries. Meant for storing the schedule in the
    database, where offices can then add or correct years themselves.
    """
    wanted = set(years)
    holidays, workdays = _package_data()
    entries = [
        CalendarEntry(d, "holiday", _chinese_name(n))
        for d, n in holidays.items()
        if d.year in wanted
    ] + [
        CalendarEntry(d, "workday", _chinese_name(n))
        for d, n in workdays.items()
        if d.year in wanted
    ]
    return sorted(entries, key=lambda e: e.day)


def seed_from_chinese_calendar(years: Iterable[int]) -> WorkdayCalendar:
    """A calendar with the package's schedule for `years`.

    Years the package does not know are simply not published (Monday-Friday is assumed there).
    """
    wanted = set(years)
    known = chinese_calendar_years()
    return WorkdayCalendar.from_entries(
        chinese_calendar_entries(wanted), published_years=wanted & known
    )


_DATE = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})$")
_HEADER = ("date", "kind", "name")


def parse_calendar_file(text: str, source: str) -> list[CalendarEntry]:
    """Parse a schedule file: CSV lines `date,kind,name`.

    - date: YYYY-MM-DD (YYYY/MM/DD also accepted);
    - kind: holiday or 休 (a day off), workday or 班 (a working day, e.g. a make-up weekend);
    - name: optional, e.g. 春节.
    Blank lines and lines starting with # are ignored, as is a first line `date,kind,name`.
    Every problem is reported at once in one CalendarFileError, each as `source:line: message`.
    """
    entries: list[CalendarEntry] = []
    errors: list[Msg] = []
    first_line_of: dict[date, int] = {}
    text = text.removeprefix("\ufeff")  # files saved by Excel start with a byte-order mark
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        fields = [f.strip() for f in next(csv.reader([line], skipinitialspace=True))]
        if not entries and not errors and tuple(f.lower() for f in fields[:3]) == _HEADER:
            continue

        def fail(message: Msg, number: int = number) -> None:
            errors.append(Msg("{source}:{line}: {message}", source=source, line=number,
                              message=message))  # fmt: skip

        if len(fields) < 2 or len(fields) > 3:
            fail(Msg("expected 'date,kind,name' (2 or 3 fields), found {count}: {text!r}",
                     count=len(fields), text=line))  # fmt: skip
            continue
        day_text, kind_text = fields[0], fields[1]
        name = fields[2] if len(fields) == 3 and fields[2] else None

        day: date | None = None
        match = _DATE.match(day_text)
        if match is None:
            fail(Msg("date {text!r} is not YYYY-MM-DD", text=day_text))
        else:
            try:
                day = date(*(int(part) for part in match.groups()))
            except ValueError as exc:
                fail(Msg("date {text!r} does not exist ({reason})", text=day_text,
                         reason=Msg(str(exc))))  # fmt: skip

        kind = KIND_SPELLINGS.get(kind_text.lower())
        if kind is None:
            fail(Msg("kind {kind!r} is not one of holiday, workday, 休, 班", kind=kind_text))

        if day is None or kind is None:
            continue
        if day in first_line_of:
            fail(Msg("{day} is already listed on line {line}", day=day.isoformat(),
                     line=first_line_of[day]))  # fmt: skip
            continue
        first_line_of[day] = number
        entries.append(CalendarEntry(day, kind, name))

    if errors:
        raise CalendarFileError(errors)
    return entries


class CalendarFileError(ValueError):
    """Every bad line of a calendar file, as messages (one per line in `str`)."""

    def __init__(self, errors: list[Msg]) -> None:
        self.errors = errors
        super().__init__("\n".join(str(error) for error in errors))
