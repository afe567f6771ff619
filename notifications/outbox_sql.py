"""The delivery loop's SQL: the database's clock, claiming due notices, reading what they need,
and the writes made for each message, compiled once a run (see notifications.prepared)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    DateTime,
    Dialect,
    Select,
    bindparam,
    func,
    literal,
    literal_column,
    select,
    update,
)

from notifications.prepared import Prepared
from workflow.db.schema import campaigns, items, notices, people, problems, tasks, units

# Kept in last_error of a notice whose send was interrupted (process killed, server gone):
# it is sent again, and the office can see it may have gone out twice.
CUT_MID_FLIGHT = "cut mid-flight, may have been sent twice"


class Statements:
    """What one run writes, compiled once for its database: claims, a notice taken 'sending',
    a result (where the notice is still ours), a lease renewed, a notice released."""

    def __init__(self, dialect: Dialect, worker: str, lease: int) -> None:
        self._dialect = dialect
        self._worker = worker
        self._lease = lease
        self._claims: dict[tuple[str, ...], tuple[Prepared, Prepared]] = {}
        one = notices.c.id == bindparam("notice_id")
        ours = notices.c.lease_owner == worker
        # Taken 'sending' only while our lease on it runs, measured on the database's clock.
        self.mark = Prepared(
            update(notices)
            .where(one, ours, notices.c.lease_until > _clock(dialect))
            .values(status="sending", lease_until=_clock(dialect, lease)),
            dialect,
        )
        self.record = Prepared(
            update(notices)
            .where(one, ours)
            .values(
                status=bindparam("status"),
                attempts=bindparam("attempts"),
                next_attempt_at=bindparam("next_attempt_at"),
                last_error=bindparam("last_error"),
                sent_at=bindparam("sent_at"),
                lease_owner=None,
                lease_until=None,
            ),
            dialect,
        )
        self.renew = Prepared(
            update(notices).where(one, ours).values(lease_until=_clock(dialect, lease)),
            dialect,
        )
        self.release = Prepared(
            update(notices)
            .where(one, ours, notices.c.status == "pending")
            .values(lease_owner=None, lease_until=None),
            dialect,
        )

    def claims(self, names: Sequence[str]) -> tuple[Prepared, Prepared]:
        """The two claims of due notices of channels `names`, to run in turn: sends cut
        mid-flight (their lease ran out while 'sending'), then pending notices, longest due
        first. Each reads in the order of an index (ix_notices_due), so taking 50 of a million
        due notices does not sort the million. Parameters: now, limit."""
        key = tuple(sorted(names))
        if key not in self._claims:
            dialect, now = self._dialect, _clock(self._dialect)
            # One bound parameter per channel: an expanding IN list cannot be prepared.
            channel = notices.c.channel.in_([bindparam(None, name) for name in key])
            free = notices.c.lease_until.is_(None) | (notices.c.lease_until < now)
            cut = (
                select(notices.c.id)
                .where(channel, notices.c.status == "sending", notices.c.lease_until < now)
                .order_by(notices.c.id)
            )
            pending = (
                select(notices.c.id)
                .where(
                    channel,
                    notices.c.status == "pending",
                    notices.c.next_attempt_at <= bindparam("now"),
                    free,
                )
                .order_by(notices.c.next_attempt_at, notices.c.id)
            )
            taken = {
                "lease_owner": self._worker,
                "lease_until": _clock(dialect, self._lease),
            }
            # A send that never recorded its result may have gone out: it keeps a note saying so.
            self._claims[key] = (
                self._claim(cut, {**taken, "last_error": CUT_MID_FLIGHT}),
                self._claim(pending, taken),
            )
        return self._claims[key]

    def _claim(self, due: Select[Any], values: dict[str, Any]) -> Prepared:
        due = due.limit(bindparam("limit"))
        if self._dialect.name == "postgresql":
            due = due.with_for_update(skip_locked=True)
        statement = (
            update(notices)
            .where(notices.c.id.in_(due.scalar_subquery()))
            .values(values)
            .returning(notices.c.id)
        )
        return Prepared(statement, self._dialect)


def db_clock(conn: Connection, seconds: int = 0) -> ColumnElement[Any]:
    """The database's time now, plus `seconds`, comparable with stored timestamps."""
    return _clock(conn.dialect, seconds)


def _clock(dialect: Dialect, seconds: int = 0) -> ColumnElement[Any]:
    if dialect.name == "postgresql":
        return literal_column(
            f"(statement_timestamp() + interval '{int(seconds)} seconds')", type_=DateTime
        )
    # SQLAlchemy stores SQLite datetimes as 'YYYY-MM-DD HH:MM:SS.ffffff' in UTC.
    return func.strftime(
        "%Y-%m-%d %H:%M:%f000", literal("now"), literal(f"{int(seconds):+d} seconds")
    )


def details(conn: Connection, ids: list[int]) -> list[Any]:
    """The claimed notices `ids` with what rendering and judging them needs, in id order."""
    return list(conn.execute(_DETAILS, {"ids": ids}))


# Built once: what a notice needs to be rendered and judged (stale, quiet hours).
_DETAILS = (
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
    .where(notices.c.id.in_(bindparam("ids", expanding=True)))
    .order_by(notices.c.id)
)
