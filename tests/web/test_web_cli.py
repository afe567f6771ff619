"""`rectify web link|links|revoke` and `rectify serve`: office staff make and end links."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from sqlalchemy import create_engine, select

from tests.conftest import Rectify
from workflow.db.schema import web_links

NOW = "2020-10-01T12:00"


def test_a_link_is_a_full_url_and_only_its_hash_is_kept(county: Rectify) -> None:
    result = county.run("web", "link", "韩水", now=NOW)
    assert result.exit_code == 0, result.output
    url = result.stdout.strip()
    assert url.startswith("http://127.0.0.1:8080/login/")
    token = url.rsplit("/", 1)[1]
    assert result.stderr == "Login link #1 for 韩水, valid until 2020-10-31 12:00.\n"
    engine = create_engine(county.db_url)
    try:
        with engine.connect() as conn:
            stored = conn.execute(select(web_links)).one()
    finally:
        engine.dispose()
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(tuple(stored))
    listed = county.json("web", "links", now=NOW)
    assert [(r["id"], r["person"], r["unit"], r["revoked"]) for r in listed] == [
        (1, "韩水", "水利局", None)
    ]
    assert token not in county.ok("web", "links", now=NOW)


def test_the_base_url_comes_from_the_option_then_the_settings(
    county: Rectify, tmp_path: Path
) -> None:
    given = county.ok("web", "link", "韩水", "--base-url", "https://a.example/r", now=NOW)
    assert given.startswith("https://a.example/r/login/")
    config = tmp_path / "rectify.yaml"
    config.write_text("web:\n  base_url: https://dcs.example.gov.cn/rectify/\n", encoding="utf-8")
    county.env["RECTIFY_CONFIG"] = str(config)
    assert county.ok("web", "link", "韩水", now=NOW).startswith(
        "https://dcs.example.gov.cn/rectify/login/"
    )
    assert county.fails("web", "link", "韩水", "--base-url", "ftp://x/") == (
        "Error: base URL 'ftp://x/' must be an http:// or https:// address such as "
        "https://dcs.example.gov.cn/rectify/"
    )


def test_links_are_for_office_staff_to_make_list_and_revoke(county: Rectify) -> None:
    for args in (("link", "陈干"), ("links",), ("revoke", "韩水")):
        line = county.fails("web", *args, actor="韩水", now=NOW)
        assert line.startswith("Error: 韩水 may not ") and "office staff" in line, line
    assert county.fails("web", "link", "韩水", actor="王书记", now=NOW).startswith(
        "Error: 王书记 may not make login links"
    )


def test_refusals_are_one_line(county: Rectify) -> None:
    assert county.fails("web", "link", "无名氏", now=NOW).startswith("Error: ")
    assert county.fails("web", "link", "韩水", "--expires", "forever", now=NOW) == (
        "Error: --expires 'forever': give a number and a unit, e.g. 30d, 12h, 2w or 90m"
    )
    assert county.fails("web", "link", "韩水", "--expires", "400d", now=NOW) == (
        "Error: --expires '400d': a link lasts at most 366 days"
    )
    assert county.fails("web", "revoke", "韩水", now=NOW) == (
        "Error: 韩水 has no login link in force"
    )
    assert county.fails("web", "revoke", "7", now=NOW) == "Error: no login link #7"
    county.ok("person", "retire", "陈干", now=NOW)
    assert county.fails("web", "link", "陈干", now=NOW).startswith("Error: ")
    assert county.json("web", "links", now=NOW) == []


def test_revoke_by_name_or_id_and_the_history_says_who(county: Rectify) -> None:
    for _ in range(2):
        county.ok("web", "link", "韩水", now=NOW)
    county.ok("web", "link", "鲁检", now=NOW)
    assert county.ok("web", "revoke", "#3", now=NOW) == "Revoked login links #3.\n"
    assert county.fails("web", "revoke", "3", now=NOW) == "Error: login link #3 is already revoked"
    assert county.ok("web", "revoke", "韩水", now=NOW) == "Revoked login links #1, #2.\n"
    listed = county.json("web", "links", now=NOW)
    assert [(r["id"], r["revoked"] is not None) for r in listed] == [
        (3, True),
        (2, True),
        (1, True),
    ]
    changes = county.json("history", "韩水", now=NOW)
    assert [(c["actor"], c["field"], c["old"], c["new"]) for c in changes[-4:]] == [
        ("李督查", "web_link", None, "#1"),
        ("李督查", "web_link", None, "#2"),
        ("李督查", "web_link", "#1", "revoked"),
        ("李督查", "web_link", "#2", "revoked"),
    ]


def test_links_in_chinese(county: Rectify) -> None:
    county.lang = None
    result = county.run("web", "link", "韩水", now=NOW)
    assert result.stderr == "已为 韩水 生成登录链接 #1，有效期至 2020-10-31 12:00。\n"
    table = county.ok("web", "links", now=NOW)
    assert table.splitlines()[0].split() == [
        "编号", "姓名", "单位", "创建时间", "创建人", "有效期至", "最近使用", "撤销时间",
    ]  # fmt: skip


def test_serve_runs_bounded_and_says_where(county: Rectify) -> None:
    result = county.run("serve", "--port", "0", "--stop-after", "0.3", now=NOW)
    assert result.exit_code == 0, result.output
    # No base URL given or configured: the address it listens on, its real port.
    first = result.stdout.splitlines()[0]
    assert re.match(r"Serving http://127\.0\.0\.1:(\d+)/ \(listening on 127\.0\.0\.1:\1\)", first)
    assert ":0/" not in first
    assert result.stdout.rstrip().endswith("Ctrl-C stops.")


def test_serve_says_the_base_url_it_was_given(county: Rectify) -> None:
    result = county.run("serve", "--port", "0", "--stop-after", "0.3",
                        "--base-url", "https://dcs.example.gov.cn/rectify", now=NOW)  # fmt: skip
    assert result.stdout.startswith("Serving https://dcs.example.gov.cn/rectify/ (listening on ")


def test_serve_needs_an_initialised_database(tmp_path: Path) -> None:
    r = Rectify("sqlite:///" + str(tmp_path / "none.db"))
    line = r.fails("serve", "--port", "0", "--stop-after", "0")
    assert line.startswith("Error: database ") and "rectify init" in line
