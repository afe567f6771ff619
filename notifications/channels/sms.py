"""The 'sms' channel: one name, several gateway backends chosen by RECTIFY_SMS_BACKEND."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from notifications.channels._util import setting
from notifications.channels.base import Channel, ChannelNotConfigured


class SmsChannel(Channel):
    """Base of the SMS backends. ``SmsChannel.from_settings`` picks the backend."""

    name: ClassVar[str] = "sms"
    backend: ClassVar[str] = ""
    setting_prefixes = ("RECTIFY_SMS_", "RECTIFY_ALIYUN_", "RECTIFY_TENCENT_")

    @classmethod
    def from_settings(cls, settings: Mapping[str, str]) -> SmsChannel:
        # Imported here: the backend modules subclass SmsChannel, so importing
        # them at module level would be circular.
        from notifications.channels.aliyun_sms import AliyunSmsChannel
        from notifications.channels.sms_http import HttpSmsChannel
        from notifications.channels.tencent_sms import TencentSmsChannel

        backends: dict[str, type[SmsChannel]] = {
            "http": HttpSmsChannel,
            "aliyun": AliyunSmsChannel,
            "tencent": TencentSmsChannel,
        }
        choice = setting(settings, "RECTIFY_SMS_BACKEND", "http").lower()
        if choice not in backends:
            raise ChannelNotConfigured("RECTIFY_SMS_BACKEND must be http, aliyun or tencent")
        try:
            return backends[choice].from_settings(settings)
        except ChannelNotConfigured as reason:
            if setting(settings, "RECTIFY_SMS_BACKEND") or "RECTIFY_SMS_URL" not in str(reason):
                raise
            # The operator may not know that http is only the default backend.
            raise ChannelNotConfigured(
                "{reason} (or set RECTIFY_SMS_BACKEND to aliyun or tencent)",
                reason=reason.message,
            ) from reason


def mainland_e164(phone: str) -> str:
    """'13800000000' -> '+8613800000000'; numbers already in +E.164 are kept.

    Tencent wants E.164; the numbers in the ledger are bare mainland mobiles.
    """
    digits = "".join(ch for ch in phone if ch.isdigit() or ch == "+")
    if digits.startswith("+"):
        return digits
    if digits.startswith("0086"):
        return "+" + digits[2:]
    if digits.startswith("86") and len(digits) == 13:
        return "+" + digits
    return "+86" + digits
