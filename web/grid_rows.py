"""The rows of the battle map's grid (units x problems) as HTML, built here rather than in the
template: a campaign of 100,000 items can have thousands of cells, and Jinja spends tens of
microseconds on each (attribute look-ups, one escape per value), where this escapes each name
and ref once. The markup is what battle.html would write; names and refs are escaped.
"""

from __future__ import annotations

from markupsafe import Markup, escape

from workflow.report.grid import Grid

TICK = '<span class="tick">✓</span> '  # 销号一项打勾一项


def grid_rows(grid: Grid) -> Markup:
    """One <tr> per unit: its name coloured by its worst warning, a cell per problem
    (closed/total, ✓ when all are closed, coloured by the worst open warning), its total."""
    columns = [(column.ref, escape(column.ref)) for column in grid.columns]
    parts = []
    for row in grid.rows:
        name = escape(row.name)
        parts.append(
            f'<tr data-unit="{escape(row.code)}"><th scope="row" class="unit lvl-{row.status}">'
            f"{name}</th>"
        )
        cells = row.cells
        for ref, shown in columns:
            cell = cells.get(ref)
            if cell is None:
                parts.append('<td class="cell empty"></td>')
                continue
            tick = TICK if cell.all_closed else ""
            parts.append(
                f'<td class="cell lvl-{cell.status}" data-problem="{shown}" '
                f'title="{name} · {shown}">{tick}{cell.closed}/{cell.total}</td>'
            )
        parts.append(f'<td class="num">{row.closed}/{row.total}</td></tr>\n')
    return Markup("".join(parts))
