"""SMTP delivery: one connection (and one login) per batch, per-recipient results.

Only a refusal that concerns one message (its recipient refused with 5xx, its address
invalid) may end that notice. Whatever concerns the whole channel (no connection, TLS, login
refused, the sender refused) leaves every message of the batch unattempted: they stay in
the queue without using an attempt, whatever is wrong with the server or its settings.
"""

from __future__ import annotations

import base64
import re
import smtplib
import ssl
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from email.errors import HeaderParseError
from email.headerregistry import Address, HeaderRegistry
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import formataddr, formatdate, make_msgid
from functools import lru_cache
from pathlib import Path

from notifications.channels._util import (
    delivered,
    failed,
    not_attempted,
    positive_float,
    require,
    safe_text,
    setting,
)
from notifications.channels.base import (
    Channel,
    ChannelNotConfigured,
    DeliveryResult,
    Message,
)

SECURITY_MODES = ("none", "starttls", "ssl")
# 45 bytes make 60 characters of base64: an encoded word of 72 (RFC 2047 allows 75).
_WORD_BYTES = 45
_DATE: list[object] = [None, ""]  # (second, Date header text), see _date_now
_LEADING_DOT = re.compile(rb"(?m)^\.")  # dot-stuffing (RFC 5321 4.5.2)
DEFAULT_TIMEOUT = 30.0
_NO_CONNECTION = ("SMTP connection failed", "SMTP login refused")


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    sender: str  # the bare address: envelope MAIL FROM and the From header's address
    sender_name: str = ""  # the From header's display name (RFC 2047-encoded when sent)
    security: str = "none"
    user: str = ""
    password: str = field(default="", repr=False)
    timeout: float = DEFAULT_TIMEOUT
    ca_file: str = ""  # private CA for intranet mail servers; default trust store otherwise


@dataclass
class _Open:
    """A session's connection, and the message whose MAIL FROM is already on its way (sent as
    the one before was accepted; its reply not read yet)."""

    smtp: smtplib.SMTP
    mail_for: Message | None = None


class _ConnectionLost(Exception):
    pass


class _NotSent(Exception):
    """Nothing of this message went out and no more can go on this connection (the sender
    refused, the connection already closed by the server). `closed`: the server closed it (421,
    or it was found closed), which a new connection may not."""

    def __init__(self, reason: str, *, closed: bool = False) -> None:
        super().__init__(reason)
        self.closed = closed


def parse_sender(text: str) -> tuple[str, str]:
    """(display name, address) of a From setting: `dcs@gov.test` or `督查室 <dcs@gov.test>`.

    The address must be plain ASCII: it is also the envelope sender, and a server without
    SMTPUTF8 would refuse every message otherwise.
    """
    try:
        header = HeaderRegistry()("From", text)
        addresses = header.addresses  # type: ignore[attr-defined]
    except (ValueError, IndexError, HeaderParseError):
        addresses, header = (), None
    if header is None or header.defects or len(addresses) != 1:
        raise _bad_sender(text)
    address = addresses[0]
    if not address.username or not address.domain or not address.addr_spec.isascii():
        raise _bad_sender(text)
    return str(address.display_name), str(address.addr_spec)


def _bad_sender(text: str) -> ChannelNotConfigured:
    return ChannelNotConfigured(
        "RECTIFY_SMTP_FROM {value!r} is not one email address; write it as "
        "office@example.gov.cn or 督查室 <office@example.gov.cn> (an ASCII address)",
        value=text,
    )


