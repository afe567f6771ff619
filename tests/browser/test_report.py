"""The report page as a person sees it: opened from the file in headless Chromium on a phone.

Every figure is read through the browser (locators, computed styles, layout), never by
searching the HTML, and compared with what the CLI itself lists. The campaign is
tests/browser/scenes.py's: its history is known day by day.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.browser.scenes import AT, R3_TITLE, build_report_campaign
from tests.conftest import Rectify, _built

RED = "rgb(198, 40, 40)"
GREEN = "rgb(46, 125, 50)"


@pytest.fixture
def campaign(county: Rectify, built_cache: Path) -> Rectify:
    built = _built("report-campaign", county, build_report_campaign, built_cache)
    built.now = AT
    return built


def _open(page: Any, r: Rectify, tmp_path: Path) -> list[str]:
    """Write the report, open it in `page`; the addresses the page asked for."""
    target = tmp_path / "report.html"
    r.ok("report", "--campaign", "TP", "--html", str(target))
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(target.as_uri())
    return requests


def test_the_phone_page(campaign: Rectify, phone_page: Any, tmp_path: Path) -> None:
    requests = _open(phone_page, campaign, tmp_path)
    page = phone_page
    # One request, the file itself: no style, font, script or image is fetched.
    assert requests == [(tmp_path / "report.html").as_uri()]
    assert page.evaluate("document.querySelectorAll('script').length") == 0
    # 375 px wide: wide tables scroll inside their own boxes, never the page.
    assert page.evaluate("window.innerWidth") == 375
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    grid = page.locator("#battle-map .scroll")
    assert grid.evaluate("e => getComputedStyle(e).overflowX") == "auto"
    shot = tmp_path / "phone.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000


def test_the_battle_map_colours_units_and_ticks_closed_items(
    campaign: Rectify, phone_page: Any, tmp_path: Path
) -> None:
    _open(phone_page, campaign, tmp_path)
    page = phone_page
    red_units = {r["unit"] for r in campaign.json("list", "--campaign", "TP", "--level", "red")}
    assert red_units == {"水利局", "财政局", "城关镇"}
    for name in red_units:
        header = page.locator("#battle-map th.unit", has_text=name)
        assert "lvl-red" in (header.get_attribute("class") or "")
        assert header.evaluate("e => getComputedStyle(e).backgroundColor") == RED
    # 卫健委 has a closed item (R2) and a blue one (R5): blue, not red.
    wjw = page.locator("#battle-map th.unit", has_text="卫健委")
    assert "lvl-blue" in (wjw.get_attribute("class") or "")
    # A cell whose items are all closed is green and ticked; the figures are closed/total.
    row = page.locator("#battle-map tr", has=page.locator("th", has_text="卫健委"))
    cells = [c.strip() for c in row.locator("td.cell").all_inner_texts()]
    assert cells == ["✓ 1/1", "0/1"]  # P1: R2 closed; P2: R5 open
    ticked = row.locator("td.cell").first
    assert ticked.evaluate("e => getComputedStyle(e).backgroundColor") == GREEN
    # The closed count agrees with `rectify list --state closed`, and with the ticks.
    closed = campaign.json("list", "--campaign", "TP", "--state", "closed")
    assert int(page.locator("#closed-count").inner_text()) == len(closed) == 2
    per_unit = page.locator("#battle-map tbody td.num").all_inner_texts()
    assert sum(int(text.split("/")[0]) for text in per_unit) == len(closed)
    # 财政局's P2 cell: R4 closed beside R3 open and red, so red, not ticked.
    czj = page.locator("#battle-map tr", has=page.locator("th", has_text="财政局"))
    assert czj.locator("td.cell").all_inner_texts() == ["", "1/2"]
    assert "lvl-red" in (czj.locator("td.cell").nth(1).get_attribute("class") or "")
    assert page.locator("#battle-map td.lvl-closed").count() == 1  # only 卫健委's P1


def test_the_overdue_list_is_what_rectify_overdue_lists(
    campaign: Rectify, phone_page: Any, tmp_path: Path
) -> None:
    _open(phone_page, campaign, tmp_path)
    rows = phone_page.locator("#overdue tr.overdue-row")
    shown = [
        (r.locator("td").nth(0).inner_text(), int(r.locator("td").nth(5).inner_text()))
        for r in rows.all()
    ]
    expected = [(r["ref"], r["days_overdue"]) for r in campaign.json("overdue", "--campaign", "TP")]
    assert shown == expected == [("R1", 11), ("R3", 3), ("R7", 1)]
    assert int(phone_page.locator("#overdue-count").inner_text()) == len(expected)
    # A title holding <script> reads as text and ran nothing.
    assert rows.nth(1).locator("td").nth(1).inner_text() == R3_TITLE
    assert phone_page.title().endswith("脱贫攻坚问题整改")
    header = phone_page.locator("#battle-map thead th").nth(2)
    assert header.get_attribute("title", timeout=1000).startswith("P2 <script>")


def test_the_burn_down_follows_the_audit_trail(
    campaign: Rectify, page: Any, tmp_path: Path
) -> None:
    campaign.lang = None
    _open(page, campaign, tmp_path)
    chart = page.locator("#burn-down svg.burndown")
    values = [int(v) for v in chart.locator("text.value").all_text_contents()]
    items = campaign.json("list", "--campaign", "TP")
    not_closed = [r for r in items if r["state"] != "closed"]
    # All 7 created on 09-01; on 10-01 (today) 5 are not closed.
    assert values[0] == len(items) == 7
    assert values[-1] == len(not_closed) == 5
    assert set(values) <= {7, 6, 5, 4}
    axis = chart.locator("text.axis").all_text_contents()
    assert axis[-1] == "11月30日" and "9月1日" in axis
    markers = chart.locator("text.marker").all_text_contents()
    assert markers == ["底线 11月30日", "今天 10月1日"]
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert "2020年11月30日" in page.locator("header .meta").inner_text()
    assert page.locator("#audit").inner_text().startswith("审计记录校验通过")


def test_english_and_print(campaign: Rectify, page: Any, tmp_path: Path) -> None:
    _open(page, campaign, tmp_path)
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text().startswith("Rectification report: ")
    axis = page.locator("#burn-down text.axis").all_text_contents()
    assert "Sep 1" in axis and axis[-1] == "Nov 30"
    # The units table and the accountability figures come from board and stats.
    units = page.locator("#units tbody tr").count()
    assert units == len(campaign.json("board", "--campaign", "TP"))
    stats = campaign.json("stats", "--campaign", "TP", "--by", "unit")
    assert page.locator("#stats tbody tr").count() == len(stats)
    # A4: headless Chromium prints it.
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) >= 1
    (tmp_path / "report.pdf").write_bytes(pdf)
