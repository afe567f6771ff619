"""The leader in charge of a problem (责任领导): finding them by name.

Ledgers name a county leader for each problem; red warnings and the leaders' daily digest go to
them as well as to the campaign leader. The leader in charge is a person in post whose role is
leader (县领导) or office (督查室, who sometimes lead a problem themselves): a unit's own staff
member named in that column is far more likely a slip (the 责任人 in the wrong column) than a
county leader, and the red warnings would go to the wrong desk.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Row, select

from workflow.db.schema import people, units
from workflow.errors import InvalidInput, NotFound
from workflow.services.directory import PersonRow, find_unit

LEADER_ROLES = ("leader", "office")
_SEPARATORS = re.compile(r"[、,，；;/]")
# A note after a name, as offices write it: 王书记（县委书记）, 李县长(分管).
_NOTE = re.compile(r"\s*[（(][^（）()]*[）)]\s*$")


def find_leader(conn: Connection, text: str) -> PersonRow:
    """The person in charge named `text` (NAME or NAME@UNIT; a note after the name and names
    after the first are read as offices write them), or NotFound / InvalidInput."""
    written = text.strip()
    name, _, unit_text = written.partition("@")
    candidates = [name.strip()]
    first = _NOTE.sub("", _SEPARATORS.split(name)[0].strip()).strip()
    if first and first != candidates[0]:
        candidates.append(first)
    for candidate in candidates:
        query = select(
            people.c.id, people.c.name, people.c.unit_id, people.c.role, people.c.active
        ).where(people.c.name == candidate)
        if unit_text.strip():
            query = query.where(people.c.unit_id == find_unit(conn, unit_text))
        found = conn.execute(query.order_by(people.c.id)).all()
        if found:
            return _choose(conn, candidate, found)
    raise NotFound("no person {name!r}; add them with `rectify person add`", name=written)


def _choose(
    conn: Connection, name: str, found: Sequence[Row[Any, Any, Any, Any, Any]]
) -> PersonRow:
    in_post = [r for r in found if r.active] or list(found)
    leaders = [r for r in in_post if r.role in LEADER_ROLES]
    if len(leaders) > 1:
        raise InvalidInput(
            "{name} is in several units; write NAME@UNIT, e.g. {name}@CODE", name=name
        )
    if not leaders:
        person = in_post[0]
        unit = conn.execute(select(units.c.name).where(units.c.id == person.unit_id)).scalar()
        raise InvalidInput(
            "{name} ({unit}) is not a county leader; a leader in charge has the role leader "
            "(rectify person set {name} --role leader)",
            name=name,
            unit=unit,
        )
    row = leaders[0]
    if not row.active:
        raise InvalidInput("{name} is retired and takes no new items", name=name)
    return PersonRow(row.id, row.name, row.unit_id, row.active)
