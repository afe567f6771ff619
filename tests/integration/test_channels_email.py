"""EmailChannel against a real aiosmtpd server on loopback."""

# Fixtures are imported explicitly and then requested by parameter name.
# ruff: noqa: F401, F811

from __future__ import annotations

import ssl
from pathlib import Path

from notifications.channels.base import Message
from notifications.channels.email import EmailChannel
from tests.support.servers import (
    SmtpTestServer,
    free_port,
    running_smtp_server,
    self_signed_certificate,
    smtp_auth_server,
    smtp_server,
    stopped_smtp_server,
)

SUBJECT = "【预警】整改任务“河道垃圾清理”即将到期"
BODY = "韩水同志：\n您负责的整改任务将于 2024年6月30日 到期，请及时处理。\n"


def mail(index: int, address: str) -> Message:
    return Message(
        id=index,
        channel="email",
        address=address,
        recipient="韩水",
        subject=SUBJECT,
        body=BODY,
    )


def batch(*addresses: str) -> list[Message]:
    return [mail(i + 1, address) for i, address in enumerate(addresses)]


def test_batch_of_three_uses_one_connection(smtp_server: SmtpTestServer) -> None:
    channel = EmailChannel.from_settings(smtp_server.settings())
    messages = batch("a@example.gov.cn", "b@example.gov.cn", "c@example.gov.cn")

    results = channel.send_batch(messages)

    assert [(r.message_id, r.ok) for r in results] == [(1, True), (2, True), (3, True)]
    assert smtp_server.connections == 1
    assert [m.rcpt_tos for m in smtp_server.mails] == [
        ["a@example.gov.cn"],
        ["b@example.gov.cn"],
        ["c@example.gov.cn"],
    ]
    assert {m.mail_from for m in smtp_server.mails} == {"rectify@example.gov.cn"}


def test_chinese_subject_is_rfc2047_and_body_is_utf8(smtp_server: SmtpTestServer) -> None:
    settings = smtp_server.settings(RECTIFY_SMTP_FROM_NAME="整改督办系统")
    channel = EmailChannel.from_settings(settings)

    [result] = channel.send_batch(batch("a@example.gov.cn"))

    assert result.ok
    raw = smtp_server.mails[0].data
    raw.decode("ascii")  # the whole message is 7-bit: encoded words and base64
    subject_line = next(line for line in raw.splitlines() if line.startswith(b"Subject:"))
    assert b"=?utf-8?" in subject_line.lower()
    parsed = smtp_server.mails[0].message()
    assert parsed["Subject"] == SUBJECT
    assert parsed["From"].addresses[0].display_name == "整改督办系统"
    assert parsed["From"].addresses[0].addr_spec == "rectify@example.gov.cn"
    assert parsed["To"].addresses[0].display_name == "韩水"
    assert parsed.get_content_charset() == "utf-8"
    assert parsed.get_content().replace("\r\n", "\n") == BODY
    assert parsed["Message-ID"].endswith("@example.gov.cn>")


def test_refused_recipient_fails_only_its_message(smtp_server: SmtpTestServer) -> None:
    smtp_server.recorder.refuse = {
        "gone@example.gov.cn": "550 5.1.1 No such user",
        "busy@example.gov.cn": "450 4.2.1 Mailbox busy, try later",
    }
    channel = EmailChannel.from_settings(smtp_server.settings())
    messages = batch(
        "a@example.gov.cn", "gone@example.gov.cn", "busy@example.gov.cn", "d@example.gov.cn"
    )

    ok, gone, busy, last = channel.send_batch(messages)

    assert ok.ok and last.ok
    assert (gone.message_id, gone.ok, gone.retryable) == (2, False, False)
    assert gone.error is not None and "550" in gone.error
    assert (busy.message_id, busy.ok, busy.retryable) == (3, False, True)
    assert busy.error is not None and "450" in busy.error
    assert [m.rcpt_tos for m in smtp_server.mails] == [["a@example.gov.cn"], ["d@example.gov.cn"]]
    assert smtp_server.connections == 1


def test_unreachable_server_fails_every_message_retryably() -> None:
    settings = {
        "RECTIFY_SMTP_HOST": "127.0.0.1",
        "RECTIFY_SMTP_PORT": str(free_port()),  # nothing listens there
        "RECTIFY_SMTP_FROM": "rectify@example.gov.cn",
        "RECTIFY_SMTP_TIMEOUT": "2",
    }
    channel = EmailChannel.from_settings(settings)

    results = channel.send_batch(batch("a@example.gov.cn", "b@example.gov.cn"))

    assert [(r.message_id, r.ok, r.retryable, r.attempted) for r in results] == [
        (1, False, True, False),
        (2, False, True, False),
    ]
    assert all(r.error and r.error.startswith("SMTP connection failed") for r in results)


