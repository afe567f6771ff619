"""A province on one PostgreSQL server: the sweep from 300,000 to 3,000,000 items beside its
floor, then several `rectify scheduler run` processes sharing the largest database.

    .venv/bin/python bench/province_postgres.py [--sizes 300000,1000000,3000000]
        [--schedulers 3] [--mailed 20000] [--url postgresql://postgres@127.0.0.1:5432/postgres]
    .venv/bin/python bench/province_postgres.py --quick     # 30,000 to 300,000 items, 2,000 mails

Everything happens in scratch databases (CREATE DATABASE bench_province_<random>_..., dropped
at the end unless --keep), so nothing collides with tests using the same server.

For each size a database is set up with `rectify` (an office, one unit, two people: one with an
email and no phone, one with neither; one campaign, one task due 2020-09-30) and filled with
open items by generate_series, then VACUUM ANALYZE (as autovacuum would leave a live database).
The first --mailed items belong to the person with an email, the rest to the one without: at
2020-09-25 09:00 every item turns blue, and only the mailed ones queue a notice (one email
each), so the sweep does all of its work while delivery stays bounded.

Growth: two copies of that database are made (CREATE DATABASE ... TEMPLATE). `rectify sweep`
runs on one as its own process, twice (the second finds nothing to do); "after start-up" is the
sweep command inside that process once cli and SQLAlchemy are imported, "peak" its maximum
resident memory. The floor runs on the other copy by hand with psycopg: one statement, an
`UPDATE ... RETURNING` of the items reaching blue feeding the `INSERT` of their notices.

Scale-out: on a fresh copy of the largest database, --schedulers processes of
`rectify scheduler run --sweep-every S --deliver-every D --stop-after T` run at once with
RECTIFY_NOW = 2020-09-25 09:00 and SMTP pointing at an aiosmtpd server on loopback in this
process. With the clock fixed there is one sweep slot, so exactly one process must sweep it and
the others find it claimed; all of them deliver. Once every notice is sent the schedulers run
a few more delivery rounds (nothing may go twice), then get SIGTERM (stopping as after Ctrl-C);
--stop-after bounds the run if that never happens. Checked: every notice `sent` after one
attempt, none dead or cut mid-flight, each notice's mail (its ref in the subject) received
exactly once, one sweep. "peak" is each scheduler's maximum resident memory (os.wait4).
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, date, datetime
from email import message_from_bytes, policy
from typing import IO, Any, NamedTuple
from urllib.parse import urlsplit, urlunsplit

import psycopg
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

RECTIFY = [sys.executable, "-c", "from cli import main; main()"]
# The sweep in a child that reports its own time (after imports), the time spent in database
# statements and its peak memory on stderr.
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
AT_UTC = datetime(2020, 9, 25, 1, 0, tzinfo=UTC)
BLUE_CUTOFF = date(2020, 10, 2)  # blue: 7 days left at most on 2020-09-25 ...
YELLOW_CUTOFF = date(2020, 9, 28)  # ... and more than 3 (yellow) left
SENDER = "rectify@example.gov.cn"
ADDRESS = "hanshui@example.gov.cn"
MAILED_PERSON, SILENT_PERSON = "韩水", "李静"
FILL = """
INSERT INTO responsibility_items (ref, task_id, unit_id, person_id, role, deadline,
    original_deadline, state, level, deadline_version, extension_count, definition_version,
    created_at, updated_at)
SELECT 'R' || n, t.id, m.unit_id, CASE WHEN n <= %(mailed)s THEN m.id ELSE s.id END, 'lead',
    DATE '2020-09-30', DATE '2020-09-30', 'assigned', 'none', 1, 0, 1, %(created)s, %(created)s
