"""What leaders query, on a campaign of a million items, each beside its hand-written floor.

    .venv/bin/python bench/leaders_1m.py [--items 1000000] [--keep DIR [--reuse]] [--runs 3]

The campaign has 60 units, 1,000 problems with their leaders in charge and 100 items per task,
with deadlines spread over four months: at the measured instant (2020-10-15) about 30% are
closed, 10% fixed, the rest open, most of them past their deadline, with a valid audit trail
(assign, fix, reject, accept rows, hash-chained). `rectify overdue`, `board` and `stats` run as
whole processes (start-up included) with their peak memory; each floor is the same query
written by hand and run with the sqlite3 module on the same file, plus the interpreter's
start-up (`python -c pass`), measured in the same run. `overdue --format json|csv` is also run
on a tenth of the items to show that its memory does not grow with the number of rows.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from workflow import audit

RECTIFY = [sys.executable, "-c", "import cli; cli.main()"]
NOW = "2020-10-15T09:00"
TODAY = date(2020, 10, 15)
UNITS = 60
LEADERS = 10
PROBLEMS = 1_000
TASKS_PER_PROBLEM = 10
FIRST_DEADLINE = date(2020, 9, 1)
STAMP = "2020-09-01 01:00:00.000000"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, help="folder to keep the databases in")
    parser.add_argument("--runs", type=int, default=3, help="best of this many runs of each")
    parser.add_argument("--reuse", action="store_true", help="use the databases in --keep as built")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="rectify-leaders-"))
    folder.mkdir(parents=True, exist_ok=True)
    small_items = max(args.items // 10, 1_000)
    if args.reuse:
        big, small = folder / "big.db", folder / "small.db"
    else:
        big, small = build(folder / "big.db", args.items), build(folder / "small.db", small_items)
    startup = median(lambda: run([sys.executable, "-c", "pass"]))
    print(f"items: {args.items:,} (memory check on {max(args.items // 10, 1_000):,})")
    print(f"interpreter start-up: {startup:.2f} s")
    print(f"best of {args.runs} runs each; floor = the query + interpreter start-up")
    print(f"{'command':44} {'rectify':>9} {'floor':>9} {'ratio':>6} {'peak MB':>8}")
    for name, argv, floor in MEASURES:
        runs = [timed_rectify(big, argv) for _ in range(args.runs)]
        seconds, peak = min(run[0] for run in runs), max(run[1] for run in runs)
        query = min(floor(big) for _ in range(args.runs))
        ratio = seconds / (query + startup)
        print(f"{name:44} {seconds:8.2f}s {query + startup:8.2f}s {ratio:5.2f}x {peak:7.0f}")
    for fmt in ("json", "csv"):
        _, peak_big = timed_rectify(big, ["overdue", "--format", fmt])
        _, peak_small = timed_rectify(small, ["overdue", "--format", fmt])
        print(f"overdue --format {fmt}: peak {peak_small:.0f} MB at 1/10 of the items, "
              f"{peak_big:.0f} MB at all of them")  # fmt: skip
    print(f"(databases in {folder})")


def run(argv: list[str], env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def median(measure: Callable[[], float], times: int = 5) -> float:
    return sorted(measure() for _ in range(times))[times // 2]


def timed_rectify(db: Path, argv: list[str]) -> tuple[float, float]:
    """Seconds and peak memory (MB) of one rectify process."""
    env = {**os.environ, "RECTIFY_DB": str(db), "RECTIFY_USER": "李督查", "RECTIFY_NOW": NOW,
           "RECTIFY_LANG": "zh"}  # fmt: skip
    argv = [sys.executable, "-c", "import cli, resource, sys; "
            "sys.argv = ['rectify'] + sys.argv[1:]; "
            "import atexit; atexit.register(lambda: print(resource.getrusage("
            "resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)); cli.main()", *argv]  # fmt: skip
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True)  # fmt: skip
    seconds = time.perf_counter() - start
    peak_kb = int(done.stderr.strip().splitlines()[-1])
    return seconds, peak_kb / 1024


def timed_query(db: Path, sql: str, params: tuple[object, ...]) -> float:
    """The hand-written floor: the query run with sqlite3, every row fetched."""
    conn = sqlite3.connect(db)
    start = time.perf_counter()
    for _ in conn.execute(sql, params):
        pass
    seconds = time.perf_counter() - start
    conn.close()
    return seconds


OVERDUE_SQL = """
SELECT i.ref, t.title, t.ref, p.ref, c.code, u.name, pe.name, i.role, i.deadline,
       i.deadline_kind, i.original_deadline, i.extension_count, i.level, i.state
