"""`rectify import --update` streams: a revised ledger read, checked and applied a chunk at a
time, in one transaction, with the result of a ledger read whole.

Each test runs the same commands on twin county databases (built alike), one with chunks of
three rows and one with the whole ledger in one chunk, and compares what they print and store.
"""

from __future__ import annotations

import csv
import tracemalloc
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select, text

from tests.conftest import PG_ADMIN_URL, Rectify, _build_county, _initialise, _start_the_office
from workflow.db.schema import audit_events, extensions, imports, items, notices, problems, tasks
from workflow.services import importer

HEADER = ["序号", "问题描述", "整改措施", "责任单位", "责任人", "责任领导", "整改时限"]
LEADS = [("水利局", "韩水"), ("卫健委", "鲁检")]

# The first ledger: problem 2's rows are apart (T3 and T4), 3 is standing, 4 is 立行立改.
FIRST = [
    ["1", "问题一", "措施1a", "水利局", "韩水", "", "2020-10-31"],
    ["1", "问题一", "措施1b", "卫健委", "鲁检", "", "2020-10-31"],
    ["2", "问题二", "措施2a", "水利局", "韩水", "王书记", "2020-10-15"],
    ["3", "问题三", "措施3a", "财政局", "蒋财", "", "长期坚持"],
    ["4", "问题四", "措施4a", "卫健委", "鲁检", "", "立行立改"],
    ["2", "问题二", "措施2b", "财政局", "蒋财", "", "2020-10-15"],
    ["5", "问题五", "措施5a", "水利局", "韩水", "", "2020-10-20"],
]
# The revision, in chunks of three: rows 2-4, 5-7, 8-10, 11-13.
REVISED = [
    ["1", "问题一", "措施1a", "水利局", "韩水", "", "2020-11-10"],  # 2: moved
    ["2", "问题二", "措施2a", "水利局", "韩水", "王书记", "2020-11-05"],  # 3: moved
    ["4", "问题四", "措施4a", "卫健委", "鲁检", "", "立行立改"],  # 4: said again, unchanged
    ["5", "问题五", "措施5a", "水利局", "韩水", "", "2020-11-20"],  # 5: moved
    # 6: moved to the date of row 5 but listed first: problem 1 comes before problem 5
    ["1", "问题一", "措施1b", "卫健委", "鲁检", "", "2020-11-20"],
    ["3", "问题三", "措施3a", "财政局", "蒋财", "", "长期坚持"],  # 7: unchanged
    ["1", "问题一", "措施1c", "财政局", "蒋财", "", "2020-11-25"],  # 8: new task of problem 1
    ["5", "问题五", "措施5b", "水利局", "韩水", "", "长期坚持"],  # 9: new standing task of 5
    ["6", "问题六", "措施6a", "水利局", "韩水", "", "2020-11-15"],  # 10: new problem 6
    # 11: problem 6 again, in the next chunk, naming its leader first
    ["6", "问题六", "措施6b", "卫健委", "鲁检", "王书记", "2020-11-15"],
    ["7", "问题七", "措施7a", "各乡镇", "秦书", "", "2020-11-15"],  # 12: new, two items
    ["2", "问题二", "措施2b", "财政局", "蒋财", "", "2020-11-10"],  # 13: moved, last chunk
]
UPDATED = (
    "Updated TP from revised.csv: 5 deadlines moved, 5 tasks added, 2 rows unchanged.\n"
    "Deadline moved to 2020-11-10: R1, R4.\n"
    "Deadline moved to 2020-11-20: R2, R7.\n"
    "Deadline moved to 2020-11-05: R3.\n"
    "Imported 2 problems, 5 tasks and 6 responsibility items into TP (R8..R13).\n"
)


def write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


@pytest.fixture
def twins(county: Rectify, tmp_path: Path) -> Iterator[tuple[Rectify, Rectify]]:
    """The county twice: (whole, chunked)."""
    if county.db_url.startswith("sqlite"):
        copy = tmp_path / "twin.db"
        copy.write_bytes(Path(county.db_url.removeprefix("sqlite:///")).read_bytes())
        yield county, Rectify("sqlite:///" + str(copy))
        return
    schema = "t_" + uuid.uuid4().hex[:12]
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        twin = Rectify(f"{PG_ADMIN_URL}?options=-csearch_path%3D{schema}")
        for build in (_initialise, _start_the_office, _build_county):
            build(twin)
        yield county, twin
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def both(
    twins: tuple[Rectify, Rectify],
    monkeypatch: pytest.MonkeyPatch,
    *args: str,
    failing: bool = False,
    **kwargs: Any,
) -> str:
    """Run `rectify ARGS` whole and in chunks of three; both print the same, which is returned."""
    said = []
    for rectify, chunk in zip(twins, (10_000, 3), strict=True):
        monkeypatch.setattr(importer, "CHUNK_ROWS", chunk)
        said.append(rectify.fails(*args, **kwargs) if failing else rectify.ok(*args, **kwargs))
    assert said[0] == said[1]
    return said[0]


