"""`rectify calendar`: seeding, checking, editing and importing the working-day calendar.

Each test starts from an empty calendar table, whether or not `rectify init` seeds it, so the
counts printed by `calendar seed` are exact.
"""

from __future__ import annotations

from datetime import date

import click
import pytest
from sqlalchemy import create_engine, delete

from cli import main
from tests.conftest import DATA, Rectify
from workflow.calendar import chinese_calendar_entries, chinese_calendar_years
from workflow.db.schema import calendar_days
from workflow.services.calendar_days import WEEKDAYS, years_text

SCHEDULE_2027 = DATA / "calendar" / "2027.csv"
BAD_2027 = DATA / "calendar" / "bad-2027.csv"
CHECK_2027_10_01 = (
    "2027-10-01 (Friday) is a working day: no published schedule for 2027: Monday-Friday assumed.\n"
)


@pytest.fixture
def r(rectify: Rectify) -> Rectify:
    engine = create_engine(rectify.db_url)
    with engine.begin() as conn:
        conn.execute(delete(calendar_days))
    engine.dispose()
    return rectify


def national_day_2020() -> list[dict[str, str]]:
    def row(day: date, kind: str) -> dict[str, str]:
        weekday = WEEKDAYS[day.weekday()]
        return {"day": day.isoformat(), "weekday": weekday, "kind": kind, "name": "国庆节"}

    return [
        row(date(2020, 9, 27), "workday"),
        *(row(date(2020, 10, d), "holiday") for d in range(1, 9)),
        row(date(2020, 10, 10), "workday"),
    ]


def test_seed_2020_national_day_and_mid_autumn(r: Rectify) -> None:
    assert r.ok("calendar", "seed", "--year", "2020") == (
        "Added 36 days from chinese-calendar for 2020.\n"
    )
    for day in range(1, 9):
        when = date(2020, 10, day)
        assert r.ok("calendar", "check", when.isoformat()) == (
            f"{when.isoformat()} ({WEEKDAYS[when.weekday()].title()}) is not a working day: "
            "holiday 国庆节, from chinese-calendar.\n"
        )
    for text in ("2020-09-27", "2020/9/27", "2020年9月27日"):
        assert r.ok("calendar", "check", text) == (
            "2020-09-27 (Sunday) is a working day: "
            "make-up working day 调休 for 国庆节, from chinese-calendar.\n"
        )
    assert r.ok("calendar", "check", "2020-10-10") == (
        "2020-10-10 (Saturday) is a working day: "
        "make-up working day 调休 for 国庆节, from chinese-calendar.\n"
    )
    assert r.ok("calendar", "check", "2020-10-11") == (
        "2020-10-11 (Sunday) is not a working day: weekend.\n"
    )
    assert r.ok("calendar", "check", "2020-10-09") == (
        "2020-10-09 (Friday) is a working day: Monday to Friday.\n"
    )

    rows = r.json("calendar", "list", "--year", "2020")
    assert {row["source"] for row in rows} == {"chinese-calendar"}
    assert len(rows) == 36
    autumn = [
        {k: v for k, v in row.items() if k != "source"}
        for row in rows
        if "2020-09-01" <= row["day"] <= "2020-10-31"
    ]
    assert autumn == national_day_2020()


def test_seed_twice_adds_nothing_the_second_time(r: Rectify) -> None:
    known = chinese_calendar_years()
    total = len(chinese_calendar_entries(known))
    assert r.ok("calendar", "seed") == (
        f"Added {total} days from chinese-calendar for {years_text(known)}.\n"
    )
    before = r.json("calendar", "list")
    assert len(before) == total
    assert r.ok("calendar", "seed") == (
        f"Added 0 days from chinese-calendar for {years_text(known)}.\n"
    )
    assert r.ok("calendar", "seed", "--year", "2020", "--year", "2021") == (
        "Added 0 days from chinese-calendar for 2020-2021.\n"
    )
    assert r.json("calendar", "list") == before


