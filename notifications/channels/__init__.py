"""Delivery channels for warning notices (email, SMS, group robots).

``CHANNELS`` maps each outbox channel name to its class; ``configured_channels``
builds those the settings allow and says why the others are unavailable.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from notifications.channels.aliyun_sms import AliyunSmsChannel
from notifications.channels.base import (
    Channel,
    ChannelNotConfigured,
    DeliveryResult,
    Message,
)
from notifications.channels.email import EmailChannel
from notifications.channels.memory import MemoryChannel
from notifications.channels.sms import SmsChannel
from notifications.channels.sms_http import HttpSmsChannel
from notifications.channels.tencent_sms import TencentSmsChannel
from notifications.channels.webhook import DingTalkChannel, WeComChannel


class ChannelClass(Protocol):
    """What the registry needs of a channel class (SmsChannel itself is abstract)."""

    def from_settings(self, settings: Mapping[str, str]) -> Channel: ...


# 'sms' maps to the SmsChannel base, whose from_settings picks the backend
# (RECTIFY_SMS_BACKEND = http | aliyun | tencent). MemoryChannel is a test
# double and deliberately not registered.
CHANNELS: dict[str, ChannelClass] = {
    "email": EmailChannel,
    "sms": SmsChannel,
    "dingtalk": DingTalkChannel,
    "wecom": WeComChannel,
}


def configured_channels(
    settings: Mapping[str, str],
) -> tuple[dict[str, Channel], dict[str, str]]:
    """(channels ready to send, name -> why not configured) for every registered name."""
    ready: dict[str, Channel] = {}
    missing: dict[str, str] = {}
    for name, cls in CHANNELS.items():
        try:
            ready[name] = cls.from_settings(settings)
        except ChannelNotConfigured as reason:
            missing[name] = str(reason)
    return ready, missing


__all__ = [
    "CHANNELS",
    "AliyunSmsChannel",
    "Channel",
    "ChannelClass",
    "ChannelNotConfigured",
    "DeliveryResult",
    "DingTalkChannel",
    "EmailChannel",
    "HttpSmsChannel",
    "MemoryChannel",
    "Message",
    "SmsChannel",
    "TencentSmsChannel",
    "WeComChannel",
    "configured_channels",
]
