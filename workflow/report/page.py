"""The report page: one Jinja2 template, autoescaped, with every word in the reader's language.

Headings and labels are Terms in the context "report" (`report: Battle map` -> 挂图作战), so
they cannot clash with another area's catalogue entries; sentences with numbers are Msgs.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, Template

from workflow.terms import Term

TEMPLATE = "report.html.j2"

# Headings and labels of the page: key -> English word (the catalogue has "report: <word>").
WORDS = {
    "report": "Rectification report",
    "campaign": "Campaign",
    "bottom_line": "Bottom line",
    "as_of": "As of",
    "today": "Today",
    "summary": "At a glance",
    "total": "Responsibility items",
    "closed": "Closed",
    "fixed": "Awaiting acceptance",
    "open": "Not yet closed",
    "overdue": "Overdue",
    "battle_map": "Battle map",
    "unit": "Unit",
    "all": "All",
    "legend_closed": "all closed",
    "burn_down": "Burn-down",
    "chart_title": "Items not yet closed, per day",
    "ideal": "Ideal line to the bottom line",
    "open_line": "Items not yet closed",
    "no_items": "The campaign has no responsibility items yet.",
    "overdue_list": "Overdue items",
    "no_overdue": "No item is overdue.",
    "units": "Units",
    "stats": "Accountability figures",
    "ref": "Ref",
    "task": "Task",
    "person": "Person",
    "deadline": "Deadline",
    "days_overdue": "Days overdue",
    "level": "Warning",
    "percent_closed": "% closed",
    "open_blue": "Blue",
    "open_yellow": "Yellow",
    "open_red": "Red",
}
# The accountability table's columns (workflow.services.stats FIGURES), one word each.
STATS_WORDS = {
    "assigned": "Assigned",
    "on_time": "Closed on time",
    "late": "Closed late",
    "open": "Open",
    "overdue": "Open and overdue",
    "days_overdue": "Total days overdue",
    "rejected": "Sent back",
    "reopened": "Reopened",
    "extensions_asked": "Extensions asked",
    "extensions_granted": "Extensions granted",
    "on_time_rate": "On-time rate",
}


def words(lang: str) -> dict[str, str]:
    return {key: Term("report", word).to(lang) for key, word in WORDS.items()}


def stats_words(lang: str) -> dict[str, str]:
    return {key: Term("report", word).to(lang) for key, word in STATS_WORDS.items()}


@cache
def _template() -> Template:
    # Autoescape everything: titles and names are typed by people and may hold markup.
    env = Environment(
        loader=PackageLoader("workflow.report", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    return env.get_template(TEMPLATE)


def render_page(**context: Any) -> str:
    return _template().render(**context)
