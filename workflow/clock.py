"""Time as the product sees it: aware datetimes, deadlines as dates in the configured zone."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from workflow.errors import InvalidInput

FIRST_YEAR, LAST_YEAR = 1900, 9000


def parse_instant(text: str, zone: ZoneInfo, what: str) -> datetime:
    """An ISO date-time (or date); one without an offset is read in `zone`."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(
            "{what} {text!r} is not an ISO date-time (like 2020-09-30T09:00)", what=what, text=text
        ) from None
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        # Day arithmetic near year 1 or 9999 overflows; no campaign lives there.
        raise InvalidInput(
            "{what} {text!r} is out of range (years {first}-{last})",
            what=what,
            text=text,
            first=FIRST_YEAR,
            last=LAST_YEAR,
        )
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    return value


def utc_now() -> datetime:
    return datetime.now(UTC)


def local_date(instant: datetime, zone: ZoneInfo) -> date:
    return instant.astimezone(zone).date()
