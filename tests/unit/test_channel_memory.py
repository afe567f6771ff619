"""The in-memory channel and the shared batching/error-text helpers."""

from __future__ import annotations

import pytest

from notifications.channels._util import AbortBatch, delivered, failed, safe_text, send_each
from notifications.channels.base import Channel, DeliveryResult, Message
from notifications.channels.memory import MemoryChannel


def message(index: int, address: str) -> Message:
    return Message(index, "email", address, "韩水", "主题", "正文")


def test_memory_channel_records_and_fails_on_cue() -> None:
    channel = MemoryChannel.from_settings({})
    assert isinstance(channel, Channel)
    channel.fail_address("bad@x.cn", retryable=False, error="550 no such user")
    channel.fail_address("later@x.cn")
    batch = [message(1, "ok@x.cn"), message(2, "bad@x.cn"), message(3, "later@x.cn")]

    results = channel.send_batch(batch)

    assert results == [
        DeliveryResult(1, True),
        DeliveryResult(2, False, "550 no such user", retryable=False),
        DeliveryResult(3, False, "simulated failure", retryable=True),
    ]
    assert channel.sent == [batch[0]]
    assert channel.batches == [batch]

    channel.heal_address("later@x.cn")
    assert channel.send_batch([batch[2]]) == [DeliveryResult(3, True)]


def test_memory_channel_can_crash_once() -> None:
    channel = MemoryChannel()
    channel.crash = RuntimeError("boom")
    with pytest.raises(RuntimeError, match="boom"):
        channel.send_batch([message(1, "a@x.cn")])
    assert channel.send_batch([message(1, "a@x.cn")])[0].ok


def test_safe_text_is_one_bounded_line_without_secrets() -> None:
    text = safe_text("line one\r\n\tline two: token=abc123 " + "x" * 1000, ["abc123"])
    assert "\n" not in text and "\t" not in text
    assert text.startswith("line one line two: token=*** ")
    assert len(text) == 300 and text.endswith("…")


def test_failed_result_never_has_an_empty_error() -> None:
    assert failed(message(1, "a"), "  \n", retryable=True).error == "unknown error"


def test_send_each_stops_early_on_abort() -> None:
    calls: list[int | None] = []

    def send_one(msg: Message) -> DeliveryResult:
        calls.append(msg.id)
        if msg.id == 2:
            raise AbortBatch("gateway unreachable: key=s3cr3t")
        return delivered(msg)

    batch = [message(i, "a") for i in (1, 2, 3, 4)]
    results = send_each(batch, send_one, ["s3cr3t"])

    assert calls == [1, 2]
    assert [(r.message_id, r.ok, r.retryable) for r in results] == [
        (1, True, True),
        (2, False, True),
        (3, False, True),
        (4, False, True),
    ]
    assert results[1].error == "gateway unreachable: key=***"
    assert results[3].error == "not attempted: gateway unreachable: key=***"
