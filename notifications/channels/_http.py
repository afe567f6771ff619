"""A minimal JSON/form POST over urllib.request (no third-party HTTP client)."""

from __future__ import annotations

import http.client
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass

USER_AGENT = "rectify-notifications/1"
# Gateway replies are small JSON documents; never buffer an unbounded body.
MAX_REPLY_BYTES = 64 * 1024


@dataclass(frozen=True)
class HttpReply:
    status: int
    body: bytes


class TransportError(Exception):
    """No HTTP status was obtained: DNS, refused connection, TLS, timeout, ...

    ``sent`` says whether the request may have reached the gateway: urllib wraps every
    failure to connect or to send the request in URLError, while a failure waiting for the
    reply (the gateway may have acted on the request) comes through as it is.
    """

    def __init__(self, reason: str, *, sent: bool) -> None:
        super().__init__(reason)
        self.sent = sent


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # urllib would turn a redirected POST into a body-less GET; a gateway that
    # redirects is misconfigured, so surface the 3xx as a reply instead.
    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: object,
        code: int,
        msg: str,
        headers: object,
        newurl: str,
    ) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def post(url: str, body: bytes, headers: Mapping[str, str], timeout: float) -> HttpReply:
    """POST ``body``; any HTTP status is a reply, anything else a TransportError."""
    request = urllib.request.Request(url, data=body, method="POST")
    request.add_header("User-Agent", USER_AGENT)
    for name, value in headers.items():
        request.add_header(name, value)
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return HttpReply(response.status, response.read(MAX_REPLY_BYTES))
    except urllib.error.HTTPError as error:
        # HTTPError owns the response socket: close it or it leaks (ResourceWarning).
        try:
            payload = error.read(MAX_REPLY_BYTES) if error.fp is not None else b""
        except (OSError, http.client.HTTPException):
            payload = b""
        finally:
            error.close()
        return HttpReply(error.code, payload)
    except urllib.error.URLError as error:
        raise TransportError(str(error.reason), sent=False) from error
    except (OSError, http.client.HTTPException) as error:
        # Timeouts while reading the reply arrive here, not wrapped in URLError.
        raise TransportError(str(error) or type(error).__name__, sent=True) from error


def status_retryable(status: int) -> bool:
    """5xx, 408 and 429 may succeed later; other statuses will not change on retry."""
    return status >= 500 or status in (408, 429)


def reply_excerpt(reply: HttpReply) -> str:
    return reply.body[:200].decode("utf-8", errors="replace")
