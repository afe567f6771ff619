"""SIGKILL of `deliver`, `sweep` and `import` at random moments, then a rerun: nothing lost,
nothing repeated but a send cut mid-flight, an import wholly present or wholly absent.

Each command runs as a real `rectify` process killed with SIGKILL after a delay drawn from
random.Random(seed). The seed is printed (shown by pytest when a test fails) and can be set
with RECTIFY_TEST_SEED to replay a run's delays. Leases run on the database's clock, so a dead
deliverer's leases are expired with SQL before each rerun instead of waiting them out.
"""

from __future__ import annotations

import asyncio
import csv
import os
import random
import re
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session
from sqlalchemy import create_engine, text

from notifications.delivery import CUT_MID_FLIGHT
from tests.conftest import PG_ADMIN_URL, Rectify
from tests.support.servers import (
    LOOPBACK,
    SmtpRecorder,
    SmtpTestServer,
    _CountingController,
    free_port,
)
from workflow.settings import database_url

# Kills per test and backend. CI runs this many (the three tests on both backends take about
# two minutes); RECTIFY_TEST_KILLS=20 runs the 20 of each.
KILLS = int(os.environ.get("RECTIFY_TEST_KILLS", "6"))
ROOT = Path(__file__).resolve().parents[2]
COMMAND = [sys.executable, "-c", "from cli import main; main()"]
NOW = "2020-09-01T10:00"  # after the imports below (made at the fixture's 09:00)
SMTP_DELAY = 0.05  # seconds the slow server takes over each message
HEADER = ["序号", "问题来源", "问题类别", "问题描述", "整改措施", "责任单位", "配合单位",
          "责任人", "整改时限"]  # fmt: skip
UNITS = 3
REF = re.compile(r"\bR\d+\b")


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


