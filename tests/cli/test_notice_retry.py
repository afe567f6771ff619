"""`rectify notices retry`: dead notices back in the queue, audited, sent once (both backends)."""

# Fixtures are imported explicitly and then requested by parameter name.
# ruff: noqa: F401, F811

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import create_engine, select

from notifications.channels import CHANNELS as CHANNEL_REGISTRY
from tests.cli.test_delivery_config import START, at, office_with_items, outbox
from tests.conftest import Rectify
from tests.support.servers import SmtpTestServer, smtp_server
from workflow.db.schema import change_log
from workflow.services.notice_admin import CHANNELS

ADDRESS = "hanshui@example.gov.cn"


def audit(rectify: Rectify) -> list[dict[str, Any]]:
    engine = create_engine(rectify.db_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(change_log).where(change_log.c.kind == "notice").order_by(change_log.c.id)
            )
            return [dict(row._mapping) for row in rows]
    finally:
        engine.dispose()


def dead_after_refusal(rectify: Rectify, server: SmtpTestServer, count: int = 2) -> None:
    """`count` 交办 emails refused for good (550) and so dead, at 09:01."""
    office_with_items(rectify, count)
    rectify.env.update(server.settings())
    server.recorder.refuse = {ADDRESS: "550 5.1.1 No such user"}
    out = rectify.delivers(now=at(60))
    assert out.startswith(f"Sent 0, retrying 0, dead {count},")
    server.recorder.refuse = {}  # the mailbox is put right


def test_retry_puts_dead_notices_back_audited_and_delivery_sends_them_once(
    rectify: Rectify, smtp_server: SmtpTestServer
) -> None:
    dead_after_refusal(rectify, smtp_server)

    out = rectify.ok("notices", "retry", now=at(3600))

    assert out == "Put 2 dead notices back in the queue; `rectify deliver` sends them.\n"
    rows = outbox(rectify)
    assert [(n["status"], n["attempts"]) for n in rows] == [("pending", 0)] * 2
    assert {datetime.fromisoformat(n["next_attempt_at"]) for n in rows} == {
        START + timedelta(seconds=3600)
    }
    # Why they died is kept until the next attempt says otherwise.
    assert all(n["last_error"].startswith("recipient refused: 550") for n in rows)
    logged = audit(rectify)
    assert [
        (r["ref"], r["field"], r["old_value"], r["new_value"], r["actor"], r["note"])
        for r in logged
    ] == [(str(n["id"]), "status", "dead", "pending", "李督查", "notices retry") for n in rows]
    assert rectify.delivers(now=at(3601)).startswith("Sent 2, retrying 0, dead 0,")
    assert rectify.delivers(now=at(7200)).startswith("Sent 0, retrying 0, dead 0,")
    assert [m.rcpt_tos for m in smtp_server.mails] == [[ADDRESS], [ADDRESS]]
    assert [(n["status"], n["attempts"]) for n in outbox(rectify)] == [("sent", 1)] * 2
    # Nothing dead is left to retry.
    out = rectify.ok("notices", "retry", now=at(7300))
    assert out == "No dead notices match; nothing put back in the queue.\n"
    assert len(audit(rectify)) == 2


def test_retry_takes_only_the_notices_asked_for(
    rectify: Rectify, smtp_server: SmtpTestServer
) -> None:
    dead_after_refusal(rectify, smtp_server, 3)

    assert rectify.ok("notices", "retry", "--channel", "sms") == (
        "No dead notices match; nothing put back in the queue.\n"
    )
    # Given up at 09:01 on 2020-09-01: not since the 2nd.
    assert rectify.ok("notices", "retry", "--since", "2020-09-02").startswith("No dead")
    out = rectify.ok("notices", "retry", "--ref", "r2", "--channel", "email",
                     "--since", "2020年9月1日")  # fmt: skip
    assert out == "Put 1 dead notice back in the queue; `rectify deliver` sends it.\n"
    assert [(n["ref"], n["status"]) for n in outbox(rectify)] == [
        ("R1", "dead"),
        ("R2", "pending"),
        ("R3", "dead"),
    ]
    assert [r["note"] for r in audit(rectify)] == [
        "notices retry --ref R2 --channel email --since 2020-09-01"
    ]


