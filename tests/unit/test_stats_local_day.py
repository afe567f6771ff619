"""The local day of a stored UTC time, as stats computes it in SQLite: SQL date() with a fixed
offset for zones that have one, a Python function for zones with daylight saving time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, literal, select

from workflow.services import stats


@pytest.mark.parametrize("zone_name", ["Asia/Shanghai", "Asia/Urumqi", "Europe/Berlin",
                                       "America/New_York"])  # fmt: skip
def test_local_day_agrees_with_zoneinfo(zone_name: str) -> None:
    zone = ZoneInfo(zone_name)
    engine = create_engine("sqlite://")
    # Every 37 minutes through 2020, crossing midnights and the DST changes of the two zones
    # that have them.
    instants = [
        datetime(2020, 1, 1, tzinfo=UTC) + timedelta(minutes=37 * n) for n in range(0, 14_500, 7)
    ]
    with engine.connect() as conn:
        for at in instants:
            stored = at.strftime("%Y-%m-%d %H:%M:%S.%f")  # as SQLAlchemy stores it in SQLite
            day = conn.execute(select(stats._local_day(conn, zone, literal(stored)))).scalar()
            assert day == at.astimezone(zone).date().isoformat(), (zone_name, stored)
    engine.dispose()


def test_fixed_offsets() -> None:
    assert stats._fixed_offset_minutes(ZoneInfo("Asia/Shanghai")) == 480
    assert stats._fixed_offset_minutes(ZoneInfo("Asia/Kathmandu")) == 345
    assert stats._fixed_offset_minutes(ZoneInfo("Europe/Berlin")) is None
