"""The app under a real waitress server on loopback, read with urllib as a browser would."""

from __future__ import annotations

import threading
import urllib.request
from http.cookiejar import CookieJar
from urllib.error import HTTPError

import pytest

from tests.conftest import Rectify
from tests.web.conftest import NOW, make_app
from web.serve import Server


def test_waitress_serves_the_pages_over_http(county: Rectify) -> None:
    county.now = NOW
    flask_app, application = make_app(county)
    server = Server(flask_app, host="127.0.0.1", port=0, threads=2)
    thread = threading.Thread(target=server.serve, kwargs={"stop_after": 60}, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.port}"
    try:
        with pytest.raises(HTTPError) as refused:
            urllib.request.urlopen(f"{base}/login/not-a-token", timeout=10)
        assert refused.value.code == 403
        assert refused.value.headers["Referrer-Policy"] == "no-referrer"
        refused.value.close()
        link = county.ok("web", "link", "王书记").strip().replace("http://127.0.0.1:8080", base)
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        with browser.open(link, timeout=10) as page:  # follows the 303 to /
            assert page.status == 200 and page.url == base + "/"
            assert page.headers["Cache-Control"] == "private, no-store"
            assert page.headers["Server"] == "rectify"
            assert "王书记" in page.read().decode("utf-8")
    finally:
        server.stop()
        thread.join(timeout=10)
        application.close()
    assert not thread.is_alive()
