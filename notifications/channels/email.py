"""SMTP delivery: one connection (and one login) per batch, per-recipient results.

Only a refusal that concerns one message (its recipient refused with 5xx, its address
invalid) may end that notice. Whatever concerns the whole channel (no connection, TLS, login
refused, the sender refused) leaves every message of the batch unattempted: they stay in
the queue without using an attempt, whatever is wrong with the server or its settings.
"""

from __future__ import annotations

import base64
import smtplib
import ssl
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.errors import HeaderParseError
from email.header import Header
from email.headerregistry import Address, HeaderRegistry
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import formataddr, formatdate, make_msgid
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


class _ConnectionLost(Exception):
    pass


class _NotSent(Exception):
    """Nothing of this message went out and no more can go on this connection (the sender
    refused, the connection already closed by the server)."""


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

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config

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
    def session(self) -> Iterator[Callable[[Message], DeliveryResult]]:
        """One connection (and one login), opened at the first message, kept for the rest;
        after a lost connection the next message opens a new one."""
        state: dict[str, smtplib.SMTP] = {}

        def send(message: Message) -> DeliveryResult:
            smtp = state.get("smtp")
            if smtp is None:
                try:
                    smtp = state["smtp"] = self._connect()
                except smtplib.SMTPAuthenticationError as error:
                    reason = f"SMTP login refused: {_describe(error)}"
                    return not_attempted(message, reason, self._secrets())
                except (OSError, smtplib.SMTPException, ssl.SSLError) as error:
                    reason = f"SMTP connection failed: {_describe(error)}"
                    return not_attempted(message, reason, self._secrets())
            try:
                return self._send_one(smtp, message)
            except _ConnectionLost as lost:
                # This message may or may not have gone out: it uses an attempt.
                _disconnect(state.pop("smtp"))
                return failed(message, str(lost), retryable=True)
            except _NotSent as not_sent:
                _disconnect(state.pop("smtp"))
                return not_attempted(message, str(not_sent))

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

    def _send_one(self, smtp: smtplib.SMTP, message: Message) -> DeliveryResult:
        if smtp.sock is None:  # smtplib closes its end when the server answers 421
            raise _NotSent("SMTP connection closed by the server")
        try:
            raw = self._raw(message)
            email = None if raw is not None else self._build(message)
        except (ValueError, IndexError, HeaderParseError) as error:
            return failed(message, f"invalid email address: {error}", retryable=False)
        try:
            if raw is not None:
                smtp.sendmail(self.config.sender, [message.address], raw)
            else:
                assert email is not None
                smtp.send_message(email, from_addr=self.config.sender, to_addrs=[message.address])
        except smtplib.SMTPRecipientsRefused as error:
            code, reply = next(iter(error.recipients.values()), (0, b""))
            return self._refused(message, "recipient refused", code, reply)
        except smtplib.SMTPSenderRefused as error:
            # MAIL FROM refused (sender not allowed, authentication required): the same for
            # every message, a matter of settings, never of this notice.
            raise _NotSent(self._safe(f"SMTP sender refused: {_describe(error)}")) from error
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

    def _raw(self, message: Message) -> bytes | None:
        """The message as bytes, written directly: the email package's header folding took
        three quarters of a delivery's time. None for a non-ASCII address (SMTPUTF8), which
        goes through `_build` and the email package."""
        c = self.config
        if not (message.address.isascii() and c.sender.isascii()):
            return None
        Address(addr_spec=message.address)  # refuses what is not an address, as _build does
        domain = c.sender.rpartition("@")[2] or "localhost"
        headers = [
            f"Subject: {_encoded(message.subject)}",
            f"From: {formataddr((c.sender_name or '', c.sender), charset='utf-8')}",
            f"To: {formataddr((message.recipient or '', message.address), charset='utf-8')}",
            f"Date: {formatdate(localtime=True)}",
            f"Message-ID: {make_msgid(domain=domain)}",
            "MIME-Version: 1.0",
            'Content-Type: text/plain; charset="utf-8"',
            "Content-Transfer-Encoding: base64",
        ]
        body = base64.encodebytes(message.body.encode("utf-8")).replace(b"\n", b"\r\n")
        return "\r\n".join(headers).encode("ascii") + b"\r\n\r\n" + body

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
    """Header text: as is when ASCII, else RFC 2047 encoded words (folded at 76 columns)."""
    text = " ".join(text.split())  # no line breaks inside a header
    return text if text.isascii() else Header(text, "utf-8").encode()


def _describe(error: BaseException) -> str:
    if isinstance(error, smtplib.SMTPResponseException):
        reply = error.smtp_error
        text = reply.decode("utf-8", errors="replace") if isinstance(reply, bytes) else reply
        return f"{error.smtp_code} {text}"
    return str(error) or type(error).__name__


def _disconnect(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        pass  # the server may already be gone; we only need the socket released
    finally:
        smtp.close()
