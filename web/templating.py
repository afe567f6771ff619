"""What every template may use.

w("Battle map")               a word or label: catalogue entry "web: Battle map"
say("{n} items", n=3)         a sentence with numbers or names (its own catalogue entry)
value | cell                  a value as tables show it (dates, states, levels in words)
deadline_text(row)            a deadline: 长期坚持 for a standing item, 立行立改 marked
level_name(level)             红色预警 / red
field_name(key)               a column or field name (output.HEADERS): 责任单位 / unit
figure_name(key)              an accountability figure (workflow.report.page.STATS_WORDS)
action_name(trigger)          what an audit event did: 报结 / fix
short_title(title)            a problem's title cut to fit a column header
reader                        the person reading (None on public pages)
sees_everything               office staff or leader
csrf_token()                  the session's CSRF token, for a form's hidden field
                              (CSRF_FIELD is its name; web.security checks it)
"""

from __future__ import annotations

from typing import Any

from flask import Flask, g
from markupsafe import Markup

from web.context import base_app, language, say, sees_everything, word
from workflow.i18n import Msg
from workflow.output import HEADERS, LABELS, cell_text, deadline_text
from workflow.report.grid import short_title
from workflow.report.page import stats_words
from workflow.terms import Term


def install(app: Flask) -> None:
    app.context_processor(_context)
    app.jinja_env.filters["cell"] = _cell
    app.jinja_env.globals.update(
        w=word, say=say, deadline_text=_deadline, level_name=_level, field_name=_field,
        figure_name=_figure, action_name=_action, short_title=short_title,
    )  # fmt: skip


def _context() -> dict[str, Any]:
    lang = language()
    reader = g.get("person")
    return {
        "lang": lang,
        "html_lang": "zh-CN" if lang == "zh" else "en",
        "reader": reader,
        "sees_everything": reader is not None and sees_everything(),
    }


def _cell(value: Any) -> str | Markup:
    if isinstance(value, Msg):
        return value.to(language())
    return cell_text(value, language(), base_app().settings.zone)


def _deadline(row: dict[str, Any]) -> str:
    return deadline_text(row.get("deadline"), row.get("deadline_kind"), language(),
                         base_app().settings.zone)  # fmt: skip


def _level(level: str | None) -> str:
    return LABELS[language()].get(level or "none", level or "")


def _field(key: str) -> str:
    found = HEADERS[language()].get(key)
    return found if found else key.replace("_", " ").capitalize()


def _figure(key: str) -> str:
    return stats_words(language()).get(key, key)


# Audit triggers that are no machine's action (the machines' are Terms "action: <trigger>").
TRIGGER_WORDS = {
    "create": "created",
    "import": "imported",
    "ledger_update": "ledger update",
    "extend": "extension asked",
    "progress": "progress reported",
}


def _action(trigger: str) -> str:
    """What an audit event did, in words: the engine's own triggers, then the machines'."""
    lang = language()
    if trigger in TRIGGER_WORDS:
        return word(TRIGGER_WORDS[trigger])
    return LABELS[lang].get(trigger) or Term("action", trigger).to(lang)