FROM responsibility_items i
JOIN tasks t ON t.id = i.task_id JOIN problems p ON p.id = t.problem_id
JOIN campaigns c ON c.id = p.campaign_id JOIN units u ON u.id = i.unit_id
JOIN people pe ON pe.id = i.person_id
WHERE i.state IN ('issued', 'assigned') AND i.deadline < ?
ORDER BY i.deadline, i.ref
"""

# Grouped per campaign and unit, as `board` shows them (names are looked up in the few
# hundred groups afterwards, not measured).
BOARD_SQL = """
SELECT p.campaign_id, i.unit_id, count(*),
       sum(i.state = 'closed'), sum(i.state = 'fixed'),
       sum(i.state IN ('issued', 'assigned')),
       sum(i.state IN ('issued', 'assigned') AND i.level = 'blue'),
       sum(i.state IN ('issued', 'assigned') AND i.level = 'yellow'),
       sum(i.state IN ('issued', 'assigned') AND i.level = 'red'),
       sum(i.state IN ('issued', 'assigned') AND i.deadline < ?)
FROM responsibility_items i JOIN tasks t ON t.id = i.task_id JOIN problems p ON p.id = t.problem_id
GROUP BY p.campaign_id, i.unit_id
"""

STATS_SQL = """
WITH events AS (
  SELECT a.ref, sum(a."trigger" = 'reject') AS rejected, sum(a."trigger" = 'reopen') AS reopened,
         max(CASE WHEN a."trigger" = 'fix' THEN a."at" END) AS fixed_at,
         max(a."trigger" = 'accept') AS accepted
  FROM audit_events a WHERE a.kind = 'responsibility' GROUP BY a.ref
)
SELECT u.code, count(*),
       sum(e.accepted = 1 AND date(e.fixed_at) <= i.deadline),
       sum(e.accepted = 1 AND date(e.fixed_at) > i.deadline),
       sum(i.state IN ('issued', 'assigned')),
       sum(i.state IN ('issued', 'assigned') AND i.deadline < ?),
       sum(CASE WHEN i.state IN ('issued', 'assigned') AND i.deadline < ?
                THEN julianday(?) - julianday(i.deadline) END),
       sum(e.rejected), sum(e.reopened)
