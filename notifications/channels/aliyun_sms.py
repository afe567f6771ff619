"""Aliyun Dysmsapi SendSms over the RPC ("POP") protocol, signed with HMAC-SHA1.

Signing, as Aliyun documents it for SMS (HTTP协议及签名):
1. all parameters except Signature, sorted by name;
2. each name and value percent-encoded as UTF-8 with only A-Z a-z 0-9 - _ . ~
   left as is (so space is %20, '*' is %2A, '~' stays '~'), joined as k=v with '&';
3. StringToSign = METHOD + '&' + encode('/') + '&' + encode(canonical query);
4. Signature = base64(HMAC-SHA1(key=AccessKeySecret + '&', StringToSign)).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from urllib.parse import quote

from notifications.channels import _http
from notifications.channels._util import (
    AbortBatch,
    delivered,
    failed,
    http_timeout,
    mask_url,
    require,
    send_each,
    setting,
)
from notifications.channels.base import ChannelNotConfigured, DeliveryResult, Message
from notifications.channels.sms import SmsChannel

DEFAULT_ENDPOINT = "https://dysmsapi.aliyuncs.com/"
API_VERSION = "2017-05-25"
REGION_ID = "cn-hangzhou"  # Dysmsapi is served from this region for mainland SMS

# Codes that can succeed on a later attempt: throttling, balance, platform faults,
# and replay/clock checks that a fresh nonce and timestamp will pass.
_RETRYABLE_CODES = {
    "isv.BUSINESS_LIMIT_CONTROL",
    "isv.DAY_LIMIT_CONTROL",
    "isv.AMOUNT_NOT_ENOUGH",
    "isv.OUT_OF_SERVICE",
    "isp.SYSTEM_ERROR",
    "SignatureNonceUsed",
    "InvalidTimeStamp.Expired",
    "ServiceUnavailable",
    "InternalError",
}
_RETRYABLE_PREFIXES = ("Throttling",)


def percent_encode(value: str) -> str:
    # quote() leaves exactly the RFC 3986 unreserved set alone when safe="".
    return quote(value, safe="")


def canonical_query(params: Mapping[str, str]) -> str:
    return "&".join(
        f"{percent_encode(key)}={percent_encode(params[key])}" for key in sorted(params)
    )


def string_to_sign(method: str, params: Mapping[str, str]) -> str:
    return f"{method}&{percent_encode('/')}&{percent_encode(canonical_query(params))}"


def sign(method: str, params: Mapping[str, str], access_key_secret: str) -> str:
    digest = hmac.new(
        (access_key_secret + "&").encode("utf-8"),
        string_to_sign(method, params).encode("utf-8"),
        hashlib.sha1,
    ).digest()
    return base64.b64encode(digest).decode("ascii")


def utc_now() -> datetime:
    return datetime.now(UTC)


def new_nonce() -> str:
    return str(uuid.uuid4())


class AliyunSmsChannel(SmsChannel):
    backend = "aliyun"

    def __init__(
        self,
        *,
        access_key_id: str,
        access_key_secret: str,
        sign_name: str,
        template_code: str,
        endpoint: str = DEFAULT_ENDPOINT,
        timeout: float = 10.0,
        clock: Callable[[], datetime] = utc_now,
        nonce: Callable[[], str] = new_nonce,
    ) -> None:
        self.access_key_id = access_key_id
        self._secret = access_key_secret
        self.sign_name = sign_name
        self.template_code = template_code
        self.endpoint = endpoint
        self.timeout = timeout
        self.clock = clock
        self.nonce = nonce

    def __repr__(self) -> str:
        return (
            f"AliyunSmsChannel({mask_url(self.endpoint)}, access_key_id={self.access_key_id!r}, "
            f"template={self.template_code!r})"
        )

    @classmethod
    def from_settings(cls, settings: Mapping[str, str]) -> AliyunSmsChannel:
        values = require(
            settings,
            "RECTIFY_ALIYUN_ACCESS_KEY_ID",
            "RECTIFY_ALIYUN_ACCESS_KEY_SECRET",
            "RECTIFY_ALIYUN_SMS_SIGN_NAME",
            "RECTIFY_ALIYUN_SMS_TEMPLATE_CODE",
        )
        endpoint = setting(settings, "RECTIFY_ALIYUN_SMS_ENDPOINT", DEFAULT_ENDPOINT)
        if not endpoint.lower().startswith(("http://", "https://")):
            raise ChannelNotConfigured(
                "{key} must be an http:// or https:// URL", key="RECTIFY_ALIYUN_SMS_ENDPOINT"
            )
        return cls(
            access_key_id=values["RECTIFY_ALIYUN_ACCESS_KEY_ID"],
            access_key_secret=values["RECTIFY_ALIYUN_ACCESS_KEY_SECRET"],
            sign_name=values["RECTIFY_ALIYUN_SMS_SIGN_NAME"],
            template_code=values["RECTIFY_ALIYUN_SMS_TEMPLATE_CODE"],
            endpoint=endpoint,
            timeout=http_timeout(settings),
        )

    def send_batch(self, messages: Sequence[Message]) -> list[DeliveryResult]:
        return send_each(messages, self._send_one, (self._secret,))

    def request_params(self, message: Message) -> dict[str, str]:
        """All parameters of one SendSms call, without Signature."""
        params = {
            "AccessKeyId": self.access_key_id,
            "Action": "SendSms",
            "Format": "JSON",
            "PhoneNumbers": message.address,
            "RegionId": REGION_ID,
            "SignName": self.sign_name,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": self.nonce(),
            "SignatureVersion": "1.0",
            "TemplateCode": self.template_code,
            # The template must declare a ${text} variable.
            "TemplateParam": json.dumps({"text": message.body}, ensure_ascii=False),
            "Timestamp": self.clock().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": API_VERSION,
        }
        if message.id is not None:
            params["OutId"] = str(message.id)  # echoed in Aliyun delivery receipts
        return params

    def _send_one(self, message: Message) -> DeliveryResult:
        params = self.request_params(message)
        # POST with a form body rather than the documented GET: percent-encoded
        # Chinese text triples in size and long query strings get truncated.
        query = canonical_query(params)
        body = f"{query}&Signature={percent_encode(sign('POST', params, self._secret))}"
        headers = {
            "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
            "Accept": "application/json",
        }
        try:
            reply = _http.post(self.endpoint, body.encode("ascii"), headers, self.timeout)
        except _http.TransportError as error:
            raise AbortBatch(f"Aliyun SMS unreachable: {error}", attempted=error.sent) from error
        return self._result(message, reply)

    def _result(self, message: Message, reply: _http.HttpReply) -> DeliveryResult:
        # Aliyun reports errors with a JSON Code on non-2xx statuses too.
        try:
            data = json.loads(reply.body)
        except ValueError:
            data = None
        if not isinstance(data, dict) or not isinstance(data.get("Code"), str):
            return failed(
                message,
                f"Aliyun SMS HTTP {reply.status}: {_http.reply_excerpt(reply)}",
                retryable=_http.status_retryable(reply.status),
                secrets=(self._secret,),
            )
        code: str = data["Code"]
        if code == "OK" and 200 <= reply.status < 300:
            return delivered(message)
        retryable = (
            code in _RETRYABLE_CODES or code.startswith(_RETRYABLE_PREFIXES) or reply.status >= 500
        )
        return failed(
            message,
            f"Aliyun SMS {code}: {data.get('Message', '')}",
            retryable=retryable,
            secrets=(self._secret,),
        )
