"""The state machine definitions: the shipped folder, broken folders, and a user's own folder."""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from definitions.machines import DefinitionError, load_machines
from tests.conftest import Rectify
from workflow.errors import TransitionRefused
from workflow.machines import GUARDS, Attempt, Machines
from workflow.settings import SHIPPED_DEFINITIONS

SHIPPED = SHIPPED_DEFINITIONS / "machines"
STATES = ("issued", "assigned", "fixed", "closed")
ROLES = ("office", "responsible", "unit", "leader", "system")
# trigger: (from, to, by, guards, past) as the office reads them in responsibility.yaml
ITEM_TRANSITIONS = {
    "assign": (("issued",), "assigned", {"office", "leader"}, (), "assigned"),
    "fix": (("assigned",), "fixed", {"responsible", "unit", "office"}, ("note_given",), "fixed"),
    "accept": (("fixed",), "closed", {"office", "leader"}, (), "accepted"),
    "reject": (("fixed",), "assigned", {"office", "leader"}, ("note_given",), "rejected"),
    "reopen": (("closed",), "assigned", {"office", "leader"}, ("note_given",), "reopened"),
}


def copy_shipped(tmp_path: Path) -> Path:
    """A user's definitions folder: the shipped machines and policies, to be edited."""
    folder = tmp_path / "definitions"
    shutil.copytree(SHIPPED, folder / "machines")
    shutil.copytree(SHIPPED_DEFINITIONS / "policies", folder / "policies")
    return folder


def edit(path: Path, change: Callable[[dict[str, Any]], None]) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def errors_of(folder: Path) -> list[str]:
    with pytest.raises(DefinitionError) as caught:
        load_machines(folder, GUARDS.keys())
    assert str(caught.value) == "; ".join(caught.value.errors)
    return caught.value.errors


# --- the shipped folder ----------------------------------------------------------------------


def test_shipped_definitions_load() -> None:
    specs = load_machines(SHIPPED, GUARDS.keys())
    assert sorted(specs) == ["problem", "responsibility", "task"]
    for kind, spec in specs.items():
        assert (spec.kind, spec.version, spec.states, spec.initial) == (kind, 1, STATES, "issued")
        assert spec.source == str(SHIPPED / f"{kind}.yaml")
    item = specs["responsibility"].transitions
    assert {
        t: (s.sources, s.dest, set(s.allowed), s.guards, s.past) for t, s in item.items()
    } == ITEM_TRANSITIONS
    for kind in ("task", "problem"):
        assert {t.trigger: set(t.allowed) for t in specs[kind].transitions.values()} == {
            "assign": {"system"}, "fix": {"system"}, "close": {"system"}, "reopen": {"system"},
        }  # fmt: skip


