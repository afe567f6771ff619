"""Blue, yellow and red warnings: a campaign driven through weeks of simulated time.

Sweeps run at chosen instants (`sweep --at`); notices go out through a real SMTP server
(aiosmtpd) and a local HTTP SMS gateway, both on loopback.
"""

# Fixtures are imported explicitly and then requested by parameter name.
# ruff: noqa: F401, F811

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import Rectify
from tests.support.servers import HttpTestServer, SmtpTestServer, http_server, smtp_server


def setup_campaign(rectify: Rectify) -> None:
    """水利局 (with a mailbox) leads T1 and T2, 卫健委 (no mailbox) cooperates on T1."""
    rectify.ok("unit", "add", "slj", "水利局", "--email", "slj@example.gov.cn")
    rectify.ok("unit", "add", "wjw", "卫健委")
    rectify.ok("unit", "add", "xw", "县委办")
    rectify.ok("person", "add", "韩水", "--unit", "slj", "--head",
               "--email", "hanshui@example.gov.cn", "--phone", "13800000001")  # fmt: skip
    rectify.ok("person", "add", "鲁检", "--unit", "wjw", "--head", "--phone", "13800000002")
    rectify.ok(
        "person", "add", "王书记", "--unit", "xw", "--head", "--email", "wang@example.gov.cn"
    )
    rectify.ok("campaign", "add", "TP", "整改", "--deadline", "2020-11-30", "--leader", "王书记")
    rectify.ok("problem", "add", "--campaign", "TP", "--title", "部分农村集中供水工程氟超标")
    rectify.ok(
        "task", "add", "--problem", "P1", "--title", "加装除氟设备", "--deadline", "2020-10-15"
    )
    rectify.ok(
        "task", "add", "--problem", "P1", "--title", "开展水质抽样监测", "--deadline", "2020-09-30"
    )
    rectify.ok("assign", "T1", "--unit", "slj", "--person", "韩水")  # R1
    rectify.ok("assign", "T1", "--unit", "wjw", "--person", "鲁检", "--role", "cooperate")  # R2
    rectify.ok("assign", "T2", "--unit", "slj", "--person", "韩水")  # R3


def sweep(rectify: Rectify, at: str) -> dict[str, Any]:
    report: dict[str, Any] = rectify.json("sweep", "--at", at)
    return report


def queued(rectify: Rectify, event: str | None = None) -> Counter[tuple[str, str, str, str]]:
    """(ref, event, recipient, channel) of every notice in the outbox."""
    rows = rectify.json("notices")
    return Counter(
        (n["ref"], n["event"], n["recipient"], n["channel"])
        for n in rows
        if event is None or n["event"] == event
    )


def levels(rectify: Rectify) -> dict[str, str]:
    return {i["ref"]: i["level"] for i in rectify.json("list")}


def test_levels_rise_once_each_jump_and_stop_when_fixed(rectify: Rectify) -> None:
    setup_campaign(rectify)
    assignments = queued(rectify, "assigned")
    assert assignments == Counter(
        {
            ("R1", "assigned", "韩水", "email"): 1,
            ("R1", "assigned", "韩水", "sms"): 1,
            ("R2", "assigned", "鲁检", "sms"): 1,  # 鲁检 has no email address
            ("R3", "assigned", "韩水", "email"): 1,
            ("R3", "assigned", "韩水", "sms"): 1,
        }
    )
    # Week 1: nothing is near its deadline.
    assert sweep(rectify, "2020-09-07T09:00")["raised"] == {"blue": 0, "yellow": 0, "red": 0}
    # 2020-09-23: R3 (due 09-30) has 7 days left: blue, to the person only.
    report = sweep(rectify, "2020-09-23T09:00")
    assert (report["raised"], report["notices_queued"]) == ({"blue": 1, "yellow": 0, "red": 0}, 2)
    assert queued(rectify, "blue") == Counter(
        {("R3", "blue", "韩水", "email"): 1, ("R3", "blue", "韩水", "sms"): 1}
    )
    # The same sweep again, or a later one at the same level, changes and sends nothing.
    before = rectify.json("notices")
    for at in ("2020-09-23T09:00", "2020-09-23T15:30", "2020-09-26T23:59"):
        assert sweep(rectify, at)["notices_queued"] == 0
    assert rectify.json("notices") == before
    # 09-27: 3 days left: yellow, to the person and the unit's mailbox.
    assert sweep(rectify, "2020-09-27T09:00")["raised"]["yellow"] == 1
    assert queued(rectify, "yellow") == Counter(
        {
            ("R3", "yellow", "韩水", "email"): 1,
            ("R3", "yellow", "韩水", "sms"): 1,
            ("R3", "yellow", "水利局", "email"): 1,
        }
    )
    # The deadline day is met until its end in Asia/Shanghai; a minute later it is red.
    assert sweep(rectify, "2020-09-30T23:59")["raised"]["red"] == 0
    assert sweep(rectify, "2020-10-01T00:00:30")["raised"]["red"] == 1
    assert set(queued(rectify, "red")) == {
        ("R3", "red", "韩水", "email"),
        ("R3", "red", "韩水", "sms"),
        ("R3", "red", "水利局", "email"),
    }
    # The leader hears of red items in the day's digest (default policy: daily at 08:30).
    assert sweep(rectify, "2020-10-01T08:30")["digests_queued"] == 1
    assert set(queued(rectify, "digest")) == {(None, "digest", "王书记", "email")}
    # R1 is fixed before its warnings; R2 (its cooperating unit) is not. A sweep after a
    # week's downtime jumps R2 from none to yellow and sends yellow only, never blue.
    rectify.ok("fix", "R1", "--note", "已加装", actor="韩水", now="2020-10-05T10:00")
    report = sweep(rectify, "2020-10-12T09:00")
    assert report["raised"] == {"blue": 0, "yellow": 1, "red": 0}
    assert levels(rectify) == {"R1": "none", "R2": "yellow", "R3": "red"}
    assert not queued(rectify, "blue") & Counter({("R2", "blue", "鲁检", "sms"): 1})
    # Rejected, R1 resumes: the next sweep catches it up to the level it has reached.
    rectify.ok("reject", "R1", "--note", "缺少水质检测报告", now="2020-10-13T09:00")
    assert ("R1", "rejected", "韩水", "email") in queued(rectify, "rejected")
    assert sweep(rectify, "2020-10-16T08:00")["raised"] == {"blue": 0, "yellow": 0, "red": 2}
    assert levels(rectify) == {"R1": "red", "R2": "red", "R3": "red"}


