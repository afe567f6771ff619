"""Per request: who is reading, in which language, and the application acting as them.

The web serves one `App` (built as the CLI builds it) to every request; each request gets a
`PersonApp`, the same application (database pool, definitions) acting as the person whose
login link the session holds, so that every service call audits and checks that person, not
the operating-system user who started the server.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from flask import current_app, g, request

from web.uploads import UploadLimits
from workflow.app import App
from workflow.i18n import LANGS, Msg
from workflow.identity import Actor
from workflow.terms import Term

# Cached parts of an App that a PersonApp shares with the server's (see App.acting).
_SHARED = ("db", "machine_specs", "machines", "policies", "renderer")


class PersonApp(App):
    """The server's application acting as `person`, in `lang`."""

    def __init__(self, base: App, person: Actor, lang: str) -> None:
        super().__init__(replace(base.settings, actor=person.name, lang=lang))
        for name in _SHARED:
            if name in base.__dict__:
                self.__dict__[name] = base.__dict__[name]
        self._person = person

    def actor(self, *, bootstrap_ok: bool = False) -> Actor:
        # Found from the session's link on this request (web.auth), not from the settings.
        return self._person


def base_app() -> App:
    """The server's application (create_app's argument)."""
    found: App = current_app.extensions["rectify"].app
    return found


def person() -> Actor:
    """The person reading this page (web.auth has checked their link)."""
    found: Actor = g.person
    return found


def person_app() -> App:
    return PersonApp(base_app(), person(), language())


def upload_limits() -> UploadLimits:
    """How much evidence one fix may carry (settings `web: max_upload_*`)."""
    found: UploadLimits = current_app.extensions["rectify"].upload_limits
    return found


def sees_everything() -> bool:
    """Office staff and leaders read every unit's items; a unit's people their unit's only."""
    return person().role in ("office", "leader")


def language() -> str:
    """The browser's choice of zh or en (Accept-Language), else the settings' (zh)."""
    if "lang" not in g:
        default = base_app().settings.lang
        best = request.accept_languages.best_match(LANGS, default=default)
        g.lang = best if best in LANGS else default
    chosen: str = g.lang
    return chosen


def word(english: str) -> str:
    """A word or label of the pages: catalogue entry "web: <english>"."""
    return Term("web", english).to(language())


def say(template: str, /, **params: Any) -> str:
    """A sentence with numbers or names (a catalogue entry of its own)."""
    return Msg(template, **params).to(language())
