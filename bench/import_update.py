"""`rectify import --update` of a revised ledger of 100,000 and 1,000,000 rows beside its floor.

    .venv/bin/python bench/import_update.py [--rows 100000 --rows 1000000] [--keep DIR]

(With --keep, a database imported by an earlier run in DIR is used again.)

The campaign first holds the ledger of bench/import_1m.py, imported by rectify (not timed): each
row one task with a lead and a cooperating unit, due 2020-10-31. The revised ledger moves every
deadline to 2020-11-30: each task gets the new deadline and a `ledger_update` audit row; each of
its two open items an approved extension, the new deadline (version and count raised, level
reset), an `extension_approved` audit row and an email notice to its person, and the moved items
are swept. The first ledger given again with --update changes nothing and records nothing.
`rectify import --update` runs as a whole process (start-up included) on a copy of the imported
database; its time is wall time and its peak memory the child's ru_maxrss.

The floors do the same on another copy, in a process of their own (a child's ru_maxrss starts
from its parent's resident set, so this process stays small), with sqlite3 in one transaction: the
csv module reads the ledger and hashlib makes each row's key; one executemany loads (key,
deadline) into a temporary table; the tasks and their open items are found by a join on the
key, updated with UPDATE ... FROM, and the extensions, hash-chained audit rows and notices
inserted (executemany, and one INSERT ... SELECT for the notices). The floor of the unchanged
ledger reads, hashes, loads and joins, and writes nothing. Neither floor checks units, people or
dates, nor sweeps (under the new deadline no item has a warning due on 2020-09-01).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from import_1m import RECTIFY, STAMP, copy_db, setup, timed, write_ledger

BEFORE, AFTER = "2020-10-31", "2020-11-30"
ZH = {BEFORE: "2020年10月31日", AFTER: "2020年11月30日"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, action="append", help="ledger rows (repeatable)")
    parser.add_argument("--keep", type=Path, help="folder to keep the databases and ledgers in")
    parser.add_argument(
        "--floor", nargs=3, metavar=("DB", "LEDGER", "CASE"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.floor:  # a floor in a process of its own: its seconds on stdout
        db, ledger, case = args.floor
        print(update_floor(Path(db), Path(ledger), write=case == "moved"))
        return
    sizes = args.rows or [100_000, 1_000_000]
    folder = args.keep or Path(tempfile.mkdtemp(prefix="rectify-update-"))
    folder.mkdir(parents=True, exist_ok=True)
    empty = folder / "empty.db"
    env = setup(empty)
    print(f"{'rows':>10} {'ledger':<10} {'rectify':>9} {'floor':>8} {'ratio':>6} {'peak RSS':>9}")
    for rows in sizes:
        first = write_ledger(folder / f"ledger-{rows}.csv", rows, BEFORE)
        revised = write_ledger(folder / f"ledger-{rows}-revised.csv", rows, AFTER)
        imported = folder / f"imported-{rows}.db"
        if not imported.exists():  # kept from an earlier run with --keep: used again
            copy_db(empty, folder / "importing.db")
            timed(
                [*RECTIFY, "import", str(first), "--campaign", "BIG"], folder / "importing.db", env
            )
            sqlite3.connect(folder / "importing.db").execute(
                "PRAGMA wal_checkpoint(TRUNCATE)"
            ).close()
            (folder / "importing.db").rename(imported)
        for name, ledger in (("moved", revised), ("unchanged", first)):
            db, floor_db = folder / f"update-{name}-{rows}.db", folder / f"floor-{name}-{rows}.db"
            copy_db(imported, db)
            argv = [*RECTIFY, "import", str(ledger), "--campaign", "BIG", "--update"]
            seconds, peak = timed(argv, db, env)
            copy_db(imported, floor_db)
            floor = float(
                subprocess.run(
                    [sys.executable, __file__, "--floor", str(floor_db), str(ledger), name],
                    check=True,
                    capture_output=True,
                    text=True,
                ).stdout
            )
            check_same(db, floor_db)
            print(f"{rows:>10,} {name:<10} {seconds:8.2f}s {floor:7.2f}s "
                  f"{seconds / floor:5.1f}x {peak:6.0f} MiB")  # fmt: skip
    print(f"(databases and ledgers in {folder})")


def key(no: str, task: str, unit: str) -> str:
    """The row's ledger_key (its text has no spaces and nothing NFKC changes)."""
    return hashlib.sha256("\x1f".join((no, task, unit)).encode()).hexdigest()


