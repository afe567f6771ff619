# The smtp_server fixture is imported and then requested by parameter name.
# ruff: noqa: F811

"""The progress bars of `sweep` and `deliver`: on stderr, on a terminal only, after a second.

The bar itself is workflow.progress (its drawing is tested in test_import_streaming). Here: the
sweep and the delivery tick it as they go, up to the total the bar is given; the installed
`rectify` under a pseudo-terminal shows it for a slow delivery, and its stdout is byte for byte
what the same command prints into a pipe, where no bar appears; `scheduler run`, unattended,
never draws one.
"""

from __future__ import annotations

import asyncio
import csv
import io
import os
import pty
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session

from notifications.delivery import deliver
from notifications.due import due_count
from tests.conftest import Rectify
from tests.support.servers import (
    LOOPBACK,
    SmtpRecorder,
    SmtpTestServer,
    _CountingController,
    free_port,
    smtp_server,  # noqa: F401 (a fixture)
)
from workflow import progress as progress_module
from workflow.app import App
from workflow.services import sweep as sweep_service
from workflow.settings import load_settings

RECTIFY = Path(sys.executable).with_name("rectify")  # the installed entry point
HEADER = ["序号", "问题来源", "问题类别", "问题描述", "整改措施", "责任单位", "配合单位",
          "责任人", "整改时限"]  # fmt: skip
UNITS = 3
MAILS = 24
SMTP_DELAY = 0.1  # seconds the slow server takes over each mail: 24 mails take 2.4 s or more
WIPE = b"\r\x1b[K"


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class Stepping:
    """A clock that moves a second at each reading: every tick after the first draws."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        self.now += 1.0
        return self.now


def province(rectify: Rectify, tmp_path: Path, rows: int = MAILS) -> None:
    """Units u0..u2 whose heads have an email, and `rows` tasks imported into campaign BIG
    (one assignment email each), with deadlines from 2020-09-05 over ten weeks."""
    for n in range(UNITS):
        rectify.ok("unit", "add", f"u{n}", f"第{n}局")
        rectify.ok("person", "add", f"局长{n}", "--unit", f"u{n}", "--head",
                   "--email", f"u{n}@example.gov.cn")  # fmt: skip
    rectify.ok("campaign", "add", "BIG", "BIG整改", "--deadline", "2020-12-31")
    ledger = tmp_path / "ledger.csv"
    with ledger.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for t in range(rows):
            p, u, day = t // 5 + 1, t % UNITS, 5 + (t * 7) % 70
            deadline = f"2020-{9 + day // 30:02d}-{1 + day % 30:02d}"
            writer.writerow([p, "自查", "饮水安全", f"问题{p}", f"整改措施{t + 1}", f"u{u}", "",
                             f"局长{u}", deadline])  # fmt: skip
    rectify.ok("import", str(ledger), "--campaign", "BIG")


@pytest.fixture
def app_of() -> Iterator[Callable[..., App]]:
    """Builds an App on a test's database (closed at the end), with more settings."""
    made: list[App] = []

    def build(rectify: Rectify, **settings: str) -> App:
        values = {
            "RECTIFY_DB": rectify.db_url,
            "RECTIFY_USER": "李督查",
            "RECTIFY_NOW": "2020-09-01T10:00",
            "RECTIFY_CONFIG": "",
            **settings,
        }
        made.append(App(load_settings(values)))
        return made[-1]

    yield build
    for app in made:
        app.close()


# --- the services tick up to the bar's total ---------------------------------------------


def test_a_sweep_ticks_each_of_its_planned_steps_and_the_bar_reaches_all_of_them(
    rectify: Rectify, tmp_path: Path, app_of: Callable[..., App]
) -> None:
    province(rectify, tmp_path)
    app = app_of(rectify)
    planned = sweep_service.planned_steps(app)
    assert planned == 3 + 1 + 1  # blue, yellow, red; progress reports; the digests
    ticks: list[int] = []
    report = sweep_service.sweep(
        app, datetime(2020, 10, 20, 9, tzinfo=app.settings.zone), on_step=ticks.append
    )
    assert ticks == [1] * planned
    assert sum(report.raised.values()) > 0
    # The same wiring as `rectify sweep`, drawn on a terminal whose clock runs fast.
    out = FakeTerminal()
    with progress_module.progress(
        lambda: sweep_service.planned_steps(app), "Sweeping", stream=out, clock=Stepping()
    ) as tick:
        sweep_service.sweep(app, datetime(2020, 11, 20, 9, tzinfo=app.settings.zone), on_step=tick)
    drawn = out.getvalue().split("\r")[1:]
    assert drawn[-2].startswith(f"Sweeping [{'#' * 30}] 100% {planned} ")
    assert drawn[-1] == "\x1b[K"  # wiped at the end


