"""Messages for people, in Chinese (the default) and English, from one catalogue.

A message is written in the code in English with named placeholders, `Msg("no unit {text!r}",
text=text)`, and that English template is its key: the Chinese template with the same
placeholders lives in `workflow/catalogue/` (one module per area). A message is rendered only
when shown, in the language the user asked for; a template with no Chinese entry falls back
to English (a test keeps the catalogue complete).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

LANGS = ("zh", "en")


class Msg:
    """A message not yet rendered: its English template and its parameters.

    Parameters may themselves be messages (a list of row errors inside an import failure):
    they are rendered in the same language.
    """

    __slots__ = ("params", "template")

    def __init__(self, template: str, /, **params: Any) -> None:
        self.template = template
        self.params = params

    def to(self, lang: str) -> str:
        return render(self.template, lang, self.params)

    def __str__(self) -> str:
        return self.to("en")

    def __repr__(self) -> str:
        return f"Msg({self.template!r}, **{self.params!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Msg):
            return (self.template, self.params) == (other.template, other.params)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.template)


def render(template: str, lang: str, params: Mapping[str, Any]) -> str:
    """`template` in `lang`, with `params` filled in (messages among them rendered too)."""
    if lang != "en":
        template = catalogue(lang).get(template, template)
    if not params:
        return template
    values = {key: _value(value, lang) for key, value in params.items()}
    return template.format(**values)


def text(message: str | Msg, lang: str) -> str:
    """A message or a plain string, as shown in `lang`."""
    return message.to(lang) if isinstance(message, Msg) else message


def _value(value: Any, lang: str) -> Any:
    if isinstance(value, Msg):
        return value.to(lang)
    if isinstance(value, list):  # a list of errors: one line, in order
        return ("；" if lang == "zh" else "; ").join(text(v, lang) for v in value)
    return value


_CATALOGUES: dict[str, dict[str, str]] = {}


def catalogue(lang: str) -> dict[str, str]:
    """English template -> template in `lang`, gathered from workflow/catalogue/ once."""
    if lang not in _CATALOGUES:
        from workflow.catalogue import load

        _CATALOGUES[lang] = load(lang)
    return _CATALOGUES[lang]
