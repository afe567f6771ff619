"""Aliyun and Tencent SMS backends against a loopback server that checks signatures.

The server side recomputes each signature from the raw request it received and
the known test secret, using its own implementation of the documented
algorithm (nothing imported from the code under test), and answers the way the
real API answers a bad signature.
"""

# Fixtures are imported explicitly and then requested by parameter name.
# ruff: noqa: F401, F811

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import parse_qsl, quote

import pytest

from notifications.channels.aliyun_sms import AliyunSmsChannel
from notifications.channels.base import Message
from notifications.channels.sms import SmsChannel
from notifications.channels.tencent_sms import TencentSmsChannel
from tests.support.servers import (
    CannedReply,
    HttpTestServer,
    RecordedRequest,
    http_server,
    reply,
)

TEXT = "韩水同志：整改任务“河道垃圾清理”将于6月30日到期，请及时处理。"


def sms(index: int, phone: str = "13800000000") -> Message:
    return Message(id=index, channel="sms", address=phone, recipient="韩水", subject="", body=TEXT)


# --- Aliyun ---------------------------------------------------------------------------

ALIYUN_ID = "LTAI-test-id"
ALIYUN_SECRET = "aliyun-test-secret"


def aliyun_expected_signature(method: str, params: dict[str, str], secret: str) -> str:
    def enc(text: str) -> str:
        return quote(text.encode("utf-8"), safe="-_.~")

    query = "&".join(f"{enc(k)}={enc(v)}" for k, v in sorted(params.items()))
    to_sign = "&".join([method, enc("/"), enc(query)])
    mac = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1)
    return base64.b64encode(mac.digest()).decode()


class FakeAliyun:
    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.params: list[dict[str, str]] = []
        self.code = "OK"

    def __call__(self, request: RecordedRequest) -> CannedReply:
        assert request.method == "POST"
        content_type = request.header("Content-Type") or ""
        assert content_type.startswith("application/x-www-form-urlencoded")
        params = dict(parse_qsl(request.body.decode("ascii"), keep_blank_values=True))
        given = params.pop("Signature", "")
        self.params.append(params)
        if given != aliyun_expected_signature(request.method, params, self.secret):
            return reply(
                400,
                {
                    "Code": "SignatureDoesNotMatch",
                    "Message": "Specified signature is not matched with our calculation.",
                },
            )
        if self.code != "OK":
            return reply(200, {"Code": self.code, "Message": "refused by test"})
        return reply(200, {"Code": "OK", "Message": "OK", "BizId": "900619746936498440^0"})


def aliyun_channel(server: HttpTestServer, secret: str = ALIYUN_SECRET) -> SmsChannel:
    return SmsChannel.from_settings(
        {
            "RECTIFY_SMS_BACKEND": "aliyun",
            "RECTIFY_ALIYUN_SMS_ENDPOINT": server.url,
            "RECTIFY_ALIYUN_ACCESS_KEY_ID": ALIYUN_ID,
            "RECTIFY_ALIYUN_ACCESS_KEY_SECRET": secret,
            "RECTIFY_ALIYUN_SMS_SIGN_NAME": "整改督办",
            "RECTIFY_ALIYUN_SMS_TEMPLATE_CODE": "SMS_71390007",
        }
    )


def test_aliyun_signed_requests_are_accepted(http_server: HttpTestServer) -> None:
    aliyun = FakeAliyun(ALIYUN_SECRET)
    http_server.responder = aliyun
    channel = aliyun_channel(http_server)
    assert isinstance(channel, AliyunSmsChannel)

    results = channel.send_batch([sms(1), sms(2, "13900000000")])

    assert [(r.message_id, r.ok) for r in results] == [(1, True), (2, True)]
    first, second = aliyun.params
    assert first["Action"] == "SendSms" and first["Version"] == "2017-05-25"
    assert first["SignatureMethod"] == "HMAC-SHA1" and first["SignatureVersion"] == "1.0"
    assert first["AccessKeyId"] == ALIYUN_ID
    assert (first["PhoneNumbers"], second["PhoneNumbers"]) == ("13800000000", "13900000000")
    assert first["SignName"] == "整改督办"
    assert json.loads(first["TemplateParam"]) == {"text": TEXT}
    assert (first["OutId"], second["OutId"]) == ("1", "2")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", first["Timestamp"])
    assert first["SignatureNonce"] != second["SignatureNonce"]  # replay protection