FROM generate_series(1, %(items)s) AS n, tasks t, people m, people s
WHERE t.ref = 'T1' AND m.name = %(mailed_person)s AND s.name = %(silent_person)s
"""
# The floor: one statement raising the items that reach blue and queueing their notices from
# what the UPDATE returned (same conditions, columns and unique key as the sweep's).
FLOOR = """
WITH raised AS (
    UPDATE responsibility_items SET level = 'blue', updated_at = %(at)s
    WHERE state IN ('issued', 'assigned') AND level = 'none'
        AND deadline <= %(cutoff)s AND deadline > %(severer)s
    RETURNING id, person_id, deadline_version, deadline
)
INSERT INTO notices (item_id, event, event_key, deadline_version, deadline, recipient,
    recipient_name, channel, address, status, attempts, next_attempt_at, created_at)
SELECT r.id, 'blue', 'blue', r.deadline_version, r.deadline, 'person:' || p.id, p.name,
    'email', p.email, 'pending', 0, %(at)s, %(at)s
FROM raised r JOIN people p ON p.id = r.person_id
WHERE p.email IS NOT NULL AND p.email <> '' AND p.active
ON CONFLICT DO NOTHING
"""
REF = re.compile(r"\bR\d+\b")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="300000,1000000,3000000", help="comma-separated")
    parser.add_argument("--quick", action="store_true", help="sizes 30,000-300,000, 2,000 mails")
    parser.add_argument("--mailed", type=int, default=20_000, help="items whose person has email")
    parser.add_argument("--schedulers", type=int, default=3)
    parser.add_argument("--sweep-every", type=int, default=5, help="seconds")
    parser.add_argument("--deliver-every", type=int, default=2, help="seconds")
    parser.add_argument("--stop-after", type=float, default=1800, help="bound on the run, s")
    parser.add_argument("--url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--keep", action="store_true", help="keep the scratch databases")
    args = parser.parse_args()
    if args.quick:
        args.sizes, args.mailed = "30000,100000,300000", 2_000
    sizes = sorted(int(size) for size in args.sizes.split(","))
    prefix = f"bench_province_{uuid.uuid4().hex[:8]}"
    admin = psycopg.connect(args.url, autocommit=True)
    created: list[str] = []
    try:
        describe_machine(admin)
        rows: list[Growth] = []
        largest = ""
        for size in sizes:
            mailed = min(args.mailed, size)
            base = create_database(admin, f"{prefix}_{size}", created)
            build(args.url, base, size, mailed)
            rows.append(growth(admin, args.url, base, size, mailed, created))
            if size == sizes[-1]:
                largest = base
            else:
                drop_database(admin, base, created)
        print_growth(rows)
        run = create_database(admin, f"{largest}_sched", created, template=largest)
        scale_out(args, database_url(args.url, run), sizes[-1], min(args.mailed, sizes[-1]))
    finally:
        if args.keep:
            print(f"(kept databases: {', '.join(created)})")
        else:
            for name in list(created):
                drop_database(admin, name, created)
        admin.close()


# --- databases ------------------------------------------------------------------------------


def database_url(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def create_database(admin: Any, name: str, created: list[str], template: str = "") -> str:
    # FILE_COPY copies the template's files as they are: fast, and the statistics come along.
    copy = f' TEMPLATE "{template}" STRATEGY FILE_COPY' if template else ""
    admin.execute(f'CREATE DATABASE "{name}"{copy}')
    created.append(name)
    return name


def drop_database(admin: Any, name: str, created: list[str]) -> None:
    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    created.remove(name)


def describe_machine(admin: Any) -> None:
    (version,) = admin.execute("SELECT version()").fetchone()
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"machine: {os.cpu_count()} cores, {memory:.1f} GiB; load average {load} at start")
    print(f"server: {version.split(' on ')[0]}")
    names = ("shared_buffers", "max_wal_size", "synchronous_commit", "autovacuum")
    shown = admin.execute(
        "SELECT name, current_setting(name) FROM pg_settings WHERE name = ANY(%s) ORDER BY name",
        (list(names),),
    )
    print("settings: " + ", ".join(f"{name} {value}" for name, value in shown))


class Server(NamedTuple):
    """Server-wide counters around one timed step: WAL written, checkpoints forced by it."""

    wal_bytes: int
    forced_checkpoints: int


def server_counters(admin: Any) -> Server:
    row = admin.execute(
        "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint, checkpoints_req "
        "FROM pg_stat_bgwriter"
    ).fetchone()
    return Server(int(row[0]), int(row[1]))


def measured(admin: Any, step: Any) -> tuple[Any, Server]:
    """Run `step()` after a CHECKPOINT (each step starts with nothing left to write by the one
    before), with the WAL it wrote and the checkpoints the server was forced into meanwhile."""
    admin.execute("CHECKPOINT")
    before = server_counters(admin)
    result = step()
    after = server_counters(admin)
    return result, Server(after.wal_bytes - before.wal_bytes,
                          after.forced_checkpoints - before.forced_checkpoints)  # fmt: skip


def rectify_env(url: str, **extra: str) -> dict[str, str]:
    return {**os.environ, "RECTIFY_DB": url, "RECTIFY_USER": "bench", "RECTIFY_CONFIG": "",
            "RECTIFY_NOW": "2020-09-01T09:00", **extra}  # fmt: skip


def build(admin_url: str, name: str, items: int, mailed: int) -> None:
    url = database_url(admin_url, name)
    env = rectify_env(url)
    start = time.perf_counter()
    for argv in (
        ("init",),
        ("unit", "add", "dcs", "督查室"),
        ("person", "add", "bench", "--unit", "dcs", "--role", "office"),
        ("unit", "add", "slj", "水利局"),
        ("person", "add", MAILED_PERSON, "--unit", "slj", "--head", "--email", ADDRESS),
        ("person", "add", SILENT_PERSON, "--unit", "slj"),
        ("campaign", "add", "PROV", "全省整改", "--deadline", "2020-12-31"),
        ("problem", "add", "--campaign", "PROV", "--title", "氟超标"),
        ("task", "add", "--problem", "P1", "--title", "加装除氟设备", "--deadline", "2020-09-30"),
    ):
        subprocess.run([*RECTIFY, *argv], env=env, check=True, stdout=subprocess.DEVNULL)
    with psycopg.connect(url) as conn:
        params = {"items": items, "mailed": mailed, "created": AT_UTC.replace(day=1),
                  "mailed_person": MAILED_PERSON, "silent_person": SILENT_PERSON}  # fmt: skip
        conn.execute(FILL, params)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    note(f"{name}: {items:,} items built in {time.perf_counter() - start:.0f} s")


def note(text: str) -> None:
    print(f"  [{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


# --- growth ---------------------------------------------------------------------------------


class Sweep(NamedTuple):
    command: float  # seconds after start-up: the sweep command inside its process
    sql: float  # of which in database statements
    process: float  # seconds for the whole process, start-up included
    peak_kb: int


class Growth(NamedTuple):
    items: int
    mailed: int
    first: Sweep
    floor: float
    sweep_server: Server
    floor_server: Server
    again: Sweep  # the repeated sweep right after the first (statistics as the fill left them)
    floor_again: float
    vacuumed: Sweep  # the repeated sweep after VACUUM ANALYZE (what autovacuum would do)
    floor_vacuumed: float


def growth(admin: Any, admin_url: str, base: str, items: int, mailed: int,
           created: list[str]) -> Growth:  # fmt: skip
    swept = create_database(admin, f"{base}_sweep", created, template=base)
    floored = create_database(admin, f"{base}_floor", created, template=base)
    sweep_url, floor_url = database_url(admin_url, swept), database_url(admin_url, floored)
    env = rectify_env(sweep_url)
    first, sweep_server = measured(admin, lambda: timed_sweep(env))
    floor, floor_server = measured(admin, lambda: sql_floor(floor_url))
    for url in (sweep_url, floor_url):
        check_swept(url, items, mailed)
    again, floor_again = timed_sweep(env), sql_floor(floor_url)
    for url in (sweep_url, floor_url):
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")
    vacuumed, floor_vacuumed = timed_sweep(env), sql_floor(floor_url)
    for url in (sweep_url, floor_url):
        check_swept(url, items, mailed)
    for name in (swept, floored):
        drop_database(admin, name, created)
    note(f"{items:,} items: sweep {first.command:.2f} s, floor {floor:.2f} s")
    return Growth(items, mailed, first, floor, sweep_server, floor_server, again, floor_again,
                  vacuumed, floor_vacuumed)  # fmt: skip


def timed_sweep(env: dict[str, str]) -> Sweep:
    start = time.perf_counter()
    done = subprocess.run([*TIMED, "sweep", "--at", AT], env=env, check=True,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)  # fmt: skip
    process = time.perf_counter() - start
    bench = [row for row in done.stderr.splitlines() if row.startswith("BENCH ")][-1].split()
    return Sweep(float(bench[1]), float(bench[3]), process, int(bench[2]))


def sql_floor(url: str) -> float:
    """Seconds of the floor statement in its own transaction."""
    params = {"at": AT_UTC, "cutoff": BLUE_CUTOFF, "severer": YELLOW_CUTOFF}
    with psycopg.connect(url) as conn:
        start = time.perf_counter()
        with conn.transaction():
            conn.execute(FLOOR, params)
        return time.perf_counter() - start


def check_swept(url: str, items: int, mailed: int) -> None:
    with psycopg.connect(url) as conn:
        blue = conn.execute("SELECT count(*) FROM responsibility_items WHERE level = 'blue'")
        (blue_count,) = blue.fetchone() or (0,)
        queued = conn.execute("SELECT count(*) FROM notices WHERE event = 'blue'")
        (queued_count,) = queued.fetchone() or (0,)
    if (blue_count, queued_count) != (items, mailed):
        raise SystemExit(f"{url}: {blue_count} blue items and {queued_count} notices, "
                         f"expected {items} and {mailed}")  # fmt: skip


def wal(server: Server) -> str:
    return f"{server.wal_bytes / 2**20:.0f}"


def print_growth(rows: list[Growth]) -> None:
    print()
    print("First sweep: every item raised to blue; the mailed ones queue one email each")
    print(f"{'items':>10} {'notices':>8} {'sweep s':>8} {'(SQL s)':>8} {'process s':>9} "
          f"{'floor s':>8} {'ratio':>6} {'s/100k':>7} {'peak MiB':>8} {'WAL MiB':>13} "
          f"{'checkpoints':>11}")  # fmt: skip
    for row in rows:
        per = row.first.command / (row.items / 100_000)
        print(f"{row.items:>10,} {row.mailed:>8,} {row.first.command:8.2f} "
              f"{row.first.sql:8.2f} {row.first.process:9.2f} {row.floor:8.2f} "
              f"{row.first.command / row.floor:5.2f}x {per:7.3f} "
              f"{row.first.peak_kb / 1024:8.0f} "
              f"{wal(row.sweep_server):>6}/{wal(row.floor_server):<6} "
              f"{row.sweep_server.forced_checkpoints:>5}/"
              f"{row.floor_server.forced_checkpoints:<5}")  # fmt: skip
    small, large = rows[0], rows[-1]
    if large.items > small.items:
        scale = large.items / small.items
        grew = large.first.command / small.first.command
        floor_grew = large.floor / small.floor
        print(f"{small.items:,} -> {large.items:,} items ({scale:.0f}x): sweep {grew:.1f}x, "
              f"floor {floor_grew:.1f}x (linear: {scale:.0f}x)")  # fmt: skip
    print("sweep s: the sweep command after start-up (SQL s: of it in statements); process s: "
          "the whole process; floor: one UPDATE ... RETURNING feeding the notice INSERT; WAL "
          "written and checkpoints forced (max_wal_size reached) during the sweep / the floor, "
          "server-wide")  # fmt: skip
    print()
    print("Repeated sweep (nothing to do), beside the floor statement finding nothing")
    print(f"{'items':>10} {'right after (SQL)':>19} {'floor':>8}   "
          f"{'after VACUUM ANALYZE (SQL)':>28} {'floor':>8}")  # fmt: skip
    for row in rows:
        print(f"{row.items:>10,} {row.again.command:8.3f} s ({row.again.sql:.3f} s) "
              f"{row.floor_again:6.3f} s   {row.vacuumed.command:17.3f} s "
              f"({row.vacuumed.sql:.3f} s) {row.floor_vacuumed:6.3f} s")  # fmt: skip


# --- scale-out ------------------------------------------------------------------------------


class Sink:
    """aiosmtpd handler: keeps every mail's recipients, bytes and arrival time."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.mails: list[tuple[list[str], bytes, float]] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        with self.lock:
            self.mails.append((list(envelope.rcpt_tos), content, time.monotonic()))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Scheduler:
    """One `rectify scheduler run` process and the lines it printed, each with its time."""

    def __init__(self, env: dict[str, str], argv: list[str], start: float) -> None:
        self.start = start
        self.process = subprocess.Popen(
            [*RECTIFY, "scheduler", "run", *argv],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[tuple[float, str]] = []
        self.reader = threading.Thread(target=self._read, args=(self.process.stdout,), daemon=True)
        self.reader.start()
        self.code: int | None = None
        self.peak_kb = 0

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            self.lines.append((time.monotonic() - self.start, line.rstrip("\n")))

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)

    def reap(self) -> None:
        """Wait for the process, keeping its resource usage (peak memory)."""
        _, status, usage = os.wait4(self.process.pid, 0)
        self.code = os.waitstatus_to_exitcode(status)
        self.process.returncode = self.code
        self.peak_kb = usage.ru_maxrss
        self.reader.join(timeout=10)

    def sent(self) -> int:
        found = (re.match(r"deliver: sent (\d+)", line) for _, line in self.lines)
        return sum(int(match.group(1)) for match in found if match)

    def sweep_line(self) -> tuple[float, str] | None:
        return next(((t, line) for t, line in self.lines if ": raised " in line), None)


