"""`rectify scheduler run`: sweeps on a cron schedule and delivery every minute (APScheduler 3).

Jobs live in a memory job store and are defined here in code with fixed ids: the database holds
the work, not the schedule. Several scheduler processes may share one database: each sweep
slot is claimed with an INSERT into sweep_slots in the sweep's own transaction, so a slot runs
once whichever process gets there first, and delivery claims notices with leases.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from collections.abc import Callable
from datetime import datetime
from types import FrameType
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers import SchedulerNotRunningError
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Connection
from sqlalchemy.dialects import postgresql, sqlite

from workflow.app import App
from workflow.db.schema import sweep_slots
from workflow.errors import InvalidInput
from workflow.i18n import Msg
from workflow.services.sweep import SweepReport, sweep_in
from workflow.terms import raised_text

DEFAULT_SWEEP = Msg("every 30 minutes from 07:00 to 22:00")


def sweep_trigger(app: App, every_seconds: int | None = None) -> BaseTrigger:
    """RECTIFY_SWEEP_CRON (crontab, ';' between several) or the default: on the hour and half
    hour from 07:00 to 22:00 in the configured zone."""
    zone = app.settings.zone
    if every_seconds:
        return IntervalTrigger(seconds=every_seconds, timezone=zone)
    text = app.settings.values.get("RECTIFY_SWEEP_CRON")
    if not text:
        return OrTrigger(
            [
                CronTrigger(hour="7-21", minute="0,30", timezone=zone),
                CronTrigger(hour=22, minute=0, timezone=zone),
            ]
        )
    try:
        crons = [CronTrigger.from_crontab(part.strip(), timezone=zone) for part in text.split(";")]
    except ValueError as exc:
        raise InvalidInput(
            "RECTIFY_SWEEP_CRON {text!r}: {reason}", text=text, reason=str(exc)
        ) from None
    return crons[0] if len(crons) == 1 else OrTrigger(crons)


def claimed_sweep(app: App, worker: str, at: datetime | None = None) -> SweepReport | None:
    """Run the sweep of the slot `at` falls in, unless another process has claimed it."""
    at = at or app.now()
    slot = at.astimezone(app.settings.zone).replace(second=0, microsecond=0).isoformat()
    with app.ready_db().write() as conn:
        if not _claim_slot(conn, slot, worker, at):
            return None
        return sweep_in(conn, app, at)


def _claim_slot(conn: Connection, slot: str, worker: str, at: datetime) -> bool:
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(sweep_slots)
        .values(slot=slot, claimed_by=worker, claimed_at=at)
        .on_conflict_do_nothing()
        .execution_options(preserve_rowcount=True)  # rowcount of an INSERT is opt-in
    )
    return bool(conn.execute(statement).rowcount)


def run(
    app: App,
    *,
    say: Callable[[str], None],
    sweep_every: int | None = None,
    deliver_every: int = 60,
    stop_after: float | None = None,
) -> None:
    """Run until Ctrl-C, SIGTERM or `stop_after` seconds; jobs in flight finish first."""
    from notifications.delivery import deliver, worker_name

    worker = worker_name()
    lang = app.settings.lang

    def tell(template: str, /, **params: Any) -> None:
        say(Msg(template, **params).to(lang))

    trigger = sweep_trigger(app, sweep_every)
    scheduler = BlockingScheduler(
        jobstores={"default": MemoryJobStore()},
        executors={"default": ThreadPoolExecutor(2)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 600},
        timezone=app.settings.zone,
    )

    def sweep_job() -> None:
        try:
            report = claimed_sweep(app, worker)
        except Exception as exc:  # a scheduler outlives a failed run: say it, try next slot
            tell("sweep failed: {error}", error=_one_line(exc))
            return
        if report is None:
            tell("sweep: this slot was already swept (by this or another scheduler)")
            return
        tell("sweep {at}: raised {raised}; {count} notices queued", at=report.at.isoformat(),
             raised=raised_text(report.raised), count=report.notices)  # fmt: skip
        if report.digests:
            tell("sweep: {count} daily digests queued", count=report.digests)
        for year in report.assumed_years:
            tell("sweep: no published schedule for {year}, Monday-Friday assumed", year=year)

    def deliver_job() -> None:
        try:
            report = deliver(app, worker=worker)
        except Exception as exc:  # leases make a retry safe: the next run picks up
            tell("deliver failed: {error}", error=_one_line(exc))
            return
        if report.sent or report.retrying or report.dead or report.held:
            tell("deliver: sent {sent}, retrying {retrying}, dead {dead}, held {held}",
                 sent=report.sent, retrying=report.retrying, dead=report.dead,
                 held=report.held)  # fmt: skip

    scheduler.add_job(sweep_job, trigger, id="sweep", name="sweep", replace_existing=True)
    scheduler.add_job(
        deliver_job,
        IntervalTrigger(seconds=deliver_every, timezone=app.settings.zone),
        id="deliver",
        name="deliver",
        next_run_time=datetime.now(app.settings.zone),
        replace_existing=True,
    )

    # Stopping waits for the jobs in flight: a sweep or delivery is never cut off half way.
    # Ctrl-C is handled like SIGTERM, not as KeyboardInterrupt: APScheduler catches every
    # exception while it hands a job to its executor, so an interrupt landing there would be
    # logged and lost, and the scheduler would run on.
    stopping = threading.Event()
    finished = threading.Event()

    def stop() -> None:
        # From a thread of its own: a signal may come before the scheduler has started.
        deadline = time.monotonic() + 30
        while not scheduler.running and time.monotonic() < deadline and not finished.is_set():
            time.sleep(0.02)
        with contextlib.suppress(SchedulerNotRunningError):  # stopped already
            scheduler.shutdown(wait=True)

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        if not stopping.is_set():
            stopping.set()
            threading.Thread(target=stop, name="stop", daemon=True).start()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    if stop_after is not None:
        timer = threading.Timer(stop_after, on_signal, args=(signal.SIGTERM, None))
        timer.daemon = True
        timer.start()
    schedule = _describe(trigger, sweep_every)
    try:
        tell("scheduler {worker}: sweep {schedule}, deliver every {seconds} s", worker=worker,
             schedule=schedule, seconds=deliver_every)  # fmt: skip
        if not stopping.is_set():
            scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        finished.set()
        if scheduler.running:
            scheduler.shutdown(wait=True)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    tell("scheduler stopped")


def _one_line(exc: BaseException) -> str:
    cause = getattr(exc, "orig", None) or exc  # SQLAlchemy wraps the driver's error
    return f"{type(cause).__name__}: {' '.join(str(cause).split())}"


def _describe(trigger: Any, every: int | None) -> str | Msg:
    if every:
        return Msg("every {seconds} s", seconds=every)
    return str(trigger) if not isinstance(trigger, OrTrigger) else DEFAULT_SWEEP