class EmailChannel(Channel):
    name = "email"
    setting_prefixes = ("RECTIFY_SMTP_",)
    # Its session's sender takes `gate` and `meanwhile` (see `session`): the outbox's work
    # between two messages is done while the server is busy with the message.
    interleaves = True

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config
        self._has_size: bool | None = None  # the server takes SIZE=; asked once
        self._domain = config.sender.rpartition("@")[2] or "localhost"
        self._headers: tuple[str, str] | None = None  # built at the first message

    def __repr__(self) -> str:
        c = self.config
        login = f", user={c.user!r}" if c.user else ""
        return f"EmailChannel({c.host}:{c.port}, security={c.security}{login}, from={c.sender!r})"

    @classmethod
    def from_settings(cls, settings: Mapping[str, str]) -> EmailChannel:
        values = require(settings, "RECTIFY_SMTP_HOST", "RECTIFY_SMTP_FROM")
        security = setting(settings, "RECTIFY_SMTP_SECURITY", "none").lower()
        if security not in SECURITY_MODES:
            raise ChannelNotConfigured("RECTIFY_SMTP_SECURITY must be none, starttls or ssl")
        port_text = setting(settings, "RECTIFY_SMTP_PORT", "465" if security == "ssl" else "25")
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise ChannelNotConfigured("RECTIFY_SMTP_PORT must be a TCP port number")
        ca_file = setting(settings, "RECTIFY_SMTP_CA_FILE")
        if ca_file and not Path(ca_file).is_file():
            raise ChannelNotConfigured("RECTIFY_SMTP_CA_FILE does not name a readable file")
        # A name written in RECTIFY_SMTP_FROM wins; RECTIFY_SMTP_FROM_NAME names a bare address.
        sender_name, sender = parse_sender(values["RECTIFY_SMTP_FROM"])
        sender_name = sender_name or setting(settings, "RECTIFY_SMTP_FROM_NAME")
        user = setting(settings, "RECTIFY_SMTP_USER")
        # Not stripped: leading/trailing spaces can be part of a real password.
        password = settings.get("RECTIFY_SMTP_PASSWORD") or ""
        if bool(user) != bool(password):
            raise ChannelNotConfigured(
                "RECTIFY_SMTP_USER and RECTIFY_SMTP_PASSWORD must be set together"
            )
        return cls(
            SmtpConfig(
                host=values["RECTIFY_SMTP_HOST"],
                port=int(port_text),
                sender=sender,
                sender_name=sender_name,
                security=security,
                user=user,
                password=password,
                timeout=positive_float(settings, "RECTIFY_SMTP_TIMEOUT", DEFAULT_TIMEOUT),
                ca_file=ca_file,
            )
        )

    # --- sending ---------------------------------------------------------------------

    def send_batch(self, messages: Sequence[Message]) -> list[DeliveryResult]:
        if not messages:
            return []  # no point opening a connection
        results: list[DeliveryResult] = []
        with self.session() as send:
            for message in messages:
                result = send(message)
                results.append(result)
                if not result.attempted or result.stop_channel:
                    reason = result.error or ""
                    if not reason.startswith(_NO_CONNECTION):  # the batch never began
                        reason = "not attempted: " + reason.removeprefix("not attempted: ")
                    results.extend(not_attempted(m, reason) for m in messages[len(results) :])
                    break
        return results

    @contextmanager
    def session(self) -> Iterator[Callable[..., DeliveryResult]]:
        """One connection (and one login), opened at the first message, kept for the rest;
        after a lost connection the next message opens a new one, and a message finding its
        kept connection closed by the server (421: a relay's limit of messages per connection)
        is sent on a new one.

        The sender takes three optional callables, each run while the server is busy with a
        command, so that the outbox's work is not added to the server's. `gate()` is called
        once MAIL FROM is on its way and before anything that could deliver the message; when
        it returns False the transaction is abandoned (RSET) and the message is not sent.
        `meanwhile()` is called once RCPT TO is on its way, and again once DATA is.
        `upcoming()` is called once the message is accepted and names the message this session
        will be asked to send next, or None: its MAIL FROM is sent then, to be read by the
        server while the outbox records this result (a message not sent after all has its
        transaction reset). None is called when the message fails before reaching that point;
        none may raise.
        """
        state: dict[str, _Open] = {}

        def send(
            message: Message,
            *,
            gate: Callable[[], bool] | None = None,
            meanwhile: Callable[[], None] | None = None,
            upcoming: Callable[[], Message | None] | None = None,
        ) -> DeliveryResult:
            while True:
                kept = state.get("smtp")  # open since an earlier message
                connection = kept
                if connection is None:
                    try:
                        connection = state["smtp"] = _Open(self._connect())
                    except smtplib.SMTPAuthenticationError as error:
                        reason = f"SMTP login refused: {_describe(error)}"
                        return not_attempted(message, reason, self._secrets())
                    except (OSError, smtplib.SMTPException, ssl.SSLError) as error:
                        reason = f"SMTP connection failed: {_describe(error)}"
                        return not_attempted(message, reason, self._secrets())
                try:
                    return self._send_one(connection, message, gate, meanwhile, upcoming)
                except _ConnectionLost as lost:
                    # This message may or may not have gone out: it uses an attempt.
                    _disconnect(state.pop("smtp"))
                    return failed(message, str(lost), retryable=True)
                except _NotSent as not_sent:
                    _disconnect(state.pop("smtp"))
                    if not (not_sent.closed and kept):
                        return not_attempted(message, str(not_sent))
                    # The server closed a connection kept from earlier messages (a relay's
                    # limit of messages per connection, 421): nothing of this one went out, so
                    # it goes on a new connection; a new one closed at once ends the session.

        try:
            yield send
        finally:
            if "smtp" in state:
                _disconnect(state.pop("smtp"))

    def _connect(self) -> smtplib.SMTP:
        c = self.config
        smtp: smtplib.SMTP
        if c.security == "ssl":
            smtp = smtplib.SMTP_SSL(c.host, c.port, timeout=c.timeout, context=self._tls())
        else:
            smtp = smtplib.SMTP(c.host, c.port, timeout=c.timeout)
        try:
            if c.security == "starttls":
                smtp.ehlo()
                smtp.starttls(context=self._tls())
                smtp.ehlo()  # capabilities (AUTH, SMTPUTF8) may change after TLS
            if c.user:
                smtp.login(c.user, c.password)
        except BaseException:
            smtp.close()
            raise
        return smtp

    def _tls(self) -> ssl.SSLContext:
        # Certificates and host names are verified; a private CA can be supplied.
        return ssl.create_default_context(cafile=self.config.ca_file or None)

    def prepare(self, message: Message) -> Message:
        """The message with its bytes on the wire made (see `_wire`)."""
        try:
            wire = self._wire(message)
        except (ValueError, IndexError, HeaderParseError):
            return message  # its send says why
        return message if wire is None else replace(message, payload=wire)

    def _send_one(
        self,
        connection: _Open,
        message: Message,
        gate: Callable[[], bool] | None,
        meanwhile: Callable[[], None] | None,
        upcoming: Callable[[], Message | None] | None,
    ) -> DeliveryResult:
        smtp = connection.smtp
        if connection.mail_for is not None and connection.mail_for is not message:
            _withdraw(connection)  # sent for a message the outbox did not send next
        if smtp.sock is None:  # smtplib closes its end when the server answers 421
            raise _NotSent("SMTP connection closed by the server", closed=True)
        try:
            wire = message.payload if message.payload is not None else self._wire(message)
            email = None if wire is not None else self._build(message)
        except (ValueError, IndexError, HeaderParseError) as error:
            return failed(message, f"invalid email address: {error}", retryable=False)
        try:
            if wire is not None:
                sent = self._transaction(connection, message, wire, gate, meanwhile, upcoming)
            else:
                assert email is not None
                sent = gate is None or gate()
                if sent:
                    smtp.send_message(
                        email, from_addr=self.config.sender, to_addrs=[message.address]
                    )
            if not sent:
                return not_attempted(message, "not sent: the outbox withdrew it")
        except smtplib.SMTPRecipientsRefused as error:
            code, reply = next(iter(error.recipients.values()), (0, b""))
            return self._refused(message, "recipient refused", code, reply)
        except smtplib.SMTPSenderRefused as error:
            # MAIL FROM refused (sender not allowed, authentication required): the same for
            # every message, a matter of settings, never of this notice.
            reason = self._safe(f"SMTP sender refused: {_describe(error)}")
            raise _NotSent(reason, closed=error.smtp_code == 421) from error
        except smtplib.SMTPServerDisconnected as error:
            raise _ConnectionLost(self._safe(f"SMTP connection lost: {error}")) from error
        except smtplib.SMTPResponseException as error:  # includes SMTPDataError
            return self._refused(message, "rejected", error.smtp_code, error.smtp_error)
        except smtplib.SMTPNotSupportedError as error:
            # e.g. a non-ASCII address on a server without SMTPUTF8: same result next time.
            return failed(message, f"not supported by server: {error}", retryable=False)
        except (OSError, smtplib.SMTPException) as error:
            raise _ConnectionLost(self._safe(f"SMTP error: {_describe(error)}")) from error
        return delivered(message)

    def _transaction(
        self,
        connection: _Open,
        message: Message,
        wire: bytes,
        gate: Callable[[], bool] | None,
        meanwhile: Callable[[], None] | None,
        upcoming: Callable[[], Message | None] | None,
    ) -> bool:
        """smtplib's sendmail for one ASCII recipient, with the same replies raised as the
        same exceptions, but with the addresses quoted once (they are checked already), the
        content stuffed ahead, and `gate`, `meanwhile` and `upcoming` run while the server
        works (see `session`). False when the gate withdrew the message (nothing sent)."""
        smtp = connection.smtp
        address = message.address
        if connection.mail_for is message:
            connection.mail_for = None  # its MAIL FROM went as the message before was accepted
        else:
            smtp.ehlo_or_helo_if_needed()
            self._mail_from(smtp, wire)
        if gate is not None and not gate():
            smtp.getreply()
            _reset(smtp)
            return False
        code, reply = smtp.getreply()
        if code != 250:
            _abandon(smtp, code)
            raise smtplib.SMTPSenderRefused(code, reply, self.config.sender)
        smtp.putcmd("rcpt", f"TO:<{address}>")
        if meanwhile is not None:
            meanwhile()
        code, reply = smtp.getreply()
        if code not in (250, 251):
            _abandon(smtp, code)
            raise smtplib.SMTPRecipientsRefused({address: (code, reply)})
        smtp.putcmd("data")
        if meanwhile is not None:
            meanwhile()
        code, reply = smtp.getreply()
        if code != 354:
            _abandon(smtp, code)  # sendmail leaves the transaction open here; the next fails
            raise smtplib.SMTPDataError(code, reply)
        smtp.send(wire)
        code, reply = smtp.getreply()
        if code != 250:
            _abandon(smtp, code)
            raise smtplib.SMTPDataError(code, reply)
        following = upcoming() if upcoming is not None else None
        if following is not None and following.payload is not None:
            try:
                self._mail_from(smtp, following.payload)
            except smtplib.SMTPServerDisconnected:
                return True  # smtplib has closed it: the next message is told so, unsent
            connection.mail_for = following
        return True

    def _mail_from(self, smtp: smtplib.SMTP, wire: bytes) -> None:
        if self._has_size is None:
            self._has_size = bool(smtp.does_esmtp and smtp.has_extn("size"))
        size = f" size={len(wire)}" if self._has_size else ""
        smtp.putcmd("mail", f"FROM:<{self.config.sender}>{size}")

    def _refused(
        self, message: Message, what: str, code: int, reply: bytes | str
    ) -> DeliveryResult:
        text = reply.decode("utf-8", errors="replace") if isinstance(reply, bytes) else reply
        # 5xx is a permanent SMTP reply; 4xx (greylisting, mailbox busy) is transient. An
        # enhanced status 5.7.x is about policy (relaying denied, authentication needed), as
        # likely our settings as this recipient: worth trying again rather than given up.
        permanent = 500 <= code < 600 and not text.lstrip().startswith("5.7.")
        return failed(
            message, f"{what}: {code} {text}", retryable=not permanent, secrets=self._secrets()
        )

    def _wire(self, message: Message) -> bytes | None:
        """The message as DATA sends it: written directly as bytes (the email package's
        header folding and address parsing took most of a delivery's time), dot-stuffed and
        ending in CRLF.CRLF. None for a non-ASCII address (SMTPUTF8), which goes through
        `_build` and the email package."""
        c = self.config
        if not (message.address.isascii() and c.sender.isascii()):
            return None
        _check_address(message.address)  # refuses what is not an address, as _build does
        if self._headers is None:  # the same for every message of this channel
            self._headers = (
                f"From: {_mailbox(c.sender_name, c.sender)}\r\n",
                "MIME-Version: 1.0\r\n"
                'Content-Type: text/plain; charset="utf-8"\r\n'
                "Content-Transfer-Encoding: base64\r\n\r\n",
            )
        sender, content = self._headers
        head = (
            f"Subject: {_encoded(message.subject)}\r\n{sender}"
            f"To: {_mailbox(message.recipient, message.address)}\r\n"
            f"Date: {_date_now()}\r\n"
            f"Message-ID: {make_msgid(domain=self._domain)}\r\n{content}"
        )
        body = base64.encodebytes(message.body.encode("utf-8")).replace(b"\n", b"\r\n")
        # Only the head can hold a line starting with a dot; base64 lines never do.
        data = _LEADING_DOT.sub(b"..", head.encode("ascii")) + body
        if not data.endswith(b"\r\n"):
            data += b"\r\n"
        return data + b".\r\n"

    def _build(self, message: Message) -> EmailMessage:
        c = self.config
        email = EmailMessage(policy=SMTP_POLICY)
        # The SMTP policy RFC 2047-encodes non-ASCII header text (subject, names).
        email["Subject"] = message.subject
        email["From"] = Address(display_name=c.sender_name, addr_spec=c.sender)
        email["To"] = Address(display_name=message.recipient, addr_spec=message.address)
        email["Date"] = formatdate(localtime=True)
        # Pass the domain: make_msgid's default calls getfqdn(), a DNS lookup per message.
        email["Message-ID"] = make_msgid(domain=c.sender.rpartition("@")[2] or "localhost")
        # base64 rather than 8bit: older intranet relays do not all announce 8BITMIME.
        email.set_content(message.body, charset="utf-8", cte="base64")
        return email

    def _secrets(self) -> tuple[str, ...]:
        return (self.config.password,) if self.config.password else ()

    def _safe(self, text: str) -> str:
        return safe_text(text, self._secrets())


