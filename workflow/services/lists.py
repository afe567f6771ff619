"""Adding to the three lists by hand: problems, their tasks, and responsibility items (交办)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import insert, select

from workflow import audit
from workflow.app import App
from workflow.db.schema import campaigns, items, problems, tasks
from workflow.errors import InvalidInput, NotFound
from workflow.escalation import local_today
from workflow.i18n import Msg
from workflow.identity import relation, require_office
from workflow.limits import check_text
from workflow.machines import Attempt
from workflow.refs import allocate, normalise
from workflow.services import notices
from workflow.services.directory import find_campaign, find_person, find_unit, required
from workflow.services.leaders import find_leader
from workflow.services.lifecycle import follow_children, roll_up
from workflow.terms import Day, Term


def add_problem(
    app: App,
    campaign: str,
    title: str,
    *,
    source: str | None = None,
    category: str | None = None,
    leader: str | None = None,
) -> str:
    """`leader`: the county leader in charge (责任领导), by name; red warnings and digests go to
    them as well as to the campaign leader."""
    title = required(title, Msg("problem title"))
    for text, option in ((title, "--title"), (source, "--source"), (category, "--category")):
        check_text(text, option)
    now = app.now()
    version = app.machine_specs["problem"].version
    with app.ready_db().write() as conn:
        actor = _planner(app, Msg("add problems"))
        campaign_id = find_campaign(conn, campaign).id
        leader_id = find_leader(conn, leader).id if leader and leader.strip() else None
        (ref,) = allocate(conn, "problem", 1)
        conn.execute(
            insert(problems).values(
                ref=ref,
                campaign_id=campaign_id,
                source=source or None,
                category=category or None,
                title=title,
                leader_id=leader_id,
                state="issued",
                definition_version=version,
                created_at=now,
                updated_at=now,
            )
        )
        audit.record(
            conn, kind="problem", ref=ref, trigger="create", from_state=None,
            to_state="issued", actor=actor, at=now,
        )  # fmt: skip
    return ref


def add_task(
    app: App,
    problem: str,
    title: str,
    *,
    deadline: date | None = None,
    deadline_kind: str = "date",
) -> str:
    """`deadline_kind` immediate (立行立改: today plus the policy's immediate_days) or standing
    (长期坚持: no deadline) takes no `deadline`."""
    title = required(title, Msg("task title"))
    check_text(title, "--title")
    problem_ref = _ref_of_kind(problem, "problem")
    now = app.now()
    version = app.machine_specs["task"].version
    with app.ready_db().write() as conn:
        actor = _planner(app, Msg("add tasks"))
        row = conn.execute(
            select(problems.c.id, campaigns.c.code, campaigns.c.deadline, campaigns.c.policy)
            .join(campaigns, campaigns.c.id == problems.c.campaign_id)
            .where(problems.c.ref == problem_ref)
        ).first()
        if row is None:
            raise NotFound("no problem {ref}", ref=problem_ref)
        deadline = due_date(app, deadline_kind, deadline, row.policy)
        if deadline is not None:
            check_bottom_line(deadline, row.code, row.deadline)
        (ref,) = allocate(conn, "task", 1)
        conn.execute(
            insert(tasks).values(
                ref=ref,
                problem_id=row.id,
                title=title,
                deadline=deadline,
                deadline_kind=deadline_kind,
                state="issued",
                definition_version=version,
                created_at=now,
                updated_at=now,
            )
        )
        audit.record(
            conn, kind="task", ref=ref, trigger="create", from_state=None,
            to_state="issued", actor=actor, at=now,
        )  # fmt: skip
        # A new open task reopens a problem that was fixed or closed.
        follow_children(conn, app.machines, "problem", row.id, now)
    return ref


def assign(
    app: App,
    task: str,
    *,
    unit: str,
    person: str,
    deadline: date | None = None,
    deadline_kind: str | None = None,
    role: str = "lead",
) -> str:
    """交办: a new responsibility item for a unit and a person, assigned at once. Without a
    deadline or its kind the item takes its task's (a standing task makes standing items)."""
    task_ref = _ref_of_kind(task, "task")
    if role not in ("lead", "cooperate"):
        raise InvalidInput("role {role!r} must be lead or cooperate", role=role)
    now = app.now()
    version = app.machine_specs["responsibility"].version
    with app.ready_db().write() as conn:
        actor = app.actor().name
        row = conn.execute(
            select(
                tasks.c.id,
                tasks.c.deadline,
                tasks.c.deadline_kind,
                campaigns.c.code,
                campaigns.c.deadline.label("bottom_line"),
                campaigns.c.leader_id,
                campaigns.c.policy,
            )
            .join(problems, problems.c.id == tasks.c.problem_id)
            .join(campaigns, campaigns.c.id == problems.c.campaign_id)
            .where(tasks.c.ref == task_ref)
        ).first()
        if row is None:
            raise NotFound("no task {ref}", ref=task_ref)
        if deadline is None and deadline_kind is None:
            kind, due = row.deadline_kind, row.deadline
        else:
            kind = deadline_kind or "date"
            due = due_date(app, kind, deadline, row.policy)
        if due is not None:
            check_bottom_line(due, row.code, row.bottom_line)
        # Retired units and people (撤销, 离岗) take no new items.
        unit_id = find_unit(conn, unit, active_only=True)
        person_row = find_person(conn, person, prefer_unit_id=unit_id, active_only=True)
        if person_row.unit_id != unit_id:  # 到人、到单位: the person answers for their own unit
            raise InvalidInput(
                "{name} is not a person of unit {unit}", name=person_row.name, unit=unit
            )
        (ref,) = allocate(conn, "responsibility", 1)
        attempt = Attempt(
            "responsibility",
            ref,
            "assign",
            actor,
            relation(app.actor(), person_row.id, unit_id, row.leader_id),
            None,
        )
        state = app.machines.fire("responsibility", "issued", attempt)
        item_id = conn.execute(
            insert(items)
            .returning(items.c.id)
            .values(
                ref=ref,
                task_id=row.id,
                unit_id=unit_id,
                person_id=person_row.id,
                role=role,
                deadline=due,
                deadline_kind=kind,
                original_deadline=due,
                state=state,
                level="none",
                definition_version=version,
                created_at=now,
                updated_at=now,
            )
        ).scalar_one()
        common = {"kind": "responsibility", "ref": ref, "actor": actor, "at": now}
        audit.record_many(
            conn,
            [
                {**common, "trigger": "create", "from_state": None, "to_state": "issued"},
                {**common, "trigger": "assign", "from_state": "issued", "to_state": state},
            ],
        )
        spec = app.machine_specs["responsibility"].transitions["assign"]
        notices.notify(
            conn,
            app,
            where=items.c.id == item_id,
            policy_name=row.policy,
            event=spec.past,
            event_key=spec.past,
            recipients=spec.notify,
            now=now,
        )
        roll_up(conn, app.machines, row.id, now)
    return ref


def _planner(app: App, action: Msg) -> str:
    """The actor's name, if they may add to the lists: office staff and leaders."""
    actor = app.actor()
    if actor.role != "leader":
        require_office(actor, action)
    return actor.name


def due_date(app: App, kind: str, given: date | None, policy_name: str) -> date | None:
    """The deadline of a new task or item: as given, 立行立改 (today, in the office's zone, plus
    the policy's immediate_days), or none for 长期坚持."""
    if kind == "standing":
        return None
    if kind == "immediate":
        policy = app.policies.get(policy_name)
        days = policy.immediate_days if policy else 7
        return local_today(app.now(), app.settings.zone) + timedelta(days=days)
    if kind != "date" or given is None:
        raise InvalidInput("a deadline is needed: a date, 立行立改 or 长期坚持")
    return given


def check_bottom_line(deadline: date, campaign: str, bottom_line: date) -> None:
    if deadline > bottom_line:
        raise InvalidInput(
            "deadline {deadline} is after campaign {campaign}'s bottom line {bottom} (底线)",
            deadline=Day(deadline),
            campaign=campaign,
            bottom=Day(bottom_line),
        )


def _ref_of_kind(text: str, kind: str) -> str:
    found, ref = normalise(text)
    if found != kind:
        raise InvalidInput(
            "{ref} is a {kind}; a {wanted} ref is needed here",
            ref=ref,
            kind=Term("kind", found),
            wanted=Term("kind", kind),
        )
    return ref
