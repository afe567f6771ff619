"""SIGKILL of `deliver`, `sweep` and `import` at random moments, then a rerun: nothing lost,
nothing repeated but a send cut mid-flight, an import wholly present or wholly absent.

Each command runs as the installed `rectify`, a process of its own, killed with SIGKILL at a
moment drawn from random.Random(seed) inside its work rather than in Python's start-up:
`deliver` up to six slow sends after its first mail is in; `sweep` and `import` once they have
begun writing (WriteWatch: SQLite's write lock taken, or a transaction id given to the process's
PostgreSQL session), after a random share of how long their transaction lasts uninterrupted (the
same sweep in this process, rolled back; an import process timed first). Landing in the work,
the kills need little data: each test keeps one small database and checks it after every kill.
The reruns go through the CLI in this process (no start-up each). The seed is printed (shown by
pytest when a test fails) and can be set with RECTIFY_TEST_SEED to replay a run's delays. Leases
run on the database's clock, so a dead deliverer's leases are expired with SQL before each rerun
instead of waiting them out.
"""

from __future__ import annotations

import asyncio
import csv
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session
from sqlalchemy import Connection, Engine, create_engine, func, select, text

from notifications.delivery import CUT_MID_FLIGHT
from tests.conftest import PG_ADMIN_URL, Rectify
from tests.support.servers import (
    LOOPBACK,
    SmtpRecorder,
    SmtpTestServer,
    _CountingController,
    free_port,
)
from workflow.app import App
from workflow.clock import parse_instant
from workflow.db.schema import counters, metadata
from workflow.services import sweep as sweep_service
from workflow.settings import database_url, load_settings

# Kills per test and backend: the 20 of each (RECTIFY_TEST_KILLS=5 for a quick look).
KILLS = int(os.environ.get("RECTIFY_TEST_KILLS", "20"))
RECTIFY = Path(sys.executable).with_name("rectify")  # the installed entry point
NOW = "2020-09-01T10:00"  # after the imports below (made at the fixture's 09:00)
SMTP_DELAY = 0.05  # seconds the slow server takes over each message
HEADER = ["序号", "问题来源", "问题类别", "问题描述", "整改措施", "责任单位", "配合单位",
          "责任人", "整改时限"]  # fmt: skip
UNITS = 3
REF = re.compile(r"\bR\d+\b")
POLL = 0.005  # seconds between looks at a process starting its work


def seeded() -> random.Random:
    seed = int(os.environ.get("RECTIFY_TEST_SEED") or random.SystemRandom().randrange(10**9))
    print(f"kill delays: RECTIFY_TEST_SEED={seed}")  # shown by pytest when the test fails
    return random.Random(seed)


# --- building ----------------------------------------------------------------------------


def province(rectify: Rectify) -> None:
    """Units u0..u2, each with a head who has an email, and campaigns BIG and REF."""
    for n in range(UNITS):
        rectify.ok("unit", "add", f"u{n}", f"第{n}局")
        rectify.ok("person", "add", f"局长{n}", "--unit", f"u{n}", "--head",
                   "--email", f"u{n}@example.gov.cn")  # fmt: skip
    for code in ("BIG", "REF"):
        rectify.ok("campaign", "add", code, f"{code}整改", "--deadline", "2020-12-31")


def ledger_deadline(task: int, later: int = 0) -> str:
    day = 5 + task % 70 + later
    return f"2020-{9 + day // 30:02d}-{1 + day % 30:02d}"


