"""The sweep over a million open items, each figure beside its floor on the same file.

    .venv/bin/python bench/sweep_1m.py [--items 100000,1000000]

For each size a database is set up with `rectify` (an office, one unit, one person with an email
and no phone, one campaign, one task due 2020-09-30) and filled with open items straight into the
table. Every item reaches blue at the swept instant, so the first sweep raises all of them and
queues one email notice each; a repeated sweep at the same instant has nothing to do.

Each `rectify sweep` runs as its own process. "after start-up" is the time of the sweep command
itself, measured inside that process once cli and SQLAlchemy are imported; "process" is the
whole run, start-up included; "peak" is the process's maximum resident memory.

The floors run with sqlite3 on a copy of the same file (same tables, same indexes):
- first sweep: one `UPDATE ... RETURNING` of the changed items, then the notices inserted with
  `executemany` from what it returned (the issue's floor); the plain `INSERT ... SELECT` into the
  outbox followed by the `UPDATE` is timed too, and the ratio is taken against the faster;
- repeated sweep: the same UPDATE, finding nothing.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

RECTIFY = [sys.executable, "-c", "from cli import main; main()"]
# The sweep in a child that reports its own time (after imports) and peak memory on stderr.
TIMED = [
    sys.executable,
    "-c",
    "import resource, sys, time\n"
    "import sqlalchemy, cli\n"
    "from workflow.services import sweep\n"
    "sql = [0.0, 0.0]\n"
    "@sqlalchemy.event.listens_for(sqlalchemy.engine.Engine, 'before_cursor_execute')\n"
    "def before(*_):\n"
    "    sql[1] = time.perf_counter()\n"
    "@sqlalchemy.event.listens_for(sqlalchemy.engine.Engine, 'after_cursor_execute')\n"
    "def after(*_):\n"
    "    sql[0] += time.perf_counter() - sql[1]\n"
    "start = time.perf_counter()\n"
    "try:\n"
    "    cli.main(sys.argv[1:], prog_name='rectify')\n"
    "except SystemExit as exc:\n"
    "    code = exc.code\n"
    "else:\n"
    "    code = 0\n"
    "spent = time.perf_counter() - start\n"
    "peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
    "print(f'BENCH {spent} {peak} {sql[0]}', file=sys.stderr)\n"
    "sys.exit(code)\n",
]
AT = "2020-09-25T09:00"  # deadline 2020-09-30: 5 days left, blue under the default policy
AT_UTC = "2020-09-25 01:00:00.000000"
BLUE_CUTOFF = "2020-10-02"  # deadline <= this: blue (7 days left at most) on 2020-09-25
SWEEP_INDEX = "ix_responsibility_items_state_level_deadline"
# The floors' statements, written out in full (parameters: the instant, then the cutoff).
RAISE = """UPDATE responsibility_items SET level = 'blue', updated_at = ?
    WHERE state IN ('issued', 'assigned') AND deadline <= ? AND level = 'none'"""
RAISE_RETURNING = RAISE + " RETURNING id, deadline_version, deadline"
NOTICE_VALUES = """INSERT INTO notices (item_id, event, event_key, deadline_version, deadline,
        recipient, recipient_name, channel, address, status, attempts, next_attempt_at, created_at)
    VALUES (?, 'blue', 'blue', ?, ?, ?, ?, 'email', ?, 'pending', 0, ?, ?)
    ON CONFLICT DO NOTHING"""
NOTICE_SELECT = """INSERT INTO notices (item_id, event, event_key, deadline_version, deadline,
        recipient, recipient_name, channel, address, status, attempts, next_attempt_at, created_at)
    SELECT i.id, 'blue', 'blue', i.deadline_version, i.deadline, 'person:' || p.id, p.name,
        'email', p.email, 'pending', 0, ?, ?
    FROM responsibility_items i JOIN people p ON p.id = i.person_id
    WHERE i.state IN ('issued', 'assigned') AND i.deadline <= ? AND i.level = 'none'
        AND p.email IS NOT NULL AND p.email != ''
    ON CONFLICT DO NOTHING"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", default="100000,1000000", help="sizes, comma-separated")
    args = parser.parse_args()
    sizes = [int(size) for size in args.items.split(",")]
    folder = Path(tempfile.mkdtemp(prefix="rectify-sweep-"))
    print(
        f"{'':26} {'rectify':>10} {'(of it SQL)':>10} {'floor':>10} {'ratio':>8} "
        f"{'process':>9} {'peak':>8}"
    )
    for size in sizes:
        run_size(folder, size)
    print(f"(databases in {folder})")


