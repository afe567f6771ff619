"""The email session begins the next message (its MAIL FROM) as soon as one is accepted, so
the server reads it while the outbox records the result. A real aiosmtpd server on loopback
checks that this never sends a message the outbox did not send next, and never leaves a
transaction half open."""

# Fixtures are imported explicitly and then requested by parameter name.
# ruff: noqa: F401, F811

from __future__ import annotations

from notifications.channels.base import Message
from notifications.channels.email import EmailChannel
from tests.support.servers import SmtpTestServer, smtp_server

BODY = "韩水同志：\n您负责的整改事项 R1 即将到期，请抓紧推进整改。\n"


def mail(index: int, address: str = "") -> Message:
    return Message(
        id=index,
        channel="email",
        address=address or f"u{index}@example.gov.cn",
        recipient="韩水",
        subject=f"【整改督办】R{index} 蓝色预警",
        body=BODY,
    )


def test_messages_sent_one_after_another_each_go_once(smtp_server: SmtpTestServer) -> None:
    channel = EmailChannel.from_settings(smtp_server.settings())
    messages = [channel.prepare(mail(n)) for n in (1, 2, 3)]
    with channel.session() as send:
        results = [
            send(message, upcoming=lambda n=n: messages[n + 1] if n + 1 < 3 else None)
            for n, message in enumerate(messages)
        ]

    assert [(r.message_id, r.ok) for r in results] == [(1, True), (2, True), (3, True)]
    assert [m.rcpt_tos for m in smtp_server.mails] == [[f"u{n}@example.gov.cn"] for n in (1, 2, 3)]
    assert [m.data for m in smtp_server.mails] == [m.payload[:-3] for m in messages if m.payload]
    assert smtp_server.recorder.commands == ["MAIL", "RCPT", "DATA"] * 3 + ["QUIT"]
    assert smtp_server.connections == 1


def test_a_message_begun_ahead_but_not_sent_next_is_reset_not_sent(
    smtp_server: SmtpTestServer,
) -> None:
    channel = EmailChannel.from_settings(smtp_server.settings())
    first, announced, other = (channel.prepare(mail(n)) for n in (1, 2, 3))
    with channel.session() as send:
        assert send(first, upcoming=lambda: announced).ok
        result = send(other)

    assert result.ok
    assert [m.rcpt_tos for m in smtp_server.mails] == [["u1@example.gov.cn"], ["u3@example.gov.cn"]]
    # The second MAIL FROM (for R2) was reset before R3's transaction began.
    assert smtp_server.recorder.commands == [
        "MAIL", "RCPT", "DATA", "MAIL", "RSET", "MAIL", "RCPT", "DATA", "QUIT",
    ]  # fmt: skip


def test_a_session_ended_with_a_message_begun_ahead_quits_cleanly(
    smtp_server: SmtpTestServer,
) -> None:
    channel = EmailChannel.from_settings(smtp_server.settings())
    first, announced = (channel.prepare(mail(n)) for n in (1, 2))
    with channel.session() as send:
        assert send(first, upcoming=lambda: announced).ok

    assert [m.rcpt_tos for m in smtp_server.mails] == [["u1@example.gov.cn"]]
    assert smtp_server.recorder.commands == ["MAIL", "RCPT", "DATA", "MAIL", "RSET", "QUIT"]


def test_a_message_begun_ahead_that_the_gate_withdraws_is_not_sent(
    smtp_server: SmtpTestServer,
) -> None:
    channel = EmailChannel.from_settings(smtp_server.settings())
    first, withdrawn, third = (channel.prepare(mail(n)) for n in (1, 2, 3))
    with channel.session() as send:
        assert send(first, upcoming=lambda: withdrawn).ok
        refused = send(withdrawn, gate=lambda: False)
        after = send(third)

    assert (refused.ok, refused.attempted) == (False, False)
    assert after.ok
    assert [m.rcpt_tos for m in smtp_server.mails] == [["u1@example.gov.cn"], ["u3@example.gov.cn"]]
    assert "RSET" in smtp_server.recorder.commands


def test_a_refusal_of_the_mail_from_sent_ahead_is_that_messages_result(
    smtp_server: SmtpTestServer,
) -> None:
    smtp_server.recorder.mail_replies = {2: "451 4.3.0 Try again later"}
    channel = EmailChannel.from_settings(smtp_server.settings())
    first, refused = (channel.prepare(mail(n)) for n in (1, 2))
    with channel.session() as send:
        assert send(first, upcoming=lambda: refused).ok
        result = send(refused)

    # A refused sender concerns the channel, never the message: it waits, unattempted.
    assert (result.ok, result.attempted) == (False, False)
    assert result.error is not None and "451" in result.error
    assert [m.rcpt_tos for m in smtp_server.mails] == [["u1@example.gov.cn"]]


def test_a_message_that_cannot_be_prepared_is_refused_by_its_send(
    smtp_server: SmtpTestServer,
) -> None:
    channel = EmailChannel.from_settings(smtp_server.settings())
    first = channel.prepare(mail(1))
    broken = channel.prepare(mail(2, "not an address"))
    assert broken.payload is None
    with channel.session() as send:
        assert send(first, upcoming=lambda: broken).ok
        result = send(broken)

    assert (result.ok, result.retryable) == (False, False)
    assert result.error is not None and result.error.startswith("invalid email address")
    assert smtp_server.recorder.commands == ["MAIL", "RCPT", "DATA", "QUIT"]


def test_a_421_to_the_mail_from_sent_ahead_sends_the_message_on_a_new_connection(
    smtp_server: SmtpTestServer,
) -> None:
    smtp_server.recorder.mail_replies = {2: "421 4.7.0 Too many messages on this connection"}
    channel = EmailChannel.from_settings(smtp_server.settings())
    first, second = (channel.prepare(mail(n)) for n in (1, 2))
    with channel.session() as send:
        assert send(first, upcoming=lambda: second).ok
        result = send(second)

    assert result.ok
    assert [m.rcpt_tos for m in smtp_server.mails] == [["u1@example.gov.cn"], ["u2@example.gov.cn"]]
    assert smtp_server.connections == 2