def test_aliyun_uses_injected_clock_and_nonce(http_server: HttpTestServer) -> None:
    aliyun = FakeAliyun(ALIYUN_SECRET)
    http_server.responder = aliyun
    base = aliyun_channel(http_server)
    assert isinstance(base, AliyunSmsChannel)
    beijing = timezone(timedelta(hours=8))
    base.clock = lambda: datetime(2024, 6, 30, 10, 42, 19, tzinfo=beijing)
    base.nonce = lambda: "45e25e9b-0a6f-4070-8c85-2956eda1b466"

    assert base.send_batch([sms(1)])[0].ok

    assert aliyun.params[0]["Timestamp"] == "2024-06-30T02:42:19Z"  # sent in UTC
    assert aliyun.params[0]["SignatureNonce"] == "45e25e9b-0a6f-4070-8c85-2956eda1b466"


def test_aliyun_wrong_secret_is_rejected_without_leaking(http_server: HttpTestServer) -> None:
    http_server.responder = FakeAliyun(ALIYUN_SECRET)
    channel = aliyun_channel(http_server, secret="not-the-secret")

    [result] = channel.send_batch([sms(1)])

    assert (result.ok, result.retryable) == (False, False)
    assert result.error is not None and "SignatureDoesNotMatch" in result.error
    assert "not-the-secret" not in repr(result) and "not-the-secret" not in repr(channel)


@pytest.mark.parametrize(
    ("code", "retryable"),
    [
        ("isv.BUSINESS_LIMIT_CONTROL", True),
        ("isv.AMOUNT_NOT_ENOUGH", True),
        ("isp.SYSTEM_ERROR", True),
        ("isv.MOBILE_NUMBER_ILLEGAL", False),
        ("isv.SMS_TEMPLATE_ILLEGAL", False),
    ],
)
def test_aliyun_error_codes(http_server: HttpTestServer, code: str, retryable: bool) -> None:
    aliyun = FakeAliyun(ALIYUN_SECRET)
    aliyun.code = code
    http_server.responder = aliyun

    [result] = aliyun_channel(http_server).send_batch([sms(1)])

    assert (result.ok, result.retryable) == (False, retryable)
    assert result.error is not None and code in result.error


# --- Tencent --------------------------------------------------------------------------

TENCENT_ID = "AKID-test-id"
TENCENT_KEY = "tencent-test-key"
AUTH_PATTERN = re.compile(
    r"TC3-HMAC-SHA256 Credential=(?P<id>[^/]+)/(?P<date>[\d-]+)/(?P<service>\w+)/tc3_request, "
    r"SignedHeaders=(?P<signed>[\w;-]+), Signature=(?P<signature>[0-9a-f]{64})"
)


