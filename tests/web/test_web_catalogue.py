"""Every word and sentence of the web pages has its Chinese (tests/unit/test_catalogue.py does
the same for cli.py and workflow/, which the web's templates and modules are not part of)."""

from __future__ import annotations

import ast
import re
import string
from collections.abc import Iterator
from pathlib import Path

from workflow.catalogue import load

WEB = Path(__file__).resolve().parents[2] / "web"
ZH = load("zh")
# In templates: w("...") for words, say("...", ...) for sentences.
_TEMPLATE_CALL = re.compile(r"""\b(w|say)\(\s*(["'])(.+?)\2""")
# In web/*.py: word("...") / Term("web", "...") for words, Msg("...") / say("...") sentences.
_WORD_CALLS = {"word"}
_SENTENCE_CALLS = {"Msg", "say"}


def keys() -> Iterator[tuple[str, str]]:
    """(where, catalogue key) of every message the web shows."""
    for path in sorted((WEB / "templates").glob("*.html")):
        for match in _TEMPLATE_CALL.finditer(path.read_text(encoding="utf-8")):
            call, text = match.group(1), match.group(3)
            yield path.name, f"web: {text}" if call == "w" else text
    for path in sorted(WEB.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and node.args:
                name = getattr(node.func, "id", getattr(node.func, "attr", ""))
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    if name in _WORD_CALLS:
                        yield path.name, f"web: {first.value}"
                    elif name in _SENTENCE_CALLS:
                        yield path.name, first.value
        # Words kept in tables and looked up by key (errors.MESSAGES, auth.REFUSALS).
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict):
                target = node.targets[0]
                if isinstance(target, ast.Name) and target.id in (
                    "MESSAGES",
                    "REFUSALS",
                    "TRIGGER_WORDS",
                ):
                    for value in node.value.values:
                        assert isinstance(value, ast.Constant)
                        yield path.name, f"web: {value.value}"
            if (
                isinstance(node, ast.Assign)
                and isinstance(node.targets[0], ast.Name)
                and node.targets[0].id == "CSRF_MESSAGE"
                and isinstance(node.value, ast.Constant)
            ):
                yield path.name, f"web: {node.value.value}"


def _needs_words(template: str) -> bool:
    literal = "".join(text for text, *_ in string.Formatter().parse(template))
    return bool(re.search(r"[A-Za-z]", literal))


def test_the_scan_finds_the_pages_words() -> None:
    found = {key for _, key in keys()}
    assert "web: Battle map" in found  # a template's w()
    assert "web: This login link has expired." in found  # auth.REFUSALS
    assert "{count} open items, the most urgent first" in found  # a template's say()
    assert "due today" in found  # web/battle.py Msg()


def test_every_word_of_the_pages_has_its_chinese() -> None:
    missing = sorted({f"{where}: {key!r}" for where, key in keys()
                      if _needs_words(key) and key not in ZH})  # fmt: skip
    assert not missing, "no Chinese for:\n" + "\n".join(missing)
