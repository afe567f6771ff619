"""Every refused request: one `Error:` line, exit status 1, and the database exactly as before."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Rectify

# R1 belongs to 陈干 of 城关镇; 秦书 heads 城关镇; 王书记 leads campaign TP; 李督查 is office
# staff; 魏监 is a person of another unit (扶贫办); 张三 is not registered at all.
RESPONSIBLE, SAME_UNIT, LEADER, OFFICE, STRANGER = "陈干", "秦书", "王书记", "李督查", "张三"
KINDS = ("problem", "task", "responsibility")


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


def refused(r: Rectify, *args: str, actor: str | None = None) -> str:
    """The `Error:` line of a refused command, checking it changed nothing."""
    before = snapshot(r)
    # exit 1, exactly one stderr line `Error: ...` (so no traceback), nothing on stdout
    line = r.fails(*args, actor=actor)
    assert snapshot(r) == before
    return line


# --- a trigger from a state that does not allow it ------------------------------------------

NOTE = {
    "fix": ["--note", "x"],
    "accept": [],
    "reject": ["--note", "x"],
    "reopen": ["--reason", "x"],
}
# (state, trigger, the states it needs, its past tense)
WRONG_STATE = [
    ("assigned", "accept", "a fixed", "accepted"),
    ("assigned", "reject", "a fixed", "rejected"),
    ("assigned", "reopen", "a closed", "reopened"),
    ("fixed", "fix", "an assigned", "fixed"),
    ("fixed", "reopen", "a closed", "reopened"),
    ("closed", "fix", "an assigned", "fixed"),
    ("closed", "accept", "a fixed", "accepted"),
    ("closed", "reject", "a fixed", "rejected"),
]


@pytest.mark.parametrize(
    ("state", "trigger", "needed", "past"),
    WRONG_STATE,
    ids=[f"{t}-{s}" for s, t, *_ in WRONG_STATE],
)
def test_trigger_from_a_state_that_does_not_allow_it(
    county: Rectify, state: str, trigger: str, needed: str, past: str
) -> None:
    item_in(county, state)
    line = refused(county, trigger, "R1", *NOTE[trigger])
    assert line == f"Error: R1 is {state}; only {needed} item can be {past}"


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
def test_the_unit_may_not_judge_its_own_work(
    county: Rectify, state: str, actor: str, args: list[str], what: str
) -> None:
    item_in(county, state)
    assert refused(county, *args, actor=actor) == may_not(actor, args[0], what)


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


@pytest.mark.parametrize("actor", [RESPONSIBLE, SAME_UNIT])
def test_the_unit_may_not_assign_to_itself(county: Rectify, actor: str) -> None:
    assert county.ok("problem", "add", "--campaign", "TP", "--title", "危房") == "P1\n"
    county.ok("task", "add", "--problem", "P1", "--title", "鉴定", "--deadline", "2020-10-31")
    what = "the item's responsible person" if actor == RESPONSIBLE else "in the item's unit"
    line = refused(county, "assign", "T1", "--unit", "cgz", "--person", RESPONSIBLE, actor=actor)
    assert line == may_not(actor, "assign", what)
    # the refused request took no ref: the next item is still R1
    assert county.ok("assign", "T1", "--unit", "cgz", "--person", RESPONSIBLE) == "R1\n"


@pytest.mark.parametrize("actor", [LEADER, OFFICE])
def test_leader_and_office_staff_may_accept(county: Rectify, actor: str) -> None:
    item_in(county, "fixed")
    assert county.ok("accept", "R1", actor=actor) == (
        "R1: fixed -> closed\nT1: fixed -> closed\nP1: fixed -> closed\n"
    )
    assert county.json("history", "R1")[-1]["actor"] == actor


@pytest.mark.parametrize("actor", [RESPONSIBLE, SAME_UNIT, OFFICE])
def test_the_unit_or_the_office_may_report_a_fix(county: Rectify, actor: str) -> None:
    item_in(county, "assigned")
    assert county.ok("fix", "R1", "--note", "已鉴定", actor=actor).startswith(
        "R1: assigned -> fixed\n"
    )


# --- notes -----------------------------------------------------------------------------------

BLANK_NOTE = [
    ("assigned", ["fix", "R1", "--note"], "fix R1 needs a note or reason saying why"),
    ("fixed", ["reject", "R1", "--note"], "reject R1 needs a note or reason saying why"),
    ("closed", ["reopen", "R1", "--reason"], "reopen R1 needs a note or reason saying why"),
]


@pytest.mark.parametrize("blank", ["", "  ", "\t\n"], ids=["empty", "spaces", "whitespace"])
@pytest.mark.parametrize(("state", "args", "message"), BLANK_NOTE, ids=["fix", "reject", "reopen"])
def test_blank_note_is_refused(
    county: Rectify, state: str, args: list[str], message: str, blank: str
) -> None:
    item_in(county, state)
    assert refused(county, *args, blank) == f"Error: {message}"


@pytest.mark.parametrize(
    ("state", "args", "option"),
    [("assigned", ["fix", "R1"], "--note"), ("fixed", ["reject", "R1"], "--note"),
     ("closed", ["reopen", "R1"], "--reason")],
)  # fmt: skip
def test_missing_note_is_a_usage_error(
    county: Rectify, state: str, args: list[str], option: str
) -> None:
    """A usage error exits 2 (click's code) with one Error: line naming the command."""
    item_in(county, state)
    before = snapshot(county)
    result = county.run(*args)
    assert result.exit_code == 2
    assert result.stderr == f"Error: rectify {args[0]}: Missing option '{option}'.\n"
    assert "Traceback" not in result.output
    assert snapshot(county) == before


# --- refs ------------------------------------------------------------------------------------

UNKNOWN = [
    (["fix", "R99", "--note", "x"], "no responsibility item R99"),
    (["accept", "R99"], "no responsibility item R99"),
    (["reject", "R99", "--note", "x"], "no responsibility item R99"),
    (["reopen", "R99", "--reason", "x"], "no responsibility item R99"),
    (["show", "R99"], "no responsibility item R99"),
    (["history", "R99"], "no responsibility item R99"),
    (["show", "T99"], "no task T99"),
    (["history", "P99"], "no problem P99"),
    (["assign", "T99", "--unit", "cgz", "--person", RESPONSIBLE], "no task T99"),
    (["task", "add", "--problem", "P99", "--title", "x", "--deadline", "2020-10-01"],
     "no problem P99"),
]  # fmt: skip


@pytest.mark.parametrize(("args", "message"), UNKNOWN, ids=[" ".join(a[:2]) for a, _ in UNKNOWN])
def test_unknown_ref(county: Rectify, args: list[str], message: str) -> None:
    item_in(county, "assigned")
    assert refused(county, *args) == f"Error: {message}"


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


def test_assign_needs_a_task_ref(county: Rectify) -> None:
    item_in(county, "assigned")
    line = refused(county, "assign", "P1", "--unit", "cgz", "--person", RESPONSIBLE)
    assert line == "Error: P1 is a problem; a task ref is needed here"


@pytest.mark.parametrize("text", ["X1", "R", "R1x", "1", "R-1", "RR1", ""])
@pytest.mark.parametrize(
    "command", [["fix", "{}", "--note", "x"], ["accept", "{}"], ["history", "{}"]]
)
def test_bad_ref_syntax(county: Rectify, command: list[str], text: str) -> None:
    item_in(county, "fixed")
    args = [text if arg == "{}" else arg for arg in command]
    assert refused(county, *args) == (
        f"Error: {text!r} is not a ref; refs look like P3, T12 or R130"
    )
