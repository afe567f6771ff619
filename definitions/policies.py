"""Escalation policies (预警策略): one YAML file per policy, loaded into frozen objects.

A policy says when an open responsibility item turns blue, yellow and red, whom each level
notifies and through which channels, when SMS must wait (quiet hours), and how often delivery is
retried. The policy name is the file stem: `definitions/policies/default.yaml` is `default`.

Every problem in every file is collected and raised together in one `PolicyError`, each message
naming the file and the key, e.g. `default.yaml: levels.yellow.recipients[1]: ...`.
See `policies/default.yaml` for the annotated format.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import time
from itertools import pairwise
from pathlib import Path
from typing import Any, Literal, cast

import yaml

Level = Literal["blue", "yellow", "red"]
DayCount = Literal["calendar", "working"]

LEVELS: tuple[Level, ...] = ("blue", "yellow", "red")  # escalation order: blue < yellow < red
DAY_COUNTS: tuple[DayCount, ...] = ("calendar", "working")
RECIPIENTS: tuple[str, ...] = ("person", "unit", "leader")
# dingtalk and wecom are group robots: one post per item to the configured group.
CHANNELS: tuple[str, ...] = ("email", "sms", "dingtalk", "wecom")

DEFAULT_POLICY_DIR = Path(__file__).parent / "policies"

_TOP_KEYS = (
    "description",
    "day_count",
    "levels",
    "sms_quiet_hours",
    "delivery",
    "immediate_days",
    "progress_every_days",
)
_LEVEL_REQUIRED = ("days_left_at_most", "recipients", "channels")
_LEVEL_KEYS = (*_LEVEL_REQUIRED, "digest")
_QUIET_KEYS = ("start", "end")
_DELIVERY_KEYS = ("max_attempts", "backoff_base_seconds", "backoff_cap_seconds")
_DELIVERY_OPTIONAL = ("give_up_after",)
_DURATION = re.compile(r"^(\d+)\s*(minutes?|hours?|days?)$")
_DURATION_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}
DEFAULT_GIVE_UP_AFTER = 72 * 3600
_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")
_DAILY = re.compile(r"^daily\s+at\s+(\S+)$")
# Group robots post in the unit's name, once per item: there is no one to send a digest to.
DIGEST_CHANNELS: tuple[str, ...] = ("email", "sms")


class PolicyError(Exception):
    """One or more problems in policy files; `errors` lists them, each naming file and key."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = list(errors)
        super().__init__("\n".join(self.errors))


@dataclass(frozen=True)
class LevelRule:
    """One warning level.

    The level fires when the item's days left (see workflow.escalation.days_left) is at most
    `days_left_at_most`. Days left is 0 on the deadline day itself and -1 the day after, so
    "red once the deadline has passed" is `days_left_at_most = -1`.
    """

    name: Level
    days_left_at_most: int
    recipients: tuple[str, ...]  # subset of RECIPIENTS, in file order
    channels: tuple[str, ...]  # subset of CHANNELS, in file order
    # Recipient kinds that get one digest a day of their items at this level instead of a
    # notice per item: (kind, local time of day after which the day's digest is queued).
    digest: tuple[tuple[str, time], ...] = ()

    def digest_at(self, kind: str) -> time | None:
        return next((at for name, at in self.digest if name == kind), None)

    @property
    def per_item_recipients(self) -> tuple[str, ...]:
        """The recipients that get a notice for each item (those not digested)."""
        return tuple(kind for kind in self.recipients if self.digest_at(kind) is None)


@dataclass(frozen=True)
class Policy:
    name: str
    day_count: DayCount
    levels: tuple[LevelRule, ...]  # escalation order; days_left_at_most strictly decreasing
    quiet_hours: tuple[time, time] | None  # SMS only: (start, end); may span midnight
    max_attempts: int
    backoff_base_seconds: int
    backoff_cap_seconds: int
    source: str  # file path, for messages
    description: str = ""
    # 立行立改 (fix at once): the deadline is the day the item is created plus this many days.
    immediate_days: int = 7
    # 长期坚持 (standing items, no deadline): a progress report (整改进展) is due every this many
    # days; None: no reports asked for.
    progress_every_days: int | None = None
    # A notice whose sending keeps failing for a reason that may pass (server down, timeouts,
    # 4xx/5xx/429 replies) is tried until this many seconds after it was queued, then dead.
    give_up_after_seconds: int = DEFAULT_GIVE_UP_AFTER

    def level(self, name: str) -> LevelRule | None:
        return next((rule for rule in self.levels if rule.name == name), None)

    def digests(self) -> dict[str, tuple[time, tuple[Level, ...]]]:
        """Recipient kind -> (time of day, levels its digest covers), for digested kinds."""
        found: dict[str, tuple[time, tuple[Level, ...]]] = {}
        for rule in self.levels:
            for kind, at in rule.digest:
                levels = found[kind][1] if kind in found else ()
                found[kind] = (at, (*levels, rule.name))
        return found


