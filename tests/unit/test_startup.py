"""Start-up (issue 8): `rectify --help` and `rectify --version` import no database or file code.

cli.py imports the services on first use; these tests run the commands in a fresh interpreter
and look at what was imported, so they hold on any machine however fast (bench/startup.py times
them).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import cli
from workflow import output
from workflow.db.engine import SCHEMA_HEAD
from workflow.services import queries

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("sqlalchemy", "alembic", "openpyxl", "jinja2")


def _imported_by(*argv: str) -> tuple[set[str], str]:
    """The top-level packages a fresh interpreter has imported after `rectify ARGV`, and what
    the command printed."""
    probe = (
        "import io, json, sys\n"
        "from contextlib import redirect_stdout\n"
        "from cli import main\n"
        "out = io.StringIO()\n"
        "with redirect_stdout(out):\n"
        "    try:\n"
        f"        main({list(argv)!r}, prog_name='rectify')\n"
        "    except SystemExit:\n"
        "        pass\n"
        "print(json.dumps([sorted({m.split('.')[0] for m in sys.modules}), out.getvalue()]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, check=True, capture_output=True, text=True
    )
    modules, printed = json.loads(done.stdout)
    return set(modules), printed


@pytest.mark.parametrize("argv", [("--version",), ("--help",)])
def test_help_and_version_import_no_heavy_library(argv: tuple[str, ...]) -> None:
    modules, printed = _imported_by(*argv)
    assert printed.strip(), "the command printed nothing"
    assert "click" in modules  # the probe did look at the modules of a real run
    assert modules.isdisjoint(HEAVY), sorted(modules & set(HEAVY))


def test_a_command_that_uses_the_database_still_loads_it(tmp_path: Path) -> None:
    """The lazy imports load on use: `init` reaches SQLAlchemy and Alembic and works."""
    db = tmp_path / "rectify.db"
    modules, printed = _imported_by("--db", str(db), "--lang", "en", "init")
    assert {"sqlalchemy", "alembic"} <= modules
    assert printed.startswith(f"Initialised sqlite:///{db} (schema {SCHEMA_HEAD}).")


def test_the_choices_spelled_out_in_cli_are_the_librarys() -> None:
    assert cli.FORMATS == output.FORMATS
    assert cli.LEVELS == queries.LEVELS
    assert cli.STATES == queries.STATES
    assert cli.KINDS == queries.KINDS
    assert cli.NOTICE_STATUSES == queries.NOTICE_STATUSES