def stored(rectify: Rectify) -> dict[str, Any]:
    """What the database holds, without ids and hashes (the order of audit rows, extensions
    and notices follows the chunks); sorted where the order is the insertion order."""
    engine = create_engine(rectify.db_url)
    task_ref = select(tasks.c.ref).where(tasks.c.id == items.c.task_id).scalar_subquery()
    item_ref = select(items.c.ref).where(items.c.id == extensions.c.item_id).scalar_subquery()
    notice_ref = select(items.c.ref).where(items.c.id == notices.c.item_id).scalar_subquery()
    problem_ref = select(problems.c.ref).where(problems.c.id == tasks.c.problem_id)
    queries = {
        "problems": select(*(c for c in problems.c if c.name != "id")),
        "tasks": select(
            problem_ref.scalar_subquery(),
            *(c for c in tasks.c if c.name not in ("id", "problem_id")),
        ),
        "items": select(task_ref, *(c for c in items.c if c.name not in ("id", "task_id"))),
        "extensions": select(
            item_ref, *(c for c in extensions.c if c.name not in ("id", "item_id"))
        ),
        "audit": select(
            *(c for c in audit_events.c if c.name not in ("id", "prev_hash", "row_hash"))
        ),
        "notices": select(notice_ref, *(c for c in notices.c if c.name not in ("id", "item_id"))),
        "imports": select(imports),
    }
    try:
        with engine.connect() as conn:
            return {
                name: sorted((tuple(row) for row in conn.execute(query)), key=repr)
                for name, query in queries.items()
            }
    finally:
        engine.dispose()


def prepare(twins: tuple[Rectify, Rectify], tmp_path: Path) -> None:
    """Emails for 韩水 and 鲁检 (so that moves and new items queue notices), then the first
    ledger, imported alike into both."""
    first = write(tmp_path / "first.csv", FIRST)
    for rectify in twins:
        rectify.ok("person", "set", "韩水", "--email", "hs@slj.gov.test")
        rectify.ok("person", "set", "鲁检", "--email", "lj@wjw.gov.test")
        rectify.ok("import", str(first), "--campaign", "TP")


