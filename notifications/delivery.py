"""The outbox delivery loop: claim due notices with a lease, render, send, record each result.

Claiming is one UPDATE ... RETURNING (with FOR UPDATE SKIP LOCKED on PostgreSQL) in its own
short transaction, so two processes never hold the same notice. Leases are measured on the
database's clock (never the process's, never RECTIFY_NOW), sized to the channel's longest send
and renewed while a batch runs. Each notice is marked 'sending' (its lease checked) in the same
transaction that records the result of the one before, so a crash repeats at most the message in
flight; a notice found 'sending' with its lease run out was cut mid-flight, is sent again and
keeps a note saying it may have gone twice.

Failures: a refusal of one recipient for good (SMTP 5xx for that address, an invalid number)
makes that notice dead at once. Anything that may pass (no connection, timeouts, SMTP 4xx, a
gateway's 5xx or 429, a refused login, a lost connection) backs off, capped, and is tried again
until the policy's give_up_after (measured from the notice's creation). Only the notices
actually tried are charged an attempt: once a channel fails, the rest of its notices go back
to the queue untouched and the channel rests until the next run. Nothing is deleted. SMS due in
quiet hours are held, not sent.
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    DateTime,
    and_,
    bindparam,
    case,
    func,
    literal,
    literal_column,
    select,
    update,
)

from notifications.channels import Channel, DeliveryResult, Message, configured_channels
from notifications.render import NoticeContext, TemplateProblem
from workflow.app import App
from workflow.db.schema import campaigns, items, notices, people, problems, tasks, units
from workflow.errors import RectifyError
from workflow.escalation import (
    LEVEL_RANK,
    backoff_seconds,
    days_left,
    in_quiet_hours,
    local_today,
)
from workflow.escalation import release_time as quiet_hours_end
from workflow.i18n import Msg
from workflow.services import calendar_days, digests

MIN_LEASE_SECONDS = 120
BATCH = 50  # small: the lease covers the batch, renewed as it goes
WARNINGS = ("blue", "yellow", "red")
# Kept in last_error of a notice whose send was interrupted (process killed, server gone):
# it is sent again, and the office can see it may have gone out twice.
CUT_MID_FLIGHT = "cut mid-flight, may have been sent twice"
CHANNEL_BUG = "channel failed: "


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    dead: int = 0
    held: int = 0  # SMS in quiet hours, sent when they end
    skipped: int = 0  # warnings overtaken before they went out (fixed, extended, higher level)
    resent: int = 0  # notices found cut mid-flight and sent again (may have gone twice)
    # Channels not configured at all: channel -> (notices pending, why).
    waiting: dict[str, tuple[int, Msg]] = field(default_factory=dict)
    # Channels that could not be used this run (unreachable, login refused): channel ->
    # (notices put back unattempted, the channel's reason). Those notices count as retrying.
    unavailable: dict[str, tuple[int, str]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def as_dict(self, lang: str = "en") -> dict[str, Any]:
        return {
            "sent": self.sent,
            "retrying": self.retrying,
            "dead": self.dead,
            "held": self.held,
            "skipped": self.skipped,
            "resent_after_cut": self.resent,
            "waiting": {
                k: {"pending": n, "reason": why.to(lang)} for k, (n, why) in self.waiting.items()
            },
            "unavailable": {
                k: {"not_attempted": n, "reason": why} for k, (n, why) in self.unavailable.items()
            },
            "errors": self.errors,
        }

    @property
    def failed_only(self) -> bool:
        """Nothing went out and something failed: `deliver` exits non-zero."""
        return self.sent == 0 and bool(self.retrying or self.dead or self.unavailable)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def lease_seconds(channels: Mapping[str, Channel]) -> int:
    """Four times the longest one send may take (its timeout), and at least two minutes."""
    longest = 0.0
    for channel in channels.values():
        config = getattr(channel, "config", None)
        timeout = getattr(channel, "timeout", None) or getattr(config, "timeout", None) or 30.0
        longest = max(longest, float(timeout))
    return max(MIN_LEASE_SECONDS, int(4 * longest) + 1)


def deliver(
    app: App,
    *,
    channels: Mapping[str, Channel] | None = None,
    worker: str | None = None,
    batch_size: int = BATCH,
) -> DeliveryReport:
    """Send every notice that is due now; returns what happened.

    Raises RectifyError, before claiming anything, when a channel's settings are wrong or the
    templates are broken.
    """
    missing: dict[str, Msg] = {}
    if channels is None:
        channels, missing = configured_channels(app.settings.values, strict=True)
    channels = dict(channels)  # a channel found unavailable leaves this run
    renderer = app.renderer
    try:
        renderer.check()  # a broken template stops delivery before anything is claimed
    except TemplateProblem as exc:
        raise RectifyError(
            "notice templates: {problems}", problems=" | ".join(exc.problems)
        ) from None
    run = _Run(app, worker or worker_name(), lease_seconds(channels))
    while channels:
        now = app.now()
        with run.db.write() as conn:
            claimed = _claim(conn, list(channels), run.worker, now, batch_size, run.lease)
            rows = _details(conn, claimed) if claimed else []
        if not rows:
            break
        run.start_batch(claimed)
        with run.db.read() as conn:
            calendar = calendar_days.load(conn)
        outcomes: list[tuple[Any, DeliveryResult | _Skip | None]] = []
        to_send: dict[str, list[tuple[Any, Message]]] = {}
        for row in rows:
            stale = _stale(row)
            if stale:
                outcomes.append((row, _Skip(stale)))
                continue
            policy = app.policies.get(_policy_name(row) or "")
            if row.channel == "sms" and policy and in_quiet_hours(now, policy, app.settings.zone):
                outcomes.append((row, None))
                continue
            try:
                rendered = renderer.render(_context(row, app, calendar), row.channel)
            except (TemplateProblem, ValueError) as exc:
                # e.g. an event a user's definitions notify on with no template for it: this
                # notice cannot be written, so it is dead now rather than claimed forever.
                error = f"cannot render {row.event} for {row.channel}: {exc}"
                outcomes.append((row, DeliveryResult(row.id, False, error, retryable=False)))
                continue
            message = Message(
                row.id,
                row.channel,
                row.address,
                row.recipient_name,
                rendered.subject,
                rendered.body,
            )
            to_send.setdefault(row.channel, []).append((row, message))
        if outcomes:
            with run.db.write() as conn:
                _record(conn, app, run.worker, now, outcomes, run.report)
        for name, batch in to_send.items():
            if not run.send_all(channels, name, batch, now):
                break  # our lease was lost: whatever is left belongs to someone else now
        run.finish_batch(now)
        if len(rows) < batch_size or run.lease_lost:
            break
    report = run.report
    with run.db.read() as conn:
        for channel, count in conn.execute(
            select(notices.c.channel, func.count())
            .where(notices.c.status == "pending", notices.c.channel.in_(list(missing)))
            .group_by(notices.c.channel)
        ).all():
            report.waiting[channel] = (int(count), missing[channel])
    return report


class _Run:
    """One `deliver`: the lease, the result waiting to be recorded, what each channel did."""

    def __init__(self, app: App, worker: str, lease: int) -> None:
        self.app = app
        self.db = app.ready_db()
        self.worker = worker
        self.lease = lease
        self.report = DeliveryReport()
        self.tried: set[str] = set()  # channels that have had a message tried this run
        self.claimed: list[int] = []
        self.renewed = time.monotonic()
        self.lease_lost = False
        self.waiting: tuple[Any, DeliveryResult] | None = None  # sent, not yet recorded
        self.untried: list[tuple[Any, DeliveryResult | _Skip | None]] = []

    def start_batch(self, claimed: list[int]) -> None:
        self.claimed = claimed
        self.renewed = time.monotonic()

    def send_all(
        self,
        channels: dict[str, Channel],
        name: str,
        batch: list[tuple[Any, Message]],
        now: datetime,
    ) -> bool:
        """Send one channel's share of the batch, each result recorded before the next send.
        False when the lease was lost."""
        with channels[name].session() as send:
            for index, (row, message) in enumerate(batch):
                if not self._mark_sending(row.id, now):
                    self.lease_lost = True
                    return False
                result = _send(channels[name], send, message)
                down = not result.attempted or (not result.ok and result.stop_channel)
                if not result.attempted and name not in self.tried:
                    # The first message of the run found the channel down: it was tried, so it
                    # is charged, and its back-off grows while the outage lasts.
                    result = replace(result, attempted=True, retryable=True)
                self.tried.add(name)
                self.waiting = (row, result)
                if down:
                    reason = (result.error or "unavailable").removeprefix("not attempted: ")
                    rest = batch[index + 1 :]
                    self.untried.extend(
                        (
                            r,
                            DeliveryResult(
                                m.id, False, f"not attempted: {reason}", attempted=False
                            ),
                        )
                        for r, m in rest
                    )
                    count = len(rest) + (0 if result.attempted else 1)
                    before, _ = self.report.unavailable.get(name, (0, reason))
                    self.report.unavailable[name] = (before + count, reason)
                    del channels[name]
                    break
        return True

    def _mark_sending(self, notice_id: int, now: datetime) -> bool:
        """Record the result before, renew the lease if due, and take this notice 'sending'."""
        with self.db.write() as conn:
            self._flush(conn, now)
            if time.monotonic() - self.renewed > self.lease / 3:
                conn.execute(
                    update(notices)
                    .where(notices.c.id.in_(self.claimed), notices.c.lease_owner == self.worker)
                    .values(lease_until=db_clock(conn, self.lease))
                )
                self.renewed = time.monotonic()
            marked = conn.execute(
                update(notices)
                .where(
                    notices.c.id == notice_id,
                    notices.c.lease_owner == self.worker,
                    notices.c.lease_until > db_clock(conn),
                )
                .values(status="sending", lease_until=db_clock(conn, self.lease))
            )
            return bool(marked.rowcount == 1)

    def _flush(self, conn: Connection, now: datetime) -> None:
        if self.waiting is not None:
            _record(conn, self.app, self.worker, now, [self.waiting], self.report)
            self.waiting = None

    def finish_batch(self, now: datetime) -> None:
        """Record the last result, put back what was not reached, release the rest."""
        with self.db.write() as conn:
            self._flush(conn, now)
            if self.untried:
                _record(conn, self.app, self.worker, now, self.untried, self.report)
                self.untried = []
            conn.execute(
                update(notices)
                .where(
                    notices.c.id.in_(self.claimed),
                    notices.c.lease_owner == self.worker,
                    notices.c.status == "pending",
                )
                .values(lease_owner=None, lease_until=None)
            )


def db_clock(conn: Connection, seconds: int = 0) -> ColumnElement[Any]:
    """The database's time now, plus `seconds`, comparable with stored timestamps."""
    if conn.dialect.name == "postgresql":
        return literal_column(
            f"(statement_timestamp() + interval '{int(seconds)} seconds')", type_=DateTime
        )
    # SQLAlchemy stores SQLite datetimes as 'YYYY-MM-DD HH:MM:SS.ffffff' in UTC.
    return func.strftime(
        "%Y-%m-%d %H:%M:%f000", literal("now"), literal(f"{int(seconds):+d} seconds")
    )


