"""The sweep over a million open items, beside the plain-SQL floor doing the same work.

    .venv/bin/python bench/sweep_1m.py [--items 1000000]

Every item reaches blue at the swept instant, so the sweep raises all of them and queues one
email notice each (the person has an email address, no phone). The floor is the same INSERT ...
SELECT into the outbox and the same UPDATE written by hand with sqlite3 on a copy of the
database. `rectify sweep` is timed as a whole process (start-up included); the repeat sweep at
the same instant must find nothing to do.
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

RECTIFY = [sys.executable, "-c", "from cli import main; main()"]
AT = "2020-09-25T09:00"  # deadline 2020-09-30: 5 days left, blue under the default policy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1_000_000)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="rectify-sweep-"))
    db = folder / "sweep.db"
    env = {
        **os.environ,
        "RECTIFY_DB": str(db),
        "RECTIFY_USER": "bench",
        "RECTIFY_NOW": "2020-09-01T09:00",
    }

    def rectify(*argv: str) -> float:
        start = time.perf_counter()
        subprocess.run([*RECTIFY, *argv], env=env, check=True, stdout=subprocess.DEVNULL)
        return time.perf_counter() - start

    rectify("init")
    rectify("unit", "add", "slj", "水利局")
    rectify("person", "add", "韩水", "--unit", "slj", "--head", "--email", "hanshui@example.gov.cn")
    rectify("campaign", "add", "BIG", "百万条", "--deadline", "2020-12-31")
    rectify("problem", "add", "--campaign", "BIG", "--title", "氟超标")
    rectify("task", "add", "--problem", "P1", "--title", "加装除氟设备", "--deadline", "2020-09-30")
    fill(db, args.items)
    floor_db = folder / "floor.db"
    shutil.copy(db, floor_db)

    seconds = rectify("sweep", "--at", AT)
    again = rectify("sweep", "--at", AT)
    floor = sql_floor(floor_db)
    check(db, floor_db, args.items)
    print(f"items: {args.items:,}, each raised to blue with one email notice")
    print(
        f"{'rectify sweep (process)':34} {seconds:6.2f} s   floor {floor:6.2f} s  ({seconds / floor:4.1f}x)"
    )
    print(f"{'rectify sweep again (no-op)':34} {again:6.2f} s")
    print(f"(databases in {folder})")


def fill(db: Path, count: int) -> None:
    """Items straight into the table (bulk setup, not what is measured)."""
    conn = sqlite3.connect(db)
    now = "2020-09-01 01:00:00.000000"
    with conn:
        conn.executemany(
            "INSERT INTO responsibility_items (ref, task_id, unit_id, person_id, role, deadline, original_deadline, state, level, deadline_version, extension_count, definition_version, created_at, updated_at) "
            "VALUES (?, 1, 1, 1, 'lead', '2020-09-30', '2020-09-30', 'assigned', 'none', 1, 0, 1, ?, ?)",
            ((f"R{n + 2}", now, now) for n in range(count)),
        )
    conn.close()


def sql_floor(db: Path) -> float:
    """The same two statements by hand: queue the notices, then raise the levels."""
    conn = sqlite3.connect(db)
    start = time.perf_counter()
    with conn:
        conn.execute(
            """INSERT INTO notices (item_id, event, event_key, deadline_version, deadline, recipient,
                   recipient_name, channel, address, status, attempts, next_attempt_at, created_at)
               SELECT i.id, 'blue', 'blue', i.deadline_version, i.deadline, 'person:' || p.id, p.name,
                   'email', p.email, 'pending', 0, ?, ?
               FROM responsibility_items i JOIN people p ON p.id = i.person_id
               WHERE i.state IN ('issued', 'assigned') AND i.deadline <= ? AND i.level = 'none'
                 AND p.email IS NOT NULL AND p.email != ''
               ON CONFLICT DO NOTHING""",
            ("2020-09-25 01:00:00.000000", "2020-09-25 01:00:00.000000", "2020-10-02"),
        )
        conn.execute(
            "UPDATE responsibility_items SET level = 'blue' WHERE state IN ('issued', 'assigned') AND deadline <= ? AND level = 'none'",
            ("2020-10-02",),
        )
    seconds = time.perf_counter() - start
    conn.close()
    return seconds


def check(db: Path, floor_db: Path, count: int) -> None:
    for path in (db, floor_db):
        conn = sqlite3.connect(path)
        blue = conn.execute(
            "SELECT count(*) FROM responsibility_items WHERE level = 'blue'"
        ).fetchone()[0]
        queued = conn.execute("SELECT count(*) FROM notices WHERE event = 'blue'").fetchone()[0]
        conn.close()
        if (blue, queued) != (count, count):
            raise SystemExit(f"{path}: {blue} blue items and {queued} notices, expected {count}")


if __name__ == "__main__":
    main()
