"""The change log: who changed which field of a unit, person or campaign, from what to what.

One row per changed field, written in the transaction of the change (append-only: database
triggers refuse UPDATE and DELETE). A unit and a campaign are logged under their code, which
never changes; a person under their id, since names change and repeat across units.

`history` tells what a user means by a word: refs look like P12/T3/R17; anything else is a
campaign code, a unit code or name, or a person's name, and a word that is more than one of
these needs `--kind`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, String, insert, literal, or_, select

from workflow.db.schema import campaigns, change_log, items, people, problems, tasks, units
from workflow.errors import InvalidInput, NotFound
from workflow.i18n import Msg
from workflow.refs import normalise
from workflow.services.directory import find_campaign, find_person, find_unit
from workflow.services.queries import history as item_history
from workflow.terms import Listing

DIRECTORY_KINDS = ("unit", "person", "campaign")
HISTORY_KINDS = ("item", *DIRECTORY_KINDS)
CHANGE_FIELDS = ("at", "actor", "field", "old", "new", "note")
CHANGE_JSON_FIELDS = ("at", "actor", "kind", "ref", "field", "old", "new", "note")
_REF = re.compile(r"^\s*[PTRptr]\d+\s*$")
_COLUMNS = ["kind", "ref", "field", "old_value", "new_value", "actor", "at", "note"]
_REF_TABLES = {"problem": problems, "task": tasks, "responsibility": items}
_KIND_WORDS = {
    "item": Msg("a problem, task or item ref"),
    "unit": Msg("a unit"),
    "person": Msg("a person"),
    "campaign": Msg("a campaign"),
}

# How a field and its values read in a table (JSON and CSV keep the codes).
FIELD_WORDS = {
    "zh": {
        "name": "名称",
        "email": "邮箱",
        "phone": "电话",
        "group": "分组",
        "head": "单位负责人",
        "role": "角色",
        "login": "登录名",
        "unit": "所在单位",
        "active": "在用",  # a person's: see ACTIVE_FIELD
        "deadline": "底线",
        "leader": "牵头领导",
        "policy": "预警规则",
    },
    "en": {},
}
# A person is in post (在岗) where a unit is in use (在用).
ACTIVE_FIELD = {"zh": "在岗", "en": "active"}
BOOL_WORDS = {"zh": {"true": "是", "false": "否"}, "en": {"true": "yes", "false": "no"}}
ROLE_WORDS = {
    "zh": {"office": "督查室", "leader": "县领导", "unit": "单位人员"},
    "en": {"office": "office staff", "leader": "leader", "unit": "unit staff"},
}


class FieldNames(Msg):
    """Fields named in a summary line, in the user's language: 'name, email' / '名称、邮箱'."""

    __slots__ = ("fields",)

    def __init__(self, fields: Sequence[str]) -> None:
        super().__init__("{fields}")
        self.fields = tuple(fields)

    def to(self, lang: str) -> str:
        return Listing([FIELD_WORDS[lang].get(f, f) for f in self.fields]).to(lang)


@dataclass(frozen=True)
class Change:
    field: str
    old: Any
    new: Any


