"""Units, people and campaigns: who answers for what, and under which campaign."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, func, insert, or_, select

from workflow.app import App
from workflow.db.schema import campaigns, people, units
from workflow.errors import InvalidInput, NotFound

_CODE = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9][0-9 -]{4,38}$")


@dataclass(frozen=True)
class PersonRow:
    id: int
    name: str
    unit_id: int


def add_unit(
    app: App,
    code: str,
    name: str,
    *,
    email: str | None = None,
    phone: str | None = None,
    group: str | None = None,
) -> None:
    _check_code(code, "unit code")
    name = required(name, "unit name")
    _check_contacts(email, phone)
    with app.ready_db().write() as conn:
        # Units are found by code or by name, so neither may equal another unit's code or name.
        words = [code, name]
        clash = conn.execute(
            select(units.c.code, units.c.name).where(
                or_(units.c.code.in_(words), units.c.name.in_(words))
            )
        ).first()
        if clash:
            raise InvalidInput(
                f"unit {clash.code} ({clash.name}) already uses {code!r} or {name!r} as its "
                "code or name"
            )
        conn.execute(
            insert(units).values(
                code=code, name=name, email=email, phone=phone, unit_group=group or None
            )
        )


def add_person(
    app: App,
    name: str,
    unit: str,
    *,
    email: str | None = None,
    phone: str | None = None,
    head: bool = False,
) -> None:
    name = required(name, "person name")
    if "@" in name:
        raise InvalidInput(f"person name {name!r} may not contain @ (it separates name and unit)")
    _check_contacts(email, phone)
    with app.ready_db().write() as conn:
        unit_id = find_unit(conn, unit)
        if conn.execute(
            select(people.c.id).where(people.c.unit_id == unit_id, people.c.name == name)
        ).first():
            raise InvalidInput(f"{name} is already a person of unit {unit}")
        if head:
            current = conn.execute(
                select(people.c.name).where(people.c.unit_id == unit_id, people.c.is_head)
            ).scalar()
            if current:
                raise InvalidInput(f"unit {unit} already has a head: {current}")
        conn.execute(
            insert(people).values(
                name=name, unit_id=unit_id, email=email, phone=phone, is_head=head
            )
        )


def add_campaign(
    app: App,
    code: str,
    name: str,
    *,
    deadline: date,
    policy: str = "default",
    leader: str | None = None,
) -> None:
    _check_code(code, "campaign code")
    name = required(name, "campaign name")
    known = app.policy_names()
    if policy not in known:
        raise InvalidInput(f"no escalation policy {policy!r}; known: {', '.join(sorted(known))}")
    with app.ready_db().write() as conn:
        if conn.execute(select(campaigns.c.id).where(campaigns.c.code == code)).first():
            raise InvalidInput(f"campaign {code} already exists")
        leader_id = find_person(conn, leader).id if leader else None
        conn.execute(
            insert(campaigns).values(
                code=code,
                name=name,
                deadline=deadline,
                policy=policy,
                leader_id=leader_id,
                created_at=app.now(),
            )
        )


def find_unit(conn: Connection, text: str) -> int:
    """A unit by code or by name."""
    text = text.strip()
    found = conn.execute(
        select(units.c.id).where(or_(units.c.code == text, units.c.name == text))
    ).scalar()
    if found is None:
        raise NotFound(f"no unit {text!r} (give its code or its name)")
    return int(found)


def find_person(conn: Connection, text: str, prefer_unit_id: int | None = None) -> PersonRow:
    """A person by name, or NAME@UNIT where two units have someone of that name.

    A name that is ambiguous is resolved to the person in `prefer_unit_id` when there is one.
    """
    name, _, unit_text = text.strip().partition("@")
    query = select(people.c.id, people.c.name, people.c.unit_id).where(people.c.name == name)
    if unit_text:
        query = query.where(people.c.unit_id == find_unit(conn, unit_text))
    matches = [PersonRow(r.id, r.name, r.unit_id) for r in conn.execute(query)]
    if len(matches) > 1 and prefer_unit_id is not None:
        matches = [m for m in matches if m.unit_id == prefer_unit_id] or matches
    if not matches:
        raise NotFound(f"no person {text.strip()!r}; add them with `rectify person add`")
    if len(matches) > 1:
        raise InvalidInput(f"{name} is in several units; write NAME@UNIT, e.g. {name}@CODE")
    return matches[0]


def find_campaign(conn: Connection, code: str) -> Any:
    row = conn.execute(select(campaigns).where(campaigns.c.code == code.strip())).first()
    if row is None:
        raise NotFound(f"no campaign {code!r}")
    return row


def unit_heads(conn: Connection, unit_ids: list[int]) -> dict[int, int]:
    """unit id -> the id of its head, for the units that have one."""
    rows = conn.execute(
        select(people.c.unit_id, func.min(people.c.id))
        .where(people.c.unit_id.in_(unit_ids), people.c.is_head)
        .group_by(people.c.unit_id)
    )
    return {int(unit_id): int(person_id) for unit_id, person_id in rows}


def required(value: str, what: str) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput(f"{what} is empty")
    return value


def _check_code(code: str, what: str) -> None:
    if not _CODE.match(code or ""):
        raise InvalidInput(f"{what} {code!r} must be 1-32 letters, digits, '.', '_' or '-'")


def _check_contacts(email: str | None, phone: str | None) -> None:
    if email is not None and not _EMAIL.match(email):
        raise InvalidInput(f"{email!r} is not an email address")
    if phone is not None and not _PHONE.match(phone):
        raise InvalidInput(f"{phone!r} is not a phone number")