def write_ledger(path: Path, rows: int, *, later: int = 0) -> Path:
    """`rows` tasks, five to a problem, one lead unit each, deadlines spread over ten weeks
    (`later` days later: the same ledger revised)."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for t in range(rows):
            p, u, deadline = t // 5 + 1, t % UNITS, ledger_deadline(t, later)
            writer.writerow([p, "自查", "饮水安全", f"问题{p}", f"整改措施{t + 1}", f"u{u}", "",
                             f"局长{u}", deadline])  # fmt: skip
    return path


def settings(url: str) -> dict[str, str]:
    return {
        "RECTIFY_DB": url,
        "RECTIFY_USER": "李督查",
        "RECTIFY_NOW": NOW,
        "RECTIFY_LANG": "en",
        "RECTIFY_CONFIG": "",
    }


def environment(url: str, **more: str) -> dict[str, str]:
    return {**os.environ, **settings(url), **more}


@contextmanager
def app_on(url: str) -> Iterator[App]:
    """The library on `url`, as the processes see it, to time the work they are killed in."""
    app = App(load_settings(settings(url)))
    try:
        yield app
    finally:
        app.close()


def start(env: dict[str, str], *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [str(RECTIFY), *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )


def kill(process: subprocess.Popen[bytes]) -> bool:
    """SIGKILL now; True when it was still running (not already finished on its own)."""
    alive = process.poll() is None
    if alive:
        process.send_signal(signal.SIGKILL)
    _, err = process.communicate(timeout=60)
    if not alive:
        assert process.returncode == 0, err.decode()
    assert b"Traceback" not in err, err.decode()
    return alive


def finish(process: subprocess.Popen[bytes]) -> None:
    _, err = process.communicate(timeout=300)
    assert process.returncode == 0, err.decode()


def timed(work: Callable[[], object]) -> float:
    began = time.perf_counter()
    work()
    return time.perf_counter() - began


class Database:
    """Plain SQL on a test's database, one engine for the whole test."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine: Engine = create_engine(database_url(url))

    def query(self, statement: str) -> list[tuple[Any, ...]]:
        with self.engine.begin() as conn:
            result = conn.execute(text(statement))
            return [tuple(row) for row in result] if result.returns_rows else []

    def integrity_ok(self) -> None:
        if self.url.startswith("sqlite"):
            assert self.query("PRAGMA integrity_check") == [("ok",)]

    def snapshot(self) -> dict[str, Any]:
        """Rows in every table, and the reference counters: what a rolled-back run leaves."""
        with self.engine.begin() as conn:
            shown: dict[str, Any] = {
                table.name: conn.execute(select(func.count()).select_from(table)).scalar_one()
                for table in metadata.sorted_tables
            }
            shown["counters"] = sorted(tuple(row) for row in conn.execute(select(counters)))
        return shown


@contextmanager
def database(url: str) -> Iterator[Database]:
    db = Database(url)
    try:
        yield db
    finally:
        db.engine.dispose()


