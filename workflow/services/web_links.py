"""Personal login links for the web (`rectify web link|links|revoke`, issue 9).

A link is the web's address with a random token (`secrets.token_urlsafe(32)`, 256 bits) that
the office sends to one person. Only the token's SHA-256 is stored, so the table read by
someone else opens nothing; the token itself is shown once, when the link is made. A link
ends when it expires or is revoked, and the person it names must still be in post: the web
checks all three on every request, so a revoke takes effect at once.

Making and revoking links is for office staff, and each is recorded in the change log of the
person (`rectify history NAME`). Settings (`web:` in the settings file, or RECTIFY_WEB_*):
`base_url` for the links, `secret_key` (or RECTIFY_WEB_SECRET) to sign session cookies; with
none, a key is made once and kept in the database, so that every process agrees on it.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Connection, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from workflow.app import App
from workflow.db.engine import Database
from workflow.db.schema import app_settings, people, units, web_links
from workflow.errors import InvalidInput, NotFound
from workflow.i18n import Msg
from workflow.identity import Actor, require_office
from workflow.services.changes import Change, log
from workflow.services.directory import find_person

DEFAULT_BASE_URL = "http://127.0.0.1:8080/"
DEFAULT_EXPIRY = "30d"
TOKEN_BYTES = 32
LOGIN_PATH = "login/"
# "Last used" is written at most this often for a link in use, not on every page read.
USE_RECORDED_EVERY = timedelta(minutes=5)
# A link sent in a notice is for acting on that notice: it lasts a week, not a month.
NOTICE_LINK_DAYS = 7
SYSTEM = "system"  # who makes the links sent in notices
LINK_FIELDS = ("id", "person", "unit", "created", "created_by", "expires", "last_used", "revoked")
SECRET_SETTING = "web_secret_key"
_EXPIRY = re.compile(r"^\s*(\d{1,5})\s*([mhdw])\s*$", re.IGNORECASE)
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_MAX_EXPIRY = timedelta(days=366)
_LINK_ID = re.compile(r"^\s*#?(\d+)\s*$")


@dataclass(frozen=True)
class NewLink:
    id: int
    person: str
    expires_at: datetime
    url: str  # holds the token: shown once, never stored


@dataclass(frozen=True)
class LinkCheck:
    """What opening a link found: status ok, expired, revoked, retired or unknown."""

    status: str
    link_id: int | None = None
    person: str | None = None


# --- settings ---


def base_url(values: Mapping[str, str], given: str | None = None) -> str:
    """The web's address for links: `given` (--base-url), else `web: base_url`, else the
    address `rectify serve` listens on by default. Always ends in /."""
    text = (given or values.get("RECTIFY_WEB_BASE_URL") or DEFAULT_BASE_URL).strip()
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise InvalidInput(
            "base URL {url!r} must be an http:// or https:// address such as "
            "https://dcs.example.gov.cn/rectify/",
            url=text,
        )
    return text if text.endswith("/") else text + "/"


def is_https(url: str) -> bool:
    return urlsplit(url).scheme == "https"


def links_in_notices(values: Mapping[str, str]) -> bool:
    """`web: links_in_notices: true`: notices carry the recipient's link (notice_links)."""
    return values.get("RECTIFY_WEB_LINKS_IN_NOTICES", "").strip().lower() in ("true", "1", "yes")


def secret_key(db: Database, values: Mapping[str, str]) -> str:
    """The key that signs session cookies: from the settings, else the one kept in the
    database (made on first use: two processes starting together agree on the first one
    written). Never printed or logged."""
    given = values.get("RECTIFY_WEB_SECRET") or values.get("RECTIFY_WEB_SECRET_KEY")
    if given and given.strip():
        return given.strip()
    query = select(app_settings.c.value).where(app_settings.c.name == SECRET_SETTING)
    with db.read() as conn:
        stored = conn.execute(query).scalar()
    if stored:
        return str(stored)
    try:
        with db.write() as conn:
            stored = conn.execute(query).scalar()
            if stored:
                return str(stored)
            made = secrets.token_urlsafe(48)
            conn.execute(insert(app_settings).values(name=SECRET_SETTING, value=made))
            return made
    except IntegrityError:  # another process wrote one between our read and our insert
        with db.read() as conn:
            return str(conn.execute(query).scalar_one())


