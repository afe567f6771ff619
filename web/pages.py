"""The pages: the battle map, the overdue list, the accountability figures, one item with its
history, its evidence and the forms its reader may use (web.actions receives them). Each reads
through the services the CLI uses, so a page shows the numbers of `rectify board`, `overdue`,
`stats` and `show`/`history`.

Office staff and leaders read everything. A unit's people read their unit's items: another
unit's item is answered 404, as if it did not exist, and the attempt is logged (not audited:
nothing changed). Pages not meant for them (the figures of every unit) are 404 as well.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Mapping
from typing import NoReturn

from flask import Blueprint, abort, render_template, request

from web import battle
from web.charts import closed_bars
from web.context import person, person_app, sees_everything, upload_limits, word
from web.grid_rows import grid_rows
from workflow.errors import InvalidInput
from workflow.escalation import local_today
from workflow.refs import normalise
from workflow.services import item_options, queries, unit_view
from workflow.services import overdue as overdue_service
from workflow.services import stats as stats_service

bp = Blueprint("pages", __name__)
log = logging.getLogger("rectify.web")

# The overdue page lists the most overdue first and counts the rest (`rectify overdue` and
# the XLSX export have them all).
OVERDUE_SHOWN = 500
# What the item page lists of `rectify show`'s fields, in this order, where they have a value.
ITEM_FIELDS = (
    "kind", "unit", "person", "role", "deadline", "original_deadline", "extension_count",
    "last_progress_at", "ledger_note", "task", "problem", "campaign", "source", "category",
    "leader_in_charge",
)  # fmt: skip


@bp.get("/")
def home() -> str:
    """The battle map of the open campaigns; for a unit's people, their unit's open items."""
    return _battle_map() if sees_everything() else _unit_home()


def _battle_map() -> str:
    app = person_app()
    with app.db.read() as conn:
        campaigns = battle.open_campaigns(
            conn, now=app.now(), zone=app.settings.zone, policies=app.policies
        )
    charts = {c.code: closed_bars(c.rows, word("Share closed per unit")) for c in campaigns}
    rows = {c.code: grid_rows(c.grid) for c in campaigns}
    return render_template("battle.html", campaigns=campaigns, charts=charts, grid_rows=rows)


def _unit_home() -> str:
    app, unit_id = person_app(), int(person().unit_id or 0)
    with app.db.read() as conn:
        unit = unit_view.unit_names(conn, unit_id)
        rows = unit_view.open_items(
            conn, unit_id=unit_id, now=app.now(), zone=app.settings.zone, policies=app.policies
        )
    for row in rows:
        row["days_text"] = battle.days_left_text(row["days_left"], row["day_count"] == "working")
    return render_template("unit_home.html", unit=unit, rows=rows)


@bp.get("/overdue")
def overdue() -> str:
    app = person_app()
    with app.db.read() as conn:
        unit = None if sees_everything() else unit_view.unit_names(conn, person().unit_id)
        rows = overdue_service.overdue_rows(
            conn, now=app.now(), zone=app.settings.zone, policies=app.policies,
            unit=unit["code"] if unit else None,
        )  # fmt: skip
        shown = list(itertools.islice(rows, OVERDUE_SHOWN))
        more = sum(1 for _ in rows)
    return render_template("overdue.html", rows=shown, more=more, unit=unit)


@bp.get("/stats")
def stats() -> str:
    if not sees_everything():
        abort(404)
    app = person_app()
    by = request.args.get("by", "unit")
    campaign = request.args.get("campaign") or None
    with app.db.read() as conn:
        rows = stats_service.stats_rows(
            conn, now=app.now(), zone=app.settings.zone, policies=app.policies,
            campaign=campaign, by=by,
        )  # fmt: skip
    lang = app.settings.lang
    shown = [stats_service.table_row(row, lang) for row in rows]
    keys = stats_service.TABLE_KEYS[by]
    return render_template(
        "stats.html", rows=shown, keys=keys, figures=stats_service.FIGURES, by=by,
        campaign=campaign, choices=stats_service.BY,
    )  # fmt: skip


@bp.get("/items/<ref>")
def item(ref: str) -> tuple[str, int]:
    return item_page(ref)


def item_page(
    ref: str, *, refusal: str | None = None, values: Mapping[str, str] | None = None,
    status: int = 200,
) -> tuple[str, int]:  # fmt: skip
    """One item, problem or task; a refused form comes back to it with the refusal on top
    and what was typed still in its fields."""
    app = person_app()
    with app.db.read() as conn:
        if not sees_everything() and unit_view.item_unit(conn, ref) != person().unit_id:
            not_theirs(ref)
        try:
            kind, _ = normalise(ref)
            record = queries.show(conn, ref)
            history = queries.history(conn, ref)
        except InvalidInput:  # not a ref at all: no such page
            abort(404)
        options = None
        if kind == "responsibility":
            today = local_today(app.now(), app.settings.zone)
            options = item_options.options(conn, app.machine_specs, person(), record["ref"], today)
    page = render_template(
        "item.html", item=record, history=history, fields=ITEM_FIELDS, options=options,
        refusal=refusal, values=values or {}, limits=upload_limits(),
    )  # fmt: skip
    return page, status


def not_theirs(ref: str) -> NoReturn:
    """Answer 404 for another unit's item, and log who asked for what."""
    who = person()
    log.warning(
        "web: %s (unit id %s) asked for %r, not an item of their unit: 404",
        who.name,
        who.unit_id,
        ref,
    )
    abort(404)
