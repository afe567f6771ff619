"""Notices for single events (交办, 退回, 延期), queued in the event's own transaction."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection

from workflow import outbox
from workflow.app import App
from workflow.escalation import release_time

EVENT_CHANNELS = ("email", "sms")


def notify(
    conn: Connection,
    app: App,
    *,
    where: ColumnElement[Any],
    policy_name: str,
    event: str,
    event_key: str,
    recipients: Iterable[str],
    now: datetime,
    note: str | None = None,
) -> int:
    """Queue `event` for the items matching `where`, holding SMS through the quiet hours of
    the campaign's policy."""
    policy = app.policies.get(policy_name)
    sms_after = release_time(now, policy, app.settings.zone) if policy else None
    return outbox.queue(
        conn,
        event=event,
        event_key=event_key,
        where=where,
        recipients=recipients,
        channels=EVENT_CHANNELS,
        now=now,
        sms_not_before=sms_after,
        note=note,
    )
