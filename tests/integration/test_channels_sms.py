"""The generic HTTP SMS gateway backend against a recording HTTP server on loopback."""

# Fixtures are imported explicitly and then requested by parameter name.
# ruff: noqa: F401, F811

from __future__ import annotations

import time

from notifications.channels.base import Message
from notifications.channels.sms import SmsChannel
from notifications.channels.sms_http import HttpSmsChannel
from tests.support.servers import HttpTestServer, free_port, http_server, reply

TEXT = "【整改督办】韩水同志：“河道垃圾清理”将于6月30日到期，请及时处理。"
TOKEN = "gw-token-7d1c0a"


def sms(index: int, phone: str = "13800000000") -> Message:
    return Message(id=index, channel="sms", address=phone, recipient="韩水", subject="", body=TEXT)


def channel_for(server: HttpTestServer, **extra: str) -> SmsChannel:
    settings = {"RECTIFY_SMS_URL": server.url + "sms/send", "RECTIFY_SMS_TOKEN": TOKEN}
    settings.update(extra)
    return SmsChannel.from_settings(settings)


def test_posts_utf8_json_with_bearer_token(http_server: HttpTestServer) -> None:
    channel = channel_for(http_server)
    assert isinstance(channel, HttpSmsChannel)  # http is the default backend

    results = channel.send_batch([sms(1), sms(2, "13900000000")])

    assert [(r.message_id, r.ok) for r in results] == [(1, True), (2, True)]
    first, second = http_server.requests
    assert (first.method, first.path) == ("POST", "/sms/send")
    assert first.header("Content-Type") == "application/json; charset=utf-8"
    assert first.header("Authorization") == f"Bearer {TOKEN}"
    assert first.json() == {"phone": "13800000000", "text": TEXT}
    assert TEXT.encode("utf-8") in first.body  # raw UTF-8, not \u escapes
    assert second.json()["phone"] == "13900000000"


def test_no_authorization_header_without_token(http_server: HttpTestServer) -> None:
    channel = SmsChannel.from_settings({"RECTIFY_SMS_URL": http_server.url})
    assert channel.send_batch([sms(1)])[0].ok
    assert http_server.requests[0].header("Authorization") is None


def test_4xx_is_permanent_5xx_is_retryable(http_server: HttpTestServer) -> None:
    http_server.enqueue(
        reply(400, {"error": "invalid phone"}),
        reply(201, ""),
        reply(503, "maintenance"),
        reply(429, "slow down"),
    )
    channel = channel_for(http_server)

    bad, fine, down, untried = channel.send_batch([sms(1), sms(2), sms(3), sms(4)])
    (throttled,) = channel.send_batch([sms(5)])

    assert (bad.ok, bad.retryable) == (False, False)
    assert bad.error is not None and "400" in bad.error and "invalid phone" in bad.error
    assert fine.ok  # a refused number does not stop the batch
    assert (down.ok, down.retryable, down.attempted) == (False, True, True)
    assert down.error is not None and "503" in down.error
    # A failing gateway stops the batch: the rest is not tried, so not charged.
    assert (untried.ok, untried.retryable, untried.attempted) == (False, True, False)
    assert (throttled.ok, throttled.retryable) == (False, True)  # 429 says: later
    assert len(http_server.requests) == 4


def test_one_kept_alive_connection_serves_the_batch(http_server: HttpTestServer) -> None:
    results = channel_for(http_server).send_batch([sms(n) for n in range(1, 6)])

    assert all(r.ok for r in results)
    assert len({r.client for r in http_server.requests}) == 1


def test_a_trickling_gateway_is_cut_at_the_deadline(http_server: HttpTestServer) -> None:
    http_server.enqueue(reply(200, b"x" * 50, trickle=0.1))  # 5 s for the whole reply
    channel = channel_for(http_server, RECTIFY_HTTP_TIMEOUT="0.5")
    started = time.monotonic()

    first, second = channel.send_batch([sms(1), sms(2)])

    assert time.monotonic() - started < 2.5
    assert (first.ok, first.retryable, first.attempted) == (False, True, True)
    assert first.error is not None and "timed out" in first.error
    assert (second.ok, second.attempted) == (False, False)


def test_redirect_is_not_followed(http_server: HttpTestServer) -> None:
    http_server.respond(302, "moved")

    [result] = channel_for(http_server).send_batch([sms(1)])

    assert (result.ok, result.retryable) == (False, False)
    assert len(http_server.requests) == 1


def test_timeout_is_retryable_and_skips_rest_of_batch(http_server: HttpTestServer) -> None:
    http_server.respond(200, "{}", delay=5)
    channel = channel_for(http_server, RECTIFY_HTTP_TIMEOUT="0.3")

    results = channel.send_batch([sms(1), sms(2), sms(3)])

    assert [(r.ok, r.retryable) for r in results] == [(False, True)] * 3
    assert results[0].error is not None and "timed out" in results[0].error
    assert results[1].error is not None and results[1].error.startswith("not attempted")
    assert len(http_server.requests) == 1  # no point waiting out two more timeouts


def test_unreachable_gateway_is_retryable() -> None:
    channel = SmsChannel.from_settings({"RECTIFY_SMS_URL": f"http://127.0.0.1:{free_port()}/"})

    results = channel.send_batch([sms(1), sms(2)])

    assert [(r.message_id, r.ok, r.retryable) for r in results] == [
        (1, False, True),
        (2, False, True),
    ]
    assert results[0].error is not None and "unreachable" in results[0].error


def test_token_never_appears_in_results_or_repr(http_server: HttpTestServer) -> None:
    http_server.respond(401, f"bad token: Bearer {TOKEN}")
    channel = channel_for(http_server)

    [result] = channel.send_batch([sms(1)])

    assert (result.ok, result.retryable) == (False, False)
    assert TOKEN not in repr(result)
    assert TOKEN not in repr(channel)