def scale_out(args: argparse.Namespace, url: str, items: int, mailed: int) -> None:
    sink = Sink()
    port = free_port()
    # A fixed server name avoids aiosmtpd's getfqdn() lookup at every connection.
    controller = Controller(sink, hostname="127.0.0.1", port=port, server_hostname="smtp.bench")
    controller.start()
    env = rectify_env(url, RECTIFY_NOW=AT, RECTIFY_LANG="en", PYTHONUNBUFFERED="1",
                      RECTIFY_SMTP_HOST="127.0.0.1", RECTIFY_SMTP_PORT=str(port),
                      RECTIFY_SMTP_FROM=SENDER, RECTIFY_SMTP_TIMEOUT="5")  # fmt: skip
    argv = ["--sweep-every", str(args.sweep_every), "--deliver-every", str(args.deliver_every),
            "--stop-after", str(args.stop_after)]  # fmt: skip
    note(f"scale-out: {args.schedulers} schedulers on {items:,} items, {mailed:,} to mail")
    start = time.monotonic()
    runs = [Scheduler(env, argv, start) for _ in range(args.schedulers)]
    queued_at = done_at = None
    watch = psycopg.connect(url, autocommit=True)
    try:
        while any(run.process.poll() is None for run in runs):
            time.sleep(0.5)
            counts = dict(watch.execute("SELECT status, count(*) FROM notices GROUP BY status"))
            now = time.monotonic() - start
            if queued_at is None and counts:
                queued_at = now
            if done_at is None and counts.get("sent", 0) == mailed == sum(counts.values()):
                done_at = now
                note(f"all {mailed:,} sent at {now:.1f} s; a few more delivery rounds")
            # Three more delivery rounds after the last send: none may send anything again.
            if done_at is not None and now > done_at + 3 * args.deliver_every + 1:
                for run in runs:
                    run.stop()
                break
    finally:
        for run in runs:
            if run.process.poll() is None and done_at is None:
                run.stop()  # an error above: do not leave them running
        for run in runs:
            run.reap()
        stopped = time.monotonic() - start
        controller.stop()
    report_scale_out(args, watch, runs, sink, items, mailed, queued_at, done_at, stopped, start)
    watch.close()


