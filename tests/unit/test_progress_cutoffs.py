"""When a standing item's missed progress report (整改进展) warns: blue after N days, yellow 2N."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from definitions.policies import load_policies
from workflow.escalation import progress_cutoffs

POLICY = load_policies()["default"]
NOW = datetime(2020, 12, 1, 9, 0, tzinfo=UTC)


def test_no_cutoffs_when_the_policy_asks_for_no_reports() -> None:
    assert POLICY.progress_every_days is None
    assert progress_cutoffs(NOW, POLICY) == []


def test_blue_after_n_days_and_yellow_after_twice_as_many() -> None:
    policy = replace(POLICY, progress_every_days=30)
    assert progress_cutoffs(NOW, policy) == [
        ("blue", datetime(2020, 11, 1, 9, 0, tzinfo=UTC)),
        ("yellow", datetime(2020, 10, 2, 9, 0, tzinfo=UTC)),
    ]


def test_naive_instants_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        progress_cutoffs(NOW.replace(tzinfo=None), replace(POLICY, progress_every_days=7))
