"""Names of people, units and actors as typed by people: compared after Unicode NFKC
normalisation with surrounding space trimmed, and refused when they hide characters.

A zero-width space or a control character makes two names that look the same compare
different ("p2\u200b" is not "p2"), which would let someone act under a look-alike name and
leave an audit trail that shows the other person. Such names are refused, never cleaned.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from workflow.errors import InvalidInput
from workflow.i18n import Msg

# Cc control, Cf format (zero-width, bidi overrides, BOM), Co private use, Cs surrogates,
# Cn unassigned, Zl/Zp line and paragraph separators.
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp"})


def hidden_characters(text: str) -> list[str]:
    """The characters of `text` that do not show, as U+XXXX, in order of appearance."""
    return [
        f"U+{ord(ch):04X}"
        for ch in dict.fromkeys(text)
        if unicodedata.category(ch) in _HIDDEN_CATEGORIES
    ]


def clean_name(text: str | None, what: Msg) -> str:
    """`text` NFKC-normalised and trimmed; InvalidInput if empty or hiding characters.

    `what` says which name it is in the error, e.g. Msg("person name") (translated too).
    """
    name = unicodedata.normalize("NFKC", text or "").strip()
    if not name:
        raise InvalidInput("{what} is empty", what=what)
    hidden = hidden_characters(name)
    if hidden:
        raise InvalidInput(
            "{what} {name!r} contains invisible or control characters ({chars}); type it again",
            what=what,
            name=name,
            chars=", ".join(hidden),
        )
    return name


def natural_key(text: str | None) -> tuple[Any, ...]:
    """Sort key that reads runs of digits as numbers (P2 before P10, u2 before u10); None last."""
    if text is None:
        return (1,)
    return (0, *((0, int(part), "") if part.isdigit() else (1, 0, part)
                 for part in re.split(r"(\d+)", text) if part))  # fmt: skip
