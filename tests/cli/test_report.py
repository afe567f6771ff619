"""`rectify report --campaign CODE --html FILE`: the page is written, refusals are one line.

What the page shows is checked in a browser (tests/browser/test_report.py); here the command's
output, its refusals, and that the file is self-contained.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.browser.scenes import AT, SCRIPT, build_report_campaign
from tests.conftest import Rectify, _built


@pytest.fixture
def campaign(county: Rectify, built_cache: Path) -> Rectify:
    built = _built("report-campaign", county, build_report_campaign, built_cache)
    built.now = AT
    return built


def test_writes_the_page_and_says_what_it_holds(campaign: Rectify, tmp_path: Path) -> None:
    page = tmp_path / "整改情况.html"
    closed = len(campaign.json("list", "--campaign", "TP", "--state", "closed"))
    overdue = len(campaign.json("overdue", "--campaign", "TP"))
    items = len(campaign.json("list", "--campaign", "TP"))
    audit_rows = campaign.ok("audit", "verify").split()[3]
    out = campaign.ok("report", "--campaign", "TP", "--html", str(page))
    assert out.splitlines() == [
        f"Wrote the report of TP to {page}: {items} responsibility items, {closed} closed, "
        f"{overdue} overdue.",
        f"The audit trail verified ({audit_rows} records): the figures rest on an unbroken record.",
    ]
    assert (items, closed, overdue) == (7, 2, 3)
    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert '<html lang="en">' in html


def test_chinese_by_default(campaign: Rectify, tmp_path: Path) -> None:
    campaign.lang = None
    page = tmp_path / "r.html"
    out = campaign.ok("report", "--campaign", "TP", "--html", str(page))
    assert out.splitlines()[0] == (
        f"已将 TP 的整改情况报告写入 {page}：责任事项 7 项，已销号 2 项，逾期 3 项。"
    )
    assert out.splitlines()[1].startswith("审计记录校验通过（共 ")
    html = page.read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in html
    assert "底线 2020年11月30日（距底线还有 60 天）" in html


def test_the_page_is_self_contained(campaign: Rectify, tmp_path: Path) -> None:
    """No script, no external address, no fetch of any kind; a title's markup is escaped."""
    page = tmp_path / "r.html"
    campaign.ok("report", "--campaign", "TP", "--html", str(page))
    html = page.read_text(encoding="utf-8")
    for needle in ("<script", "http:", "https:", "//", "src=", "href=", "@import", "url(",
                   "@font-face"):  # fmt: skip
        assert needle not in html.replace("<!DOCTYPE", ""), needle
    assert "&lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt;" in html
    assert SCRIPT not in html
    assert re.search(r"font-family:[^;]*\"WenQuanYi Micro Hei\", sans-serif", html)
    assert "@page { size: A4" in html


def test_force_replaces_the_file(campaign: Rectify, tmp_path: Path) -> None:
    page = tmp_path / "r.html"
    page.write_text("old", encoding="utf-8")
    error = campaign.fails("report", "--campaign", "TP", "--html", str(page))
    assert error == f"Error: {page} already exists; add --force to replace it"
    assert page.read_text(encoding="utf-8") == "old"
    campaign.ok("report", "--campaign", "TP", "--html", str(page), "--force")
    assert page.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_refusals(campaign: Rectify, tmp_path: Path) -> None:
    page = tmp_path / "r.html"
    assert campaign.fails("report", "--campaign", "NOPE", "--html", str(page)) == (
        "Error: no campaign 'NOPE'"
    )
    assert campaign.fails("report", "--campaign", "TP", "--html", str(tmp_path / "r.pdf")) == (
        f"Error: {tmp_path / 'r.pdf'}: a report is an HTML page; name the file .html"
    )
    missing = tmp_path / "no-such-folder" / "r.html"
    assert campaign.fails("report", "--campaign", "TP", "--html", str(missing)) == (
        f"Error: {missing}: cannot be written (No such file or directory)"
    )
    campaign.lang = None
    assert campaign.fails("report", "--campaign", "NOPE", "--html", str(page)) == (
        "Error: 没有专项 'NOPE'"
    )
    assert not page.exists() and not missing.parent.exists()
    result = campaign.run("report", "--campaign", "TP")
    assert result.exit_code == 2 and "--html" in result.stderr


def test_a_campaign_without_items(county: Rectify, tmp_path: Path) -> None:
    page = tmp_path / "r.html"
    out = county.ok("report", "--campaign", "TP", "--html", str(page))
    assert out.splitlines()[0].endswith(": 0 responsibility items, 0 closed, 0 overdue.")
    html = page.read_text(encoding="utf-8")
    assert html.count("The campaign has no responsibility items yet.") == 4


def test_says_when_the_audit_chain_is_broken(campaign: Rectify, tmp_path: Path) -> None:
    engine = create_engine(campaign.db_url)
    with engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.execute(text("DROP TRIGGER audit_events_no_update"))
        else:
            conn.execute(text("DROP TRIGGER audit_events_append_only ON audit_events"))
        first = conn.execute(text("SELECT min(id) FROM audit_events WHERE trigger = 'accept'"))
        broken = first.scalar_one()
        conn.execute(text(f"UPDATE audit_events SET actor = '某人' WHERE id = {broken}"))
    engine.dispose()
    page = tmp_path / "r.html"
    out = campaign.ok("report", "--campaign", "TP", "--html", str(page))
    line = out.splitlines()[1]
    assert line == (
        f"The audit trail does NOT verify: record {broken} breaks the hash chain after "
        f"{broken - 1} good records; the figures may not match what happened."
    )
    assert 'class="audit broken"' in page.read_text(encoding="utf-8")


def test_every_word_of_the_page_has_a_chinese_entry() -> None:
    """The page's words are Terms ("report: <word>"), which the catalogue scan cannot see."""
    from workflow.i18n import catalogue
    from workflow.report.page import STATS_WORDS, WORDS, stats_words, words

    zh = catalogue("zh")
    assert [w for w in (*WORDS.values(), *STATS_WORDS.values()) if f"report: {w}" not in zh] == []
    assert words("en")["battle_map"] == "Battle map"
    assert words("zh")["battle_map"] == "挂图作战"
    assert stats_words("zh")["on_time"] == "按期办结"
