"""The outbox delivery loop: claim due notices with a lease, render, send, record each result.

Claiming is UPDATE ... RETURNING (with FOR UPDATE SKIP LOCKED on PostgreSQL) in its own
short transaction, so two processes never hold the same notice. Leases are measured on the
database's clock (never the process's, never RECTIFY_NOW), sized to the channel's longest send
and renewed while a batch runs. Each notice is marked 'sending' (its lease checked) in the same
transaction that records the result of the one before, so a crash repeats at most the message in
flight; a notice found 'sending' with its lease run out was cut mid-flight, is sent again and
keeps a note saying it may have gone twice.

Speed: those per-message transactions use statements compiled once a run on one DBAPI
connection (notifications.outbox_sql, notifications.prepared); an email channel runs that
transaction while the server reads MAIL FROM, renders and prepares the next message while the
server reads RCPT TO, and sends the next MAIL FROM as soon as a message is accepted, so the
server's time is not added to ours.

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
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import func, select

from notifications.channels import Channel, DeliveryResult, Message, configured_channels
from notifications.outbox_sql import CUT_MID_FLIGHT, Statements, details
from notifications.outbox_sql import db_clock as db_clock  # read by notifications.due
from notifications.prepared import Writer
from notifications.render import NoticeContext, TemplateProblem
from workflow.app import App
from workflow.db.schema import notices
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
from workflow.services import calendar_days, web_links

MIN_LEASE_SECONDS = 120
BATCH = 50  # small: the lease covers the batch, renewed as it goes
WARNINGS = ("blue", "yellow", "red")
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
    on_sent: Callable[[int], None] | None = None,
) -> DeliveryReport:
    """Send every notice that is due now; returns what happened. `on_sent`, when given, is
    called with the number of notices handled (tried, held or skipped) as each is (a bar).

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
    run = _Run(app, worker or worker_name(), lease_seconds(channels), on_sent)
    try:
        while channels:
            now = app.now()
            claimed = run.claim(list(channels), now, batch_size)
            if not claimed:
                break
            with run.db.read() as conn:
                rows = details(conn, claimed)
            outcomes, to_send = _triage(app, rows, now)
            # `web: links_in_notices`: a login link for each person about to be sent a notice
            run.links = web_links.notice_links(
                app, [row.recipient for batch in to_send.values() for row in batch], now
            )
            if outcomes:
                run.record(outcomes, now)
                run.on_sent(len(outcomes))
            for name, batch in to_send.items():
                if not run.send_all(channels, name, batch, now):
                    break  # our lease was lost: whatever is left belongs to someone else now
            run.finish_batch(now)
            if len(rows) < batch_size or run.lease_lost:
                break
    finally:
        run.close()
    report = run.report
    with run.db.read() as conn:
        for channel, count in conn.execute(
            select(notices.c.channel, func.count())
            .where(notices.c.status == "pending", notices.c.channel.in_(list(missing)))
            .group_by(notices.c.channel)
        ).all():
            report.waiting[channel] = (int(count), missing[channel])
    return report


def _triage(
    app: App, rows: Sequence[Any], now: datetime
) -> tuple[list[tuple[Any, _Skip | None]], dict[str, list[Any]]]:
    """A batch's outcomes known before sending (overtaken, held for quiet hours), and the rows
    to send by channel."""
    outcomes: list[tuple[Any, _Skip | None]] = []
    to_send: dict[str, list[Any]] = {}
    for row in rows:
        stale = _stale(row)
        if stale:
            outcomes.append((row, _Skip(stale)))
            continue
        policy = app.policies.get(_policy_name(row) or "")
        if row.channel == "sms" and policy and in_quiet_hours(now, policy, app.settings.zone):
            outcomes.append((row, None))
            continue
        to_send.setdefault(row.channel, []).append(row)
    return outcomes, to_send


