"""`rectify serve`: the web app under waitress, a pure-Python production WSGI server.

The server runs until Ctrl-C, `stop()` from another thread, or `stop_after` seconds (tests
and benchmarks run it bounded). Behind a proxy (nginx) it binds 127.0.0.1 and believes the
proxy's X-Forwarded-* headers only when told the proxy's address; a base URL with a path
(https://host/rectify/) serves the app under that path, as the proxy forwards it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from waitress import create_server, wasyncore

from web import WebState, create_app
from workflow.app import App

# How often the serving loop looks at its stop flag and clock (seconds).
POLL = 0.2


class Server:
    """A waitress server for one WSGI app, listening from construction on."""

    def __init__(
        self,
        wsgi_app: Any,
        *,
        host: str = "127.0.0.1",
        port: int = 8080,
        threads: int = 8,
        url_prefix: str = "",
        trusted_proxy: str | None = None,
    ) -> None:
        options: dict[str, Any] = {
            "host": host, "port": port, "threads": threads, "ident": "rectify",
            "url_prefix": url_prefix,
        }  # fmt: skip
        if trusted_proxy:
            options.update(
                trusted_proxy=trusted_proxy,
                trusted_proxy_headers="x-forwarded-for x-forwarded-proto x-forwarded-host",
                clear_untrusted_proxy_headers=True,
            )
        self._map: dict[Any, Any] = {}
        self._server = create_server(wsgi_app, map=self._map, **options)
        self._stopping = threading.Event()

    @property
    def addresses(self) -> list[tuple[str, int]]:
        """(host, port) of each socket listened on: with port 0, the ports chosen."""
        server = self._server
        if hasattr(server, "effective_listen"):
            return [(str(host), int(port)) for host, port in server.effective_listen]
        return [(str(server.effective_host), int(server.effective_port))]

    @property
    def port(self) -> int:
        return self.addresses[0][1]

    def serve(self, stop_after: float | None = None) -> None:
        """Serve until stop(), Ctrl-C or `stop_after` seconds; then close every connection."""
        deadline = None if stop_after is None else time.monotonic() + stop_after
        try:
            while not self._stopping.is_set():
                if deadline is not None and time.monotonic() >= deadline:
                    break
                wasyncore.loop(timeout=POLL, map=self._map, use_poll=True, count=1)
        except KeyboardInterrupt:
            pass
        finally:
            self.close()

    def stop(self) -> None:
        self._stopping.set()

    def close(self) -> None:
        self._server.task_dispatcher.shutdown()
        wasyncore.close_all(self._map)


def url_prefix(base_url: str) -> str:
    """The path the app lives under: '' for https://host/, '/rectify' for .../rectify/."""
    return urlsplit(base_url).path.rstrip("/")


def configure_logging() -> None:
    """Warnings of the web (a unit asking for another unit's item) and waitress's own lines
    go to stderr, unless the process has set up logging itself."""
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
        # transitions says INFO at every state change: noise beside the audit trail.
        logging.getLogger("transitions").setLevel(logging.WARNING)


def run(
    app_context: App,
    *,
    host: str,
    port: int,
    base_url: str | None = None,
    threads: int = 8,
    trusted_proxy: str | None = None,
    stop_after: float | None = None,
    say: Callable[[str, list[tuple[str, int]]], None] | None = None,
) -> None:
    """`rectify serve`: build the app, listen, tell where (`say(base_url, addresses)`), and
    serve until stopped."""
    flask_app = create_app(app_context, base_url=base_url)
    state: WebState = flask_app.extensions["rectify"]
    configure_logging()
    server = Server(
        flask_app, host=host, port=port, threads=threads, url_prefix=url_prefix(state.base_url),
        trusted_proxy=trusted_proxy,
    )  # fmt: skip
    if say is not None:
        # With no base URL given or configured, the address it listens on is the one to open.
        configured = base_url or app_context.settings.values.get("RECTIFY_WEB_BASE_URL")
        shown = state.base_url if configured else f"http://{host}:{server.port}/"
        say(shown, server.addresses)
    server.serve(stop_after)
