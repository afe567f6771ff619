"""Settings from a config file and the environment (the environment wins).

The config file is YAML with lower-case keys (`db`, `timezone`, `smtp_host`, ...); each key is
the environment variable without its `RECTIFY_` prefix. Secrets (passwords, keys) may live in
either place; nothing here prints them.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from workflow.clock import parse_instant
from workflow.errors import InvalidInput

PREFIX = "RECTIFY_"
DEFAULT_DB = "rectify.db"
DEFAULT_ZONE = "Asia/Shanghai"
SHIPPED_DEFINITIONS = Path(__file__).resolve().parent.parent / "definitions"
SHIPPED_TEMPLATES = Path(__file__).resolve().parent.parent / "notifications" / "templates"


@dataclass(frozen=True)
class Settings:
    db_url: str
    actor: str
    zone: ZoneInfo
    now: datetime | None
    definitions_dir: Path
    templates_dir: Path | None
    lang: str
    # How the actor is known (workflow.identity): name, os or database; and whether a name was
    # given with --as / RECTIFY_USER (refused in the os and database modes).
    identity: str = "name"
    actor_given: bool = False
    # Every RECTIFY_* value, for the channels and the scheduler: flat and env-style.
    values: Mapping[str, str] = field(repr=False, default_factory=dict)


def load_settings(
    environ: Mapping[str, str] | None = None,
    *,
    db: str | None = None,
    actor: str | None = None,
    config_file: str | None = None,
    lang: str | None = None,
) -> Settings:
    env = dict(os.environ if environ is None else environ)
    values = _config_values(config_file or env.get(PREFIX + "CONFIG"))
    values.update({k: v for k, v in env.items() if k.startswith(PREFIX)})

    zone_name = values.get(PREFIX + "TIMEZONE", DEFAULT_ZONE)
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput("timezone {zone!r} is not a known time zone", zone=zone_name) from None
    now_text = values.get(PREFIX + "NOW")
    now = parse_instant(now_text, zone, "RECTIFY_NOW") if now_text else None
    language = lang or values.get(PREFIX + "LANG", "zh")
    if language not in ("zh", "en"):
        raise InvalidInput("language {lang!r} is not offered; use zh or en", lang=language)
    templates = values.get(PREFIX + "TEMPLATES")
    # The audit trail must name someone (精准问责): a blank actor is refused, spaces trimmed.
    given = actor if actor is not None else values.get(PREFIX + "USER")
    who = (given if given is not None else _os_user()).strip()
    if not who:
        raise InvalidInput("the actor (--as / RECTIFY_USER) is empty; say who is acting")
    identity = values.get(PREFIX + "IDENTITY", "name").strip().lower()
    if identity not in ("name", "os", "database"):
        raise InvalidInput(
            "identity {identity!r} is not offered; use name, os or database", identity=identity
        )
    return Settings(
        db_url=database_url(db or values.get(PREFIX + "DB") or DEFAULT_DB),
        actor=who,
        zone=zone,
        now=now,
        definitions_dir=Path(values.get(PREFIX + "DEFINITIONS", SHIPPED_DEFINITIONS)),
        templates_dir=Path(templates) if templates else None,
        lang=language,
        identity=identity,
        actor_given=given is not None,
        values=values,
    )


def database_url(db: str) -> str:
    """A path becomes an SQLite URL; PostgreSQL URLs without a driver get psycopg 3."""
    if "://" not in db:
        return "sqlite:///" + str(Path(db).expanduser().resolve())
    if db.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + db.split("://", 1)[1]
    return db


def _config_values(path_text: str | None) -> dict[str, str]:
    if not path_text:
        return {}
    path = Path(path_text)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise InvalidInput(
            "config file {path}: {reason}", path=str(path), reason=exc.strerror
        ) from None
    except yaml.YAMLError:
        raise InvalidInput("config file {path} is not valid YAML", path=str(path)) from None
    if not isinstance(data, dict):
        raise InvalidInput(
            "config file {path}: expected a mapping of setting to value", path=str(path)
        )
    values: dict[str, str] = {}
    for key, value in data.items():
        # A section (`web: {base_url: ...}`) gives RECTIFY_WEB_BASE_URL, as the flat key
        # `web_base_url` and the environment variable of that name do.
        inner = value.items() if isinstance(value, dict) else [(None, value)]
        for sub, sub_value in inner:
            name = str(key) if sub is None else f"{key}_{sub}"
            values[PREFIX + name.upper()] = str(sub_value)
    return values


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
