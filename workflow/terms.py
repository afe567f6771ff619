"""Words and dates inside messages, rendered in the message's language.

A word from the machine definitions or the engine (an action, its past tense, a role, a kind,
a warning level) is shown as written in English, and in Chinese by the catalogue entry
"<context>: <word>". The context is part of the key because one English word can need several
Chinese ones: "fixed" is the state 已整改 but the action done 报结.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from workflow.i18n import Msg, catalogue, text

CONTEXTS = ("action", "past", "role", "kind", "level", "weekday")


class Term(Msg):
    """One word in a context, e.g. Term("action", "accept"): 'accept' / '验收销号'."""

    __slots__ = ("word",)

    def __init__(self, context: str, word: str) -> None:
        super().__init__(f"{context}: {word}")
        self.word = word

    def to(self, lang: str) -> str:
        if lang == "en":
            return self.word
        return catalogue(lang).get(self.template, self.word)


class Day(Msg):
    """A date as people read it: 2020-09-30 in English, 2020年9月30日 in Chinese."""

    __slots__ = ("day",)

    def __init__(self, day: date) -> None:
        super().__init__("{day}", day=day)
        self.day = day

    def to(self, lang: str) -> str:
        from workflow.output import format_date

        return format_date(self.day, lang)


class Either(Msg):
    """Alternatives: 'fixed or closed' / '已整改或已销号'."""

    __slots__ = ("entries",)

    def __init__(self, entries: Sequence[str | Msg]) -> None:
        super().__init__("{entries}")
        self.entries = tuple(entries)

    def to(self, lang: str) -> str:
        return ("或" if lang == "zh" else " or ").join(text(e, lang) for e in self.entries)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, type(self)) and self.entries == other.entries

    def __hash__(self) -> int:
        return hash(self.entries)


class Listing(Msg):
    """Names listed: 'leader, office' / '牵头领导、督查室'."""

    __slots__ = ("entries",)

    def __init__(self, entries: Sequence[str | Msg]) -> None:
        super().__init__("{entries}")
        self.entries = tuple(entries)

    def to(self, lang: str) -> str:
        return ("、" if lang == "zh" else ", ").join(text(e, lang) for e in self.entries)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, type(self)) and self.entries == other.entries

    def __hash__(self) -> int:
        return hash(self.entries)


def raised_text(raised: Mapping[str, int]) -> Msg:
    """Items raised per warning level: 'blue 1, yellow 0, red 2' / '蓝色预警 1 项、…'."""
    return Listing(
        [Msg("{level} {count}", level=Term("level", level), count=n) for level, n in raised.items()]
    )
