"""Changing the directory: units, people and campaigns set, moved and retired (office staff).

Every change writes one change-log row per field it changes (who, when, from what to what),
in the same transaction. Nothing is deleted: a retired unit or person keeps their history and
their closed items, and gets no new items and no notices. Rules:

- a unit's code and name may not equal another unit's code or name; a unit has one head;
  a login belongs to one person;
- a person with items not yet closed (issued, assigned, or fixed awaiting acceptance) moves or
  retires only with `--handover OTHER`, a person in post of the same unit, who takes them;
- the last office person in post cannot retire or lose the office role, and the leader of a
  campaign with open items cannot retire before the campaign has another leader;
- a unit retires only once its items are all closed; its people in post retire with it.

Campaigns are changed in directory_campaign.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, func, or_, select, update

from workflow.app import App
from workflow.db.schema import campaigns, items, people, problems, tasks, units
from workflow.errors import InvalidInput, TransitionRefused
from workflow.i18n import Msg
from workflow.identity import PERSON_ROLES, require_office
from workflow.limits import PERSON_OPTIONS, UNIT_OPTIONS, check_lengths
from workflow.names import clean_name
from workflow.services import changes
from workflow.services.changes import Change
from workflow.services.directory import (
    PersonRow,
    check_contacts,
    check_no_other_head,
    find_person,
    find_unit,
)
from workflow.services.handover import (
    UNFINISHED,
    hand_over,
    skip_pending,
    unfinished_of,
)


@dataclass(frozen=True)
class Outcome:
    """What a command changed: the fields (for `set`), the items handed over and to whom."""

    subject: str
    fields: list[str] = field(default_factory=list)
    handed_over: list[str] = field(default_factory=list)
    to: str | None = None
    retired_people: int = 0


def _blank(value: str | None) -> str | None:
    """An optional text: '' clears it (None means not given, handled by the caller)."""
    value = (value or "").strip()
    return value or None


def nothing_given(*values: Any) -> bool:
    return all(value is None for value in values)


# --- units -----------------------------------------------------------------------------------


def set_unit(
    app: App,
    unit: str,
    *,
    name: str | None = None,
    email: str | None = None,
    phone: str | None = None,
    group: str | None = None,
) -> Outcome:
    if nothing_given(name, email, phone, group):
        raise InvalidInput("nothing to change: give --name, --email, --phone or --group")
    name = clean_name(name, Msg("unit name")) if name is not None else None
    check_contacts(email, phone)
    check_lengths(units, UNIT_OPTIONS, name=name, email=email, phone=phone, unit_group=group)
    with app.ready_db().write() as conn:
        actor = app.actor()
        require_office(actor, Msg("change units"))
        row = _unit(conn, unit)
        if name is not None and name != row.name:
            clash = conn.execute(
                select(units.c.code, units.c.name).where(
                    or_(units.c.code == name, units.c.name == name), units.c.id != row.id
                )
            ).first()
            if clash:
                raise InvalidInput(
                    "unit {unit} ({unit_name}) already uses {name!r} as its code or name",
                    unit=clash.code,
                    unit_name=clash.name,
                    name=name,
                )
        wanted = {"name": name, "email": email, "phone": phone, "unit_group": group}
        values = {
            column: value if column == "name" else _blank(value)
            for column, value in wanted.items()
            if value is not None
        }
        fields = changes.log(
            conn,
            kind="unit",
            ref=row.code,
            changes=[Change(_field(c), row._mapping[c], v) for c, v in values.items()],
            actor=actor.name,
            at=app.now(),
        )
        if fields:
            conn.execute(update(units).where(units.c.id == row.id).values(**values))
    return Outcome(row.code, fields)


def retire_unit(app: App, unit: str) -> Outcome:
    now = app.now()
    with app.ready_db().write() as conn:
        actor = app.actor()
        require_office(actor, Msg("retire units"))
        row = _unit(conn, unit)
        still_open = unfinished_of(conn, items.c.unit_id == row.id)
        if still_open is not None:
            raise TransitionRefused(
                "unit {unit} still has items not closed ({refs}); they must be closed before "
                "the unit retires",
                unit=row.code,
                refs=still_open,
            )
        staff = people.c.unit_id == row.id
        _check_leaving(conn, staff & people.c.active)
        leaving = conn.execute(select(people.c.id).where(staff, people.c.active)).scalars().all()
        note = f"unit retire {row.code}"
        changes.log_people(
            conn,
            where=staff & people.c.active,
            field="active",
            old="true",
            new="false",
            actor=actor.name,
            at=now,
            note=note,
        )
        conn.execute(update(people).where(staff, people.c.active).values(active=False))
        changes.log(
            conn,
            kind="unit",
            ref=row.code,
            changes=[Change("active", True, False)],
            actor=actor.name,
            at=now,
        )
        conn.execute(update(units).where(units.c.id == row.id).values(active=False))
        recipients = [f"unit:{row.id}", *(f"person:{i}" for i in leaving)]
        skip_pending(conn, recipients, note)
    return Outcome(row.code, ["active"], retired_people=len(leaving))


def _unit(conn: Connection, text: str) -> Any:
    """A unit in use, by code or name, for changing."""
    row = conn.execute(select(units).where(units.c.id == find_unit(conn, text))).one()
    if not row.active:
        raise InvalidInput("unit {unit} is retired; it cannot be changed", unit=row.code)
    return row


def _field(column: str) -> str:
    return {"unit_group": "group", "is_head": "head"}.get(column, column)


# --- people ----------------------------------------------------------------------------------


def set_person(
    app: App,
    person: str,
    *,
    name: str | None = None,
    email: str | None = None,
    phone: str | None = None,
    head: bool | None = None,
    role: str | None = None,
    login: str | None = None,
) -> Outcome:
    if nothing_given(name, email, phone, head, role, login):
        raise InvalidInput(
            "nothing to change: give --name, --email, --phone, --head/--no-head, --role or --login"
        )
    if name is not None:
        name = clean_name(name, Msg("person name"))
        if "@" in name:
            raise InvalidInput(
                "person name {name!r} may not contain @ (it separates name and unit)", name=name
            )
    if role is not None and role not in PERSON_ROLES:
        raise InvalidInput("role {role!r} must be office, leader or unit", role=role)
    if login is not None:
        login = clean_name(login, Msg("login")) if login.strip() else ""
    check_contacts(email, phone)
    check_lengths(people, PERSON_OPTIONS, name=name, email=email, phone=phone, login=login)
    with app.ready_db().write() as conn:
        actor = app.actor()
        require_office(actor, Msg("change people"))
        found = _person(conn, person)
        row = conn.execute(select(people).where(people.c.id == found.id)).one()
        unit_code = _unit_code(conn, row.unit_id)
        if name is not None and name != row.name:
            taken = select(people.c.id).where(
                people.c.unit_id == row.unit_id, people.c.name == name, people.c.id != row.id
            )
            if conn.execute(taken).first():
                raise InvalidInput(
                    "{name} is already a person of unit {unit}", name=name, unit=unit_code
                )
        if head:
            check_no_other_head(conn, row.unit_id, unit_code, row.id)
        if role is not None and role != "office" and row.role == "office":
            _check_not_last_office(conn, people.c.id == row.id, row.name)
        if login:
            owner = conn.execute(
                select(people.c.name).where(people.c.login == login, people.c.id != row.id)
            ).scalar()
            if owner is not None:
                raise InvalidInput("login {login!r} is already someone else's", login=login)
        wanted: dict[str, Any] = {
            "name": name,
            "email": _blank(email) if email is not None else None,
            "phone": _blank(phone) if phone is not None else None,
            "is_head": head,
            "role": role,
            "login": _blank(login) if login is not None else None,
        }
        given = (name, email, phone, head, role, login)  # None: not given; '' clears
        values = {c: v for (c, v), g in zip(wanted.items(), given, strict=True) if g is not None}
        fields = changes.log(
            conn,
            kind="person",
            ref=str(row.id),
            changes=[Change(_field(c), row._mapping[c], v) for c, v in values.items()],
            actor=actor.name,
            at=app.now(),
        )
        if fields:
            conn.execute(update(people).where(people.c.id == row.id).values(**values))
    return Outcome(name or row.name, fields)


def move_person(app: App, person: str, unit: str, *, handover: str | None = None) -> Outcome:
    """Move a person to another unit. Their open items belong to their old unit: a colleague
    there takes them over (`handover`), or the move is refused naming them."""
    now = app.now()
    with app.ready_db().write() as conn:
        actor = app.actor()
        require_office(actor, Msg("move people"))
        source = _person(conn, person)
        old_code = _unit_code(conn, source.unit_id)
        new_unit = find_unit(conn, unit, active_only=True)
        new_code = _unit_code(conn, new_unit)
        if new_unit == source.unit_id:
            raise InvalidInput(
                "{name} is already a person of unit {unit}", name=source.name, unit=new_code
            )
        if conn.execute(
            select(people.c.id).where(people.c.unit_id == new_unit, people.c.name == source.name)
        ).first():
            raise InvalidInput(
                "{name} is already a person of unit {unit}", name=source.name, unit=new_code
            )
        target, moved = _hand_over(
            conn, app, source, handover, actor.name, Msg("moves to another unit")
        )
        note = _handover_note("person move", target, moved)
        was_head = bool(
            conn.execute(select(people.c.is_head).where(people.c.id == source.id)).scalar()
        )
        changes.log(
            conn,
            kind="person",
            ref=str(source.id),
            changes=[Change("unit", old_code, new_code), Change("head", was_head, False)],
            actor=actor.name,
            at=now,
            note=note,
        )
        conn.execute(
            update(people).where(people.c.id == source.id).values(unit_id=new_unit, is_head=False)
        )
    return Outcome(source.name, ["unit"], moved, target.name if target else None)


def retire_person(app: App, person: str, *, handover: str | None = None) -> Outcome:
    """Retire a person (离岗): their open items go to `handover`, in one transaction."""
    now = app.now()
    with app.ready_db().write() as conn:
        actor = app.actor()
        require_office(actor, Msg("retire people"))
        source = _person(conn, person)
        _check_leaving(conn, people.c.id == source.id)
        target, moved = _hand_over(conn, app, source, handover, actor.name, Msg("retires"))
        note = _handover_note("person retire", target, moved)
        changes.log(
            conn,
            kind="person",
            ref=str(source.id),
            changes=[Change("active", True, False)],
            actor=actor.name,
            at=now,
            note=note,
        )
        conn.execute(update(people).where(people.c.id == source.id).values(active=False))
        skip_pending(conn, [f"person:{source.id}", f"leader:{source.id}"], f"{source.name} retired")
    return Outcome(source.name, ["active"], moved, target.name if target else None)


def _hand_over(
    conn: Connection,
    app: App,
    source: PersonRow,
    handover: str | None,
    actor: str,
    action: Msg,
) -> tuple[PersonRow | None, list[str]]:
    """The colleague named to take over (checked), and the refs handed to them."""
    if handover is None:
        still_open = unfinished_of(conn, items.c.person_id == source.id)
        if still_open is not None:
            raise TransitionRefused(
                "{name} still has items not closed ({refs}); name the colleague of unit "
                "{unit} who takes them over with --handover NAME before {name} {action}",
                name=source.name,
                refs=still_open,
                unit=_unit_code(conn, source.unit_id),
                action=action,
            )
        return None, []
    target = find_person(conn, handover, prefer_unit_id=source.unit_id, active_only=True)
    if target.id == source.id:
        raise InvalidInput("{name} cannot hand over to themselves", name=source.name)
    if target.unit_id != source.unit_id:
        raise InvalidInput(
            "{other} is not a person of unit {unit}; items stay with their unit, so a "
            "colleague of {unit} takes them over",
            other=target.name,
            unit=_unit_code(conn, source.unit_id),
        )
    return target, hand_over(conn, app, source=source, target=target, actor=actor, now=app.now())


def _handover_note(command: str, target: PersonRow | None, moved: list[str]) -> str | None:
    """What the change log keeps of a handover: to whom, and which items."""
    if target is None or not moved:
        return None
    return f"{command} --handover {target.name}: {', '.join(moved)}"


def _person(conn: Connection, text: str) -> PersonRow:
    """A person in post, for changing."""
    found = find_person(conn, text)
    if not found.active:
        raise InvalidInput("{name} is retired; they cannot be changed", name=found.name)
    return found


def _unit_code(conn: Connection, unit_id: int) -> str:
    return str(conn.execute(select(units.c.code).where(units.c.id == unit_id)).scalar_one())


def _check_not_last_office(conn: Connection, leaving: Any, name: str) -> None:
    """Somebody must remain who may run the office's commands."""
    remaining = conn.execute(
        select(func.count()).where(people.c.role == "office", people.c.active, ~leaving)
    ).scalar_one()
    if remaining == 0:
        raise TransitionRefused(
            "{name} is the last office person in post; register another with `rectify person "
            "add NAME --unit UNIT --role office` first",
            name=name,
        )


def _check_leaving(conn: Connection, leaving: Any) -> None:
    """People who retire may not be the last office staff nor lead a running campaign."""
    office = conn.execute(
        select(people.c.name).where(leaving, people.c.role == "office", people.c.active).limit(1)
    ).scalar()
    if office is not None:
        _check_not_last_office(conn, leaving, office)
    running = (
        select(problems.c.campaign_id)
        .join(tasks, tasks.c.problem_id == problems.c.id)
        .join(items, items.c.task_id == tasks.c.id)
        .where(items.c.state.in_(UNFINISHED))
    )
    led = conn.execute(
        select(people.c.name, campaigns.c.code)
        .join(campaigns, campaigns.c.leader_id == people.c.id)
        .where(leaving, campaigns.c.id.in_(running))
        .order_by(campaigns.c.id)
    ).first()
    if led is not None:
        raise TransitionRefused(
            "{name} leads campaign {campaign}, which has items not closed; give it another "
            "leader first (rectify campaign set {campaign} --leader NAME)",
            name=led.name,
            campaign=led.code,
        )