class WriteWatch:
    """Whether a `rectify` process has begun writing its transaction.

    SQLite: its write lock is taken (BEGIN IMMEDIATE, at the start of each write transaction):
    a probe's own BEGIN IMMEDIATE fails at once; when it succeeds it is rolled back at once, and
    the process, should it want the lock just then, waits a millisecond in its busy handler.
    PostgreSQL: the process's session, named by an application_name in its URL, has a
    transaction id, which the server gives at the first row written.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.sqlite = url.startswith("sqlite")
        if self.sqlite:
            path = url.removeprefix("sqlite:///")
            self.probe = sqlite3.connect(path, timeout=0, isolation_level=None)
        else:
            self.engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
            self.conn = self.engine.connect()
            self.name = ""

    def environment(self, **more: str) -> dict[str, str]:
        """The settings of the next process to watch: on PostgreSQL, under a name of its own."""
        if self.sqlite:
            return environment(self.url, **more)
        self.name = "rectify_kill_" + uuid.uuid4().hex[:12]
        sep = "&" if "?" in self.url else "?"
        return environment(f"{self.url}{sep}application_name={self.name}", **more)

    def settled(self) -> None:
        """Until the server has ended the sessions of the process last started. A killed
        process's session outlives it until the server next speaks to it: the statement it was
        running ends first, and a COMMIT it had sent is still carried out, so what the kill left
        can only be read once the session is gone. (SQLite has no server: a dead process's
        transaction is over when the process is.)"""
        if self.sqlite:
            return
        sessions = text("SELECT count(*) FROM pg_stat_activity WHERE application_name = :name")
        deadline = time.monotonic() + 60
        while self.conn.execute(sessions, {"name": self.name}).scalar_one():
            assert time.monotonic() < deadline, "a killed process's session lasted a minute"
            time.sleep(POLL)

    def writing(self) -> bool:
        if not self.sqlite:
            seen = self.conn.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE application_name = :name AND backend_xid IS NOT NULL"
                ),
                {"name": self.name},
            )
            return bool(seen.scalar_one())
        try:
            self.probe.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError:  # database is locked: the process is writing
            return True
        self.probe.execute("ROLLBACK")
        return False

    def wait(self, process: subprocess.Popen[bytes], *, writing: bool = True) -> bool:
        """Until the process begins writing (True) or ends without being seen to (False);
        with `writing=False`, until it has stopped writing (committed) or ended."""
        deadline = time.monotonic() + 120
        while process.poll() is None:
            if self.writing() == writing:
                return True
            assert time.monotonic() < deadline, "the process took two minutes"
            time.sleep(POLL)
        return False

    def close(self) -> None:
        if self.sqlite:
            self.probe.close()
        else:
            self.conn.close()
            self.engine.dispose()


@contextmanager
def watching(url: str) -> Iterator[WriteWatch]:
    watch = WriteWatch(url)
    try:
        yield watch
    finally:
        watch.close()


# --- deliver -----------------------------------------------------------------------------


class SlowRecorder(SmtpRecorder):
    """Takes SMTP_DELAY over each message, half before keeping it and half after (a slow relay):
    a client killed in the second half never hears that its mail was taken."""

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        await asyncio.sleep(SMTP_DELAY / 2)
        answer = await super().handle_DATA(server, session, envelope)
        await asyncio.sleep(SMTP_DELAY / 2)
        return answer


@contextmanager
def slow_smtp_server() -> Iterator[SmtpTestServer]:
    recorder = SlowRecorder()
    port = free_port()
    controller = _CountingController(
        recorder, hostname=LOOPBACK, port=port, server_hostname="smtp.rectify.test"
    )
    controller.start()
    try:
        yield SmtpTestServer(LOOPBACK, port, recorder)
    finally:
        controller.stop()


def expire_leases(db: Database) -> None:
    """What waiting out a dead deliverer's leases would do (they run on the database's clock)."""
    db.query("UPDATE notices SET lease_until = '2000-01-01 00:00:00' WHERE lease_until IS NOT NULL")


def test_deliver_killed_at_random_moments_loses_nothing_and_repeats_only_cut_sends(
    rectify: Rectify, tmp_path: Path
) -> None:
    rng = seeded()
    province(rectify)
    # Each kill takes about four mails (the first, then up to six SMTP_DELAYs, three on
    # average): enough that the last kill still lands mid-batch, and few left for the reruns.
    count = max(60, 6 * KILLS)
    rectify.ok("import", str(write_ledger(tmp_path / "ledger.csv", count)), "--campaign", "BIG")
    expected = {(n["address"], n["ref"]) for n in rectify.json("notices")}
    assert len(expected) == count
    with (
        slow_smtp_server() as server,
        database(rectify.db_url) as db,
        watching(rectify.db_url) as watch,
    ):
        killed_mid_run = 0
        for _ in range(KILLS):
            expire_leases(db)
            before = len(server.mails)
            process = start(watch.environment(**server.settings()), "deliver")
            # Once its first mail is in, it is mid-batch: kill it a random moment later.
            deadline = time.monotonic() + 60
            while len(server.mails) == before and process.poll() is None:
                assert time.monotonic() < deadline, "deliver sent nothing for a minute"
                time.sleep(POLL)
            time.sleep(rng.uniform(0, 6 * SMTP_DELAY))
            killed_mid_run += kill(process)
            watch.settled()
            db.integrity_ok()
        assert killed_mid_run >= 1, "every deliver finished before it could be killed"
        rerun = Rectify(rectify.db_url, now=NOW, env=server.settings())
        for _ in range(5):  # rerun until nothing is due
            expire_leases(db)
            rerun.delivers()
            rows = rerun.json("notices")
            if {n["status"] for n in rows} == {"sent"}:
                break
        received = Counter(
            (mail.rcpt_tos[0], *REF.findall(str(mail.message()["Subject"]))[:1])
            for mail in server.mails
        )
        db.integrity_ok()
    assert {n["status"] for n in rows} == {"sent"}, rows
    assert set(received) == expected  # none lost, nothing unknown
    cut = {(n["address"], n["ref"]) for n in rows if n["last_error"] == CUT_MID_FLIGHT}
    twice = {key for key, count in received.items() if count > 1}
    assert twice <= cut, f"sent twice without being reported cut: {twice - cut}"
    assert len(cut) <= KILLS  # at most the one message in flight per kill
    assert sum(count - 1 for count in received.values()) <= KILLS
    assert {n["last_error"] for n in rows} <= {None, CUT_MID_FLIGHT}
    print(
        f"deliver: {killed_mid_run} of {KILLS} killed mid-run, {len(cut)} cut, {len(twice)} twice"
    )


# --- sweep -------------------------------------------------------------------------------

SWEEP_ITEMS = 1000
SWEEP_STATE = (
    "SELECT ref, level FROM responsibility_items ORDER BY ref",
    "SELECT i.ref, n.event, n.event_key, n.recipient, n.channel, n.address, n.status "
    "FROM notices n LEFT JOIN responsibility_items i ON i.id = n.item_id ORDER BY 1, 2, 3, 4, 5",
    'SELECT kind, ref, "trigger", to_state, count(*) FROM audit_events '
    'GROUP BY kind, ref, "trigger", to_state ORDER BY 1, 2, 3, 4',
)
State = tuple[list[tuple[Any, ...]], ...]


def sweep_state(conn: Connection) -> State:
    """Every item's level, every notice queued, the audit events: what a sweep changes."""
    return tuple([tuple(row) for row in conn.execute(text(query))] for query in SWEEP_STATE)


