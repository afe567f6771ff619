"""Every refused request: one `Error:` line, exit status 1, and the database exactly as before.

The main refusals run in both languages: Chinese (the default for people) and English (--lang en),
each with its exact line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Rectify

# R1 belongs to 陈干 of 城关镇; 秦书 heads 城关镇; 王书记 leads campaign TP; 李督查 is office
# staff; 魏监 is a person of another unit (扶贫办); 张三 is not registered at all.
RESPONSIBLE, SAME_UNIT, LEADER, OFFICE, STRANGER = "陈干", "秦书", "王书记", "李督查", "张三"
KINDS = ("problem", "task", "responsibility")
LANGS = ("en", "zh")


def item_in(r: Rectify, state: str) -> None:
    """P1 > T1 > R1 (城关镇, 陈干), with R1 driven to `state`."""
    assert r.ok("problem", "add", "--campaign", "TP", "--title", "安全住房未鉴定") == "P1\n"
    task = ("--title", "开展危房鉴定", "--deadline", "2020-10-31")
    assert r.ok("task", "add", "--problem", "P1", *task) == "T1\n"
    assert r.ok("assign", "T1", "--unit", "城关镇", "--person", RESPONSIBLE) == "R1\n"
    if state in ("fixed", "closed"):
        r.ok("fix", "R1", "--note", "已鉴定", actor=RESPONSIBLE)
    if state == "closed":
        r.ok("accept", "R1")
    assert r.json("list")[0]["state"] == state


def snapshot(r: Rectify) -> dict[str, Any]:
    """Every list, and the history (and, for items, the full record) of every ref."""
    lists = {kind: r.json("list", "--kind", kind) for kind in KINDS}
    refs = [row["ref"] for rows in lists.values() for row in rows]
    return {
        "lists": lists,
        "history": {ref: r.json("history", ref) for ref in refs},
        "shown": {ref: r.json("show", ref) for ref in refs if ref.startswith("R")},
    }


def refused(r: Rectify, *args: str, actor: str | None = None, lang: str = "en") -> str:
    """The `Error:` line of a refused command in `lang`, checking it changed nothing."""
    before = snapshot(r)
    # exit 1, exactly one stderr line `Error: ...` (so no traceback), nothing on stdout
    line = r.fails("--lang", lang, *args, actor=actor)
    assert snapshot(r) == before
    return line


# --- a trigger from a state that does not allow it ------------------------------------------

NOTE = {
    "fix": ["--note", "x"],
    "accept": [],
    "reject": ["--note", "x"],
    "reopen": ["--reason", "x"],
}
# (state, trigger, the states it needs, its past tense, the Chinese line)
WRONG_STATE = [
    ("assigned", "accept", "a fixed", "accepted", "R1 已交办；只有已整改的事项才能验收销号"),
    ("assigned", "reject", "a fixed", "rejected", "R1 已交办；只有已整改的事项才能退回"),
    ("assigned", "reopen", "a closed", "reopened", "R1 已交办；只有已销号的事项才能重新打开"),
    ("fixed", "fix", "an assigned", "fixed", "R1 已整改；只有已交办的事项才能报结"),
    ("fixed", "reopen", "a closed", "reopened", "R1 已整改；只有已销号的事项才能重新打开"),
    ("closed", "fix", "an assigned", "fixed", "R1 已销号；只有已交办的事项才能报结"),
    ("closed", "accept", "a fixed", "accepted", "R1 已销号；只有已整改的事项才能验收销号"),
    ("closed", "reject", "a fixed", "rejected", "R1 已销号；只有已整改的事项才能退回"),
]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(
    ("state", "trigger", "needed", "past", "chinese"),
    WRONG_STATE,
    ids=[f"{t}-{s}" for s, t, *_ in WRONG_STATE],
)
def test_trigger_from_a_state_that_does_not_allow_it(
    county: Rectify, state: str, trigger: str, needed: str, past: str, chinese: str, lang: str
) -> None:
    item_in(county, state)
    line = refused(county, trigger, "R1", *NOTE[trigger], lang=lang)
    english = f"R1 is {state}; only {needed} item can be {past}"
    assert line == "Error: " + (chinese if lang == "zh" else english)


def test_refused_fix_keeps_no_evidence(county: Rectify, tmp_path: Path) -> None:
    item_in(county, "closed")
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(b"new photo")
    refused(county, "fix", "R1", "--note", "again", "--evidence", str(photo))


# --- who may do what -------------------------------------------------------------------------


def may_not(actor: str, trigger: str, what: str, allowed: str = "leader, office") -> str:
    return (
        f"Error: {actor} may not {trigger} R1: {actor} is {what}, and {trigger} is for: {allowed}"
    )


ACTIONS_ZH = {"assign": "交办", "fix": "报结", "accept": "验收销号", "reject": "退回",
              "reopen": "重新打开"}  # fmt: skip
WHAT_ZH = {
    "the item's responsible person": "该事项的责任人",
    "in the item's unit": "该事项所在单位的人员",
}


def may_not_zh(actor: str, trigger: str, what: str) -> str:
    action = ACTIONS_ZH[trigger]
    return (
        f"Error: {actor} 不能{action} R1：{actor} 是{WHAT_ZH[what]}，"
        f"{action}只能由牵头领导、督查室办理"
    )


WRONG_ROLE = [
    ("fixed", RESPONSIBLE, ["accept", "R1"], "the item's responsible person"),
    ("fixed", RESPONSIBLE, ["reject", "R1", "--note", "x"], "the item's responsible person"),
    ("closed", RESPONSIBLE, ["reopen", "R1", "--reason", "x"], "the item's responsible person"),
    ("fixed", SAME_UNIT, ["accept", "R1"], "in the item's unit"),
    ("fixed", SAME_UNIT, ["reject", "R1", "--note", "x"], "in the item's unit"),
    ("closed", SAME_UNIT, ["reopen", "R1", "--reason", "x"], "in the item's unit"),
]


@pytest.mark.parametrize(
    ("state", "actor", "args", "what"),
    WRONG_ROLE,
    ids=[f"{a[0]}-by-{w.split()[-1]}" for _, _, a, w in WRONG_ROLE],
)
@pytest.mark.parametrize("lang", LANGS)
def test_the_unit_may_not_judge_its_own_work(
    county: Rectify, state: str, actor: str, args: list[str], what: str, lang: str
) -> None:
    item_in(county, state)
    expected = may_not_zh if lang == "zh" else may_not
    assert refused(county, *args, actor=actor, lang=lang) == expected(actor, args[0], what)


def test_as_option_is_the_actor_for_the_role_check(county: Rectify) -> None:
    item_in(county, "fixed")
    expected = may_not(RESPONSIBLE, "accept", "the item's responsible person")
    assert refused(county, "--as", RESPONSIBLE, "accept", "R1") == expected


def test_a_padded_name_is_still_the_responsible_person(county: Rectify) -> None:
    """Names are stored trimmed (person add), so the actor's name must be compared trimmed."""
    item_in(county, "fixed")
    expected = may_not(RESPONSIBLE, "accept", "the item's responsible person")
    assert refused(county, "--as", f" {RESPONSIBLE} ", "accept", "R1") == expected


