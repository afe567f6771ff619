"""The audit trail's hash chain: `rectify audit verify` finds a row changed behind its back.

Every test tampers the way an insider with database access would: the append-only triggers
dropped, a row changed, added or removed with plain SQL, the triggers left off.
"""

from __future__ import annotations

import itertools
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text

from tests.conftest import Rectify
from workflow import audit
from workflow.db.engine import Database
from workflow.db.schema import audit_events


@pytest.fixture
def history(county: Rectify) -> Rectify:
    county.ok("problem", "add", "--campaign", "TP", "--title", "农村饮水安全不达标")
    county.ok(
        "task", "add", "--problem", "P1", "--title", "加装除氟设备", "--deadline", "2020-09-20"
    )
    county.ok("assign", "T1", "--unit", "slj", "--person", "韩水")
    county.ok("fix", "R1", "--note", "已安装", actor="韩水", now="2020-09-10T10:00")
    county.ok("reject", "R1", "--note", "未验收", now="2020-09-11T10:00")
    county.ok("fix", "R1", "--note", "已整改到位", actor="韩水", now="2020-09-12T10:00")
    county.ok("accept", "R1", now="2020-09-13T10:00")
    return county


def _rows(r: Rectify) -> list[dict[str, object]]:
    engine = create_engine(r.db_url)
    with engine.connect() as conn:
        rows = [dict(row._mapping) for row in conn.execute(select(audit_events).order_by("id"))]
    engine.dispose()
    return rows


def _tamper(r: Rectify, *statements: str) -> None:
    """Run SQL with the append-only guards dropped, as someone with the database file would."""
    engine = create_engine(r.db_url)
    with engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.execute(text("DROP TRIGGER audit_events_no_update"))
            conn.execute(text("DROP TRIGGER audit_events_no_delete"))
        else:
            conn.execute(text("DROP TRIGGER audit_events_append_only ON audit_events"))
        for statement in statements:
            conn.execute(text(statement))
    engine.dispose()


def test_an_untouched_trail_verifies(history: Rectify) -> None:
    rows = _rows(history)
    out = history.ok("audit", "verify")
    assert out.splitlines() == [
        f"Audit trail verified: {len(rows)} rows, the hash chain is unbroken.",
        f"Anchor to keep: {rows[-1]['id']}:{rows[-1]['row_hash']}",
    ]
    # Each row points at the one before it, the first at the genesis value.
    assert rows[0]["prev_hash"] == audit.GENESIS
    assert all(b["prev_hash"] == a["row_hash"] for a, b in itertools.pairwise(rows))


def test_a_changed_note_breaks_the_chain_at_that_row(history: Rectify) -> None:
    rejected = next(row for row in _rows(history) if row["trigger"] == "reject")
    _tamper(history, f"UPDATE audit_events SET note = '已验收' WHERE id = {rejected['id']}")
    error = history.fails("audit", "verify")
    assert error.startswith(f"Error: audit trail broken at row {rejected['id']} (R1 reject, ")
    assert "content does not match its hash" in error


def test_a_changed_actor_with_a_recomputed_hash_breaks_the_link_after_it(
    history: Rectify,
) -> None:
    # A careful forger recomputes the changed row's own hash; the next row still points at
    # the old one. (Only the last row can be forged unseen: anchor it by keeping the output
    # of `audit verify`, which counts the rows.)
    rows = _rows(history)
    fixed = next(row for row in rows if row["trigger"] == "fix")
    after = rows[rows.index(fixed) + 1]
    digest = audit.row_hash(str(fixed["prev_hash"]), {**fixed, "actor": "鲁检"})
    _tamper(
        history,
        f"UPDATE audit_events SET actor = '鲁检', row_hash = '{digest}' WHERE id = {fixed['id']}",
    )
    error = history.fails("audit", "verify")
    assert f"at row {after['id']} " in error
    assert "does not follow the row before it" in error


def test_a_deleted_row_breaks_the_chain_at_the_next_one(history: Rectify) -> None:
    rows = _rows(history)
    fixed = next(row for row in rows if row["trigger"] == "fix")
    following = rows[rows.index(fixed) + 1]
    _tamper(history, f"DELETE FROM audit_events WHERE id = {fixed['id']}")
    error = history.fails("audit", "verify")
    assert f"at row {following['id']} " in error