def test_specs_are_frozen() -> None:
    spec = load_machines(SHIPPED, GUARDS.keys())["responsibility"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.version = 2  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.transitions["accept"].dest = "fixed"  # type: ignore[misc]


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("trigger", list(ITEM_TRANSITIONS))
def test_each_trigger_from_each_state(trigger: str, state: str) -> None:
    """The shipped item machine, state by trigger, for an actor whose role may fire it."""
    machines = Machines(load_machines(SHIPPED, GUARDS.keys()))
    sources, dest, _, _, past = ITEM_TRANSITIONS[trigger]
    attempt = Attempt("responsibility", "R7", trigger, "李督查", "office", "说明")
    if state in sources:
        assert machines.fire("responsibility", state, attempt) == dest
        return
    with pytest.raises(TransitionRefused) as caught:
        machines.fire("responsibility", state, attempt)
    article = "an" if sources[0][0] in "aeiou" else "a"
    assert str(caught.value) == f"R7 is {state}; only {article} {sources[0]} item can be {past}"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("trigger", list(ITEM_TRANSITIONS))
def test_each_trigger_by_each_role(trigger: str, role: str) -> None:
    machines = Machines(load_machines(SHIPPED, GUARDS.keys()))
    sources, dest, allowed, _, _ = ITEM_TRANSITIONS[trigger]
    attempt = Attempt("responsibility", "R7", trigger, "某人", role, "说明")
    if role in allowed:
        assert machines.fire("responsibility", sources[0], attempt) == dest
        return
    with pytest.raises(TransitionRefused, match=f"^某人 may not {trigger} R7: 某人 is "):
        machines.fire("responsibility", sources[0], attempt)


# --- broken folders --------------------------------------------------------------------------


def test_every_mistake_in_a_folder_is_reported_at_once(tmp_path: Path) -> None:
    folder = copy_shipped(tmp_path) / "machines"
    item, problem, task = (folder / f"{k}.yaml" for k in ("responsibility", "problem", "task"))

    def break_item(data: dict[str, Any]) -> None:
        data["states"] = ["issued", "assigned", "done", "closed"]
        data["transitions"]["assign"]["by"] = ["office", "mayor"]
        data["transitions"]["fix"]["guards"] = ["note_given", "signed_off"]
        data["transitions"]["reject"]["to"] = "returned"
        del data["transitions"]["accept"]

    edit(item, break_item)
    problem.write_text("kind: problem\nstates: [issued, assigned\n", encoding="utf-8")
    task.unlink()
    errors = errors_of(folder)
    assert errors[0].startswith(f"{problem}: cannot be read as YAML: ")
    assert "line 2" in errors[0]
    roles = "['leader', 'office', 'responsible', 'system', 'unit']"
    assert errors[1:] == [
        f"{task}: missing (every definitions folder needs task.yaml)",
        f"{item}: states: expected ['issued', 'assigned', 'fixed', 'closed'] (the engine relies "
        "on them), found ['issued', 'assigned', 'done', 'closed']",
        f"{item}: transitions.assign.by: expected a list of roles from {roles}, "
        "found ['office', 'mayor']",
        f"{item}: transitions.fix.guards: expected a list of guards from ['note_given'], "
        "found ['note_given', 'signed_off']",
        f"{item}: transitions.reject.to: expected one of ['issued', 'assigned', 'fixed', "
        "'closed'], found 'returned'",
        f"{item}: transitions.accept: missing; the engine and the CLI need it",
    ]


def _set(*keys: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        for key in keys[:-1]:
            data = data[key]
        data[keys[-1]] = value

    return change


def _drop(*keys: str) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        for key in keys[:-1]:
            data = data[key]
        del data[keys[-1]]

    return change


SIGN_OFF = {"from": ["fixed"], "to": "closed", "by": ["office"]}
ONE_MISTAKE = [
    ("responsibility", _set("kind", value="item"), "kind"),
    ("responsibility", _set("version", value=0), "version"),
    ("responsibility", _set("initial", value="assigned"), "initial"),
    ("responsibility", _set("transitions", "fix", "from", value=["open"]), "transitions.fix.from"),
    ("responsibility", _set("transitions", "fix", "when", value="now"), "transitions.fix.when"),
    ("responsibility", _set("transitions", "fix", "past", value=3), "transitions.fix.past"),
    ("responsibility", _set("transitions", "fix", "by", value=[]), "transitions.fix.by"),
    ("responsibility", _set("transitions", "fix", value="anyone"), "transitions.fix"),
    ("responsibility", _set("transitions", "sign-off", value=SIGN_OFF), "transitions.sign-off"),
    ("responsibility", _drop("transitions", "reopen"), "transitions.reopen"),
    ("task", _drop("transitions", "reopen"), "transitions"),
    ("problem", _set("transitions", value=[]), "transitions"),
]


@pytest.mark.parametrize(
    ("kind", "change", "key"), ONE_MISTAKE, ids=[f"{k}-{key}" for k, _, key in ONE_MISTAKE]
)
def test_each_error_names_file_and_key(
    tmp_path: Path, kind: str, change: Callable[[dict[str, Any]], None], key: str
) -> None:
    folder = copy_shipped(tmp_path) / "machines"
    edit(folder / f"{kind}.yaml", change)
    errors = errors_of(folder)
    assert errors, "a mistake must be reported"
    assert all(e.startswith(f"{folder / kind}.yaml: {key}: ") for e in errors), errors


def test_an_empty_folder_names_every_missing_file(tmp_path: Path) -> None:
    assert errors_of(tmp_path) == [
        f"{tmp_path / kind}.yaml: missing (every definitions folder needs {kind}.yaml)"
        for kind in ("problem", "task", "responsibility")
    ]


# --- a user's definitions folder through RECTIFY_DEFINITIONS ---------------------------------


def fixed_item(r: Rectify) -> None:
    r.ok("problem", "add", "--campaign", "TP", "--title", "饮水氟超标")
    r.ok("task", "add", "--problem", "P1", "--title", "加装除氟设备", "--deadline", "2020-10-15")
    r.ok("assign", "T1", "--unit", "水利局", "--person", "韩水")
    r.ok("fix", "R1", "--note", "已完成", actor="韩水")


def test_a_user_folder_replaces_the_shipped_one(county: Rectify, tmp_path: Path) -> None:
    fixed_item(county)
    assert county.fails("accept", "R1", actor="韩水").startswith("Error: 韩水 may not accept R1")
    folder = copy_shipped(tmp_path)
    edit(
        folder / "machines" / "responsibility.yaml",
        _set("transitions", "accept", "by", value=["office", "leader", "responsible"]),
    )
    county.env["RECTIFY_DEFINITIONS"] = str(folder)
    assert county.ok("accept", "R1", actor="韩水") == (
        "R1: fixed -> closed\nT1: fixed -> closed\nP1: fixed -> closed\n"
    )
    assert county.json("history", "R1")[-1]["actor"] == "韩水"


BROKEN_COMMANDS = [
    ["init"],
    ["list"],
    ["history", "R1"],
    ["show", "R1"],
    ["unit", "add", "gaj", "公安局"],
    ["problem", "add", "--campaign", "TP", "--title", "x"],
    ["fix", "R1", "--note", "x"],
    ["accept", "R1"],
]


@pytest.mark.parametrize("args", BROKEN_COMMANDS, ids=[" ".join(a[:2]) for a in BROKEN_COMMANDS])
def test_a_broken_user_folder_stops_every_command(
    rectify: Rectify, tmp_path: Path, args: list[str]
) -> None:
    folder = copy_shipped(tmp_path)
    item = folder / "machines" / "responsibility.yaml"
    edit(item, _set("transitions", "accept", "by", value=["office", "mayor"]))
    rectify.env["RECTIFY_DEFINITIONS"] = str(folder)
    roles = "['leader', 'office', 'responsible', 'system', 'unit']"
    assert rectify.fails(*args) == (
        f"Error: definitions are invalid: {item}: transitions.accept.by: expected a list of "
        f"roles from {roles}, found ['office', 'mayor']"
    )
    del rectify.env["RECTIFY_DEFINITIONS"]  # nothing was written meanwhile:
    assert rectify.json("list", "--kind", "problem") == []
    assert rectify.ok("unit", "add", "gaj", "公安局") == "Added unit gaj 公安局.\n"
