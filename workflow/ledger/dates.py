"""Deadline (整改时限) parsing: plain dates, and the ways ledgers write them.

Offices type deadlines by hand in several styles, and Excel hands back real date cells;
everything else is refused rather than guessed, because a wrongly guessed deadline turns
into a wrong warning colour and, later, a wrong accountability record.

`parse_deadline` reads a plain date (2020-09-30, 2020年9月30日, a date cell): options such as
`--deadline` and campaign bottom lines. `parse_ledger_deadline` reads a ledger's 整改时限 cell,
which may also say:

- `2020年9月30日前` / `之前` / `以前`, optionally followed by `完成`: that day;
- `2020年9月底前`, `2020年9月底`, `2020年9月` (no day): the last day of that month;
- `2020年底前` / `2020年年底`: 31 December;
- `9月30日前`, `9月底前`, `年底前` (no year): the year of the campaign's bottom line (底线). A
  date that then falls after the bottom line is not moved to another year: the importer refuses
  it as after the bottom line, and the office writes the year;
- `立行立改` (also 立即整改, 即知即改): kind `immediate`, due the import day plus the policy's
  `immediate_days`;
- `长期坚持` (also 长期, 持续推进, 常态化 ...): kind `standing`, no date;
- several of these joined by `，、；` or 并: a standing word wins (the item never ends, so
  `立行立改，长期坚持` is standing); otherwise a written date wins over 立行立改 (the ledger
  gives its own limit); two dates are refused as ambiguous.

`2020年10月前` is refused: offices use it both for "by the end of September" and "within
October". Years before 2000 or after 2100 are typing mistakes, not deadlines.
"""

from __future__ import annotations

import calendar
import datetime
import re
import unicodedata
from dataclasses import dataclass

from workflow.i18n import Msg

__all__ = [
    "Deadline",
    "DeadlineContext",
    "DeadlineError",
    "parse_deadline",
    "parse_ledger_deadline",
]

MIN_YEAR, MAX_YEAR = 2000, 2100
IMMEDIATE_WORDS = ("立行立改", "立即整改", "即知即改")
STANDING_WORDS = ("长期坚持", "长期", "持续推进", "持续整改", "长期推进", "常态化", "常态长效")

# One separator per date: '2020-9/30' is more likely a typo than a date worth guessing.
_SEPARATED = re.compile(r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})")
_CHINESE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")
# Ledger forms, matched after the 前/之前/完成 tail is taken off.
_DAY = re.compile(r"(?:(\d{4})年)?(\d{1,2})月(\d{1,2})[日号]")
_MONTH_END = re.compile(r"(?:(\d{4})年)?(\d{1,2})月(底|末)?")
_YEAR_END = re.compile(r"(?:(\d{4})年)?年?[底末]")
_TAIL = re.compile(r"(之前|以前|前)?(完成整改|整改完成|整改到位|完成|办结)?$")
_PARTS = re.compile(r"[，,、;；]|并且?")
_EXPECTED = "expected e.g. 2020-09-30, 2020/9/30, 2020.9.30 or 2020年9月30日"
_EXPECTED_LEDGER = (
    "expected e.g. 2020年9月30日前, 2020年9月底前, 9月30日前, 9月底前, 2020年10月, "
    "2020-09-30, 立行立改 or 长期坚持"
)


class DeadlineError(ValueError):
    """A cell or option that is not a deadline; `message` says why, in either language."""

    def __init__(self, message: Msg) -> None:
        self.message = message
        super().__init__(str(message))


@dataclass(frozen=True)
class Deadline:
    """What a ledger's 整改时限 says: kind date|immediate|standing; no date when standing."""

    kind: str
    date: datetime.date | None


@dataclass(frozen=True)
class DeadlineContext:
    """What a deadline without a year or date needs: the campaign's bottom-line year and the
    import day (in the office's zone), plus the policy's days for 立行立改."""

    year: int
    today: datetime.date
    immediate_days: int = 7


def parse_deadline(value: object) -> datetime.date:
    """Return the date a plain deadline means, or raise DeadlineError saying why not."""
    cell = _date_cell(value)
    if cell is not None:
        return cell
    text = _text(value)
    match = _SEPARATED.fullmatch(_compact(text))
    if match:
        year, month, day = match.group(1), match.group(3), match.group(4)
    else:
        match = _CHINESE.fullmatch(_compact(text))
        if not match:
            raise _not_a_date(text, Msg(_EXPECTED))
        year, month, day = match.groups()
    return _make_date(text, int(year), int(month), int(day))


