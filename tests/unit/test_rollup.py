"""How a parent (task or problem) follows its children: a table of cases and a property."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workflow.rollup import rollup_state

STATES = ("issued", "assigned", "fixed", "closed")


def state_of(children: list[str]) -> str:
    """rollup_state called the way the engine calls it: counts of the children's states."""
    n = Counter(children)
    return rollup_state(len(children), n["issued"], n["fixed"] + n["closed"], n["closed"])


CASES = [
    ([], "issued"),
    (["issued"], "issued"),
    (["issued", "issued"], "issued"),
    (["assigned"], "assigned"),
    (["issued", "assigned"], "assigned"),
    (["issued", "fixed"], "assigned"),
    (["issued", "closed"], "assigned"),
    (["assigned", "fixed"], "assigned"),
    (["assigned", "closed"], "assigned"),
    (["fixed"], "fixed"),
    (["fixed", "fixed"], "fixed"),
    (["fixed", "closed"], "fixed"),
    (["closed", "fixed", "closed"], "fixed"),
    (["closed"], "closed"),
    (["closed", "closed", "closed"], "closed"),
]


@pytest.mark.parametrize(
    ("children", "parent"), CASES, ids=["+".join(c) or "none" for c, _ in CASES]
)
def test_parent_state_from_children(children: list[str], parent: str) -> None:
    assert state_of(children) == parent


@pytest.mark.parametrize(
    ("counts", "parent"),
    [((0, 0, 0, 0), "issued"), ((3, 3, 0, 0), "issued"), ((3, 0, 3, 3), "closed"),
     ((3, 0, 3, 2), "fixed"), ((3, 1, 2, 2), "assigned"), ((3, 0, 2, 0), "assigned")],
)  # fmt: skip
def test_counts_are_total_issued_done_closed(
    counts: tuple[int, int, int, int], parent: str
) -> None:
    assert rollup_state(*counts) == parent


@given(st.lists(st.sampled_from(STATES), max_size=12))
def test_rollup_property(children: list[str]) -> None:
    parent = state_of(children)
    assert parent in STATES
    assert (parent == "closed") == (bool(children) and all(c == "closed" for c in children))
    assert (parent == "fixed") == (
        bool(children)
        and all(c in ("fixed", "closed") for c in children)
        and not all(c == "closed" for c in children)
    )
    assert (parent == "issued") == all(c == "issued" for c in children)
    assert (parent == "assigned") == (
        any(c != "issued" for c in children) and any(c in ("issued", "assigned") for c in children)
    )


@given(st.lists(st.sampled_from(STATES), max_size=12))
def test_one_open_child_keeps_the_parent_open(children: list[str]) -> None:
    """Adding an assigned child (a new 交办, a reject, a reopen) never leaves a parent done."""
    assert state_of([*children, "assigned"]) == "assigned"


@given(st.lists(st.sampled_from(STATES), min_size=1, max_size=12))
def test_a_parent_is_as_far_as_its_least_advanced_child(children: list[str]) -> None:
    """...or assigned, when work has started on some children but not on all."""
    least = min(STATES.index(c) for c in children)
    assert STATES.index(state_of(children)) in {least, max(least, 1)}
