"""Generic HTTP SMS gateway: POST {"phone": ..., "text": ...} as UTF-8 JSON.

One kept-alive connection serves a batch or a session, one request in flight at a time; each
request has a total deadline (RECTIFY_HTTP_TIMEOUT). A timeout, a refused connection, a 5xx or
a 429 concern the gateway, not the message: the rest of the batch is left unattempted.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager

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
from notifications.channels.base import DeliveryResult, Message
from notifications.channels.sms import SmsChannel


class HttpSmsChannel(SmsChannel):
    backend = "http"

    def __init__(self, url: str, *, token: str = "", timeout: float = 10.0) -> None:
        self.url = url
        self._token = token
        self.timeout = timeout

    def __repr__(self) -> str:
        auth = ", token=***" if self._token else ""
        return f"HttpSmsChannel({mask_url(self.url)}{auth})"

    @classmethod
    def from_settings(cls, settings: Mapping[str, str]) -> HttpSmsChannel:
        return cls(
            http_url(settings, "RECTIFY_SMS_URL"),
            token=setting(settings, "RECTIFY_SMS_TOKEN"),
            timeout=http_timeout(settings),
        )

    def send_batch(self, messages: Sequence[Message]) -> list[DeliveryResult]:
        with _http.HttpSession() as http:
            return send_each(messages, lambda m: self._send_one(m, http), self._secrets())

    @contextmanager
    def session(self) -> Iterator[Callable[[Message], DeliveryResult]]:
        with _http.HttpSession() as http:
            yield lambda m: send_each([m], lambda one: self._send_one(one, http), self._secrets())[
                0
            ]

    def _secrets(self) -> tuple[str, ...]:
        # A gateway key may sit in the URL (?apikey=...) as well as in the token.
        return (*url_secrets(self.url), *((self._token,) if self._token else ()))

    def _send_one(self, message: Message, http: _http.HttpSession) -> DeliveryResult:
        body = json.dumps({"phone": message.address, "text": message.body}, ensure_ascii=False)
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Accept": "application/json",
        }
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        try:
            reply = http.post(self.url, body.encode("utf-8"), headers, self.timeout)
        except _http.TransportError as error:
            raise AbortBatch(f"SMS gateway unreachable: {error}", attempted=error.sent) from error
        if 200 <= reply.status < 300:
            return delivered(message)
        error_text = f"SMS gateway HTTP {reply.status}: {_http.reply_excerpt(reply)}"
        retryable = _http.status_retryable(reply.status)
        result = failed(message, error_text, retryable=retryable, secrets=self._secrets())
        if retryable:  # the gateway is failing or throttling us, not refusing this number
            raise AbortBatch(error_text, current=result)
        return result