def _encoded(text: str) -> str:
    """Header text on one line: as is when ASCII, else RFC 2047 encoded words."""
    text = " ".join(text.split())  # no line breaks inside a header
    return text if text.isascii() else _encoded_words(text)


def _encoded_words(text: str) -> str:
    """UTF-8 base64 encoded words of at most 72 characters, each holding whole characters
    (RFC 2047 section 5), folded onto continuation lines."""
    data = text.encode("utf-8")
    words = []
    start = 0
    while start < len(data):
        end = min(start + _WORD_BYTES, len(data))
        while end < len(data) and data[end] & 0xC0 == 0x80:  # inside a character: back off
            end -= 1
        words.append(f"=?utf-8?b?{base64.b64encode(data[start:end]).decode('ascii')}?=")
        start = end
    return "\r\n ".join(words)


def _mailbox(name: str, address: str) -> str:
    """`name <address>` for a To or From header, the name quoted or encoded as it needs."""
    name = " ".join(name.split())
    if not name:
        return address
    if name.isascii():
        return formataddr((name, address))
    return f"{_encoded_words(name)} <{address}>"


@lru_cache(maxsize=4096)
def _check_address(address: str) -> None:
    """Raises ValueError (or IndexError, HeaderParseError) when `address` is not one address;
    remembered, as one person's address comes back for each of their notices."""
    Address(addr_spec=address)