def test_an_update_in_chunks_does_what_the_whole_ledger_does(
    twins: tuple[Rectify, Rectify], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    prepare(twins, tmp_path)
    revised = write(tmp_path / "revised.csv", REVISED)
    now = "2020-09-20T10:00"
    out = both(twins, monkeypatch, "import", str(revised), "--campaign", "TP", "--update", now=now)
    assert out == UPDATED
    whole, chunked = twins
    assert stored(whole) == stored(chunked)
    # What it stored: the new rows of known problems joined them, problem 6 (rows 10 and 11,
    # two chunks) is one problem with the leader its second row names.
    listed = {t["ref"]: t["problem"] for t in chunked.json("list", "--kind", "task")}
    assert {ref: listed[ref] for ref in ("T8", "T9", "T10", "T11", "T12")} == {
        "T8": "P1", "T9": "P5", "T10": "P6", "T11": "P6", "T12": "P7",
    }  # fmt: skip
    assert chunked.json("show", "P6")[0]["leader_in_charge"] == "王书记"
    assert chunked.json("show", "P1")[0]["leader_in_charge"] is None  # joined: left alone
    r2 = chunked.json("show", "R2")[0]
    assert (r2["deadline"], r2["original_deadline"], r2["extension_count"]) == (
        "2020-11-20", "2020-10-31", 1,
    )  # fmt: skip
    queued = {(n["ref"], n["event"]) for n in chunked.json("notices")}
    assert {("R2", "extension_approved"), ("R10", "assigned")} <= queued
    for rectify in twins:
        assert rectify.ok("audit", "verify").startswith("Audit trail verified")
    # The same revision again changes nothing and records nothing, in chunks too.
    before = stored(chunked)
    again = both(twins, monkeypatch, "import", str(revised), "--campaign", "TP", "--update")
    assert again == (
        "Updated TP from revised.csv: 0 deadlines moved, 0 tasks added, 12 rows unchanged.\n"
    )
    assert stored(chunked) == before


def test_errors_found_in_later_chunks_are_listed_as_whole_and_change_nothing(
    twins: tuple[Rectify, Rectify], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    prepare(twins, tmp_path)
    before = [stored(r) for r in twins]
    bad = [list(row) for row in REVISED]
    # Row 11 (the fourth chunk) repeats the key of row 2 (the first, already applied) and
    # names an unknown person; row 15 (the last chunk) an unknown unit.
    bad.insert(9, [*REVISED[0][:4], "无名氏", *REVISED[0][5:]])
    bad.append(["8", "问题八", "措施8a", "不存在局", "韩水", "", "2020-11-15"])
    ledger = write(tmp_path / "bad.csv", bad)
    error = both(
        twins, monkeypatch, "import", str(ledger), "--campaign", "TP", "--update", failing=True
    )
    assert error == (
        "Error: bad.csv: 3 errors, nothing imported: row 11, 整改措施: same 序号, 整改措施 and "
        "责任单位 as row 2; row 11, 责任人: unknown person '无名氏'; "
        "row 15, 责任单位: unknown unit '不存在局' (give its code or name)"
    )
    assert [stored(r) for r in twins] == before
    # Changes an extension cannot express, found after earlier chunks made moves, listed as a
    # ledger read whole lists them: problem by problem (problem 1's row 14 before row 7).
    refused = [list(row) for row in REVISED]
    refused[4] = ["1", "问题一", "措施1y", "卫健委", "鲁检", "", "2020-11-20"]  # row 6: new
    refused[5][6] = "2020-11-01"  # row 7: standing task T5 (3a) given a date
    refused.append(["1", "问题一", "措施1b", "卫健委", "鲁检", "", "长期坚持"])  # row 14: T2
    ledger = write(tmp_path / "refused.csv", refused)
    error = both(
        twins, monkeypatch, "import", str(ledger), "--campaign", "TP", "--update", failing=True
    )
    assert error == (
        "Error: refused.csv: 2 errors, nothing imported: row 14, 整改时限: T2 has a deadline; "
        "an update cannot make it standing (长期坚持); row 7, 整改时限: T5 is a standing task "
        "(长期坚持); an update cannot give it a deadline"
    )
    assert [stored(r) for r in twins] == before
    # Nothing taken either: the next update allocates the refs the first would have.
    revised = write(tmp_path / "revised.csv", REVISED)
    out = both(
        twins, monkeypatch, "import", str(revised), "--campaign", "TP", "--update",
        now="2020-09-20T10:00",
    )  # fmt: skip
    assert out == UPDATED


def test_an_update_shows_the_import_progress_bar(
    county: Rectify, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ticks: list[tuple[str, int | None, int]] = []

    class Recorder:
        def __init__(self, total: int | None, label: str) -> None:
            self.total, self.label = total, label

        def __enter__(self) -> Any:
            return lambda n: ticks.append((self.label, self.total, n))

        def __exit__(self, *exc: object) -> None:
            return None

    county.ok("import", str(write(tmp_path / "first.csv", FIRST)), "--campaign", "TP")
    monkeypatch.setattr(importer, "progress", Recorder)
    monkeypatch.setattr(importer, "CHUNK_ROWS", 5)
    county.ok("import", str(write(tmp_path / "r.csv", REVISED)), "--campaign", "TP", "--update")
    assert [(label, n) for label, _, n in ticks] == [("Importing r.csv", n) for n in (5, 5, 2)]
    assert ticks[0][1] is not None and ticks[0][1] >= len(REVISED)  # a CSV's line count


def test_memory_of_an_update_does_not_grow_with_its_rows(
    county: Rectify, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db_url: str
) -> None:
    if not db_url.startswith("sqlite"):
        pytest.skip("memory is the reader's and the importer's, the same on both backends")
    monkeypatch.setattr(importer, "CHUNK_ROWS", 250)

    def ledger(tag: str, count: int, deadline: str) -> Path:
        """`count` rows, 25 to a problem (the checker keeps a small record per problem)."""
        rows = [
            [str(n // 25 + 1), f"问题{tag}{n // 25 + 1}", f"措施{tag}{n + 1}", *LEADS[n % 2], "",
             deadline]
            for n in range(count)
        ]  # fmt: skip
        return write(tmp_path / f"{tag}-{count}-{deadline}.csv", rows)

    peaks = []
    now = "2020-09-20T10:00"
    for tag, count in (("w", 50), ("s", 1_500), ("l", 6_000)):
        county.ok("import", str(ledger(tag, count, "2020-10-31")), "--campaign", "TP")
        # Every deadline moved, and two chunks of new rows (chunks alike in both ledgers).
        revised = ledger(tag, count + 500, "2020-11-15")
        tracemalloc.start()
        try:
            county.ok("import", str(revised), "--campaign", "TP", "--update", now=now)
            peaks.append(tracemalloc.get_traced_memory()[1])
        finally:
            tracemalloc.stop()
    _, small, large = peaks  # the first warmed the modules and caches
    assert large < 1.3 * small, (small, large)