# --- YAML reading --------------------------------------------------------------------------------


# libyaml's parser where PyYAML was built with it: every command loads the definitions, and
# the pure-Python parser is most of a command's start-up.
_SafeLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_SafeLoader):
    """SafeLoader that reads 22:00 as the string "22:00" and rejects duplicate keys.

    Plain PyYAML follows YAML 1.1, where unquoted 22:00 is the base-60 integer 1320 but 07:00 is
    a string; office staff should not have to know that. Duplicate keys would otherwise let the
    last one win silently.
    """


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:int"]
    for first, resolvers in _SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:int",
    re.compile(r"^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+)$"),
    list("-+0123456789"),
)


class _DuplicateKey(yaml.MarkedYAMLError):
    pass


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise _DuplicateKey(
                "while reading a mapping",
                node.start_mark,
                f"key {key!r} appears twice",
                key_node.start_mark,
            )
        seen.add(key)
    return loader.construct_mapping(node)


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


# --- validation ----------------------------------------------------------------------------------


class _Checker:
    """Collects problems for one file; every message starts with `source: key:`."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.errors: list[str] = []

    def error(self, key: str, message: str) -> None:
        self.errors.append(
            f"{self.source}: {key}: {message}" if key else f"{self.source}: {message}"
        )

    def mapping(self, value: object, key: str, allowed: tuple[str, ...]) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.error(
                key, f"expected a mapping with keys {', '.join(allowed)}, got {_show(value)}"
            )
            return None
        for unknown in value:
            if unknown not in allowed:
                where = f"{key}.{unknown}" if key else str(unknown)
                self.error(where, f"unknown key (expected one of {', '.join(allowed)})")
        return {k: v for k, v in value.items() if k in allowed}

    def positive_int(self, value: object, key: str) -> int | None:
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(key, f"expected a whole number, got {_show(value)}")
            return None
        if value < 1:
            self.error(key, f"must be at least 1, got {value}")
            return None
        return value

    def choices(self, value: object, key: str, allowed: tuple[str, ...]) -> tuple[str, ...] | None:
        if not isinstance(value, list) or not value:
            self.error(
                key, f"expected a non-empty list of {', '.join(allowed)}, got {_show(value)}"
            )
            return None
        chosen: list[str] = []
        ok = True
        for index, item in enumerate(value):
            if item not in allowed:
                self.error(f"{key}[{index}]", f"{_show(item)} is not one of {', '.join(allowed)}")
                ok = False
            elif item in chosen:
                self.error(f"{key}[{index}]", f"{item!r} is listed twice")
                ok = False
            else:
                chosen.append(item)
        return tuple(chosen) if ok else None

    def clock_time(self, value: object, key: str) -> time | None:
        match = _TIME.match(value) if isinstance(value, str) else None
        if match is None:
            self.error(key, f'expected a time as HH:MM such as "22:00", got {_show(value)}')
            return None
        hour, minute = int(match[1]), int(match[2])
        if hour > 23 or minute > 59:
            self.error(key, f"{value!r} is not a time of day (00:00 to 23:59)")
            return None
        return time(hour, minute)


def _show(value: object) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list" if value else "an empty list"
    return repr(value)


def _check_levels(check: _Checker, value: object) -> tuple[LevelRule, ...] | None:
    levels = check.mapping(value, "levels", LEVELS)
    if levels is None:
        return None
    if not levels:
        check.error("levels", f"at least one level is needed ({', '.join(LEVELS)})")
        return None
    names = list(levels)
    if names != sorted(names, key=LEVELS.index):
        check.error("levels", f"levels must be listed in the order {', '.join(LEVELS)}")

    rules: list[LevelRule] = []
    given: list[tuple[str, int]] = []  # (level, threshold) for every valid threshold
    ok = True
    for name in names:
        key = f"levels.{name}"
        body = check.mapping(levels[name], key, _LEVEL_KEYS)
        if body is None:
            ok = False
            continue
        for required in _LEVEL_REQUIRED:
            if required not in body:
                check.error(f"{key}.{required}", "required but missing")
                ok = False
        threshold = body.get("days_left_at_most")
        if isinstance(threshold, int) and not isinstance(threshold, bool):
            given.append((name, threshold))
        elif "days_left_at_most" in body:
            check.error(
                f"{key}.days_left_at_most",
                f"expected a whole number of days (-1 = deadline passed), got {_show(threshold)}",
            )
            ok = False
        recipients = (
            check.choices(body["recipients"], f"{key}.recipients", RECIPIENTS)
            if "recipients" in body
            else None
        )
        channels = (
            check.choices(body["channels"], f"{key}.channels", CHANNELS)
            if "channels" in body
            else None
        )
        digest = (
            _check_digest(check, body["digest"], key, recipients)
            if body.get("digest") is not None
            else ()
        )
        if (
            isinstance(threshold, int)
            and recipients is not None
            and channels is not None
            and digest is not None
        ):
            rules.append(LevelRule(cast(Level, name), threshold, recipients, channels, digest))
        else:
            ok = False

    # Checked on the thresholds alone, so this is reported even when other keys are wrong.
    given.sort(key=lambda pair: LEVELS.index(cast(Level, pair[0])))
    for (earlier, earlier_at_most), (later, later_at_most) in pairwise(given):
        if later_at_most >= earlier_at_most:
            check.error(
                f"levels.{later}.days_left_at_most",
                f"must be smaller than levels.{earlier}.days_left_at_most "
                f"({later_at_most} is not below {earlier_at_most}): "
                "a later level fires with fewer days left",
            )
            ok = False
    rules.sort(key=lambda rule: LEVELS.index(rule.name))
    # One digest a day per recipient: a kind digested at several levels gets them together.
    first_time: dict[str, tuple[str, time]] = {}
    for rule in rules:
        for kind, at in rule.digest:
            first = first_time.setdefault(kind, (rule.name, at))
            if first[1] != at:
                check.error(
                    f"levels.{rule.name}.digest.{kind}",
                    f"must be at the same time as levels.{first[0]}.digest.{kind} "
                    f"({at:%H:%M} is not {first[1]:%H:%M}): a recipient gets one digest a day",
                )
                ok = False
    return tuple(rules) if ok else None


def _check_digest(
    check: _Checker, value: object, level_key: str, recipients: tuple[str, ...] | None
) -> tuple[tuple[str, time], ...] | None:
    """`digest: {leader: daily at 08:30}`: recipient kind -> when the day's digest goes."""
    key = f"{level_key}.digest"
    body = check.mapping(value, key, RECIPIENTS)
    if body is None:
        return None
    if not value:
        check.error(key, f"expected at least one of {', '.join(RECIPIENTS)}; remove it for none")
        return None
    chosen: list[tuple[str, time]] = []
    ok = isinstance(value, dict) and len(body) == len(value)  # unknown keys are reported
    for kind, when in body.items():
        where = f"{key}.{kind}"
        if recipients is not None and kind not in recipients:
            check.error(where, f"{kind} is not among this level's recipients")
            ok = False
        match = _DAILY.match(when.strip()) if isinstance(when, str) else None
        if match is None:
            check.error(
                where, f'expected "daily at HH:MM" such as "daily at 08:30", got {_show(when)}'
            )
            ok = False
            continue
        at = check.clock_time(match[1], where)
        if at is None:
            ok = False
        else:
            chosen.append((kind, at))
    return tuple(chosen) if ok else None


