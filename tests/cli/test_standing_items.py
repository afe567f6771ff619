"""Standing items (长期坚持), immediate items (立行立改) and progress reports (整改进展)."""

# Fixtures are imported explicitly and then requested by parameter name.
# ruff: noqa: F401, F811

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

from tests.conftest import Rectify
from tests.support.servers import SmtpTestServer, smtp_server
from workflow.settings import SHIPPED_DEFINITIONS

NO_RAISE = {"blue": 0, "yellow": 0, "red": 0}


def add_unit_with_mail(county: Rectify) -> None:
    """环保局 and its 环保, both with a mailbox (the county's people have none)."""
    county.ok("unit", "add", "hb", "环保局", "--email", "hb@example.gov.cn")
    county.ok("person", "add", "环保", "--unit", "hb", "--email", "hb-p@example.gov.cn")


def standing_and_dated(county: Rectify) -> None:
    """R1: a standing item of 环保局 (T1, 长期坚持); R2: a dated one (T2, due 2020-09-30)."""
    add_unit_with_mail(county)
    county.ok("problem", "add", "--campaign", "TP", "--title", "河道保洁不到位")
    county.ok(
        "task", "add", "--problem", "P1", "--title", "落实河长制巡河", "--deadline", "长期坚持"
    )
    county.ok(
        "task", "add", "--problem", "P1", "--title", "清理河道垃圾", "--deadline", "2020-09-30"
    )
    assert county.ok("assign", "T1", "--unit", "hb", "--person", "环保") == "R1\n"
    assert county.ok("assign", "T2", "--unit", "hb", "--person", "环保") == "R2\n"


def with_progress_every(rectify: Rectify, tmp_path: Path, days: int) -> None:
    """The shipped definitions, the default policy asking for a report every `days` days."""
    definitions = tmp_path / "definitions"
    shutil.copytree(SHIPPED_DEFINITIONS / "machines", definitions / "machines")
    shutil.copytree(SHIPPED_DEFINITIONS / "policies", definitions / "policies")
    policy = definitions / "policies" / "default.yaml"
    text = policy.read_text(encoding="utf-8")
    assert "\n# progress_every_days: 30\n" in text
    text = text.replace("\n# progress_every_days: 30\n", f"\nprogress_every_days: {days}\n")
    policy.write_text(text, encoding="utf-8")
    rectify.env["RECTIFY_DEFINITIONS"] = str(definitions)


def item(rectify: Rectify, ref: str) -> dict[str, object]:
    (row,) = [row for row in rectify.json("list") if row["ref"] == ref]
    return row


def warnings(rectify: Rectify) -> Counter[tuple[str, str, str]]:
    """(event, recipient, channel) of the warnings queued, any status."""
    return Counter(
        (n["event"], n["recipient"], n["channel"])
        for n in rectify.json("notices")
        if n["event"] in ("blue", "yellow", "red")
    )


# --- standing items -------------------------------------------------------------------------


def test_a_standing_item_never_escalates_after_years_of_sweeps(county: Rectify) -> None:
    standing_and_dated(county)
    standing = item(county, "R1")
    assert (standing["deadline"], standing["deadline_kind"]) == (None, "standing")
    for at in ("2020-10-01T09:00", "2021-06-01T09:00", "2023-01-01T09:00", "2030-12-31T23:00"):
        report = county.json("sweep", "--at", at)
        assert report["progress_raised"] == {"blue": 0, "yellow": 0}  # no reports asked for
    assert item(county, "R1")["level"] == "none"
    assert item(county, "R2")["level"] == "red"  # the dated item beside it did escalate
    assert {n["ref"] for n in county.json("notices") if n["event"] != "assigned"} == {"R2"}
    # Its notices (交办) name no date: the outbox row has none.
    assert county.json("show", "R1")[0]["deadline"] is None


def test_tables_show_standing_and_immediate_deadlines(county: Rectify) -> None:
    standing_and_dated(county)
    county.ok("task", "add", "--problem", "P1", "--title", "拆除违建", "--deadline", "立行立改")
    county.ok("assign", "T3", "--unit", "hb", "--person", "环保")
    county.lang = "zh"
    table = county.ok("list").splitlines()
    assert table[1].split() == ["R1", "落实河长制巡河", "环保局", "环保", "牵头", "已交办", "—",
                                "长期坚持", "T1"]  # fmt: skip
    assert "2020年9月8日（立行立改）" in table[3]
    assert "长期坚持" in county.ok("list", "--kind", "task").splitlines()[1]
    shown = county.ok("show", "R1")
    assert "整改时限    长期坚持" in shown and "时限类型    长期坚持" in shown
    county.lang = "en"
    assert "2020-09-08 (immediate)" in county.ok("list").splitlines()[3]
    assert "standing" in county.ok("list").splitlines()[1]
    csv = county.ok("list", "--format", "csv").splitlines()
    assert csv[0].startswith("ref,kind,title,state,level,deadline,deadline_kind,")
    assert ",none,,standing," in csv[1] and ",2020-09-30,date," in csv[2]


