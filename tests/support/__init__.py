"""Test helpers: loopback SMTP and HTTP servers (see servers.py)."""

from tests.support.servers import (
    CannedReply,
    HttpTestServer,
    ReceivedMail,
    RecordedRequest,
    SmtpRecorder,
    SmtpTestServer,
    free_port,
    http_server,
    reply,
    running_http_server,
    running_smtp_server,
    self_signed_certificate,
    smtp_server,
)

__all__ = [
    "CannedReply",
    "HttpTestServer",
    "ReceivedMail",
    "RecordedRequest",
    "SmtpRecorder",
    "SmtpTestServer",
    "free_port",
    "http_server",
    "reply",
    "running_http_server",
    "running_smtp_server",
    "self_signed_certificate",
    "smtp_server",
]