def _claim(
    conn: Connection, names: Sequence[str], worker: str, now: datetime, limit: int, lease: int
) -> list[int]:
    clock = db_clock(conn)
    free = notices.c.lease_until.is_(None) | (notices.c.lease_until < clock)
    due = (
        select(notices.c.id)
        .where(
            notices.c.channel.in_(names),
            ((notices.c.status == "pending") & (notices.c.next_attempt_at <= now) & free)
            | ((notices.c.status == "sending") & (notices.c.lease_until < clock)),
        )
        .order_by(notices.c.id)
        .limit(limit)
    )
    if conn.dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    cut = and_(
        notices.c.status == "sending", func.coalesce(notices.c.last_error, "") != CUT_MID_FLIGHT
    )
    claimed = conn.execute(
        update(notices)
        .where(notices.c.id.in_(due.scalar_subquery()))
        .values(
            lease_owner=worker,
            lease_until=db_clock(conn, lease),
            # A send that never recorded its result: it may have gone out.
            last_error=case((cut, literal(CUT_MID_FLIGHT)), else_=notices.c.last_error),
        )
        .returning(notices.c.id)
    )
    return sorted(int(notice_id) for notice_id in claimed.scalars())


def _details(conn: Connection, ids: list[int]) -> list[Any]:
    return list(
        conn.execute(
            select(
                notices,
                items.c.ref,
                items.c.original_deadline,
                items.c.state.label("item_state"),
                items.c.level.label("item_level"),
                items.c.deadline_version.label("item_deadline_version"),
                tasks.c.title.label("task_title"),
                problems.c.title.label("problem_title"),
                campaigns.c.name.label("campaign_name"),
                campaigns.c.policy,
                units.c.name.label("unit_name"),
                people.c.name.label("person_name"),
            )
            # Outer joins: a digest has no item (its items are in its note).
            .outerjoin(items, items.c.id == notices.c.item_id)
            .outerjoin(tasks, tasks.c.id == items.c.task_id)
            .outerjoin(problems, problems.c.id == tasks.c.problem_id)
            .outerjoin(campaigns, campaigns.c.id == problems.c.campaign_id)
            .outerjoin(units, units.c.id == items.c.unit_id)
            .outerjoin(people, people.c.id == items.c.person_id)
            .where(notices.c.id.in_(ids))
            .order_by(notices.c.id)
        )
    )