def write_ledger(path: Path, rows: int) -> Path:
    """`rows` tasks, five to a problem, one lead unit each, deadlines spread over ten weeks."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for t in range(rows):
            p, u, day = t // 5 + 1, t % UNITS, 5 + t % 70
            deadline = f"2020-{9 + day // 30:02d}-{1 + day % 30:02d}"
            writer.writerow([p, "自查", "饮水安全", f"问题{p}", f"整改措施{t + 1}", f"u{u}", "",
                             f"局长{u}", deadline])  # fmt: skip
    return path


def environment(rectify: Rectify, **more: str) -> dict[str, str]:
    return {
        **os.environ,
        "RECTIFY_DB": rectify.db_url,
        "RECTIFY_USER": "李督查",
        "RECTIFY_NOW": NOW,
        "RECTIFY_LANG": "en",
        "RECTIFY_CONFIG": "",
        **more,
    }


def start(env: dict[str, str], *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [*COMMAND, *args],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def run(env: dict[str, str], *args: str) -> float:
    """Runs `rectify ARGS` to the end (it must succeed); its wall time in seconds."""
    began = time.perf_counter()
    done = subprocess.run([*COMMAND, *args], env=env, cwd=ROOT, capture_output=True, timeout=300)
    assert done.returncode == 0, done.stderr.decode()
    return time.perf_counter() - began


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


def query(url: str, statement: str) -> list[tuple[Any, ...]]:
    engine = create_engine(database_url(url))
    try:
        with engine.begin() as conn:
            result = conn.execute(text(statement))
            return [tuple(row) for row in result] if result.returns_rows else []
    finally:
        engine.dispose()


def integrity_ok(url: str) -> None:
    if url.startswith("sqlite"):
        assert query(url, "PRAGMA integrity_check") == [("ok",)]


@contextmanager
def another_database(rectify: Rectify, tmp_path: Path) -> Iterator[Rectify]:
    """A second, initialised database on the same backend, with the same office."""
    if rectify.db_url.startswith("sqlite"):
        url = "sqlite:///" + str(tmp_path / "reference.db")
        schema = None
    else:
        schema = "t_" + uuid.uuid4().hex[:12]
        query(PG_ADMIN_URL, f'CREATE SCHEMA "{schema}"')
        url = f"{PG_ADMIN_URL}?options=-csearch_path%3D{schema}"
    try:
        other = Rectify(url)
        other.ok("init")
        other.ok("unit", "add", "dcs", "县委督查室")
        other.ok("person", "add", "李督查", "--unit", "dcs", "--head", "--role", "office")
        yield other
    finally:
        if schema is not None:
            query(PG_ADMIN_URL, f'DROP SCHEMA "{schema}" CASCADE')


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


def expire_leases(url: str) -> None:
    """What waiting out a dead deliverer's leases would do (they run on the database's clock)."""
    query(
        url, "UPDATE notices SET lease_until = '2000-01-01 00:00:00' WHERE lease_until IS NOT NULL"
    )


def test_deliver_killed_at_random_moments_loses_nothing_and_repeats_only_cut_sends(
    rectify: Rectify, tmp_path: Path
) -> None:
    rng = seeded()
    province(rectify)
    count = max(60, 8 * KILLS)  # enough that the last kill still lands mid-batch
    rectify.ok("import", str(write_ledger(tmp_path / "ledger.csv", count)), "--campaign", "BIG")
    expected = {(n["address"], n["ref"]) for n in rectify.json("notices")}
    assert len(expected) == count
    with slow_smtp_server() as server:
        env = environment(rectify, **server.settings())
        killed_mid_run = 0
        for _ in range(KILLS):
            expire_leases(rectify.db_url)
            before = len(server.mails)
            process = start(env, "deliver")
            # Once its first mail is in, it is mid-batch: kill it a random moment later.
            deadline = time.monotonic() + 60
            while len(server.mails) == before and process.poll() is None:
                assert time.monotonic() < deadline, "deliver sent nothing for a minute"
                time.sleep(0.005)
            time.sleep(rng.uniform(0, 6 * SMTP_DELAY))
            killed_mid_run += kill(process)
        assert killed_mid_run >= 1, "every deliver finished before it could be killed"
        for _ in range(5):  # rerun until nothing is due
            expire_leases(rectify.db_url)
            run(env, "deliver")
            rows = rectify.json("notices")
            if {n["status"] for n in rows} == {"sent"}:
                break
        received = Counter(
            (mail.rcpt_tos[0], *REF.findall(str(mail.message()["Subject"]))[:1])
            for mail in server.mails
        )
    assert {n["status"] for n in rows} == {"sent"}, rows
    assert set(received) == expected  # none lost, nothing unknown
    cut = {(n["address"], n["ref"]) for n in rows if n["last_error"] == CUT_MID_FLIGHT}
    twice = {key for key, count in received.items() if count > 1}
    assert twice <= cut, f"sent twice without being reported cut: {twice - cut}"
    assert len(cut) <= KILLS  # at most the one message in flight per kill
    assert sum(count - 1 for count in received.values()) <= KILLS
    assert {n["last_error"] for n in rows} <= {None, CUT_MID_FLIGHT}
    integrity_ok(rectify.db_url)
    print(
        f"deliver: {killed_mid_run} of {KILLS} killed mid-run, {len(cut)} cut, {len(twice)} twice"
    )


# --- sweep -------------------------------------------------------------------------------

SWEEP_ITEMS = 4000


def sweep_state(url: str) -> tuple[list[tuple[Any, ...]], ...]:
    levels = query(url, "SELECT ref, level FROM responsibility_items ORDER BY ref")
    queued = query(
        url,
        "SELECT i.ref, n.event, n.event_key, n.recipient, n.channel, n.address, n.status "
        "FROM notices n LEFT JOIN responsibility_items i ON i.id = n.item_id "
        "ORDER BY 1, 2, 3, 4, 5",
    )
    audit = query(
        url,
        'SELECT kind, ref, "trigger", to_state, count(*) FROM audit_events '
        'GROUP BY kind, ref, "trigger", to_state ORDER BY 1, 2, 3, 4',
    )
    return levels, queued, audit


def test_sweep_killed_mid_run_leaves_all_or_nothing_and_a_rerun_matches_an_uninterrupted_one(
    rectify: Rectify, tmp_path: Path
) -> None:
    rng = seeded()
    ledger = write_ledger(tmp_path / "ledger.csv", SWEEP_ITEMS)
    with another_database(rectify, tmp_path) as reference:
        for db in (rectify, reference):
            province(db)
            db.ok("import", str(ledger), "--campaign", "BIG")
        env = environment(rectify)
        reference_env = environment(reference)
        outcomes: Counter[str] = Counter()
        for round_ in range(KILLS):
            # Each round sweeps a later day, so every round has levels to raise.
            at = (date(2020, 9, 4) + timedelta(days=3 * round_)).isoformat() + "T09:00"
            before = sweep_state(rectify.db_url)
            assert before == sweep_state(reference.db_url)
            seconds = run(reference_env, "sweep", "--at", at)
            after = sweep_state(reference.db_url)
            assert after != before, f"nothing to raise at {at}"
            process = start(env, "sweep", "--at", at)
            time.sleep(rng.uniform(0.4, 1.0) * seconds)
            alive = kill(process)
            integrity_ok(rectify.db_url)
            left = sweep_state(rectify.db_url)
            assert left in (before, after), f"a sweep killed at {at} left part of its work"
            outcomes["killed, nothing written" if left == before else
                     "killed after commit" if alive else "finished"] += 1  # fmt: skip
            run(env, "sweep", "--at", at)  # the rerun
            assert sweep_state(rectify.db_url) == after, f"the rerun at {at} differs"
    assert outcomes["killed, nothing written"] >= 1, outcomes
    print(f"sweep: {dict(outcomes)}")


# --- import ------------------------------------------------------------------------------

IMPORT_ROWS = 20_000
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
    env = environment(rectify)
    # The same ledger, uninterrupted, into campaign REF: how long an import takes, and what
    # the rerun must give.
    seconds = run(env, "import", str(ledger), "--campaign", "REF")
    assert query(rectify.db_url, COUNT_ITEMS) == [("BIG", 0), ("REF", IMPORT_ROWS)]
    notices = "SELECT count(*) FROM notices"
    ((queued,),) = query(rectify.db_url, notices)
    killed = rounds = 0
    for _ in range(KILLS):
        rounds += 1
        process = start(env, "import", str(ledger), "--campaign", "BIG")
        time.sleep(rng.uniform(0.05, 0.75) * seconds)
        alive = kill(process)
        integrity_ok(rectify.db_url)
        counts = dict(query(rectify.db_url, COUNT_ITEMS))
        assert counts["BIG"] in (0, IMPORT_ROWS), f"an import killed mid-run left {counts}"
        if counts["BIG"]:  # it committed before the kill landed: nothing more to kill
            break
        killed += alive
        assert query(rectify.db_url, notices) == [(queued,)]
    assert killed >= 1
    if dict(query(rectify.db_url, COUNT_ITEMS))["BIG"] == 0:
        run(env, "import", str(ledger), "--campaign", "BIG")  # the rerun
    assert query(rectify.db_url, COUNT_ITEMS) == [("BIG", IMPORT_ROWS), ("REF", IMPORT_ROWS)]
    assert query(rectify.db_url, notices) == [(2 * queued,)]
    integrity_ok(rectify.db_url)
    print(f"import: {killed} killed mid-run in {rounds} rounds ({seconds:.1f} s uninterrupted)")
