"""Property-based tests (hypothesis, issue 8): hostile ledgers and hostile CLI arguments always
end in exit 0, 1 (or 2 for a usage error), never a traceback or a hang; a refusal is one
`Error:` line and leaves the database as it was.

The helpers here are shared by the two modules of this package. The properties run on SQLite
only (each module narrows `db_url`): hypothesis reuses one database across its examples, and a
PostgreSQL schema per test would add little but time.
"""

from __future__ import annotations

import re
import shutil
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

from click.testing import Result
from sqlalchemy import create_engine, text

# The tables a refused command must leave as they were.
COUNTED = (
    "problems", "tasks", "responsibility_items", "audit_events", "notices", "people",
    "extensions", "imports", "change_log", "evidence",
)  # fmt: skip

# What a terminal would act on rather than show (as workflow/output.py escapes them in tables):
# C0 and C1 controls, DEL, bidi marks, overrides and isolates, line and paragraph separators.
CONTROLS = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]"
)


def counts(db_url: str) -> dict[str, int]:
    """Rows in each counted table, straight from the database (not through the CLI)."""
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            return {
                table: conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
                for table in COUNTED
            }
    finally:
        engine.dispose()


class Pristine:
    """A copy of an SQLite database as a fixture left it, put back before each example (so that
    one example's import does not make the next one a duplicate)."""

    def __init__(self, db_url: str) -> None:
        self.path = Path(db_url.removeprefix("sqlite:///"))
        self.copy = self.path.with_name(self.path.name + ".pristine")
        shutil.copyfile(self.path, self.copy)

    def restore(self) -> None:
        for suffix in ("-wal", "-shm"):
            Path(str(self.path) + suffix).unlink(missing_ok=True)
        shutil.copyfile(self.copy, self.path)


class Hang(Exception):
    """A command ran past its time limit."""


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Fails the example with `Hang` if the block takes longer than `seconds` (SIGALRM: the
    main thread, POSIX only; pytest-timeout is not a dependency)."""

    def expired(signum: int, frame: FrameType | None) -> None:
        raise Hang(f"no answer within {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def check_outcome(result: Result, *, usage_ok: bool = False, controls: bool = True) -> None:
    """Exit 0 or 1 (2 too for a click usage error when `usage_ok`), no traceback anywhere, and
    a refusal said in exactly one `Error:` line on stderr, with nothing on stdout, no raw
    database error and (when `controls`) nothing a terminal would act on."""
    allowed = {0, 1, 2} if usage_ok else {0, 1}
    assert result.exit_code in allowed, (result.exit_code, result.output)
    assert "Traceback" not in result.output, result.output
    if result.exit_code == 0:
        return
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: "), result.stderr
    assert result.stderr == lines[0] + "\n", repr(result.stderr)
    assert not lines[0].startswith("Error: database:"), lines[0]
    if controls:
        assert not CONTROLS.search(lines[0]), repr(lines[0])
    assert result.stdout == "", result.stdout
