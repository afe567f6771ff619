"""The battle map (挂图作战): per unit, problem or leader in charge, how many items are closed
(销号), waiting for their acceptance check, open at each warning level and overdue, and how many
days are left to the campaign's bottom line (底线). "完成一项销号一项，销号一项打勾一项."

`board_rows` is the library call (the CLI, the HTML report and the web pages share it); it
counts in SQL, one GROUP BY over the items, so a campaign of a million items gives back a few
hundred rows. `render_board` draws them for a terminal of 80 columns.

- Open means issued or assigned (queries.OPEN_STATES). A fixed item waits for its acceptance
  check and is counted under `fixed`, at no level.
- Overdue is the rule of `rectify overdue` (workflow.services.overdue): its own WHERE clause is
  reused here, so the overdue column of a campaign sums to the rows `rectify overdue` lists.
- Days to the bottom line are counted as the campaign's policy counts days (calendar or working
  days, workflow.escalation.days_left): 0 on the bottom line itself, negative once it is past.
  A campaign whose policy file is gone counts calendar days, as `rectify overdue` does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from fractions import Fraction
from itertools import groupby
from typing import IO, Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Connection, Select, case, func, select
from wcwidth import wcswidth

from definitions.policies import Policy
from workflow.db.schema import campaigns, items, people, problems, tasks, units
from workflow.errors import InvalidInput
from workflow.escalation import days_left, local_today
from workflow.i18n import Msg
from workflow.names import natural_key
from workflow.services import calendar_days
from workflow.services import overdue as overdue_service
from workflow.services.queries import OPEN_STATES, resolve_filters
from workflow.terms import Day

BY = ("unit", "problem", "leader")
BOARD_FIELDS = (
    "campaign", "campaign_name", "key", "name", "total", "closed", "fixed", "open",
    "open_blue", "open_yellow", "open_red", "overdue", "percent_closed", "bottom_line",
    "day_count", "days_to_bottom_line",
)  # fmt: skip
WIDTH = 80  # terminal columns a table line may take
BAR = 10  # cells of the closed column: a tick per item up to this many, else a bar

_COUNTED = ("total", "closed", "fixed", "open", "open_blue", "open_yellow", "open_red", "overdue")


def board_rows(
    conn: Connection,
    *,
    now: datetime,
    zone: ZoneInfo,
    policies: Mapping[str, Policy],
    campaign: str | None = None,
    by: str = "unit",
) -> list[dict[str, Any]]:
    """One row per campaign and unit (`by="unit"`), problem or leader in charge.

    Each row has: campaign (code), campaign_name, key (unit code, problem ref, or the leader's
    name: the problem's 责任领导, else the campaign's leader, else None), name (unit name,
    problem title, or the leader's unit), total, closed, fixed (awaiting acceptance), open
    (issued or assigned), open_blue, open_yellow, open_red, overdue, percent_closed (0-100, one
    decimal), bottom_line (date), day_count ('calendar' or 'working') and days_to_bottom_line.

    Only campaigns with items appear. Rows come by campaign code, and within a campaign the
    worst first: most red, then most overdue, then lowest share closed, then key.
    Raises NotFound for an unknown campaign, InvalidInput for an unknown `by`.
    """
    if by not in BY:
        raise InvalidInput("by {by!r} must be one of {choices}", by=by, choices=", ".join(BY))
    resolve_filters(conn, campaign=campaign, unit=None, person=None, level=None)
    today = local_today(now, zone)

    campaign_id = None
    if campaign is not None:
        campaign_id = conn.execute(
            select(campaigns.c.id).where(campaigns.c.code == campaign)
        ).scalar_one()
    query = _grouped(by, _overdue(today), campaign_id)
    found = [dict(row) for row in conn.execute(query).mappings()]

    working = {
        row["policy"] for row in found
        if row["policy"] in policies and policies[row["policy"]].day_count == "working"
    }  # fmt: skip
    calendar = calendar_days.load(conn) if working else None
    for row in found:
        policy = row.pop("policy")
        row["day_count"] = "working" if policy in working else "calendar"
        if calendar is not None and policy in working:
            left = days_left(row["bottom_line"], today, policies[policy], calendar)
        else:
            left = (row["bottom_line"] - today).days
        row["days_to_bottom_line"] = left
        for field in _COUNTED:
            row[field] = int(row[field] or 0)
        row["percent_closed"] = round(100 * row["closed"] / row["total"], 1)
    found.sort(key=_worst_first)
    return found


def _overdue(today: date) -> ColumnElement[bool]:
    """`rectify overdue`'s own condition (open, deadline < today), not a second definition."""
    return overdue_service.is_overdue(today)


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.sum(case((condition, 1), else_=0))


def _grouped(by: str, overdue: ColumnElement[bool], campaign_id: int | None) -> Select[Any]:
    """Counts grouped by two integers (campaign id, key id), names joined to the few hundred
    groups afterwards: grouping a million rows by their text columns takes twice as long."""
    is_open = items.c.state.in_(OPEN_STATES)
    counts = [
        func.count(items.c.id).label("total"),
        _count(items.c.state == "closed").label("closed"),
        _count(items.c.state == "fixed").label("fixed"),
        _count(is_open).label("open"),
        *(_count(is_open & (items.c.level == lv)).label(f"open_{lv}")
          for lv in ("blue", "yellow", "red")),
        _count(overdue).label("overdue"),
    ]  # fmt: skip
    joined = items.join(tasks, tasks.c.id == items.c.task_id).join(
        problems, problems.c.id == tasks.c.problem_id
    )
    if by == "unit":
        key_id: ColumnElement[Any] = items.c.unit_id
    elif by == "problem":
        key_id = problems.c.id
    else:
        joined = joined.join(campaigns, campaigns.c.id == problems.c.campaign_id)
        key_id = func.coalesce(problems.c.leader_id, campaigns.c.leader_id)
    grouped_query = (
        select(problems.c.campaign_id.label("campaign_id"), key_id.label("key_id"), *counts)
        .select_from(joined)
        .group_by(problems.c.campaign_id, key_id)
    )
    if campaign_id is not None:
        grouped_query = grouped_query.where(problems.c.campaign_id == campaign_id)
    grouped = grouped_query.subquery("grouped")
    named = grouped.join(campaigns, campaigns.c.id == grouped.c.campaign_id)
    if by == "unit":
        named = named.join(units, units.c.id == grouped.c.key_id)
        key, name = units.c.code, units.c.name
    elif by == "problem":
        named = named.join(problems, problems.c.id == grouped.c.key_id)
        key, name = problems.c.ref, problems.c.title
    else:
        leader = people.alias("leader")
        leader_unit = units.alias("leader_unit")
        named = named.outerjoin(leader, leader.c.id == grouped.c.key_id).outerjoin(
            leader_unit, leader_unit.c.id == leader.c.unit_id
        )
        key, name = leader.c.name, leader_unit.c.name
    return select(
        campaigns.c.code.label("campaign"), campaigns.c.name.label("campaign_name"),
        campaigns.c.deadline.label("bottom_line"), campaigns.c.policy.label("policy"),
        key.label("key"), name.label("name"),
        *(grouped.c[column.name] for column in counts),
    ).select_from(named)  # fmt: skip


def _worst_first(row: Mapping[str, Any]) -> tuple[Any, ...]:
    return (
        row["campaign"],
        -row["open_red"],
        -row["overdue"],
        Fraction(row["closed"], row["total"]),
        natural_key(row["key"]),  # no leader (None) after every name
    )


# --- the table ---

HEADERS: dict[str, dict[str, str]] = {
    "zh": {
        "unit": "责任单位", "problem": "问题", "leader": "责任领导", "total": "总数",
        "closed": "销号", "ticks": "进度", "percent": "销号率", "fixed": "待验收",
        "open_red": "红", "open_yellow": "黄", "open_blue": "蓝", "overdue": "逾期",
        "none": "—",
    },
    "en": {
        "unit": "Unit", "problem": "Problem", "leader": "Leader", "total": "Items",
        "closed": "Closed", "ticks": "Progress", "percent": "%", "fixed": "Fixed",
        "open_red": "Red", "open_yellow": "Yellow", "open_blue": "Blue", "overdue": "Overdue",
        "none": "(none)",
    },
}  # fmt: skip
_NUMBERS = ("total", "closed", "ticks", "percent", "fixed", "open_red", "open_yellow",
            "open_blue", "overdue")  # fmt: skip


def render_board(
    rows: Sequence[Mapping[str, Any]], out: IO[str], *, by: str, lang: str, width: int = WIDTH
) -> int:
    """The rows of `board_rows` as tables for people, one per campaign under a heading line
    with its bottom line and days left; no line is wider than `width` terminal columns."""
    if not rows:
        out.write(Msg("No responsibility items.").to(lang) + "\n")
        return 0
    words = HEADERS[lang]
    for number, (_, group) in enumerate(groupby(rows, key=lambda r: r["campaign"])):
        block = list(group)
        if number:
            out.write("\n")
        out.write(_heading(block[0], lang, width) + "\n")
        cells = [{"label": _label(row, by, words), **_figures(row)} for row in block]
        _write_table(cells, [words[by], *(words[c] for c in _NUMBERS)], out, width)
    return len(rows)


def _label(row: Mapping[str, Any], by: str, words: Mapping[str, str]) -> str:
    if row["key"] is None:
        return words["none"]
    if by == "problem":
        return f"{row['key']} {row['name']}"
    return str(row["key"] if by == "leader" else row["name"])


def _figures(row: Mapping[str, Any]) -> dict[str, str]:
    total, closed = row["total"], row["closed"]
    return {
        **{c: str(row[c]) for c in _NUMBERS if c in row},
        "ticks": ticks(closed, total),
        # Rounded down: 100% only once every item is closed.
        "percent": f"{closed * 100 // total}%",
    }


def ticks(closed: int, total: int, cells: int = BAR) -> str:
    """✓ per closed item and · per other item while they fit in `cells`, else a bar of `cells`
    that is full only when all are closed and empty only when none is."""
    if total <= cells:
        return "✓" * closed + "·" * (total - closed)
    filled = closed * cells // total
    if closed and not filled:
        filled = 1
    return "█" * filled + "░" * (cells - filled)


def _heading(row: Mapping[str, Any], lang: str, width: int) -> str:
    left, working = row["days_to_bottom_line"], row["day_count"] == "working"
    if left == 0:
        state = Msg("the bottom line is today")
    elif left > 0:
        state = days_text(left, working, past=False)
    else:
        state = days_text(-left, working, past=True)

    def line(name: str) -> str:
        return Msg(
            "{campaign} {name}: bottom line {day}, {left}",
            campaign=row["campaign"], name=name, day=Day(row["bottom_line"]), left=state,
        ).to(lang)  # fmt: skip

    name = str(row["campaign_name"])
    over = _width(line(name)) - width
    return line(truncate(name, _width(name) - over)) if over > 0 else line(name)


def days_text(days: int, working: bool, *, past: bool) -> Msg:
    """'1 day left', '12 working days past it' (the board's words; the web's too)."""
    if days == 1:
        return _ONE_DAY[working, past]
    return Msg(_DAYS[working, past].template, days=days)


_ONE_DAY = {
    (False, False): Msg("1 day left"),
    (False, True): Msg("1 day past it"),
    (True, False): Msg("1 working day left"),
    (True, True): Msg("1 working day past it"),
}
_DAYS = {
    (False, False): Msg("{days} days left"),
    (False, True): Msg("{days} days past it"),
    (True, False): Msg("{days} working days left"),
    (True, True): Msg("{days} working days past it"),
}


def _write_table(cells: Iterable[Mapping[str, str]], header: list[str], out: IO[str],
                 width: int) -> None:  # fmt: skip
    lines = [header, *([row["label"], *(row[c] for c in _NUMBERS)] for row in cells)]
    widths = [max(_width(line[i]) for line in lines) for i in range(len(header))]
    # The label column takes what the figures leave, two spaces between columns.
    room = width - sum(widths[1:]) - 2 * (len(widths) - 1)
    widths[0] = max(min(widths[0], room), _width(header[0]))
    for line in lines:
        label = truncate(line[0], widths[0])
        parts = [label + " " * (widths[0] - _width(label))]
        for text, size, column in zip(line[1:], widths[1:], _NUMBERS, strict=True):
            pad = " " * (size - _width(text))
            # Figures align right, the ticks left (they grow from the left like a bar).
            parts.append(text + pad if column == "ticks" else pad + text)
        out.write("  ".join(parts).rstrip() + "\n")


def truncate(text: str, width: int) -> str:
    """`text` cut to `width` terminal columns, ending in … when cut."""
    if _width(text) <= width:
        return text
    kept, used = [], 0
    for char in text:
        size = max(_width(char), 0)
        if used + size > width - 1:
            break
        kept.append(char)
        used += size
    return "".join(kept) + "…"


def _width(text: str) -> int:
    size = wcswidth(text)
    return size if size >= 0 else len(text)
