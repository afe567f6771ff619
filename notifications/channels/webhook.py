"""Group-robot webhooks: DingTalk (optionally signed) and WeCom, plain text messages."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from abc import abstractmethod
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar
from urllib.parse import quote_plus

from notifications.channels import _http
from notifications.channels._util import (
    AbortBatch,
    delivered,
    failed,
    http_timeout,
    http_url,
    mask_url,
    send_each,
    setting,
    url_secrets,
)
from notifications.channels.base import Channel, DeliveryResult, Message

# WeCom rejects text content over 2048 bytes of UTF-8.
WECOM_MAX_CONTENT_BYTES = 2048


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk 加签: base64(HMAC-SHA256(secret, f"{timestamp}\\n{secret}")), URL-encoded."""
    to_sign = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode("utf-8"), to_sign, hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest))


def truncate_utf8(text: str, max_bytes: int) -> str:
    encoded = text.encode("utf-8")
    if len(encoded) <= max_bytes:
        return text
    marker = "…"
    room = max_bytes - len(marker.encode("utf-8"))
    return encoded[:room].decode("utf-8", errors="ignore") + marker


def millis_now() -> int:
    return int(time.time() * 1000)


class _RobotChannel(Channel):
    """A robot posts every message of the batch to the same group."""

    label: ClassVar[str]
    # errcodes meaning "too fast" / "busy": the rest of the batch would fail too.
    throttle_codes: ClassVar[frozenset[int]]

    def __init__(self, webhook: str, *, timeout: float = 10.0) -> None:
        self._webhook = webhook  # carries the robot's access token: never shown
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"{type(self).__name__}({mask_url(self._webhook)})"

    def send_batch(self, messages: Sequence[Message]) -> list[DeliveryResult]:
        return send_each(messages, self._send_one, self._secrets())

    def _secrets(self) -> tuple[str, ...]:
        return url_secrets(self._webhook)

    def _url(self) -> str:
        return self._webhook

    @abstractmethod
    def _payload(self, message: Message) -> dict[str, Any]: ...

    def _send_one(self, message: Message) -> DeliveryResult:
        body = json.dumps(self._payload(message), ensure_ascii=False).encode("utf-8")
        headers = {"Content-Type": "application/json; charset=utf-8"}
        try:
            reply = _http.post(self._url(), body, headers, self.timeout)
        except _http.TransportError as error:
            raise AbortBatch(f"{self.label} unreachable: {error}", attempted=error.sent) from error
        try:
            data = json.loads(reply.body)
        except ValueError:
            data = None
        if not 200 <= reply.status < 300 or not isinstance(data, dict):
            return failed(
                message,
                f"{self.label} HTTP {reply.status}: {_http.reply_excerpt(reply)}",
                retryable=_http.status_retryable(reply.status),
                secrets=self._secrets(),
            )
        code = data.get("errcode")
        if code == 0:
            return delivered(message)
        error_text = f"{self.label} errcode {code}: {data.get('errmsg', '')}"
        if code in self.throttle_codes:
            current = failed(message, error_text, retryable=True, secrets=self._secrets())
            raise AbortBatch(error_text, current=current)
        return failed(message, error_text, retryable=False, secrets=self._secrets())


class DingTalkChannel(_RobotChannel):
    name = "dingtalk"
    setting_prefixes = ("RECTIFY_DINGTALK_",)
    label = "DingTalk"
    # -1 system busy; 130101 more than 20 messages a minute.
    throttle_codes = frozenset({-1, 130101})

    def __init__(
        self,
        webhook: str,
        *,
        secret: str = "",
        timeout: float = 10.0,
        clock_ms: Callable[[], int] = millis_now,
    ) -> None:
        super().__init__(webhook, timeout=timeout)
        self._secret = secret
        self.clock_ms = clock_ms

    @classmethod
    def from_settings(cls, settings: Mapping[str, str]) -> DingTalkChannel:
        return cls(
            http_url(settings, "RECTIFY_DINGTALK_WEBHOOK"),
            secret=setting(settings, "RECTIFY_DINGTALK_SECRET"),
            timeout=http_timeout(settings),
        )

    def _secrets(self) -> tuple[str, ...]:
        return (*super()._secrets(), self._secret) if self._secret else super()._secrets()

    def _url(self) -> str:
        if not self._secret:
            return self._webhook
        # Signed per request: DingTalk rejects timestamps more than an hour old.
        timestamp = self.clock_ms()
        joiner = "&" if "?" in self._webhook else "?"
        sign = dingtalk_sign(self._secret, timestamp)
        return f"{self._webhook}{joiner}timestamp={timestamp}&sign={sign}"

    def _payload(self, message: Message) -> dict[str, Any]:
        payload: dict[str, Any] = {"msgtype": "text", "text": {"content": message.body}}
        if message.address:  # a phone number: @-mention that member of the group
            payload["at"] = {"atMobiles": [message.address], "isAtAll": False}
        return payload


class WeComChannel(_RobotChannel):
    name = "wecom"
    setting_prefixes = ("RECTIFY_WECOM_",)
    label = "WeCom"
    # -1 system busy; 45009 API frequency limit (20 messages a minute per robot).
    throttle_codes = frozenset({-1, 45009})

    @classmethod
    def from_settings(cls, settings: Mapping[str, str]) -> WeComChannel:
        return cls(
            http_url(settings, "RECTIFY_WECOM_WEBHOOK"),
            timeout=http_timeout(settings),
        )

    def _payload(self, message: Message) -> dict[str, Any]:
        text: dict[str, Any] = {
            "content": truncate_utf8(message.body, WECOM_MAX_CONTENT_BYTES),
        }
        if message.address:  # a phone number: @-mention that member of the group
            text["mentioned_mobile_list"] = [message.address]
        return {"msgtype": "text", "text": text}