@pytest.mark.parametrize("blank", ["  ", "\t"], ids=["spaces", "tab"])
def test_a_blank_actor_is_refused(county: Rectify, blank: str) -> None:
    """The audit trail must name someone (精准问责); a blank --as is not a name."""
    item_in(county, "assigned")
    refused(county, "--as", blank, "fix", "R1", "--note", "已鉴定")


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("actor", [RESPONSIBLE, SAME_UNIT])
def test_the_unit_may_not_assign_to_itself(county: Rectify, actor: str, lang: str) -> None:
    assert county.ok("problem", "add", "--campaign", "TP", "--title", "危房") == "P1\n"
    county.ok("task", "add", "--problem", "P1", "--title", "鉴定", "--deadline", "2020-10-31")
    what = "the item's responsible person" if actor == RESPONSIBLE else "in the item's unit"
    args = ("assign", "T1", "--unit", "cgz", "--person", RESPONSIBLE)
    line = refused(county, *args, actor=actor, lang=lang)
    assert line == (may_not_zh if lang == "zh" else may_not)(actor, "assign", what)
    # the refused request took no ref: the next item is still R1
    assert county.ok("assign", "T1", "--unit", "cgz", "--person", RESPONSIBLE) == "R1\n"


@pytest.mark.parametrize("actor", [LEADER, OFFICE])
def test_leader_and_office_staff_may_accept(county: Rectify, actor: str) -> None:
    item_in(county, "fixed")
    assert county.ok("accept", "R1", actor=actor) == (
        "R1: fixed -> closed\nT1: fixed -> closed\nP1: fixed -> closed\n"
    )
    assert county.json("history", "R1")[-1]["actor"] == actor