def run_size(folder: Path, count: int) -> None:
    db = folder / f"sweep-{count}.db"
    env = {
        **os.environ,
        "RECTIFY_DB": str(db),
        "RECTIFY_USER": "bench",
        "RECTIFY_NOW": "2020-09-01T09:00",
    }

    def rectify(*argv: str) -> None:
        subprocess.run([*RECTIFY, *argv], env=env, check=True, stdout=subprocess.DEVNULL)

    rectify("init")
    rectify("unit", "add", "dcs", "督查室")
    rectify("person", "add", "bench", "--unit", "dcs", "--role", "office")
    rectify("unit", "add", "slj", "水利局")
    rectify("person", "add", "韩水", "--unit", "slj", "--head", "--email", "hanshui@example.gov.cn")
    rectify("campaign", "add", "BIG", "百万条", "--deadline", "2020-12-31")
    rectify("problem", "add", "--campaign", "BIG", "--title", "氟超标")
    rectify("task", "add", "--problem", "P1", "--title", "加装除氟设备", "--deadline", "2020-09-30")
    fill(db, count)
    floor_db = folder / f"floor-{count}.db"
    select_db = folder / f"floor-select-{count}.db"
    shutil.copy(db, floor_db)
    shutil.copy(db, select_db)

    first = timed_sweep(env)
    again = timed_sweep(env)
    floor_returning = floor_update_returning(floor_db)
    floor_select = floor_insert_select(select_db)
    floor_again = floor_nothing(floor_db)
    floor_scan = floor_nothing(floor_db, drop=SWEEP_INDEX)
    check(db, count)
    check(floor_db, count)
    check(select_db, count)
    select_db.unlink()
    floor = min(floor_returning, floor_select)
    print(f"items: {count:,}, each raised to blue with one email notice")
    line("  first sweep", first, floor)
    print(
        f"{'':4}floors: UPDATE ... RETURNING + executemany {floor_returning:.2f} s, "
        f"INSERT ... SELECT + UPDATE {floor_select:.2f} s (the faster is the floor)"
    )
    line("  repeated sweep", again, floor_again)
    print(
        f"{'':4}floor: the same UPDATE finding nothing, same indexes; without the sweep index "
        f"(0006) it visits every open item near its deadline: {floor_scan:.3f} s "
        f"({again.command / floor_scan:.1f}x)"
    )


class Run(NamedTuple):
    command: float  # seconds after start-up: the sweep command inside its process
    sql: float  # of which in database statements
    process: float  # seconds for the whole process, start-up included
    peak_kb: int  # the process's maximum resident memory


def line(label: str, run: Run, floor: float) -> None:
    print(
        f"{label:26} {run.command:8.3f} s {run.sql:8.3f} s {floor:8.5f} s {run.command / floor:7.1f}x"
        f" {run.process:7.2f} s {run.peak_kb / 1024:5.0f} MB"
    )


def timed_sweep(env: dict[str, str]) -> Run:
    start = time.perf_counter()
    done = subprocess.run(
        [*TIMED, "sweep", "--at", AT],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    process = time.perf_counter() - start
    bench = [row for row in done.stderr.splitlines() if row.startswith("BENCH ")][-1].split()
    return Run(float(bench[1]), float(bench[3]), process, int(bench[2]))


def fill(db: Path, count: int) -> None:
    """Items straight into the table (bulk setup, not what is measured)."""
    conn = sqlite3.connect(db)
    (unit,) = conn.execute("SELECT id FROM units WHERE code = 'slj'").fetchone()
    (person,) = conn.execute("SELECT id FROM people WHERE name = '韩水'").fetchone()
    now = "2020-09-01 01:00:00.000000"
    with conn:
        conn.executemany(
            "INSERT INTO responsibility_items (ref, task_id, unit_id, person_id, role, deadline, "
            "original_deadline, state, level, deadline_version, extension_count, "
            "definition_version, created_at, updated_at) VALUES (?, 1, ?, ?, 'lead', "
            "'2020-09-30', '2020-09-30', 'assigned', 'none', 1, 0, 1, ?, ?)",
            ((f"R{n + 2}", unit, person, now, now) for n in range(count)),
        )
    conn.close()


def floor_update_returning(db: Path) -> float:
    """The issue's floor: one UPDATE ... RETURNING, the notices inserted from what it returned."""
    conn = sqlite3.connect(db)
    name, email, person = conn.execute(
        "SELECT name, email, id FROM people WHERE name = '韩水'"
    ).fetchone()
    start = time.perf_counter()
    with conn:
        changed = conn.execute(RAISE_RETURNING, (AT_UTC, BLUE_CUTOFF))
        conn.executemany(
            NOTICE_VALUES,
            (
                (item, version, deadline, f"person:{person}", name, email, AT_UTC, AT_UTC)
                for item, version, deadline in changed.fetchall()
            ),
        )
    seconds = time.perf_counter() - start
    conn.close()
    return seconds


def floor_insert_select(db: Path) -> float:
    """The same work as two set statements: queue the notices, then raise the levels."""
    conn = sqlite3.connect(db)
    start = time.perf_counter()
    with conn:
        conn.execute(NOTICE_SELECT, (AT_UTC, AT_UTC, BLUE_CUTOFF))
        conn.execute(RAISE, (AT_UTC, BLUE_CUTOFF))
    seconds = time.perf_counter() - start
    conn.close()
    return seconds


def floor_nothing(db: Path, drop: str | None = None) -> float:
    """The repeated sweep's floor: the same UPDATE, finding nothing (best of three); with
    `drop`, after dropping that index (as the schema was before migration 0006)."""
    conn = sqlite3.connect(db)
    if drop:
        conn.execute(f"DROP INDEX {drop}")
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        with conn:
            changed = conn.execute(RAISE, (AT_UTC, BLUE_CUTOFF)).rowcount
        best = min(best, time.perf_counter() - start)
        if changed:
            raise SystemExit(f"{db}: the repeated floor changed {changed} items")
    conn.close()
    return best


def check(db: Path, count: int) -> None:
    conn = sqlite3.connect(db)
    blue = conn.execute("SELECT count(*) FROM responsibility_items WHERE level = 'blue'").fetchone()
    queued = conn.execute("SELECT count(*) FROM notices WHERE event = 'blue'").fetchone()
    conn.close()
    if (blue[0], queued[0]) != (count, count):
        raise SystemExit(f"{db}: {blue[0]} blue items and {queued[0]} notices, expected {count}")


if __name__ == "__main__":
    main()
