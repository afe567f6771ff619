"""What a person may do next on one responsibility item: the forms the web offers (issue 9).

The machine's triggers (fix, accept, reject, reopen) are offered where the item's state is one
of the trigger's sources and the person's relation to the item (workflow.identity.relation) is
in its `by:` list, so a county's own definitions change the forms as they change the CLI. An
extension is offered to the item's own unit while extensions.request would take it, and a
decision on a waiting request to whoever extensions.decide lets decide. The services check
everything again when the person acts: this only chooses what a page shows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection, select

from definitions.machines import MachineSpec
from workflow.db.schema import campaigns, extensions, items, problems, tasks
from workflow.identity import Actor, relation
from workflow.services.extensions import DECIDERS
from workflow.services.lifecycle import ITEM_TRIGGERS
from workflow.services.queries import OPEN_STATES

# Who asks for more time: the item's own people (the office decides, it does not ask).
REQUESTERS = ("responsible", "unit")


@dataclass(frozen=True)
class Options:
    # The machine's triggers the person may fire now, in ITEM_TRIGGERS order.
    triggers: tuple[str, ...]
    may_request_extension: bool
    earliest_extension: date | None  # the day after the deadline
    latest_extension: date | None  # the campaign's bottom line
    pending: dict[str, Any] | None  # the request waiting for a decision
    may_decide: bool


def options(
    conn: Connection, specs: Mapping[str, MachineSpec], actor: Actor, ref: str, today: date
) -> Options | None:
    """The person's options on item REF (already normalised), or None when there is none."""
    item = conn.execute(
        select(
            items.c.id,
            items.c.state,
            items.c.deadline,
            items.c.unit_id,
            items.c.person_id,
            campaigns.c.leader_id,
            campaigns.c.deadline.label("bottom_line"),
        )
        .join(tasks, tasks.c.id == items.c.task_id)
        .join(problems, problems.c.id == tasks.c.problem_id)
        .join(campaigns, campaigns.c.id == problems.c.campaign_id)
        .where(items.c.ref == ref)
    ).first()
    if item is None:
        return None
    role = relation(actor, item.person_id, item.unit_id, item.leader_id)
    transitions = specs["responsibility"].transitions
    triggers = tuple(
        trigger
        for trigger in ITEM_TRIGGERS
        if trigger in transitions
        and item.state in transitions[trigger].sources
        and role in transitions[trigger].allowed
    )
    pending = conn.execute(
        select(
            extensions.c.requested_deadline,
            extensions.c.reason,
            extensions.c.requested_by,
            extensions.c.requested_at,
        ).where(extensions.c.item_id == item.id, extensions.c.status == "pending")
    ).first()
    extendable = (
        role in REQUESTERS
        and item.state in OPEN_STATES
        and item.deadline is not None
        and today <= item.deadline < item.bottom_line
        and pending is None
    )
    return Options(
        triggers=triggers,
        may_request_extension=extendable,
        earliest_extension=item.deadline + timedelta(days=1) if extendable else None,
        latest_extension=item.bottom_line if extendable else None,
        pending=None if pending is None else dict(pending._mapping),
        may_decide=pending is not None and role in DECIDERS,
    )
