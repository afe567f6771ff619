"""A channel set up wrongly never uses up notices: wrong settings stop `deliver` before anything
is claimed; a server that refuses our login or cannot be reached leaves them pending, no
attempt used. Real SMTP servers on loopback (aiosmtpd), both database backends."""

# Fixtures are imported explicitly and then requested by parameter name.
# ruff: noqa: F401, F811

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import Rectify
from tests.support.servers import (
    SmtpTestServer,
    free_port,
    smtp_auth_server,
    smtp_server,
    stopped_smtp_server,
)

START = datetime(2020, 9, 1, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
CHINA = ZoneInfo("Asia/Shanghai")


def office_with_items(rectify: Rectify, count: int = 2, *, phone: str | None = None) -> None:
    """督查室 (李督查, office, registered by the fixture) gives 水利局's 韩水 `count` items:
    one 交办 email each, queued."""
    rectify.ok("unit", "add", "slj", "水利局")
    phone_option = ["--phone", phone] if phone else []
    rectify.ok("person", "add", "韩水", "--unit", "slj", "--head",
               "--email", "hanshui@example.gov.cn", *phone_option)  # fmt: skip
    rectify.ok("campaign", "add", "TP", "整改", "--deadline", "2020-11-30")
    rectify.ok("problem", "add", "--campaign", "TP", "--title", "部分农村集中供水工程氟超标")
    for number in range(1, count + 1):
        rectify.ok("task", "add", "--problem", "P1", "--title", f"整改措施{number}",
                   "--deadline", "2020-10-15")  # fmt: skip
        rectify.ok("assign", f"T{number}", "--unit", "slj", "--person", "韩水")  # R<number>


def outbox(rectify: Rectify) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = rectify.json("notices")
    return rows


def at(seconds: int) -> str:
    return (START + timedelta(seconds=seconds)).isoformat()


# --- wrong settings: one Error line, nothing claimed ----------------------------------------


@pytest.mark.parametrize(
    ("settings", "problem"),
    [
        (
            {"RECTIFY_SMTP_FROM": "督查室"},
            "email: RECTIFY_SMTP_FROM '督查室' is not one email address; write it as "
            "office@example.gov.cn or 督查室 <office@example.gov.cn> (an ASCII address)",
        ),
        (
            {"RECTIFY_SMTP_FROM": "督查室 dcs@gov.test"},
            "email: RECTIFY_SMTP_FROM '督查室 dcs@gov.test' is not one email address;",
        ),
        ({"RECTIFY_SMTP_PORT": "smtp"}, "email: RECTIFY_SMTP_PORT must be a TCP port number"),
        ({"RECTIFY_SMTP_HOST": ""}, "email: missing RECTIFY_SMTP_HOST"),
    ],
    ids=["from-without-address", "from-without-brackets", "port", "no-host"],
)
def test_wrong_email_settings_stop_delivery_before_anything_is_claimed(
    rectify: Rectify, smtp_server: SmtpTestServer, settings: dict[str, str], problem: str
) -> None:
    office_with_items(rectify)
    rectify.env.update(smtp_server.settings(**settings))
    before = outbox(rectify)

    error = rectify.fails("deliver", now=at(60))

    assert error.startswith(
        "Error: notice channels are set up wrongly; nothing was sent and every notice stays "
        "queued: " + problem
    )
    assert outbox(rectify) == before  # not claimed, not charged, not dead
    assert [n["status"] for n in before] == ["pending", "pending"]
    assert smtp_server.connections == 0


def test_wrong_settings_are_said_in_chinese_by_default(
    rectify: Rectify, smtp_server: SmtpTestServer
) -> None:
    office_with_items(rectify)
    rectify.env.update(smtp_server.settings(RECTIFY_SMTP_FROM="督查室"))
    rectify.lang = None

    error = rectify.fails("deliver")

    assert error == (
        "Error: 通知渠道配置有误，本次未发送任何通知，通知均留在队列中：email：RECTIFY_SMTP_FROM "
        "'督查室' 不是一个有效的发件地址，请写成 office@example.gov.cn 或 督查室 "
        "<office@example.gov.cn>（地址部分只能用英文字母、数字和符号）"
    )


def test_a_wrong_channel_beside_a_working_one_still_stops_the_run(
    rectify: Rectify, smtp_server: SmtpTestServer
) -> None:
    """Half a delivery would hide the mistake; the operator fixes the settings first."""
    office_with_items(rectify)
    rectify.env.update(smtp_server.settings())
    rectify.env["RECTIFY_DINGTALK_WEBHOOK"] = "oapi.dingtalk.com/robot/send?access_token=tok"

    error = rectify.fails("deliver")

    assert error.endswith("dingtalk: RECTIFY_DINGTALK_WEBHOOK must be an http:// or https:// URL")
    assert "tok" not in error
    assert smtp_server.mails == []


# --- a channel that cannot take the batch: pending, no attempt used -------------------------


def test_a_refused_password_keeps_notices_pending_however_often_delivery_runs(
    rectify: Rectify, smtp_auth_server: SmtpTestServer
) -> None:
    office_with_items(rectify)
    smtp_auth_server.recorder.credentials = {"notifier": "right-password"}
    rectify.env.update(
        smtp_auth_server.settings(RECTIFY_SMTP_USER="notifier", RECTIFY_SMTP_PASSWORD="wrong-one")
    )
    tried = 0
    # More runs than the policy's six attempts: a refused login is a fault of the channel,
    # so each run charges only the one notice it tried, and none is ever dead.
    for run in range(8):
        out = rectify.delivers(now=at(61 * run))
        assert out.startswith("Sent 0, retrying ") and ", dead 0," in out
        tried += "cannot send now" in out
        rows = outbox(rectify)
        assert {n["status"] for n in rows} == {"pending"}
        assert {n["last_error"].removeprefix("not attempted: ") for n in rows} == {
            "SMTP login refused: 535 5.7.8 Authentication credentials invalid"
        }
    # One notice tried, and charged, per run that found one due.
    assert sum(n["attempts"] for n in outbox(rectify)) == tried
    assert "wrong-one" not in rectify.ok("notices", "--format", "csv")
    assert smtp_auth_server.mails == []
    # The password put right, the next run sends both, once.
    rectify.env["RECTIFY_SMTP_PASSWORD"] = "right-password"
    assert rectify.delivers(now=at(4 * 3600)).startswith("Sent 2, retrying 0, dead 0,")
    assert [n["status"] for n in outbox(rectify)] == ["sent"] * 2
    assert sum(n["attempts"] for n in outbox(rectify)) == tried + 2
    assert len(smtp_auth_server.mails) == 2


def test_a_server_that_wants_a_login_we_do_not_give_refuses_the_sender_not_the_notices(
    rectify: Rectify, smtp_auth_server: SmtpTestServer
) -> None:
    office_with_items(rectify)
    rectify.env.update(smtp_auth_server.settings())

    out = rectify.delivers(now=at(60))

    assert out.splitlines()[0] == "Sent 0, retrying 2, dead 0, held for quiet hours 0."
    assert "email: cannot send now (SMTP sender refused: 530" in out
    rows = outbox(rectify)
    # Only the notice tried is charged; the other was not reached.
    assert [(n["status"], n["attempts"]) for n in rows] == [("pending", 1), ("pending", 0)]
    assert rows[0]["last_error"].startswith("SMTP sender refused: 530")
    assert rows[1]["last_error"].startswith("not attempted: SMTP sender refused: 530"), rows


def test_a_stopped_mail_server_keeps_notices_pending_without_using_attempts(
    rectify: Rectify,
) -> None:
    office_with_items(rectify)
    server = stopped_smtp_server()
    rectify.env.update(server.settings())

    out = rectify.delivers(now=at(60))

    assert out.startswith("Sent 0, retrying 2, dead 0, held for quiet hours 0.\n")
    assert "email: cannot send now (SMTP connection failed:" in out
    rows = outbox(rectify)
    # Only the notice tried is charged; the other was not reached.
    assert [(n["status"], n["attempts"]) for n in rows] == [("pending", 1), ("pending", 0)]
    assert all("Connection refused" in n["last_error"] for n in rows)
    # In Chinese, the same.
    rectify.lang = None
    out = rectify.delivers(now=at(121))
    assert out.splitlines()[0] == "已发送 0 条，待重试 2 条，已放弃 0 条，夜间暂缓 0 条。"
    assert "email：暂时无法发送（SMTP connection failed:" in out
    assert "1 条通知留在队列中，不计尝试次数。" in out  # the other one was tried


def test_a_server_closing_each_connection_after_one_mail_charges_only_the_refused_ones(
    rectify: Rectify, smtp_server: SmtpTestServer
) -> None:
    office_with_items(rectify, 4)
    smtp_server.recorder.close_after = 1  # 421 to the second mail of a connection, and hangs up
    rectify.env.update(smtp_server.settings())

    out = rectify.delivers(now=at(60))

    assert out.splitlines()[0] == "Sent 2, retrying 2, dead 0, held for quiet hours 0."
    rows = outbox(rectify)
    assert [(n["ref"], n["status"], n["attempts"]) for n in rows] == [
        ("R1", "sent", 1),
        ("R2", "pending", 1),  # answered 421: tried, so it counts
        ("R3", "sent", 1),  # on a new connection
        ("R4", "pending", 1),
    ]
    assert smtp_server.connections == 2


def test_after_the_server_closes_a_new_connection_at_once_the_rest_wait_unattempted(
    rectify: Rectify, smtp_server: SmtpTestServer
) -> None:
    office_with_items(rectify, 4)
    smtp_server.recorder.close_after = 1
    smtp_server.recorder.mail_replies = {3: "421 4.3.2 Service shutting down"}
    rectify.env.update(smtp_server.settings())

    out = rectify.delivers(now=at(60))

    assert out.splitlines()[0] == "Sent 1, retrying 3, dead 0, held for quiet hours 0."
    assert (
        "email: cannot send now (SMTP sender refused: 421 4.3.2 Service shutting down); "
        "2 notices stay pending, no attempt used." in out
    )
    rows = outbox(rectify)
    assert [(n["ref"], n["status"], n["attempts"]) for n in rows] == [
        ("R1", "sent", 1),
        ("R2", "pending", 1),  # answered 421: tried, so it counts
        ("R3", "pending", 0),
        ("R4", "pending", 0),
    ]


def test_an_unreachable_sms_gateway_keeps_its_notices_pending_without_attempts(
    rectify: Rectify, smtp_server: SmtpTestServer
) -> None:
    office_with_items(rectify, phone="13800000001")
    rectify.env.update(smtp_server.settings())
    rectify.env["RECTIFY_SMS_URL"] = f"http://127.0.0.1:{free_port()}/send"  # nothing listens

    out = rectify.delivers(now=at(60))

    assert out.splitlines()[0] == "Sent 2, retrying 2, dead 0, held for quiet hours 0."
    assert "sms: cannot send now (SMS gateway unreachable:" in out
    rows = [(n["channel"], n["status"], n["attempts"]) for n in outbox(rectify)]
    assert sorted(rows) == [("email", "sent", 1)] * 2 + [
        ("sms", "pending", 0),
        ("sms", "pending", 1),
    ]


# --- a sender with a Chinese name ------------------------------------------------------------


def test_a_chinese_sender_name_reaches_the_server_encoded(
    rectify: Rectify, smtp_server: SmtpTestServer
) -> None:
    office_with_items(rectify)
    rectify.env.update(smtp_server.settings(RECTIFY_SMTP_FROM="督查室 <dcs@gov.test>"))

    out = rectify.delivers(now=at(60))

    assert out == "Sent 2, retrying 0, dead 0, held for quiet hours 0.\n"
    assert [m.mail_from for m in smtp_server.mails] == ["dcs@gov.test", "dcs@gov.test"]
    for mail in smtp_server.mails:
        raw_from = next(line for line in mail.data.splitlines() if line.startswith(b"From:"))
        assert raw_from.isascii() and b"=?utf-8?" in raw_from.lower()
        sender = mail.message()["From"].addresses[0]
        assert (sender.display_name, sender.addr_spec) == ("督查室", "dcs@gov.test")
    assert [(n["status"], n["attempts"]) for n in outbox(rectify)] == [("sent", 1)] * 2
