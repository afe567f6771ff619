"""`rectify report`: one self-contained HTML page of a campaign for a meeting or a phone.

The page carries the battle map (a grid of units x problems coloured by warning level, green
with a tick when closed), a burn-down of items not yet closed against the line to the bottom
line, the overdue list, the board per unit and the accountability figures, and whether the
audit trail's hash chain verified. Nothing is fetched: the styles are inline, the charts are
SVG drawn here, the fonts are the reader's own (ending in WenQuanYi Micro Hei, sans-serif), and
there is no script. It reads on a 375 px phone (wide tables scroll in their own box) and
prints on A4.

Every figure is read in one transaction, so the parts of the page agree with each other.
"""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, case, func, select

from workflow import audit
from workflow.app import App
from workflow.db.schema import items, problems, tasks
from workflow.errors import InvalidInput
from workflow.i18n import Msg
from workflow.output import LABELS, cell_text, deadline_text
from workflow.report.burndown import burn_down
from workflow.report.grid import battle_grid, short_title
from workflow.report.page import render_page, stats_words, words
from workflow.report.svg import burn_down_svg
from workflow.services import board as board_service
from workflow.services import overdue as overdue_service
from workflow.services import stats as stats_service
from workflow.services.directory import find_campaign
from workflow.terms import Day

SUFFIXES = (".html", ".htm")
# The overdue list shows the most overdue first; a meeting reads the first ones, the rest are
# counted (the whole list is `rectify overdue`).
OVERDUE_SHOWN = 100


@dataclass(frozen=True)
class ReportSummary:
    campaign: str
    file: str
    items: int
    closed: int
    overdue: int
    audit: audit.ChainCheck


def write_report(
    app: App, path: Path, campaign: str, *, force: bool = False, verify: bool = True
) -> ReportSummary:
    """Write the campaign's report to `path` (.html), replacing it only with `force`."""
    if path.suffix.lower() not in SUFFIXES:
        raise InvalidInput("{file}: a report is an HTML page; name the file .html", file=str(path))
    db = app.ready_db()
    lang, zone, now = app.settings.lang, app.settings.zone, app.now()
    with db.read() as conn:
        target = find_campaign(conn, campaign)
        if path.exists() and not force:
            raise InvalidInput("{file} already exists; add --force to replace it", file=str(path))
        context = _context(app, conn, target, verify=verify)
    said = words(lang)
    chart = context.pop("chart")
    page = render_page(
        lang=lang,
        html_lang="zh-CN" if lang == "zh" else "en",
        w=said,
        campaign=target,
        heading=Msg("Rectification report: {name}", name=target.name).to(lang),
        bottom_line_text=Msg(
            "bottom line {day} ({left})", day=Day(target.deadline), left=context.pop("days_left")
        ).to(lang),
        audit_text=audit_line(context["audit"]).to(lang),
        generated=now.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
        chart=burn_down_svg(chart, lang, {**said, "open": said["open_line"]}) if chart else None,
        short_title=short_title,
        **context,
    )
    _write(path, page)
    totals = context["totals"]
    return ReportSummary(
        target.code, str(path), totals["total"], totals["closed"], totals["overdue"],
        context["audit"],
    )  # fmt: skip


def _context(app: App, conn: Connection, target: Any, *, verify: bool) -> dict[str, Any]:
    lang, zone, now = app.settings.lang, app.settings.zone, app.now()
    rows = overdue_service.overdue_rows(
        conn, now=now, zone=zone, policies=app.policies, campaign=target.code
    )
    shown = [_overdue_row(row, lang, app) for row in itertools.islice(rows, OVERDUE_SHOWN)]
    more = sum(1 for _ in rows)  # counted, not kept: the list may be long
    board = board_service.board_rows(
        conn, now=now, zone=zone, policies=app.policies, campaign=target.code, by="unit"
    )
    totals = _totals(conn, target.id)
    totals["overdue"] = len(shown) + more
    return {
        "totals": totals,
        "grid": battle_grid(conn, target.id),
        "chart": burn_down(
            conn, campaign_id=target.id, bottom_line=target.deadline, now=now, zone=zone
        ),
        "overdue": shown,
        "overdue_more": _more(more).to(lang) if more else None,
        "board": [_board_row(row) for row in board],
        "days_left": _days_left(board, target.deadline, now.astimezone(zone).date()),
        "stats": _stats(app, conn, target.code),
        "audit": audit.verify(conn) if verify else audit.NOT_CHECKED,
        "level_names": {lv: LABELS[lang].get(lv, lv) for lv in ("blue", "yellow", "red")},
    }


