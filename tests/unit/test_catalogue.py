"""The message catalogue: every Chinese template fits its English key, and every message written
in the code has a Chinese entry (a test that fails when someone adds an English-only message)."""

from __future__ import annotations

import ast
import re
import string
from collections.abc import Iterator
from pathlib import Path

import pytest

from definitions.machines import ROLES, load_machines
from workflow.catalogue import load
from workflow.i18n import Msg
from workflow.machines import GUARDS
from workflow.output import WEEKDAYS
from workflow.services.queries import KINDS, LEVELS, STATES
from workflow.settings import SHIPPED_DEFINITIONS
from workflow.terms import Day, Either, Listing, Term

ROOT = Path(__file__).resolve().parents[2]
ZH = load("zh")

# Calls whose first argument is a message template: Msg, the CLI's summary lines (say) and
# the scheduler's (tell); every RectifyError subclass is found below and added.
MESSAGE_CALLS = {"Msg", "say", "tell", "RectifyError"}
# Files whose messages are still being converted by their owners: their gaps are reported, not
# failed on. The lead empties this once every area is done.
NOT_YET_CONVERTED: set[str] = set()
# Entries of other areas whose Chinese drops or adds a placeholder, left for their owners to
# fix (the lead empties this).


def _files() -> list[Path]:
    """cli.py and the packages, without the migrations (they say nothing to people)."""
    files = [ROOT / "cli.py"]
    for package in ("workflow", "definitions", "notifications"):
        files.extend(sorted((ROOT / package).rglob("*.py")))
    return [f for f in files if "migrations" not in f.parts]


def _trees() -> dict[Path, ast.Module]:
    return {path: ast.parse(path.read_text(encoding="utf-8")) for path in _files()}


TREES = _trees()


def _error_classes() -> set[str]:
    """RectifyError and every class that inherits from it, anywhere in the source."""
    names = {"RectifyError"}
    grown = True
    while grown:
        grown = False
        for tree in TREES.values():
            for node in ast.walk(tree):
                if isinstance(node, ast.ClassDef) and node.name not in names:
                    bases = {b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in
                             node.bases}  # fmt: skip
                    if bases & names:
                        names.add(node.name)
                        grown = True
    return names


CALLS = MESSAGE_CALLS | _error_classes()


def _called(node: ast.Call) -> str:
    func = node.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")


def messages() -> Iterator[tuple[str, int, str | None]]:
    """(file, line, template) of every message call; template None where it is an f-string."""
    for path, tree in TREES.items():
        where = str(path.relative_to(ROOT))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and _called(node) in CALLS):
                continue
            # say(app, template, ...): the template follows the app
            args = node.args[1:] if _called(node) == "say" else node.args
            if not args:
                continue
            first = args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                yield where, node.lineno, first.value
            elif isinstance(first, ast.JoinedStr):
                yield where, node.lineno, None


def _needs_words(template: str) -> bool:
    """Whether a template has words of its own to translate ("{fields}" has none)."""
    literal = "".join(text for text, *_ in string.Formatter().parse(template))
    return bool(re.search(r"[A-Za-z]", literal))


def _fields(template: str) -> set[tuple[str, str | None]]:
    return {
        (name, conversion)
        for _, name, _, conversion in string.Formatter().parse(template)
        if name is not None
    }


@pytest.mark.parametrize("english", sorted(ZH))
def test_chinese_template_uses_only_the_placeholders_of_its_key(english: str) -> None:
    """A Chinese template may leave a placeholder out where Chinese needs no such word (an
    English field name beside the Chinese header), but never uses one the key has not got:
    that would fail when the message is shown."""
    assert _fields(ZH[english]) <= _fields(english), f"{english!r} -> {ZH[english]!r}"


def test_no_template_is_translated_twice() -> None:
    """Each area keeps its own messages; one key in two modules would depend on load order."""
    import importlib
    import pkgutil

    import workflow.catalogue as package

    seen: dict[str, str] = {}
    clashes = []
    for module in pkgutil.iter_modules(package.__path__):
        entries = importlib.import_module(f"{package.__name__}.{module.name}").ZH
        for key in entries:
            if key in seen:
                clashes.append((key, seen[key], module.name))
            seen[key] = module.name
    assert clashes == []


def test_every_message_in_the_code_has_a_chinese_entry() -> None:
    missing, built = [], []
    for where, line, template in messages():
        if where in NOT_YET_CONVERTED:
            continue
        if template is None:
            built.append(f"{where}:{line}")
        elif _needs_words(template) and template not in ZH:
            missing.append(f"{where}:{line}: {template!r}")
    assert not built, "messages built with f-strings cannot be translated:\n" + "\n".join(built)
    assert not missing, "messages with no Chinese entry:\n" + "\n".join(missing)


def test_the_scan_finds_messages() -> None:
    """The completeness test is only as good as its scan: it must see the known kinds of call."""
    found = {template for _, _, template in messages()}
    assert "{ref} is {state}; only a {allowed} item can be {past}" in found  # Msg
    assert "no responsibility item {ref}" in found  # NotFound
    assert "{ref}: {before} -> {after}" in found  # say
    assert "scheduler stopped" in found  # tell


def _terms() -> Iterator[Term]:
    """Every word the engine puts into messages as a Term."""
    specs = load_machines(SHIPPED_DEFINITIONS / "machines", GUARDS.keys())
    for spec in specs.values():
        for trigger, transition in spec.transitions.items():
            yield Term("action", trigger)
            yield Term("past", transition.past)
    yield from (Term("role", role) for role in ROLES)
    yield from (Term("kind", kind) for kind in KINDS)
    yield from (Term("level", level) for level in LEVELS)
    yield from (Term("weekday", day.title()) for day in WEEKDAYS)


# Sorted: ROLES is a set, and parallel workers (pytest-xdist) must collect the same order.
@pytest.mark.parametrize(
    "term", sorted(_terms(), key=lambda t: t.template), ids=lambda t: t.template
)
def test_every_term_has_a_chinese_entry(term: Term) -> None:
    assert term.template in ZH
    assert term.to("en") == term.word


def test_states_have_chinese_entries() -> None:
    assert {state: Msg(state).to("zh") for state in STATES} == {
        "issued": "已下发",
        "assigned": "已交办",
        "fixed": "已整改",
        "closed": "已销号",
    }


def test_words_render_in_the_message_language() -> None:
    from datetime import date

    message = Msg(
        "{ref} is {state}; only a {allowed} item can be {past}",
        ref="R1",
        state=Msg("closed"),
        allowed=Either([Msg("fixed"), Msg("closed")]),
        past=Term("past", "reopened"),
    )
    assert message.to("en") == "R1 is closed; only a fixed or closed item can be reopened"
    assert message.to("zh") == "R1 已销号；只有已整改或已销号的事项才能重新打开"
    assert Day(date(2020, 9, 30)).to("zh") == "2020年9月30日"
    assert Day(date(2020, 9, 30)).to("en") == "2020-09-30"
    roles = Listing([Term("role", "leader"), Term("role", "office")])
    assert (roles.to("en"), roles.to("zh")) == ("leader, office", "牵头领导、督查室")
