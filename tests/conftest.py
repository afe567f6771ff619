"""Shared fixtures: one database fixture for SQLite and PostgreSQL, and a CLI runner.

Every database test runs on both backends. PostgreSQL tests get a schema of their own on the
server at 127.0.0.1:5432 (search_path in the URL) and drop it afterwards. They fail, not skip,
when the server is down: `.ci/run` starts it. RECTIFY_TEST_SKIP_POSTGRES=1 runs SQLite only.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import create_engine, text

from cli import main

PG_ADMIN_URL = os.environ.get(
    "RECTIFY_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
BACKENDS = (
    ["sqlite"]
    if os.environ.get("RECTIFY_TEST_SKIP_POSTGRES") == "1"
    else [
        "sqlite",
        "postgres",
    ]
)
DATA = Path(__file__).parent / "data"


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield "sqlite:///" + str(tmp_path / "rectify.db")
        return
    schema = "t_" + uuid.uuid4().hex[:12]
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{PG_ADMIN_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@dataclass
class Rectify:
    """Runs `rectify` in-process against one database, as one actor at one moment."""

    db_url: str
    actor: str | None = "李督查"  # None: RECTIFY_USER unset (identity: os or database)
    now: str = "2020-09-01T09:00"
    env: dict[str, str] = field(default_factory=dict)  # more settings, e.g. RECTIFY_SMTP_*
    lang: str | None = "en"  # RECTIFY_LANG for messages and tables; None: the default (zh)

    def run(self, *args: str, actor: str | None = None, now: str | None = None) -> Result:
        env: dict[str, str | None] = {
            "RECTIFY_DB": self.db_url,
            "RECTIFY_USER": actor or self.actor,
            "RECTIFY_NOW": now or self.now,
            "RECTIFY_CONFIG": "",
            **({"RECTIFY_LANG": self.lang} if self.lang else {}),
            **self.env,
        }
        return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)

    def ok(self, *args: str, **kwargs: Any) -> str:
        result = self.run(*args, **kwargs)
        assert result.exit_code == 0, f"{args}: {result.output}"
        return result.stdout

    def delivers(self, *args: str, **kwargs: Any) -> str:
        """The output of `rectify deliver ARGS`, which exits 1 with one `Error:` line after it
        when it sent nothing and something failed (and 0 otherwise)."""
        result = self.run("deliver", *args, **kwargs)
        failed_only = result.stdout.startswith(("Sent 0,", "已发送 0", '{"sent": 0,'))
        assert result.exit_code == (1 if failed_only and result.stderr else 0), result.output
        if result.exit_code:
            assert result.stderr.count("\n") == 1 and result.stderr.startswith("Error: ")
        return result.stdout

    def fails(self, *args: str, **kwargs: Any) -> str:
        """The one `Error:` line of a refused command (and checks there is nothing else)."""
        result = self.run(*args, **kwargs)
        assert result.exit_code == 1, f"{args} should fail: {result.output}"
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
        assert result.stdout == ""
        return lines[0]

    def json(self, *args: str, **kwargs: Any) -> Any:
        return json.loads(self.ok(*args, "--format", "json", **kwargs))


# SQLite databases the fixtures below have built once in this session, copied for each test
# that asks for the same stage (the stages are built by the CLI with a fixed clock, so every
# copy is what building it again would give). PostgreSQL builds each one through the CLI.
_BUILT: dict[str, Path] = {}


def _built(stage: str, runner: Rectify, build: Callable[[Rectify], None], cache: Path) -> Rectify:
    if not runner.db_url.startswith("sqlite:///"):
        build(runner)
        return runner
    target = Path(runner.db_url.removeprefix("sqlite:///"))
    if stage in _BUILT:
        for suffix in ("-wal", "-shm"):
            Path(str(target) + suffix).unlink(missing_ok=True)
        shutil.copyfile(_BUILT[stage], target)
        return runner
    build(runner)
    kept = cache / f"{stage}.db"
    shutil.copyfile(target, kept)  # every command closed its connections: no WAL pending
    _BUILT[stage] = kept
    return runner


@pytest.fixture(scope="session")
def built_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("built")


@pytest.fixture
def fresh(db_url: str, built_cache: Path) -> Rectify:
    """An initialised database with nobody registered: anyone may start the directory."""
    return _built("fresh", Rectify(db_url), _initialise, built_cache)


def _initialise(r: Rectify) -> None:
    r.ok("init")


@pytest.fixture
def rectify(fresh: Rectify, built_cache: Path) -> Rectify:
    """A database whose office has started: 李督查 of the 督查室 (dcs) is office staff."""
    return _built("rectify", fresh, _start_the_office, built_cache)


def _start_the_office(r: Rectify) -> None:
    r.ok("unit", "add", "dcs", "县委督查室")
    r.ok("person", "add", "李督查", "--unit", "dcs", "--head", "--role", "office")


@pytest.fixture
def county(rectify: Rectify, built_cache: Path) -> Rectify:
    """A county with the units and people of the sample ledger and a campaign TP (底线 11-30)."""
    return _built("county", rectify, _build_county, built_cache)


def _build_county(rectify: Rectify) -> None:
    units = [
        ("xw", "县委办", None),
        ("slj", "水利局", None),
        ("wjw", "卫健委", None),
        ("czj", "财政局", None),
        ("fpb", "扶贫办", None),
        ("mzj", "民政局", None),
        ("sjj", "审计局", None),
        ("cgz", "城关镇", "乡镇"),
        ("hqx", "红旗乡", "乡镇"),
    ]
    for code, name, group in units:
        rectify.ok("unit", "add", code, name, *(["--group", group] if group else []))
    # 李督查 of the 督查室 is office staff (the `rectify` fixture registered them first);
    # 王书记 is a county leader and leads campaign TP; everyone else is a unit's person.
    rectify.ok("person", "add", "王书记", "--unit", "xw", "--head", "--role", "leader")
    people = [
        ("韩水", "slj", True),
        ("鲁检", "wjw", True),
        ("蒋财", "czj", True),
        ("魏监", "fpb", True),
        ("杨保", "mzj", True),
        ("沈审", "sjj", True),
        ("秦书", "cgz", True),
        ("陈干", "cgz", False),
        ("何乡", "hqx", True),
    ]
    for name, unit, head in people:
        rectify.ok("person", "add", name, "--unit", unit, *(["--head"] if head else []))
    rectify.ok(
        "campaign", "add", "TP", "脱贫攻坚问题整改", "--deadline", "2020-11-30",
        "--leader", "王书记",
    )  # fmt: skip
