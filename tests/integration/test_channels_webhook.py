"""DingTalk and WeCom group robots against a recording HTTP server on loopback."""

# Fixtures are imported explicitly and then requested by parameter name.
# ruff: noqa: F401, F811

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from urllib.parse import parse_qs, urlsplit

from notifications.channels.base import Message
from notifications.channels.webhook import DingTalkChannel, WeComChannel
from tests.support.servers import CannedReply, HttpTestServer, RecordedRequest, http_server, reply

TEXT = "【整改预警】“河道垃圾清理”已逾期 3 天，责任单位：水利局。"
DING_TOKEN = "ding-access-token-0123"
DING_SECRET = "SEC-rectify-test-secret"
WECOM_KEY = "wecom-key-4567"


def notice(index: int, channel: str, address: str = "") -> Message:
    return Message(id=index, channel=channel, address=address, recipient="", subject="", body=TEXT)


def query(request: RecordedRequest) -> dict[str, list[str]]:
    return parse_qs(urlsplit(request.path).query)


def dingtalk(server: HttpTestServer, secret: str = "") -> DingTalkChannel:
    settings = {"RECTIFY_DINGTALK_WEBHOOK": f"{server.url}robot/send?access_token={DING_TOKEN}"}
    if secret:
        settings["RECTIFY_DINGTALK_SECRET"] = secret
    return DingTalkChannel.from_settings(settings)


def wecom(server: HttpTestServer) -> WeComChannel:
    url = f"{server.url}cgi-bin/webhook/send?key={WECOM_KEY}"
    return WeComChannel.from_settings({"RECTIFY_WECOM_WEBHOOK": url})


class SignedDingTalk:
    """Checks timestamp+sign the way DingTalk does, with an independent implementation."""

    def __init__(self, secret: str) -> None:
        self.secret = secret

    def __call__(self, request: RecordedRequest) -> CannedReply:
        params = query(request)
        timestamp = params.get("timestamp", ["0"])[0]
        given = params.get("sign", [""])[0]  # parse_qs has undone the URL encoding
        to_sign = f"{timestamp}\n{self.secret}".encode()
        digest = hmac.new(self.secret.encode(), to_sign, hashlib.sha256).digest()
        fresh = abs(time.time() * 1000 - int(timestamp)) < 3600 * 1000
        if given != base64.b64encode(digest).decode() or not fresh:
            return reply(200, {"errcode": 310000, "errmsg": "sign not match"})
        return reply(200, {"errcode": 0, "errmsg": "ok"})


def test_dingtalk_posts_text_message(http_server: HttpTestServer) -> None:
    http_server.respond(200, {"errcode": 0, "errmsg": "ok"})

    results = dingtalk(http_server).send_batch([notice(1, "dingtalk")])

    assert [(r.message_id, r.ok) for r in results] == [(1, True)]
    [request] = http_server.requests
    assert request.method == "POST" and urlsplit(request.path).path == "/robot/send"
    assert query(request) == {"access_token": [DING_TOKEN]}
    assert request.header("Content-Type") == "application/json; charset=utf-8"
    assert request.json() == {"msgtype": "text", "text": {"content": TEXT}}


def test_dingtalk_signed_webhook_is_accepted(http_server: HttpTestServer) -> None:
    http_server.responder = SignedDingTalk(DING_SECRET)

    results = dingtalk(http_server, DING_SECRET).send_batch(
        [notice(1, "dingtalk"), notice(2, "dingtalk")]
    )

    assert [r.ok for r in results] == [True, True]
    assert all(query(r)["access_token"] == [DING_TOKEN] for r in http_server.requests)


def test_dingtalk_wrong_secret_is_permanent_and_not_leaked(http_server: HttpTestServer) -> None:
    http_server.responder = SignedDingTalk(DING_SECRET)
    channel = dingtalk(http_server, "SEC-wrong-secret")

    [result] = channel.send_batch([notice(1, "dingtalk")])

    assert (result.ok, result.retryable) == (False, False)
    assert result.error == "DingTalk errcode 310000: sign not match"
    for secret in ("SEC-wrong-secret", DING_TOKEN):
        assert secret not in repr(channel)


def test_dingtalk_mentions_the_phone_number(http_server: HttpTestServer) -> None:
    http_server.respond(200, {"errcode": 0, "errmsg": "ok"})

    dingtalk(http_server).send_batch([notice(1, "dingtalk", address="13800000000")])

    assert http_server.requests[0].json()["at"] == {
        "atMobiles": ["13800000000"],
        "isAtAll": False,
    }


def test_dingtalk_rate_limit_stops_the_batch_retryably(http_server: HttpTestServer) -> None:
    http_server.enqueue(reply(200, {"errcode": 0, "errmsg": "ok"}))
    http_server.respond(200, {"errcode": 130101, "errmsg": "send too fast"})

    results = dingtalk(http_server).send_batch([notice(i, "dingtalk") for i in (1, 2, 3, 4)])

    assert [(r.ok, r.retryable) for r in results] == [(True, True)] + [(False, True)] * 3
    assert results[2].error is not None and results[2].error.startswith("not attempted")
    assert len(http_server.requests) == 2


def test_wecom_posts_text_message(http_server: HttpTestServer) -> None:
    http_server.respond(200, {"errcode": 0, "errmsg": "ok"})

    results = wecom(http_server).send_batch([notice(5, "wecom", address="13800000000")])

    assert [(r.message_id, r.ok) for r in results] == [(5, True)]
    [request] = http_server.requests
    assert urlsplit(request.path).path == "/cgi-bin/webhook/send"
    assert query(request) == {"key": [WECOM_KEY]}
    assert request.json() == {
        "msgtype": "text",
        "text": {"content": TEXT, "mentioned_mobile_list": ["13800000000"]},
    }


def test_wecom_truncates_to_its_byte_limit(http_server: HttpTestServer) -> None:
    http_server.respond(200, {"errcode": 0, "errmsg": "ok"})
    long_text = "整改" * 2000  # 12000 bytes of UTF-8

    wecom(http_server).send_batch([Message(1, "wecom", "", "", "", long_text)])

    content = http_server.requests[0].json()["text"]["content"]
    assert len(content.encode("utf-8")) <= 2048
    assert content.endswith("…") and long_text.startswith(content[:-1])


def test_wecom_errors(http_server: HttpTestServer) -> None:
    http_server.enqueue(
        reply(200, {"errcode": 93000, "errmsg": "invalid webhook url"}),
        reply(200, {"errcode": 45009, "errmsg": "api freq out of limit"}),
    )

    bad, throttled, skipped = wecom(http_server).send_batch(
        [notice(1, "wecom"), notice(2, "wecom"), notice(3, "wecom")]
    )

    assert (bad.ok, bad.retryable) == (False, False)
    assert (throttled.ok, throttled.retryable) == (False, True)
    assert (skipped.ok, skipped.retryable) == (False, True)
    assert len(http_server.requests) == 2


def test_webhook_token_is_masked_in_errors_and_repr(http_server: HttpTestServer) -> None:
    channel = wecom(http_server)
    http_server.enqueue(
        reply(500, f"upstream failed for {http_server.url}cgi-bin/webhook/send?key={WECOM_KEY}"),
        reply(400, f"unknown key {WECOM_KEY}"),
    )

    results = channel.send_batch([notice(1, "wecom"), notice(2, "wecom")])

    assert [(r.ok, r.retryable) for r in results] == [(False, True), (False, False)]
    assert all(r.error is not None and "***" in r.error for r in results)
    assert all(WECOM_KEY not in repr(r) for r in results)
    assert WECOM_KEY not in repr(channel)
