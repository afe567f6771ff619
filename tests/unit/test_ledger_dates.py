"""parse_deadline: the deadline styles offices type, and everything it must refuse."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workflow.ledger.dates import parse_deadline

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


@given(
    day=st.dates(min_value=datetime.date(1000, 1, 1), max_value=datetime.date(9999, 12, 31)),
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