def test_the_refusal_is_in_chinese_too(history: Rectify) -> None:
    first = _rows(history)[0]
    _tamper(history, f"UPDATE audit_events SET actor = '某人' WHERE id = {first['id']}")
    history.lang = None
    error = history.fails("audit", "verify")
    assert error.startswith(f"Error: 审计记录在第 {first['id']} 条（")
    assert "记录被改动" in error


def test_concurrent_writers_keep_one_chain(db_url: str) -> None:
    # Several connections append at once; the chain lock gives them one order.
    Rectify(db_url).ok("init")
    database = Database(db_url)
    at = datetime(2020, 9, 1, tzinfo=UTC)

    def append(worker: int) -> None:
        for n in range(15):
            with database.write() as conn:
                audit.record(conn, kind="responsibility", ref=f"R{worker}", trigger="fix",
                             from_state="assigned", to_state="fixed", actor=f"w{worker}",
                             at=at, note=str(n))  # fmt: skip

    threads = [threading.Thread(target=append, args=(worker,)) for worker in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with database.read() as conn:
        check = audit.verify(conn)
    database.engine.dispose()
    assert check.ok and check.rows == 60


def test_stats_and_report_say_whether_they_checked_the_chain(
    history: Rectify, tmp_path: Path
) -> None:
    first = _rows(history)[0]
    _tamper(history, f"UPDATE audit_events SET actor = '某人' WHERE id = {first['id']}")
    assert f"broken at row {first['id']} " in history.ok("stats", "--campaign", "TP")
    skipped = history.ok("stats", "--campaign", "TP", "--no-verify").splitlines()[-1]
    assert skipped.startswith("The audit trail was not checked this time (--no-verify)")
    page = tmp_path / "report.html"
    out = history.ok("report", "--campaign", "TP", "--html", str(page), "--no-verify")
    assert "not checked this time" in out
    assert 'class="audit unchecked"' in page.read_text(encoding="utf-8")


def _anchor(r: Rectify) -> str:
    return r.ok("audit", "verify").splitlines()[-1].removeprefix("Anchor to keep: ")


def test_an_anchor_catches_a_trail_rewritten_with_every_hash_recomputed(
    history: Rectify,
) -> None:
    anchor = _anchor(history)
    history.ok("reopen", "R1", "--reason", "回访发现反弹", now="2020-09-20T10:00")
    assert history.ok("audit", "verify", "--anchor", anchor)
    # The forger changes the first row and recomputes every hash after it: the chain alone
    # holds, the anchor kept from last time does not.
    rows = _rows(history)
    prev = audit.GENESIS
    statements = []
    for row in rows:
        changed = {**row, "actor": "某人"} if row is rows[0] else row
        digest = audit.row_hash(prev, changed)
        statements.append(
            f"UPDATE audit_events SET actor = '{changed['actor']}', prev_hash = '{prev}', "
            f"row_hash = '{digest}' WHERE id = {row['id']}"
        )
        prev = digest
    _tamper(history, *statements)
    assert history.ok("audit", "verify")  # consistent in itself
    anchored = int(anchor.split(":")[0])
    error = history.fails("audit", "verify", "--anchor", anchor)
    assert error.startswith(f"Error: audit trail broken at row {anchored} (")
    assert "not the one kept as an anchor" in error


def test_an_anchor_catches_rows_removed_from_the_end(history: Rectify) -> None:
    anchor = _anchor(history)
    anchored = int(anchor.split(":")[0])
    _tamper(history, f"DELETE FROM audit_events WHERE id = {anchored}")
    assert history.ok("audit", "verify")
    error = history.fails("audit", "verify", "--anchor", anchor)
    assert f"anchored row {anchored} is gone" in error


def test_a_malformed_anchor_is_refused(history: Rectify) -> None:
    error = history.fails("audit", "verify", "--anchor", "12:nothex")
    assert error.startswith("Error: --anchor '12:nothex': expected ROW:HASH")
