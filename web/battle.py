"""The battle map's figures (挂图作战) for office staff and leaders: per open campaign, the
board per unit (workflow.services.board.board_rows, the numbers of `rectify board`), the grid
of units x problems (workflow.report.grid, as the HTML report draws it), % closed and days to
the bottom line. A campaign is open while any of its items is not closed.

No Flask here: the page (web.pages) reads these in one transaction and renders them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from itertools import groupby
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from definitions.policies import Policy
from workflow.i18n import Msg
from workflow.report.grid import Grid, battle_grid
from workflow.services import board as board_service
from workflow.services.directory import find_campaign


@dataclass
class CampaignMap:
    code: str
    name: str
    bottom_line: Any  # date
    days_to_bottom_line: int
    day_count: str  # calendar | working
    rows: list[dict[str, Any]]  # board_rows, worst first, each with its ticks
    grid: Grid
    totals: dict[str, int] = field(default_factory=dict)

    @property
    def percent_closed(self) -> float:
        return round(100 * self.totals["closed"] / self.totals["total"], 1)

    @property
    def days_text(self) -> Msg:
        return days_to_bottom_line(self.days_to_bottom_line, self.day_count == "working")


def open_campaigns(
    conn: Connection, *, now: datetime, zone: ZoneInfo, policies: Mapping[str, Policy]
) -> list[CampaignMap]:
    rows = board_service.board_rows(conn, now=now, zone=zone, policies=policies, by="unit")
    found = []
    for code, group in groupby(rows, key=lambda row: row["campaign"]):
        block = list(group)
        totals = {
            key: sum(row[key] for row in block)
            for key in ("total", "closed", "fixed", "open", "open_red", "overdue")
        }
        if totals["closed"] == totals["total"]:
            continue  # every item closed: the campaign is done
        first = block[0]
        found.append(
            CampaignMap(
                code=code,
                name=first["campaign_name"],
                bottom_line=first["bottom_line"],
                days_to_bottom_line=first["days_to_bottom_line"],
                day_count=first["day_count"],
                rows=[_with_ticks(row) for row in block],
                grid=battle_grid(conn, find_campaign(conn, code).id),
                totals=totals,
            )
        )
    return found


def _with_ticks(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "ticks": board_service.ticks(row["closed"], row["total"])}


def days_to_bottom_line(left: int, working: bool) -> Msg:
    """'12 days left', '3 working days past it', 'the bottom line is today' (the words of
    `rectify board`'s headings)."""
    if left == 0:
        return Msg("the bottom line is today")
    return board_service.days_text(abs(left), working, past=left < 0)


def days_left_text(left: int | None, working: bool) -> Msg | None:
    """An item's days to its deadline: '3 days left', 'due today', '2 days overdue'."""
    if left is None:
        return None
    if left == 0:
        return Msg("due today")
    return Msg(_ITEM_DAYS[working, left < 0].template, days=abs(left))


_ITEM_DAYS = {
    (False, False): Msg("{days} days left"),
    (False, True): Msg("{days} days overdue"),
    (True, False): Msg("{days} working days left"),
    (True, True): Msg("{days} working days overdue"),
}
