"""Charts drawn on the server as SVG, with the numbers written on the bars, so they read on a
phone, on paper and without any script. Colours come from the stylesheet (classes), never
from style attributes, which the pages' Content-Security-Policy forbids.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from markupsafe import Markup, escape

from workflow.services.board import truncate

LABEL_W, BAR_W, PCT_W = 104, 190, 52
ROW_H, BAR_H = 26, 18
WIDTH = LABEL_W + BAR_W + PCT_W
LABEL_COLUMNS = 14  # terminal columns (a Chinese character takes two) a unit's name may take


def closed_bars(rows: Sequence[dict[str, Any]], title: str) -> Markup:
    """One bar per board row (unit): the share of its items closed, green, over a track
    coloured by its worst open warning; closed/total on the bar and the percentage beside it."""
    height = ROW_H * len(rows) + 4
    parts = [
        f'<svg class="bars" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>'
    ]
    for index, row in enumerate(rows):
        y = index * ROW_H + 4
        total, closed = int(row["total"]), int(row["closed"])
        done = round(BAR_W * closed / total, 1) if total else 0
        track = "red" if row["open_red"] else "yellow" if row["open_yellow"] else "plain"
        label = truncate(str(row["name"] if row["name"] is not None else row["key"]),
                         LABEL_COLUMNS)  # fmt: skip
        parts.append(
            f'<g class="bar" data-key="{escape(row["key"])}">'
            f'<text class="label" x="{LABEL_W - 6}" y="{y + 13}" text-anchor="end">'
            f"{escape(label)}</text>"
            f'<rect class="track {track}" x="{LABEL_W}" y="{y}" width="{BAR_W}" '
            f'height="{BAR_H}" rx="3"/>'
            f'<rect class="done" x="{LABEL_W}" y="{y}" width="{done}" height="{BAR_H}" rx="3"/>'
            f'<text class="count" x="{LABEL_W + 5}" y="{y + 13}">{closed}/{total}</text>'
            f'<text class="pct" x="{WIDTH - 2}" y="{y + 13}" text-anchor="end">'
            f"{escape(_percent(closed, total))}</text></g>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def _percent(closed: int, total: int) -> str:
    return f"{round(100 * closed / total, 1):g}%" if total else "—"