def _policy_name(row: Any) -> str | None:
    """The policy that governs a notice: its item's campaign's, or for a digest the one it was
    queued under (its retries and quiet hours follow it)."""
    if row.item_id is None:
        name = digests.read_note(row.note).get("policy")
        return str(name) if name else None
    policy: str | None = row.policy
    return policy


def _digest_context(row: Any) -> NoticeContext:
    note = digests.read_note(row.note)
    return NoticeContext(
        event=row.event,
        ref="",
        task_title="",
        problem_title="",
        campaign_name="",
        unit="",
        person="",
        recipient=row.recipient_name,
        recipient_kind=row.recipient.split(":", 1)[0],
        deadline=None,
        original_deadline=None,
        days_left=None,
        note=None,
        level=None,
        items=tuple(digests.table_items(row.note)),
        day=date.fromisoformat(note["day"]) if note.get("day") else None,
    )


def _context(row: Any, app: App, calendar: Any) -> NoticeContext:
    if row.item_id is None:
        return _digest_context(row)
    policy = app.policies.get(row.policy)
    left = None
    if policy is not None and row.deadline is not None:  # a standing item has no days left
        # As of when the notice was queued: the level was decided then, and an SMS held
        # overnight must not say a different number of days than its level implies.
        today = local_today(row.created_at, app.settings.zone)
        left = days_left(row.deadline, today, policy, calendar)
    return NoticeContext(
        event=row.event,
        ref=row.ref,
        task_title=row.task_title,
        problem_title=row.problem_title,
        campaign_name=row.campaign_name,
        unit=row.unit_name,
        person=row.person_name,
        recipient=row.recipient_name,
        recipient_kind=row.recipient.split(":", 1)[0],
        deadline=row.deadline,
        original_deadline=row.original_deadline,
        days_left=left,
        note=row.note,
        level=row.event if row.event in WARNINGS else None,
    )


