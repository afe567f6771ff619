"""How many notices a `deliver` started now would handle: the total of its progress bar.

Counted only when the bar may show (workflow.progress calls it on a terminal only), so a pipe,
a test or the scheduler never pays for it. The notices of channels that are not configured are
left out (deliver leaves them pending); those leased by another live deliverer are counted, so
the bar may stop short of 100% while two deliverers share the queue.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from notifications.channels import configured_channels
from notifications.delivery import db_clock
from workflow.app import App
from workflow.db.schema import notices


def due_count(app: App, now: datetime) -> int:
    channels, _ = configured_channels(app.settings.values)
    if not channels:
        return 0
    with app.ready_db().read() as conn:
        due = (notices.c.status == "pending") & (notices.c.next_attempt_at <= now)
        cut = (notices.c.status == "sending") & (notices.c.lease_until < db_clock(conn))
        count = conn.execute(
            select(func.count()).where(notices.c.channel.in_(list(channels)), due | cut)
        ).scalar_one()
    return int(count)
