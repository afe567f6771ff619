"""Changing a campaign: its name, bottom line (底线), leader and policy (office staff).

Each change is one change-log row per field. The bottom line may not move before the deadline
of any task or item of the campaign not yet closed; the leader must be a person in post.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, func, select, update

from workflow.app import App
from workflow.db.schema import campaigns, items, people, problems, tasks
from workflow.errors import InvalidInput, TransitionRefused
from workflow.i18n import Msg
from workflow.identity import require_office
from workflow.services import changes
from workflow.services.changes import Change
from workflow.services.directory import check_policy, find_campaign, find_person, required
from workflow.services.directory_edit import Outcome, nothing_given
from workflow.services.handover import SHOWN_REFS, UNFINISHED, some_refs
from workflow.terms import Day


def set_campaign(
    app: App,
    code: str,
    *,
    name: str | None = None,
    deadline: date | None = None,
    leader: str | None = None,
    policy: str | None = None,
) -> Outcome:
    if nothing_given(name, deadline, leader, policy):
        raise InvalidInput("nothing to change: give --name, --deadline, --leader or --policy")
    if name is not None:
        name = required(name, Msg("campaign name"))
    if policy is not None:
        check_policy(app, policy)
    with app.ready_db().write() as conn:
        actor = app.actor()
        require_office(actor, Msg("change campaigns"))
        row = find_campaign(conn, code)
        if deadline is not None and deadline < row.deadline:
            _check_bottom_line(conn, row, deadline)
        old_leader = _person_name(conn, row.leader_id)
        values: dict[str, Any] = {}
        logged = []
        if name is not None:
            values["name"] = name
            logged.append(Change("name", row.name, name))
        if deadline is not None:
            values["deadline"] = deadline
            logged.append(Change("deadline", row.deadline, deadline))
        if leader is not None:
            new = find_person(conn, leader, active_only=True) if leader.strip() else None
            values["leader_id"] = new.id if new else None
            logged.append(Change("leader", old_leader, _person_name(conn, values["leader_id"])))
        if policy is not None:
            values["policy"] = policy
            logged.append(Change("policy", row.policy, policy))
        fields = changes.log(
            conn, kind="campaign", ref=row.code, changes=logged, actor=actor.name, at=app.now()
        )
        if fields:
            conn.execute(update(campaigns).where(campaigns.c.id == row.id).values(**values))
    return Outcome(row.code, fields)


def _check_bottom_line(conn: Connection, campaign: Any, bottom_line: date) -> None:
    """Refuse a bottom line before the deadline of any task or item of it not closed."""
    of_campaign = problems.c.campaign_id == campaign.id
    later_items = (
        select(items.c.ref.label("ref"), items.c.id.label("n"), items.c.deadline)
        .join(tasks, tasks.c.id == items.c.task_id)
        .join(problems, problems.c.id == tasks.c.problem_id)
        .where(of_campaign, items.c.state.in_(UNFINISHED), items.c.deadline > bottom_line)
    )
    later_tasks = (
        select(tasks.c.ref.label("ref"), tasks.c.id.label("n"), tasks.c.deadline)
        .join(problems, problems.c.id == tasks.c.problem_id)
        .where(of_campaign, tasks.c.state != "closed", tasks.c.deadline > bottom_line)
    )
    later = later_items.union_all(later_tasks).subquery()
    # Items first (R refs say who must act), then tasks, each in the order made.
    refs = (
        conn.execute(
            select(later.c.ref)
            .order_by(func.substr(later.c.ref, 1, 1), later.c.n)
            .limit(SHOWN_REFS)
        )
        .scalars()
        .all()
    )
    if refs:
        total = conn.execute(select(func.count()).select_from(later)).scalar_one()
        latest = conn.execute(select(func.max(later.c.deadline))).scalar_one()
        raise TransitionRefused(
            "campaign {campaign}'s bottom line cannot move to {day}: {refs} not closed are due "
            "later (the latest on {latest}); move their deadlines first",
            campaign=campaign.code,
            day=Day(bottom_line),
            refs=some_refs(refs, total),
            latest=Day(latest) if isinstance(latest, date) else str(latest),
        )


def _person_name(conn: Connection, person_id: int | None) -> str | None:
    if person_id is None:
        return None
    return conn.execute(select(people.c.name).where(people.c.id == person_id)).scalar()
