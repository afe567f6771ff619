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
from workflow.i18n import Msg
from workflow.terms import Either, Listing, Term

# What an actor is to an item, in "X is {what}" (translated with the rest of the message).
ROLE_WORDS = {
    "responsible": Msg("the item's responsible person"),
    "unit": Msg("in the item's unit"),
    "leader": Msg("the campaign's leader"),
    "office": Msg("office staff"),
    "other": Msg("a person of another unit"),
    "system": Msg("the engine"),
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


def _note_given(attempt: Attempt) -> Msg | None:
    if attempt.note and attempt.note.strip():
        return None
    return Msg(
        "{trigger} {ref} needs a note or reason saying why",
        trigger=Term("action", attempt.trigger),
        ref=attempt.ref,
    )


GUARDS: Mapping[str, Callable[[Attempt], Msg | None]] = {"note_given": _note_given}


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
            raise TransitionRefused(
                "{trigger} is not an action on a {kind} item",
                trigger=attempt.trigger,
                kind=Term("kind", kind),
            )
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
            raise TransitionRefused(
                "the {kind} definition has no move from {source} to {dest}",
                kind=kind,
                source=Msg(source),
                dest=Msg(dest),
            )
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
            raise TransitionRefused(
                "{actor} may not {trigger} {ref}: {actor} is {what}, and {trigger} is for: {who}",
                actor=attempt.actor,
                trigger=Term("action", attempt.trigger),
                ref=attempt.ref,
                what=ROLE_WORDS[attempt.role],
                who=Listing([Term("role", role) for role in sorted(transition.allowed)]),
            )
        return True

    return check


def _guard(guard: Callable[[Attempt], Msg | None]) -> Callable[[EventData], bool]:
    def check(event: EventData) -> bool:
        reason = guard(event.kwargs["attempt"])
        if reason:
            raise TransitionRefused(reason)
        return True

    return check


def _wrong_state(ref: str, state: str, transition: TransitionSpec) -> Msg:
    params = {
        "ref": ref,
        "state": Msg(state),
        "allowed": Either([Msg(source) for source in transition.sources]),
        "past": Term("past", transition.past),
    }
    if transition.sources[0][0] in "aeiou":
        return Msg("{ref} is {state}; only an {allowed} item can be {past}", **params)
    return Msg("{ref} is {state}; only a {allowed} item can be {past}", **params)