def _more(count: int) -> Msg:
    return Msg("…and {count} more overdue items (rectify overdue lists them all)", count=count)


def audit_line(check: audit.ChainCheck) -> Msg:
    """Whether the audit trail's hash chain verified, for the page and the command's output."""
    if not check.checked:
        # Checking a province's trail takes a while; `--no-verify` skipped it.
        return Msg(
            "The audit trail was not checked this time (--no-verify); `rectify audit verify` "
            "checks it."
        )
    if check.ok:
        return Msg(
            "The audit trail verified ({rows} records): the figures rest on an unbroken record.",
            rows=check.rows,
        )
    return Msg(
        "The audit trail does NOT verify: record {id} breaks the hash chain after {rows} good "
        "records; the figures may not match what happened.",
        id=check.broken_id,
        rows=check.rows,
    )


def _stats(app: App, conn: Connection, campaign: str) -> dict[str, Any]:
    """The accountability figures per unit, as `rectify stats --campaign CODE` gives them."""
    lang = app.settings.lang
    rows = stats_service.stats_rows(
        conn, now=app.now(), zone=app.settings.zone, policies=app.policies, campaign=campaign,
        by="unit",
    )  # fmt: skip
    labels = stats_words(lang)
    columns = [{"key": "unit", "label": words(lang)["unit"], "number": False}] + [
        {"key": key, "label": labels[key], "number": True} for key in stats_service.FIGURES
    ]
    return {"columns": columns, "rows": [stats_service.table_row(r, lang) for r in rows]}


def _totals(conn: Connection, campaign_id: int) -> dict[str, int]:
    row = conn.execute(
        select(
            func.count(items.c.id).label("total"),
            func.sum(case((items.c.state == "closed", 1), else_=0)).label("closed"),
            func.sum(case((items.c.state == "fixed", 1), else_=0)).label("fixed"),
        )
        .select_from(items)
        .join(tasks, tasks.c.id == items.c.task_id)
        .join(problems, problems.c.id == tasks.c.problem_id)
        .where(problems.c.campaign_id == campaign_id)
    ).one()
    total, closed, fixed = int(row.total), int(row.closed or 0), int(row.fixed or 0)
    return {"total": total, "closed": closed, "fixed": fixed, "open": total - closed - fixed}


def _overdue_row(row: dict[str, Any], lang: str, app: App) -> dict[str, Any]:
    zone = app.settings.zone
    return {
        "ref": row["ref"],
        "title": row["title"],
        "unit": row["unit"],
        "person": row["person"],
        "deadline": deadline_text(row["deadline"], row["deadline_kind"], lang, zone),
        "days_overdue": row["days_overdue"],
        "level": row["level"],
        "level_text": cell_text(row["level"], lang, zone),
    }


def _board_row(row: dict[str, Any]) -> dict[str, Any]:
    return {
        **row,
        "ticks": board_service.ticks(row["closed"], row["total"]),
        "status": "red" if row["open_red"] else "closed" if row["closed"] == row["total"] else "",
    }


def _days_left(board: list[dict[str, Any]], bottom_line: date, today: date) -> Msg:
    """Days to the bottom line as the campaign's policy counts them (the board's figure)."""
    left = board[0]["days_to_bottom_line"] if board else (bottom_line - today).days
    working = bool(board) and board[0]["day_count"] == "working"
    if left == 0:
        return Msg("the bottom line is today, 0 days left")
    days = abs(left)
    if working and left > 0:
        return Msg("{days} working days to the bottom line", days=days)
    if working:
        return Msg("{days} working days past the bottom line", days=days)
    if left > 0:
        return Msg("{days} days to the bottom line", days=days)
    return Msg("{days} days past the bottom line", days=days)


def _write(path: Path, page: str) -> None:
    """Write through a file beside it, so a reader never opens half a page."""
    partial = path.with_name(f".{path.name}.partial")
    try:
        partial.write_text(page, encoding="utf-8")
        os.replace(partial, path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise InvalidInput(
            "{file}: cannot be written ({reason})", file=str(path), reason=exc.strerror or exc
        ) from None
