"""The web as people use it: a real `rectify serve` (waitress, in its own process) on a free
port, links made by `rectify web link`, and headless Chromium on a 390 x 844 phone in Chinese.

The county is tests/web/conftest.py's (SQLite; the Flask-client tests in tests/web run both
backends), as of 2020-10-01 12:00: 水利局 is red (R1 is 11 days overdue), and 城关镇's R17 (陈干,
problem P4, its only item) is assigned. Everything is read through the browser: locators,
computed styles and layout, never the HTML as text.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Rectify, _build_county, _built, _initialise, _start_the_office
from tests.web.conftest import NOW, _build_site
from tests.web.images import HTML_AS_JPG, png

RED = "rgb(198, 40, 40)"
GREEN = "rgb(46, 125, 50)"
PHONE = {"width": 390, "height": 844}
ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Served:
    """A `rectify serve` process and the county it serves."""

    base: str  # http://127.0.0.1:PORT
    county: Rectify

    def link(self, name: str) -> str:
        """A login link for NAME, made by the office as `rectify web link` makes it."""
        return self.county.ok("web", "link", name, "--base-url", self.base + "/").strip()


@pytest.fixture
def served(tmp_path: Path, built_cache: Path) -> Iterator[Served]:
    county = Rectify("sqlite:///" + str(tmp_path / "rectify.db"))
    for stage, build in (("fresh", _initialise), ("rectify", _start_the_office),
                         ("county", _build_county), ("web", _build_site)):  # fmt: skip
        _built(stage, county, build, built_cache)
    county.now = NOW
    env = {**os.environ, "RECTIFY_DB": county.db_url, "RECTIFY_NOW": NOW, "RECTIFY_CONFIG": "",
           "RECTIFY_LANG": "en", "PYTHONUNBUFFERED": "1"}  # fmt: skip
    server = subprocess.Popen(
        [sys.executable, "-c", "import cli; cli.main()", "serve", "--port", "0",
         "--threads", "4", "--stop-after", "600"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    try:
        assert server.stdout is not None
        first = server.stdout.readline()
        found = re.search(r"listening on 127\.0\.0\.1:(\d+)", first)
        assert found, f"rectify serve said: {first!r}"
        yield Served(f"http://127.0.0.1:{found.group(1)}", county)
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        assert server.stdout is not None
        server.stdout.close()


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    """Opens a new phone (its own cookies) per person: phone() -> page."""
    contexts: list[Any] = []

    def open_phone() -> Any:
        context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True,
                                      has_touch=True, locale="zh-CN")  # fmt: skip
        contexts.append(context)
        return context.new_page()

    yield open_phone
    for context in contexts:
        context.close()


def fits(page: Any) -> None:
    """The page does not scroll sideways on the phone (wide tables scroll in their boxes)."""
    page.wait_for_load_state()
    width, client = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert client == PHONE["width"], client
    assert width <= client, f"{page.url}: {width} px wide on a {client} px screen"


def log_in(page: Any, served: Served, name: str) -> None:
    response = page.goto(served.link(name))
    assert response.status == 200
    assert page.url == served.base + "/"  # the token has left the address bar
    fits(page)


def submit(page: Any, selector: str) -> None:
    """Click a link or a form's button and wait for the page it leads to (which may have the
    same address: a form goes back to its item)."""
    with page.expect_navigation():
        page.locator(selector).click()


def colour(locator: Any, prop: str = "backgroundColor") -> str:
    return str(locator.evaluate(f"e => getComputedStyle(e).{prop}"))


def cell(page: Any, unit: str, problem: str) -> Any:
    return page.locator(f"#campaign-TP tr[data-unit='{unit}'] td[data-problem='{problem}']")


def test_a_fix_with_a_photo_goes_from_the_unit_to_the_office_and_onto_the_map(
    served: Served, phone: Any
) -> None:
    # The leader reads the battle map: 水利局 is red, 城关镇's P4 not yet ticked.
    leader = phone()
    log_in(leader, served, "王书记")
    slj = leader.locator("#campaign-TP tr[data-unit='slj'] th.unit")
    assert slj.inner_text() == "水利局"
    assert colour(slj) == RED
    assert (
        colour(leader.locator("#campaign-TP tr.board-row[data-key='slj'] td.name"), "color") == RED
    )
    assert cell(leader, "cgz", "P4").inner_text() == "0/1"
    # The grid is wider than the phone: it scrolls in its own box, not the page.
    assert colour(leader.locator("#campaign-TP .scroll"), "overflowX") == "auto"

    # 陈干 of 城关镇 reports R17 fixed with a photo from the phone.
    unit = phone()
    log_in(unit, served, "陈干")
    submit(unit, "li.item[data-ref='R17'] a.ref")
    assert unit.url == served.base + "/items/R17"
    fits(unit)
    photo = png(120, 90, seed=5)
    unit.fill("#fix-note", "重复材料已清理，现场照片附后")
    unit.set_input_files("#fix-evidence", files=[
        {"name": "现场.png", "mimeType": "image/png", "buffer": photo},
    ])  # fmt: skip
    submit(unit, "#fix-form button[type=submit]")
    assert unit.url == served.base + "/items/R17"
    assert unit.locator("[data-said='done']").first.inner_text() == "R17：已交办 → 已整改"
    assert unit.locator(".state").get_attribute("data-state") == "fixed"
    evidence = unit.locator("ul.evidence a", has_text="现场.png")
    assert evidence.count() == 1
    fits(unit)
    served_photo = unit.request.get(served.base + evidence.get_attribute("href"))
    assert served_photo.ok and served_photo.body() == photo
    assert served_photo.headers["content-type"] == "image/png"

    # The office accepts it (销号) ...
    office = phone()
    log_in(office, served, "李督查")
    office.goto(served.base + "/items/R17")
    assert office.locator("#accept-form").is_visible()
    fits(office)
    office.fill("#accept-note", "现场核实")
    submit(office, "#accept-form button[type=submit]")
    assert office.url == served.base + "/items/R17"
    assert office.locator(".state").get_attribute("data-state") == "closed"
    history = office.locator("tr.event").last
    assert "李督查" in history.inner_text()

    # ... and the tick appears on the leader's battle map.
    leader.reload()
    ticked = cell(leader, "cgz", "P4")
    assert ticked.inner_text() == "✓ 1/1"
    assert colour(ticked) == GREEN
    fits(leader)
    # The audit trail names each person, not the server's user.
    actors = [(e["trigger"], e["actor"]) for e in served.county.json("history", "R17")]
    assert actors[-2:] == [("fix", "陈干"), ("accept", "李督查")]


def test_a_unit_person_can_neither_see_nor_act_on_another_units_item(
    served: Served, phone: Any
) -> None:
    page = phone()
    log_in(page, served, "陈干")  # 城关镇; R1 and R3 are 水利局's
    assert [e.get_attribute("data-ref") for e in page.locator("li.item").all()] == [
        "R11", "R17", "R12",
    ]  # fmt: skip
    for ref in ("R1", "R3"):
        response = page.goto(f"{served.base}/items/{ref}")
        assert response.status == 404
        assert page.locator("#message").inner_text() == "页面不存在，或不在您的查看范围内。"
        fits(page)
    page.goto(served.base + "/items/R17")
    csrf = page.locator("#fix-form input[name=csrf_token]").get_attribute("value")
    # Posting the forms anyway, with the session's own token: 404 as well.
    for path, form in (
        ("/items/R1/fix", {"note": "代报", "evidence": {"name": "x.png", "mimeType": "image/png",
                                                       "buffer": png()}}),
        ("/items/R1/extend", {"to": "2020-10-30", "reason": "代办"}),
        ("/items/R3/accept", {"note": "代验收"}),
    ):  # fmt: skip
        answer = page.request.post(served.base + path, multipart={"csrf_token": csrf, **form})
        assert answer.status == 404, path
    assert served.county.json("show", "R1")[0]["state"] == "assigned"
    assert served.county.json("show", "R3")[0]["state"] == "fixed"


def test_a_file_that_is_no_photo_is_refused_on_the_page(served: Served, phone: Any) -> None:
    page = phone()
    log_in(page, served, "陈干")
    page.goto(served.base + "/items/R17")
    page.fill("#fix-note", "已完成")
    page.set_input_files("#fix-evidence", files=[
        {"name": "现场.jpg", "mimeType": "image/jpeg", "buffer": HTML_AS_JPG},
    ])  # fmt: skip
    submit(page, "#fix-form button[type=submit]")
    refusal = page.locator("#refusal")
    assert refusal.inner_text() == (
        "现场.jpg 不是照片（JPEG、PNG、GIF、WebP、HEIC）或 PDF 文件，未保存任何内容"
    )
    assert page.locator("#fix-note").input_value() == "已完成"  # typed once is enough
    fits(page)
    assert served.county.json("show", "R17")[0]["evidence"] == []


def test_every_page_on_the_phone_in_a_screenshot(
    served: Served, phone: Any, tmp_path: Path
) -> None:
    shots = tmp_path / "screens"
    shots.mkdir()
    asked: list[str] = []

    def visit(page: Any, name: str, path: str | None = None, status: int = 200) -> None:
        if path is not None:
            response = page.goto(served.base + path)
            assert response.status == status, path
        fits(page)
        assert page.evaluate("document.querySelectorAll('script').length") == 0
        target = shots / f"{name}.png"
        page.screenshot(path=str(target), full_page=True)
        assert target.stat().st_size > 5_000, name

    stranger = phone()
    stranger.on("request", lambda request: asked.append(request.url))
    visit(stranger, "link-needed", "/", 200)
    visit(stranger, "link-refused", "/login/not-a-real-token", 403)

    leader = phone()
    leader.on("request", lambda request: asked.append(request.url))
    log_in(leader, served, "王书记")
    visit(leader, "battle-map")
    visit(leader, "overdue", "/overdue")
    visit(leader, "figures", "/stats")
    visit(leader, "item-to-accept", "/items/R3")
    visit(leader, "problem", "/items/P1")
    visit(leader, "not-found", "/items/R999", 404)

    unit = phone()
    unit.on("request", lambda request: asked.append(request.url))
    log_in(unit, served, "陈干")
    visit(unit, "unit-home")
    visit(unit, "unit-overdue", "/overdue")
    visit(unit, "item-forms", "/items/R17")
    unit.locator("#extend-to").fill("2020-10-20")
    unit.fill("#extend-reason", "资金未到位")
    submit(unit, "#extend-form button[type=submit]")
    visit(unit, "extension-asked")
    visit(leader, "extension-to-decide", "/items/R17")

    # Nothing is fetched from anywhere else: styles come from the app itself.
    assert asked and all(url.startswith(served.base + "/") for url in asked), asked
    assert len(list(shots.glob("*.png"))) == 13

    # On paper: A4, without the header and the forms.
    leader.emulate_media(media="print")
    assert leader.locator("header.top").evaluate("e => getComputedStyle(e).display") == "none"
    assert leader.locator("section.actions").evaluate("e => getComputedStyle(e).display") == "none"
    leader.pdf(path=str(shots / "extension-to-decide.pdf"), format="A4")
    assert (shots / "extension-to-decide.pdf").read_bytes().startswith(b"%PDF")