def partial(before: State, left: State, after: State) -> str:
    """Which parts of the state a killed sweep left as they were, which as a sweep leaves
    them, and which neither (with a few of their rows)."""
    said = []
    names = ("levels", "notices", "audit")
    for name, was, got, due in zip(names, before, left, after, strict=True):
        if got == was:
            said.append(f"{name} as before")
        elif got == due:
            said.append(f"{name} as after")
        else:
            odd = sorted(set(got) - set(was) - set(due))[:3]
            said.append(f"{name} neither ({len(got)} rows, {len(was)} before, {len(due)} after;"
                        f" e.g. {odd})")  # fmt: skip
    return "; ".join(said)


def uninterrupted_sweep(app: App, at: str) -> tuple[State, float]:
    """What a sweep at `at` gives when nothing stops it, and how long its transaction takes:
    the sweep's own transaction (sweep_in), read and then rolled back."""
    when = parse_instant(at, app.settings.zone, "--at")
    with app.db.engine.connect() as conn, conn.begin() as transaction:
        seconds = timed(lambda: sweep_service.sweep_in(conn, app, when))
        after = sweep_state(conn)
        transaction.rollback()
    return after, seconds


def test_sweep_killed_mid_run_leaves_all_or_nothing_and_a_rerun_matches_an_uninterrupted_one(
    rectify: Rectify, tmp_path: Path
) -> None:
    rng = seeded()
    province(rectify)
    rectify.ok("import", str(write_ledger(tmp_path / "ledger.csv", SWEEP_ITEMS)),
               "--campaign", "BIG")  # fmt: skip
    with (
        database(rectify.db_url) as db,
        app_on(rectify.db_url) as app,
        watching(rectify.db_url) as watch,
    ):
        rerun = Rectify(rectify.db_url, now=NOW)
        outcomes: Counter[str] = Counter()
        with db.engine.connect() as conn:
            before = sweep_state(conn)
        for round_ in range(KILLS):
            # Each round sweeps a later day, so every round has levels to raise.
            at = (date(2020, 9, 4) + timedelta(days=3 * round_)).isoformat() + "T09:00"
            after, seconds = uninterrupted_sweep(app, at)
            assert after != before, f"nothing to raise at {at}"
            process = start(watch.environment(), "sweep", "--at", at)
            if watch.wait(process):
                time.sleep(rng.uniform(0, 1) * seconds)
            alive = kill(process)
            watch.settled()
            db.integrity_ok()
            with db.engine.connect() as conn:
                left = sweep_state(conn)
            assert left in (before, after), (
                f"a sweep killed at {at} left part of its work: {partial(before, left, after)}"
            )
            outcomes["killed, nothing written" if left == before else
                     "killed after commit" if alive else "finished"] += 1  # fmt: skip
            rerun.ok("sweep", "--at", at)
            with db.engine.connect() as conn:
                assert sweep_state(conn) == after, f"the rerun at {at} differs"
            before = after
    assert outcomes["killed, nothing written"] >= 1, outcomes
    print(f"sweep: {dict(outcomes)}")


