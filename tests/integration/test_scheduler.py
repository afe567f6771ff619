"""Two `rectify scheduler run` processes on one database send every notice exactly once."""

# Fixtures are imported explicitly and then requested by parameter name.
# ruff: noqa: F401, F811

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.cli.test_warnings import setup_campaign
from tests.conftest import Rectify
from tests.support.servers import HttpTestServer, SmtpTestServer, http_server, smtp_server
from workflow.settings import database_url

ROOT = Path(__file__).resolve().parents[2]
COMMAND = [sys.executable, "-c", "from cli import main; main()"]


def scheduler(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*COMMAND, "scheduler", "run", *args],
        # the office runs the scheduler; its lines are in English unless a test asks for zh
        env={**os.environ, "RECTIFY_USER": "李督查", "RECTIFY_LANG": "en", **env},
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_schedulers_send_each_notice_once(
    rectify: Rectify, smtp_server: SmtpTestServer, http_server: HttpTestServer
) -> None:
    setup_campaign(rectify)
    env = {
        "RECTIFY_DB": rectify.db_url,
        "RECTIFY_NOW": "2020-10-01T09:00",  # R3 is overdue: red, to person, unit and leader
        "RECTIFY_SMS_URL": http_server.url,
        **smtp_server.settings(),
    }
    runs = [scheduler(env, "--sweep-every", "1", "--deliver-every", "1", "--stop-after", "6")
            for _ in range(2)]  # fmt: skip
    outputs = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    for _, err in outputs:
        assert err.rstrip().endswith("scheduler stopped")

    notices = rectify.json("notices")
    assert len(notices) == 9  # 交办 x5 and red x4, see test_warnings
    assert {n["status"] for n in notices} == {"sent"}
    assert all(n["attempts"] == 1 for n in notices)
    mails = Counter((tuple(m.rcpt_tos), m.message()["subject"]) for m in smtp_server.mails)
    assert sum(mails.values()) == sum(n["channel"] == "email" for n in notices)
    assert set(mails.values()) == {1}
    texts = Counter((r.json()["phone"], r.json()["text"]) for r in http_server.requests)
    assert sum(texts.values()) == sum(n["channel"] == "sms" for n in notices)
    assert set(texts.values()) == {1}
    # The slot (RECTIFY_NOW, to the minute) was swept by one of the two processes only.
    engine = create_engine(database_url(rectify.db_url))
    with engine.connect() as conn:
        slots = conn.execute(text("SELECT slot, claimed_by FROM sweep_slots")).all()
    engine.dispose()
    assert [slot for slot, _ in slots] == ["2020-10-01T09:00:00+08:00"]
    swept = [err.count("sweep 2020-10-01T09:00:00+08:00: raised") for _, err in outputs]
    assert sorted(swept) == [0, 1]


# (language, how the first line starts, the default schedule, the last line)
SCHEDULER_LINES = [
    ("en", "scheduler ", "every 30 minutes from 07:00 to 22:00", "scheduler stopped"),
    ("zh", "调度器 ", "巡查 07:00 至 22:00 每 30 分钟一次，每 1 秒发送一次", "调度器已停止"),
]


@pytest.mark.parametrize(("lang", "start", "schedule", "stopped"), SCHEDULER_LINES)
def test_ctrl_c_stops_the_scheduler_cleanly(
    rectify: Rectify, lang: str, start: str, schedule: str, stopped: str
) -> None:
    run = scheduler({"RECTIFY_DB": rectify.db_url, "RECTIFY_LANG": lang}, "--deliver-every", "1")
    assert run.stderr is not None
    first = run.stderr.readline()
    assert first.startswith(start) and schedule in first
    run.send_signal(signal.SIGINT)
    _, rest = run.communicate(timeout=60)
    assert run.returncode == 0
    assert rest.rstrip().endswith(stopped)
    assert "Traceback" not in rest


def test_ctrl_c_at_any_moment_of_the_first_jobs_stops_it(rectify: Rectify) -> None:
    # The first delivery starts at once: an interrupt may land while APScheduler hands it to
    # its executor, where a KeyboardInterrupt used to be caught, logged and lost.
    for _ in range(6):
        run = scheduler(
            {"RECTIFY_DB": rectify.db_url}, "--deliver-every", "1", "--sweep-every", "1"
        )
        assert run.stderr is not None
        run.stderr.readline()
        run.send_signal(signal.SIGINT)
        try:
            _, rest = run.communicate(timeout=30)
        finally:
            run.kill()
        assert run.returncode == 0, rest
        assert rest.rstrip().endswith("scheduler stopped")