@dataclass(frozen=True)
class _Skip:
    reason: str


def _stale(row: Any) -> str | None:
    """Why a warning should no longer go out, if it should not.

    A warning is about one deadline version of an open item at one level: once the item is
    fixed or closed, its deadline extended, or a higher level queued, the text would be wrong.
    """
    if row.event not in WARNINGS:
        return None
    if row.item_state not in ("issued", "assigned"):
        return f"{row.ref} is {row.item_state}"
    if row.deadline_version != row.item_deadline_version:
        return f"{row.ref}'s deadline has been extended"
    if LEVEL_RANK[row.item_level] > LEVEL_RANK[row.event]:
        return f"{row.ref} has reached {row.item_level}"
    return None


def _send(
    channel: Channel, send: Callable[[Message], DeliveryResult], message: Message
) -> DeliveryResult:
    try:
        result = send(message)
    except Exception as exc:  # a channel bug must not lose the notice: retry it later
        error = f"{CHANNEL_BUG}{channel.name} {type(exc).__name__}"
        return DeliveryResult(message.id, False, error, retryable=True, stop_channel=True)
    if result.message_id != message.id:
        error = f"{CHANNEL_BUG}{channel.name} answered for another message"
        return DeliveryResult(message.id, False, error, retryable=True, stop_channel=True)
    return result


