"""Load and validate the state machine definitions (definitions/machines/*.yaml).

The YAML is data an office may edit, so every problem is collected and reported with the file
and the key, all at once, before anything runs.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

KINDS = ("problem", "task", "responsibility")
# The engine's roll-up, list filters and warnings rely on these four states, in this order.
STATES = ("issued", "assigned", "fixed", "closed")
ROLES = frozenset({"office", "responsible", "unit", "leader", "system"})
RECIPIENTS = ("person", "unit", "leader")
REQUIRED_TRIGGERS = {
    "responsibility": ("assign", "fix", "accept", "reject", "reopen"),
    "task": (),
    "problem": (),
}
# A task or problem follows its children; these are the moves the roll-up can ask for.
ROLLUP_MOVES = (
    ("issued", "assigned"),
    ("assigned", "fixed"),
    ("fixed", "closed"),
    ("fixed", "assigned"),
    ("closed", "assigned"),
)


class DefinitionError(ValueError):
    """Every problem found in a definitions folder, each naming its file and key."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        super().__init__("; ".join(errors))


@dataclass(frozen=True)
class TransitionSpec:
    trigger: str
    sources: tuple[str, ...]
    dest: str
    allowed: frozenset[str]
    guards: tuple[str, ...]
    past: str
    notify: tuple[str, ...] = ()  # who hears of it: person, unit, leader


@dataclass(frozen=True)
class MachineSpec:
    kind: str
    version: int
    states: tuple[str, ...]
    initial: str
    transitions: Mapping[str, TransitionSpec]
    source: str

    def move(self, source: str, dest: str) -> TransitionSpec | None:
        """The transition that takes an item from `source` to `dest`, if the definition has one."""
        for spec in self.transitions.values():
            if spec.dest == dest and source in spec.sources:
                return spec
        return None


def load_machines(folder: Path, known_guards: Collection[str]) -> dict[str, MachineSpec]:
    errors: list[str] = []
    specs: dict[str, MachineSpec] = {}
    for kind in KINDS:
        path = folder / f"{kind}.yaml"
        if not path.is_file():
            errors.append(f"{path}: missing (every definitions folder needs {kind}.yaml)")
            continue
        spec = _load_one(path, kind, known_guards, errors)
        if spec is not None:
            specs[kind] = spec
    if errors:
        raise DefinitionError(errors)
    return specs


def _load_one(
    path: Path, kind: str, known_guards: Collection[str], errors: list[str]
) -> MachineSpec | None:
    try:
        # libyaml's parser where available: it is most of a command's start-up otherwise.
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)  # a safe loader
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        errors.append(f"{path}: cannot be read as YAML: {_one_line(exc)}")
        return None
    if not isinstance(data, dict):
        errors.append(f"{path}: expected a mapping with kind, version, states, transitions")
        return None
    start = len(errors)

    def error(key: str, message: str) -> None:
        errors.append(f"{path}: {key}: {message}")

    if data.get("kind") != kind:
        error("kind", f"expected {kind!r}, found {data.get('kind')!r}")
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        error("version", f"expected a positive integer, found {version!r}")
    states = data.get("states")
    if not isinstance(states, list) or tuple(states) != STATES:
        error("states", f"expected {list(STATES)} (the engine relies on them), found {states!r}")
    initial = data.get("initial")
    if initial != STATES[0]:
        error("initial", f"expected {STATES[0]!r}, found {initial!r}")

    raw_transitions = data.get("transitions")
    transitions: dict[str, TransitionSpec] = {}
    if not isinstance(raw_transitions, dict) or not raw_transitions:
        error("transitions", "expected a mapping of trigger name to transition")
        raw_transitions = {}
    for trigger, body in raw_transitions.items():
        spec = _transition(str(trigger), body, known_guards, error)
        if spec is not None:
            transitions[spec.trigger] = spec

    for trigger in REQUIRED_TRIGGERS[kind]:
        if trigger not in raw_transitions:
            error(f"transitions.{trigger}", "missing; the engine and the CLI need it")
    if kind != "responsibility" and len(errors) == start:
        for source, dest in ROLLUP_MOVES:
            if not any(source in t.sources and t.dest == dest for t in transitions.values()):
                error("transitions", f"no transition from {source} to {dest}; roll-up needs one")
    if len(errors) > start:
        return None
    assert isinstance(version, int)
    return MachineSpec(kind, version, STATES, STATES[0], transitions, str(path))


def _transition(
    trigger: str, body: Any, known_guards: Collection[str], error: Any
) -> TransitionSpec | None:
    key = f"transitions.{trigger}"
    if not trigger.isidentifier():
        error(key, "a trigger name must be a Python identifier")
    if not isinstance(body, dict):
        error(key, "expected a mapping with from, to, by")
        return None
    failed = False

    def bad(field: str, message: str) -> None:
        nonlocal failed
        failed = True
        error(f"{key}.{field}", message)

    sources = body.get("from")
    if isinstance(sources, str):
        sources = [sources]
    if not isinstance(sources, list) or not sources or not set(sources) <= set(STATES):
        bad("from", f"expected a list of states from {list(STATES)}, found {sources!r}")
    dest = body.get("to")
    if dest not in STATES:
        bad("to", f"expected one of {list(STATES)}, found {dest!r}")
    allowed = body.get("by")
    if not isinstance(allowed, list) or not allowed or not set(allowed) <= ROLES:
        bad("by", f"expected a list of roles from {sorted(ROLES)}, found {allowed!r}")
    guards = body.get("guards", [])
    if not isinstance(guards, list) or not set(guards) <= set(known_guards):
        bad("guards", f"expected a list of guards from {sorted(known_guards)}, found {guards!r}")
    past = body.get("past", trigger + "ed")
    if not isinstance(past, str):
        bad("past", f"expected text, found {past!r}")
    notify = body.get("notify", [])
    if not isinstance(notify, list) or not set(notify) <= set(RECIPIENTS):
        bad("notify", f"expected a list from {list(RECIPIENTS)}, found {notify!r}")
    unknown = set(body) - {"from", "to", "by", "guards", "past", "notify"}
    if unknown:
        bad(sorted(unknown)[0], "unknown key; expected from, to, by, guards, past, notify")
    if failed or not isinstance(sources, list) or not isinstance(allowed, list):
        return None
    return TransitionSpec(
        trigger,
        tuple(sources),
        str(dest),
        frozenset(allowed),
        tuple(guards),
        str(past),
        tuple(notify) if isinstance(notify, list) else (),
    )


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())
