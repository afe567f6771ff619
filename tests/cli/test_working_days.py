"""Deadlines counted in working days: the 2020 National Day / Mid-Autumn holiday and 调休.

2020-10-01..08 were days off; Sunday 2020-09-27 and Saturday 2020-10-10 were working days. The
shipped `working-days` policy warns blue at 5 working days left, yellow at 2, red once missed.
"""

from __future__ import annotations

import pytest

from tests.conftest import Rectify


@pytest.fixture
def holiday_campaign(rectify: Rectify) -> Rectify:
    rectify.ok("unit", "add", "slj", "水利局", "--email", "slj@example.gov.cn")
    rectify.ok("person", "add", "韩水", "--unit", "slj", "--head", "--email", "hs@example.gov.cn")
    rectify.ok("campaign", "add", "GQ", "国庆整改", "--deadline", "2020-12-31",
               "--policy", "working-days")  # fmt: skip
    rectify.ok("problem", "add", "--campaign", "GQ", "--title", "供水不稳定")
    # Monday 2020-10-12, the first Monday after the holiday.
    rectify.ok("task", "add", "--problem", "P1", "--title", "修复管网", "--deadline", "2020-10-12")
    rectify.ok("assign", "T1", "--unit", "slj", "--person", "韩水")
    return rectify


@pytest.mark.parametrize(
    ("at", "level"),
    [
        # Sat 09-26: 09-27 (调休), 28, 29, 30, 10-09, 10-10 (调休), 10-12 = 7 working days left
        ("2020-09-26T09:00", "none"),
        # Mon 09-28: 29, 30, 10-09, 10-10, 10-12 = 5 left (12 calendar days would be none)
        ("2020-09-28T09:00", "blue"),
        # Thu 10-01, in the holiday: 10-09, 10-10, 10-12 = 3 left
        ("2020-10-01T09:00", "blue"),
        # Fri 10-09: 10-10 (a Saturday, but a working day) and 10-12 = 2 left
        ("2020-10-09T09:00", "yellow"),
        ("2020-10-12T23:59", "yellow"),  # the deadline day itself
        ("2020-10-13T08:00", "red"),
    ],
)
def test_levels_follow_the_holiday_schedule(holiday_campaign: Rectify, at: str, level: str) -> None:
    report = holiday_campaign.json("sweep", "--at", at)
    assert report["assumed_monday_to_friday"] == []
    assert holiday_campaign.json("list")[0]["level"] == level


def test_calendar_days_would_not_warn_yet(holiday_campaign: Rectify) -> None:
    """The same deadline under the calendar-day default policy is quiet on 09-28."""
    holiday_campaign.ok("campaign", "add", "CAL", "自然日", "--deadline", "2020-12-31")
    holiday_campaign.ok("problem", "add", "--campaign", "CAL", "--title", "同一问题")
    holiday_campaign.ok("task", "add", "--problem", "P2", "--title", "修复管网",
                        "--deadline", "2020-10-12")  # fmt: skip
    holiday_campaign.ok("assign", "T2", "--unit", "slj", "--person", "韩水")
    holiday_campaign.json("sweep", "--at", "2020-09-28T09:00")
    assert {i["ref"]: i["level"] for i in holiday_campaign.json("list")} == {
        "R1": "blue",
        "R2": "none",
    }


def test_a_year_without_a_published_schedule_assumes_monday_to_friday(
    holiday_campaign: Rectify,
) -> None:
    holiday_campaign.ok("campaign", "add", "Y27", "2027年整改", "--deadline", "2027-12-31",
                        "--policy", "working-days")  # fmt: skip
    holiday_campaign.ok("problem", "add", "--campaign", "Y27", "--title", "新问题")
    # Friday 2027-01-08: from Monday 01-04 that is 4 working days on, if Mon-Fri is assumed.
    holiday_campaign.ok("task", "add", "--problem", "P2", "--title", "整改",
                        "--deadline", "2027-01-08")  # fmt: skip
    holiday_campaign.ok("assign", "T2", "--unit", "slj", "--person", "韩水")
    report = holiday_campaign.json("sweep", "--at", "2027-01-04T09:00")
    assert report["assumed_monday_to_friday"] == [2027]
    assert holiday_campaign.json("list", "--campaign", "Y27")[0]["level"] == "blue"
    out = holiday_campaign.ok("sweep", "--at", "2027-01-05T09:00")
    assert out.splitlines()[-1] == "No published holiday schedule for 2027: Monday-Friday assumed."
