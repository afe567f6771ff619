"""Deadline (整改时限) parsing for ledger cells.

Offices type deadlines by hand in several styles, and Excel hands back real date cells;
everything else is rejected rather than guessed, because a wrongly guessed deadline turns
into a wrong warning colour and, later, a wrong accountability record.
"""

from __future__ import annotations

import datetime
import re
import unicodedata

__all__ = ["parse_deadline"]

# One separator per date: '2020-9/30' is more likely a typo than a date worth guessing.
_SEPARATED = re.compile(r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})")
_CHINESE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")
_EXPECTED = "expected e.g. 2020-09-30, 2020/9/30, 2020.9.30 or 2020年9月30日"


def parse_deadline(value: object) -> datetime.date:
    """Return the date a ledger deadline cell means, or raise ValueError saying why not."""
    # datetime is a subclass of date, so it must be tested first to drop the time part.
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if not isinstance(value, str):
        # Numbers are refused on purpose: a bare 44104 may be an Excel serial or a typo.
        raise _not_a_date(value, f"a {type(value).__name__}")
    text = value.strip()
    if not text:
        raise ValueError("no date given")
    # NFKC turns full-width digits and separators (２０２０／９／３０) into ASCII; the
    # whitespace removal tolerates '2020 年 9 月 30 日' as typed by some offices.
    compact = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))
    match = _SEPARATED.fullmatch(compact)
    if match:
        year, month, day = match.group(1), match.group(3), match.group(4)
    else:
        match = _CHINESE.fullmatch(compact)
        if not match:
            raise _not_a_date(text, _EXPECTED)
        year, month, day = match.groups()
    try:
        return datetime.date(int(year), int(month), int(day))
    except ValueError as exc:  # 2020-02-30, 2020-13-01
        raise _not_a_date(text, str(exc)) from None


def _not_a_date(shown: object, reason: str) -> ValueError:
    return ValueError(f"{shown!r} is not a date ({reason})")
