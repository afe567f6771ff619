"""Helpers shared by the channel modules: settings parsing, safe error text, batching."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from urllib.parse import parse_qsl, urlsplit

from notifications.channels.base import ChannelNotConfigured, DeliveryResult, Message

ERROR_MAX_CHARS = 300
DEFAULT_HTTP_TIMEOUT = 10.0
_WHITESPACE = re.compile(r"\s+")


# --- settings ------------------------------------------------------------------------


def setting(settings: Mapping[str, str], key: str, default: str = "") -> str:
    """A stripped value; blank counts as unset because env files often hold `KEY=`."""
    value = settings.get(key)
    if value is None or not value.strip():
        return default
    return value.strip()


def require(settings: Mapping[str, str], *keys: str) -> dict[str, str]:
    """Values of ``keys``; raise naming *every* missing key so one fix is enough."""
    missing = [key for key in keys if not setting(settings, key)]
    if missing:
        raise ChannelNotConfigured("missing {keys}", keys=", ".join(missing))
    return {key: setting(settings, key) for key in keys}


def positive_float(settings: Mapping[str, str], key: str, default: float) -> float:
    raw = setting(settings, key)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value > 0 or value == float("inf"):
        raise ChannelNotConfigured("{key} must be a positive number of seconds", key=key)
    return value


def http_timeout(settings: Mapping[str, str]) -> float:
    return positive_float(settings, "RECTIFY_HTTP_TIMEOUT", DEFAULT_HTTP_TIMEOUT)


def http_url(settings: Mapping[str, str], key: str) -> str:
    """A required http(s) URL. The value is never echoed: webhook URLs carry tokens."""
    url = require(settings, key)[key]
    if not url.lower().startswith(("http://", "https://")):
        raise ChannelNotConfigured("{key} must be an http:// or https:// URL", key=key)
    return url


# --- results -------------------------------------------------------------------------


def safe_text(text: str, secrets: Iterable[str] = ()) -> str:
    """One line, bounded, with every secret value masked.

    Servers sometimes echo request data back in error replies, so anything that
    ends up in a DeliveryResult goes through here.
    """
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    text = _WHITESPACE.sub(" ", text).strip()
    if len(text) > ERROR_MAX_CHARS:
        text = text[: ERROR_MAX_CHARS - 1] + "…"
    return text


def delivered(message: Message) -> DeliveryResult:
    return DeliveryResult(message_id=message.id, ok=True)


def failed(
    message: Message,
    error: str,
    *,
    retryable: bool,
    secrets: Iterable[str] = (),
    attempted: bool = True,
) -> DeliveryResult:
    return DeliveryResult(
        message_id=message.id,
        ok=False,
        error=safe_text(error, secrets) or "unknown error",
        retryable=retryable or not attempted,
        attempted=attempted,
    )


def not_attempted(message: Message, error: str, secrets: Iterable[str] = ()) -> DeliveryResult:
    """The message never left (no connection, login refused, ...): it costs no attempt."""
    return failed(message, error, retryable=True, secrets=secrets, attempted=False)


class AbortBatch(Exception):
    """Raised by a per-message sender when the rest of the batch cannot succeed now.

    E.g. the gateway is unreachable or rate-limits us: trying the remaining
    messages one by one would only multiply timeouts, so they are failed as
    retryable without being attempted.
    """

    def __init__(
        self, error: str, *, current: DeliveryResult | None = None, attempted: bool = True
    ) -> None:
        super().__init__(error)
        self.error = error
        self.current = current  # the result for the message that hit the condition
        # False when the current message cannot have gone out either (connection refused).
        self.attempted = attempted


def send_each(
    messages: Sequence[Message],
    send_one: Callable[[Message], DeliveryResult],
    secrets: Iterable[str] = (),
) -> list[DeliveryResult]:
    """Send messages one by one, stopping early (retryably) on AbortBatch."""
    secrets = tuple(secrets)
    results: list[DeliveryResult] = []
    for index, message in enumerate(messages):
        try:
            results.append(send_one(message))
        except AbortBatch as abort:
            current = abort.current or failed(
                message, abort.error, retryable=True, secrets=secrets, attempted=abort.attempted
            )
            results.append(replace(current, stop_channel=True))
            skipped = f"not attempted: {abort.error}"
            results.extend(not_attempted(rest, skipped, secrets) for rest in messages[index + 1 :])
            break
    return results


def url_secrets(url: str) -> tuple[str, ...]:
    """The parts of a URL that may carry a key: the whole URL, its password, its query values
    (access_token=, apikey=, ...), since a server may echo any of them back in an error."""
    parts = urlsplit(url)
    values = [value for _, value in parse_qsl(parts.query) if len(value) >= 6]
    if parts.password:
        values.append(parts.password)
    return (url, *values)


def mask_url(url: str) -> str:
    """scheme://host/path with query and userinfo dropped, for reprs (tokens live there)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return f"{parts.scheme}://{host}{parts.path}" + ("?***" if parts.query else "")