FROM responsibility_items i JOIN units u ON u.id = i.unit_id JOIN events e ON e.ref = i.ref
GROUP BY u.id
"""


def timed_chain(db: Path) -> float:
    """The floor of `audit verify`: every row fetched with sqlite3 and hashed with hashlib."""
    conn = sqlite3.connect(db)
    start = time.perf_counter()
    prev = "0" * 64
    encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    for row in conn.execute(
        'SELECT kind, ref, "trigger", from_state, to_state, actor, "at", note, row_hash '
        "FROM audit_events ORDER BY id"
    ):
        content = encode([*row[:6], row[6].replace(" ", "T") + "Z", row[7]])
        prev = hashlib.sha256(f"{prev}\n{content}".encode()).hexdigest()
        if prev != row[8]:
            raise SystemExit("the floor found a broken chain")
    seconds = time.perf_counter() - start
    conn.close()
    return seconds


TODAY_TEXT = TODAY.isoformat()
MEASURES: list[tuple[str, list[str], Callable[[Path], float]]] = [
    ("overdue --format json", ["overdue", "--format", "json"],
     lambda db: timed_query(db, OVERDUE_SQL, (TODAY_TEXT,))),
    ("overdue --format csv", ["overdue", "--format", "csv"],
     lambda db: timed_query(db, OVERDUE_SQL, (TODAY_TEXT,))),
    ("board --by unit --format json", ["board", "--by", "unit", "--format", "json"],
     lambda db: timed_query(db, BOARD_SQL, (TODAY_TEXT,))),
    ("board --by unit (table)", ["board", "--by", "unit"],
     lambda db: timed_query(db, BOARD_SQL, (TODAY_TEXT,))),
    ("stats --by unit --format json --no-verify",
     ["stats", "--by", "unit", "--format", "json", "--no-verify"],
     lambda db: timed_query(db, STATS_SQL, (TODAY_TEXT, TODAY_TEXT, TODAY_TEXT))),
    ("stats --by unit (table, chain checked)", ["stats", "--by", "unit"],
     lambda db: timed_query(db, STATS_SQL, (TODAY_TEXT, TODAY_TEXT, TODAY_TEXT))
     + timed_chain(db)),
    ("audit verify", ["audit", "verify"], timed_chain),
]  # fmt: skip


# --- building the campaign (set-up, not measured) ---


def build(db: Path, count: int) -> Path:
    for suffix in ("", "-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    env = {**os.environ, "RECTIFY_DB": str(db), "RECTIFY_USER": "李督查",
           "RECTIFY_NOW": "2020-09-01T09:00"}  # fmt: skip
    for argv in (["init"], ["unit", "add", "dcs", "县委督查室"],
                 ["person", "add", "李督查", "--unit", "dcs", "--head", "--role", "office"]):  # fmt: skip
        subprocess.run([*RECTIFY, *argv], env=env, check=True, stdout=subprocess.DEVNULL)
    conn = sqlite3.connect(db)
    with conn:
        fill(conn, count)
    conn.close()
    return db


def fill(conn: sqlite3.Connection, count: int) -> None:
    conn.executemany(
        "INSERT INTO units (code, name, active) VALUES (?, ?, 1)",
        [(f"u{n}", f"第{n}责任单位") for n in range(1, UNITS + 1)],
    )
    conn.executemany(
        "INSERT INTO people (name, unit_id, is_head, role, active) VALUES (?, ?, 1, ?, 1)",
        [(f"责任人{n}", n + 1, "unit") for n in range(1, UNITS + 1)]
        + [(f"领导{n}", 2, "leader") for n in range(1, LEADERS + 1)],
    )
    leader_ids = [row[0] for row in conn.execute("SELECT id FROM people WHERE role = 'leader'")]
    conn.execute(
        "INSERT INTO campaigns (code, name, deadline, policy, leader_id, created_at) "
        "VALUES ('BIG', '百万条整改', '2020-12-31', 'default', ?, ?)",
        (leader_ids[0], STAMP),
    )
    problems = min(PROBLEMS, max(count // (TASKS_PER_PROBLEM * 10), 1))
    conn.executemany(
        "INSERT INTO problems (ref, campaign_id, title, source, leader_id, state, "
        "definition_version, created_at, updated_at) VALUES (?, 1, ?, ?, ?, 'assigned', 1, ?, ?)",
        [(f"P{n}", f"问题{n}", ("巡视反馈", "审计发现", "督查检查")[n % 3],
          leader_ids[n % LEADERS], STAMP, STAMP) for n in range(1, problems + 1)],
    )  # fmt: skip
    tasks = problems * TASKS_PER_PROBLEM
    conn.executemany(
        "INSERT INTO tasks (ref, problem_id, title, deadline, deadline_kind, state, "
        "definition_version, created_at, updated_at) VALUES (?, ?, ?, ?, 'date', 'assigned', 1, ?, ?)",
        [(f"T{n}", (n - 1) // TASKS_PER_PROBLEM + 1, f"任务{n}", "2020-12-31", STAMP, STAMP)
         for n in range(1, tasks + 1)],
    )  # fmt: skip
    conn.executemany(
        "INSERT INTO responsibility_items (ref, task_id, unit_id, person_id, role, deadline, "
        "deadline_kind, original_deadline, state, level, deadline_version, extension_count, "
        "definition_version, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, 'lead', ?, 'date', ?, ?, ?, 1, 0, 1, ?, ?)",
        (_item(n, tasks) for n in range(1, count + 1)),
    )
    prev = audit.GENESIS
    batch: list[tuple[object, ...]] = []
    for row in _audit_rows(count):
        digest = audit.row_hash(prev, row)
        batch.append((*row.values(), prev, digest))
        prev = digest
        if len(batch) == 50_000:
            _write_audit(conn, batch)
    _write_audit(conn, batch)


def _item(n: int, tasks: int) -> tuple[object, ...]:
    deadline = FIRST_DEADLINE + timedelta(days=n % 120)
    state = _state(n)
    days_left = (deadline - TODAY).days
    level = "none"
    if state in ("issued", "assigned"):
        level = (
            "red"
            if days_left < 0
            else "yellow"
            if days_left <= 3
            else "blue"
            if days_left <= 7
            else "none"
        )
    unit = n % UNITS + 2
    return (f"R{n}", n % tasks + 1, unit, unit - 1, deadline.isoformat(), deadline.isoformat(),
            state, level, STAMP, STAMP)  # fmt: skip


def _state(n: int) -> str:
    bucket = n % 10
    return "closed" if bucket < 3 else "fixed" if bucket == 3 else "assigned"


def _audit_rows(count: int) -> Iterator[dict[str, object]]:
    created = datetime(2020, 9, 1, 1, tzinfo=UTC)
    for n in range(1, count + 1):
        ref = f"R{n}"
        yield _event(ref, "assign", "issued", "assigned", created)
        state = _state(n)
        if state == "assigned":
            continue
        deadline = FIRST_DEADLINE + timedelta(days=n % 120)
        # Half of the work is reported a few days early, half a few days late.
        fixed_at = datetime.combine(deadline, datetime.min.time(), UTC) + timedelta(
            days=(n % 7) - 3, hours=2
        )
        if n % 20 == 0:
            yield _event(ref, "fix", "assigned", "fixed", fixed_at - timedelta(days=2))
            yield _event(ref, "reject", "fixed", "assigned", fixed_at - timedelta(days=1))
        yield _event(ref, "fix", "assigned", "fixed", fixed_at)
        if state == "closed":
            yield _event(ref, "accept", "fixed", "closed", fixed_at + timedelta(days=1))


def _event(ref: str, trigger: str, before: str, after: str, at: datetime) -> dict[str, object]:
    return {"kind": "responsibility", "ref": ref, "trigger": trigger, "from_state": before,
            "to_state": after, "actor": "李督查", "at": at, "note": None}  # fmt: skip


def _write_audit(conn: sqlite3.Connection, batch: list[tuple[object, ...]]) -> None:
    rows = [(*row[:6], row[6].strftime("%Y-%m-%d %H:%M:%S.%f"), *row[7:])  # type: ignore[attr-defined]
            for row in batch]  # fmt: skip
    conn.executemany(
        'INSERT INTO audit_events (kind, ref, "trigger", from_state, to_state, actor, "at", '
        "note, prev_hash, row_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    batch.clear()


if __name__ == "__main__":
    main()
