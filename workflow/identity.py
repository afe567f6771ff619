"""Who acts: the registered person behind a command, found the way the office configured.

`identity: name` (the default) takes the name given with --as / RECTIFY_USER, for a single
office machine; `identity: os` takes the person whose login is the operating-system user, and
`identity: database` the person whose login is the PostgreSQL session user; in those two
modes --as is refused, since anyone could type another name. An actor who is not a registered,
active person is refused, except on a fresh database: until the first person with the office
role is registered, anyone may build the directory (`bootstrap`), so that an office can start.

How an actor relates to an item (responsible, unit, leader, office, other) is what the state
machines' `by:` lists are checked against; a unit's people act on their own unit's items only.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass

from sqlalchemy import Connection, select, text

from workflow.db.schema import people, units
from workflow.errors import InvalidInput, NotFound, TransitionRefused
from workflow.i18n import Msg
from workflow.names import clean_name

IDENTITY_MODES = ("name", "os", "database")
PERSON_ROLES = ("office", "leader", "unit")
BOOTSTRAP = "bootstrap"


@dataclass(frozen=True)
class Actor:
    """The person acting: `name` goes into the audit trail."""

    name: str
    person_id: int | None  # None only while bootstrapping a fresh database
    unit_id: int | None
    role: str  # office | leader | unit | bootstrap

    @property
    def is_office(self) -> bool:
        return self.role in ("office", BOOTSTRAP)


def resolve(
    conn: Connection, *, mode: str, given: str, given_explicitly: bool, bootstrap_ok: bool
) -> Actor:
    """The registered person acting, or an error saying why nobody is."""
    if mode not in IDENTITY_MODES:
        raise InvalidInput("identity {mode!r} is not offered; use name, os or database", mode=mode)
    if mode != "name" and given_explicitly:
        raise InvalidInput(
            "--as and RECTIFY_USER are refused with identity: {mode}; the {source} user says "
            "who acts",
            mode=mode,
            source=Msg("operating-system") if mode == "os" else Msg("database"),
        )
    if not _office_registered(conn):
        if bootstrap_ok:
            name = clean_name(given if mode == "name" else _login(conn, mode), Msg("actor"))
            return Actor(name, None, None, BOOTSTRAP)
        raise TransitionRefused(
            "no office staff are registered yet; register the first one with `rectify person "
            "add NAME --unit UNIT --role office`"
        )
    if mode == "name":
        return _by_name(conn, clean_name(given, Msg("actor")))
    return _by_login(conn, _login(conn, mode), mode)


def require_office(actor: Actor, action: Msg) -> None:
    """Refuse anyone but office staff (or the first user of a fresh database)."""
    if not actor.is_office:
        raise TransitionRefused(
            "{actor} may not {action}: that is for office staff (督查室)",
            actor=actor.name,
            action=action,
        )


def relation(actor: Actor, person_id: int, unit_id: int, leader_id: int | None) -> str:
    """How the actor stands to an item, for the machines' `by:` lists.

    The relation to the item comes first: nobody acts as office or leader on their own unit's
    item. Others act by their registered role; a unit's person on another unit's item is
    `other`, which no transition allows.
    """
    if actor.person_id == person_id:
        return "responsible"
    if actor.unit_id == unit_id:
        return "unit"
    if leader_id is not None and actor.person_id == leader_id:
        return "leader"
    if actor.role in ("office", "leader"):
        return actor.role
    return "other"


def os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""


def _office_registered(conn: Connection) -> bool:
    query = select(people.c.id).where(people.c.role == "office", people.c.active).limit(1)
    return conn.execute(query).first() is not None


def _login(conn: Connection, mode: str) -> str:
    if mode == "os":
        login = os_user()
        if not login:
            raise InvalidInput("the operating-system user cannot be determined")
        return login
    if conn.dialect.name != "postgresql":
        raise InvalidInput("identity: database needs PostgreSQL; use name or os with SQLite")
    return str(conn.execute(text("SELECT session_user")).scalar_one())


def _by_name(conn: Connection, given: str) -> Actor:
    name, _, unit_text = given.partition("@")
    query = (
        select(people.c.id, people.c.name, people.c.unit_id, people.c.role, people.c.active)
        .join(units, units.c.id == people.c.unit_id)
        .where(people.c.name == name.strip())
    )
    if unit_text.strip():
        unit = unit_text.strip()
        query = query.where((units.c.code == unit) | (units.c.name == unit))
    found = conn.execute(query).all()
    active = [row for row in found if row.active]
    if not active:
        if found:
            raise TransitionRefused("{name} is retired and may no longer act", name=given)
        raise NotFound(
            "{name} is not a registered person; office staff register people with `rectify "
            "person add`",
            name=given,
        )
    if len(active) > 1:
        raise InvalidInput(
            "{name} is in several units; act as NAME@UNIT, e.g. {name}@CODE", name=name
        )
    row = active[0]
    return Actor(given, row.id, row.unit_id, row.role)


def _by_login(conn: Connection, login: str, mode: str) -> Actor:
    row = conn.execute(
        select(people.c.id, people.c.name, people.c.unit_id, people.c.role, people.c.active).where(
            people.c.login == login
        )
    ).first()
    if row is None:
        raise NotFound(
            "the {source} user {login!r} is not the login of any registered person; office "
            "staff set it with `rectify person set NAME --login {login}`",
            source=Msg("operating-system") if mode == "os" else Msg("database"),
            login=login,
        )
    if not row.active:
        raise TransitionRefused("{name} is retired and may no longer act", name=row.name)
    return Actor(row.name, row.id, row.unit_id, row.role)
