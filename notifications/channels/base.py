"""The delivery-channel interface: rendered messages in, one result per message out.

Channels know nothing about the database or templates. The outbox loop hands a
batch of already-rendered :class:`Message` objects to :meth:`Channel.send_batch`
and records the :class:`DeliveryResult` that comes back for each of them.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True)
class Message:
    id: int | None  # outbox row id, echoed back in results
    channel: str  # 'email' | 'sms' | 'dingtalk' | 'wecom'
    address: str  # email address, phone number, or '' for group robots
    recipient: str  # display name, e.g. '韩水'
    subject: str  # email subject; ignored by SMS
    body: str


@dataclass(frozen=True)
class DeliveryResult:
    message_id: int | None
    ok: bool
    error: str | None = None  # one line, never containing a secret
    # False for permanent failures (SMTP 5xx recipient refused, gateway 4xx, ...):
    # sending the same message again cannot succeed, so the outbox should stop trying.
    retryable: bool = True


class ChannelNotConfigured(Exception):
    """Settings are missing or invalid. The text names keys, never secret values."""


class Channel(ABC):
    name: ClassVar[str]

    @classmethod
    @abstractmethod
    def from_settings(cls, settings: Mapping[str, str]) -> Channel:
        """Build the channel from flat env-style settings or raise ChannelNotConfigured."""

    @abstractmethod
    def send_batch(self, messages: Sequence[Message]) -> list[DeliveryResult]:
        """Deliver ``messages``; return exactly one result per message, in order.

        Delivery problems are reported as failed results, not raised. Where the
        protocol allows it, one connection serves the whole batch.
        """
