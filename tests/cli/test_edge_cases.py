"""Edge cases an office hits: ambiguous names, stale warnings, secrets in URLs, odd input."""

# Fixtures are imported explicitly and then requested by parameter name.
# ruff: noqa: F401, F811

from __future__ import annotations

from pathlib import Path

from tests.cli.test_warnings import setup_campaign, sweep
from tests.conftest import Rectify
from tests.support.servers import HttpTestServer, http_server


def test_a_unit_code_may_not_be_another_units_name(rectify: Rectify) -> None:
    rectify.ok("unit", "add", "slj", "水利局")
    assert rectify.fails("unit", "add", "abc", "slj") == (
        "Error: unit slj (水利局) already uses 'abc' or 'slj' as its code or name"
    )
    assert "already uses" in rectify.fails("unit", "add", "sw", "水利局")
    assert [u for u in ("abc",) if u in rectify.ok("list", "--unit", "slj")] == []


def test_an_item_names_a_person_of_its_own_unit(rectify: Rectify, tmp_path: Path) -> None:
    setup_campaign(rectify)
    assert rectify.fails("assign", "T1", "--unit", "wjw", "--person", "韩水") == (
        "Error: 韩水 is not a person of unit wjw"
    )
    ledger = tmp_path / "l.csv"
    ledger.write_text(
        "问题描述,整改措施,责任单位,责任人,整改时限\n水质,抽检,卫健委,韩水,2020-10-01\n"
    )
    assert "row 2, 责任人: 韩水 is not a person of 卫健委" in rectify.fails(
        "import", str(ledger), "--campaign", "TP"
    )


def test_naming_oneself_name_at_unit_does_not_make_one_office_staff(rectify: Rectify) -> None:
    setup_campaign(rectify)
    rectify.ok("fix", "R1", "--note", "完成", actor="韩水")
    for actor in ("韩水@slj", "韩水@水利局"):
        assert f"{actor} may not accept R1" in rectify.fails("accept", "R1", actor=actor)
    assert rectify.fails("accept", "R1", actor="韩水@nosuchunit") == (
        "Error: 韩水@nosuchunit is not a registered person; office staff register people with "
        "`rectify person add`"
    )
    rectify.ok("accept", "R1", actor="王书记@xw")  # the leader, named with their unit


def test_warnings_overtaken_before_sending_are_kept_but_not_sent(
    rectify: Rectify, http_server: HttpTestServer
) -> None:
    rectify.env["RECTIFY_SMS_URL"] = http_server.url
    setup_campaign(rectify)
    rectify.delivers(now="2020-09-01T09:05")  # the 交办 SMS
    http_server.requests.clear()
    sweep(rectify, "2020-09-23T09:00")  # R3 blue, not yet delivered
    sweep(rectify, "2020-09-27T09:00")  # R3 yellow: the blue SMS is overtaken
    rectify.ok("extend", "R1", "--to", "2020-10-30", "--reason", "设备", actor="韩水",
               now="2020-10-09T09:00")  # fmt: skip
    sweep(rectify, "2020-10-09T10:00")  # R1 (due 10-15) and R2 blue; R3 (due 09-30) red
    rectify.ok("extension", "approve", "R1", now="2020-10-09T11:00")  # R1's blue is stale
    rectify.ok("fix", "R2", "--note", "完成", actor="鲁检", now="2020-10-09T12:00")  # and R2's
    out = rectify.delivers(now="2020-10-09T13:00")
    assert out.splitlines()[1] == (
        "Skipped 4 warnings overtaken before sending (item fixed or closed, deadline extended, "
        "or a higher level queued)."
    )
    sent = [r.json()["text"] for r in http_server.requests]
    assert [t for t in sent if "蓝色预警" in t or "黄色预警" in t] == []
    assert len([t for t in sent if "R3 红色预警" in t]) == 1
    skipped = rectify.json("notices", "--status", "skipped")
    assert sorted((n["channel"], n["last_error"]) for n in skipped) == [
        ("sms", "R1's deadline has been extended"),
        ("sms", "R2 is fixed"),
        ("sms", "R3 has reached red"),
        ("sms", "R3 has reached red"),
    ]
    assert rectify.json("notices", "--status", "dead") == []


def test_a_key_in_the_sms_gateway_url_never_shows(
    rectify: Rectify, http_server: HttpTestServer
) -> None:
    key = "SECRETKEY123"
    rectify.env["RECTIFY_SMS_URL"] = f"{http_server.url}/send?apikey={key}"
    http_server.respond(404, f"Cannot POST /send?apikey={key}")
    setup_campaign(rectify)
    out = rectify.delivers()
    assert "dead 3" in out and key not in out
    assert key not in rectify.ok("notices", "--format", "csv")


def test_database_urls_are_reported_without_their_passwords(tmp_path: Path) -> None:
    cases = [
        ("postgresql://u:secretpw@127.0.0.1:abc/x", "Error: cannot use database "
         "postgresql+psycopg://u:***@127.0.0.1:abc/x: invalid literal for int() with base 10: "
         "'abc'"),
        ("mysql://u:secretpw@h/x", "Error: cannot use database mysql://u:***@h/x: No module "
         "named 'MySQLdb'"),
    ]  # fmt: skip
    for url, expected in cases:
        assert Rectify(url).fails("list") == expected
    error = Rectify("postgresql://postgres@127.0.0.1:5432/no_such_db?password=secretpw").fails(
        "list"
    )
    assert "secretpw" not in error and 'database "no_such_db" does not exist' in error


def test_instants_out_of_any_campaigns_range_are_refused(rectify: Rectify) -> None:
    assert rectify.fails("sweep", "--at", "9999-12-30T09:00") == (
        "Error: --at '9999-12-30T09:00' is out of range (years 1900-9000)"
    )
    assert rectify.fails("list", now="0001-01-01T00:00") == (
        "Error: RECTIFY_NOW '0001-01-01T00:00' is out of range (years 1900-9000)"
    )
