"""Delivery channels for warning notices (email, SMS, group robots).

``CHANNELS`` maps each outbox channel name to its class; ``configured_channels``
builds those the settings allow and says why the others are unavailable.

A channel none of whose settings is given is simply not in use: its notices wait. A channel
with some settings given that cannot be built (a From that is not an address, a host
missing, a port that is not a number) is misconfigured: with ``strict`` that stops delivery
before any notice is claimed, since sending through it could only fail.
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
from workflow.i18n import Msg


class ChannelClass(Protocol):
    """What the registry needs of a channel class (SmsChannel itself is abstract)."""

    @property
    def setting_prefixes(self) -> tuple[str, ...]: ...

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
    settings: Mapping[str, str], *, strict: bool = False
) -> tuple[dict[str, Channel], dict[str, Msg]]:
    """(channels ready to send, name -> why not configured) for every registered name.

    With ``strict``, a channel whose settings are given but wrong raises ChannelNotConfigured
    naming every such problem at once.
    """
    ready: dict[str, Channel] = {}
    missing: dict[str, Msg] = {}
    wrong: list[Msg] = []
    for name, cls in CHANNELS.items():
        try:
            ready[name] = cls.from_settings(settings)
        except ChannelNotConfigured as reason:
            missing[name] = reason.message
            if strict and in_use(cls, settings):
                wrong.append(Msg("{channel}: {reason}", channel=name, reason=reason.message))
    if wrong:
        raise ChannelNotConfigured(
            "notice channels are set up wrongly; nothing was sent and every notice stays "
            "queued: {problems}",
            problems=wrong,
        )
    return ready, missing


def in_use(cls: ChannelClass, settings: Mapping[str, str]) -> bool:
    """Whether any setting of the channel's own is given (blank values count as unset)."""
    return any(
        key.startswith(cls.setting_prefixes) and value.strip() for key, value in settings.items()
    )


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