def test_a_closed_item_never_escalates(rectify: Rectify) -> None:
    setup_campaign(rectify)
    rectify.ok("fix", "R3", "--note", "已完成", actor="韩水", now="2020-09-20T10:00")
    rectify.ok("accept", "R3", now="2020-09-21T10:00")
    sweep(rectify, "2020-12-01T09:00")
    assert levels(rectify)["R3"] == "none"
    assert not [n for n in rectify.json("notices") if n["ref"] == "R3" and n["event"] == "red"]


def test_delivery_over_smtp_and_an_sms_gateway(
    rectify: Rectify, smtp_server: SmtpTestServer, http_server: HttpTestServer
) -> None:
    rectify.env.update(smtp_server.settings())
    rectify.env["RECTIFY_SMS_URL"] = http_server.url
    setup_campaign(rectify)
    sweep(rectify, "2020-10-01T09:00")  # R3 red
    out = rectify.delivers(now="2020-10-01T09:01")
    assert out == "Sent 9, retrying 0, dead 0, held for quiet hours 0.\n"
    assert {n["status"] for n in rectify.json("notices")} == {"sent"}
    subjects = sorted(m.message()["subject"] for m in smtp_server.mails)
    red = [s for s in subjects if "红色预警：" in s]
    assert len(red) == 2 and all("R3" in s and "开展水质抽样监测" in s for s in red)
    # the leader's copy is the day's digest, listing R3
    (digest,) = [m for m in smtp_server.mails if m.rcpt_tos == ["wang@example.gov.cn"]]
    subject = "【整改督办】每日预警汇总（2020年10月1日）：红色预警/逾期事项1项"
    assert digest.message()["subject"] == subject
    assert "R3" in digest.message().get_content()
    assert smtp_server.connections == 1  # one connection for the whole batch
    texts = [r.json() for r in http_server.requests]
    red_sms = [t for t in texts if "红色预警" in t["text"]]
    assert red_sms == [{"phone": "13800000001", "text": red_sms[0]["text"]}]
    assert "R3" in red_sms[0]["text"] and "2020年9月30日" in red_sms[0]["text"]
    assert all(len(t["text"]) <= 70 for t in texts)
    # Delivered is delivered: running again sends nothing twice.
    assert rectify.delivers(now="2020-10-01T09:05").startswith("Sent 0,")
    assert len(smtp_server.mails) == 5 and len(http_server.requests) == 4