def test_a_delivery_ticks_once_per_notice_up_to_the_number_due(
    rectify: Rectify, tmp_path: Path, smtp_server: SmtpTestServer, app_of: Callable[..., App]
) -> None:
    province(rectify, tmp_path)
    app = app_of(rectify, **smtp_server.settings())
    due = due_count(app, app.now())
    assert due == MAILS
    ticks: list[int] = []
    report = deliver(app, on_sent=ticks.append, batch_size=10)
    assert report.sent == MAILS
    assert ticks == [1] * MAILS  # one per message, as it is sent
    assert due_count(app, app.now()) == 0
    # Not configured: its notices are not counted (deliver leaves them pending).
    assert due_count(app_of(rectify), app.now()) == 0


# --- the installed command on a terminal and in a pipe ------------------------------------


class SlowRecorder(SmtpRecorder):
    """A relay taking SMTP_DELAY over each mail: a delivery of MAILS lasts over a second."""

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        await asyncio.sleep(SMTP_DELAY)
        return await super().handle_DATA(server, session, envelope)


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


def environment(db_url: str, **more: str) -> dict[str, str]:
    return {
        **os.environ,
        "RECTIFY_DB": db_url,
        "RECTIFY_USER": "李督查",
        "RECTIFY_NOW": "2020-09-01T10:00",
        "RECTIFY_LANG": "en",
        "RECTIFY_CONFIG": "",
        **more,
    }


def on_terminal(env: dict[str, str], *args: str) -> tuple[int, bytes, bytes]:
    """Runs the installed `rectify ARGS` with stderr on a pseudo-terminal and stdout into a
    pipe: (exit status, stdout, what the terminal showed)."""
    master, slave = pty.openpty()
    shown: list[bytes] = []

    def read_terminal() -> None:
        while True:
            try:
                data = os.read(master, 4096)
            except OSError:  # EIO: every end of the terminal has closed
                return
            if not data:
                return
            shown.append(data)

    try:
        process = subprocess.Popen(
            [str(RECTIFY), *args],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=slave,
        )
        os.close(slave)
        reader = threading.Thread(target=read_terminal)
        reader.start()
        out, _ = process.communicate(timeout=120)
        reader.join(timeout=30)
    finally:
        os.close(master)
    return process.returncode, out, b"".join(shown)


def piped(env: dict[str, str], *args: str) -> tuple[int, bytes, bytes]:
    done = subprocess.run([str(RECTIFY), *args], env=env, capture_output=True, timeout=120)
    return done.returncode, done.stdout, done.stderr


@pytest.fixture
def twin_databases(request: pytest.FixtureRequest, tmp_path: Path, db_url: str) -> tuple[str, str]:
    """Two SQLite files holding the same province, one for the terminal and one for the pipe."""
    if not db_url.startswith("sqlite"):
        pytest.skip("the bar is drawn by the CLI, the same on both backends")
    province(request.getfixturevalue("rectify"), tmp_path)
    first = Path(db_url.removeprefix("sqlite:///"))
    second = tmp_path / "twin.db"
    shutil.copyfile(first, second)  # every command closed its connections: no WAL pending
    return db_url, "sqlite:///" + str(second)


def test_a_slow_deliver_shows_a_bar_on_a_terminal_and_prints_the_same_without_it_in_a_pipe(
    twin_databases: tuple[str, str],
) -> None:
    terminal_db, pipe_db = twin_databases
    with slow_smtp_server() as server:
        status, out, shown = on_terminal(environment(terminal_db, **server.settings()), "deliver")
        assert status == 0, shown
        assert len(server.mails) == MAILS
        assert shown.startswith(b"\rDelivering notices [#"), shown
        assert b"/s\x1b[K" in shown
        assert shown.endswith(WIPE)  # the line is wiped: the terminal is left as it was
        piped_status, piped_out, piped_err = piped(
            environment(pipe_db, **server.settings()), "deliver"
        )
    assert (piped_status, piped_err) == (0, b"")
    assert (
        out == piped_out == f"Sent {MAILS}, retrying 0, dead 0, held for quiet hours 0.\n".encode()
    )


def test_a_sweep_on_a_terminal_prints_to_stdout_exactly_what_it_prints_into_a_pipe(
    twin_databases: tuple[str, str],
) -> None:
    terminal_db, pipe_db = twin_databases
    args = ("sweep", "--at", "2020-10-20T09:00")
    status, out, shown = on_terminal(environment(terminal_db), *args)
    assert status == 0, shown
    # A sweep of a few items is over within the second: no bar, or one wiped at the end.
    assert shown == b"" or shown.endswith(WIPE)
    piped_status, piped_out, piped_err = piped(environment(pipe_db), *args)
    assert (piped_status, piped_err) == (0, b"")
    assert out == piped_out
    assert out.startswith(b"Sweep at 2020-10-20 09:00: raised ")


def test_the_scheduler_draws_no_bar_even_on_a_terminal(twin_databases: tuple[str, str]) -> None:
    terminal_db, _ = twin_databases
    with slow_smtp_server() as server:
        env = environment(terminal_db, **server.settings())
        status, out, shown = on_terminal(
            env, "scheduler", "run", "--deliver-every", "1", "--stop-after", "2"
        )
        assert status == 0, shown
        assert len(server.mails) == MAILS  # a delivery of over two seconds ran
    assert b"\x1b[K" not in shown and b"Delivering" not in shown, shown
    assert f"deliver: sent {MAILS},".encode() in shown + out
