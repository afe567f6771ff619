"""The outbox delivery loop: claim due notices with a lease, render, send, record.

Claiming is one UPDATE ... RETURNING (with FOR UPDATE SKIP LOCKED on PostgreSQL) in its own
short transaction, so two processes never hold the same notice; a claim whose process died is
taken again once its lease has run out. Results are recorded only where the lease is still
ours. Failures are retried with capped exponential back-off kept in the row; after the policy's
attempts a notice is dead. Nothing is deleted. SMS due in quiet hours are held, not sent.

A fault of the channel rather than of one message never ends a notice: settings that are
wrong stop the run before anything is claimed (one error), and a channel that cannot be
reached or refuses our login returns its messages unattempted, which go back to the queue
without using an attempt; the channel then rests until the next run.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, func, select, update

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

LEASE = timedelta(minutes=5)
BATCH = 200
WARNINGS = ("blue", "yellow", "red")


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    dead: int = 0
    held: int = 0  # SMS in quiet hours, sent when they end
    skipped: int = 0  # warnings overtaken before they went out (fixed, extended, higher level)
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
            "waiting": {
                k: {"pending": n, "reason": why.to(lang)} for k, (n, why) in self.waiting.items()
            },
            "unavailable": {
                k: {"not_attempted": n, "reason": why} for k, (n, why) in self.unavailable.items()
            },
            "errors": self.errors,
        }


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


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
    worker = worker or worker_name()
    report = DeliveryReport()
    db = app.ready_db()
    while channels:
        now = app.now()
        with db.write() as conn:
            claimed = _claim(conn, list(channels), worker, now, batch_size)
            rows = _details(conn, claimed) if claimed else []
        if not rows:
            break
        with db.read() as conn:
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
        for channel, batch in to_send.items():
            results = _send(channels[channel], [message for _, message in batch])
            outcomes.extend((row, result) for (row, _), result in zip(batch, results, strict=True))
            unattempted = [r for r in results if not r.attempted]
            if unattempted:
                _rest(channels, channel, unattempted, report)
        with db.write() as conn:
            _record(conn, app, worker, now, outcomes, report)
        if len(rows) < batch_size:
            break
    with db.read() as conn:
        for channel, count in conn.execute(
            select(notices.c.channel, func.count())
            .where(notices.c.status == "pending", notices.c.channel.in_(list(missing)))
            .group_by(notices.c.channel)
        ).all():
            report.waiting[channel] = (int(count), missing[channel])
    return report


def _claim(
    conn: Connection, names: Sequence[str], worker: str, now: datetime, limit: int
) -> list[int]:
    due = (
        select(notices.c.id)
        .where(
            notices.c.channel.in_(names),
            notices.c.next_attempt_at <= now,
            (notices.c.status == "pending")
            | ((notices.c.status == "sending") & (notices.c.lease_until < now)),
        )
        .order_by(notices.c.id)
        .limit(limit)
    )
    if conn.dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    claimed = conn.execute(
        update(notices)
        .where(notices.c.id.in_(due.scalar_subquery()))
        .values(status="sending", lease_owner=worker, lease_until=now + LEASE)
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


def _rest(
    channels: dict[str, Channel],
    channel: str,
    unattempted: list[DeliveryResult],
    report: DeliveryReport,
) -> None:
    """Leave out a channel that could not take its batch for the rest of this run."""
    del channels[channel]
    reason = (unattempted[0].error or "unavailable").removeprefix("not attempted: ")
    before, _ = report.unavailable.get(channel, (0, reason))
    report.unavailable[channel] = (before + len(unattempted), reason)


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


def _send(channel: Channel, messages: list[Message]) -> list[DeliveryResult]:
    try:
        results = channel.send_batch(messages)
    except Exception as exc:  # a channel bug must not lose the batch: retry it later
        error = f"{channel.name} failed: {type(exc).__name__}"
        return [DeliveryResult(m.id, False, error, retryable=True) for m in messages]
    if len(results) != len(messages):
        error = f"{channel.name} returned {len(results)} results for {len(messages)} messages"
        return [DeliveryResult(m.id, False, error, retryable=True) for m in messages]
    return results


def _record(
    conn: Connection,
    app: App,
    worker: str,
    now: datetime,
    outcomes: list[tuple[Any, DeliveryResult | _Skip | None]],
    report: DeliveryReport,
) -> None:
    changes = []
    tally: Counter[str] = Counter()
    for row, result in outcomes:
        policy = app.policies.get(_policy_name(row) or "")
        change = {
            "notice_id": row.id,
            "status": "pending",
            "attempts": row.attempts,
            "next_attempt_at": row.next_attempt_at,
            "last_error": row.last_error,
            "sent_at": None,
        }
        if isinstance(result, _Skip):  # overtaken: kept, never sent
            change.update(status="skipped", last_error=result.reason)
            tally["skipped"] += 1
        elif result is None:  # quiet hours: back in the queue until they end, no attempt used
            assert policy is not None
            change["next_attempt_at"] = quiet_hours_end(now, policy, app.settings.zone)
            tally["held"] += 1
        elif result.ok:
            change.update(status="sent", attempts=row.attempts + 1, sent_at=now, last_error=None)
            tally["sent"] += 1
        elif not result.attempted:
            # The channel could not take it (no connection, login refused): back in the
            # queue after the first step of back-off, no attempt used, so never dead.
            wait = backoff_seconds(1, policy) if policy else 60
            change.update(
                next_attempt_at=now + timedelta(seconds=wait),
                last_error=(result.error or "not attempted")[:500],
            )
            tally["retrying"] += 1
        else:
            attempts = row.attempts + 1
            limit = policy.max_attempts if policy else 1
            change.update(attempts=attempts, last_error=(result.error or "failed")[:500])
            if result.retryable and attempts < limit:
                assert policy is not None
                change["next_attempt_at"] = now + timedelta(
                    seconds=backoff_seconds(attempts, policy)
                )
                tally["retrying"] += 1
            else:
                # next_attempt_at of a dead notice says when it was given up (notices retry
                # --since).
                change.update(status="dead", next_attempt_at=now)
                tally["dead"] += 1
                what = row.ref or row.event  # a digest has no item ref
                report.errors.append(f"notice {row.id} ({what} {row.channel}): {result.error}")
        changes.append(change)
    if changes:
        conn.execute(
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
            ),
            changes,
        )
    report.sent += tally["sent"]
    report.retrying += tally["retrying"]
    report.dead += tally["dead"]
    report.held += tally["held"]
    report.skipped += tally["skipped"]