def parse_expiry(text: str) -> timedelta:
    """'30d', '12h', '2w', '90m': how long a link lasts (at most a year)."""
    match = _EXPIRY.match(text)
    if not match or int(match.group(1)) == 0:
        raise InvalidInput(
            "--expires {text!r}: give a number and a unit, e.g. 30d, 12h, 2w or 90m", text=text
        )
    span = timedelta(**{_UNITS[match.group(2).lower()]: int(match.group(1))})
    if span > _MAX_EXPIRY:
        raise InvalidInput("--expires {text!r}: a link lasts at most 366 days", text=text)
    return span


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# --- the office's commands ---


def create_link(app: App, name: str, *, expires: timedelta, base: str) -> NewLink:
    """A new link for the person NAME (or NAME@UNIT), in post; recorded in their history."""
    now = app.now()
    with app.ready_db().write() as conn:
        actor = app.actor()
        require_office(actor, Msg("make login links"))
        person = find_person(conn, name, active_only=True)
        token = secrets.token_urlsafe(TOKEN_BYTES)
        expires_at = now + expires
        link_id = conn.execute(
            insert(web_links)
            .values(
                person_id=person.id,
                token_hash=token_hash(token),
                created_by=actor.name,
                created_at=now,
                expires_at=expires_at,
            )
            .returning(web_links.c.id)
        ).scalar_one()
        _log(conn, person.id, Change("web_link", None, f"#{link_id}"), actor, now,
             f"web link #{link_id}, expires {expires_at.isoformat()}")  # fmt: skip
    return NewLink(int(link_id), person.name, expires_at, base + LOGIN_PATH + token)


def notice_links(app: App, recipients: Iterable[str], now: datetime) -> dict[str, str]:
    """With `web: links_in_notices: true`, a new login link for each person among the notices'
    `recipients` (person:ID, leader:ID; a unit's mailbox is nobody's to log in with), made by
    `system` as the notices go out: only hashes are kept, so a link can only be put in a text
    when it is made. {recipient: url}; {} when the setting is off. A link lasts
    NOTICE_LINK_DAYS, and each is recorded in its person's history, in one transaction."""
    if not links_in_notices(app.settings.values):
        return {}
    wanted: dict[int, list[str]] = {}
    for recipient in dict.fromkeys(recipients):
        kind, _, number = recipient.partition(":")
        if kind in ("person", "leader") and number.isdigit():
            wanted.setdefault(int(number), []).append(recipient)
    if not wanted:
        return {}
    base = base_url(app.settings.values)
    expires_at = now + timedelta(days=NOTICE_LINK_DAYS)
    found: dict[str, str] = {}
    with app.ready_db().write() as conn:
        in_post = conn.execute(
            select(people.c.id).where(people.c.id.in_(sorted(wanted)), people.c.active)
        ).scalars()
        for person_id in in_post:
            token = secrets.token_urlsafe(TOKEN_BYTES)
            link_id = conn.execute(
                insert(web_links)
                .values(
                    person_id=person_id,
                    token_hash=token_hash(token),
                    created_by=SYSTEM,
                    created_at=now,
                    expires_at=expires_at,
                )
                .returning(web_links.c.id)
            ).scalar_one()
            note = f"web link #{link_id} for a notice, expires {expires_at.isoformat()}"
            change = Change("web_link", None, f"#{link_id}")
            log(conn, kind="person", ref=str(person_id), changes=[change], actor=SYSTEM, at=now,
                note=note)  # fmt: skip
            for recipient in wanted[person_id]:
                found[recipient] = base + LOGIN_PATH + token
    return found


def list_links(app: App) -> list[dict[str, Any]]:
    """Every link, newest first, with its state; never its token (which is not kept)."""
    with app.ready_db().read() as conn:
        require_office(app.actor(), Msg("list login links"))
        rows = conn.execute(
            select(
                web_links.c.id,
                people.c.name.label("person"),
                units.c.name.label("unit"),
                web_links.c.created_at.label("created"),
                web_links.c.created_by,
                web_links.c.expires_at.label("expires"),
                web_links.c.last_used_at.label("last_used"),
                web_links.c.revoked_at.label("revoked"),
            )
            .join(people, people.c.id == web_links.c.person_id)
            .join(units, units.c.id == people.c.unit_id)
            .order_by(web_links.c.id.desc())
        ).mappings()
        return [{str(key): value for key, value in row.items()} for row in rows]


