"""`rectify import` streams: chunks read, checked and written in one transaction, memory flat.

The ledgers are generated here, in the county of conftest.py: each row one task of a problem
of five, led by 水利局 (韩水) or 卫健委 (鲁检) in turn.
"""

from __future__ import annotations

import csv
import io
import tracemalloc
from pathlib import Path

import pytest

from tests.conftest import DATA, Rectify
from workflow import progress as progress_module
from workflow.services import importer

HEADER = ["序号", "问题描述", "整改措施", "责任单位", "责任人", "责任领导", "整改时限"]
LEADS = [("slj", "韩水"), ("wjw", "鲁检")]


def ledger_rows(count: int, *, start: int = 0, tag: str = "") -> list[list[str]]:
    rows = []
    for n in range(start, start + count):
        unit, person = LEADS[n % 2]
        problem = n // 5 + 1
        rows.append([str(problem), f"问题{tag}{problem}", f"措施{tag}{n + 1}", unit, person, "",
                     "2020-10-31"])  # fmt: skip
    return rows


def write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def counts(r: Rectify) -> tuple[int, int, int]:
    return tuple(  # type: ignore[return-value]
        len(r.json("list", "--kind", kind, "--campaign", "TP"))
        for kind in ("problem", "task", "responsibility")
    )


def test_a_bad_row_near_the_end_of_a_big_ledger_leaves_the_database_untouched(
    county: Rectify, tmp_path: Path
) -> None:
    rows = ledger_rows(30_000)
    rows[1][4] = "无名氏"  # spreadsheet row 3: in the first chunk
    rows[29_990][3] = "不存在局"  # row 29,992: in the last chunk, after 25,000 rows written
    big = write(tmp_path / "big.csv", rows)
    error = county.fails("import", str(big), "--campaign", "TP")
    assert error == (
        "Error: big.csv: 2 errors, nothing imported: row 3, 责任人: unknown person '无名氏'; "
        "row 29992, 责任单位: unknown unit '不存在局' (give its code or name)"
    )
    assert counts(county) == (0, 0, 0)
    assert county.json("notices") == []
    # The refs taken by the chunks written before the failure went back with them.
    small = write(tmp_path / "small.csv", ledger_rows(3, tag="小"))
    out = county.ok("import", str(small), "--campaign", "TP")
    assert out == "Imported 1 problems, 3 tasks and 3 responsibility items into TP (R1..R3).\n"
    assert county.json("history", "R1")[0]["note"] == "small.csv row 2"


def test_every_chunk_is_written_in_order_and_a_problem_may_span_chunks(
    county: Rectify, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importer, "CHUNK_ROWS", 3)
    rows = ledger_rows(12)
    rows[6][5] = "王书记"  # problem 2's leader, first named on its third row (the next chunk)
    ledger = write(tmp_path / "chunks.csv", rows)
    out = county.ok("import", str(ledger), "--campaign", "TP")
    assert out == "Imported 3 problems, 12 tasks and 12 responsibility items into TP (R1..R12).\n"
    tasks = county.json("list", "--kind", "task")
    assert [(t["ref"], t["problem"], t["title"]) for t in tasks] == [
        (f"T{n}", f"P{(n - 1) // 5 + 1}", f"措施{n}") for n in range(1, 13)
    ]
    leaders = {ref: county.json("show", ref)[0]["leader_in_charge"] for ref in ("P1", "P2", "P3")}
    assert leaders == {"P1": None, "P2": "王书记", "P3": None}
    history = county.json("history", "R12")
    assert [(h["trigger"], h["note"]) for h in history] == [("import", "chunks.csv row 13")]
    assert county.ok("audit", "verify").startswith("Audit trail verified")


def test_a_row_repeating_an_earlier_rows_key_in_another_chunk_is_named(
    county: Rectify, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importer, "CHUNK_ROWS", 100)
    rows = ledger_rows(500)
    rows[450] = list(rows[2])  # row 452 says again what row 4 said
    error = county.fails("import", str(write(tmp_path / "dup.csv", rows)), "--campaign", "TP")
    assert error == (
        "Error: dup.csv: 1 error, nothing imported: row 452, 整改措施: same 序号, 整改措施 and "
        "责任单位 as row 4"
    )
    assert counts(county) == (0, 0, 0)


def test_rows_an_earlier_import_made_are_refused_after_streaming(
    county: Rectify, tmp_path: Path
) -> None:
    county.ok("import", str(write(tmp_path / "first.csv", ledger_rows(10))), "--campaign", "TP")
    again = ledger_rows(10) + ledger_rows(5, start=10)  # all of first.csv, and five new rows
    error = county.fails("import", str(write(tmp_path / "again.csv", again)), "--campaign", "TP")
    assert error.startswith(
        "Error: again.csv: 10 of its rows (序号, 整改措施, 责任单位) were already imported into "
        "TP: first.csv on 2020-09-01 09:00 by 李督查 (R1..R10); nothing imported"
    )
    assert counts(county) == (2, 10, 10)


def test_merged_cells_of_a_workbook_reach_rows_in_later_chunks(
    county: Rectify, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The sample's 序号/问题描述 merges span rows 2-4 and 6-7; chunks of two split both.
    monkeypatch.setattr(importer, "CHUNK_ROWS", 2)
    county.ok("import", str(DATA / "sample-ledger.xlsx"), "--campaign", "TP")
    tasks = county.json("list", "--kind", "task")
    assert {t["ref"]: t["problem"] for t in tasks} == {
        "T1": "P1", "T2": "P1", "T3": "P1", "T4": "P2", "T5": "P3", "T6": "P3", "T7": "P4",
    }  # fmt: skip


def _peak(county: Rectify, path: Path) -> int:
    tracemalloc.start()
    try:
        county.ok("import", str(path), "--campaign", "TP")
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_of_an_import_does_not_grow_with_its_rows(
    county: Rectify, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db_url: str
) -> None:
    if not db_url.startswith("sqlite"):
        pytest.skip("memory is the reader's and the importer's, the same on both backends")
    monkeypatch.setattr(importer, "CHUNK_ROWS", 250)
    warm = write(tmp_path / "warm.csv", ledger_rows(50, tag="w"))
    county.ok("import", str(warm), "--campaign", "TP")  # modules loaded, caches filled
    small = _peak(county, write(tmp_path / "small.csv", ledger_rows(1_500, tag="s")))
    large = _peak(county, write(tmp_path / "large.csv", ledger_rows(6_000, tag="l")))
    # Four times the rows: what grows is a few small records per problem and an int per task.
    assert large < 1.6 * small, (small, large)


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_shows_only_on_a_terminal_and_after_a_second() -> None:
    clock = iter([0.0, 0.5, 1.2, 1.25, 2.0, 2.0]).__next__
    out = FakeTerminal()
    with progress_module.progress(100, "Importing x.csv", stream=out, clock=clock) as tick:
        tick(10)  # 0.5 s: too early
        assert out.getvalue() == ""
        tick(40)  # 1.2 s: drawn
        tick(10)  # 1.25 s: not again within a tenth of a second
        tick(40)  # 2.0 s
    shown = out.getvalue()
    assert shown.split("\r")[1:] == [
        "Importing x.csv [###############---------------]  50% 50 42/s\x1b[K",
        "Importing x.csv [##############################] 100% 100 50/s\x1b[K",
        "\x1b[K",
    ]
    piped = io.StringIO()
    with progress_module.progress(100, "Importing", stream=piped, clock=clock) as tick:
        tick(100)
    assert piped.getvalue() == ""