def value_text(value: Any) -> str | None:
    """A value as the log keeps it: booleans as true/false, dates as ISO, None as NULL."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


def log(
    conn: Connection,
    *,
    kind: str,
    ref: str,
    changes: Iterable[Change],
    actor: str,
    at: datetime,
    note: str | None = None,
) -> list[str]:
    """Write a row for each change that changes something; return the fields changed."""
    rows = [
        {
            "kind": kind,
            "ref": ref,
            "field": change.field,
            "old_value": value_text(change.old),
            "new_value": value_text(change.new),
            "actor": actor,
            "at": at,
            "note": note,
        }
        for change in changes
        if value_text(change.old) != value_text(change.new)
    ]
    if rows:
        conn.execute(insert(change_log), rows)
    return [str(row["field"]) for row in rows]


def log_people(
    conn: Connection,
    *,
    where: ColumnElement[bool],
    field: str,
    old: str,
    new: str,
    actor: str,
    at: datetime,
    note: str | None,
) -> None:
    """The same change to every person matching `where`, in one INSERT ... SELECT."""
    conn.execute(
        insert(change_log).from_select(
            _COLUMNS,
            select(
                literal("person", String),
                people.c.id.cast(String),
                literal(field, String),
                literal(old, String),
                literal(new, String),
                literal(actor, String),
                literal(at, change_log.c.at.type),
                literal(note, String),
            )
            .where(where)
            .order_by(people.c.id),
        )
    )


def entries(conn: Connection, kind: str, ref: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(change_log)
        .where(change_log.c.kind == kind, change_log.c.ref == ref)
        .order_by(change_log.c.id)
    )
    return [
        {
            "at": r.at,
            "actor": r.actor,
            "kind": r.kind,
            "ref": r.ref,
            "field": r.field,
            "old": r.old_value,
            "new": r.new_value,
            "note": r.note,
        }
        for r in rows
    ]


def history(conn: Connection, target: str, kind: str | None = None) -> tuple[str, list[Any]]:
    """(what TARGET is, its history): an item's audit trail or a directory entry's changes."""
    if kind is not None and kind not in HISTORY_KINDS:
        raise InvalidInput(
            "kind {kind!r} must be one of {kinds}", kind=kind, kinds=", ".join(HISTORY_KINDS)
        )
    found = [kind] if kind else _meanings(conn, target)
    if not found:
        if _REF.match(target):
            return "item", item_history(conn, target)  # says which ref does not exist
        raise NotFound("no ref, campaign, unit or person {text!r}", text=target.strip())
    if len(found) > 1:
        raise InvalidInput(
            "{text!r} names {kinds}; say which with --kind {choices}",
            text=target.strip(),
            kinds=Listing([_KIND_WORDS[k] for k in found]),
            choices="|".join(found),
        )
    what = found[0]
    if what == "item":
        return what, item_history(conn, target)
    if what == "unit":
        code = conn.execute(
            select(units.c.code).where(units.c.id == find_unit(conn, target))
        ).scalar_one()
        return what, entries(conn, "unit", code)
    if what == "person":
        return what, entries(conn, "person", str(find_person(conn, target).id))
    return what, entries(conn, "campaign", find_campaign(conn, target).code)


def _meanings(conn: Connection, target: str) -> list[str]:
    """Every kind of thing TARGET names."""
    text = target.strip()
    found = []
    if _REF.match(text):
        ref_kind, ref = normalise(text)
        table = _REF_TABLES[ref_kind]
        if conn.execute(select(table.c.id).where(table.c.ref == ref)).first():
            found.append("item")
    if conn.execute(select(campaigns.c.id).where(campaigns.c.code == text)).first():
        found.append("campaign")
    if conn.execute(
        select(units.c.id).where(or_(units.c.code == text, units.c.name == text))
    ).first():
        found.append("unit")
    name, _, unit_text = text.partition("@")
    person = select(people.c.id).where(people.c.name == name.strip())
    if unit_text.strip():
        person = person.join(units, units.c.id == people.c.unit_id).where(
            or_(units.c.code == unit_text.strip(), units.c.name == unit_text.strip())
        )
    if conn.execute(person).first():
        found.append("person")
    return found


def for_table(rows: Sequence[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    """Change rows as people read them: field names and coded values in words."""
    shown = []
    for row in rows:
        words = BOOL_WORDS[lang] if row["field"] in ("head", "active") else {}
        if row["field"] == "role":
            words = ROLE_WORDS[lang]
        shown.append(
            {
                **row,
                "field": (
                    ACTIVE_FIELD[lang]
                    if row["field"] == "active" and row["kind"] == "person"
                    else FIELD_WORDS[lang].get(row["field"], row["field"])
                ),
                "old": words.get(row["old"], row["old"]),
                "new": words.get(row["new"], row["new"]),
            }
        )
    return shown