def test_an_immediate_task_is_due_seven_days_after_it_is_added(county: Rectify) -> None:
    add_unit_with_mail(county)
    county.ok("problem", "add", "--campaign", "TP", "--title", "河道保洁不到位")
    county.ok("task", "add", "--problem", "P1", "--title", "清理垃圾", "--deadline", "立行立改",
              now="2020-09-10T09:00")  # fmt: skip
    (task,) = county.json("list", "--kind", "task")
    assert (task["deadline"], task["deadline_kind"]) == ("2020-09-17", "immediate")
    county.ok("assign", "T1", "--unit", "hb", "--person", "环保")  # takes the task's
    county.ok("task", "add", "--problem", "P1", "--title", "公示", "--deadline", "2020-10-31")
    county.ok("assign", "T2", "--unit", "wjw", "--person", "鲁检", "--deadline", "立行立改",
              now="2020-09-20T09:00")  # fmt: skip
    county.ok("assign", "T2", "--unit", "czj", "--person", "蒋财", "--deadline", "长期坚持")
    deadlines = {r["ref"]: (r["deadline"], r["deadline_kind"]) for r in county.json("list")}
    assert deadlines == {
        "R1": ("2020-09-17", "immediate"),
        "R2": ("2020-09-27", "immediate"),
        "R3": (None, "standing"),
    }
    # An immediate item escalates like any dated one.
    assert county.json("sweep", "--at", "2020-09-18T09:00")["raised"]["red"] == 1


def test_an_immediate_deadline_past_the_bottom_line_is_refused(county: Rectify) -> None:
    county.ok("problem", "add", "--campaign", "TP", "--title", "河道保洁不到位")
    error = county.fails("task", "add", "--problem", "P1", "--title", "清理垃圾",
                         "--deadline", "立行立改", now="2020-11-28T09:00")  # fmt: skip
    assert "2020-12-05 is after campaign TP's bottom line 2020-11-30" in error
    assert county.json("list", "--kind", "task") == []


def test_extending_a_standing_item_is_refused(county: Rectify) -> None:
    standing_and_dated(county)
    args = ("extend", "R1", "--to", "2020-10-30", "--reason", "汛期")
    assert county.fails(*args, actor="环保") == (
        "Error: R1 is a standing item (长期坚持) with no deadline to extend; report its "
        "progress with `rectify progress`"
    )
    county.lang = "zh"
    assert "R1 是长期坚持事项" in county.fails(*args, actor="环保")
    assert [h["trigger"] for h in county.json("history", "R1")] == ["create", "assign"]


# --- progress reports ---------------------------------------------------------------------------


def test_progress_is_recorded_with_evidence_by_the_item_s_unit(
    county: Rectify, tmp_path: Path
) -> None:
    standing_and_dated(county)
    photo = tmp_path / "巡河记录.jpg"
    photo.write_bytes(b"photo of the river")
    out = county.ok("progress", "R1", "--note", "9月巡河4次", "--evidence", str(photo),
                    actor="环保", now="2020-09-20T09:00")  # fmt: skip
    assert out == "R1: progress recorded.\n"
    county.ok("progress", "R2", "--note", "已清理一半", actor="李督查")  # office, a dated item
    (last,) = [h for h in county.json("history", "R1") if h["trigger"] == "progress"]
    assert (last["from"], last["to"], last["actor"], last["note"]) == (
        "assigned", "assigned", "环保", "9月巡河4次",
    )  # fmt: skip
    assert [e["filename"] for e in last["evidence"]] == ["巡河记录.jpg"]
    shown = county.json("show", "R1")[0]
    assert shown["last_progress_at"].startswith("2020-09-20T01:00")
    assert shown["state"] == "assigned"


def test_progress_by_another_unit_s_person_is_refused(county: Rectify) -> None:
    standing_and_dated(county)
    assert county.fails("progress", "R1", "--note", "代报", actor="鲁检") == (
        "Error: 鲁检 may not report progress on R1: it is another unit's item"
    )
    county.lang = "zh"
    assert county.fails("progress", "R1", "--note", "代报", actor="鲁检") == (
        "Error: 鲁检 不能报送 R1 的整改进展：这是其他单位的事项"
    )
    assert county.fails("progress", "R1", "--note", "  ", actor="环保") == (
        "Error: 报送 R1 的整改进展须写明已做的工作（--note）"
    )
    assert county.fails("progress", "T1", "--note", "x") == (
        "Error: T1 不是责任事项；整改进展按责任事项（R 开头的编号）报送"
    )
    county.ok("fix", "R2", "--note", "已清理", actor="环保")
    county.ok("accept", "R2")
    assert county.fails("progress", "R2", "--note", "x", actor="环保") == (
        "Error: R2 已销号；只有未办结的事项才报送整改进展"
    )
    assert all(h["trigger"] != "progress" for h in county.json("history", "R1"))
    assert county.json("show", "R1")[0]["last_progress_at"] is None


