"""Deadline extension (延期) as a flow: a unit requests, the office or leader decides.

A request is filed before the deadline has passed, for a later date within the campaign's
bottom line; one request per item is open at a time. Approval moves the deadline, keeps the
original, counts the extension and starts a new deadline version: the level is recomputed
under the new deadline and each warning may fire once more. A refusal changes nothing but the
request. Every step writes its audit row and its notices in its own transaction.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, insert, select, update

from workflow import audit
from workflow.app import App
from workflow.db.schema import extensions, items
from workflow.errors import InvalidInput, NotFound, TransitionRefused
from workflow.escalation import local_today
from workflow.i18n import Msg
from workflow.identity import relation
from workflow.output import format_date
from workflow.refs import normalise
from workflow.services import notices
from workflow.services.lifecycle import locked_item
from workflow.services.sweep import OPEN_STATES, sweep_in
from workflow.terms import Day, Term

DECIDERS = ("office", "leader")


def request(app: App, ref: str, *, to: date, reason: str) -> int:
    """File a request; returns its id."""
    ref = _item_ref(ref)
    if not reason or not reason.strip():
        raise InvalidInput("an extension of {ref} needs a reason", ref=ref)
    now = app.now()
    today = local_today(now, app.settings.zone)
    with app.ready_db().write() as conn:
        actor = app.actor().name
        item = locked_item(conn, ref)
        if relation(app.actor(), item.person_id, item.unit_id, item.leader_id) == "other":
            raise TransitionRefused(
                "{actor} may not ask for an extension of {ref}: it is another unit's item",
                actor=actor,
                ref=ref,
            )
        if item.state not in OPEN_STATES:
            raise TransitionRefused(
                "{ref} is {state}; only an open item can be extended",
                ref=ref,
                state=Msg(item.state),
            )
        if item.deadline is None:
            raise TransitionRefused(
                "{ref} is a standing item (长期坚持) with no deadline to extend; report its "
                "progress with `rectify progress`",
                ref=ref,
            )
        if today > item.deadline:
            raise TransitionRefused(
                "{ref}'s deadline {deadline} has passed; an extension must be requested before it",
                ref=ref,
                deadline=Day(item.deadline),
            )
        if to <= item.deadline:
            raise InvalidInput(
                "{to} is not later than {ref}'s deadline {deadline}",
                to=Day(to),
                ref=ref,
                deadline=Day(item.deadline),
            )
        if to > item.bottom_line:
            raise InvalidInput(
                "{to} is after campaign {campaign}'s bottom line {bottom} (底线)",
                to=Day(to),
                campaign=item.campaign,
                bottom=Day(item.bottom_line),
            )
        if _pending(conn, item.id) is not None:
            raise TransitionRefused(
                "{ref} already has an extension request waiting for a decision", ref=ref
            )
        request_id = conn.execute(
            insert(extensions)
            .returning(extensions.c.id)
            .values(
                item_id=item.id,
                status="pending",
                current_deadline=item.deadline,
                requested_deadline=to,
                reason=reason.strip(),
                requested_by=actor,
                requested_at=now,
            )
        ).scalar_one()
        _audit(conn, item, "extend", actor, now, f"{to.isoformat()}: {reason.strip()}")
    return int(request_id)


def decide(app: App, ref: str, *, approve: bool, note: str | None = None) -> dict[str, Any]:
    ref = _item_ref(ref)
    now = app.now()
    with app.ready_db().write() as conn:
        actor = app.actor().name
        item = locked_item(conn, ref)
        pending = _pending(conn, item.id)
        if pending is None:
            raise NotFound("{ref} has no extension request waiting for a decision", ref=ref)
        role = relation(app.actor(), item.person_id, item.unit_id, item.leader_id)
        if role not in DECIDERS:
            raise TransitionRefused(
                "{actor} may not decide on {ref}'s extension: only the office or the campaign "
                "leader may, not the unit that asked",
                actor=actor,
                ref=ref,
            )
        if approve and pending.current_deadline != item.deadline:
            # The deadline moved since the request (a revised ledger, an extension decided on
            # the web meanwhile): approving it now could move the deadline back.
            raise TransitionRefused(
                "{ref}'s deadline has moved to {deadline} since the extension to {requested} "
                "was asked for (it was {asked_from}); the request cannot be approved as it "
                "stands: refuse it, and the unit may ask again",
                ref=ref,
                deadline=Day(item.deadline),
                requested=Day(pending.requested_deadline),
                asked_from=Day(pending.current_deadline),
            )
        status = "approved" if approve else "refused"
        conn.execute(
            update(extensions)
            .where(extensions.c.id == pending.id)
            .values(status=status, decided_by=actor, decided_at=now, decision_note=note)
        )
        if approve:
            conn.execute(
                update(items)
                .where(items.c.id == item.id)
                .values(
                    deadline=pending.requested_deadline,
                    deadline_version=items.c.deadline_version + 1,
                    extension_count=items.c.extension_count + 1,
                    level="none",
                    updated_at=now,
                )
            )
        new_deadline = pending.requested_deadline if approve else item.deadline
        summary = f"{format_date(new_deadline, 'zh')}" + (f": {note}" if note else "")
        _audit(conn, item, f"extension_{status}", actor, now, summary)
        notices.notify(
            conn,
            app,
            where=items.c.id == item.id,
            policy_name=item.policy,
            event=f"extension_{status}",
            event_key=f"extension:{pending.id}",
            recipients=("person",),
            now=now,
            note=note,
        )
        # Under the new deadline (version) the item starts from no warning and is raised at
        # once to the level it has reached, with that level's notice.
        level = "none"
        if approve:
            report = sweep_in(conn, app, now, item_id=item.id)
            level = next((name for name, n in report.raised.items() if n), "none")
    return {
        "ref": ref,
        "decision": status,
        "deadline": new_deadline.isoformat(),
        "original_deadline": item.original_deadline.isoformat(),
        "level": level if approve else item.level,
    }


def _item_ref(text: str) -> str:
    kind, ref = normalise(text)
    if kind != "responsibility":
        raise InvalidInput(
            "{ref} is a {kind}; deadlines are extended on responsibility items",
            ref=ref,
            kind=Term("kind", kind),
        )
    return ref


def _pending(conn: Connection, item_id: int) -> Any:
    return conn.execute(
        select(extensions).where(extensions.c.item_id == item_id, extensions.c.status == "pending")
    ).first()


def _audit(conn: Connection, item: Any, trigger: str, actor: str, now: Any, note: str) -> None:
    audit.record(
        conn,
        kind="responsibility",
        ref=item.ref,
        trigger=trigger,
        from_state=item.state,
        to_state=item.state,
        actor=actor,
        at=now,
        note=note,
    )
