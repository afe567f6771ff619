"""configured_channels(), backend selection and settings validation (no network)."""

from __future__ import annotations

import pytest

from notifications.channels import CHANNELS, configured_channels
from notifications.channels.aliyun_sms import AliyunSmsChannel
from notifications.channels.base import ChannelNotConfigured
from notifications.channels.email import EmailChannel
from notifications.channels.sms import SmsChannel
from notifications.channels.sms_http import HttpSmsChannel
from notifications.channels.tencent_sms import TencentSmsChannel
from notifications.channels.webhook import DingTalkChannel, WeComChannel

FULL = {
    "RECTIFY_SMTP_HOST": "mail.example.gov.cn",
    "RECTIFY_SMTP_FROM": "rectify@example.gov.cn",
    "RECTIFY_SMTP_USER": "rectify",
    "RECTIFY_SMTP_PASSWORD": "smtp-pass-123",
    "RECTIFY_SMS_URL": "https://sms.example.gov.cn/send",
    "RECTIFY_DINGTALK_WEBHOOK": "https://oapi.dingtalk.com/robot/send?access_token=tok-ding-1",
    "RECTIFY_WECOM_WEBHOOK": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=tok-wecom-2",
}
ALIYUN = {
    "RECTIFY_SMS_BACKEND": "aliyun",
    "RECTIFY_ALIYUN_ACCESS_KEY_ID": "id",
    "RECTIFY_ALIYUN_ACCESS_KEY_SECRET": "ali-secret-9",
    "RECTIFY_ALIYUN_SMS_SIGN_NAME": "整改督办",
    "RECTIFY_ALIYUN_SMS_TEMPLATE_CODE": "SMS_1",
}
TENCENT = {
    "RECTIFY_SMS_BACKEND": "tencent",
    "RECTIFY_TENCENT_SECRET_ID": "id",
    "RECTIFY_TENCENT_SECRET_KEY": "tc-secret-9",
    "RECTIFY_TENCENT_SMS_SDK_APP_ID": "1400000000",
    "RECTIFY_TENCENT_SMS_SIGN_NAME": "整改督办",
    "RECTIFY_TENCENT_SMS_TEMPLATE_ID": "1",
}


def test_registry_names() -> None:
    assert set(CHANNELS) == {"email", "sms", "dingtalk", "wecom"}


def test_everything_configured() -> None:
    ready, missing = configured_channels(FULL)

    assert missing == {}
    assert isinstance(ready["email"], EmailChannel)
    assert isinstance(ready["sms"], HttpSmsChannel)
    assert isinstance(ready["dingtalk"], DingTalkChannel)
    assert isinstance(ready["wecom"], WeComChannel)
    assert {channel.name for channel in ready.values()} == set(CHANNELS)


def test_nothing_configured_names_the_missing_keys() -> None:
    ready, missing = configured_channels({})

    assert ready == {}
    assert {name: str(why) for name, why in missing.items()} == {
        "email": "missing RECTIFY_SMTP_HOST, RECTIFY_SMTP_FROM",
        "sms": "missing RECTIFY_SMS_URL (or set RECTIFY_SMS_BACKEND to aliyun or tencent)",
        "dingtalk": "missing RECTIFY_DINGTALK_WEBHOOK",
        "wecom": "missing RECTIFY_WECOM_WEBHOOK",
    }


def test_blank_values_count_as_missing() -> None:
    _, missing = configured_channels({"RECTIFY_SMTP_HOST": "  ", "RECTIFY_SMTP_FROM": "a@b.cn"})
    assert str(missing["email"]) == "missing RECTIFY_SMTP_HOST"


def test_sms_backends_are_selected_by_setting() -> None:
    assert isinstance(SmsChannel.from_settings(ALIYUN), AliyunSmsChannel)
    assert isinstance(SmsChannel.from_settings(TENCENT), TencentSmsChannel)
    assert isinstance(SmsChannel.from_settings({**FULL, "RECTIFY_SMS_BACKEND": "HTTP"}), SmsChannel)


def test_sms_backend_reasons() -> None:
    _, missing = configured_channels({"RECTIFY_SMS_BACKEND": "aliyun"})
    assert str(missing["sms"]) == (
        "missing RECTIFY_ALIYUN_ACCESS_KEY_ID, RECTIFY_ALIYUN_ACCESS_KEY_SECRET, "
        "RECTIFY_ALIYUN_SMS_SIGN_NAME, RECTIFY_ALIYUN_SMS_TEMPLATE_CODE"
    )
    _, missing = configured_channels({"RECTIFY_SMS_BACKEND": "carrier-pigeon"})
    assert str(missing["sms"]) == "RECTIFY_SMS_BACKEND must be http, aliyun or tencent"


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"RECTIFY_SMTP_SECURITY": "tls"}, "RECTIFY_SMTP_SECURITY must be none, starttls or ssl"),
        ({"RECTIFY_SMTP_PORT": "smtp"}, "RECTIFY_SMTP_PORT must be a TCP port number"),
        ({"RECTIFY_SMTP_PORT": "70000"}, "RECTIFY_SMTP_PORT must be a TCP port number"),
        ({"RECTIFY_SMTP_PASSWORD": ""}, "must be set together"),
        ({"RECTIFY_SMTP_TIMEOUT": "-1"}, "RECTIFY_SMTP_TIMEOUT must be a positive number"),
    ],
)
def test_invalid_email_settings(overrides: dict[str, str], reason: str) -> None:
    with pytest.raises(ChannelNotConfigured, match=reason) as raised:
        EmailChannel.from_settings({**FULL, **overrides})
    assert "smtp-pass-123" not in str(raised.value)