def _record(
    conn: Connection,
    app: App,
    worker: str,
    now: datetime,
    outcomes: Sequence[tuple[Any, DeliveryResult | _Skip | None]],
    report: DeliveryReport,
) -> None:
    """Write each outcome where the notice is still ours; count only those written."""
    tally: Counter[str] = Counter()
    changes = [(*_change(app, now, row, result), row) for row, result in outcomes]
    statement = (
        update(notices)
        .where(notices.c.id == bindparam("notice_id"), notices.c.lease_owner == worker)
        .values(
            status=bindparam("status"),
            attempts=bindparam("attempts"),
            next_attempt_at=bindparam("next_attempt_at"),
            last_error=bindparam("last_error"),
            sent_at=bindparam("sent_at"),
            lease_owner=None,
            lease_until=None,
        )
    )
    if len(changes) == 1:  # a message just sent: know whether it was still ours
        if conn.execute(statement, changes[0][0]).rowcount != 1:
            return  # another deliverer took it over; its outcome is theirs to report
    elif changes:
        conn.execute(statement, [change for change, _, _ in changes])
    for change, kind, row in changes:
        tally[kind] += 1
        if kind == "sent" and _was_cut(row):
            tally["resent"] += 1
        if kind == "dead":
            what = row.ref or row.event  # a digest has no item ref
            report.errors.append(f"notice {row.id} ({what} {row.channel}): {change['last_error']}")
    report.sent += tally["sent"]
    report.retrying += tally["retrying"]
    report.dead += tally["dead"]
    report.held += tally["held"]
    report.skipped += tally["skipped"]
    report.resent += tally["resent"]


def _was_cut(row: Any) -> bool:
    return bool(row.last_error and row.last_error.startswith(CUT_MID_FLIGHT))


def _change(
    app: App, now: datetime, row: Any, result: DeliveryResult | _Skip | None
) -> tuple[dict[str, Any], str]:
    """The row's new values after `result`, and what kind of outcome it was."""
    policy = app.policies.get(_policy_name(row) or "")
    change: dict[str, Any] = {
        "notice_id": row.id,
        "status": "pending",
        "attempts": row.attempts,
        "next_attempt_at": row.next_attempt_at,
        "last_error": row.last_error,
        "sent_at": None,
    }
    cut = _was_cut(row)
    if isinstance(result, _Skip):  # overtaken: kept, never sent
        change.update(status="skipped", last_error=result.reason)
        return change, "skipped"
    if result is None:  # quiet hours: back in the queue until they end, no attempt used
        assert policy is not None
        change["next_attempt_at"] = quiet_hours_end(now, policy, app.settings.zone)
        return change, "held"
    if result.ok:
        change.update(
            status="sent",
            attempts=row.attempts + 1,
            sent_at=now,
            # Kept after a cut: the office should know this one may have gone out twice.
            last_error=CUT_MID_FLIGHT if cut else None,
        )
        return change, "sent"
    error = (result.error or "failed")[:500]
    if cut:
        error = f"{CUT_MID_FLIGHT}; then {error}"[:500]
    if not result.attempted:
        # Never tried (its channel failed on another message first): back in the queue
        # after the first step of back-off, no attempt used.
        wait = backoff_seconds(1, policy) if policy else 60
        change.update(next_attempt_at=now + timedelta(seconds=wait), last_error=error)
        return change, "retrying"
    attempts = row.attempts + 1
    change.update(attempts=attempts, last_error=error)
    if result.retryable and policy is not None:
        given_up = now >= row.created_at + timedelta(seconds=policy.give_up_after_seconds)
        broken = error.startswith(CHANNEL_BUG) and attempts >= policy.max_attempts
        if not given_up and not broken:
            change["next_attempt_at"] = now + timedelta(seconds=backoff_seconds(attempts, policy))
            return change, "retrying"
        if given_up:
            hours = policy.give_up_after_seconds // 3600
            change["last_error"] = f"given up after {hours} hours: {error}"[:500]
    # next_attempt_at of a dead notice says when it was given up (notices retry --since).
    change.update(status="dead", next_attempt_at=now)
    return change, "dead"