def test_a_stopped_server_leaves_every_message_unattempted() -> None:
    server = stopped_smtp_server()

    results = EmailChannel.from_settings(server.settings()).send_batch(batch("a@example.gov.cn"))

    assert [(r.ok, r.attempted) for r in results] == [(False, False)]
    assert results[0].error is not None and "Connection refused" in results[0].error


def test_empty_batch_opens_no_connection(smtp_server: SmtpTestServer) -> None:
    channel = EmailChannel.from_settings(smtp_server.settings())
    assert channel.send_batch([]) == []
    assert smtp_server.connections == 0


def test_login_is_used_once_per_batch(smtp_server: SmtpTestServer) -> None:
    smtp_server.recorder.credentials = {"notifier": "s3cret-pass"}
    settings = smtp_server.settings(
        RECTIFY_SMTP_USER="notifier", RECTIFY_SMTP_PASSWORD="s3cret-pass"
    )

    results = EmailChannel.from_settings(settings).send_batch(
        batch("a@example.gov.cn", "b@example.gov.cn")
    )

    assert all(r.ok for r in results)
    assert [m.login for m in smtp_server.mails] == ["notifier", "notifier"]
    assert smtp_server.connections == 1


def test_password_never_appears_in_results_or_repr(smtp_server: SmtpTestServer) -> None:
    password = "hunter2-very-secret"
    smtp_server.recorder.credentials = {"notifier": "another-password"}
    # A careless server that echoes the attempted password in its refusal.
    smtp_server.recorder.auth_failure_reply = f"535 5.7.8 bad password {password}"
    settings = smtp_server.settings(RECTIFY_SMTP_USER="notifier", RECTIFY_SMTP_PASSWORD=password)
    channel = EmailChannel.from_settings(settings)

    results = channel.send_batch(batch("a@example.gov.cn", "b@example.gov.cn"))

    assert [(r.ok, r.retryable, r.attempted) for r in results] == [(False, True, False)] * 2
    assert all(r.error and r.error.startswith("SMTP login refused: 535") for r in results)
    assert all(password not in repr(r) for r in results)
    assert password not in repr(channel)
    assert password not in repr(channel.config)
    assert smtp_server.mails == []


def _server_tls_context(cert: Path, key: Path) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context


def test_starttls_with_private_ca_and_login(tmp_path: Path) -> None:
    cert, key = self_signed_certificate(tmp_path)
    with running_smtp_server(starttls_context=_server_tls_context(cert, key)) as server:
        server.recorder.credentials = {"notifier": "s3cret-pass"}
        settings = server.settings(
            RECTIFY_SMTP_SECURITY="starttls",
            RECTIFY_SMTP_CA_FILE=str(cert),
            RECTIFY_SMTP_USER="notifier",
            RECTIFY_SMTP_PASSWORD="s3cret-pass",
        )

        results = EmailChannel.from_settings(settings).send_batch(batch("a@example.gov.cn"))

        assert [r.ok for r in results] == [True]
        assert server.mails[0].login == "notifier"


def test_starttls_rejects_an_untrusted_certificate(tmp_path: Path) -> None:
    cert, key = self_signed_certificate(tmp_path)
    with running_smtp_server(starttls_context=_server_tls_context(cert, key)) as server:
        settings = server.settings(RECTIFY_SMTP_SECURITY="starttls")

        results = EmailChannel.from_settings(settings).send_batch(batch("a@example.gov.cn"))

        assert [(r.ok, r.retryable) for r in results] == [(False, True)]
        assert results[0].error is not None and "CERTIFICATE_VERIFY_FAILED" in results[0].error
        assert server.mails == []


def test_implicit_tls(tmp_path: Path) -> None:
    cert, key = self_signed_certificate(tmp_path)
    with running_smtp_server(implicit_tls_context=_server_tls_context(cert, key)) as server:
        settings = server.settings(RECTIFY_SMTP_SECURITY="ssl", RECTIFY_SMTP_CA_FILE=str(cert))

        results = EmailChannel.from_settings(settings).send_batch(
            batch("a@example.gov.cn", "b@example.gov.cn")
        )

        assert [r.ok for r in results] == [True, True]
        assert server.connections == 1


