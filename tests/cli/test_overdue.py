"""`rectify overdue`: open items past their deadline day, most days overdue first.

The county's campaign TP counts calendar days (the default policy). At 2020-10-01 09:00:
R1 (due 09-20) is 11 days overdue, R2 and R3 (due 09-25) 6, R4 (due 09-30) 1; R5 is standing,
R6 was extended to 10-20, R7 (due 09-15) is fixed and waits for its acceptance check.
"""

from __future__ import annotations

import pytest

from tests.conftest import Rectify

AT = "2020-10-01T09:00"


@pytest.fixture
def late(county: Rectify) -> Rectify:
    county.ok("problem", "add", "--campaign", "TP", "--title", "农村饮水安全不达标")
    for title, deadline in [
        ("加装除氟设备", "2020-09-20"),
        ("开展水质抽样监测", "2020-09-25"),
        ("更换老旧管网", "2020-09-25"),
        ("公布水质检测结果", "2020-09-30"),
        ("落实巡查制度", "长期坚持"),
        ("清理水源地垃圾", "2020-09-10"),
        ("建立水质档案", "2020-09-15"),
    ]:
        county.ok("task", "add", "--problem", "P1", "--title", title, "--deadline", deadline)
    for task, unit, person in [
        ("T1", "slj", "韩水"),
        ("T2", "wjw", "鲁检"),
        ("T3", "slj", "韩水"),
        ("T4", "slj", "韩水"),
        ("T5", "slj", "韩水"),
        ("T6", "czj", "蒋财"),
        ("T7", "wjw", "鲁检"),
    ]:
        county.ok("assign", task, "--unit", unit, "--person", person)
    county.ok("extend", "R6", "--to", "2020-10-20", "--reason", "资金未到位",
              actor="蒋财", now="2020-09-05T10:00")  # fmt: skip
    county.ok("extension", "approve", "R6", now="2020-09-05T11:00")
    county.ok("fix", "R7", "--note", "档案已建立", actor="鲁检", now="2020-09-30T10:00")
    county.ok("sweep", "--at", AT)
    county.now = AT
    return county


def days(rows: list[dict[str, object]]) -> list[tuple[object, object]]:
    return [(row["ref"], row["days_overdue"]) for row in rows]


def test_most_days_overdue_first_then_by_ref(late: Rectify) -> None:
    # Extended (R6), standing (R5) and fixed (R7) items are not overdue.
    assert days(late.json("overdue")) == [("R1", 11), ("R2", 6), ("R3", 6), ("R4", 1)]


def test_the_deadline_day_itself_is_not_overdue(late: Rectify) -> None:
    # 2020-09-30T16:30Z is 10-01 00:30 in Asia/Shanghai: R4 (due 09-30) has just become overdue.
    assert days(late.json("overdue", now="2020-09-30T23:59")) == [
        ("R1", 10),
        ("R2", 5),
        ("R3", 5),
    ]


def test_an_extended_item_is_overdue_once_its_new_deadline_passes(late: Rectify) -> None:
    rows = late.json("overdue", "--unit", "czj", now="2020-10-22T09:00")
    assert days(rows) == [("R6", 2)]
    assert (rows[0]["deadline"], rows[0]["original_deadline"], rows[0]["extensions"]) == (
        "2020-10-20",
        "2020-09-10",
        1,
    )


def test_a_fixed_item_shows_only_with_include_fixed(late: Rectify) -> None:
    rows = late.json("overdue", "--include-fixed")
    assert days(rows) == [("R7", 16), ("R1", 11), ("R2", 6), ("R3", 6), ("R4", 1)]
    assert [(r["ref"], r["state"], r["level"]) for r in rows[:2]] == [
        ("R7", "fixed", "none"),
        ("R1", "assigned", "red"),
    ]


def test_a_standing_item_is_never_overdue(late: Rectify) -> None:
    rows = late.json("overdue", "--include-fixed", now="2021-06-30T09:00")
    assert "R5" not in [r["ref"] for r in rows]
    assert "R5" in [r["ref"] for r in late.json("list", "--unit", "slj")]


def test_filters(late: Rectify) -> None:
    assert days(late.json("overdue", "--unit", "slj")) == [("R1", 11), ("R3", 6), ("R4", 1)]
    assert days(late.json("overdue", "--unit", "卫健委")) == [("R2", 6)]
    assert days(late.json("overdue", "--person", "鲁检", "--include-fixed")) == [
        ("R7", 16),
        ("R2", 6),
    ]
    assert days(late.json("overdue", "--campaign", "TP", "--level", "red")) == days(
        late.json("overdue")
    )
    assert late.json("overdue", "--level", "yellow") == []
    # A second campaign's items stay out of TP's list.
    late.ok("campaign", "add", "HB", "环保整改", "--deadline", "2020-12-31")
    late.ok("problem", "add", "--campaign", "HB", "--title", "河道垃圾", now="2020-09-01T09:00")
    late.ok("task", "add", "--problem", "P2", "--title", "清理河道", "--deadline", "2020-09-29",
            now="2020-09-01T09:00")  # fmt: skip
    assert late.ok("assign", "T8", "--unit", "slj", "--person", "韩水") == "R8\n"
    assert days(late.json("overdue", "--campaign", "HB")) == [("R8", 2)]
    assert days(late.json("overdue", "--campaign", "TP", "--unit", "slj")) == [
        ("R1", 11),
        ("R3", 6),
        ("R4", 1),
    ]