def revoke(app: App, target: str) -> list[int]:
    """End link #ID, or every live link of the person NAME; returns the ids ended."""
    now = app.now()
    with app.ready_db().write() as conn:
        actor = app.actor()
        require_office(actor, Msg("revoke login links"))
        live = web_links.c.revoked_at.is_(None)
        by_id = _LINK_ID.match(target)
        if by_id:
            link_id = int(by_id.group(1))
            found = conn.execute(
                select(web_links.c.id, web_links.c.person_id, web_links.c.revoked_at).where(
                    web_links.c.id == link_id
                )
            ).first()
            if found is None:
                raise NotFound("no login link #{id}", id=link_id)
            if found.revoked_at is not None:
                raise InvalidInput("login link #{id} is already revoked", id=link_id)
            chosen = [(int(found.id), int(found.person_id))]
        else:
            person = find_person(conn, target)
            chosen = [
                (int(row.id), person.id)
                for row in conn.execute(
                    select(web_links.c.id)
                    .where(web_links.c.person_id == person.id, live, web_links.c.expires_at > now)
                    .order_by(web_links.c.id)
                )
            ]
            if not chosen:
                raise NotFound("{name} has no login link in force", name=person.name)
        ids = [link_id for link_id, _ in chosen]
        conn.execute(
            update(web_links)
            .where(web_links.c.id.in_(ids), live)
            .values(revoked_at=now, revoked_by=actor.name)
        )
        for link_id, person_id in chosen:
            _log(conn, person_id, Change("web_link", f"#{link_id}", "revoked"), actor, now,
                 f"web link #{link_id} revoked")  # fmt: skip
    return ids


def _log(conn: Connection, person_id: int, change: Change, actor: Actor, now: datetime,
         note: str) -> None:  # fmt: skip
    log(conn, kind="person", ref=str(person_id), changes=[change], actor=actor.name, at=now,
        note=note)  # fmt: skip


# --- the web's checks ---


def open_link(db: Database, token: str, now: datetime) -> LinkCheck:
    """Check a token from /login/<token>; when it is good, record its use."""
    with db.read() as conn:
        row = conn.execute(_link_query().where(web_links.c.token_hash == token_hash(token))).first()
    if row is None:
        return LinkCheck("unknown")
    status = _status(row, now)
    if status == "ok":
        _record_use(db, int(row.id), now)
    return LinkCheck(status, int(row.id), row.name)


def session_actor(db: Database, link_id: int, now: datetime) -> Actor | None:
    """The person a session's link stands for, or None once the link is expired or revoked
    or the person retired; checked on every request."""
    with db.read() as conn:
        row = conn.execute(_link_query().where(web_links.c.id == link_id)).first()
        if row is None or _status(row, now) != "ok":
            return None
        namesakes = conn.execute(
            select(func.count()).where(people.c.name == row.name, people.c.active)
        ).scalar_one()
    if row.last_used_at is None or now - row.last_used_at >= USE_RECORDED_EVERY:
        _record_use(db, link_id, now)
    # The name the audit trail will carry: NAME@UNIT where two people in post share a name.
    name = row.name if namesakes <= 1 else f"{row.name}@{row.unit_code}"
    return Actor(name, int(row.person_id), int(row.unit_id), str(row.role))


def _link_query() -> Any:
    return (
        select(
            web_links.c.id,
            web_links.c.person_id,
            web_links.c.expires_at,
            web_links.c.revoked_at,
            web_links.c.last_used_at,
            people.c.name,
            people.c.unit_id,
            people.c.role,
            people.c.active,
            units.c.code.label("unit_code"),
        )
        .join(people, people.c.id == web_links.c.person_id)
        .join(units, units.c.id == people.c.unit_id)
    )


def _status(row: Any, now: datetime) -> str:
    if row.revoked_at is not None:
        return "revoked"
    if row.expires_at <= now:
        return "expired"
    if not row.active:
        return "retired"
    return "ok"


def _record_use(db: Database, link_id: int, now: datetime) -> None:
    with db.write() as conn:
        conn.execute(update(web_links).where(web_links.c.id == link_id).values(last_used_at=now))