def test_a_server_that_refuses_the_password_leaves_the_batch_unattempted(
    smtp_auth_server: SmtpTestServer,
) -> None:
    smtp_auth_server.recorder.credentials = {"notifier": "the-right-one"}
    settings = smtp_auth_server.settings(
        RECTIFY_SMTP_USER="notifier", RECTIFY_SMTP_PASSWORD="a-wrong-one"
    )

    results = EmailChannel.from_settings(settings).send_batch(
        batch("a@example.gov.cn", "b@example.gov.cn")
    )

    assert [(r.ok, r.attempted) for r in results] == [(False, False), (False, False)]
    assert results[0].error == "SMTP login refused: 535 5.7.8 Authentication credentials invalid"
    assert smtp_auth_server.mails == []


def test_no_login_where_one_is_required_refuses_the_sender_not_the_messages(
    smtp_auth_server: SmtpTestServer,
) -> None:
    channel = EmailChannel.from_settings(smtp_auth_server.settings())

    first, second = channel.send_batch(batch("a@example.gov.cn", "b@example.gov.cn"))

    assert (first.ok, first.attempted) == (False, False)
    assert first.error is not None and first.error.startswith("SMTP sender refused: 530")
    assert (second.ok, second.attempted) == (False, False)
    assert second.error == f"not attempted: {first.error}"
    assert smtp_auth_server.mails == []


def test_after_the_server_closes_the_connection_the_rest_go_on_a_new_one(
    smtp_server: SmtpTestServer,
) -> None:
    smtp_server.recorder.close_after = 1
    channel = EmailChannel.from_settings(smtp_server.settings())

    sent, closing, rest = channel.send_batch(
        batch("a@example.gov.cn", "b@example.gov.cn", "c@example.gov.cn")
    )

    assert sent.ok
    # The message the server answered 421 was tried: it uses an attempt, and may be retried.
    assert (closing.ok, closing.retryable, closing.attempted) == (False, True, True)
    assert closing.error is not None and "421" in closing.error
    # Nothing of the next one had gone: it is sent on a new connection.
    assert rest.ok
    assert [m.rcpt_tos for m in smtp_server.mails] == [["a@example.gov.cn"], ["c@example.gov.cn"]]
    assert smtp_server.connections == 2


def test_a_421_to_mail_from_on_a_kept_connection_sends_on_a_new_one(
    smtp_server: SmtpTestServer,
) -> None:
    # A relay limiting the messages of one connection answers the next MAIL FROM with 421.
    smtp_server.recorder.mail_replies = {3: "421 4.7.0 Too many messages on this connection"}
    channel = EmailChannel.from_settings(smtp_server.settings())

    results = channel.send_batch(batch("a@example.gov.cn", "b@example.gov.cn", "c@example.gov.cn"))

    assert [r.ok for r in results] == [True, True, True]
    assert [m.rcpt_tos for m in smtp_server.mails] == [
        ["a@example.gov.cn"],
        ["b@example.gov.cn"],
        ["c@example.gov.cn"],
    ]
    assert smtp_server.connections == 2


def test_a_server_closing_every_new_connection_is_not_tried_again_and_again(
    smtp_server: SmtpTestServer,
) -> None:
    closing = "421 4.3.2 Service shutting down"
    smtp_server.recorder.mail_replies = {n: closing for n in range(1, 10)}
    channel = EmailChannel.from_settings(smtp_server.settings())

    first, rest = channel.send_batch(batch("a@example.gov.cn", "b@example.gov.cn"))

    assert (first.ok, first.attempted) == (False, False)
    assert first.error is not None and "421" in first.error
    assert (rest.ok, rest.attempted) == (False, False)
    assert smtp_server.mails == []
    assert smtp_server.connections == 1  # a new connection closed at once: no second one


def test_a_chinese_sender_name_is_rfc2047_and_the_envelope_has_the_bare_address(
    smtp_server: SmtpTestServer,
) -> None:
    settings = smtp_server.settings(RECTIFY_SMTP_FROM="督查室 <dcs@gov.test>")

    [result] = EmailChannel.from_settings(settings).send_batch(batch("a@example.gov.cn"))

    assert result.ok
    received = smtp_server.mails[0]
    assert received.mail_from == "dcs@gov.test"
    from_line = next(line for line in received.data.splitlines() if line.startswith(b"From:"))
    assert b"=?utf-8?" in from_line.lower() and from_line.endswith(b"<dcs@gov.test>")
    sender = received.message()["From"].addresses[0]
    assert (sender.display_name, sender.addr_spec) == ("督查室", "dcs@gov.test")
    assert received.message()["Message-ID"].endswith("@gov.test>")