def test_only_office_staff_may_retry_and_bad_filters_are_refused(
    rectify: Rectify, smtp_server: SmtpTestServer
) -> None:
    dead_after_refusal(rectify, smtp_server)
    before = outbox(rectify)

    assert rectify.fails("notices", "retry", actor="韩水") == (
        "Error: 韩水 may not put dead notices back in the queue: that is for office staff (督查室)"
    )
    assert rectify.fails("notices", "retry", "--channel", "fax") == (
        "Error: no channel 'fax'; channels are email, sms, dingtalk, wecom"
    )
    assert rectify.fails("notices", "retry", "--ref", "R9") == ("Error: no responsibility item R9")
    assert rectify.fails("notices", "retry", "--ref", "P1") == (
        "Error: P1 is not a responsibility item; notices belong to R refs"
    )
    assert rectify.fails("notices", "retry", "--since", "soon").startswith("Error: --since 'soon':")
    assert outbox(rectify) == before
    assert audit(rectify) == []


def test_retry_speaks_chinese_by_default(rectify: Rectify, smtp_server: SmtpTestServer) -> None:
    dead_after_refusal(rectify, smtp_server)
    rectify.lang = None

    assert rectify.ok("notices", "retry", "--ref", "R1") == (
        "已将 1 条已放弃的通知重新排队，运行 `rectify deliver` 即发送。\n"
    )
    assert rectify.ok("notices", "retry") == (
        "已将 1 条已放弃的通知重新排队，运行 `rectify deliver` 即发送。\n"
    )
    assert rectify.ok("notices", "retry") == "没有符合条件的已放弃通知，未重新排队。\n"
    refusal = rectify.fails("notices", "retry", actor="韩水")
    assert refusal.startswith("Error: 韩水") and "将已放弃的通知重新排队" in refusal


def test_notices_alone_and_notices_list_still_list_the_outbox(
    rectify: Rectify, smtp_server: SmtpTestServer
) -> None:
    dead_after_refusal(rectify, smtp_server)
    assert [n["status"] for n in rectify.json("notices", "--status", "dead")] == ["dead"] * 2
    assert rectify.json("notices", "list", "--status", "dead") == rectify.json(
        "notices", "--status", "dead"
    )
    assert rectify.json("notices", "--status", "pending") == []
    assert rectify.ok("notices", "--ref", "R1", "--format", "csv").count("\n") == 2


def test_the_service_knows_every_registered_channel() -> None:
    assert set(CHANNELS) == set(CHANNEL_REGISTRY)


def test_a_retried_warning_overtaken_meanwhile_is_skipped_not_sent(
    rectify: Rectify, smtp_server: SmtpTestServer
) -> None:
    office_with_items(rectify, 2)  # R1, R2 due 2020-10-15
    rectify.env.update(smtp_server.settings())
    assert rectify.delivers(now="2020-09-01T09:01").startswith("Sent 2,")  # 交办
    rectify.ok("sweep", "--at", "2020-10-09T09:00")  # blue for R1 and R2
    smtp_server.recorder.refuse = {ADDRESS: "550 5.1.1 No such user"}
    assert rectify.delivers(now="2020-10-09T09:01").startswith("Sent 0, retrying 0, dead 2,")
    smtp_server.recorder.refuse = {}
    rectify.ok("fix", "R1", "--note", "已完成", actor="韩水", now="2020-10-09T10:00")

    rectify.ok("notices", "retry", now="2020-10-09T11:00")
    out = rectify.delivers(now="2020-10-09T11:01")

    assert out.splitlines() == [
        "Sent 1, retrying 0, dead 0, held for quiet hours 0.",
        "Skipped 1 warning overtaken before sending (item fixed or closed, deadline extended, "
        "or a higher level queued).",
    ]
    blue = [(n["ref"], n["status"], n["last_error"]) for n in outbox(rectify)
            if n["event"] == "blue"]  # fmt: skip
    assert blue == [("R1", "skipped", "R1 is fixed"), ("R2", "sent", None)]
    assert len(smtp_server.mails) == 3
