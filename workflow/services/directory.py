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
from workflow.i18n import Msg
from workflow.identity import PERSON_ROLES, require_office
from workflow.limits import PERSON_OPTIONS, UNIT_OPTIONS, check_lengths, check_text
from workflow.names import clean_name

_CODE = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9][0-9 -]{4,38}$")


@dataclass(frozen=True)
class PersonRow:
    id: int
    name: str
    unit_id: int
    active: bool = True


def add_unit(
    app: App,
    code: str,
    name: str,
    *,
    email: str | None = None,
    phone: str | None = None,
    group: str | None = None,
) -> None:
    check_code(code, Msg("unit code"))
    name = clean_name(name, Msg("unit name"))
    check_contacts(email, phone)
    check_lengths(units, UNIT_OPTIONS, name=name, email=email, phone=phone, unit_group=group)
    with app.ready_db(bootstrap_ok=True).write() as conn:
        require_office(app.actor(bootstrap_ok=True), Msg("add units"))
        # Units are found by code or by name, so neither may equal another unit's code or name.
        words = [code, name]
        clash = conn.execute(
            select(units.c.code, units.c.name).where(
                or_(units.c.code.in_(words), units.c.name.in_(words))
            )
        ).first()
        if clash:
            raise_clash(clash, code, name)
        conn.execute(
            insert(units).values(
                code=code,
                name=name,
                email=email or None,
                phone=phone or None,
                unit_group=group or None,
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
    role: str = "unit",
    login: str | None = None,
) -> None:
    name = clean_name(name, Msg("person name"))
    if "@" in name:
        raise InvalidInput(
            "person name {name!r} may not contain @ (it separates name and unit)", name=name
        )
    if role not in PERSON_ROLES:
        raise InvalidInput("role {role!r} must be office, leader or unit", role=role)
    login = clean_name(login, Msg("login")) if login is not None else None
    check_contacts(email, phone)
    check_lengths(people, PERSON_OPTIONS, name=name, email=email, phone=phone, login=login)
    with app.ready_db(bootstrap_ok=True).write() as conn:
        require_office(app.actor(bootstrap_ok=True), Msg("add people"))
        if (
            login is not None
            and conn.execute(select(people.c.name).where(people.c.login == login)).first()
        ):
            raise InvalidInput("login {login!r} is already someone else's", login=login)
        unit_id = find_unit(conn, unit, active_only=True)
        if conn.execute(
            select(people.c.id).where(people.c.unit_id == unit_id, people.c.name == name)
        ).first():
            raise InvalidInput("{name} is already a person of unit {unit}", name=name, unit=unit)
        if head:
            check_no_other_head(conn, unit_id, unit, None)
        conn.execute(
            insert(people).values(
                name=name,
                unit_id=unit_id,
                email=email or None,
                phone=phone or None,
                is_head=head,
                role=role,
                login=login,
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
    check_code(code, Msg("campaign code"))
    name = required(name, Msg("campaign name"))
    check_text(name, Msg("campaign name"))
    check_policy(app, policy)
    with app.ready_db().write() as conn:
        require_office(app.actor(), Msg("add campaigns"))
        if conn.execute(select(campaigns.c.id).where(campaigns.c.code == code)).first():
            raise InvalidInput("campaign {code} already exists", code=code)
        leader_id = find_person(conn, leader, active_only=True).id if leader else None
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


def find_unit(conn: Connection, text: str, *, active_only: bool = False) -> int:
    """A unit by code or by name; `active_only` refuses a retired unit (for new items)."""
    text = text.strip()
    found = conn.execute(
        select(units.c.id, units.c.code, units.c.active).where(
            or_(units.c.code == text, units.c.name == text)
        )
    ).first()
    if found is None:
        raise NotFound("no unit {text!r} (give its code or its name)", text=text)
    if active_only and not found.active:
        raise InvalidInput("unit {unit} is retired and takes no new items", unit=found.code)
    return int(found.id)


def find_person(
    conn: Connection,
    text: str,
    prefer_unit_id: int | None = None,
    *,
    active_only: bool = False,
) -> PersonRow:
    """A person by name, or NAME@UNIT where two units have someone of that name.

    A name that is ambiguous is resolved to the person in `prefer_unit_id` when there is one,
    and to the one still in post when the others have retired. `active_only` refuses a
    retired person (for new items and campaign leaders).
    """
    name, _, unit_text = text.strip().partition("@")
    name = name.strip()
    query = select(people.c.id, people.c.name, people.c.unit_id, people.c.active).where(
        people.c.name == name
    )
    if unit_text.strip():
        query = query.where(people.c.unit_id == find_unit(conn, unit_text))
    found = conn.execute(query.order_by(people.c.id)).all()
    matches = [PersonRow(r.id, r.name, r.unit_id, r.active) for r in found]
    if len(matches) > 1 and prefer_unit_id is not None:
        matches = [m for m in matches if m.unit_id == prefer_unit_id] or matches
    if len(matches) > 1:
        matches = [m for m in matches if m.active] or matches
    if not matches:
        raise NotFound("no person {name!r}; add them with `rectify person add`", name=text.strip())
    if len(matches) > 1:
        raise InvalidInput(
            "{name} is in several units; write NAME@UNIT, e.g. {name}@CODE", name=name
        )
    if active_only and not matches[0].active:
        raise InvalidInput("{name} is retired and takes no new items", name=name)
    return matches[0]


def find_campaign(conn: Connection, code: str) -> Any:
    row = conn.execute(select(campaigns).where(campaigns.c.code == code.strip())).first()
    if row is None:
        raise NotFound("no campaign {code!r}", code=code)
    return row


def unit_heads(conn: Connection, unit_ids: list[int]) -> dict[int, int]:
    """unit id -> the id of its head, for the units that have one still in post."""
    rows = conn.execute(
        select(people.c.unit_id, func.min(people.c.id))
        .where(people.c.unit_id.in_(unit_ids), people.c.is_head, people.c.active)
        .group_by(people.c.unit_id)
    )
    return {int(unit_id): int(person_id) for unit_id, person_id in rows}


def check_no_other_head(conn: Connection, unit_id: int, unit: str, person_id: int | None) -> None:
    """A unit has one head: refuse making someone head while another person in post is."""
    current = conn.execute(
        select(people.c.name).where(
            people.c.unit_id == unit_id,
            people.c.is_head,
            people.c.active,
            people.c.id != (person_id or 0),
        )
    ).scalar()
    if current:
        raise InvalidInput("unit {unit} already has a head: {current}", unit=unit, current=current)


def raise_clash(clash: Any, code: str, name: str) -> None:
    raise InvalidInput(
        "unit {unit} ({unit_name}) already uses {code!r} or {name!r} as its code or name",
        unit=clash.code,
        unit_name=clash.name,
        code=code,
        name=name,
    )


def check_policy(app: App, policy: str) -> None:
    known = app.policy_names()
    if policy not in known:
        raise InvalidInput(
            "no escalation policy {policy!r}; known: {known}",
            policy=policy,
            known=", ".join(sorted(known)),
        )


def required(value: str, what: str | Msg) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput("{what} is empty", what=what)
    return value


def check_code(code: str, what: Msg) -> None:
    if not _CODE.match(code or ""):
        raise InvalidInput(
            "{what} {code!r} must be 1-32 letters, digits, '.', '_' or '-'", what=what, code=code
        )


def check_contacts(email: str | None, phone: str | None) -> None:
    """An address given (not None, not empty) must look like one."""
    if email and not _EMAIL.match(email):
        raise InvalidInput("{email!r} is not an email address", email=email)
    if phone and not _PHONE.match(phone):
        raise InvalidInput("{phone!r} is not a phone number", phone=phone)