def test_missed_reports_warn_blue_then_yellow_once_per_period(
    county: Rectify, tmp_path: Path, smtp_server: SmtpTestServer
) -> None:
    with_progress_every(county, tmp_path, 30)
    add_unit_with_mail(county)
    county.ok("problem", "add", "--campaign", "TP", "--title", "河道保洁不到位")
    county.ok(
        "task", "add", "--problem", "P1", "--title", "落实河长制巡河", "--deadline", "长期坚持"
    )
    county.ok("assign", "T1", "--unit", "hb", "--person", "环保")  # R1, at 2020-09-01 09:00
    # 30 days after its creation the report is due, not yet missed.
    assert county.json("sweep", "--at", "2020-10-01T08:59")["progress_raised"]["blue"] == 0
    report = county.json("sweep", "--at", "2020-10-01T09:01")
    assert (report["raised"], report["progress_raised"]) == (NO_RAISE, {"blue": 1, "yellow": 0})
    assert item(county, "R1")["level"] == "blue"
    blue = Counter({("blue", "环保", "email"): 1})
    assert warnings(county) == blue
    for at in ("2020-10-01T09:30", "2020-10-20T09:00"):  # the same period: nothing more
        assert county.json("sweep", "--at", at)["notices_queued"] == 0
    out = county.ok("sweep", "--at", "2020-10-31T09:01")  # 60 days: yellow, to the unit too
    assert "Standing items with a missed progress report: blue 0, yellow 1." in out
    assert item(county, "R1")["level"] == "yellow"
    yellow = Counter({("yellow", "环保", "email"): 1, ("yellow", "环保局", "email"): 1})
    assert warnings(county) == blue + yellow
    # Never red, however long it waits.
    assert county.json("sweep", "--at", "2022-01-01T09:00")["notices_queued"] == 0
    assert item(county, "R1")["level"] == "yellow"

    # A report lifts the warning; the warnings not yet sent are overtaken.
    out = county.ok("progress", "R1", "--note", "10月巡河6次", actor="环保", now="2020-11-02T09:00")
    assert out == (
        "R1: progress recorded.\nR1: the missed-report warning is lifted.\n"
        "Next progress report due by 2020-12-02.\n"
    )
    assert item(county, "R1")["level"] == "none"
    assert {n["status"] for n in county.json("notices") if n["event"] != "assigned"} == {"skipped"}
    assert county.json("sweep", "--at", "2020-11-30T09:00")["notices_queued"] == 0
    # The next period fires again, once.
    report = county.json("sweep", "--at", "2020-12-02T09:01")
    assert (report["progress_raised"]["blue"], report["notices_queued"]) == (1, 1)
    assert county.json("sweep", "--at", "2020-12-02T10:00")["notices_queued"] == 0
    assert warnings(county) == blue + blue + yellow

    # Delivered, it reads as a missed progress report on an item with no deadline.
    county.env.update(smtp_server.settings())
    county.env["RECTIFY_NOTICE_LANG"] = "zh"
    county.ok("deliver", now="2020-12-02T10:00")
    (mail,) = [m.message() for m in smtp_server.mails if "预警" in m.message()["subject"]]
    body = mail.get_content()
    assert "R1" in mail["subject"] and "未按期报送整改进展" in mail["subject"]
    assert "整改时限：长期坚持" in body and "蓝色预警" in body


def test_a_report_on_a_dated_item_keeps_its_deadline_warning(
    county: Rectify, tmp_path: Path
) -> None:
    with_progress_every(county, tmp_path, 30)
    standing_and_dated(county)
    county.json("sweep", "--at", "2020-09-28T09:00")  # R2 (due 09-30) yellow
    assert item(county, "R2")["level"] == "yellow"
    out = county.ok("progress", "R2", "--note", "已清理一半", actor="环保", now="2020-09-28T10:00")
    assert out == "R2: progress recorded.\n"  # no next report is owed: it has a deadline
    assert item(county, "R2")["level"] == "yellow"
    yellow = [n["status"] for n in county.json("notices") if n["event"] == "yellow"]
    assert yellow == ["pending", "pending"]  # to the person and the unit, still to go