def test_moves_are_reported_with_chinese_state_names(county: Rectify) -> None:
    item_in(county, "assigned")
    county.lang = "zh"
    assert county.ok("fix", "R1", "--note", "已鉴定", actor=RESPONSIBLE) == (
        "R1：已交办 → 已整改\nT1：已交办 → 已整改\nP1：已交办 → 已整改\n"
    )


@pytest.mark.parametrize("actor", [RESPONSIBLE, SAME_UNIT, OFFICE])
def test_the_unit_or_the_office_may_report_a_fix(county: Rectify, actor: str) -> None:
    item_in(county, "assigned")
    assert county.ok("fix", "R1", "--note", "已鉴定", actor=actor).startswith(
        "R1: assigned -> fixed\n"
    )


# --- notes -----------------------------------------------------------------------------------

BLANK_NOTE = [
    ("assigned", ["fix", "R1", "--note"], "fix R1 needs a note or reason saying why",
     "报结 R1 须写明说明或理由"),
    ("fixed", ["reject", "R1", "--note"], "reject R1 needs a note or reason saying why",
     "退回 R1 须写明说明或理由"),
    ("closed", ["reopen", "R1", "--reason"], "reopen R1 needs a note or reason saying why",
     "重新打开 R1 须写明说明或理由"),
]  # fmt: skip


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("blank", ["", "  ", "\t\n"], ids=["empty", "spaces", "whitespace"])
@pytest.mark.parametrize(
    ("state", "args", "message", "chinese"), BLANK_NOTE, ids=["fix", "reject", "reopen"]
)
def test_blank_note_is_refused(
    county: Rectify, state: str, args: list[str], message: str, chinese: str, blank: str,
    lang: str,
) -> None:  # fmt: skip
    item_in(county, state)
    line = refused(county, *args, blank, lang=lang)
    assert line == f"Error: {chinese if lang == 'zh' else message}"


@pytest.mark.parametrize(
    ("state", "args", "option"),
    [("assigned", ["fix", "R1"], "--note"), ("fixed", ["reject", "R1"], "--note"),
     ("closed", ["reopen", "R1"], "--reason")],
)  # fmt: skip
@pytest.mark.parametrize("lang", LANGS)
def test_missing_note_is_a_usage_error(
    county: Rectify, state: str, args: list[str], option: str, lang: str
) -> None:
    """A usage error exits 2 (click's code) with one Error: line naming the command."""
    item_in(county, state)
    before = snapshot(county)
    result = county.run("--lang", lang, *args)
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: rectify {args[0]}：缺少选项 '{option}'。\n"
        if lang == "zh"
        else f"Error: rectify {args[0]}: Missing option '{option}'.\n"
    )
    assert "Traceback" not in result.output
    assert snapshot(county) == before


