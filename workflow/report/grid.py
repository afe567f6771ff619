"""The battle map (挂图作战) as a grid: one row per unit, one column per problem.

Each cell holds that unit's items of that problem: closed/total, green with a tick when every
one is closed (销号一项打勾一项), otherwise coloured by the worst warning among its open
(issued/assigned) items. A fixed item waits for its acceptance check: it is neither closed nor
open at a level, so a cell of closed and fixed items only is uncoloured ('none').

The cells come from one GROUP BY (unit, problem) query over the two integer ids, and the
names of the units and problems found are read afterwards (grouping the items by their text
columns as well took four times as long on 100,000 items: bench/web_battle_map.py); the grid is
as large as units x problems of one campaign (tens by tens), never as large as its items.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Connection, case, func, select

from workflow.db.schema import items, problems, tasks, units
from workflow.services.queries import LEVELS, OPEN_STATES

# The worst open level of a group: the rank of LEVELS, -1 when nothing is open.
_OPEN_RANK = case(
    *(
        (items.c.state.in_(OPEN_STATES) & (items.c.level == level), rank)
        for rank, level in enumerate(LEVELS)
    ),
    (items.c.state.in_(OPEN_STATES), 0),
    else_=-1,
)


@dataclass(frozen=True)
class Cell:
    total: int
    closed: int
    fixed: int
    worst: int  # rank in LEVELS of the worst open item's level, -1 when none is open

    @property
    def all_closed(self) -> bool:
        return self.closed == self.total

    @property
    def status(self) -> str:
        """closed, or the worst open level (red, yellow, blue, none)."""
        if self.all_closed:
            return "closed"
        return LEVELS[max(self.worst, 0)]


@dataclass(frozen=True)
class Column:
    ref: str
    title: str


@dataclass
class Row:
    code: str
    name: str
    cells: dict[str, Cell] = field(default_factory=dict)  # problem ref -> cell

    @property
    def status(self) -> str:
        """The unit's colour: closed when all its items are, else its worst open level."""
        if all(c.all_closed for c in self.cells.values()):
            return "closed"
        return LEVELS[max([c.worst for c in self.cells.values()] + [0])]

    @property
    def total(self) -> int:
        return sum(c.total for c in self.cells.values())

    @property
    def closed(self) -> int:
        return sum(c.closed for c in self.cells.values())


@dataclass(frozen=True)
class Grid:
    columns: list[Column]
    rows: list[Row]


def battle_grid(conn: Connection, campaign_id: int) -> Grid:
    """The grid of a campaign: units in the order they were registered, problems by ref."""
    query = (
        select(
            items.c.unit_id,
            tasks.c.problem_id,
            func.count().label("total"),
            func.sum(case((items.c.state == "closed", 1), else_=0)).label("closed"),
            func.sum(case((items.c.state == "fixed", 1), else_=0)).label("fixed"),
            func.max(_OPEN_RANK).label("worst"),
        )
        .select_from(items)
        .join(tasks, tasks.c.id == items.c.task_id)
        .join(problems, problems.c.id == tasks.c.problem_id)
        .where(problems.c.campaign_id == campaign_id)
        .group_by(items.c.unit_id, tasks.c.problem_id)
    )
    cells = conn.execute(query).all()
    columns = {
        problem_id: Column(ref, title)
        for problem_id, ref, title in conn.execute(
            select(problems.c.id, problems.c.ref, problems.c.title).where(
                problems.c.campaign_id == campaign_id
            )
        )
    }
    unit_ids = sorted({unit_id for unit_id, *_ in cells})
    rows = {
        unit_id: Row(code, name)
        for unit_id, code, name in conn.execute(
            select(units.c.id, units.c.code, units.c.name).where(units.c.id.in_(unit_ids))
        )
    }
    used: set[int] = set()
    for unit_id, problem_id, total, closed, fixed, worst in cells:
        used.add(problem_id)
        rows[unit_id].cells[columns[problem_id].ref] = Cell(
            int(total), int(closed), int(fixed), int(worst)
        )
    return Grid(
        [columns[k] for k in sorted(used)],
        [rows[k] for k in unit_ids],
    )


def short_title(title: str, limit: int = 12) -> str:
    """A problem's title cut to fit a column header (the full title goes in its tooltip)."""
    return title if len(title) <= limit else title[: limit - 1] + "…"