def test_a_manual_edit_survives_a_reseed(r: Rectify) -> None:
    r.ok("calendar", "seed", "--year", "2020")
    # The county keeps working on 10-08 to finish an inspection, and gives 10-09 off instead.
    assert r.ok("calendar", "set", "2020年10月8日", "workday", "--name", "督查补班") == (
        "2020-10-08 (Thursday) is now a working day (督查补班).\n"
    )
    assert r.ok("calendar", "set", "2020/10/9", "休") == ("2020-10-09 (Friday) is now a holiday.\n")
    assert r.ok("calendar", "seed", "--year", "2020") == (
        "Added 0 days from chinese-calendar for 2020.\n"
    )
    rows = {row["day"]: row for row in r.json("calendar", "list", "--year", "2020")}
    assert rows["2020-10-08"] == {
        "day": "2020-10-08",
        "weekday": "thursday",
        "kind": "workday",
        "name": "督查补班",
        "source": "manual",
    }
    assert rows["2020-10-09"]["kind"] == "holiday"
    assert rows["2020-10-09"]["name"] is None
    assert r.ok("calendar", "check", "2020-10-08") == (
        "2020-10-08 (Thursday) is a working day: listed as a working day 督查补班, set by hand.\n"
    )
    assert r.ok("calendar", "check", "2020-10-09") == (
        "2020-10-09 (Friday) is not a working day: holiday, set by hand.\n"
    )


def test_check_of_an_unpublished_year_assumes_monday_to_friday(r: Rectify) -> None:
    r.ok("calendar", "seed", "--year", "2020")
    assert r.ok("calendar", "check", "2027-10-01") == CHECK_2027_10_01
    assert r.ok("calendar", "check", "2027-10-02") == (
        "2027-10-02 (Saturday) is not a working day: weekend; "
        "no published schedule for 2027: Monday-Friday assumed.\n"
    )
    r.lang = "zh"
    assert r.ok("calendar", "list", "--year", "2027") == (
        "日期  星期  类型  名称  来源\n2027 年：没有公布的节假日安排，按周一至周五为工作日计算。\n"
    )
    assert r.ok("calendar", "check", "2027-10-02") == (
        "2027年10月2日（星期六）不是工作日：周末；2027 年没有公布的节假日安排，按周一至周五计算。\n"
    )


def test_import_publishes_2027(r: Rectify) -> None:
    assert r.ok("calendar", "check", "2027-10-01") == CHECK_2027_10_01
    assert r.ok("calendar", "import", str(SCHEDULE_2027)) == (
        f"Imported 20 days from {SCHEDULE_2027}.\n"
    )
    assert r.ok("calendar", "check", "2027-10-01") == (
        "2027-10-01 (Friday) is not a working day: holiday 国庆节, from an imported file.\n"
    )
    assert r.ok("calendar", "check", "2027-09-26") == (
        "2027-09-26 (Sunday) is a working day: "
        "make-up working day 调休 for 国庆节, from an imported file.\n"
    )
    # Days the file does not list follow Monday-Friday, but the year is no longer "assumed".
    assert r.ok("calendar", "check", "2027-10-08") == (
        "2027-10-08 (Friday) is a working day: Monday to Friday.\n"
    )
    rows = r.json("calendar", "list", "--year", "2027")
    assert len(rows) == 20
    assert {row["source"] for row in rows} == {"file"}
    assert rows[0] == {
        "day": "2027-01-01",
        "weekday": "friday",
        "kind": "holiday",
        "name": "元旦",
        "source": "file",
    }
    assert [row["day"] for row in rows if row["kind"] == "workday"] == [
        "2027-02-20",
        "2027-09-26",
        "2027-10-09",
    ]


def test_import_replaces_stored_days_and_a_second_import_changes_nothing(r: Rectify) -> None:
    r.ok("calendar", "set", "2027-10-01", "workday", "--name", "值班")
    r.ok("calendar", "import", str(SCHEDULE_2027))
    once = r.json("calendar", "list", "--year", "2027")
    assert once[12]["day"] == "2027-10-01"
    assert (once[12]["kind"], once[12]["source"]) == ("holiday", "file")
    r.ok("calendar", "import", str(SCHEDULE_2027))
    assert r.json("calendar", "list", "--year", "2027") == once


