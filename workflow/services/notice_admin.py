"""The office's hand on the outbox: put dead notices back in the queue (`notices retry`).

A notice dies after its last attempt or on a permanent refusal; once the cause is mended (a
mail server back, an address corrected) the office sends it again. Retrying is safe for
warnings: delivery checks at send time whether a warning has been overtaken (item fixed,
deadline extended, higher level) and skips it then.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import ColumnElement, String, cast, insert, literal, select, update

from workflow.app import App
from workflow.db.schema import change_log, items, notices
from workflow.errors import InvalidInput, NotFound
from workflow.i18n import Msg
from workflow.identity import require_office
from workflow.refs import normalise

# The outbox's channel names; notifications.channels.CHANNELS is the registry (a test keeps
# the two the same: code under workflow/ does not import notifications/).
CHANNELS = ("email", "sms", "dingtalk", "wecom")


def retry(
    app: App, *, ref: str | None = None, channel: str | None = None, since: date | None = None
) -> int:
    """Put the dead notices that match back in the queue, due now with their attempts reset;
    each one is recorded in the change log. Returns how many. `since`: only notices given up
    on or after that (local) day."""
    now = app.now()
    where: list[ColumnElement[Any]] = [notices.c.status == "dead"]
    filters = []
    if channel is not None:
        if channel not in CHANNELS:
            raise InvalidInput(
                "no channel {channel!r}; channels are {known}",
                channel=channel,
                known=", ".join(CHANNELS),
            )
        where.append(notices.c.channel == channel)
        filters.append(f"--channel {channel}")
    if since is not None:
        start = datetime.combine(since, time(), app.settings.zone)
        where.append(notices.c.next_attempt_at >= start)
        filters.append(f"--since {since.isoformat()}")
    with app.ready_db().write() as conn:
        actor = app.actor()
        require_office(actor, Msg("put dead notices back in the queue"))
        if ref is not None:
            kind, ref = normalise(ref)
            if kind != "responsibility":
                raise InvalidInput(
                    "{ref} is not a responsibility item; notices belong to R refs", ref=ref
                )
            item_id = conn.execute(select(items.c.id).where(items.c.ref == ref)).scalar()
            if item_id is None:
                raise NotFound("no responsibility item {ref}", ref=ref)
            where.append(notices.c.item_id == item_id)
            filters.insert(0, f"--ref {ref}")
        # The rows moved are marked with a token in lease_owner (unused while pending) so
        # that the audit rows are written for exactly them, and only once even when two
        # offices retry at the same moment; the mark is gone before the transaction ends.
        token = f"retry:{uuid.uuid4().hex}"
        moved = conn.execute(
            update(notices)
            .where(*where)
            .values(
                status="pending",
                attempts=0,
                next_attempt_at=now,
                lease_owner=token,
                lease_until=None,
            )
        ).rowcount
        if not moved:
            return 0
        note = " ".join(["notices retry", *filters])
        conn.execute(
            insert(change_log).from_select(
                ["kind", "ref", "field", "old_value", "new_value", "actor", "at", "note"],
                select(
                    literal("notice", String),
                    cast(notices.c.id, String),
                    literal("status", String),
                    literal("dead", String),
                    literal("pending", String),
                    literal(actor.name, String),
                    literal(now, change_log.c.at.type),
                    literal(note, String),
                )
                .where(notices.c.lease_owner == token)
                .order_by(notices.c.id),
            )
        )
        conn.execute(update(notices).where(notices.c.lease_owner == token).values(lease_owner=None))
    return int(moved)
