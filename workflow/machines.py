"""One `transitions` Machine per item kind, built once from the definitions.

Rows are never given a Machine of their own: for each request a small token carrying the row's
state is attached, the trigger fires, and the token is detached. Guards and the role check run
as the Machine's conditions and raise TransitionRefused with the reason a person can act on.
No I/O happens here; the caller writes the state, the audit row and the outbox in one
transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from transitions import EventData, Machine, MachineError

from definitions.machines import MachineSpec, TransitionSpec
from workflow.errors import TransitionRefused

ROLE_WORDS = {
    "responsible": "the item's responsible person",
    "unit": "in the item's unit",
    "leader": "the campaign's leader",
    "office": "office staff",
    "other": "a person of another unit",
    "system": "the engine",
}


@dataclass(frozen=True)
class Attempt:
    """Everything a guard may look at: who asks, for what, with which note."""

    kind: str
    ref: str
    trigger: str
    actor: str
    role: str
    note: str | None


def _note_given(attempt: Attempt) -> str | None:
    if attempt.note and attempt.note.strip():
        return None
    return f"{attempt.trigger} {attempt.ref} needs a note or reason saying why"


GUARDS: Mapping[str, Callable[[Attempt], str | None]] = {"note_given": _note_given}


class _Token:
    """Stands in for a row while a trigger fires; transitions sets `state` on it."""

    def __init__(self) -> None:
        self.state = ""


class Machines:
    def __init__(self, specs: Mapping[str, MachineSpec]) -> None:
        self.specs = dict(specs)
        self._machines = {kind: _build(spec) for kind, spec in specs.items()}

    def fire(self, kind: str, state: str, attempt: Attempt) -> str:
        """The state after `attempt.trigger` from `state`, or TransitionRefused saying why not."""
        spec = self.specs[kind]
        transition = spec.transitions.get(attempt.trigger)
        if transition is None:
            raise TransitionRefused(f"{attempt.trigger} is not an action on a {kind} item")
        machine = self._machines[kind]
        token = _Token()
        machine.add_model(token, initial=state)
        try:
            getattr(token, attempt.trigger)(attempt=attempt)
        except MachineError:
            raise TransitionRefused(_wrong_state(attempt.ref, state, transition)) from None
        finally:
            machine.remove_model(token)
        return token.state

    def rollup_move(self, kind: str, source: str, dest: str) -> TransitionSpec:
        move = self.specs[kind].move(source, dest)
        if move is None:  # the loader checks roll-up moves exist, so this is a definitions bug
            raise TransitionRefused(f"the {kind} definition has no move from {source} to {dest}")
        return move


def _build(spec: MachineSpec) -> Machine:
    transitions: list[dict[str, Any]] = []
    for t in spec.transitions.values():
        conditions = [_role_check(t), *(_guard(GUARDS[name]) for name in t.guards)]
        for source in t.sources:
            transitions.append(
                {"trigger": t.trigger, "source": source, "dest": t.dest, "conditions": conditions}
            )
    return Machine(
        model=None,
        states=list(spec.states),
        transitions=transitions,
        initial=spec.initial,
        auto_transitions=False,
        send_event=True,
    )


def _role_check(transition: TransitionSpec) -> Callable[[EventData], bool]:
    def check(event: EventData) -> bool:
        attempt: Attempt = event.kwargs["attempt"]
        if attempt.role not in transition.allowed:
            who = ", ".join(sorted(transition.allowed))
            raise TransitionRefused(
                f"{attempt.actor} may not {attempt.trigger} {attempt.ref}: "
                f"{attempt.actor} is {ROLE_WORDS[attempt.role]}, and {attempt.trigger} "
                f"is for: {who}"
            )
        return True

    return check


def _guard(guard: Callable[[Attempt], str | None]) -> Callable[[EventData], bool]:
    def check(event: EventData) -> bool:
        reason = guard(event.kwargs["attempt"])
        if reason:
            raise TransitionRefused(reason)
        return True

    return check


def _wrong_state(ref: str, state: str, transition: TransitionSpec) -> str:
    allowed = " or ".join(transition.sources)
    article = "an" if allowed[0] in "aeiou" else "a"
    return f"{ref} is {state}; only {article} {allowed} item can be {transition.past}"