def test_invalid_url_reason_does_not_echo_the_token() -> None:
    settings = {**FULL, "RECTIFY_DINGTALK_WEBHOOK": "oapi.dingtalk.com/robot/send?access_token=tok"}
    _, missing = configured_channels(settings)
    assert str(missing["dingtalk"]) == (
        "RECTIFY_DINGTALK_WEBHOOK must be an http:// or https:// URL"
    )
    _, missing = configured_channels({**FULL, "RECTIFY_HTTP_TIMEOUT": "soon"})
    assert str(missing["sms"]) == "RECTIFY_HTTP_TIMEOUT must be a positive number of seconds"
    with pytest.raises(ChannelNotConfigured, match="RECTIFY_SMTP_CA_FILE"):
        EmailChannel.from_settings({**FULL, "RECTIFY_SMTP_CA_FILE": "/nonexistent/ca.pem"})


def test_email_port_defaults_follow_security() -> None:
    plain = EmailChannel.from_settings(FULL)
    implicit_tls = EmailChannel.from_settings({**FULL, "RECTIFY_SMTP_SECURITY": "SSL"})
    explicit = EmailChannel.from_settings({**FULL, "RECTIFY_SMTP_PORT": "587"})
    assert (plain.config.port, plain.config.security) == (25, "none")
    assert (implicit_tls.config.port, implicit_tls.config.security) == (465, "ssl")
    assert explicit.config.port == 587


def test_reprs_hide_every_secret() -> None:
    ready, _ = configured_channels({**FULL, "RECTIFY_SMS_TOKEN": "sms-token-77"})
    ready_aliyun, _ = configured_channels(ALIYUN)
    ready_tencent, _ = configured_channels(TENCENT)
    text = " ".join(
        repr(channel) for channel in [*ready.values(), ready_aliyun["sms"], ready_tencent["sms"]]
    )
    text += repr(EmailChannel.from_settings(FULL).config)
    for secret in (
        "smtp-pass-123",
        "sms-token-77",
        "tok-ding-1",
        "tok-wecom-2",
        "ali-secret-9",
        "tc-secret-9",
    ):
        assert secret not in text


def test_strict_refuses_channels_set_up_wrongly_and_names_every_problem() -> None:
    settings = {
        "RECTIFY_SMTP_FROM": "督查室",  # neither an address nor a host
        "RECTIFY_DINGTALK_WEBHOOK": "oapi.dingtalk.com/robot/send?access_token=tok-ding-1",
    }
    with pytest.raises(ChannelNotConfigured) as raised:
        configured_channels(settings, strict=True)
    assert str(raised.value) == (
        "notice channels are set up wrongly; nothing was sent and every notice stays queued: "
        "email: missing RECTIFY_SMTP_HOST; "
        "dingtalk: RECTIFY_DINGTALK_WEBHOOK must be an http:// or https:// URL"
    )
    assert "tok-ding-1" not in str(raised.value)
    assert raised.value.to("zh") == (
        "通知渠道配置有误，本次未发送任何通知，通知均留在队列中："
        "email：缺少 RECTIFY_SMTP_HOST；"
        "dingtalk：RECTIFY_DINGTALK_WEBHOOK 须为 http:// 或 https:// 开头的网址"
    )


def test_strict_leaves_channels_without_settings_waiting() -> None:
    # A blank value is no setting at all (env files often hold `KEY=`).
    ready, missing = configured_channels({**FULL, "RECTIFY_WECOM_WEBHOOK": " "}, strict=True)
    assert set(ready) == {"email", "sms", "dingtalk"}
    assert str(missing["wecom"]) == "missing RECTIFY_WECOM_WEBHOOK"


@pytest.mark.parametrize(
    ("sender", "name", "address"),
    [
        ("rectify@example.gov.cn", "", "rectify@example.gov.cn"),
        ("督查室 <dcs@gov.test>", "督查室", "dcs@gov.test"),
        ('"县委督查室" <dcs@gov.test>', "县委督查室", "dcs@gov.test"),
        ("Office of Inspection <dcs@gov.test>", "Office of Inspection", "dcs@gov.test"),
    ],
)
def test_smtp_from_with_or_without_a_name(sender: str, name: str, address: str) -> None:
    config = EmailChannel.from_settings({**FULL, "RECTIFY_SMTP_FROM": sender}).config
    assert (config.sender_name, config.sender) == (name, address)


def test_the_name_in_smtp_from_wins_over_smtp_from_name() -> None:
    named = {**FULL, "RECTIFY_SMTP_FROM": "督查室 <dcs@gov.test>", "RECTIFY_SMTP_FROM_NAME": "X"}
    bare = {**FULL, "RECTIFY_SMTP_FROM": "dcs@gov.test", "RECTIFY_SMTP_FROM_NAME": "整改办"}
    assert EmailChannel.from_settings(named).config.sender_name == "督查室"
    assert EmailChannel.from_settings(bare).config.sender_name == "整改办"


@pytest.mark.parametrize(
    "sender",
    ["督查室", "dcs", "dcs@", "@gov.test", "a@b.cn, c@d.cn", "督查室 dcs@gov.test",
     "<dcs@gov.test", "督查室 <督查@gov.test>"],
)  # fmt: skip
def test_an_smtp_from_that_is_not_one_address_is_refused(sender: str) -> None:
    with pytest.raises(ChannelNotConfigured) as raised:
        EmailChannel.from_settings({**FULL, "RECTIFY_SMTP_FROM": sender})
    assert str(raised.value).startswith(f"RECTIFY_SMTP_FROM {sender!r} is not one email address")
