"""JSON/form POSTs over http.client: keep-alive sessions and a deadline for the whole request.

A socket timeout bounds each read, not the request: a gateway that trickles one byte a second
would hold a request for ever. Every request here has a total deadline instead; a watchdog
shuts the socket down when it passes, and the request fails as a transport fault.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import ssl
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from types import TracebackType
from urllib.parse import urlsplit

USER_AGENT = "rectify-notifications/1"
# Gateway replies are small JSON documents; never buffer an unbounded body.
MAX_REPLY_BYTES = 64 * 1024


@dataclass(frozen=True)
class HttpReply:
    status: int
    body: bytes


class TransportError(Exception):
    """No HTTP status was obtained: DNS, refused connection, TLS, timeout, deadline, ...

    ``sent`` says whether the request may have reached the gateway: a failure to connect
    cannot have, a failure while waiting for the reply may have (the gateway may have acted).
    """

    def __init__(self, reason: str, *, sent: bool, deadline: bool = False) -> None:
        super().__init__(reason)
        self.sent = sent
        self.deadline = deadline  # the request ran out of time (never tried again at once)


class HttpSession:
    """Keeps one connection per scheme, host and port open between requests (keep-alive)."""

    def __init__(self) -> None:
        self._connections: dict[tuple[str, str, int], http.client.HTTPConnection] = {}

    def __enter__(self) -> HttpSession:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        for connection in self._connections.values():
            connection.close()
        self._connections.clear()

    def post(self, url: str, body: bytes, headers: Mapping[str, str], deadline: float) -> HttpReply:
        """POST ``body``; any HTTP status is a reply, anything else a TransportError.

        ``deadline`` bounds the whole request, connecting and reading included.
        """
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https") or not parts.hostname:
            raise TransportError(f"not an http(s) URL: {scheme}://", sent=False)
        port = parts.port or (443 if scheme == "https" else 80)
        key = (scheme, parts.hostname, port)
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        all_headers = {
            "User-Agent": USER_AGENT,
            "Host": parts.netloc.rpartition("@")[2],
            "Content-Length": str(len(body)),
            **headers,
        }
        reused = key in self._connections
        try:
            return self._exchange(key, target, body, all_headers, deadline)
        except TransportError as error:
            if not reused or error.sent or error.deadline:
                raise
        # A kept-alive connection the server had already closed: try once on a fresh one.
        return self._exchange(key, target, body, all_headers, deadline)

    def _exchange(
        self,
        key: tuple[str, str, int],
        target: str,
        body: bytes,
        headers: Mapping[str, str],
        deadline: float,
    ) -> HttpReply:
        connection = self._connections.get(key)
        fresh = connection is None
        if connection is None:
            scheme, host, port = key
            if scheme == "https":
                connection = http.client.HTTPSConnection(
                    host, port, timeout=deadline, context=ssl.create_default_context()
                )
            else:
                connection = http.client.HTTPConnection(host, port, timeout=deadline)
        started = time.monotonic()
        expired = threading.Event()
        watchdog = threading.Timer(deadline, _cut, (connection, expired))
        watchdog.daemon = True
        watchdog.start()
        sent = False
        try:
            if connection.sock is None:
                connection.connect()
            connection.request("POST", target, body=body, headers=dict(headers))
            sent = True
            response = connection.getresponse()
            payload = response.read(MAX_REPLY_BYTES)
            if not response.isclosed():
                response.read()  # drain a longer body so the connection can be reused
        except (OSError, http.client.HTTPException) as error:
            connection.close()
            self._connections.pop(key, None)
            if expired.is_set() or isinstance(error, TimeoutError):
                spent = time.monotonic() - started
                raise TransportError(
                    f"timed out: no complete reply within {deadline:g} s ({spent:.1f} s spent)",
                    sent=sent,
                    deadline=True,
                ) from error
            # A kept-alive connection closed by the server before it read our request shows
            # up as a failure to send; on a fresh connection a failure to send means refused.
            reason = str(error) or type(error).__name__
            raise TransportError(
                reason, sent=sent and (fresh or _answered_partly(error))
            ) from error
        finally:
            watchdog.cancel()
        if response.will_close:
            connection.close()
            self._connections.pop(key, None)
        else:
            self._connections[key] = connection
        return HttpReply(response.status, payload)


def _answered_partly(error: BaseException) -> bool:
    # The server closed a reused connection without a byte of reply: our request was lost
    # with it (RemoteDisconnected); anything else means it may have been read.
    return not isinstance(error, http.client.RemoteDisconnected)


def _cut(connection: http.client.HTTPConnection, expired: threading.Event) -> None:
    expired.set()
    sock = connection.sock
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


def post(url: str, body: bytes, headers: Mapping[str, str], timeout: float) -> HttpReply:
    """One POST on its own connection, within ``timeout`` seconds in all."""
    with HttpSession() as session:
        return session.post(url, body, headers, timeout)


def status_retryable(status: int) -> bool:
    """5xx, 408 and 429 may succeed later; other statuses will not change on retry."""
    return status >= 500 or status in (408, 429)


def reply_excerpt(reply: HttpReply) -> str:
    return reply.body[:200].decode("utf-8", errors="replace")
