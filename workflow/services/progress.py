"""Progress reports (整改进展) on open responsibility items.

A standing item (长期坚持) never ends, so instead of a deadline it owes a report every
`progress_every_days` of its campaign's policy; the sweep warns blue, then yellow, when one is
missed. A report may be made on any open item, standing or not, by the item's person, their
unit or the office (anyone but another unit's people). It changes no state: it is an audit row
(trigger `progress`, from and to the same state) with its note and evidence, the item's
`last_progress_at`, and, for a standing item, its warning put back to none, with the missed-
report notices not yet sent skipped as overtaken.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update

from workflow import audit
from workflow.app import App
from workflow.db.schema import items, notices
from workflow.errors import InvalidInput, TransitionRefused
from workflow.i18n import Msg
from workflow.identity import relation
from workflow.refs import normalise
from workflow.services.lifecycle import EvidenceFile, locked_item, store_evidence
from workflow.services.sweep import OPEN_STATES

TRIGGER = "progress"


@dataclass(frozen=True)
class ProgressReport:
    ref: str
    state: str
    standing: bool
    level_before: str
    level: str
    next_due: datetime | None  # when the next report is due (standing items under a policy
    # that asks for reports), else None


def report(
    app: App, ref: str, *, note: str, evidence_files: Sequence[EvidenceFile] = ()
) -> ProgressReport:
    kind, ref = normalise(ref)
    if kind != "responsibility":
        raise InvalidInput(
            "{ref} is not a responsibility item; progress is reported on items (R...)", ref=ref
        )
    text = (note or "").strip()
    if not text:
        raise InvalidInput("a progress report on {ref} needs a note saying what was done", ref=ref)
    now = app.now()
    with app.ready_db().write() as conn:
        actor = app.actor()
        item = locked_item(conn, ref)
        if relation(actor, item.person_id, item.unit_id, item.leader_id) == "other":
            raise TransitionRefused(
                "{actor} may not report progress on {ref}: it is another unit's item",
                actor=actor.name,
                ref=ref,
            )
        if item.state not in OPEN_STATES:
            raise TransitionRefused(
                "{ref} is {state}; progress is reported on open items only",
                ref=ref,
                state=Msg(item.state),
            )
        event_id = audit.record(
            conn,
            kind="responsibility",
            ref=ref,
            trigger=TRIGGER,
            from_state=item.state,
            to_state=item.state,
            actor=actor.name,
            at=now,
            note=text,
        )
        store_evidence(conn, event_id, evidence_files)
        standing = item.deadline is None
        # A dated item's level is its deadline's warning, which a report does not answer.
        level = "none" if standing else item.level
        conn.execute(
            update(items)
            .where(items.c.id == item.id)
            .values(last_progress_at=now, level=level, updated_at=now)
        )
        if standing:
            conn.execute(
                update(notices)
                .where(
                    notices.c.item_id == item.id,
                    notices.c.status == "pending",
                    notices.c.event_key.like("progress-%"),
                )
                .values(status="skipped", last_error=f"{ref}: progress reported")
            )
    policy = app.policies.get(item.policy)
    every = policy.progress_every_days if policy else None
    next_due = now + timedelta(days=every) if standing and every else None
    return ProgressReport(ref, item.state, standing, item.level, level, next_due)
