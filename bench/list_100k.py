"""Import a 100,000-item campaign and list it, each figure beside its floor.

    .venv/bin/python bench/list_100k.py [--items 100000] [--keep DIR]

The floor for import is sqlite3 executemany of the same rows into the same tables (no checks,
no audit rows); the floor for list is the same join run with sqlite3 and written with
json.dumps. Both `rectify` figures are whole processes (start-up included), measured as
subprocesses, with their peak memory, so the list's memory shows whether rows are streamed.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RECTIFY = [sys.executable, "-c", "import cli; cli.main()"]
UNITS = 20
TASKS_PER_PROBLEM = 5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--keep", type=Path, help="folder to keep the database and ledger in")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="rectify-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "bench.db"
    for suffix in ("", "-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    env = {
        **os.environ,
        "RECTIFY_DB": str(db),
        "RECTIFY_USER": "bench",
        "RECTIFY_NOW": "2020-09-01T09:00",
    }

    def rectify(*argv: str, stdout: int | None = subprocess.DEVNULL) -> tuple[float, float]:
        return timed([*RECTIFY, *argv], env, stdout)

    rectify("init")
    for n in range(UNITS):
        rectify("unit", "add", f"u{n}", f"第{n}局")
        rectify("person", "add", f"局长{n}", "--unit", f"u{n}", "--head")
    rectify("campaign", "add", "BIG", "十万条整改", "--deadline", "2020-12-31")
    ledger = folder / "ledger.csv"
    tasks = write_ledger(ledger, args.items)

    seconds, peak = rectify("import", str(ledger), "--campaign", "BIG")
    floor = import_floor(folder / "floor.db", db, tasks)
    print(f"items: {args.items:,} ({tasks:,} tasks, each with a lead and a cooperating unit)")
    report("import (CSV -> 3 lists + audit)", seconds, floor, peak)

    seconds, peak = rectify("list", "--campaign", "BIG", "--format", "json")
    floor = list_floor(db)
    report("list --format json", seconds, floor, peak)
    seconds, peak = rectify("list", "--campaign", "BIG")
    report("list (table, zh)", seconds, floor, peak)
    seconds, peak = rectify("list", "--campaign", "BIG", "--state", "fixed", "--format", "json")
    report("list --state fixed (0 rows)", seconds, None, peak)
    print(f"(database and ledger in {folder})")


def write_ledger(path: Path, items: int) -> int:
    tasks = items // 2
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "序号",
                "问题来源",
                "问题类别",
                "问题描述",
                "整改措施",
                "责任单位",
                "配合单位",
                "责任人",
                "整改时限",
            ]
        )
        for t in range(tasks):
            p = t // TASKS_PER_PROBLEM
            lead, other = t % UNITS, (t + 1) % UNITS
            writer.writerow([p + 1, "自查", "饮水安全", f"问题{p + 1}", f"整改措施{t + 1}",
                             f"u{lead}", f"u{other}", f"局长{lead}", "2020-10-31"])  # fmt: skip
    return tasks


def timed(argv: list[str], env: dict[str, str], stdout: int | None) -> tuple[float, float]:
    """Wall seconds and this child's peak RSS in MiB (wait4 gives the child's own figure)."""
    start = time.perf_counter()
    process = subprocess.Popen(argv, env=env, stdout=stdout, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(
            f"{argv[3:]} failed: {process.stderr.read().decode() if process.stderr else ''}"
        )
    return seconds, usage.ru_maxrss / 1024


def import_floor(floor_db: Path, schema_from: Path, tasks: int) -> float:
    """The same rows inserted with sqlite3 executemany: no reading, checking or auditing."""
    floor_db.unlink(missing_ok=True)
    source = sqlite3.connect(schema_from)
    ddl = [
        row[0]
        for row in source.execute(
            "SELECT sql FROM sqlite_master WHERE type='table' AND name IN ('problems','tasks','responsibility_items')"
        )
    ]
    source.close()
    conn = sqlite3.connect(floor_db)
    conn.execute("PRAGMA journal_mode=WAL")
    for statement in ddl:
        conn.execute(statement)
    now = "2020-09-01 01:00:00"
    start = time.perf_counter()
    with conn:
        problems = tasks // TASKS_PER_PROBLEM
        conn.executemany(
            "INSERT INTO problems (id, ref, campaign_id, title, state, definition_version, created_at, updated_at) VALUES (?, ?, 1, ?, 'assigned', 1, ?, ?)",
            ((p + 1, f"P{p + 1}", f"问题{p + 1}", now, now) for p in range(problems)),
        )
        conn.executemany(
            "INSERT INTO tasks (id, ref, problem_id, title, deadline, state, definition_version, created_at, updated_at) VALUES (?, ?, ?, ?, '2020-10-31', 'assigned', 1, ?, ?)",
            (
                (t + 1, f"T{t + 1}", t // TASKS_PER_PROBLEM + 1, f"整改措施{t + 1}", now, now)
                for t in range(tasks)
            ),
        )
        conn.executemany(
            "INSERT INTO responsibility_items (ref, task_id, unit_id, person_id, role, deadline, state, level, definition_version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, '2020-10-31', 'assigned', 'none', 1, ?, ?)",
            (
                (f"R{2 * t + k + 1}", t + 1, 1, 1, ("lead", "cooperate")[k], now, now)
                for t in range(tasks)
                for k in (0, 1)
            ),
        )
    seconds = time.perf_counter() - start
    conn.close()
    return seconds


def list_floor(db: Path) -> float:
    """The list's join with sqlite3, each row written as JSON to /dev/null."""
    start = time.perf_counter()
    conn = sqlite3.connect(db)
    rows = conn.execute(
        """SELECT i.ref, t.title, i.state, i.level, i.deadline, u.name, p.name, t.ref, pr.ref, c.code, i.role
           FROM responsibility_items i JOIN tasks t ON t.id = i.task_id
           JOIN problems pr ON pr.id = t.problem_id JOIN campaigns c ON c.id = pr.campaign_id
           JOIN units u ON u.id = i.unit_id JOIN people p ON p.id = i.person_id
           WHERE c.code = ? ORDER BY i.id""",
        ("BIG",),
    )
    keys = (
        "ref",
        "title",
        "state",
        "level",
        "deadline",
        "unit",
        "person",
        "task",
        "problem",
        "campaign",
        "role",
    )
    with open(os.devnull, "w", encoding="utf-8") as sink:
        for row in rows:
            sink.write(json.dumps(dict(zip(keys, row, strict=True)), ensure_ascii=False) + "\n")
    conn.close()
    return time.perf_counter() - start


def report(what: str, seconds: float, floor: float | None, peak_mib: float) -> None:
    floor_text = f"floor {floor:6.2f} s  ({seconds / floor:4.1f}x)" if floor else "floor      -"
    print(f"{what:34} {seconds:6.2f} s   {floor_text}   peak RSS {peak_mib:6.0f} MiB")


if __name__ == "__main__":
    main()