def update_floor(db: Path, ledger: Path, *, write: bool) -> float:
    """The revised ledger's writes with csv, hashlib and sqlite3, in one transaction."""
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    start = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    campaign = conn.execute("SELECT id FROM campaigns WHERE code = 'BIG'").fetchone()[0]
    conn.execute("CREATE TEMP TABLE revised (ledger_key TEXT PRIMARY KEY, deadline TEXT)")
    with ledger.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        conn.executemany(
            "INSERT INTO revised VALUES (?, ?)",
            ((key(no, task, unit), deadline) for no, _, _, _, task, unit, _, _, deadline in reader),
        )
    moved_tasks = conn.execute(
        "SELECT t.id, t.ref, t.state, t.deadline, r.deadline FROM tasks t "
        "JOIN revised r ON r.ledger_key = t.ledger_key JOIN problems p ON p.id = t.problem_id "
        "WHERE p.campaign_id = ? AND t.deadline != r.deadline ORDER BY t.id",
        (campaign,),
    ).fetchall()
    if not write or not moved_tasks:
        conn.execute("ROLLBACK")
        seconds = time.perf_counter() - start
        conn.close()
        return seconds
    import_id = conn.execute(
        "INSERT INTO imports (campaign_id, filename, sha256, mode, rows, actor, at) "
        "VALUES (?, ?, '', 'update', 0, 'bench', ?) RETURNING id",
        (campaign, ledger.name, STAMP),
    ).fetchone()[0]
    reason = f"台账更新：{ledger.name}"
    conn.execute("CREATE TEMP TABLE moved (task_id INTEGER PRIMARY KEY, deadline TEXT)")
    conn.executemany("INSERT INTO moved VALUES (?, ?)", ((t[0], t[4]) for t in moved_tasks))
    conn.execute(
        "UPDATE tasks SET deadline = m.deadline, deadline_kind = 'date', updated_at = ? "
        "FROM moved m WHERE tasks.id = m.task_id",
        (STAMP,),
    )
    targets = conn.execute(
        "SELECT i.id, i.ref, i.state, i.deadline, m.deadline FROM responsibility_items i "
        "JOIN moved m ON m.task_id = i.task_id "
        "WHERE i.state IN ('issued', 'assigned') AND i.deadline != m.deadline ORDER BY i.id"
    ).fetchall()
    conn.executemany(
        "INSERT INTO extensions (item_id, status, current_deadline, requested_deadline, reason, "
        "requested_by, requested_at, decided_by, decided_at, decision_note) "
        "VALUES (?, 'approved', ?, ?, ?, 'bench', ?, 'bench', ?, ?)",
        ((i[0], i[3], i[4], reason, STAMP, STAMP, reason) for i in targets),
    )
    conn.execute(
        "UPDATE responsibility_items SET deadline = m.deadline, deadline_kind = 'date', "
        "deadline_version = deadline_version + 1, extension_count = extension_count + 1, "
        "level = 'none', updated_at = ? FROM moved m "
        "WHERE responsibility_items.task_id = m.task_id "
        "AND responsibility_items.state IN ('issued', 'assigned') "
        "AND responsibility_items.deadline != m.deadline",
        (STAMP,),
    )
    prev = conn.execute("SELECT row_hash FROM audit_events ORDER BY id DESC LIMIT 1").fetchone()[0]
    audit = []
    events = [("task", ref, "ledger_update", None, state, f"{ZH[old]} → {ZH[new]}: {reason}")
              for _, ref, state, old, new in moved_tasks]  # fmt: skip
    events += [("responsibility", ref, "extension_approved", state, state, f"{ZH[new]}: {reason}")
               for _, ref, state, _, new in targets]  # fmt: skip
    for kind, ref, trigger, from_state, to_state, note in events:
        content = json.dumps([kind, ref, trigger, from_state, to_state, "bench",
                              "2020-09-01T01:00:00.000000Z", note],
                             ensure_ascii=False, separators=(",", ":"))  # fmt: skip
        digest = hashlib.sha256(f"{prev}\n{content}".encode()).hexdigest()
        audit.append((kind, ref, trigger, from_state, to_state, STAMP, note, prev, digest))
        prev = digest
    conn.executemany(
        'INSERT INTO audit_events (kind, ref, "trigger", from_state, to_state, actor, at, note, '
        "prev_hash, row_hash) VALUES (?, ?, ?, ?, ?, 'bench', ?, ?, ?, ?)",
        audit,
    )
    conn.execute(
        "INSERT INTO notices (item_id, event, event_key, deadline_version, deadline, recipient, "
        "recipient_name, channel, address, note, status, attempts, next_attempt_at, created_at) "
        "SELECT i.id, 'extension_approved', ?, i.deadline_version, i.deadline, "
        "'person:' || p.id, p.name, 'email', p.email, ?, 'pending', 0, ?, ? "
        "FROM responsibility_items i JOIN moved m ON m.task_id = i.task_id "
        "JOIN people p ON p.id = i.person_id WHERE i.extension_count > 0 AND p.email IS NOT NULL",
        (f"ledger:{import_id}", reason, STAMP, STAMP),
    )
    conn.execute(
        "UPDATE imports SET rows = ?, summary = ? WHERE id = ?",
        (len(moved_tasks), f"moved {len(targets)}", import_id),
    )
    conn.execute("COMMIT")
    seconds = time.perf_counter() - start
    conn.close()
    return seconds


def check_same(db: Path, floor_db: Path) -> None:
    """The floor must have written what rectify wrote, or the comparison means nothing."""
    query = (
        "SELECT (SELECT count(*) FROM imports), (SELECT count(*) FROM extensions), "
        "(SELECT count(*) FROM audit_events), (SELECT count(*) FROM notices), "
        "(SELECT count(*) FROM tasks WHERE deadline = ?), "
        "(SELECT sum(deadline_version) FROM responsibility_items WHERE deadline = ?)"
    )
    counts = []
    for path in (db, floor_db):
        conn = sqlite3.connect(path)
        counts.append(list(conn.execute(query, (AFTER, AFTER)).fetchone()))
        conn.close()
    if counts[0] != counts[1]:
        raise SystemExit(
            f"rows differ: rectify {counts[0]}, floor {counts[1]} (imports, extensions, audit "
            "rows, notices, tasks moved, deadline versions of the moved items)"
        )


if __name__ == "__main__":
    main()