def _check_quiet_hours(check: _Checker, value: object) -> tuple[time, time] | None:
    body = check.mapping(value, "sms_quiet_hours", _QUIET_KEYS)
    if body is None:
        return None
    times: list[time | None] = []
    for key in _QUIET_KEYS:
        if key not in body:
            check.error(f"sms_quiet_hours.{key}", "required but missing")
            times.append(None)
        else:
            times.append(check.clock_time(body[key], f"sms_quiet_hours.{key}"))
    start, end = times
    if start is None or end is None:
        return None
    if start == end:
        check.error(
            "sms_quiet_hours", "start and end are the same time; remove the section for none"
        )
        return None
    return start, end


def parse_policy(text: str, source: str, name: str) -> Policy:
    """Validate one policy's YAML text; raise PolicyError listing every problem."""
    check = _Checker(source)
    try:
        document = yaml.load(text, Loader=_Loader)  # _Loader is a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else "YAML"
        problem = getattr(exc, "problem", None) or str(exc)
        raise PolicyError([f"{source}: {where}: not valid YAML: {problem}"]) from exc

    top = check.mapping(document, "", _TOP_KEYS)
    if top is None:
        raise PolicyError(check.errors)

    def required(key: str, read: Callable[[_Checker, object], Any]) -> Any:
        if key not in top:
            check.error(key, "required but missing")
            return None
        return read(check, top[key])

    day_count = required("day_count", _check_day_count)
    levels = required("levels", _check_levels)
    quiet_hours = (
        _check_quiet_hours(check, top["sms_quiet_hours"])
        if top.get("sms_quiet_hours") is not None
        else None
    )
    delivery = required("delivery", _check_delivery)
    description = top.get("description", "")
    if not isinstance(description, str):
        check.error("description", f"expected text, got {_show(description)}")
    immediate_days = check.positive_int(top.get("immediate_days", 7), "immediate_days")
    # Left out or empty: standing items are asked for no progress reports.
    every = top.get("progress_every_days")
    progress_every_days = (
        None if every is None else check.positive_int(every, "progress_every_days")
    )

    if check.errors:
        raise PolicyError(check.errors)
    max_attempts, base, cap, give_up_after = delivery
    return Policy(
        name=name,
        day_count=day_count,
        levels=levels,
        quiet_hours=quiet_hours,
        max_attempts=max_attempts,
        backoff_base_seconds=base,
        backoff_cap_seconds=cap,
        source=source,
        description=description.strip(),
        immediate_days=immediate_days if immediate_days is not None else 7,
        progress_every_days=progress_every_days,
        give_up_after_seconds=give_up_after,
    )


