"""`rectify import` of 100,000 and 1,000,000 ledger rows, each beside its floor, with peak memory.

    .venv/bin/python bench/import_1m.py [--rows 100000 --rows 1000000] [--keep DIR]

Each ledger row is one task (five to a problem) with a lead and a cooperating unit: two items,
two 交办 email notices, and problem, task and item audit rows. `rectify import` runs as a whole
process (start-up included); its time is wall time and its peak memory the child's ru_maxrss.
The floor does the same writes on a copy of the same empty campaign (same tables, same
indexes) in this process: the csv module reads the ledger, sqlite3 `executemany` inserts the
problems, tasks, items and hash-chained audit rows, and one INSERT ... SELECT queues the same
assignment notices. It checks nothing and looks nothing up beyond a dict of the units.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RECTIFY = [str(Path(sys.executable).with_name("rectify"))]
UNITS = 20
TASKS_PER_PROBLEM = 5
NOW = "2020-09-01T09:00"
STAMP = "2020-09-01 01:00:00.000000"  # NOW in UTC, as SQLAlchemy stores it on SQLite


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, action="append", help="ledger rows (repeatable)")
    parser.add_argument("--keep", type=Path, help="folder to keep the databases and ledgers in")
    args = parser.parse_args()
    sizes = args.rows or [100_000, 1_000_000]
    folder = args.keep or Path(tempfile.mkdtemp(prefix="rectify-import-"))
    folder.mkdir(parents=True, exist_ok=True)
    empty = folder / "empty.db"
    env = setup(empty)
    print(f"{'rows':>10} {'rectify':>9} {'floor':>8} {'ratio':>6} {'peak RSS':>9}")
    for rows in sizes:
        ledger = folder / f"ledger-{rows}.csv"
        write_ledger(ledger, rows)
        db = folder / f"import-{rows}.db"
        copy_db(empty, db)
        seconds, peak = timed([*RECTIFY, "import", str(ledger), "--campaign", "BIG"], db, env)
        floor_db = folder / f"floor-{rows}.db"
        copy_db(empty, floor_db)
        floor = import_floor(floor_db, ledger)
        check_same(db, floor_db)
        print(f"{rows:>10,} {seconds:8.2f}s {floor:7.2f}s {seconds / floor:5.1f}x {peak:6.0f} MiB")
    print(f"(databases and ledgers in {folder})")


def setup(db: Path) -> dict[str, str]:
    for suffix in ("", "-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    env = {**os.environ, "RECTIFY_USER": "bench", "RECTIFY_NOW": NOW}

    def rectify(*argv: str) -> None:
        timed([*RECTIFY, *argv], db, env)

    rectify("init")
    for n in range(UNITS):
        rectify("unit", "add", f"u{n}", f"第{n}局")
        rectify("person", "add", f"局长{n}", "--unit", f"u{n}", "--head", "--email", f"u{n}@x.cn")
    rectify("person", "add", "bench", "--unit", "u0", "--role", "office")
    rectify("campaign", "add", "BIG", "百万条整改", "--deadline", "2020-12-31")
    sqlite3.connect(db).execute("PRAGMA wal_checkpoint(TRUNCATE)").close()
    return env


def copy_db(source: Path, target: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(str(target) + suffix).unlink(missing_ok=True)
    shutil.copyfile(source, target)


def write_ledger(path: Path, rows: int, deadline: str = "2020-10-31") -> Path:
    """`rows` tasks, five to a problem, a lead and a cooperating unit each, due on `deadline`."""
    header = ["序号", "问题来源", "问题类别", "问题描述", "整改措施", "责任单位", "配合单位",
              "责任人", "整改时限"]  # fmt: skip
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for t in range(rows):
            p = t // TASKS_PER_PROBLEM + 1
            lead, other = t % UNITS, (t + 1) % UNITS
            writer.writerow([p, "自查", "饮水安全", f"问题{p}", f"整改措施{t + 1}", f"u{lead}",
                             f"u{other}", f"局长{lead}", deadline])  # fmt: skip
    return path


def timed(argv: list[str], db: Path, env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and this child's peak RSS in MiB (wait4 gives the child's own figure)."""
    start = time.perf_counter()
    process = subprocess.Popen(
        argv,
        env={**env, "RECTIFY_DB": str(db)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        error = process.stderr.read().decode() if process.stderr else ""
        raise SystemExit(f"{argv[1:]} failed: {error}")
    return seconds, usage.ru_maxrss / 1024


def import_floor(db: Path, ledger: Path) -> float:
    """The same rows written with the csv module and sqlite3 executemany, in one transaction."""
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    start = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    units = dict(conn.execute("SELECT code, id FROM units"))
    heads = dict(conn.execute("SELECT unit_id, id FROM people WHERE is_head"))
    campaign = conn.execute("SELECT id FROM campaigns WHERE code = 'BIG'").fetchone()[0]
    import_id = conn.execute(
        "INSERT INTO imports (campaign_id, filename, sha256, mode, rows, actor, at) "
        "VALUES (?, ?, '', 'new', 0, 'bench', ?) RETURNING id",
        (campaign, ledger.name, STAMP),
    ).fetchone()[0]
    problem_ids: dict[str, int] = {}
    problems, tasks, items, audit = [], [], [], []
    prev = "0" * 64

    def audited(kind: str, ref: str, row: int) -> None:
        nonlocal prev
        note = f"{ledger.name} row {row}"
        content = json.dumps([kind, ref, "import", None, "assigned", "bench",
                              "2020-09-01T01:00:00.000000Z", note],
                             ensure_ascii=False, separators=(",", ":"))  # fmt: skip
        digest = hashlib.sha256(f"{prev}\n{content}".encode()).hexdigest()
        audit.append((kind, ref, "import", "assigned", "bench", STAMP, note, prev, digest))
        prev = digest

    with ledger.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        for row, (no, source, category, title, task, unit, other, _, deadline) in enumerate(
            reader, start=2
        ):
            if no not in problem_ids:
                problem_ids[no] = len(problem_ids) + 1
                ref = f"P{problem_ids[no]}"
                problems.append((problem_ids[no], ref, campaign, no, source, category, title))
                audited("problem", ref, row)
            task_id = len(tasks) + 1
            tasks.append((task_id, f"T{task_id}", problem_ids[no], task, deadline, import_id, row))
            audited("task", f"T{task_id}", row)
            for role, code in (("lead", unit), ("cooperate", other)):
                unit_id = units[code]
                ref = f"R{len(items) + 1}"
                items.append((ref, task_id, unit_id, heads[unit_id], role, deadline))
                audited("responsibility", ref, row)
    conn.executemany(
        "INSERT INTO problems (id, ref, campaign_id, ledger_no, source, category, title, state, "
        "definition_version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'assigned', 1, "
        "?, ?)",
        ((*p, STAMP, STAMP) for p in problems),
    )
    conn.executemany(
        "INSERT INTO tasks (id, ref, problem_id, title, deadline, deadline_kind, import_id, "
        "ledger_key, state, definition_version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, "
        "'date', ?, ?, 'assigned', 1, ?, ?)",
        ((*t[:-1], hashlib.sha256(str(t[-1]).encode()).hexdigest(), STAMP, STAMP) for t in tasks),
    )
    conn.executemany(
        "INSERT INTO responsibility_items (ref, task_id, unit_id, person_id, role, deadline, "
        "original_deadline, deadline_kind, state, level, definition_version, created_at, "
        "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'date', 'assigned', 'none', 1, ?, ?)",
        ((*i, i[-1], STAMP, STAMP) for i in items),
    )
    conn.executemany(
        'INSERT INTO audit_events (kind, ref, "trigger", to_state, actor, at, note, prev_hash, '
        "row_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        audit,
    )
    conn.execute(
        "INSERT INTO notices (item_id, event, event_key, deadline_version, deadline, recipient, "
        "recipient_name, channel, address, status, attempts, next_attempt_at, created_at) "
        "SELECT i.id, 'assigned', 'assigned', i.deadline_version, i.deadline, 'person:' || p.id, "
        "p.name, 'email', p.email, 'pending', 0, ?, ? "
        "FROM responsibility_items i JOIN people p ON p.id = i.person_id WHERE p.email IS NOT NULL",
        (STAMP, STAMP),
    )
    conn.execute("COMMIT")
    seconds = time.perf_counter() - start
    conn.close()
    return seconds


def check_same(db: Path, floor_db: Path) -> None:
    """The floor must have written what rectify wrote, or the comparison means nothing."""
    tables = ("problems", "tasks", "responsibility_items", "audit_events", "notices")
    query = (
        "SELECT (SELECT count(*) FROM problems), (SELECT count(*) FROM tasks), "
        "(SELECT count(*) FROM responsibility_items), (SELECT count(*) FROM audit_events), "
        "(SELECT count(*) FROM notices)"
    )
    counts = []
    for path in (db, floor_db):
        conn = sqlite3.connect(path)
        counts.append(list(conn.execute(query).fetchone()))
        conn.close()
    if counts[0] != counts[1]:
        raise SystemExit(f"rows differ: rectify {counts[0]}, floor {counts[1]} ({tables})")


if __name__ == "__main__":
    main()
