"""The web's fixtures: the battle-map county of tests/cli/test_board.py, with an item whose
title holds markup and a fix with evidence; the Flask app over it; a login by link.

    TP P4 <script>…</script>档案     R17 cgz 陈干 10-10, title with <script>
    R3 slj 韩水 fixed with 现场.jpg and 报告.pdf (2020-10-01 10:00)
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.cli.test_board import _build_battle
from tests.conftest import Rectify, _built
from web import create_app
from workflow.app import App
from workflow.settings import load_settings

NOW = "2020-10-01T12:00"
SCRIPT_TITLE = "<b>清理</b><script>alert(1)</script>重复材料"
PHOTO = b"\xff\xd8\xff\xe0 not really a jpeg, but named like one"


@pytest.fixture
def site(county: Rectify, built_cache: Path) -> Rectify:
    """The county of the battle map, as of NOW."""
    _built("web", county, _build_site, built_cache)
    county.now = NOW
    return county


def _build_site(county: Rectify) -> None:
    _build_battle(county)
    at = "2020-10-01T10:00"
    county.ok("problem", "add", "--campaign", "TP", "--title", "<script>alert('p')</script>档案",
              now=at)  # fmt: skip
    county.ok("task", "add", "--problem", "P4", "--title", SCRIPT_TITLE, "--deadline",
              "2020-10-10", now=at)  # fmt: skip
    assert county.ok("assign", "T17", "--unit", "cgz", "--person", "陈干", now=at) == "R17\n"
    with tempfile.TemporaryDirectory(prefix="rectify-web-") as folder:
        photo, report = Path(folder) / "现场.jpg", Path(folder) / "报告.pdf"
        photo.write_bytes(PHOTO)
        report.write_bytes(b"%PDF-1.4 a report")
        county.ok("fix", "R3", "--note", "已公布", "--evidence", str(photo), "--evidence",
                  str(report), actor="韩水", now=at)  # fmt: skip
    county.ok("sweep", "--at", at)


def make_app(r: Rectify, *, now: str = NOW, base_url: str | None = None,
             **env: str) -> tuple[Flask, App]:  # fmt: skip
    settings = load_settings({"RECTIFY_DB": r.db_url, "RECTIFY_NOW": now,
                              "RECTIFY_USER": "李督查", "RECTIFY_CONFIG": "", **env})  # fmt: skip
    application = App(settings)
    return create_app(application, base_url=base_url), application


@pytest.fixture
def web(site: Rectify) -> Iterator[Flask]:
    flask_app, application = make_app(site)
    yield flask_app
    application.close()


Login = Callable[[str], FlaskClient]


@pytest.fixture
def login(site: Rectify, web: Flask) -> Login:
    """A test client logged in as NAME through a link made by the office."""

    return lambda name: logged_in(site, web, name)


def logged_in(r: Rectify, flask_app: Flask, name: str) -> FlaskClient:
    client = flask_app.test_client()
    response = client.get(link_path(r, name))
    assert response.status_code == 303, response.text
    return client


def link_path(r: Rectify, name: str, *args: str, now: str | None = None) -> str:
    """The path of a new login link for NAME (made by the office as of `now`, else r.now)."""
    url = r.ok("web", "link", name, *args, now=now).strip()
    return urlsplit(url).path


class Page(HTMLParser):
    """What the tests read off a page: elements by their data- attributes, and text."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.elements: list[dict[str, Any]] = []  # every element with a data- attribute
        self._open: list[dict[str, Any]] = []
        self.inputs: dict[str, str] = {}
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value or "" for name, value in attrs}
        if tag == "input" and "name" in found:
            self.inputs[found["name"]] = found.get("value", "")
        if any(name.startswith("data-") for name in found):
            element = {"tag": tag, **found, "text": ""}
            self.elements.append(element)
            self._open.append(element)
        elif tag not in VOID:
            self._open.append({"tag": tag, "text": ""})

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if all(element["tag"] != tag for element in self._open):
            return
        while self._open:
            element = self._open.pop()
            if element["tag"] == tag:
                break

    def handle_data(self, data: str) -> None:
        for element in self._open:
            element["text"] += data

    def having(self, attribute: str) -> list[dict[str, Any]]:
        return [e for e in self.elements if attribute in e]


VOID = {"input", "meta", "link", "br", "img", "hr", "rect", "line", "circle"}
