"""Personal login links, the session they open, and the headers and CSRF check of every page."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from tests.conftest import Rectify
from tests.web.conftest import NOW, Page, link_path, logged_in, make_app
from web.security import CSRF_FIELD

PROTECTED = ("/", "/overdue", "/stats", "/items/R1", "/evidence/" + "a" * 64,
             "/campaigns/TP/report.html", "/campaigns/TP/export.xlsx", "/no-such-page")  # fmt: skip
HEADERS = {
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "private, no-store",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}


@pytest.fixture
def town(county: Rectify) -> Rectify:
    """The county's directory (nobody has items): enough to log in and be refused."""
    county.now = NOW
    return county


@pytest.fixture
def web(town: Rectify) -> Iterator[Flask]:
    flask_app, application = make_app(town)
    yield flask_app
    application.close()


def _cookie(set_cookie: str) -> dict[str, str]:
    parts = [p.strip() for p in set_cookie.split(";")]
    return {p.split("=", 1)[0].lower(): p.partition("=")[2] for p in parts[1:]}


def test_a_link_opens_a_session_and_leaves_the_address_bar(town: Rectify, web: Flask) -> None:
    path = link_path(town, "韩水")
    token = path.rsplit("/", 1)[1]
    assert len(token) >= 43  # 32 random bytes
    client = web.test_client()
    response = client.get(path)
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    assert token not in response.headers["Location"]
    (set_cookie,) = response.headers.getlist("Set-Cookie")
    flags = _cookie(set_cookie)
    assert set_cookie.startswith("rectify_session=")
    assert "httponly" in flags and flags["samesite"] == "Lax"
    assert "secure" not in flags  # the base URL is http://
    home = client.get("/")
    assert home.status_code == 200 and "韩水" in home.text


def test_over_https_the_cookie_is_secure(town: Rectify) -> None:
    flask_app, application = make_app(town, base_url="https://dcs.example.gov.cn/rectify/")
    try:
        response = flask_app.test_client().get(link_path(town, "韩水"))
        assert "secure" in _cookie(response.headers["Set-Cookie"])
    finally:
        application.close()


def test_no_page_is_read_without_a_session(web: Flask) -> None:
    client = web.test_client()
    for path in PROTECTED:
        response = client.get(path)
        assert response.status_code == 303, path
        assert response.headers["Location"] == "/link-needed", path
    page = client.get("/link-needed")
    assert page.status_code == 200 and "督查室" in page.text


@pytest.mark.parametrize(
    ("case", "said"),
    [("expired", "has expired"), ("revoked", "has been revoked"), ("unknown", "is not valid"),
     ("retired", "no longer in post")],
)  # fmt: skip
def test_a_link_that_is_no_good_is_refused(town: Rectify, case: str, said: str) -> None:
    town.ok("person", "add", "罗退", "--unit", "slj", now="2020-09-01T09:00")
    path = link_path(town, "罗退", *(["--expires", "1d"] if case == "expired" else []),
                     now="2020-09-30T09:00")  # fmt: skip
    if case == "revoked":
        town.ok("web", "revoke", "罗退")
    elif case == "unknown":
        path = path[:-4] + "AAAA"
    elif case == "retired":
        town.ok("person", "retire", "罗退")
    flask_app, application = make_app(town)
    try:
        response = flask_app.test_client().get(path, headers={"Accept-Language": "en"})
        assert response.status_code == 403
        assert said in response.text and "Set-Cookie" not in response.headers
    finally:
        application.close()


def test_revoking_a_link_ends_its_session_at_once(town: Rectify, web: Flask) -> None:
    client = logged_in(town, web, "韩水")
    assert client.get("/").status_code == 200
    town.ok("web", "revoke", "韩水")
    response = client.get("/")
    assert response.status_code == 303 and response.headers["Location"] == "/link-needed"
    assert client.get("/").status_code == 303  # and the session is gone


def test_a_session_ends_when_its_link_expires(town: Rectify) -> None:
    path = link_path(town, "韩水", "--expires", "2h")
    before, application = make_app(town, now="2020-10-01T13:00")
    client = before.test_client()
    assert client.get(path).status_code == 303 and client.get("/").status_code == 200
    application.close()
    after, application = make_app(town, now="2020-10-01T14:01")
    try:
        late = after.test_client()
        late.set_cookie("rectify_session", client.get_cookie("rectify_session").value)
        assert late.get("/").status_code == 303
    finally:
        application.close()


def test_every_response_carries_the_security_headers(town: Rectify, web: Flask) -> None:
    anonymous = web.test_client()
    client = logged_in(town, web, "李督查")
    responses = {
        "redirect": anonymous.get("/"),
        "link needed": anonymous.get("/link-needed"),
        "refused": anonymous.get("/login/nothing-of-the-kind"),
        "stylesheet": anonymous.get("/static/app.css"),
        "page": client.get("/"),
        "404": client.get("/no-such-page"),
        "404 item": client.get("/items/R999"),
        "400 csrf": client.post("/logout"),
        "405": client.put("/link-needed", data={CSRF_FIELD: "x"}),
    }
    for what, response in responses.items():
        for name, value in HEADERS.items():
            assert response.headers.get(name) == value, (what, name)
        policy = response.headers["Content-Security-Policy"]
        assert "script-src 'none'" in policy and "default-src 'self'" in policy, what
        assert "unsafe-inline" not in policy, what
        response.close()  # the stylesheet is a file, streamed
    page = responses["page"].get_data(as_text=True)
    assert "<script" not in page and "style=" not in page and "http://" not in page


def test_a_post_without_the_sessions_csrf_token_is_refused(town: Rectify, web: Flask) -> None:
    client = logged_in(town, web, "韩水")
    token = Page(client.get("/").text).inputs[CSRF_FIELD]
    assert client.post("/logout").status_code == 400
    assert client.post("/logout", data={CSRF_FIELD: token + "x"}).status_code == 400
    assert client.post("/", data={CSRF_FIELD: "forged"}).status_code == 400
    assert "open the page again" in client.post(
        "/logout", headers={"Accept-Language": "en"}).text  # fmt: skip
    assert client.get("/").status_code == 200  # refused forms changed nothing
    done = client.post("/logout", data={CSRF_FIELD: token})
    assert done.status_code == 303 and client.get("/").status_code == 303


def test_the_signing_key_is_made_once_and_shared(town: Rectify) -> None:
    first, one = make_app(town)
    second, two = make_app(town)
    given, three = make_app(town, RECTIFY_WEB_SECRET="a key from the settings file")
    try:
        assert first.secret_key == second.secret_key
        assert len(str(first.secret_key)) >= 43
        assert given.secret_key == "a key from the settings file"
        # a cookie signed by one process opens the other
        client = logged_in(town, first, "韩水")
        other = second.test_client()
        other.set_cookie("rectify_session", client.get_cookie("rectify_session").value)
        assert other.get("/").status_code == 200
    finally:
        for application in (one, two, three):
            application.close()
