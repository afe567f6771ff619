"""The delivery-channel interface: rendered messages in, one result per message out.

Channels know nothing about the database or templates. The outbox loop hands a
batch of already-rendered :class:`Message` objects to :meth:`Channel.send_batch`
and records the :class:`DeliveryResult` that comes back for each of them.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import ClassVar

from workflow.errors import RectifyError


@dataclass(frozen=True)
class Message:
    id: int | None  # outbox row id, echoed back in results
    channel: str  # 'email' | 'sms' | 'dingtalk' | 'wecom'
    address: str  # email address, phone number, or '' for group robots
    recipient: str  # display name, e.g. '韩水'
    subject: str  # email subject; ignored by SMS
    body: str
    # The channel's own form of the message (for email the bytes on the wire), made ahead of
    # the send by Channel.prepare; None when the channel makes it as it sends.
    payload: bytes | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class DeliveryResult:
    message_id: int | None
    ok: bool
    error: str | None = None  # one line, never containing a secret
    # False for permanent failures (SMTP 5xx recipient refused, gateway 4xx, ...):
    # sending the same message again cannot succeed, so the outbox should stop trying.
    retryable: bool = True
    # False when the message never left: the channel could not connect or log in, or an
    # earlier message of the batch lost the connection. The outbox then keeps the notice
    # pending without using one of its attempts, so a channel fault never makes it dead.
    attempted: bool = True
    # True when the fault concerns the channel, not this message (a gateway timing out,
    # answering 5xx or 429): the rest of the run leaves the channel alone.
    stop_channel: bool = False


class ChannelNotConfigured(RectifyError):
    """Settings are missing or invalid. The text names keys, never secret values.

    Raised like every RectifyError, `ChannelNotConfigured("missing {keys}", keys=...)`, so
    that the reason is shown in the user's language.
    """


class Channel(ABC):
    name: ClassVar[str]
    # Settings that belong to this channel: when none is set the channel is simply not in
    # use and its notices wait; when some are set but they are wrong, delivery refuses to
    # start rather than spend the notices on a channel that cannot work.
    setting_prefixes: ClassVar[tuple[str, ...]] = ()

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

    def prepare(self, message: Message) -> Message:
        """The message with whatever of its sending can be done before its turn (the outbox
        calls this while the channel waits on the one before). It must not raise: a message
        it cannot prepare is returned as it is, and its send reports why."""
        return message

    @contextmanager
    def session(self) -> Iterator[Callable[[Message], DeliveryResult]]:
        """A sender of one message at a time, for the outbox to record each result as it
        comes; channels that can keep a connection open between messages override it."""

        def send(message: Message) -> DeliveryResult:
            return self.send_batch([message])[0]

        yield send