# --- import ------------------------------------------------------------------------------

IMPORT_ROWS = 800
COUNT_ITEMS = (
    "SELECT c.code, count(i.id) FROM campaigns c "
    "LEFT JOIN problems p ON p.campaign_id = c.id LEFT JOIN tasks t ON t.problem_id = p.id "
    "LEFT JOIN responsibility_items i ON i.task_id = t.id GROUP BY c.code ORDER BY c.code"
)


def test_import_killed_mid_run_is_wholly_absent_and_a_rerun_succeeds(
    rectify: Rectify, tmp_path: Path
) -> None:
    rng = seeded()
    province(rectify)
    ledger = write_ledger(tmp_path / "ledger.csv", IMPORT_ROWS)
    with database(rectify.db_url) as db, watching(rectify.db_url) as watch:
        # The same ledger, uninterrupted, into campaign REF: how long the import's transaction
        # lasts, and what the rerun must give.
        process = start(watch.environment(), "import", str(ledger), "--campaign", "REF")
        assert watch.wait(process), "the import ended before it was seen writing"
        seconds = timed(lambda: watch.wait(process, writing=False))
        finish(process)
        assert db.query(COUNT_ITEMS) == [("BIG", 0), ("REF", IMPORT_ROWS)]
        ((queued,),) = db.query("SELECT count(*) FROM notices")
        campaign, whole = "BIG", ["REF"]
        killed = 0
        for round_ in range(KILLS):
            before = db.snapshot()
            process = start(watch.environment(), "import", str(ledger), "--campaign", campaign)
            if watch.wait(process):
                time.sleep(rng.uniform(0, 0.9) * seconds)
            alive = kill(process)
            watch.settled()
            db.integrity_ok()
            counts = dict(db.query(COUNT_ITEMS))
            assert counts[campaign] in (0, IMPORT_ROWS), f"an import killed mid-run left {counts}"
            if counts[campaign] == 0:
                assert db.snapshot() == before, "an import killed mid-run left rows behind"
                killed += alive
                continue
            # It committed before the kill landed: whole. The next rounds import elsewhere, and
            # aim earlier (the first import, measured, may have been the slowest).
            seconds *= 0.8
            whole.append(campaign)
            campaign = f"K{round_}"
            rectify.ok("campaign", "add", campaign, f"{campaign}整改", "--deadline", "2020-12-31")
        assert killed >= 1
        rectify.ok("import", str(ledger), "--campaign", campaign, now=NOW)  # the rerun
        whole.append(campaign)
        counts = dict(db.query(COUNT_ITEMS))
        assert counts == dict.fromkeys(whole, IMPORT_ROWS)
        assert db.query("SELECT count(*) FROM notices") == [(len(whole) * queued,)]
        db.integrity_ok()
    print(f"import: {killed} of {KILLS} killed mid-run ({seconds:.2f} s uninterrupted)")


