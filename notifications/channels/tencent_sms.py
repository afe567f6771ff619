"""Tencent Cloud SMS SendSms (API 3.0, version 2021-01-11) signed with TC3-HMAC-SHA256.

Signing, as the API 3.0 "签名方法 v3" page documents it:
1. CanonicalRequest = METHOD \\n URI(/) \\n QUERY('') \\n CanonicalHeaders \\n
   SignedHeaders \\n hex(sha256(payload)); the headers signed are content-type,
   host and x-tc-action, each as lowercase "key:value\\n", sorted by key;
2. StringToSign = 'TC3-HMAC-SHA256' \\n timestamp \\n date/service/tc3_request \\n
   hex(sha256(CanonicalRequest)), date being the UTC date of the timestamp;
3. key = HMAC(HMAC(HMAC('TC3' + SecretKey, date), service), 'tc3_request');
   Signature = hex(HMAC-SHA256(key, StringToSign)).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from urllib.parse import urlsplit

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
from notifications.channels.sms import SmsChannel, mainland_e164

DEFAULT_ENDPOINT = "https://sms.tencentcloudapi.com/"
DEFAULT_REGION = "ap-guangzhou"
API_VERSION = "2021-01-11"
# The credential scope names the product, not the host: keep "sms" even when the
# endpoint is overridden (a proxy, or the loopback server in tests).
SERVICE = "sms"
ALGORITHM = "TC3-HMAC-SHA256"
CONTENT_TYPE = "application/json; charset=utf-8"
SIGNED_HEADERS = "content-type;host;x-tc-action"

# Codes (or code families) that can succeed on a later attempt.
_RETRYABLE_PREFIXES = (
    "InternalError",
    "LimitExceeded",
    "RequestLimitExceeded",
    "ResourceUnavailable",
    "AuthFailure.SignatureExpire",  # clock skew or a delayed request; re-signed next time
    "FailedOperation.InsufficientBalanceInSmsPackage",
)


def canonical_request(host: str, action: str, payload: bytes) -> str:
    headers = f"content-type:{CONTENT_TYPE}\nhost:{host.lower()}\nx-tc-action:{action.lower()}\n"
    payload_hash = hashlib.sha256(payload).hexdigest()
    return f"POST\n/\n\n{headers}\n{SIGNED_HEADERS}\n{payload_hash}"


def credential_scope(timestamp: int, service: str = SERVICE) -> str:
    date = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    return f"{date}/{service}/tc3_request"


def string_to_sign(canonical: str, timestamp: int, service: str = SERVICE) -> str:
    hashed = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    return f"{ALGORITHM}\n{timestamp}\n{credential_scope(timestamp, service)}\n{hashed}"


def signature(secret_key: str, to_sign: str, timestamp: int, service: str = SERVICE) -> str:
    def _hmac(key: bytes, text: str) -> bytes:
        return hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest()

    date = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    key = _hmac(_hmac(_hmac(("TC3" + secret_key).encode("utf-8"), date), service), "tc3_request")
    return hmac.new(key, to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def authorization(
    secret_id: str,
    secret_key: str,
    host: str,
    action: str,
    payload: bytes,
    timestamp: int,
    service: str = SERVICE,
) -> str:
    to_sign = string_to_sign(canonical_request(host, action, payload), timestamp, service)
    return (
        f"{ALGORITHM} Credential={secret_id}/{credential_scope(timestamp, service)}, "
        f"SignedHeaders={SIGNED_HEADERS}, "
        f"Signature={signature(secret_key, to_sign, timestamp, service)}"
    )


def unix_now() -> int:
    return int(time.time())


class TencentSmsChannel(SmsChannel):
    backend = "tencent"

    def __init__(
        self,
        *,
        secret_id: str,
        secret_key: str,
        sdk_app_id: str,
        sign_name: str,
        template_id: str,
        endpoint: str = DEFAULT_ENDPOINT,
        region: str = DEFAULT_REGION,
        timeout: float = 10.0,
        clock: Callable[[], int] = unix_now,
    ) -> None:
        self.secret_id = secret_id
        self._secret_key = secret_key
        self.sdk_app_id = sdk_app_id
        self.sign_name = sign_name
        self.template_id = template_id
        self.endpoint = endpoint
        self.region = region
        self.timeout = timeout
        self.clock = clock

    def __repr__(self) -> str:
        return (
            f"TencentSmsChannel({mask_url(self.endpoint)}, secret_id={self.secret_id!r}, "
            f"app={self.sdk_app_id!r}, template={self.template_id!r}, region={self.region})"
        )

    @classmethod
    def from_settings(cls, settings: Mapping[str, str]) -> TencentSmsChannel:
        values = require(
            settings,
            "RECTIFY_TENCENT_SECRET_ID",
            "RECTIFY_TENCENT_SECRET_KEY",
            "RECTIFY_TENCENT_SMS_SDK_APP_ID",
            "RECTIFY_TENCENT_SMS_SIGN_NAME",
            "RECTIFY_TENCENT_SMS_TEMPLATE_ID",
        )
        endpoint = setting(settings, "RECTIFY_TENCENT_SMS_ENDPOINT", DEFAULT_ENDPOINT)
        if not endpoint.lower().startswith(("http://", "https://")):
            raise ChannelNotConfigured(
                "{key} must be an http:// or https:// URL", key="RECTIFY_TENCENT_SMS_ENDPOINT"
            )
        return cls(
            secret_id=values["RECTIFY_TENCENT_SECRET_ID"],
            secret_key=values["RECTIFY_TENCENT_SECRET_KEY"],
            sdk_app_id=values["RECTIFY_TENCENT_SMS_SDK_APP_ID"],
            sign_name=values["RECTIFY_TENCENT_SMS_SIGN_NAME"],
            template_id=values["RECTIFY_TENCENT_SMS_TEMPLATE_ID"],
            endpoint=endpoint,
            region=setting(settings, "RECTIFY_TENCENT_SMS_REGION", DEFAULT_REGION),
            timeout=http_timeout(settings),
        )

    def send_batch(self, messages: Sequence[Message]) -> list[DeliveryResult]:
        return send_each(messages, self._send_one, (self._secret_key,))

    def request_payload(self, message: Message) -> bytes:
        payload = {
            "PhoneNumberSet": [mainland_e164(message.address)],
            "SmsSdkAppId": self.sdk_app_id,
            "SignName": self.sign_name,
            "TemplateId": self.template_id,
            "TemplateParamSet": [message.body],
            # Echoed back in Tencent's delivery receipts.
            "SessionContext": "" if message.id is None else str(message.id),
        }
        return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    def _send_one(self, message: Message) -> DeliveryResult:
        payload = self.request_payload(message)
        timestamp = self.clock()
        # Host is signed, so send exactly the value that was signed.
        host = urlsplit(self.endpoint).netloc.lower()
        headers = {
            "Content-Type": CONTENT_TYPE,
            "Host": host,
            "X-TC-Action": "SendSms",
            "X-TC-Version": API_VERSION,
            "X-TC-Timestamp": str(timestamp),
            "X-TC-Region": self.region,
            "Authorization": authorization(
                self.secret_id, self._secret_key, host, "SendSms", payload, timestamp
            ),
        }
        try:
            reply = _http.post(self.endpoint, payload, headers, self.timeout)
        except _http.TransportError as error:
            raise AbortBatch(f"Tencent SMS unreachable: {error}", attempted=error.sent) from error
        return self._result(message, reply)

    def _result(self, message: Message, reply: _http.HttpReply) -> DeliveryResult:
        secrets = (self._secret_key,)
        try:
            response = json.loads(reply.body).get("Response")
        except (ValueError, AttributeError):
            response = None
        if not 200 <= reply.status < 300 or not isinstance(response, dict):
            return failed(
                message,
                f"Tencent SMS HTTP {reply.status}: {_http.reply_excerpt(reply)}",
                retryable=_http.status_retryable(reply.status),
                secrets=secrets,
            )
        error = response.get("Error")
        if isinstance(error, dict):  # the whole request was rejected
            code = str(error.get("Code", ""))
            return failed(
                message,
                f"Tencent SMS {code}: {error.get('Message', '')}",
                retryable=code.startswith(_RETRYABLE_PREFIXES),
                secrets=secrets,
            )
        statuses = response.get("SendStatusSet")
        status = statuses[0] if isinstance(statuses, list) and statuses else None
        if not isinstance(status, dict):
            return failed(message, "Tencent SMS reply has no SendStatusSet", retryable=True)
        code = str(status.get("Code", ""))
        if code == "Ok":
            return delivered(message)
        return failed(
            message,
            f"Tencent SMS {code}: {status.get('Message', '')}",
            retryable=code.startswith(_RETRYABLE_PREFIXES),
            secrets=secrets,
        )