def report_scale_out(args: argparse.Namespace, conn: Any, runs: list[Scheduler], sink: Sink,
                     items: int, mailed: int, queued_at: float | None, done_at: float | None,
                     stopped: float, start: float) -> None:  # fmt: skip
    statuses = dict(conn.execute("SELECT status, count(*) FROM notices GROUP BY status"))
    (once,) = conn.execute(
        "SELECT count(*) FROM notices WHERE status = 'sent' AND attempts = 1 "
        "AND last_error IS NULL AND lease_owner IS NULL"
    ).fetchone()
    refs = {ref for (ref,) in conn.execute(
        "SELECT i.ref FROM notices n JOIN responsibility_items i ON i.id = n.item_id")}  # fmt: skip
    slots = conn.execute("SELECT slot, claimed_by FROM sweep_slots").fetchall()
    # Each mail's notice, by the item ref in its subject (one notice per mailed item).
    by_ref: Counter[str] = Counter()
    for _, data, _ in sink.mails:
        subject = str(message_from_bytes(data, policy=policy.default)["subject"])
        found = REF.search(subject)
        by_ref[found.group(0) if found else subject] += 1
    twice = sum(1 for count in by_ref.values() if count > 1)
    missing = len(refs - set(by_ref))
    stray = len(set(by_ref) - refs)
    swept = [(run, found) for run in runs if (found := run.sweep_line())]
    claimed = sum(line.count("already swept") for run in runs for _, line in run.lines)
    failures = [line for run in runs for _, line in run.lines if "failed" in line]
    print()
    print(f"Scale-out: {args.schedulers} x `rectify scheduler run --sweep-every "
          f"{args.sweep_every} --deliver-every {args.deliver_every}` on one database of "
          f"{items:,} items, {mailed:,} of them mailed")  # fmt: skip
    for n, run in enumerate(runs, 1):
        what = "swept the slot, " if run.sweep_line() else ""
        print(f"  scheduler {n}: {what}sent {run.sent():,} mails, exit {run.code}, "
              f"peak {run.peak_kb / 1024:.0f} MiB")  # fmt: skip
    if swept:
        run, (at, line) = swept[0]
        began = next((t for t, text in run.lines if text.startswith("scheduler ")), 0.0)
        print(f"  sweep inside the scheduler: {at - began - args.sweep_every:.1f} s (from its "
              f"first slot, {args.sweep_every} s after start-up, to: {line})")  # fmt: skip
    print(f"  sweeps run: {len(swept)} (slots: {len(slots)}); 'already swept' answers: {claimed}")
    if queued_at is not None:
        print(f"  notices visible (sweep committed) at {queued_at:.1f} s after launch")
    if sink.mails:
        first = min(t for _, _, t in sink.mails) - start
        last = max(t for _, _, t in sink.mails) - start
        rate = len(sink.mails) / (last - first) if last > first else float("nan")
        print(f"  mails received: {len(sink.mails):,}, first at {first:.1f} s, last at "
              f"{last:.1f} s ({rate:.0f} mails/s, {args.schedulers} schedulers)")  # fmt: skip
    print(f"  all sent at {done_at:.1f} s; stopped at {stopped:.1f} s" if done_at is not None
          else f"  NOT all sent; stopped at {stopped:.1f} s")  # fmt: skip
    print(f"  notices: {dict(sorted(statuses.items()))}; sent once on the first attempt: {once:,}")
    print(f"  at the server: {len(by_ref):,} distinct notices, {twice} received twice or more, "
          f"{missing} never received, {stray} not in the outbox")  # fmt: skip
    if failures:
        print(f"  failures printed by the schedulers: {len(failures)}, e.g. {failures[0]}")
    ok = (
        done_at is not None
        and statuses == {"sent": mailed}
        and once == mailed
        and len(sink.mails) == mailed
        and twice == missing == stray == 0
        and len(swept) == len(slots) == 1
        and all(run.code == 0 for run in runs)
    )
    print(f"  exactly once: {'yes' if ok else 'NO'}")
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"load average {load} at the end")
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