USAGE = [
    (["list", "--state", "open"],
     "rectify list: Invalid value for '--state': 'open' is not one of 'issued', 'assigned', "
     "'fixed', 'closed'.",
     "rectify list：'--state' 的值无效：'open' 不是可选值 'issued', 'assigned', 'fixed', "
     "'closed' 之一。"),
    (["list", "--stat", "fixed"],
     "rectify list: No such option '--stat'. Did you mean '--state'?",
     "rectify list：没有选项 '--stat'。是否要用 '--state'？"),
    (["show"], "rectify show: Missing argument 'REF'.", "rectify show：缺少参数 'REF'。"),
    (["lis"], "rectify: No such command 'lis'. Did you mean 'list'?",
     "rectify：没有命令 'lis'。是否要用 'list'？"),
]  # fmt: skip


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(
    ("args", "english", "chinese"), USAGE, ids=["choice", "option", "arg", "cmd"]
)
def test_common_usage_errors_are_translated(
    county: Rectify, args: list[str], english: str, chinese: str, lang: str
) -> None:
    result = county.run("--lang", lang, *args)
    assert result.exit_code == 2
    assert result.stderr == f"Error: {chinese if lang == 'zh' else english}\n"


def test_a_bad_option_of_rectify_itself_is_one_line_too(county: Rectify) -> None:
    county.lang = None
    result = county.run("--bogus", "list")
    assert (result.exit_code, result.stderr) == (2, "Error: rectify：没有选项 '--bogus'。\n")
    county.lang = "en"
    result = county.run("--bogus", "list")
    assert (result.exit_code, result.stderr) == (2, "Error: rectify: No such option '--bogus'.\n")


@pytest.mark.parametrize("args", [[], ["unit"], ["calendar"]])
def test_a_bare_group_still_shows_its_help(county: Rectify, args: list[str]) -> None:
    result = county.run(*args)
    assert result.output.startswith(f"Usage: rectify {' '.join(args)}".rstrip() + " [OPTIONS]")
    assert "Error" not in result.output


# --- refs ------------------------------------------------------------------------------------

UNKNOWN = [
    (["fix", "R99", "--note", "x"], "no responsibility item R99", "没有责任事项 R99"),
    (["accept", "R99"], "no responsibility item R99", "没有责任事项 R99"),
    (["reject", "R99", "--note", "x"], "no responsibility item R99", "没有责任事项 R99"),
    (["reopen", "R99", "--reason", "x"], "no responsibility item R99", "没有责任事项 R99"),
    (["show", "R99"], "no responsibility item R99", "没有责任事项 R99"),
    (["history", "R99"], "no responsibility item R99", "没有责任事项 R99"),
    (["show", "T99"], "no task T99", "没有任务 T99"),
    (["history", "P99"], "no problem P99", "没有问题 P99"),
    (["assign", "T99", "--unit", "cgz", "--person", RESPONSIBLE], "no task T99", "没有任务 T99"),
    (["task", "add", "--problem", "P99", "--title", "x", "--deadline", "2020-10-01"],
     "no problem P99", "没有问题 P99"),
]  # fmt: skip


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(
    ("args", "message", "chinese"), UNKNOWN, ids=[" ".join(a[:2]) for a, *_ in UNKNOWN]
)
def test_unknown_ref(
    county: Rectify, args: list[str], message: str, chinese: str, lang: str
) -> None:
    item_in(county, "assigned")
    assert refused(county, *args, lang=lang) == f"Error: {chinese if lang == 'zh' else message}"


# --- dates -----------------------------------------------------------------------------------

