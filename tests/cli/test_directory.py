"""The directory through the CLI: units, people and campaigns listed, shown, changed, moved
and retired; the change log shown by `history`; handover of a leaving person's items."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from wcwidth import wcswidth

from tests.conftest import Rectify

# R1, R2 belong to 陈干 of 城关镇 (cgz), R3 to 秦书 (its head); 王书记 leads TP;
# 李督查 is the only office person; 韩水 heads 水利局 (slj).


@pytest.fixture
def items(county: Rectify) -> Rectify:
    county.ok("problem", "add", "--campaign", "TP", "--title", "安全住房未鉴定")
    county.ok(
        "task", "add", "--problem", "P1", "--title", "开展危房鉴定", "--deadline", "2020-10-31"
    )
    county.ok("assign", "T1", "--unit", "cgz", "--person", "陈干")
    county.ok("assign", "T1", "--unit", "cgz", "--person", "陈干", "--deadline", "2020-09-20")
    county.ok("assign", "T1", "--unit", "cgz", "--person", "秦书", "--deadline", "2020-09-25")
    return county


def snapshot(r: Rectify) -> dict[str, Any]:
    """Everything a directory command could change, as the read commands show it."""
    return {
        "units": r.json("unit", "list", "--all"),
        "people": r.json("person", "list", "--all"),
        "campaigns": r.json("campaign", "list"),
        "items": r.json("list"),
        "notices": r.json("notices"),
        "history": {
            name: r.json("history", name, "--kind", kind)
            for name, kind in [("cgz", "unit"), ("陈干", "person"), ("TP", "campaign")]
        },
    }


def refused(r: Rectify, *args: str, actor: str | None = None) -> str:
    before = snapshot(r)
    line = r.fails(*args, actor=actor)
    assert snapshot(r) == before
    return line


# --- reading ------------------------------------------------------------------------------------


def test_unit_list_as_json_csv_and_table(items: Rectify) -> None:
    units = {u["code"]: u for u in items.json("unit", "list")}
    assert units["cgz"] == {
        "code": "cgz", "name": "城关镇", "group": "乡镇", "head": "秦书", "email": None,
        "phone": None, "people": 2, "open": 3, "active": True,
    }  # fmt: skip
    assert list(units) == ["dcs", "xw", "slj", "wjw", "czj", "fpb", "mzj", "sjj", "cgz", "hqx"]

    rows = list(csv.DictReader(io.StringIO(items.ok("unit", "list", "--format", "csv"))))
    assert rows[8]["code"] == "cgz" and rows[8]["open"] == "3"
    assert [r["code"] for r in items.json("unit", "list", "--group", "乡镇")] == ["cgz", "hqx"]

    items.lang = "zh"
    table = items.ok("unit", "list")
    header, *lines = table.splitlines()
    assert header.split() == [
        "代码",
        "名称",
        "分组",
        "负责人",
        "邮箱",
        "电话",
        "在岗人数",
        "未销号",
    ]
    assert any(line.split() == ["cgz", "城关镇", "乡镇", "秦书", "2", "3"] for line in lines)
    assert_aligned(table)


def assert_aligned(table: str) -> None:
    """Each column starts at the same terminal column on every line (a Chinese
    character is two columns wide)."""
    lines = table.rstrip("\n").splitlines()
    header = lines[0]
    starts, width = [], 0
    for index, char in enumerate(header):
        if char != " " and index and header[index - 1] == " ":
            starts.append(width)
        width += wcswidth(char)
    for line in lines[1:]:
        width, at = 0, {}
        for index, char in enumerate(line):
            at[width] = index
            width += wcswidth(char)
        for start in starts:
            if start in at and at[start] > 0:
                # a column begins here: what is before it is padding
                assert line[at[start] - 1] == " ", (line, start)
            else:
                assert start >= width or start not in at, (line, start)


def test_person_list_and_show(items: Rectify) -> None:
    people = {p["name"]: p for p in items.json("person", "list")}
    assert people["陈干"] == {
        "name": "陈干", "unit": "城关镇", "unit_code": "cgz", "role": "unit", "head": False,
        "email": None, "phone": None, "login": None, "open": 2, "active": True,
    }  # fmt: skip
    assert people["李督查"]["role"] == "office" and people["王书记"]["role"] == "leader"
    assert [p["name"] for p in items.json("person", "list", "--unit", "城关镇")] == ["秦书", "陈干"]
    assert [p["name"] for p in items.json("person", "list", "--role", "leader")] == ["王书记"]

    (shown,) = items.json("person", "show", "陈干")
    assert [i["ref"] for i in shown["items"]] == ["R1", "R2"]
    assert shown["items"][1]["deadline"] == "2020-09-20"

    items.lang = "zh"
    table = items.ok("person", "show", "陈干")
    assert "姓名        陈干" in table and "角色        单位人员" in table
    assert "R2    开展危房鉴定  已交办" in table
    items.lang = "en"
    assert "role       unit staff" in items.ok("person", "show", "陈干")


def test_unit_and_campaign_show(items: Rectify) -> None:
    (unit,) = items.json("unit", "show", "城关镇")
    assert unit["code"] == "cgz" and [p["name"] for p in unit["people"]] == ["秦书", "陈干"]
    (campaign,) = items.json("campaign", "show", "TP")
    assert campaign | {"created_at": None} == {
        "code": "TP", "name": "脱贫攻坚问题整改", "deadline": "2020-11-30", "policy": "default",
        "leader": "王书记", "items": 3, "open": 3, "created_at": None, "problems": 1, "tasks": 1,
    }  # fmt: skip
    assert items.json("campaign", "list") == [
        {"code": "TP", "name": "脱贫攻坚问题整改", "deadline": "2020-11-30",
         "policy": "default", "leader": "王书记", "items": 3, "open": 3}
    ]  # fmt: skip
    items.lang = "zh"
    table = items.ok("campaign", "list")
    assert table.splitlines()[0].split() == [
        "代码", "名称", "底线", "预警规则", "牵头领导", "责任事项", "未销号",
    ]  # fmt: skip
    assert "2020年11月30日" in table
    assert_aligned(table)
    assert "底线      2020年11月30日" in items.ok("campaign", "show", "TP")


def test_read_commands_are_open_to_any_registered_person(items: Rectify) -> None:
    assert items.json("unit", "list", actor="陈干")
    assert items.json("person", "show", "秦书", actor="陈干")
    assert "not a registered person" in items.fails("unit", "list", actor="张三")


# --- changing -----------------------------------------------------------------------------------


def test_unit_set_is_recorded_field_by_field(items: Rectify) -> None:
    out = items.ok("unit", "set", "cgz", "--name", "城关镇人民政府", "--email", "cgz@gov.test",
                   "--group", "")  # fmt: skip
    assert out == "Changed unit cgz: name, email, group.\n"
    (unit,) = items.json("unit", "show", "cgz")
    assert (unit["name"], unit["email"], unit["group"]) == ("城关镇人民政府", "cgz@gov.test", None)
    assert items.json("list")[0]["unit"] == "城关镇人民政府"

    rows = items.json("history", "cgz")
    assert [(r["field"], r["old"], r["new"], r["actor"]) for r in rows] == [
        ("name", "城关镇", "城关镇人民政府", "李督查"),
        ("email", None, "cgz@gov.test", "李督查"),
        ("group", "乡镇", None, "李督查"),
    ]
    assert rows[0]["at"] == "2020-09-01T01:00:00+00:00"
    out = items.ok("unit", "set", "cgz", "--email", "cgz@gov.test")
    assert out == "Nothing changed for unit cgz: the values given are the ones it has.\n"
    assert len(items.json("history", "cgz")) == 3

    items.lang = "zh"
    assert items.ok("unit", "set", "cgz", "--phone", "0471-1234567") == "已修改 单位 cgz：电话。\n"
    table = items.ok("history", "城关镇人民政府")
    assert table.splitlines()[0].split() == ["时间", "操作人", "项目", "原值", "新值", "说明"]
    assert "李督查  名称  城关镇  城关镇人民政府" in table


def test_person_set_name_contacts_head_role_and_login(items: Rectify) -> None:
    items.ok("person", "set", "秦书", "--no-head")
    out = items.ok("person", "set", "陈干", "--name", "陈干部", "--email", "cg@gov.test",
                   "--phone", "13900000001", "--head", "--role", "leader",
                   "--login", "chengan")  # fmt: skip
    assert out == "Changed 陈干部: name, email, phone, head, role, login.\n"
    (person,) = items.json("person", "show", "陈干部")
    assert (person["head"], person["role"], person["login"]) == (True, "leader", "chengan")
    assert items.json("list")[0]["person"] == "陈干部"
    rows = items.json("history", "陈干部", "--kind", "person")
    assert [(r["field"], r["old"], r["new"]) for r in rows] == [
        ("name", "陈干", "陈干部"),
        ("email", None, "cg@gov.test"),
        ("phone", None, "13900000001"),
        ("head", "false", "true"),
        ("role", "unit", "leader"),
        ("login", None, "chengan"),
    ]
    items.ok("person", "set", "陈干部", "--login", "")
    assert items.json("person", "show", "陈干部")[0]["login"] is None
    items.lang = "zh"
    table = items.ok("history", "陈干部")
    assert "角色        单位人员  县领导" in table
    assert "单位负责人  否        是" in table


def test_campaign_set_name_bottom_line_leader_and_policy(items: Rectify) -> None:
    out = items.ok("campaign", "set", "TP", "--name", "脱贫攻坚反馈问题整改", "--deadline",
                   "2020年12月31日", "--leader", "韩水", "--policy", "working-days")  # fmt: skip
    assert out == "Changed campaign TP: name, deadline, leader, policy.\n"
    (campaign,) = items.json("campaign", "show", "TP")
    assert (campaign["deadline"], campaign["leader"], campaign["policy"]) == (
        "2020-12-31",
        "韩水",
        "working-days",
    )
    # earlier again, but not before any open item's deadline (R1 is due 2020-10-31)
    items.ok("campaign", "set", "TP", "--deadline", "2020-10-31")
    rows = items.json("history", "TP")
    assert [(r["field"], r["old"], r["new"]) for r in rows] == [
        ("name", "脱贫攻坚问题整改", "脱贫攻坚反馈问题整改"),
        ("deadline", "2020-11-30", "2020-12-31"),
        ("leader", "王书记", "韩水"),
        ("policy", "default", "working-days"),
        ("deadline", "2020-12-31", "2020-10-31"),
    ]


def test_a_bottom_line_before_open_deadlines_is_refused_naming_them(items: Rectify) -> None:
    line = refused(items, "campaign", "set", "TP", "--deadline", "2020-09-21")
    assert line == (
        "Error: campaign TP's bottom line cannot move to 2020-09-21: R1, R3, T1 not closed are "
        "due later (the latest on 2020-10-31); move their deadlines first"
    )
    for _ in range(4, 9):  # more than five: the first five and a count
        items.ok("assign", "T1", "--unit", "cgz", "--person", "陈干")
    line = refused(items, "campaign", "set", "TP", "--deadline", "2020-09-01")
    assert "R1, R2, R3, R4, R5 and 4 more (9 in all) not closed" in line
    items.lang = "zh"
    line = refused(items, "campaign", "set", "TP", "--deadline", "2020-09-01")
    assert line == (
        "Error: 专项 TP 的底线不能提前到 2020年9月1日：未销号的 R1、R2、R3、R4、R5 等共 9 项"
        "整改时限更晚（最晚 2020年10月31日），请先调整这些时限"
    )


REFUSALS = [
    (["unit", "set", "xw", "--name", "水利局"],
     "Error: unit slj (水利局) already uses '水利局' as its code or name"),
    (["unit", "set", "xw", "--name", "slj"],
     "Error: unit slj (水利局) already uses 'slj' as its code or name"),
    (["unit", "set", "nosuch", "--phone", "0471-1"],
     "Error: no unit 'nosuch' (give its code or its name)"),
    (["unit", "set", "xw"], "Error: nothing to change: give --name, --email, --phone or --group"),
    (["unit", "set", "xw", "--email", "not-mail"], "Error: 'not-mail' is not an email address"),
    (["unit", "set", "xw", "--name", "县委\u200b办"],
     "Error: unit name '县委\\u200b办' contains invisible or control characters (U+200B); "
     "type it again"),
    (["unit", "retire", "cgz"],
     "Error: unit cgz still has items not closed (R1, R2, R3); they must be closed before the "
     "unit retires"),
    (["unit", "retire", "dcs"],
     "Error: 李督查 is the last office person in post; register another with `rectify person "
     "add NAME --unit UNIT --role office` first"),
    (["person", "set", "陈干", "--head"], "Error: unit cgz already has a head: 秦书"),
    (["person", "set", "陈干", "--name", "秦书"], "Error: 秦书 is already a person of unit cgz"),
    (["person", "set", "陈干", "--login", "hanshui"],
     "Error: login 'hanshui' is already someone else's"),
    (["person", "set", "李督查", "--role", "unit"],
     "Error: 李督查 is the last office person in post; register another with `rectify person "
     "add NAME --unit UNIT --role office` first"),
    (["person", "retire", "李督查"],
     "Error: 李督查 is the last office person in post; register another with `rectify person "
     "add NAME --unit UNIT --role office` first"),
    (["person", "retire", "王书记"],
     "Error: 王书记 leads campaign TP, which has items not closed; give it another leader first "
     "(rectify campaign set TP --leader NAME)"),
    (["person", "retire", "陈干"],
     "Error: 陈干 still has items not closed (R1, R2); name the colleague of unit cgz who takes "
     "them over with --handover NAME before 陈干 retires"),
    (["person", "retire", "陈干", "--handover", "韩水"],
     "Error: 韩水 is not a person of unit cgz; items stay with their unit, so a colleague of cgz "
     "takes them over"),
    (["person", "retire", "陈干", "--handover", "陈干"],
     "Error: 陈干 cannot hand over to themselves"),
    (["person", "retire", "陈干", "--handover", "张三"],
     "Error: no person '张三'; add them with `rectify person add`"),
    (["person", "move", "陈干", "--unit", "hqx"],
     "Error: 陈干 still has items not closed (R1, R2); name the colleague of unit cgz who takes "
     "them over with --handover NAME before 陈干 moves to another unit"),
    (["person", "move", "陈干", "--unit", "cgz"], "Error: 陈干 is already a person of unit cgz"),
    (["campaign", "set", "TP", "--policy", "nosuch"],
     "Error: no escalation policy 'nosuch'; known: default, working-days"),
    (["campaign", "set", "TP", "--leader", "张三"],
     "Error: no person '张三'; add them with `rectify person add`"),
    (["campaign", "set", "NOPE", "--name", "x"], "Error: no campaign 'NOPE'"),
    (["campaign", "set", "TP", "--name", "  "], "Error: campaign name is empty"),
    (["history", "nobody"], "Error: no ref, campaign, unit or person 'nobody'"),
    (["list", "--person", "张三"], "Error: no person '张三'; add them with `rectify person add`"),
]  # fmt: skip


@pytest.mark.parametrize(("args", "expected"), REFUSALS)
def test_refusals_change_nothing(items: Rectify, args: list[str], expected: str) -> None:
    items.ok("person", "set", "韩水", "--login", "hanshui")
    assert refused(items, *args) == expected


@pytest.mark.parametrize(
    "args",
    [
        ["unit", "set", "slj", "--phone", "0471-7654321"],
        ["unit", "retire", "hqx"],
        ["person", "set", "韩水", "--email", "hs@gov.test"],
        ["person", "retire", "何乡"],
        ["person", "move", "何乡", "--unit", "slj"],
        ["campaign", "set", "TP", "--name", "新名称"],
    ],
)
def test_changes_are_for_office_staff(items: Rectify, args: list[str]) -> None:
    line = refused(items, *args, actor="韩水")
    assert line.startswith("Error: 韩水 may not ") and line.endswith(
        "that is for office staff (督查室)"
    )
    assert refused(items, *args, actor="王书记").startswith("Error: 王书记 may not ")


def test_messages_are_chinese_by_default(items: Rectify) -> None:
    items.lang = None
    assert refused(items, "person", "retire", "陈干") == (
        "Error: 陈干 还有未销号的事项（R1、R2）；请用 --handover 姓名 指定单位 cgz 接手的同事，"
        "再办理离岗"
    )
    assert refused(items, "unit", "set", "nosuch", "--group", "乡镇") == (
        "Error: 没有单位 'nosuch'（请写单位代码或名称）"
    )
    assert items.ok("person", "retire", "何乡") == "已办理 何乡 离岗。\n"


# --- retiring and moving ------------------------------------------------------------------------


def test_retire_with_handover_moves_the_items_audits_and_notifies(items: Rectify) -> None:
    items.ok("person", "set", "陈干", "--email", "cg@gov.test")
    items.ok("person", "set", "秦书", "--email", "qs@gov.test", "--phone", "13800000002")
    items.ok("fix", "R2", "--note", "已鉴定", actor="陈干")  # fixed, awaiting acceptance
    items.ok("problem", "add", "--campaign", "TP", "--title", "已整改问题")
    items.ok("task", "add", "--problem", "P2", "--title", "已完成任务", "--deadline", "2020-10-01")
    items.ok("assign", "T2", "--unit", "cgz", "--person", "陈干")  # R4, closed below
    items.ok("fix", "R4", "--note", "完成", actor="陈干")
    items.ok("accept", "R4")
    queued_for_chen = [n for n in items.json("notices") if n["recipient"] == "陈干"]
    assert {n["status"] for n in queued_for_chen} == {"pending"}

    out = items.ok("person", "retire", "陈干", "--handover", "秦书")
    assert out == "Retired 陈干.\nHanded over 2 items to 秦书: R1, R2.\n"

    listed = {row["ref"]: row for row in items.json("list")}
    assert {ref: row["person"] for ref, row in listed.items()} == {
        "R1": "秦书", "R2": "秦书", "R3": "秦书", "R4": "陈干",
    }  # fmt: skip
    assert (listed["R1"]["state"], listed["R2"]["state"]) == ("assigned", "fixed")
    handover = items.json("history", "R2")[-1]
    assert (handover["trigger"], handover["from"], handover["to"], handover["note"]) == (
        "handover", "fixed", "fixed", "陈干 -> 秦书",
    )  # fmt: skip
    assert handover["actor"] == "李督查"
    assert "handover" not in [h["trigger"] for h in items.json("history", "R4")]

    notices = items.json("notices")
    new = sorted(
        (n["channel"], n["ref"], n["recipient"]) for n in notices if n["event"] == "handover"
    )
    assert new == [
        ("email", "R1", "秦书"), ("email", "R2", "秦书"),
        ("sms", "R1", "秦书"), ("sms", "R2", "秦书"),
    ]  # fmt: skip
    # what still waited for 陈干 is not sent to someone who has left
    assert {n["status"] for n in notices if n["recipient"] == "陈干"} == {"skipped"}

    (person,) = items.json("person", "show", "陈干")
    assert (person["active"], person["items"]) == (False, [])
    assert "陈干" not in [p["name"] for p in items.json("person", "list")]
    assert "陈干" in [p["name"] for p in items.json("person", "list", "--all")]
    change = items.json("history", "陈干")[-1]
    assert (change["field"], change["old"], change["new"]) == ("active", "true", "false")
    assert change["note"] == "person retire --handover 秦书: R1, R2"

    # a closed item of theirs that comes back (反弹) warns the unit and leader, not them
    items.ok("reopen", "R4", "--reason", "回访发现反弹")
    before = len(items.json("notices"))
    items.ok("sweep", "--at", "2020-10-03T09:00")
    later = items.json("notices")[before:]
    assert later, "the sweep queued warnings"
    assert "陈干" not in {n["recipient"] for n in later}
    assert {n["recipient"] for n in later if n["ref"] == "R4"} <= {"城关镇", "王书记"}


def test_a_retired_person_and_unit_take_no_new_items(items: Rectify, tmp_path: Path) -> None:
    items.ok("person", "retire", "何乡")
    line = refused(items, "assign", "T1", "--unit", "hqx", "--person", "何乡")
    assert line == "Error: 何乡 is retired and takes no new items"
    ledger = tmp_path / "台账.csv"
    ledger.write_text(
        "序号,问题描述,整改措施,责任单位,责任人,整改时限\n"
        "1,档案不全,补齐档案,红旗乡,何乡,2020-10-01\n",
        encoding="utf-8",
    )
    assert refused(items, "import", str(ledger), "--campaign", "TP") == (
        "Error: 台账.csv: 1 error, nothing imported: row 2, 责任人: 何乡 is retired and takes "
        "no new items"
    )
    assert "retired and may no longer act" in items.fails("unit", "list", actor="何乡")

    items.ok("person", "add", "小何", "--unit", "hqx")
    assert items.ok("unit", "retire", "红旗乡") == (
        "Retired unit hqx; 1 people in post retired with it.\n"
    )
    assert refused(items, "assign", "T1", "--unit", "hqx", "--person", "小何") == (
        "Error: unit hqx is retired and takes no new items"
    )
    assert refused(items, "person", "add", "小王", "--unit", "hqx") == (
        "Error: unit hqx is retired and takes no new items"
    )
    assert "hqx" not in [u["code"] for u in items.json("unit", "list")]
    assert [u["active"] for u in items.json("unit", "list", "--all") if u["code"] == "hqx"] == [
        False
    ]
    assert refused(items, "unit", "set", "hqx", "--phone", "0471-1111111") == (
        "Error: unit hqx is retired; it cannot be changed"
    )
    assert [(r["field"], r["new"]) for r in items.json("history", "hqx")] == [("active", "false")]
    assert items.json("history", "小何")[0]["note"] == "unit retire hqx"
    items.lang = "zh"
    table = items.ok("person", "list", "--all", "--unit", "hqx")
    assert table.splitlines()[0].split()[-1] == "状态"
    assert "已离岗" in table


def test_move_with_handover_keeps_the_items_in_the_old_unit(items: Rectify) -> None:
    out = items.ok("person", "move", "秦书", "--unit", "红旗乡", "--handover", "陈干")
    assert out == "Moved 秦书 to 红旗乡.\nHanded over 1 item to 陈干: R3.\n"
    (person,) = items.json("person", "show", "秦书")
    assert (person["unit_code"], person["head"], person["active"]) == ("hqx", False, True)
    assert items.json("show", "R3")[0]["person"] == "陈干"
    assert items.json("show", "R3")[0]["unit"] == "城关镇"
    rows = items.json("history", "秦书")
    assert [(r["field"], r["old"], r["new"]) for r in rows] == [
        ("unit", "cgz", "hqx"),
        ("head", "true", "false"),
    ]
    # the old unit has no head now: another may be named
    items.ok("person", "set", "陈干", "--head")
    # someone with nothing open moves freely
    assert items.ok("person", "move", "韩水", "--unit", "wjw") == "Moved 韩水 to wjw.\n"


# --- history and list --person --------------------------------------------------------------------


def test_history_tells_refs_units_people_and_campaigns_apart(items: Rectify) -> None:
    assert items.json("history", "r1")[0]["trigger"] == "create"
    items.ok("unit", "add", "T9", "某单位")  # a unit code that looks like a ref
    items.ok("unit", "set", "T9", "--phone", "0471-2222222")
    assert items.json("history", "T9")[0]["field"] == "phone"  # no task T9: the unit
    items.ok("person", "add", "slj", "--unit", "wjw")  # a person named like a unit code
    line = refused(items, "history", "slj")
    assert line == "Error: 'slj' names a unit, a person; say which with --kind unit|person"
    assert items.json("history", "slj", "--kind", "person") == []
    items.ok("unit", "set", "slj", "--phone", "0471-3333333")
    assert len(items.json("history", "slj", "--kind", "unit")) == 1
    assert items.fails("history", "R99") == "Error: no responsibility item R99"


def test_list_by_person(items: Rectify) -> None:
    assert [r["ref"] for r in items.json("list", "--person", "陈干")] == ["R1", "R2"]
    assert [r["ref"] for r in items.json("list", "--person", "秦书@cgz")] == ["R3"]
    assert [r["ref"] for r in items.json("list", "--person", "秦书", "--kind", "task")] == ["T1"]
    assert [r["ref"] for r in items.json("list", "--person", "秦书", "--kind", "problem")] == ["P1"]
    assert items.json("list", "--person", "韩水") == []