# --- import --update -----------------------------------------------------------------------

UPDATE_KILLS = max(5, KILLS // 4)  # beside the import's own: the same one transaction
DEADLINES = (
    "SELECT min(i.deadline), max(i.deadline), sum(i.deadline_version) "
    "FROM responsibility_items i JOIN tasks t ON t.id = i.task_id "
    "JOIN problems p ON p.id = t.problem_id JOIN campaigns c ON c.id = p.campaign_id "
    "WHERE c.code = 'BIG'"
)


def test_an_update_killed_mid_run_is_wholly_absent_and_a_rerun_moves_every_deadline(
    rectify: Rectify, tmp_path: Path
) -> None:
    rng = seeded()
    province(rectify)
    ledger = write_ledger(tmp_path / "ledger.csv", IMPORT_ROWS)
    for campaign in ("BIG", "REF"):
        rectify.ok("import", str(ledger), "--campaign", campaign)
    with database(rectify.db_url) as db, watching(rectify.db_url) as watch:
        revised = write_ledger(tmp_path / "revised-1.csv", IMPORT_ROWS, later=1)
        process = start(watch.environment(), "import", str(revised), "--campaign", "REF",
                        "--update")  # fmt: skip
        assert watch.wait(process), "the update ended before it was seen writing"
        seconds = timed(lambda: watch.wait(process, writing=False))
        finish(process)
        later, killed = 1, 0
        for _ in range(UPDATE_KILLS):
            before, deadlines = db.snapshot(), db.query(DEADLINES)
            revised = write_ledger(tmp_path / f"revised-{later}.csv", IMPORT_ROWS, later=later)
            process = start(watch.environment(), "import", str(revised), "--campaign", "BIG",
                            "--update")  # fmt: skip
            if watch.wait(process):
                time.sleep(rng.uniform(0, 0.9) * seconds)
            alive = kill(process)
            watch.settled()
            db.integrity_ok()
            if db.snapshot() == before and db.query(DEADLINES) == deadlines:
                killed += alive
                continue
            # It committed before the kill landed: every item moved, each with its extension.
            assert db.snapshot()["extensions"] == before["extensions"] + IMPORT_ROWS
            later += 1
            seconds *= 0.8
        assert killed >= 1
        revised = write_ledger(tmp_path / f"revised-{later}.csv", IMPORT_ROWS, later=later)
        rectify.ok("import", str(revised), "--campaign", "BIG", "--update", now=NOW)  # the rerun
        # Every item of BIG has the last revision's deadline; each committed update (REF's, the
        # rounds that finished before their kill, the rerun) extended every item once.
        rows = db.query(
            "SELECT t.title, i.deadline FROM responsibility_items i "
            "JOIN tasks t ON t.id = i.task_id JOIN problems p ON p.id = t.problem_id "
            "JOIN campaigns c ON c.id = p.campaign_id WHERE c.code = 'BIG'"
        )
        assert sorted((title, str(day)[:10]) for title, day in rows) == sorted(
            (f"整改措施{t + 1}", str(ledger_deadline(t, later))) for t in range(IMPORT_ROWS)
        )
        assert db.query("SELECT count(*) FROM extensions") == [(IMPORT_ROWS * (1 + later),)]
        db.integrity_ok()
    print(f"import --update: {killed} of {UPDATE_KILLS} killed mid-run ({seconds:.2f} s)")
