"""Deadlines: the plain dates options take, the 整改时限 styles ledgers use, and what is refused."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workflow.ledger.dates import (
    Deadline,
    DeadlineContext,
    DeadlineError,
    parse_deadline,
    parse_ledger_deadline,
)

SEPT_30 = datetime.date(2020, 9, 30)


def test_date_cell_is_returned_as_is() -> None:
    assert parse_deadline(SEPT_30) == SEPT_30


def test_datetime_cell_gives_its_date() -> None:
    result = parse_deadline(datetime.datetime(2020, 9, 30, 17, 45))
    assert result == SEPT_30
    # A datetime would compare unequal to dates elsewhere and carry a misleading time.
    assert type(result) is datetime.date


@pytest.mark.parametrize(
    "text",
    [
        "2020-09-30",
        "2020-9-30",
        "2020/9/30",
        "2020/09/30",
        "2020.9.30",
        "2020年9月30日",
        "2020年09月30日",
        " 2020 年 9 月 30 日 ",
        "\u30002020-09-30\u3000",
        "２０２０年９月３０日",
        "２０２０／０９／３０",
        "2020 - 09 - 30",
    ],
)
def test_accepted_text_styles(text: str) -> None:
    assert parse_deadline(text) == SEPT_30


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("2020-02-30", "day is out of range"),
        ("2021-02-29", "day is out of range"),
        ("2020-13-01", "month must be in 1..12"),
        ("2020年0月1日", "month must be in 1..12"),
        ("2020-9/30", "expected e.g."),
        ("20-9-30", "expected e.g."),
        ("2020-09-30 00:00:00", "expected e.g."),
        ("9/30/2020", "expected e.g."),
        ("2020年9月30", "expected e.g."),
        ("9月底", "expected e.g."),
        ("长期坚持", "expected e.g."),
    ],
)
def test_rejected_text_says_why(value: str, reason: str) -> None:
    with pytest.raises(ValueError, match="is not a date") as caught:
        parse_deadline(value)
    message = str(caught.value)
    assert message.startswith(repr(value))
    assert reason in message


def test_leap_day_is_a_date() -> None:
    assert parse_deadline("2020/2/29") == datetime.date(2020, 2, 29)


@pytest.mark.parametrize("value", ["", "   ", "\u3000"])
def test_blank_text_is_refused(value: str) -> None:
    with pytest.raises(ValueError, match="no date given"):
        parse_deadline(value)


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        (None, "NoneType"),
        (44104, "int"),  # an Excel serial number in a cell not formatted as a date
        (44104.0, "float"),
        (True, "bool"),
        (datetime.time(9, 30), "time"),
    ],
)
def test_non_text_non_date_values_are_refused(value: object, kind: str) -> None:
    with pytest.raises(ValueError, match=f"is not a date \\(a {kind}\\)"):
        parse_deadline(value)


def _full_width(text: str) -> str:
    return text.translate({ord(digit): 0xFF10 + int(digit) for digit in "0123456789"})


# (after year, after month, after day) for each style offices use.
_STYLES = {"iso": ("-", "-", ""), "slash": ("/", "/", ""), "dot": (".", ".", ""),
           "chinese": ("年", "月", "日")}  # fmt: skip


@settings(max_examples=60)
@given(
    day=st.dates(min_value=datetime.date(2000, 1, 1), max_value=datetime.date(2100, 12, 31)),
    style=st.sampled_from(sorted(_STYLES)),
    pad=st.booleans(),
    full_width=st.booleans(),
    spaces=st.booleans(),
)
def test_written_dates_round_trip(
    day: datetime.date, style: str, pad: bool, full_width: bool, spaces: bool
) -> None:
    after_year, after_month, after_day = _STYLES[style]
    width = 2 if pad else 1
    text = f"{day.year}{after_year}{day.month:0{width}d}{after_month}{day.day:0{width}d}{after_day}"
    if full_width:
        text = _full_width(text)
    if spaces:
        text = f"  {text}\u3000"
    assert parse_deadline(text) == day


@pytest.mark.parametrize("value", ["1999-12-31", "2101年1月1日", datetime.date(1900, 1, 1)])
def test_absurd_years_are_refused(value: object) -> None:
    with pytest.raises(DeadlineError, match=r"year must be in 2000\.\.2100"):
        parse_deadline(value)


# --- ledger deadlines (整改时限) ----------------------------------------------------------

# A campaign whose bottom line is in 2020, imported on 2020-09-01, policy immediate_days 7.
CONTEXT = DeadlineContext(year=2020, today=datetime.date(2020, 9, 1), immediate_days=7)


def dated(year: int, month: int, day: int) -> Deadline:
    return Deadline("date", datetime.date(year, month, day))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2020年9月底前", dated(2020, 9, 30)),
        ("2020年9月底", dated(2020, 9, 30)),
        ("2020年2月底前", dated(2020, 2, 29)),  # a leap year's February
        ("2021年2月底前", dated(2021, 2, 28)),
        ("2020年9月30日前", dated(2020, 9, 30)),
        ("2020年12月31日之前", dated(2020, 12, 31)),
        ("2020年9月30日以前", dated(2020, 9, 30)),
        ("2020年9月30日前完成", dated(2020, 9, 30)),
        ("2020年9月底前完成整改", dated(2020, 9, 30)),
        ("9月30日前", dated(2020, 9, 30)),
        ("9月30号前", dated(2020, 9, 30)),
        ("9月底前", dated(2020, 9, 30)),
        ("11月底", dated(2020, 11, 30)),
        ("2020年10月", dated(2020, 10, 31)),
        ("2020年10月底前。", dated(2020, 10, 31)),
        ("2020年底前", dated(2020, 12, 31)),
        ("2020年年底前", dated(2020, 12, 31)),
        ("年底前", dated(2020, 12, 31)),
        ("2020-09-30", dated(2020, 9, 30)),
        ("2020/9/30前", dated(2020, 9, 30)),
        ("２０２０年９月底前", dated(2020, 9, 30)),
        (" 2020 年 9 月 30 日 前 ", dated(2020, 9, 30)),
        ("\u30009月30日前\u3000", dated(2020, 9, 30)),
        (datetime.datetime(2020, 9, 30, 0, 0), dated(2020, 9, 30)),
        ("立行立改", Deadline("immediate", datetime.date(2020, 9, 8))),
        ("立即整改", Deadline("immediate", datetime.date(2020, 9, 8))),
        ("长期坚持", Deadline("standing", None)),
        ("长期", Deadline("standing", None)),
        ("持续推进", Deadline("standing", None)),
        # Both words: the item never ends, so it is standing.
        ("立行立改，长期坚持", Deadline("standing", None)),
        ("立行立改、长期坚持", Deadline("standing", None)),
        ("立行立改并长期坚持", Deadline("standing", None)),
        ("2020年10月底前，长期坚持", Deadline("standing", None)),
        # 立行立改 with a written limit: the limit is the deadline.
        ("立行立改，2020年10月底前完成", dated(2020, 10, 31)),
    ],
)
def test_ledger_deadline_forms(text: object, expected: Deadline) -> None:
    assert parse_ledger_deadline(text, CONTEXT) == expected


def test_immediate_days_come_from_the_context() -> None:
    context = DeadlineContext(year=2020, today=datetime.date(2020, 12, 30), immediate_days=3)
    assert parse_ledger_deadline("立行立改", context) == Deadline(
        "immediate", datetime.date(2021, 1, 2)
    )


def test_a_yearless_date_takes_the_bottom_line_year_even_when_late() -> None:
    # A campaign ending in 2021: 10月31日前 is 2021-10-31, which the importer then refuses as
    # after the bottom line rather than guessing 2020.
    context = DeadlineContext(year=2021, today=datetime.date(2020, 9, 1))
    assert parse_ledger_deadline("10月31日前", context) == dated(2021, 10, 31)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2020年10月前", "ambiguous; write 9月底前 or 10月底前"),
        ("1999年9月底前", "year must be in 2000..2100"),
        ("2101年1月", "year must be in 2000..2100"),
        ("2020年13月底前", "month must be in 1..12"),
        ("2月30日前", "day is out of range for month"),
        ("2020-02-30", "day is out of range for month"),
        ("9月30日前、10月31日前", "it gives more than one date"),
        ("十月底", "expected e.g. 2020年9月30日前"),
        ("已完成", "expected e.g. 2020年9月30日前"),
        ("尽快", "expected e.g. 2020年9月30日前"),
        ("2020年9月30", "expected e.g. 2020年9月30日前"),
        ("长期坚持，尽快", "expected e.g. 2020年9月30日前"),
    ],
)
def test_ledger_deadlines_refused_say_why(text: str, reason: str) -> None:
    with pytest.raises(DeadlineError) as caught:
        parse_ledger_deadline(text, CONTEXT)
    assert str(caught.value) == f"{text!r} is not a date ({caught.value.message.params['reason']})"
    assert reason in str(caught.value)


def test_refusals_read_in_chinese() -> None:
    with pytest.raises(DeadlineError) as caught:
        parse_ledger_deadline("2020年13月底前", CONTEXT)
    assert (
        caught.value.message.to("zh") == "'2020年13月底前' 不是有效的时限（月份应在 1 到 12 之间）"
    )
    with pytest.raises(DeadlineError) as caught:
        parse_ledger_deadline("尽快", CONTEXT)
    assert "立行立改 或 长期坚持" in caught.value.message.to("zh")


@pytest.mark.parametrize("value", [None, 44104, 1.5, True])
def test_ledger_cells_that_are_not_text_or_dates(value: object) -> None:
    with pytest.raises(DeadlineError, match="is not a date"):
        parse_ledger_deadline(value, CONTEXT)


@settings(max_examples=60)
@given(
    day=st.dates(min_value=datetime.date(2000, 1, 1), max_value=datetime.date(2100, 12, 31)),
    year_written=st.booleans(),
    tail=st.sampled_from(["", "前", "之前", "以前", "前完成"]),
    full_width=st.booleans(),
)
def test_written_ledger_days_round_trip(
    day: datetime.date, year_written: bool, tail: str, full_width: bool
) -> None:
    context = DeadlineContext(year=day.year, today=datetime.date(2020, 9, 1))
    text = f"{day.year}年" if year_written else ""
    text += f"{day.month}月{day.day}日{tail}"
    if full_width:
        text = _full_width(text)
    assert parse_ledger_deadline(text, context) == Deadline("date", day)


@settings(max_examples=40)
@given(
    year=st.integers(2000, 2100),
    month=st.integers(1, 12),
    form=st.sampled_from(["{y}年{m}月底前", "{y}年{m}月底", "{y}年{m}月", "{m}月底前"]),
)
def test_month_forms_end_on_the_last_day(year: int, month: int, form: str) -> None:
    context = DeadlineContext(year=year, today=datetime.date(2020, 9, 1))
    result = parse_ledger_deadline(form.format(y=year, m=month), context)
    assert result.kind == "date" and result.date is not None
    assert (result.date.year, result.date.month) == (year, month)
    assert (result.date + datetime.timedelta(days=1)).day == 1
