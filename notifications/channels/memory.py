"""An in-memory Channel for unit tests of the delivery loop: records, can fail on cue."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from notifications.channels._util import delivered, failed
from notifications.channels.base import Channel, DeliveryResult, Message


@dataclass(frozen=True)
class FailureRule:
    error: str
    retryable: bool


class MemoryChannel(Channel):
    """Accepts every message except those whose address was told to fail.

    ``sent`` holds the delivered messages, ``batches`` every batch as handed in
    (delivered or not), so tests can assert on batching as well as outcomes.
    """

    name = "memory"

    def __init__(self) -> None:
        self.sent: list[Message] = []
        self.batches: list[list[Message]] = []
        self.failures: dict[str, FailureRule] = {}
        # Set to make the next send_batch raise, to test the loop's guard against
        # a channel bug (real channels report failures as results instead).
        self.crash: Exception | None = None

    def __repr__(self) -> str:
        return f"MemoryChannel(sent={len(self.sent)}, failing={sorted(self.failures)})"

    @classmethod
    def from_settings(cls, settings: Mapping[str, str]) -> MemoryChannel:
        return cls()

    def fail_address(
        self, address: str, *, retryable: bool = True, error: str = "simulated failure"
    ) -> None:
        self.failures[address] = FailureRule(error, retryable)

    def heal_address(self, address: str) -> None:
        self.failures.pop(address, None)

    def send_batch(self, messages: Sequence[Message]) -> list[DeliveryResult]:
        self.batches.append(list(messages))
        if self.crash is not None:
            crash, self.crash = self.crash, None
            raise crash
        results: list[DeliveryResult] = []
        for message in messages:
            rule = self.failures.get(message.address)
            if rule is None:
                self.sent.append(message)
                results.append(delivered(message))
            else:
                results.append(failed(message, rule.error, retryable=rule.retryable))
        return results
