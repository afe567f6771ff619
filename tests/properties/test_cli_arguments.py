"""Hostile refs, names and dates on the command line (issue 8, point 8): control characters,
bidi overrides, very long or empty text, quotes, %-escapes and NUL given to `show`, `fix`,
`accept`, `list --unit`, `overdue --person`, `stats --from`, `extend --to` and `person add`.
Always exit 0, 1 or 2 (a click usage error) in bounded time, never a traceback; a refusal is
one `Error:` line with nothing a terminal would act on, and leaves the database unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from tests.conftest import DATA, Rectify
from tests.properties import Pristine, check_outcome, counts, time_limit


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    """SQLite only (see tests/properties/__init__.py)."""
    return "sqlite:///" + str(tmp_path / "rectify.db")


@pytest.fixture
def ledgered(county: Rectify) -> tuple[Rectify, Pristine]:
    """The county with the sample ledger imported (R1..R12, assigned) and R1 reported fixed."""
    county.ok("import", str(DATA / "ledger" / "sample-ledger.csv"), "--campaign", "TP")
    county.ok("fix", "R1", "--note", "已完成", actor="韩水")
    return county, Pristine(county.db_url)


HOSTILE_WORDS = [
    "", " ", "\t", "\u3000", "\x00", "R1\x00", "\x00R1", "R1\n", "R 1", "r1", "Ｒ１", "R01",
    "R-1", "R99999999999999999999", "P0", "T-1", "R1;R2", "R1' OR '1'='1", '"', "'", "\\",
    "%", "%s%n", "%00", "%2e%2e/", "{0}", "{ref}", "{ref!r}", "\x1b[2J", "\x1b]0;title\x07",
    "\u202eR1", "R\u200b1", "\u2066R1\u2069", "\ufeffR1", "--", "-", "--help", "-x",
    "2020-02-30", "0000-00-00", "99999", "0001-01-01", "9999-12-31", "2020-13-01",
    "2020年2月30日", "今天", "1e308", "NaN", "水利局\x00", "韩水@", "@slj", "韩水@slj@slj",
    "x" * 10_000, "问" * 5_000,
]  # fmt: skip
HOSTILE: st.SearchStrategy[str] = st.one_of(
    st.sampled_from(HOSTILE_WORDS),
    st.text(max_size=30),
    st.text(st.characters(codec="ascii"), max_size=12),
    st.builds(
        lambda a, b: a + b,
        st.sampled_from(["R1", "R2", "T1", "P1", "韩水", "slj", "2020-10-01"]),
        st.sampled_from(HOSTILE_WORDS[:40]),
    ),
)

# Each command with the hostile text where a ref, name or date goes.
COMMANDS: dict[str, tuple[str, ...]] = {
    "show": ("show", "{}"),
    "fix": ("fix", "{}", "--note", "done"),
    "fix-note": ("fix", "R2", "--note", "{}"),
    "accept": ("accept", "{}"),
    "list-unit": ("list", "--unit", "{}"),
    "overdue-person": ("overdue", "--person", "{}"),
    "stats-from": ("stats", "--no-verify", "--from", "{}"),
    "extend-to": ("extend", "R2", "--to", "{}", "--reason", "more time"),
    "extend-ref": ("extend", "{}", "--to", "2020-10-30", "--reason", "more time"),
    "person-add": ("person", "add", "{}", "--unit", "slj"),
    "person-unit": ("person", "add", "新人", "--unit", "{}"),
}


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(command=st.sampled_from(sorted(COMMANDS)), value=HOSTILE)
@example(command="show", value="R1\x00")
@example(command="accept", value="R1' OR '1'='1")
@example(command="list-unit", value="\x1b[2J")
@example(command="overdue-person", value="韩水@slj@slj")
@example(command="stats-from", value="2020-02-30")
@example(command="extend-to", value="0000-00-00")
@example(command="extend-to", value="99999")
@example(command="person-add", value="\x00")
@example(command="person-add", value="\u202e韩水")
@example(command="person-add", value=" ")
@example(command="person-add", value="x" * 10_000)
@example(command="person-unit", value="%s%n")
def test_hostile_arguments_are_answered_or_refused_in_one_line(
    ledgered: tuple[Rectify, Pristine], command: str, value: str
) -> None:
    _answered_or_refused(ledgered, command, value)


def _answered_or_refused(ledgered: tuple[Rectify, Pristine], command: str, value: str) -> None:
    rectify, pristine = ledgered
    pristine.restore()
    args = [value if part == "{}" else part for part in COMMANDS[command]]
    before = counts(rectify.db_url)
    with time_limit(30):
        result = rectify.run(*args)
    event(f"exit {result.exit_code}")
    check_outcome(result, usage_ok=True)
    if result.exit_code != 0:
        assert counts(rectify.db_url) == before, result.stderr


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    command=st.sampled_from(sorted(COMMANDS)),
    value=st.sampled_from(["\udcff", "R1\udcff", "韩水\udce4", "slj\udc80"]),
)
@example(command="list-unit", value="\udcff")
@example(command="overdue-person", value="\udcff")
@example(command="fix-note", value="\udcff")
def test_arguments_that_are_not_utf8_are_refused_in_one_line(
    ledgered: tuple[Rectify, Pristine], command: str, value: str
) -> None:
    _answered_or_refused(ledgered, command, value)
