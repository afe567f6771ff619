"""Real servers on loopback for channel tests: aiosmtpd SMTP and a recording HTTP server.

Both shut down completely at fixture teardown (threads joined, sockets closed),
because the suite runs with warnings as errors and a leaked socket surfaces as
a ResourceWarning in some later, unrelated test.
"""

from __future__ import annotations

import http.server
import json
import shutil
import socket
import socketserver
import subprocess
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any, cast

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    """A currently free loopback port (aiosmtpd's Controller cannot take port=0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        return int(probe.getsockname()[1])


# --- SMTP -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReceivedMail:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    peer: object  # (host, port) of the client connection
    login: str | None  # user the session authenticated as

    def message(self) -> EmailMessage:
        """The mail parsed with the modern policy (headers come back decoded)."""
        return cast(EmailMessage, message_from_bytes(self.data, policy=policy.default))


class SmtpRecorder:
    """aiosmtpd handler: records mail, refuses chosen recipients, checks logins."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.mails: list[ReceivedMail] = []
        self.connections = 0
        # rcpt address -> full SMTP reply, e.g. "550 5.1.1 No such user".
        self.refuse: dict[str, str] = {}
        # Accepted logins, user -> password. Empty dict: every login fails.
        self.credentials: dict[str, str] = {}
        # Reply for a failed login; a test can make it echo the password back.
        self.auth_failure_reply = "535 5.7.8 Authentication credentials invalid"
        # After this many mails on one connection, answer DATA with 421 (the server is
        # closing the connection), as relays limiting messages per connection do.
        self.close_after: int | None = None
        self._per_connection: dict[object, int] = {}
        # Refuse MAIL FROM until the client has logged in. Done here rather than with
        # aiosmtpd's auth_required, which warns (an error in this suite) without TLS.
        self.auth_required = False
        # The commands of every transaction, in the order the server took them: MAIL, RCPT,
        # DATA (accepted or not), RSET, QUIT.
        self.commands: list[str] = []
        # The n-th MAIL FROM the server takes (1-based, over all connections) -> its reply.
        self.mail_replies: dict[int, str] = {}

    def count_connection(self) -> None:
        with self._lock:
            self.connections += 1

    async def handle_MAIL(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        mail_options: list[str],
    ) -> str:
        with self._lock:
            self.commands.append("MAIL")
            reply = self.mail_replies.get(self.commands.count("MAIL"))
        if reply:
            return reply
        if self.auth_required and not session.authenticated:
            return "530 5.7.0 Authentication required"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        with self._lock:
            self.commands.append("RCPT")
        refusal = self.refuse.get(address)
        if refusal:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        with self._lock:
            self.commands.append("DATA")
            done = self._per_connection.get(session.peer, 0)
            if self.close_after is not None and done >= self.close_after:
                return "421 4.7.0 Too many messages on this connection, closing"
            self._per_connection[session.peer] = done + 1
        content = envelope.original_content or b""
        auth_data: object = session.auth_data
        login = auth_data.login.decode() if isinstance(auth_data, LoginPassword) else None
        mail = ReceivedMail(
            mail_from=str(envelope.mail_from),
            rcpt_tos=list(envelope.rcpt_tos),
            data=content,
            peer=session.peer,
            login=login,
        )
        with self._lock:
            self.mails.append(mail)
        return "250 Message accepted for delivery"

    async def handle_RSET(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        with self._lock:
            self.commands.append("RSET")
        return "250 OK"

    async def handle_QUIT(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        with self._lock:
            self.commands.append("QUIT")
        return "221 Bye"

    def authenticate(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        mechanism: str,
        auth_data: object,
    ) -> AuthResult:
        if isinstance(auth_data, LoginPassword):
            user = auth_data.login.decode("utf-8", errors="replace")
            password = auth_data.password.decode("utf-8", errors="replace")
            if user in self.credentials and self.credentials[user] == password:
                return AuthResult(success=True, auth_data=auth_data)
        return AuthResult(success=False, handled=False, message=self.auth_failure_reply)


class _CountingController(Controller):
    """Counts TCP connections: aiosmtpd calls factory() once per accepted connection."""

    def __init__(self, recorder: SmtpRecorder, **kwargs: Any) -> None:
        super().__init__(recorder, **kwargs)
        self.recorder = recorder

    def factory(self) -> SMTP:
        self.recorder.count_connection()
        return cast(SMTP, super().factory())


@dataclass
class SmtpTestServer:
    host: str
    port: int
    recorder: SmtpRecorder

    @property
    def mails(self) -> list[ReceivedMail]:
        return self.recorder.mails

    @property
    def connections(self) -> int:
        return self.recorder.connections

    def settings(self, **overrides: str) -> dict[str, str]:
        """RECTIFY_SMTP_* settings pointing at this server; overrides by full key."""
        values = {
            "RECTIFY_SMTP_HOST": self.host,
            "RECTIFY_SMTP_PORT": str(self.port),
            "RECTIFY_SMTP_FROM": "rectify@example.gov.cn",
            "RECTIFY_SMTP_TIMEOUT": "5",
        }
        values.update(overrides)
        return values


@contextmanager
def running_smtp_server(
    *,
    starttls_context: Any = None,
    implicit_tls_context: Any = None,
    auth_required: bool = False,
) -> Iterator[SmtpTestServer]:
    """An aiosmtpd server on a free loopback port.

    ``starttls_context`` (an ssl.SSLContext) offers STARTTLS and requires it
    before AUTH; ``implicit_tls_context`` makes it an SMTPS (port 465 style)
    server. Without either, AUTH is offered in plain text so that login can be
    tested without certificates. ``auth_required`` refuses MAIL FROM (530) until
    the client has logged in.
    """
    recorder = SmtpRecorder()
    port = free_port()
    kwargs: dict[str, Any] = {
        "hostname": LOOPBACK,
        "port": port,
        # A fixed name avoids aiosmtpd's socket.getfqdn() lookup at every connection.
        "server_hostname": "smtp.rectify.test",
        "authenticator": recorder.authenticate,
        "auth_require_tls": starttls_context is not None,
    }
    if starttls_context is not None:
        kwargs["tls_context"] = starttls_context
        kwargs["require_starttls"] = True
    if implicit_tls_context is not None:
        kwargs["ssl_context"] = implicit_tls_context
        kwargs["auth_require_tls"] = False
    recorder.auth_required = auth_required
    controller = _CountingController(recorder, **kwargs)
    controller.start()
    # start() opens one probe connection of its own; tests count only theirs.
    recorder.connections = 0
    try:
        yield SmtpTestServer(LOOPBACK, port, recorder)
    finally:
        controller.stop()


@pytest.fixture
def smtp_server() -> Iterator[SmtpTestServer]:
    """A plain SMTP server on loopback (AUTH offered without TLS)."""
    with running_smtp_server() as server:
        yield server


@pytest.fixture
def smtp_auth_server() -> Iterator[SmtpTestServer]:
    """A plain SMTP server on loopback that takes mail only after a login."""
    with running_smtp_server(auth_required=True) as server:
        yield server


def stopped_smtp_server() -> SmtpTestServer:
    """Settings of a server that has stopped: its port refuses connections."""
    with running_smtp_server() as server:
        pass
    return server


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """(cert, key) for 127.0.0.1/localhost made with the openssl CLI; skips if absent."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl command not available")
    cert, key = directory / "cert.pem", directory / "key.pem"
    subject_alt_names = "subjectAltName=IP:127.0.0.1,DNS:localhost"
    command = [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
    command += ["-subj", "/CN=localhost", "-addext", subject_alt_names]
    command += ["-keyout", str(key), "-out", str(cert)]
    subprocess.run(command, check=True, capture_output=True)
    return cert, key


# --- HTTP -----------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str  # path and query exactly as sent
    headers: dict[str, str]  # names lower-cased
    body: bytes
    client: tuple[str, int] = (LOOPBACK, 0)  # the connection it came on (keep-alive tests)

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))


@dataclass(frozen=True)
class CannedReply:
    status: int = 200
    body: bytes = b"{}"
    content_type: str = "application/json; charset=utf-8"
    delay: float = 0.0  # seconds to stall before answering (timeout tests)
    trickle: float = 0.0  # seconds between bytes of the body (a gateway that trickles)


def reply(
    status: int = 200, body: object = b"{}", *, delay: float = 0.0, trickle: float = 0.0
) -> CannedReply:
    """A CannedReply; dict/list bodies become JSON, str bodies UTF-8."""
    if isinstance(body, bytes):
        data = body
    elif isinstance(body, str):
        data = body.encode("utf-8")
    else:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    return CannedReply(status=status, body=data, delay=delay, trickle=trickle)


Responder = Callable[[RecordedRequest], CannedReply]


@dataclass
class HttpTestServer:
    """Records every request; answers from the queue, else ``responder``, else ``default``."""

    url: str = ""
    requests: list[RecordedRequest] = field(default_factory=list)
    default: CannedReply = field(default_factory=CannedReply)
    responder: Responder | None = None
    queued: list[CannedReply] = field(default_factory=list)
    handler_errors: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _released: threading.Event = field(default_factory=threading.Event)

    def respond(self, status: int = 200, body: object = b"{}", *, delay: float = 0.0) -> None:
        """Set the reply for all following requests."""
        self.default = reply(status, body, delay=delay)

    def enqueue(self, *replies: CannedReply) -> None:
        """One-shot replies used, in order, before falling back to responder/default."""
        with self._lock:
            self.queued.extend(replies)

    def _answer(self, request: RecordedRequest) -> CannedReply:
        with self._lock:
            self.requests.append(request)
            if self.queued:
                return self.queued.pop(0)
        if self.responder is not None:
            return self.responder(request)
        return self.default


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"  # keep-alive, as real gateways do

    def _handle(self) -> None:
        owner = self.server.owner
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        request = RecordedRequest(
            method=self.command,
            path=self.path,
            headers={name.lower(): value for name, value in self.headers.items()},
            body=body,
            client=self.client_address,
        )
        try:
            answer = owner._answer(request)
        except Exception as error:  # a failing responder must not hang the client
            owner.handler_errors.append(repr(error))
            answer = reply(500, {"error": repr(error)})
        if answer.delay:
            # Released at teardown so that a stalled handler never outlives its test.
            owner._released.wait(answer.delay)
        try:
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.content_type)
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            if answer.trickle:
                for index in range(len(answer.body)):
                    self.wfile.write(answer.body[index : index + 1])
                    self.wfile.flush()
                    if owner._released.wait(answer.trickle):
                        break
            else:
                self.wfile.write(answer.body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout tests); nothing to report

    do_GET = do_POST = do_PUT = _handle

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep pytest output clean; requests are recorded instead


class _Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = False  # so server_close() joins every handler thread
    block_on_close = True

    def __init__(self, owner: HttpTestServer) -> None:
        self.owner = owner
        super().__init__((LOOPBACK, 0), _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind would resolve the host name (getfqdn); skip it.
        socketserver.TCPServer.server_bind(self)
        self.server_name = LOOPBACK
        self.server_port = self.server_address[1]

    def handle_error(self, request: object, client_address: object) -> None:
        self.owner.handler_errors.append(f"unhandled error serving {client_address}")


@contextmanager
def running_http_server() -> Iterator[HttpTestServer]:
    owner = HttpTestServer()
    server = _Server(owner)
    owner.url = f"http://{LOOPBACK}:{server.server_port}/"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield owner
    finally:
        owner._released.set()
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def http_server() -> Iterator[HttpTestServer]:
    """A recording HTTP server on loopback; tell it what to answer with .respond()."""
    with running_http_server() as server:
        yield server
    # A responder's failed assertion becomes a 500 for the client; report it here
    # so that the real cause is not hidden behind a "retryable failure" result.
    if server.handler_errors:
        pytest.fail("HTTP test server handler errors: " + "; ".join(server.handler_errors))
