"""Daily digests: under the default policy leaders get one mail a day listing their red items,
most days overdue first, instead of a notice per item; units and people keep per-item notices.

Delivered through a real SMTP server (aiosmtpd) on loopback; time is RECTIFY_NOW / `now=`.
"""

# Fixtures are imported explicitly and then requested by parameter name.
# ruff: noqa: F401, F811

from __future__ import annotations

import json
import re
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from tests.cli.test_problem_leader import with_leaders
from tests.conftest import Rectify
from tests.support.servers import SmtpTestServer, smtp_server
from workflow.app import App
from workflow.db.schema import notices
from workflow.scheduler import claimed_sweep
from workflow.services import digests
from workflow.settings import load_settings

WANG, ZHANG = "wang@example.gov.cn", "zhang@example.gov.cn"
ZONE = ZoneInfo("Asia/Shanghai")


def overdue_campaign(county: Rectify) -> None:
    """R1 (due 09-20, 张县长 in charge), R2 (09-25, nobody in charge), R3 (09-28, 张县长):
    on 2020-10-01 they are 11, 6 and 3 days overdue. 王书记 leads the campaign."""
    with_leaders(county)
    county.ok("person", "set", "韩水", "--email", "hanshui@example.gov.cn")
    county.ok("problem", "add", "--campaign", "TP", "--title", "饮水不安全", "--leader", "张县长")
    county.ok("problem", "add", "--campaign", "TP", "--title", "资金滞后")
    for problem, title, due in (
        ("P1", "更换水源", "2020-09-20"),
        ("P2", "加快拨付", "2020-09-25"),
        ("P1", "水质监测", "2020-09-28"),
    ):
        county.ok("task", "add", "--problem", problem, "--title", title, "--deadline", due)
    county.ok("assign", "T1", "--unit", "slj", "--person", "韩水")
    county.ok("assign", "T2", "--unit", "czj", "--person", "蒋财")
    county.ok("assign", "T3", "--unit", "wjw", "--person", "鲁检")
    county.ok("deliver", now="2020-09-01T09:01")  # the 交办 mail to 韩水


def digests_listed(county: Rectify) -> list[tuple[object, ...]]:
    return [
        (n["ref"], n["recipient"], n["channel"], n["deadline_version"], n["status"])
        for n in county.json("notices")
        if n["event"] == "digest"
    ]


def table(body: str) -> list[tuple[str, str]]:
    """(ref, days overdue) of each row of a digest's table."""
    lines = body.replace("\r\n", "\n")
    return re.findall(r"^(R\d+)\s.*?\s(\d+)\s+红色预警$", lines, flags=re.MULTILINE)


def test_leaders_get_one_digest_a_day_sorted_by_days_overdue(
    county: Rectify, smtp_server: SmtpTestServer
) -> None:
    county.env.update(smtp_server.settings())
    overdue_campaign(county)
    sent_before = len(smtp_server.mails)
    # Before 08:30 the items turn red and the person hears of each; the leaders hear nothing.
    report = county.json("sweep", "--at", "2020-10-01T08:00")
    assert (report["raised"]["red"], report["digests_queued"]) == (3, 0)
    red = [(n["ref"], n["recipient"]) for n in county.json("notices") if n["event"] == "red"]
    assert red == [("R1", "韩水")]  # the only one with an address; never a leader
    assert county.json("sweep", "--at", "2020-10-01T08:29")["digests_queued"] == 0
    # From 08:30 on: one digest for each leader, each once.
    assert county.ok("sweep", now="2020-10-01T08:30").endswith("Daily digests queued: 2.\n")
    assert digests_listed(county) == [
        (None, "王书记", "email", None, "pending"),
        (None, "张县长", "email", None, "pending"),
    ]
    assert county.json("notices", "--ref", "R1") == [
        n for n in county.json("notices") if n["ref"] == "R1"
    ]  # a digest is no item's notice

    county.ok("deliver", now="2020-10-01T08:31")
    mails = {m.rcpt_tos[0]: m.message() for m in smtp_server.mails[sent_before:]}
    assert set(mails) == {WANG, ZHANG, "hanshui@example.gov.cn"}
    wang, zhang = mails[WANG], mails[ZHANG]
    assert wang["subject"] == "【整改督办】每日预警汇总（2020年10月1日）：红色预警/逾期事项3项"
    # 王书记 leads the campaign: every red item; 张县长 is in charge of problem 1 only
    assert table(wang.get_content()) == [("R1", "11"), ("R2", "6"), ("R3", "3")]
    assert table(zhang.get_content()) == [("R1", "11"), ("R3", "3")]
    header = next(line for line in wang.get_content().splitlines() if line.startswith("编号"))
    assert header.split() == [
        "编号",
        "整改措施",
        "责任单位",
        "责任人",
        "整改时限",
        "逾期天数",
        "预警等级",
    ]
    assert "R2      加快拨付" in wang.get_content() and "财政局" in wang.get_content()
    assert {status for *_, status in digests_listed(county)} == {"sent"}

    # Later sweeps and deliveries that day send nothing more.
    count = len(smtp_server.mails)
    for at in ("2020-10-01T09:00", "2020-10-01T21:30"):
        assert county.json("sweep", "--at", at)["digests_queued"] == 0
        assert county.ok("deliver", now=at).startswith("Sent 0,")
    assert len(smtp_server.mails) == count

    # The next day a new digest, as the items are then: R2 was fixed meanwhile.
    county.ok("fix", "R2", "--note", "已拨付", actor="蒋财", now="2020-10-01T15:00")
    assert county.json("sweep", "--at", "2020-10-02T08:30")["digests_queued"] == 2
    county.ok("deliver", now="2020-10-02T08:31")
    new = {m.rcpt_tos[0]: m.message() for m in smtp_server.mails[count:]}
    assert set(new) == {WANG, ZHANG}
    assert table(new[WANG].get_content()) == [("R1", "12"), ("R3", "4")]
    assert "2020年10月2日" in new[WANG]["subject"]