def _check_day_count(check: _Checker, value: object) -> DayCount | None:
    if value not in DAY_COUNTS:
        check.error("day_count", f"{_show(value)} is not one of {', '.join(DAY_COUNTS)}")
        return None
    return cast(DayCount, value)


def _check_delivery(check: _Checker, value: object) -> tuple[int, int, int, int] | None:
    body = check.mapping(value, "delivery", (*_DELIVERY_KEYS, *_DELIVERY_OPTIONAL))
    if body is None:
        return None
    numbers: list[int | None] = []
    for key in _DELIVERY_KEYS:
        if key not in body:
            check.error(f"delivery.{key}", "required but missing")
            numbers.append(None)
        else:
            numbers.append(check.positive_int(body[key], f"delivery.{key}"))
    attempts, base, cap = numbers
    if base is not None and cap is not None and cap < base:
        check.error(
            "delivery.backoff_cap_seconds",
            f"must be at least backoff_base_seconds ({cap} is below {base})",
        )
        return None
    give_up_after = _check_duration(check, body.get("give_up_after"), "delivery.give_up_after")
    if attempts is None or base is None or cap is None or give_up_after is None:
        return None
    return attempts, base, cap, give_up_after


def _check_duration(check: _Checker, value: object, key: str) -> int | None:
    """Seconds of '72 hours', '3 days', '90 minutes'; left out: 72 hours."""
    if value is None:
        return DEFAULT_GIVE_UP_AFTER
    found = _DURATION.match(value.strip()) if isinstance(value, str) else None
    if found is None or int(found.group(1)) < 1:
        check.error(key, f"expected a duration such as '72 hours' or '3 days', got {_show(value)}")
        return None
    return int(found.group(1)) * _DURATION_SECONDS[found.group(2).rstrip("s")]


def load_policy_file(path: Path) -> Policy:
    """Load one policy file; its name is the file stem."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError([f"{path}: cannot be read ({exc})"]) from exc
    return parse_policy(text, str(path), path.stem)


def load_policies(folder: Path = DEFAULT_POLICY_DIR) -> dict[str, Policy]:
    """Load every `*.yaml` in `folder`, keyed by file stem, sorted by name.

    All problems in all files are raised together. A `*.yml` file is reported rather than
    silently ignored.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise PolicyError([f"{folder}: no such policy folder"])
    policies: dict[str, Policy] = {}
    errors: list[str] = []
    for path in sorted(folder.iterdir()):
        if path.suffix == ".yml":
            errors.append(f"{path}: policy files must end in .yaml")
        if path.suffix != ".yaml" or not path.is_file():
            continue
        try:
            policies[path.stem] = load_policy_file(path)
        except PolicyError as exc:
            errors.extend(exc.errors)
    if errors:
        raise PolicyError(errors)
    return policies
