"""Request-signing algorithms checked against published vectors.

Aliyun: the SendSms example of the SMS "HTTP协议及签名" page (help.aliyun.com
document 56189). Note the page's credentials are AccessKeyId "testId" and
AccessKeySecret "testSecret" (capital I and S); with lowercase values the
documented signature does not come out.

Tencent: the API 3.0 signature page's CVM DescribeInstances example. Its
SecretKey is masked, so the secret-free steps (payload hash, canonical request
hash, string to sign) are checked against the page, and the final HMAC against
an independent implementation with a test key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime
from urllib.parse import unquote

from hypothesis import given
from hypothesis import strategies as st

from notifications.channels import aliyun_sms, tencent_sms
from notifications.channels.aliyun_sms import AliyunSmsChannel
from notifications.channels.base import Message
from notifications.channels.sms import mainland_e164
from notifications.channels.webhook import dingtalk_sign, truncate_utf8

ALIYUN_DOC_PARAMS = {
    "AccessKeyId": "testId",
    "Action": "SendSms",
    "Format": "XML",
    "OutId": "123",
    "PhoneNumbers": "15300000001",
    "RegionId": "cn-hangzhou",
    "SignName": "阿里云短信测试专用",
    "SignatureMethod": "HMAC-SHA1",
    "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466",
    "SignatureVersion": "1.0",
    "TemplateCode": "SMS_71390007",
    "TemplateParam": '{"customer":"test"}',
    "Timestamp": "2017-07-12T02:42:19Z",
    "Version": "2017-05-25",
}
# The documented request line, minus its leading Signature parameter.
ALIYUN_DOC_QUERY = (
    "AccessKeyId=testId&Action=SendSms&Format=XML&OutId=123&PhoneNumbers=15300000001"
    "&RegionId=cn-hangzhou&SignName=%E9%98%BF%E9%87%8C%E4%BA%91%E7%9F%AD%E4%BF%A1%E6%B5"
    "%8B%E8%AF%95%E4%B8%93%E7%94%A8&SignatureMethod=HMAC-SHA1"
    "&SignatureNonce=45e25e9b-0a6f-4070-8c85-2956eda1b466&SignatureVersion=1.0"
    "&TemplateCode=SMS_71390007&TemplateParam=%7B%22customer%22%3A%22test%22%7D"
    "&Timestamp=2017-07-12T02%3A42%3A19Z&Version=2017-05-25"
)
ALIYUN_DOC_SIGNATURE = "zJDF+Lrzhj/ThnlvIToysFRq6t4="


def test_aliyun_documented_canonical_query() -> None:
    assert aliyun_sms.canonical_query(ALIYUN_DOC_PARAMS) == ALIYUN_DOC_QUERY


def test_aliyun_documented_signature() -> None:
    assert aliyun_sms.sign("GET", ALIYUN_DOC_PARAMS, "testSecret") == ALIYUN_DOC_SIGNATURE
    assert aliyun_sms.string_to_sign("GET", ALIYUN_DOC_PARAMS).startswith(
        "GET&%2F&AccessKeyId%3DtestId%26Action%3DSendSms%26"
    )


def test_aliyun_channel_builds_the_documented_parameter_set() -> None:
    channel = AliyunSmsChannel(
        access_key_id="testId",
        access_key_secret="testSecret",
        sign_name="阿里云短信测试专用",
        template_code="SMS_71390007",
        clock=lambda: datetime(2017, 7, 12, 2, 42, 19, tzinfo=UTC),
        nonce=lambda: "45e25e9b-0a6f-4070-8c85-2956eda1b466",
    )
    message = Message(123, "sms", "15300000001", "", "", "ignored")

    params = channel.request_params(message)

    # Only the response format and template variables differ from the example.
    assert params["Format"] == "JSON"
    assert params["TemplateParam"] == '{"text": "ignored"}'
    params.update(Format="XML", TemplateParam='{"customer":"test"}')
    assert params == ALIYUN_DOC_PARAMS
    assert aliyun_sms.sign("GET", params, "testSecret") == ALIYUN_DOC_SIGNATURE


def test_aliyun_percent_encoding_rules() -> None:
    encode = aliyun_sms.percent_encode
    assert encode("a b") == "a%20b"  # not '+'
    assert encode("*") == "%2A"
    assert encode("~-_.") == "~-_."
    assert encode("+/=:") == "%2B%2F%3D%3A"
    assert encode("短") == "%E7%9F%AD"


@given(st.text())
def test_aliyun_percent_encoding_round_trips(text: str) -> None:
    encoded = aliyun_sms.percent_encode(text)
    assert unquote(encoded) == text
    assert set(encoded) <= set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~%"
    )


TENCENT_DOC_PAYLOAD = (
    b'{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}'
)
TENCENT_DOC_PAYLOAD_HASH = "35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064"
TENCENT_DOC_CANONICAL_HASH = "7019a55be8395899b900fb5564e4200d984910f34794a27cb3fb7d10ff6a1e84"
TENCENT_DOC_TIMESTAMP = 1551113065


def test_tencent_documented_canonical_request() -> None:
    canonical = tencent_sms.canonical_request(
        "cvm.tencentcloudapi.com", "DescribeInstances", TENCENT_DOC_PAYLOAD
    )
    assert canonical == (
        "POST\n/\n\n"
        "content-type:application/json; charset=utf-8\n"
        "host:cvm.tencentcloudapi.com\n"
        "x-tc-action:describeinstances\n\n"
        "content-type;host;x-tc-action\n" + TENCENT_DOC_PAYLOAD_HASH
    )
    assert hashlib.sha256(canonical.encode()).hexdigest() == TENCENT_DOC_CANONICAL_HASH


def test_tencent_documented_string_to_sign() -> None:
    canonical = tencent_sms.canonical_request(
        "cvm.tencentcloudapi.com", "DescribeInstances", TENCENT_DOC_PAYLOAD
    )
    to_sign = tencent_sms.string_to_sign(canonical, TENCENT_DOC_TIMESTAMP, service="cvm")
    assert to_sign == (
        "TC3-HMAC-SHA256\n1551113065\n2019-02-25/cvm/tc3_request\n" + TENCENT_DOC_CANONICAL_HASH
    )


def _independent_tc3_signature(secret_key: str, date: str, service: str, to_sign: str) -> str:
    key = ("TC3" + secret_key).encode()
    for part in (date, service, "tc3_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


def test_tencent_signature_matches_independent_implementation() -> None:
    to_sign = (
        f"TC3-HMAC-SHA256\n1551113065\n2019-02-25/cvm/tc3_request\n{TENCENT_DOC_CANONICAL_HASH}"
    )
    expected = "4be3cb450216ed281498a639f1d6b58f823a8114091d5f4bf0f44b7f3e5762d3"
    assert _independent_tc3_signature("rectify-test-secret-key", "2019-02-25", "cvm", to_sign) == (
        expected
    )
    signature = tencent_sms.signature(
        "rectify-test-secret-key", to_sign, TENCENT_DOC_TIMESTAMP, service="cvm"
    )
    assert signature == expected


def test_tencent_authorization_header_layout() -> None:
    header = tencent_sms.authorization(
        "AKIDtest",
        "key",
        "cvm.tencentcloudapi.com",
        "DescribeInstances",
        TENCENT_DOC_PAYLOAD,
        TENCENT_DOC_TIMESTAMP,
        service="cvm",
    )
    prefix = (
        "TC3-HMAC-SHA256 Credential=AKIDtest/2019-02-25/cvm/tc3_request, "
        "SignedHeaders=content-type;host;x-tc-action, Signature="
    )
    assert header.startswith(prefix) and len(header) == len(prefix) + 64


def test_tencent_date_is_utc_not_local() -> None:
    # 2024-06-30 23:30 UTC is already July 1st in Beijing; the scope must say June 30th.
    assert tencent_sms.credential_scope(1719790200) == "2024-06-30/sms/tc3_request"


def test_dingtalk_sign_vector() -> None:
    secret, timestamp = "SEC-rectify-test", 1700000000000
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    assert base64.b64encode(digest).decode() == "LouGfGifUQFYVtdCKyTIWQkYsna2gBnUVE+uzfSRqDE="
    # URL-encoded for the query string: '+' and '=' must not survive.
    assert dingtalk_sign(secret, timestamp) == "LouGfGifUQFYVtdCKyTIWQkYsna2gBnUVE%2BuzfSRqDE%3D"


def test_mainland_numbers_become_e164() -> None:
    assert mainland_e164("13800000000") == "+8613800000000"
    assert mainland_e164("138 0000 0000") == "+8613800000000"
    assert mainland_e164("8613800000000") == "+8613800000000"
    assert mainland_e164("008613800000000") == "+8613800000000"
    assert mainland_e164("+85261234567") == "+85261234567"


def test_truncate_utf8_never_splits_a_character() -> None:
    assert truncate_utf8("整改", 100) == "整改"
    cut = truncate_utf8("整改" * 10, 10)
    assert len(cut.encode("utf-8")) <= 10 and cut == "整改…"