def parse_ledger_deadline(value: object, context: DeadlineContext) -> Deadline:
    """Return what a ledger's 整改时限 cell means (see the module), or raise DeadlineError."""
    cell = _date_cell(value)
    if cell is not None:
        return Deadline("date", cell)
    text = _text(value)
    kinds: set[str] = set()
    dates: list[datetime.date] = []
    for part in filter(None, _PARTS.split(_compact(text).rstrip("。."))):
        word = _TAIL.sub("", part) or part
        if part in STANDING_WORDS or word in STANDING_WORDS:
            kinds.add("standing")
        elif part in IMMEDIATE_WORDS or word in IMMEDIATE_WORDS:
            kinds.add("immediate")
        else:
            dates.append(_ledger_date(text, part, context))
    if "standing" in kinds:
        return Deadline("standing", None)
    if len(dates) > 1:
        raise _not_a_date(text, Msg("it gives more than one date"))
    if dates:
        return Deadline("date", dates[0])
    if kinds:
        return Deadline("immediate", context.today + datetime.timedelta(context.immediate_days))
    raise _not_a_date(text, Msg(_EXPECTED_LEDGER))


def _ledger_date(text: str, part: str, context: DeadlineContext) -> datetime.date:
    """The date one part of a ledger cell gives ('2020年9月底前', '9月30日前', '2020/9/30')."""
    tail = _TAIL.search(part)
    assert tail is not None  # every part matches: the tail may be empty
    before, core = bool(tail.group(1)), part[: tail.start()]
    if _SEPARATED.fullmatch(core) or _CHINESE.fullmatch(core):
        try:
            return parse_deadline(core)
        except DeadlineError as exc:  # 2020-02-30: the reason, shown with the whole cell
            raise _not_a_date(text, exc.message.params["reason"]) from None
    if match := _DAY.fullmatch(core):
        year, month, day = match.groups()
        return _make_date(text, _year(year, context), int(month), int(day))
    if match := _MONTH_END.fullmatch(core):
        year, month, end = match.groups()
        if before and not end:  # '10月前': before October, or within it? Offices mean both.
            raise _not_a_date(text, Msg("ambiguous; write 9月底前 or 10月底前"))
        last = _make_date(text, _year(year, context), int(month), 1)
        return last.replace(day=calendar.monthrange(last.year, last.month)[1])
    if match := _YEAR_END.fullmatch(core):
        return _make_date(text, _year(match.group(1), context), 12, 31)
    raise _not_a_date(text, Msg(_EXPECTED_LEDGER))


def _year(written: str | None, context: DeadlineContext) -> int:
    return int(written) if written else context.year


def _date_cell(value: object) -> datetime.date | None:
    """The date of a spreadsheet date cell; None for text, refusing anything else."""
    # datetime is a subclass of date, so it must be tested first to drop the time part.
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        if not MIN_YEAR <= value.year <= MAX_YEAR:
            raise _not_a_date(value.isoformat(), _year_range())
        return value
    if not isinstance(value, str):
        # Numbers are refused on purpose: a bare 44104 may be an Excel serial or a typo.
        raise _not_a_date(value, Msg("a {type}", type=type(value).__name__))
    return None


def _text(value: object) -> str:
    text = str(value).strip()
    if not text:
        raise DeadlineError(Msg("no date given"))
    return text


def _compact(text: str) -> str:
    # NFKC turns full-width digits and separators (２０２０／９／３０) into ASCII; the
    # whitespace removal tolerates '2020 年 9 月 30 日' as typed by some offices.
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def _make_date(shown: str, year: int, month: int, day: int) -> datetime.date:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise _not_a_date(shown, _year_range())
    if not 1 <= month <= 12:
        raise _not_a_date(shown, Msg("month must be in 1..12"))
    if not 1 <= day <= calendar.monthrange(year, month)[1]:
        raise _not_a_date(shown, Msg("day is out of range for month"))
    return datetime.date(year, month, day)


def _year_range() -> Msg:
    return Msg("year must be in {low}..{high}", low=MIN_YEAR, high=MAX_YEAR)


def _not_a_date(shown: object, reason: Msg) -> DeadlineError:
    return DeadlineError(Msg("{value!r} is not a date ({reason})", value=shown, reason=reason))