def test_a_digest_is_retried_like_any_notice(county: Rectify, smtp_server: SmtpTestServer) -> None:
    county.env.update(smtp_server.settings())
    overdue_campaign(county)
    smtp_server.recorder.refuse[WANG] = "451 4.3.0 Mailbox busy, try again later"
    county.ok("sweep", now="2020-10-01T09:00")
    out = county.ok("deliver", now="2020-10-01T09:01")
    assert out.startswith("Sent 2, retrying 1, dead 0,")
    (wang,) = [
        n for n in county.json("notices") if n["event"] == "digest" and n["recipient"] == "王书记"
    ]
    assert (wang["status"], wang["attempts"]) == ("pending", 1)
    assert "Mailbox busy" in wang["last_error"]
    # the default policy's back-off: 60 s after the first failure
    assert datetime.fromisoformat(wang["next_attempt_at"]) == datetime(
        2020, 10, 1, 9, 2, tzinfo=ZONE
    )
    del smtp_server.recorder.refuse[WANG]
    assert county.ok("deliver", now="2020-10-01T09:02:30").startswith("Sent 1, retrying 0,")
    (wang,) = [
        n for n in county.json("notices") if n["event"] == "digest" and n["recipient"] == "王书记"
    ]
    assert (wang["status"], wang["attempts"]) == ("sent", 2)
    assert len([m for m in smtp_server.mails if m.rcpt_tos == [WANG]]) == 1


def test_the_scheduler_queues_the_digest_from_its_time_on_and_only_once(county: Rectify) -> None:
    overdue_campaign(county)
    app = App(load_settings({"RECTIFY_DB": county.db_url, "RECTIFY_USER": "李督查"}))
    try:
        early = claimed_sweep(app, "w1", datetime(2020, 10, 1, 8, 0, tzinfo=ZONE))
        assert early is not None and (early.raised["red"], early.digests) == (3, 0)
        on_time = claimed_sweep(app, "w1", datetime(2020, 10, 1, 8, 30, tzinfo=ZONE))
        assert on_time is not None and on_time.digests == 2
        later = claimed_sweep(app, "w2", datetime(2020, 10, 1, 9, 0, tzinfo=ZONE))
        assert later is not None and later.digests == 0
        # Two processes racing: the one that finds the digest queued inserts nothing.
        at = datetime(2020, 10, 1, 9, 30, tzinfo=ZONE)
        with app.ready_db().write() as conn:
            queued = select(notices).where(notices.c.item_id.is_(None))
            again = [
                {k: v for k, v in r._mapping.items() if k != "id"} for r in conn.execute(queued)
            ]
            assert len(again) == 2
            assert digests._insert(conn, again) == 0
            assert digests.queue_digests(conn, app, at, _calendar(conn)) == 0
        with app.ready_db().read() as conn:
            columns = (notices.c.event_key, notices.c.recipient_name, notices.c.note)
            keys = conn.execute(
                select(*columns)
                .where(notices.c.item_id.is_(None))
                .order_by(notices.c.recipient_name)
            ).all()
    finally:
        app.close()
    assert sorted((k, r) for k, r, _ in keys) == [
        ("digest:2020-10-01", "张县长"), ("digest:2020-10-01", "王书记")
    ]  # fmt: skip
    for _, name, text in keys:  # the table as it was at queue time, in the note
        note = json.loads(text)
        assert (note["policy"], note["day"], note["levels"]) == ("default", "2020-10-01", ["red"])
        refs = [(row["ref"], row["days_overdue"]) for row in note["items"]]
        wanted = [("R1", 11), ("R2", 6), ("R3", 3)]
        assert refs == (wanted if name == "王书记" else [wanted[0], wanted[2]])


def _calendar(conn: object) -> object:
    from workflow.services import calendar_days

    return calendar_days.load(conn)  # type: ignore[arg-type]