def _date_now() -> str:
    """The Date header for now, formatted once a second."""
    second = int(time.time())
    if _DATE[0] != second:
        _DATE[:] = [second, formatdate(second, localtime=True)]
    return str(_DATE[1])


def _describe(error: BaseException) -> str:
    if isinstance(error, smtplib.SMTPResponseException):
        reply = error.smtp_error
        text = reply.decode("utf-8", errors="replace") if isinstance(reply, bytes) else reply
        return f"{error.smtp_code} {text}"
    return str(error) or type(error).__name__


def _abandon(smtp: smtplib.SMTP, code: int) -> None:
    """After a refusal, as sendmail does: 421 means the server is closing; otherwise the
    transaction is reset so the connection can carry the next message."""
    if code == 421:
        smtp.close()
    else:
        _reset(smtp)


def _reset(smtp: smtplib.SMTP) -> None:
    with suppress(smtplib.SMTPServerDisconnected):  # reported when the next command is sent
        smtp.rset()


def _withdraw(connection: _Open) -> None:
    """Read the reply to a MAIL FROM sent ahead for a message that is not sent next, and
    reset that transaction."""
    connection.mail_for = None
    with suppress(OSError, smtplib.SMTPException):
        connection.smtp.getreply()
        connection.smtp.rset()


def _disconnect(connection: _Open) -> None:
    if connection.mail_for is not None:
        _withdraw(connection)
    smtp = connection.smtp
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        pass  # the server may already be gone; we only need the socket released
    finally:
        smtp.close()
