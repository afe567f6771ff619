"""Reading the directory: units, people and campaigns, listed or one in full.

Lists are one query each, counts of open items joined in as grouped subqueries. "Open" here
is every item not yet closed (销号): issued, assigned, and fixed but not yet accepted, since a
fixed item can still be sent back. Retired units and people are listed only when asked for.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Select, func, select
from sqlalchemy.orm import aliased

from workflow.db.schema import campaigns, items, people, problems, tasks, units
from workflow.errors import InvalidInput
from workflow.identity import PERSON_ROLES
from workflow.services.changes import BOOL_WORDS, ROLE_WORDS
from workflow.services.directory import find_campaign, find_person, find_unit

UNFINISHED = ("issued", "assigned", "fixed")
UNIT_FIELDS = ("code", "name", "group", "head", "email", "phone", "people", "open", "active")
PERSON_FIELDS = (
    "name", "unit", "unit_code", "role", "head", "email", "phone", "login", "open", "active",
)  # fmt: skip
CAMPAIGN_FIELDS = ("code", "name", "deadline", "policy", "leader", "items", "open")
# What a table shows; JSON and CSV carry every field. `active` only with --all.
UNIT_COLUMNS = ("code", "name", "group", "head", "email", "phone", "people", "open")
PERSON_COLUMNS = ("name", "unit", "role", "head", "email", "phone", "login", "open")
CAMPAIGN_COLUMNS = CAMPAIGN_FIELDS
ITEM_COLUMNS = ("ref", "title", "state", "level", "deadline", "campaign")
ACTIVE_WORDS = {
    "unit": {"zh": ("在用", "已撤销"), "en": ("active", "retired")},
    "person": {"zh": ("在岗", "已离岗"), "en": ("active", "retired")},
}
_head = aliased(people, name="head")
_leader = aliased(people, name="leader")


def _open_count(key: Any) -> Any:
    """key -> number of items not yet closed, as a subquery (parent_id, open)."""
    return (
        select(key.label("parent_id"), func.count().label("open"))
        .select_from(items)
        .where(items.c.state.in_(UNFINISHED))
        .group_by(key)
        .subquery()
    )


def _units_query() -> Select[Any]:
    staff = (
        select(people.c.unit_id.label("parent_id"), func.count().label("people"))
        .where(people.c.active)
        .group_by(people.c.unit_id)
        .subquery()
    )
    heads = (
        select(people.c.unit_id, func.min(people.c.id).label("head_id"))
        .where(people.c.is_head, people.c.active)
        .group_by(people.c.unit_id)
        .subquery()
    )
    open_ = _open_count(items.c.unit_id)
    return (
        select(
            units.c.code,
            units.c.name,
            units.c.unit_group.label("group"),
            _head.c.name.label("head"),
            units.c.email,
            units.c.phone,
            func.coalesce(staff.c.people, 0).label("people"),
            func.coalesce(open_.c.open, 0).label("open"),
            units.c.active,
        )
        .outerjoin(staff, staff.c.parent_id == units.c.id)
        .outerjoin(heads, heads.c.unit_id == units.c.id)
        .outerjoin(_head, _head.c.id == heads.c.head_id)
        .outerjoin(open_, open_.c.parent_id == units.c.id)
        .order_by(units.c.id)
    )


def list_units(
    conn: Connection, *, include_retired: bool = False, group: str | None = None
) -> list[dict[str, Any]]:
    query = _units_query()
    if not include_retired:
        query = query.where(units.c.active)
    if group is not None:
        query = query.where(units.c.unit_group == group.strip())
    return [dict(row) for row in conn.execute(query).mappings()]


def show_unit(conn: Connection, text: str) -> dict[str, Any]:
    """One unit in full, with its people (retired ones too, marked)."""
    unit_id = find_unit(conn, text)
    record = dict(conn.execute(_units_query().where(units.c.id == unit_id)).mappings().one())
    record["people"] = [
        dict(row)
        for row in conn.execute(_people_query().where(people.c.unit_id == unit_id)).mappings()
    ]
    return record


def _people_query() -> Select[Any]:
    open_ = _open_count(items.c.person_id)
    return (
        select(
            people.c.name,
            units.c.name.label("unit"),
            units.c.code.label("unit_code"),
            people.c.role,
            people.c.is_head.label("head"),
            people.c.email,
            people.c.phone,
            people.c.login,
            func.coalesce(open_.c.open, 0).label("open"),
            people.c.active,
        )
        .join(units, units.c.id == people.c.unit_id)
        .outerjoin(open_, open_.c.parent_id == people.c.id)
        .order_by(units.c.id, people.c.id)
    )


def list_people(
    conn: Connection,
    *,
    unit: str | None = None,
    role: str | None = None,
    include_retired: bool = False,
) -> list[dict[str, Any]]:
    query = _people_query()
    if unit is not None:
        query = query.where(people.c.unit_id == find_unit(conn, unit))
    if role is not None:
        if role not in PERSON_ROLES:
            raise InvalidInput("role {role!r} must be office, leader or unit", role=role)
        query = query.where(people.c.role == role)
    if not include_retired:
        query = query.where(people.c.active)
    return [dict(row) for row in conn.execute(query).mappings()]


def show_person(conn: Connection, text: str) -> dict[str, Any]:
    """One person in full, with the items they answer for that are not closed."""
    person = find_person(conn, text)
    record = dict(conn.execute(_people_query().where(people.c.id == person.id)).mappings().one())
    record["items"] = [
        dict(row)
        for row in conn.execute(
            select(
                items.c.ref,
                tasks.c.title,
                items.c.state,
                items.c.level,
                items.c.deadline,
                campaigns.c.code.label("campaign"),
            )
            .join(tasks, tasks.c.id == items.c.task_id)
            .join(problems, problems.c.id == tasks.c.problem_id)
            .join(campaigns, campaigns.c.id == problems.c.campaign_id)
            .where(items.c.person_id == person.id, items.c.state.in_(UNFINISHED))
            .order_by(items.c.id)
        ).mappings()
    ]
    return record


def _campaigns_query() -> Select[Any]:
    counts = (
        select(
            problems.c.campaign_id.label("parent_id"),
            func.count().label("items"),
            func.count().filter(items.c.state.in_(UNFINISHED)).label("open"),
        )
        .select_from(items.join(tasks, tasks.c.id == items.c.task_id))
        .join(problems, problems.c.id == tasks.c.problem_id)
        .group_by(problems.c.campaign_id)
        .subquery()
    )
    return (
        select(
            campaigns.c.code,
            campaigns.c.name,
            campaigns.c.deadline,
            campaigns.c.policy,
            _leader.c.name.label("leader"),
            func.coalesce(counts.c["items"], 0).label("items"),
            func.coalesce(counts.c.open, 0).label("open"),
            campaigns.c.created_at,
        )
        .outerjoin(_leader, _leader.c.id == campaigns.c.leader_id)
        .outerjoin(counts, counts.c.parent_id == campaigns.c.id)
        .order_by(campaigns.c.id)
    )


def list_campaigns(conn: Connection) -> list[dict[str, Any]]:
    return [dict(row) for row in conn.execute(_campaigns_query()).mappings()]


def show_campaign(conn: Connection, code: str) -> dict[str, Any]:
    campaign = find_campaign(conn, code)
    query = _campaigns_query().where(campaigns.c.id == campaign.id)
    record = dict(conn.execute(query).mappings().one())
    record["problems"] = conn.execute(
        select(func.count()).where(problems.c.campaign_id == campaign.id)
    ).scalar_one()
    record["tasks"] = conn.execute(
        select(func.count())
        .select_from(tasks.join(problems, problems.c.id == tasks.c.problem_id))
        .where(problems.c.campaign_id == campaign.id)
    ).scalar_one()
    return record


def for_table(rows: Sequence[dict[str, Any]], kind: str, lang: str) -> list[dict[str, Any]]:
    """Rows as people read them: roles, yes/no and in post/retired in words."""
    active_words = ACTIVE_WORDS.get(kind, ACTIVE_WORDS["unit"])[lang]
    shown = []
    for row in rows:
        row = dict(row)
        if "role" in row:
            row["role"] = ROLE_WORDS[lang].get(row["role"], row["role"])
        if isinstance(row.get("head"), bool):
            row["head"] = BOOL_WORDS[lang]["true"] if row["head"] else ""
        if "active" in row:
            row["active"] = active_words[0] if row["active"] else active_words[1]
        shown.append(row)
    return shown
