"""The pages show what the CLI shows, from the same services, and only to whom they may."""

from __future__ import annotations

import logging

import pytest

from tests.conftest import Rectify
from tests.web.conftest import PHOTO, SCRIPT_TITLE, Login, Page

BOARD_FIELDS = ("total", "closed", "percent_closed", "fixed", "open_red", "open_yellow",
                "open_blue", "overdue")  # fmt: skip


def test_the_battle_map_shows_the_numbers_of_rectify_board(site: Rectify, login: Login) -> None:
    page = Page(login("李督查").get("/").text)
    board = site.json("board")
    rows = [e for e in page.having("data-campaign") if e["tag"] == "tr"]
    assert [(r["data-campaign"], r["data-key"]) for r in rows] == [
        (r["campaign"], r["key"]) for r in board
    ]
    for expected in board:
        of = f"{expected['campaign']}/{expected['key']}"
        shown = {
            e["data-field"]: e["text"].strip().removesuffix("%")
            for e in page.having("data-field")
            if e["data-of"] == of
        }
        assert shown == {field: str(expected[field]) for field in BOARD_FIELDS}, of
    days = {e["data-campaign"]: int(e["data-days"]) for e in page.having("data-days")}
    assert days == {r["campaign"]: r["days_to_bottom_line"] for r in board}


def test_the_overdue_page_lists_the_rows_of_rectify_overdue(site: Rectify, login: Login) -> None:
    page = Page(login("王书记").get("/overdue").text)
    refs = [e["data-ref"] for e in page.having("data-ref") if e["tag"] == "tr"]
    assert refs == [row["ref"] for row in site.json("overdue")]
    assert len(refs) >= 5


def test_a_unit_person_sees_their_units_open_items_worst_first(login: Login) -> None:
    page = Page(login("陈干").get("/").text)
    # cgz: R11 red (09-20), R17 (10-10) and R12 (11-20) not yet warned
    assert [e["data-ref"] for e in page.having("data-ref")] == ["R11", "R17", "R12"]
    overdue = Page(login("陈干").get("/overdue").text)
    assert [e["data-ref"] for e in overdue.having("data-ref") if e["tag"] == "tr"] == ["R11"]


def test_another_units_item_is_404_and_the_attempt_is_logged(
    login: Login, caplog: pytest.LogCaptureFixture
) -> None:
    client = login("陈干")  # of cgz; R1 is slj's
    with caplog.at_level(logging.WARNING, logger="rectify.web"):
        assert client.get("/items/R1").status_code == 404
        assert client.get("/items/R999").status_code == 404  # no such item: the same answer
    logged = [r.getMessage() for r in caplog.records if r.name == "rectify.web"]
    assert len(logged) == 2
    assert "陈干" in logged[0] and "'R1'" in logged[0]
    assert client.get("/items/R17").status_code == 200
    for page in ("/stats", "/campaigns/TP/report.html", "/campaigns/TP/export.xlsx"):
        assert client.get(page).status_code == 404, page


def test_evidence_is_served_to_its_unit_and_the_office_only(
    login: Login, caplog: pytest.LogCaptureFixture
) -> None:
    files = {e["text"]: e["data-sha"] for e in Page(login("韩水").get("/items/R3").text).having(
        "data-sha")}  # fmt: skip
    sha = files["现场.jpg"]
    for name in ("韩水", "李督查"):
        response = login(name).get(f"/evidence/{sha}")
        assert response.status_code == 200, name
        assert response.data == PHOTO
        assert response.mimetype == "image/jpeg"
        assert "sandbox" in response.headers["Content-Security-Policy"]
    with caplog.at_level(logging.WARNING, logger="rectify.web"):
        assert login("陈干").get(f"/evidence/{sha}").status_code == 404
    assert any(sha in r.getMessage() and "陈干" in r.getMessage() for r in caplog.records)
    download = login("韩水").get(f"/evidence/{files['报告.pdf']}")
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.mimetype == "application/octet-stream"  # never opened as a page


def test_a_title_with_markup_is_shown_as_text(login: Login) -> None:
    for client, page in ((login("陈干"), "/"), (login("李督查"), "/items/R17"),
                         (login("李督查"), "/items/T17"), (login("李督查"), "/")):  # fmt: skip
        text = client.get(page).text
        assert "<script>" not in text, page
        assert "&lt;script&gt;" in text, page
    assert SCRIPT_TITLE not in login("陈干").get("/items/R17").text


def test_an_item_page_has_its_history_and_evidence(login: Login) -> None:
    page = Page(login("韩水").get("/items/R3").text)
    assert [e["text"] for e in page.having("data-sha")] == ["现场.jpg", "报告.pdf"]
    events = [e for e in page.having("data-trigger")]
    assert [e["data-trigger"] for e in events][-1] == "fix"
    assert "韩水" in events[-1]["text"] and "已公布" in events[-1]["text"]


def test_office_and_leaders_download_the_report_and_the_export(login: Login) -> None:
    client = login("王书记")
    report = client.get("/campaigns/TP/report.html")
    assert report.status_code == 200 and report.mimetype == "text/html"
    policy = report.headers["Content-Security-Policy"]
    assert "script" not in policy.replace("default-src 'none'", "")
    assert "style-src 'sha256-" in policy
    assert "整改" in report.text and "<script>alert" not in report.text
    export = client.get("/campaigns/TP/export.xlsx")
    assert export.status_code == 200 and export.data[:2] == b"PK"
    assert export.headers["Content-Disposition"].startswith("attachment")
    assert client.get("/campaigns/NOPE/report.html").status_code == 404


def test_the_stats_page_has_the_rows_of_rectify_stats(site: Rectify, login: Login) -> None:
    page = Page(login("李督查").get("/stats?by=unit&campaign=TP").text)
    assigned = [int(e["text"]) for e in page.having("data-field") if e["data-field"] == "assigned"]
    assert assigned == [row["assigned"] for row in site.json("stats", "--campaign", "TP")]
    bad = login("李督查").get("/stats?by=colour")
    assert bad.status_code == 400 and "colour" in bad.text


def test_pages_are_in_chinese_unless_the_browser_asks_for_english(login: Login) -> None:
    client = login("李督查")
    assert "挂图作战" in client.get("/").text
    english = client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"}).text
    assert "Battle map" in english and "挂图作战" not in english
    chinese = client.get("/", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}).text
    assert "挂图作战" in chinese