def test_json_fields(late: Rectify) -> None:
    first = late.json("overdue")[0]
    assert first == {
        "ref": "R1",
        "title": "加装除氟设备",
        "task": "T1",
        "problem": "P1",
        "campaign": "TP",
        "unit": "水利局",
        "person": "韩水",
        "role": "lead",
        "deadline": "2020-09-20",
        "deadline_kind": "date",
        "original_deadline": "2020-09-20",
        "extensions": 0,
        "days_overdue": 11,
        "level": "red",
        "state": "assigned",
    }


def test_csv_has_a_header_and_one_line_per_item(late: Rectify) -> None:
    lines = late.ok("overdue", "--format", "csv", "--unit", "slj").splitlines()
    assert lines[0].split(",")[:3] == ["ref", "title", "task"]
    assert [line.split(",")[0] for line in lines[1:]] == ["R1", "R3", "R4"]


def test_table_in_chinese(late: Rectify) -> None:
    late.lang = "zh"
    lines = late.ok("overdue", "--unit", "wjw").splitlines()
    assert lines[0].split() == [
        "编号", "标题", "责任单位", "责任人", "整改时限", "逾期天数", "延期次数", "预警", "状态",
    ]  # fmt: skip
    assert lines[1].split() == [
        "R2", "开展水质抽样监测", "卫健委", "鲁检", "2020年9月25日", "6", "0", "红色预警", "已交办",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (("--unit", "gaj"), "Error: no unit 'gaj' (give its code or its name)"),
        (("--campaign", "XX"), "Error: no campaign 'XX'"),
    ],
)
def test_unknown_names_are_refused(late: Rectify, args: tuple[str, ...], error: str) -> None:
    assert late.fails("overdue", *args, "--format", "json") == error


def test_unknown_person_is_refused(late: Rectify) -> None:
    assert late.fails("overdue", "--person", "张三").startswith("Error: ")


# --- working days: the 2020 National Day / Mid-Autumn holiday (10-01..08 off, 09-27 and 10-10
# worked), as in test_working_days ---


@pytest.fixture
def holiday(rectify: Rectify) -> Rectify:
    rectify.ok("unit", "add", "slj", "水利局")
    rectify.ok("person", "add", "韩水", "--unit", "slj", "--head")
    rectify.ok("campaign", "add", "GQ", "国庆整改", "--deadline", "2020-12-31",
               "--policy", "working-days")  # fmt: skip
    rectify.ok("campaign", "add", "CAL", "自然日", "--deadline", "2020-12-31")
    rectify.ok("problem", "add", "--campaign", "GQ", "--title", "供水不稳定")
    rectify.ok("problem", "add", "--campaign", "CAL", "--title", "同一问题")
    for problem, deadline in [
        ("P1", "2020-10-01"),  # National Day itself
        ("P1", "2020-09-28"),  # Monday
        ("P2", "2020-10-05"),  # in the holiday, counted in calendar days
        ("P1", "2020-09-30"),  # Wednesday, the last working day before the holiday
    ]:
        rectify.ok("task", "add", "--problem", problem, "--title", "修复管网",
                   "--deadline", deadline)  # fmt: skip
    for task in ("T1", "T2", "T3", "T4"):
        rectify.ok("assign", task, "--unit", "slj", "--person", "韩水")
    return rectify


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        # In the holiday no working day has passed since 09-30 or 10-01: 1 overdue, the
        # minimum (R1 before R4 by ref, though R4's deadline is earlier); 09-29 and 09-30 have
        # passed since 09-28. R3 is due today: not overdue.
        ("2020-10-05T09:00", [("R2", 2), ("R1", 1), ("R4", 1)]),
        # Fri 10-09, the first working day after the holiday; R3 is 4 calendar days past
        # 10-05 and comes first.
        ("2020-10-09T09:00", [("R3", 4), ("R2", 3), ("R1", 1), ("R4", 1)]),
        # Mon 10-12: 10-09, Saturday 10-10 (调休) and 10-12 after 09-30.
        ("2020-10-12T09:00", [("R3", 7), ("R2", 5), ("R1", 3), ("R4", 3)]),
    ],
)
def test_working_days_over_the_national_day_holiday(
    holiday: Rectify, at: str, expected: list[tuple[str, int]]
) -> None:
    assert days(holiday.json("overdue", now=at)) == expected


def test_working_days_alone_for_one_campaign(holiday: Rectify) -> None:
    assert days(holiday.json("overdue", "--campaign", "GQ", now="2020-10-12T09:00")) == [
        ("R2", 5),
        ("R1", 3),
        ("R4", 3),
    ]