def test_table_is_aligned_for_chinese(r: Rectify) -> None:
    r.ok("calendar", "import", str(SCHEDULE_2027))
    r.ok("calendar", "set", "2027-12-31", "holiday", "--name", "县庆")
    r.lang = "zh"
    table = r.ok("calendar", "list", "--year", "2027").splitlines()
    assert table[:3] == [
        "日期            星期    类型      名称    来源",
        "2027年1月1日    星期五  放假      元旦    文件导入",
        "2027年1月2日    星期六  放假      元旦    文件导入",
    ]
    assert table[-4:] == [
        "2027年10月7日   星期四  放假      国庆节  文件导入",
        "2027年10月9日   星期六  调休上班  国庆节  文件导入",
        "2027年12月31日  星期五  放假      县庆    手工设置",
        "2027 年：已列出放假 18 天、调休上班 3 天。",
    ]
    english = r.ok("--lang", "en", "calendar", "list", "--year", "2027").splitlines()
    assert english[0] == "day         weekday    kind         name    source"
    assert english[-2] == "2027-12-31  Friday     holiday      县庆    manual"
    assert r.ok("calendar", "list", "--year", "2027", "--format", "csv").splitlines()[:2] == [
        "day,weekday,kind,name,source",
        "2027-01-01,friday,holiday,元旦,file",
    ]


def test_a_bad_file_lists_every_error_and_changes_nothing(r: Rectify) -> None:
    r.ok("calendar", "seed", "--year", "2020")
    r.ok("calendar", "set", "2027-05-01", "holiday", "--name", "劳动节")
    before = r.json("calendar", "list")
    f = str(BAD_2027)
    assert r.fails("calendar", "import", f) == (
        f"Error: {f}: 5 errors, nothing imported: "
        f"{f}:3: date '2027-13-01' does not exist (month must be in 1..12); "
        f"{f}:4: date '2027-02-30' does not exist (day is out of range for month); "
        f"{f}:5: kind 'day off' is not one of holiday, workday, 休, 班; "
        f"{f}:6: expected 'date,kind,name' (2 or 3 fields), found 1: '2027-10-02'; "
        f"{f}:7: 2027-01-01 is already listed on line 2"
    )
    assert r.json("calendar", "list") == before


def test_unset(r: Rectify) -> None:
    r.ok("calendar", "seed", "--year", "2020")
    assert r.ok("calendar", "unset", "2020-10-08") == (
        "2020-10-08 (Thursday) follows Monday-Friday again: a working day.\n"
    )
    assert r.ok("calendar", "check", "2020-10-08") == (
        "2020-10-08 (Thursday) is a working day: Monday to Friday.\n"
    )
    assert len(r.json("calendar", "list", "--year", "2020")) == 35
    assert r.fails("calendar", "unset", "2020-10-08") == (
        "Error: no calendar entry for 2020-10-08; it already follows Monday-Friday"
    )

    r.ok("calendar", "set", "2027-10-02", "holiday", "--name", "国庆节")
    assert r.ok("calendar", "unset", "2027年10月2日") == (
        "2027-10-02 (Saturday) follows Monday-Friday again: not a working day.\n"
    )
    # The year's last row is gone, so 2027 is unpublished again.
    assert r.ok("calendar", "check", "2027-10-01") == CHECK_2027_10_01


def test_refusals(r: Rectify) -> None:
    assert r.fails("calendar", "check", "2020-02-30") == (
        "Error: DATE '2020-02-30': '2020-02-30' is not a date (day is out of range for month)"
    )
    assert r.fails("calendar", "seed", "--year", "2020", "--year", "2099") == (
        "Error: chinese-calendar has no schedule for 2099 "
        f"(it knows {years_text(chinese_calendar_years())}); "
        "import the published schedule with `rectify calendar import FILE`"
    )
    assert r.json("calendar", "list") == []
    long_name = "长" * 51
    assert r.fails("calendar", "set", "2027-10-01", "holiday", "--name", long_name) == (
        f"Error: name '{long_name}' is longer than 50 characters"
    )
    assert r.run("calendar", "set", "2027-10-01", "off").exit_code == 2


def test_every_calendar_command_and_option_has_help() -> None:
    group = main.commands["calendar"]
    assert isinstance(group, click.Group)
    assert group.help
    assert sorted(group.commands) == ["check", "import", "list", "seed", "set", "unset"]
    for name, command in group.commands.items():
        assert command.help, name
        for param in command.params:
            if isinstance(param, click.Option):
                assert param.help, f"calendar {name} {param.opts[0]}"


def test_dates_in_every_accepted_spelling(r: Rectify) -> None:
    r.ok("calendar", "import", str(SCHEDULE_2027))
    expected = r.ok("calendar", "check", "2027-02-20")
    for text in ("2027/2/20", "2027年2月20日", "２０２７／２／２０", " 2027-2-20 "):
        assert r.ok("calendar", "check", text) == expected