BAD_DATE = [
    (["extend", "R1", "--to", "2020-13-01", "--reason", "x"],
     "--to '2020-13-01': '2020-13-01' is not a date (month must be in 1..12)",
     "--to '2020-13-01'：'2020-13-01' 不是有效的时限（月份应在 1 到 12 之间）"),
    (["task", "add", "--problem", "P1", "--title", "x", "--deadline", "9月31日"],
     "--deadline '9月31日': '9月31日' is not a date (expected e.g. 2020-09-30, 2020/9/30, "
     "2020.9.30 or 2020年9月30日)",
     "--deadline '9月31日'：'9月31日' 不是有效的时限（应写成 2020-09-30、2020/9/30、2020.9.30 或 "
     "2020年9月30日 这样的日期）"),
    (["extend", "R1", "--to", "2020-12-01", "--reason", "x"],
     "2020-12-01 is after campaign TP's bottom line 2020-11-30 (底线)",
     "2020年12月1日 晚于专项 TP 的底线 2020年11月30日"),
    (["extend", "R1", "--to", "2020-10-01", "--reason", "x"],
     "2020-10-01 is not later than R1's deadline 2020-10-31",
     "2020年10月1日 并不晚于 R1 现在的整改时限 2020年10月31日"),
    (["assign", "T1", "--unit", "cgz", "--person", RESPONSIBLE, "--deadline", "2020-12-31"],
     "deadline 2020-12-31 is after campaign TP's bottom line 2020-11-30 (底线)",
     "整改时限 2020年12月31日 晚于专项 TP 的底线 2020年11月30日"),
]  # fmt: skip


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(
    ("args", "message", "chinese"), BAD_DATE, ids=["month", "no-year", "bottom", "earlier", "item"]
)
def test_bad_date(county: Rectify, args: list[str], message: str, chinese: str, lang: str) -> None:
    """Dates people read are written 2020年9月30日 in Chinese messages."""
    item_in(county, "assigned")
    assert refused(county, *args, lang=lang) == f"Error: {chinese if lang == 'zh' else message}"


@pytest.mark.parametrize(
    ("args", "kind"),
    [(["fix", "T1", "--note", "x"], "task"), (["accept", "P1"], "problem"),
     (["reject", "T1", "--note", "x"], "task"), (["reopen", "P1", "--reason", "x"], "problem")],
)  # fmt: skip
def test_items_act_tasks_and_problems_follow(county: Rectify, args: list[str], kind: str) -> None:
    item_in(county, "fixed")
    ref, trigger = args[1], args[0]
    assert refused(county, *args) == (
        f"Error: {ref} is a {kind}; {trigger} acts on responsibility items (R...), and a {kind} "
        "follows them"
    )
    word = {"task": "任务", "problem": "问题"}[kind]
    assert refused(county, *args, lang="zh") == (
        f"Error: {ref} 是{word}；{ACTIONS_ZH[trigger]}针对的是责任事项（R 开头的编号），"
        f"{word}随之自动变化"
    )


@pytest.mark.parametrize(
    ("lang", "message"),
    [("en", "P1 is a problem; a task ref is needed here"), ("zh", "P1 是问题；这里需要任务编号")],
)
def test_assign_needs_a_task_ref(county: Rectify, lang: str, message: str) -> None:
    item_in(county, "assigned")
    line = refused(county, "assign", "P1", "--unit", "cgz", "--person", RESPONSIBLE, lang=lang)
    assert line == f"Error: {message}"


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("text", ["X1", "R", "R1x", "1", "R-1", "RR1", ""])
@pytest.mark.parametrize("command", [["fix", "{}", "--note", "x"], ["accept", "{}"]])
def test_bad_ref_syntax(county: Rectify, command: list[str], text: str, lang: str) -> None:
    item_in(county, "fixed")
    args = [text if arg == "{}" else arg for arg in command]
    assert refused(county, *args, lang=lang) == (
        f"Error: {text!r} 不是编号；编号形如 P3、T12 或 R130"
        if lang == "zh"
        else f"Error: {text!r} is not a ref; refs look like P3, T12 or R130"
    )


@pytest.mark.parametrize("text", ["X1", "R1x", ""])
def test_history_of_something_unknown(county: Rectify, text: str) -> None:
    """history also takes units, people and campaigns, so a bad ref is an unknown name."""
    item_in(county, "fixed")
    assert refused(county, "history", text) == f"Error: no ref, campaign, unit or person {text!r}"
    assert (
        refused(county, "history", text, lang="zh") == f"Error: 没有编号、专项、单位或人员 {text!r}"
    )