def tencent_expected_signature(request: RecordedRequest, secret_key: str) -> str | None:
    match = AUTH_PATTERN.fullmatch(request.header("Authorization") or "")
    if match is None:
        return None
    timestamp = int(request.header("X-TC-Timestamp") or "0")
    date = datetime.fromtimestamp(timestamp, UTC).date().isoformat()
    if match["date"] != date or match["service"] != "sms":
        return None
    signed = match["signed"].split(";")
    headers = "".join(f"{name}:{(request.header(name) or '').strip().lower()}\n" for name in signed)
    canonical = "\n".join(
        ["POST", "/", "", headers, match["signed"], hashlib.sha256(request.body).hexdigest()]
    )
    scope = f"{date}/sms/tc3_request"
    to_sign = "\n".join(
        ["TC3-HMAC-SHA256", str(timestamp), scope, hashlib.sha256(canonical.encode()).hexdigest()]
    )
    key = f"TC3{secret_key}".encode()
    for part in (date, "sms", "tc3_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


class FakeTencent:
    def __init__(self, secret_key: str) -> None:
        self.secret_key = secret_key
        self.payloads: list[dict[str, object]] = []
        self.status_code = "Ok"

    def __call__(self, request: RecordedRequest) -> CannedReply:
        assert request.method == "POST" and request.path == "/"
        assert request.header("X-TC-Action") == "SendSms"
        assert request.header("X-TC-Version") == "2021-01-11"
        assert request.header("X-TC-Region") == "ap-guangzhou"
        assert request.header("Content-Type") == "application/json; charset=utf-8"
        match = AUTH_PATTERN.fullmatch(request.header("Authorization") or "")
        signature = match["signature"] if match else ""
        if signature != tencent_expected_signature(request, self.secret_key):
            error = {"Code": "AuthFailure.SignatureFailure", "Message": "signature mismatch"}
            return reply(200, {"Response": {"Error": error, "RequestId": "r-1"}})
        payload = request.json()
        self.payloads.append(payload)
        status = {
            "SerialNo": "2019:123",
            "PhoneNumber": payload["PhoneNumberSet"][0],
            "Code": self.status_code,
            "Message": "send success" if self.status_code == "Ok" else "refused by test",
        }
        return reply(200, {"Response": {"SendStatusSet": [status], "RequestId": "r-2"}})


def tencent_channel(server: HttpTestServer, secret_key: str = TENCENT_KEY) -> SmsChannel:
    return SmsChannel.from_settings(
        {
            "RECTIFY_SMS_BACKEND": "tencent",
            "RECTIFY_TENCENT_SMS_ENDPOINT": server.url,
            "RECTIFY_TENCENT_SECRET_ID": TENCENT_ID,
            "RECTIFY_TENCENT_SECRET_KEY": secret_key,
            "RECTIFY_TENCENT_SMS_SDK_APP_ID": "1400006666",
            "RECTIFY_TENCENT_SMS_SIGN_NAME": "整改督办",
            "RECTIFY_TENCENT_SMS_TEMPLATE_ID": "449739",
        }
    )


def test_tencent_signed_requests_are_accepted(http_server: HttpTestServer) -> None:
    tencent = FakeTencent(TENCENT_KEY)
    http_server.responder = tencent
    channel = tencent_channel(http_server)
    assert isinstance(channel, TencentSmsChannel)

    results = channel.send_batch([sms(7), sms(8, "+85261234567")])

    assert [(r.message_id, r.ok) for r in results] == [(7, True), (8, True)]
    first, second = tencent.payloads
    assert first == {
        "PhoneNumberSet": ["+8613800000000"],
        "SmsSdkAppId": "1400006666",
        "SignName": "整改督办",
        "TemplateId": "449739",
        "TemplateParamSet": [TEXT],
        "SessionContext": "7",
    }
    assert second["PhoneNumberSet"] == ["+85261234567"]
    authorization = http_server.requests[0].header("Authorization") or ""
    assert authorization.startswith(f"TC3-HMAC-SHA256 Credential={TENCENT_ID}/")


def test_tencent_signature_covers_the_injected_timestamp(http_server: HttpTestServer) -> None:
    tencent = FakeTencent(TENCENT_KEY)
    http_server.responder = tencent
    channel = tencent_channel(http_server)
    assert isinstance(channel, TencentSmsChannel)
    channel.clock = lambda: 1719708139  # 2024-06-30T00:42:19Z

    assert channel.send_batch([sms(1)])[0].ok

    request = http_server.requests[0]
    assert request.header("X-TC-Timestamp") == "1719708139"
    assert "/2024-06-30/sms/tc3_request," in (request.header("Authorization") or "")


def test_tencent_wrong_key_is_rejected_without_leaking(http_server: HttpTestServer) -> None:
    http_server.responder = FakeTencent(TENCENT_KEY)
    channel = tencent_channel(http_server, secret_key="not-the-key")

    [result] = channel.send_batch([sms(1)])

    assert (result.ok, result.retryable) == (False, False)
    assert result.error is not None and "AuthFailure.SignatureFailure" in result.error
    assert "not-the-key" not in repr(result) and "not-the-key" not in repr(channel)


@pytest.mark.parametrize(
    ("code", "retryable"),
    [
        ("LimitExceeded.PhoneNumberDailyLimit", True),
        ("InternalError.Timeout", True),
        ("InvalidParameterValue.IncorrectPhoneNumber", False),
        ("FailedOperation.TemplateIncorrectOrUnapproved", False),
    ],
)
def test_tencent_send_status_codes(http_server: HttpTestServer, code: str, retryable: bool) -> None:
    tencent = FakeTencent(TENCENT_KEY)
    tencent.status_code = code
    http_server.responder = tencent

    [result] = tencent_channel(http_server).send_batch([sms(1)])

    assert (result.ok, result.retryable) == (False, retryable)
    assert result.error is not None and code in result.error


def test_tencent_server_error_is_retryable(http_server: HttpTestServer) -> None:
    http_server.respond(502, "bad gateway")

    [result] = tencent_channel(http_server).send_batch([sms(1)])

    assert (result.ok, result.retryable) == (False, True)