class _Run:
    """One `deliver`: the lease, the results waiting to be recorded, what each channel did.

    Its per-message writes go through one DBAPI connection held for the run with statements
    compiled once (notifications.prepared), and each channel keeps one session (for email,
    one SMTP connection) from its first message of the run to the last.
    """

    def __init__(
        self, app: App, worker: str, lease: int, on_sent: Callable[[int], None] | None
    ) -> None:
        self.app = app
        self.on_sent = on_sent or (lambda n: None)
        self.db = app.ready_db()
        self.worker = worker
        self.lease = lease
        self.report = DeliveryReport()
        self.tried: set[str] = set()  # channels that have had a message tried this run
        self.claimed: list[int] = []
        self.renewed = time.monotonic()
        self.lease_lost = False
        # Sent (or found unwritable), not yet recorded: written by the next transaction.
        self.unrecorded: list[tuple[Any, DeliveryResult]] = []
        self.untried: list[tuple[Any, DeliveryResult | _Skip | None]] = []
        self._writer: Writer | None = None
        self._statements: Statements | None = None
        self._sessions: dict[str, tuple[Any, Callable[[Message], DeliveryResult]]] = {}
        self._calendar: Any = None
        self.links: dict[str, str] = {}  # recipient -> login link, for this batch's notices

    def calendar(self) -> Any:
        """The working-day calendar, read once a run."""
        if self._calendar is None:
            with self.db.read() as conn:
                self._calendar = calendar_days.load(conn)
        return self._calendar

    def claim(self, names: Sequence[str], now: datetime, limit: int) -> list[int]:
        """Lease up to `limit` due notices of the channels `names`; their ids, in order."""
        claimed: list[int] = []
        with self.writer.transaction() as writer:
            for statement in self.statements.claims(names):
                values = {"now": now, "limit": limit - len(claimed)}
                claimed.extend(int(notice_id) for notice_id in writer.fetch(statement, values))
                if len(claimed) >= limit:
                    break
        self.claimed = sorted(claimed)
        self.renewed = time.monotonic()
        return self.claimed

    def send_all(
        self, channels: dict[str, Channel], name: str, rows: list[Any], now: datetime
    ) -> bool:
        """Send one channel's share of the batch, each result recorded before the next send.
        False when the lease was lost."""
        channel = channels[name]
        send = self._session(channel)
        messages = _Lookahead(rows, self._message, channel.prepare)
        for row, message in messages:
            result = self._send_one(channel, send, row.id, message, messages, now)
            if result is None:
                self.lease_lost = True
                return False
            self.on_sent(1)
            down = not result.attempted or (not result.ok and result.stop_channel)
            if not result.attempted and name not in self.tried:
                # The first message of the run found the channel down: it was tried, so it
                # is charged, and its back-off grows while the outage lasts.
                result = replace(result, attempted=True, retryable=True)
            self.tried.add(name)
            self.unrecorded.append((row, result))
            if down:
                reason = (result.error or "unavailable").removeprefix("not attempted: ")
                rest = messages.rest()
                self.untried.extend(
                    (r, DeliveryResult(r.id, False, f"not attempted: {reason}", attempted=False))
                    for r in rest
                )
                count = len(rest) + (0 if result.attempted else 1)
                before, _ = self.report.unavailable.get(name, (0, reason))
                self.report.unavailable[name] = (before + count, reason)
                del channels[name]
                self._close_session(name)
                break
        return True

    def _message(self, row: Any) -> Message | None:
        """The notice rendered for its channel; None when it cannot be, its outcome then
        waiting to be recorded with the next result."""
        try:
            context = _context(row, self.app, self.calendar())
            if row.recipient in self.links:
                context = replace(context, link=self.links[row.recipient])
            rendered = self.app.renderer.render(context, row.channel)
        except (TemplateProblem, ValueError) as exc:
            # e.g. an event a user's definitions notify on with no template for it: this
            # notice cannot be written, so it is dead now rather than claimed forever.
            error = f"cannot render {row.event} for {row.channel}: {exc}"
            self.unrecorded.append((row, DeliveryResult(row.id, False, error, retryable=False)))
            self.on_sent(1)
            return None
        return Message(
            row.id, row.channel, row.address, row.recipient_name, rendered.subject, rendered.body
        )

    def _send_one(
        self,
        channel: Channel,
        send: Callable[..., DeliveryResult],
        notice_id: int,
        message: Message,
        messages: _Lookahead,
        now: datetime,
    ) -> DeliveryResult | None:
        """Send one message, the notice taken 'sending' (and the results before it recorded)
        before it can go out; None when our lease on it was lost and it was not sent.

        A channel that interleaves (email) is handed that step as `gate`, to run while the
        server reads the message's first command, the next message's rendering as
        `meanwhile`, and that message as `upcoming`, to begin it while this result is
        recorded; others get each in turn.
        """
        gate = _Gate(lambda: self._mark_sending(notice_id, now))
        result: DeliveryResult | None = None
        if getattr(channel, "interleaves", False):
            interleaved = partial(send, gate=gate, meanwhile=messages.ahead, upcoming=messages.peek)
            result = _send(channel, interleaved, message)
        elif gate():
            result = _send(channel, send, message)
        messages.ahead()
        if gate.error is not None:
            raise gate.error
        if gate.called and not gate.allowed:
            return None
        if not gate.called:
            # The channel failed before this message could go (no connection, a bad
            # address): what waits is recorded now, before this result joins it.
            with self.writer.transaction() as writer:
                self._flush(writer, now)
        return result

    def record(
        self, outcomes: Sequence[tuple[Any, DeliveryResult | _Skip | None]], now: datetime
    ) -> None:
        with self.writer.transaction() as writer:
            self._write(writer, now, outcomes)

    def _mark_sending(self, notice_id: int, now: datetime) -> bool:
        """Record the result before, renew the lease if due, and take this notice 'sending'."""
        with self.writer.transaction() as writer:
            self._flush(writer, now)
            if time.monotonic() - self.renewed > self.lease / 3:
                writer.execute_many(self.statements.renew, self._claimed_ids())
                self.renewed = time.monotonic()
            return writer.execute(self.statements.mark, {"notice_id": notice_id}) == 1

    def _flush(self, writer: Writer, now: datetime) -> None:
        if self.unrecorded:
            self._write(writer, now, self.unrecorded)
            self.unrecorded = []

    def _write(
        self,
        writer: Writer,
        now: datetime,
        outcomes: Sequence[tuple[Any, DeliveryResult | _Skip | None]],
    ) -> None:
        """Write each outcome where the notice is still ours; count only those written (one
        taken over by another deliverer is theirs to report)."""
        for row, result in outcomes:
            change, kind = _change(self.app, now, row, result)
            if writer.execute(self.statements.record, change) == 1:
                _count(self.report, kind, row, change)

    def finish_batch(self, now: datetime) -> None:
        """Record the last result, put back what was not reached, release the rest."""
        with self.writer.transaction() as writer:
            self._flush(writer, now)
            if self.untried:
                self._write(writer, now, self.untried)
                self.untried = []
            writer.execute_many(self.statements.release, self._claimed_ids())

    def _claimed_ids(self) -> list[Mapping[str, Any]]:
        return [{"notice_id": notice_id} for notice_id in self.claimed]

    @property
    def writer(self) -> Writer:
        if self._writer is None:
            self._writer = Writer(self.db.engine)
        return self._writer

    @property
    def statements(self) -> Statements:
        if self._statements is None:
            self._statements = Statements(self.writer.dialect, self.worker, self.lease)
        return self._statements

    def _session(self, channel: Channel) -> Callable[[Message], DeliveryResult]:
        """The channel's sender, opened at its first message of the run, kept to the end."""
        if channel.name not in self._sessions:
            session = channel.session()
            self._sessions[channel.name] = (session, session.__enter__())
        return self._sessions[channel.name][1]

    def _close_session(self, name: str) -> None:
        session, _ = self._sessions.pop(name, (None, None))
        if session is not None:
            session.__exit__(None, None, None)

    def close(self) -> None:
        try:
            for name in list(self._sessions):
                self._close_session(name)
        finally:
            if self._writer is not None:
                self._writer.close()