def test_sms_waits_through_quiet_hours_and_failures_back_off(
    rectify: Rectify, http_server: HttpTestServer
) -> None:
    rectify.env["RECTIFY_SMS_URL"] = http_server.url
    setup_campaign(rectify)
    rectify.delivers(now="2020-09-01T09:01")  # the 交办 SMS go out at once
    http_server.requests.clear()
    sweep(rectify, "2020-09-23T22:30")  # blue for R3, at night
    blue_sms = [
        n for n in rectify.json("notices") if n["event"] == "blue" and n["channel"] == "sms"
    ]
    held_until = datetime.fromisoformat(blue_sms[0]["next_attempt_at"])
    assert held_until == datetime(2020, 9, 24, 7, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert rectify.delivers(now="2020-09-23T23:00").startswith("Sent 0,")
    assert http_server.requests == []
    # At 07:00 the gateway is down (503): the notice backs off, keeping its count in the row.
    http_server.respond(503, {"error": "busy"})
    assert rectify.delivers(now="2020-09-24T07:00").startswith("Sent 0, retrying 1,")
    (row,) = [n for n in rectify.json("notices", "--ref", "R3") if n["channel"] == "sms"
              and n["event"] == "blue"]  # fmt: skip
    assert (row["attempts"], row["last_error"] is not None) == (1, True)
    assert rectify.delivers(now="2020-09-24T07:00:30").startswith("Sent 0, retrying 0,")
    http_server.respond(200, {})
    assert rectify.delivers(now="2020-09-24T07:01:01").startswith("Sent 1,")
    # A permanent refusal (4xx) is dead at once; nothing is deleted.
    sweep(rectify, "2020-09-27T09:00")
    http_server.respond(400, {"error": "bad phone"})
    out = rectify.delivers(now="2020-09-27T09:01")
    assert out.startswith("Sent 0, retrying 0, dead 1,")
    assert "dead: notice" in out
    assert len(rectify.json("notices", "--status", "dead")) == 1


def test_unconfigured_channels_keep_notices_pending_and_say_so(rectify: Rectify) -> None:
    setup_campaign(rectify)
    out = rectify.delivers()
    assert out.splitlines()[0] == "Sent 0, retrying 0, dead 0, held for quiet hours 0."
    assert (
        "email: not configured (missing RECTIFY_SMTP_HOST, RECTIFY_SMTP_FROM); 2 notices "
        "stay pending." in out
    )
    assert "sms: not configured" in out
    assert {n["status"] for n in rectify.json("notices")} == {"pending"}


@pytest.mark.parametrize("secret", ["s3cr3t-Pa55word"])
def test_secrets_never_appear_in_output(rectify: Rectify, secret: str) -> None:
    rectify.env.update(
        {
            "RECTIFY_SMTP_HOST": "127.0.0.1",
            "RECTIFY_SMTP_PORT": "1",  # nothing listens: every send fails
            "RECTIFY_SMTP_FROM": "rectify@example.gov.cn",
            "RECTIFY_SMTP_USER": "office",
            "RECTIFY_SMTP_PASSWORD": secret,
        }
    )
    setup_campaign(rectify)
    result = rectify.run("deliver")
    assert result.exit_code == 1  # nothing sent, something failed
    assert secret not in result.output
    assert all(secret not in (n["last_error"] or "") for n in rectify.json("notices"))


def test_a_notice_that_keeps_failing_backs_off_and_is_dead_only_after_give_up_after(
    rectify: Rectify, http_server: HttpTestServer
) -> None:
    """default.yaml: waits of 60 s, 120 s, 240 s ... capped at 3600 s, for 72 hours; then dead."""
    rectify.env["RECTIFY_SMS_URL"] = http_server.url
    http_server.respond(503, {"error": "gateway down"})
    rectify.ok("unit", "add", "slj", "水利局")
    rectify.ok("person", "add", "韩水", "--unit", "slj", "--head", "--phone", "13800000001")
    rectify.ok("campaign", "add", "TP", "整改", "--deadline", "2020-11-30")
    rectify.ok("problem", "add", "--campaign", "TP", "--title", "氟超标")
    rectify.ok("task", "add", "--problem", "P1", "--title", "除氟", "--deadline", "2020-10-15")
    rectify.ok("assign", "T1", "--unit", "slj", "--person", "韩水")  # one 交办 SMS
    start = datetime(2020, 9, 1, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    elapsed = 0
    waits = [60, 120, 240, 480, 960, 1920, 3600, 3600]  # past max_attempts (6), never dead
    for attempt, wait in enumerate(waits, start=1):
        out = rectify.delivers(now=(start + timedelta(seconds=elapsed)).isoformat())
        (notice,) = rectify.json("notices")
        assert notice["attempts"] == attempt
        assert out.startswith("Sent 0, retrying 1, dead 0,")
        due = datetime.fromisoformat(notice["next_attempt_at"])
        assert due == start + timedelta(seconds=elapsed + wait)
        # Not due a second earlier: delivery leaves it alone.
        early = (due - timedelta(seconds=1)).isoformat()
        assert rectify.delivers(now=early).startswith("Sent 0, retrying 0, dead 0,")
        elapsed += wait
    out = rectify.delivers(now=(start + timedelta(hours=72)).isoformat())
    (notice,) = rectify.json("notices")
    assert out.startswith("Sent 0, retrying 0, dead 1,")
    assert notice["status"] == "dead" and notice["attempts"] == len(waits) + 1
    assert notice["last_error"].startswith("given up after 72 hours: ")
    assert "503" in notice["last_error"]
    assert len(http_server.requests) == len(waits) + 1
