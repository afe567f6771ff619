"""Every command and option explains itself (after sqlite-utils' tests/test_docs.py)."""

from __future__ import annotations

from collections.abc import Iterator

import click
import pytest
from click.testing import CliRunner

from cli import main

TOP_LEVEL = [
    *("init", "unit", "person", "campaign", "problem", "task", "assign", "fix", "accept"),
    *("reject", "reopen", "show", "history", "list", "import", "demo"),
]


def walk(command: click.Command, path: tuple[str, ...]) -> Iterator[tuple[str, click.Command]]:
    yield " ".join(path), command
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            yield from walk(sub, (*path, name))


COMMANDS = dict(walk(main, ("rectify",)))
OPTIONS = [
    (f"{path} {param.opts[0]}", param)
    for path, command in COMMANDS.items()
    for param in command.params
    if isinstance(param, click.Option)
]


def test_the_walk_finds_the_whole_tree() -> None:
    assert {"rectify", "rectify unit add", "rectify person add", "rectify fix"} <= set(COMMANDS)
    assert len(OPTIONS) > 20


@pytest.mark.parametrize("path", list(COMMANDS))
def test_every_command_has_help(path: str) -> None:
    command = COMMANDS[path]
    assert (command.help or "").strip(), f"`{path}` has no help text (a docstring)"


@pytest.mark.parametrize(("name", "option"), OPTIONS, ids=[name for name, _ in OPTIONS])
def test_every_option_has_help(name: str, option: click.Option) -> None:
    assert (option.help or "").strip(), f"`{name}` has no help text"


def test_every_command_of_the_issue_is_there() -> None:
    assert set(TOP_LEVEL) <= set(main.commands)


def test_rectify_help_lists_every_top_level_command() -> None:
    result = CliRunner().invoke(main, ["--help"], catch_exceptions=False)
    assert result.exit_code == 0
    listed = result.stdout.split("Commands:\n", 1)[1].splitlines()
    names = [line.split()[0] for line in listed if line.startswith("  ")]
    assert sorted(names) == sorted(main.commands)
    assert set(TOP_LEVEL) <= set(names)
    for line in listed:  # each with its one-line summary
        assert len(line.split()) > 1, line


@pytest.mark.parametrize("path", [p for p in COMMANDS if p != "rectify"])
def test_help_of_each_command_needs_no_database(path: str) -> None:
    """Help needs no database (none exists at /nonexistent)."""
    args = [*path.split()[1:], "--help"]
    env = {"RECTIFY_DB": "/nonexistent/dir/x.db"}
    result = CliRunner().invoke(main, args, env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"Usage: rectify {' '.join(args[:-1])} ")
