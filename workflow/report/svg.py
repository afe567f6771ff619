"""The burn-down chart as inline SVG, drawn here so the page needs no script and no fetch.

The chart scales to its box (viewBox, width 100%); numbers are written on the points so it
reads on paper as on a phone. Every piece of text goes through markupsafe's escape.
"""

from __future__ import annotations

import math
from datetime import date

from markupsafe import Markup, escape

from workflow.report.burndown import BurnDown

WIDTH, HEIGHT = 420, 240
LEFT, RIGHT, TOP, BOTTOM = 34, 12, 22, 34
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# How many points carry their number, and how many dates the x axis names, at most.
LABELLED_POINTS = 7
AXIS_DATES = 5


def axis_date(day: date, lang: str) -> str:
    """9月30日 / Sep 30: the year is in the page's heading."""
    return f"{day.month}月{day.day}日" if lang == "zh" else f"{MONTHS[day.month - 1]} {day.day}"


def _nice_step(top: int, ticks: int = 4) -> int:
    raw = max(top / ticks, 1)
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if factor * power >= raw:
            return int(factor * power)
    return int(10 * power)  # pragma: no cover - the loop always returns


def _spread(count: int, wanted: int) -> list[int]:
    """Up to `wanted` indices out of range(count), evenly spread, first and last included."""
    if count <= wanted:
        return list(range(count))
    return sorted({round(i * (count - 1) / (wanted - 1)) for i in range(wanted)})


def burn_down_svg(chart: BurnDown, lang: str, words: dict[str, str]) -> Markup:
    """`words`: today, bottom_line, ideal, open, chart_title (already in `lang`)."""
    days = max((chart.last - chart.first).days, 1)
    peak = max([n for _, n in chart.open_by_day] + [chart.start_count, 1])
    step = _nice_step(peak)
    top = step * math.ceil(peak / step)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(day: date) -> float:
        return round(LEFT + plot_w * (day - chart.first).days / days, 1)

    def y(value: float) -> float:
        return round(TOP + plot_h * (1 - value / top), 1)

    parts: list[str] = [
        f'<svg class="burndown" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(words["chart_title"])}">',
        f"<title>{escape(words['chart_title'])}</title>",
    ]
    for value in range(0, top + 1, step):  # the y axis: counts of items
        parts.append(
            f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(value)}" '
            f'y2="{y(value)}"/><text class="axis" x="{LEFT - 4}" y="{y(value) + 4}" '
            f'text-anchor="end">{value}</text>'
        )
    every = [chart.first.toordinal() + i for i in _spread(days + 1, AXIS_DATES)]
    for ordinal in every:  # the x axis: dates, the two ends kept inside the box
        day = date.fromordinal(ordinal)
        anchor = "start" if day == chart.first else "end" if day == chart.last else "middle"
        parts.append(
            f'<text class="axis" x="{x(day)}" y="{HEIGHT - BOTTOM + 16}" '
            f'text-anchor="{anchor}">{escape(axis_date(day, lang))}</text>'
        )
    parts.append(
        f'<line class="axis-line" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(0)}" y2="{y(0)}"/>'
    )
    for day, css, label, height in (
        (chart.bottom_line, "bottom-line", words["bottom_line"], TOP - 8),
        (chart.today, "today", words["today"], TOP + 6),
    ):
        if chart.first <= day <= chart.last:
            # The label on the side with room, at its own height: the two never overlap.
            right = x(day) < LEFT + plot_w / 2
            anchor, shift = ("start", 3) if right else ("end", -3)
            parts.append(
                f'<line class="{css}" x1="{x(day)}" x2="{x(day)}" y1="{TOP - 6}" '
                f'y2="{y(0)}"/><text class="marker {css}" x="{x(day) + shift}" y="{height}" '
                f'text-anchor="{anchor}">{escape(label)} {escape(axis_date(day, lang))}</text>'
            )
    end = max(chart.bottom_line, chart.first)
    parts.append(
        f'<polyline class="ideal" points="{x(chart.first)},{y(chart.start_count)} '
        f'{x(end)},{y(chart.ideal(end))}"/>'
    )
    points = " ".join(f"{x(d)},{y(n)}" for d, n in chart.open_by_day)
    parts.append(f'<polyline class="actual" points="{points}"/>')
    for i in _spread(len(chart.open_by_day), LABELLED_POINTS):
        day, count = chart.open_by_day[i]
        parts.append(
            f'<circle class="point" cx="{x(day)}" cy="{y(count)}" r="2.5"/>'
            f'<text class="value" x="{x(day)}" y="{y(count) - 6}" '
            f'text-anchor="middle">{count}</text>'
        )
    legend_y = HEIGHT - 6
    parts.append(
        f'<line class="actual" x1="{LEFT}" x2="{LEFT + 18}" y1="{legend_y - 4}" '
        f'y2="{legend_y - 4}"/><text class="legend" x="{LEFT + 22}" y="{legend_y}">'
        f"{escape(words['open'])}</text>"
        f'<line class="ideal" x1="{LEFT + 150}" x2="{LEFT + 168}" y1="{legend_y - 4}" '
        f'y2="{legend_y - 4}"/><text class="legend" x="{LEFT + 172}" y="{legend_y}">'
        f"{escape(words['ideal'])}</text>"
    )
    parts.append("</svg>")
    return Markup("".join(parts))