class _Gate:
    """Called by a channel before a message can go out: `mark` records the results waiting
    and takes the notice 'sending'. False when our lease on it was lost: the channel must not
    send it. A database error is kept for the delivery loop to raise, not left for the
    channel to take for a failure of its own."""

    def __init__(self, mark: Callable[[], bool]) -> None:
        self._mark = mark
        self.called = False
        self.allowed = False
        self.error: Exception | None = None

    def __call__(self) -> bool:
        if not self.called:
            self.called = True
            try:
                self.allowed = self._mark()
            except Exception as exc:
                self.error = exc
        return self.allowed


class _Lookahead:
    """A channel's rows turned into messages one ahead of the send, in two steps: `render`,
    then the channel's `prepare`. Each call of `ahead`, made while the server takes a command of
    the current message, does the next step for the next message, in time otherwise spent
    waiting. Rows that cannot be rendered are left out (their outcome is recorded by
    `render`)."""

    def __init__(
        self,
        rows: list[Any],
        render: Callable[[Any], Message | None],
        prepare: Callable[[Message], Message],
    ) -> None:
        self._rows = rows
        self._render = render
        self._prepare = prepare
        self._position = 0  # the next row to render
        self._ready: tuple[Any, Message] | None = None
        self._prepared = False  # _ready has been through prepare
        self._error: BaseException | None = None

    def ahead(self) -> None:
        """The next step: render the next message, or prepare it once rendered. Never raises
        into the channel that calls it: an error is raised by the loop, at the next message."""
        try:
            if self._ready is not None:
                if not self._prepared:
                    row, rendered = self._ready
                    self._ready, self._prepared = (row, self._prepare(rendered)), True
                return
            while self._ready is None and self._error is None and self._position < len(self._rows):
                row = self._rows[self._position]
                self._position += 1
                message = self._render(row)
                if message is not None:
                    self._ready, self._prepared = (row, message), False
        except BaseException as exc:  # raised again by __iter__, outside the channel
            self._error = exc

    def peek(self) -> Message | None:
        """The message to be handed out next, made ready now if it is not yet; never raises."""
        self._complete()
        return self._ready[1] if self._ready is not None else None

    def _complete(self) -> None:
        self.ahead()
        self.ahead()

    def __iter__(self) -> Iterator[tuple[Any, Message]]:
        while True:
            self._complete()
            if self._error is not None:
                raise self._error
            if self._ready is None:
                return
            ready, self._ready = self._ready, None
            yield ready

    def rest(self) -> list[Any]:
        """The rows not handed out yet."""
        ready = [self._ready[0]] if self._ready is not None else []
        return ready + self._rows[self._position :]


def _policy_name(row: Any) -> str | None:
    """The policy that governs a notice: its item's campaign's, or for a digest the one it was
    queued under (its retries and quiet hours follow it)."""
    if row.item_id is None:
        from workflow.services import digests  # here: it brings the ORM, which items never need

        name = digests.read_note(row.note).get("policy")
        return str(name) if name else None
    policy: str | None = row.policy
    return policy


def _digest_context(row: Any) -> NoticeContext:
    from workflow.services import digests

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


def _count(report: DeliveryReport, kind: str, row: Any, change: Mapping[str, Any]) -> None:
    """Add one written outcome to the report."""
    if kind == "sent":
        report.sent += 1
        report.resent += _was_cut(row)
    elif kind == "retrying":
        report.retrying += 1
    elif kind == "held":
        report.held += 1
    elif kind == "skipped":
        report.skipped += 1
    else:
        report.dead += 1
        what = row.ref or row.event  # a digest has no item ref
        report.errors.append(f"notice {row.id} ({what} {row.channel}): {change['last_error']}")


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
