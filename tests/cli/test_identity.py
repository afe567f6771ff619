"""Who acts: only registered, active people; a unit's people on their own unit's items only;
nobody accepts their own unit's work; the actor found by name, OS user or database user.

County (tests/conftest.py): 李督查 (督查室, office), 王书记 (县委办, leader of campaign TP),
韩水 (水利局 head), 陈干 and 秦书 (城关镇), 魏监 (扶贫办), all others unit people.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.conftest import PG_ADMIN_URL, Rectify


def item_for(r: Rectify, unit: str, person: str, title: str = "安全住房未鉴定") -> str:
    """A new problem > task > item for `unit` and `person`; returns the item's ref.

    The office assigns it, or the leader where the item is the office's own (nobody acts as
    office on their own unit's item, assigning included).
    """
    problem = r.ok("problem", "add", "--campaign", "TP", "--title", title).strip()
    task = r.ok("task", "add", "--problem", problem, "--title", "鉴定", "--deadline", "2020-10-31")
    actor = "王书记" if unit == "县委督查室" else "李督查"
    return r.ok("assign", task.strip(), "--unit", unit, "--person", person, actor=actor).strip()


def everything(r: Rectify) -> object:
    """What a refused command must leave as it was."""
    return (r.json("list"), r.json("list", "--kind", "task"), r.json("history", "R1"))


# --- a fresh database starts its office ----------------------------------------------------


def test_anyone_may_start_the_directory_until_an_office_is_registered(fresh: Rectify) -> None:
    fresh.ok("unit", "add", "dcs", "县委督查室", actor="装机员")
    fresh.ok("person", "add", "韩水", "--unit", "dcs", actor="装机员")
    # Until then nothing else runs: there is nobody to answer for it.
    assert fresh.fails("campaign", "add", "C", "整改", "--deadline", "2020-12-31") == (
        "Error: no office staff are registered yet; register the first one with `rectify "
        "person add NAME --unit UNIT --role office`"
    )
    fresh.ok("person", "add", "李督查", "--unit", "dcs", "--role", "office", actor="装机员")
    # From now on the bootstrap is over: strangers and unit people may not add to it.
    assert fresh.fails("unit", "add", "slj", "水利局", actor="装机员") == (
        "Error: 装机员 is not a registered person; office staff register people with "
        "`rectify person add`"
    )
    assert fresh.fails("person", "add", "张三", "--unit", "dcs", actor="韩水") == (
        "Error: 韩水 may not add people: that is for office staff (督查室)"
    )
    fresh.ok("unit", "add", "slj", "水利局", actor="李督查")


def test_an_unregistered_name_is_refused_everywhere_and_changes_nothing(county: Rectify) -> None:
    ref = item_for(county, "城关镇", "陈干")
    county.ok("fix", ref, "--note", "已鉴定", actor="陈干")
    before = everything(county)
    refusal = (
        "Error: 督查室 is not a registered person; office staff register people with "
        "`rectify person add`"
    )
    for command in (("accept", ref), ("list",), ("sweep",), ("show", ref)):
        assert county.fails(*command, actor="督查室") == refusal
    assert everything(county) == before


def test_the_refusal_is_in_chinese_by_default(county: Rectify) -> None:
    county.lang = None
    assert county.fails("list", actor="张三") == (
        "Error: 张三 不是已登记人员；人员由督查室用 `rectify person add` 登记"
    )


# --- a unit's people act on their own unit's items only -------------------------------------


def test_a_unit_clerk_is_refused_on_another_units_item(county: Rectify) -> None:
    ref = item_for(county, "城关镇", "陈干")
    before = everything(county)
    assert county.fails("fix", ref, "--note", "代为报结", actor="韩水") == (
        f"Error: 韩水 may not fix {ref}: 韩水 is a person of another unit, and fix is for: "
        "office, responsible, unit"
    )
    assert county.fails(
        "extend", ref, "--to", "2020-11-15", "--reason", "代为申请", actor="韩水"
    ) == (f"Error: 韩水 may not ask for an extension of {ref}: it is another unit's item")
    assert everything(county) == before
    county.ok("fix", ref, "--note", "已鉴定", actor="秦书")  # the same unit may
    assert county.fails("accept", ref, actor="韩水").startswith(
        f"Error: 韩水 may not accept {ref}: 韩水 is a person of another unit"
    )


@pytest.mark.parametrize(
    ("unit", "person", "actor", "relation"),
    [
        ("城关镇", "陈干", "陈干", "the item's responsible person"),
        ("城关镇", "陈干", "秦书", "in the item's unit"),
        ("县委督查室", "周干", "李督查", "in the item's unit"),  # office staff, own unit
        ("县委办", "吴秘", "王书记", "in the item's unit"),  # the campaign's leader, own unit
    ],
)
def test_nobody_accepts_their_own_units_item(
    county: Rectify, unit: str, person: str, actor: str, relation: str
) -> None:
    if person in ("周干", "吴秘"):
        county.ok("person", "add", person, "--unit", unit)
    ref = item_for(county, unit, person)
    county.ok("fix", ref, "--note", "已完成", actor=person)
    assert county.fails("accept", ref, actor=actor) == (
        f"Error: {actor} may not accept {ref}: {actor} is {relation}, and accept is for: "
        "leader, office"
    )
    county.ok("accept", ref, actor="王书记" if actor != "王书记" else "李督查")


def test_a_registered_leader_who_does_not_lead_the_campaign_may_accept(county: Rectify) -> None:
    county.ok("person", "add", "赵县长", "--unit", "县委办", "--role", "leader")
    ref = item_for(county, "城关镇", "陈干")
    county.ok("fix", ref, "--note", "已完成", actor="陈干")
    assert county.ok("accept", ref, actor="赵县长").startswith(f"{ref}: fixed -> closed")


# --- names as typed --------------------------------------------------------------------------


def test_names_are_compared_after_nfkc_and_trimming(county: Rectify) -> None:
    county.ok("person", "add", "p2", "--unit", "城关镇")
    ref = item_for(county, "城关镇", "p2")
    county.ok("fix", ref, "--note", "已完成", actor=" ｐ２　")  # full-width letters and space
    assert county.json("history", ref)[-1]["actor"] == "p2"


def test_a_name_hiding_characters_is_refused_at_registration_and_as_actor(
    county: Rectify,
) -> None:
    assert county.fails("person", "add", "p2\u200b", "--unit", "城关镇") == (
        "Error: person name 'p2\\u200b' contains invisible or control characters (U+200B); "
        "type it again"
    )
    county.ok("person", "add", "p2", "--unit", "城关镇")
    ref = item_for(county, "城关镇", "p2")
    county.ok("fix", ref, "--note", "已完成", actor="p2")
    before = everything(county), county.json("history", ref)
    # A look-alike of the responsible person is not someone else (office staff) but refused.
    for lookalike in ("p2\u200b", "\u202ep2", "p2\x07"):
        assert "contains invisible or control characters" in county.fails(
            "accept", ref, actor=lookalike
        )
    assert (everything(county), county.json("history", ref)) == before


# --- identity: os ----------------------------------------------------------------------------


def config(tmp_path: Path, mode: str) -> dict[str, str]:
    path = tmp_path / "rectify.yaml"
    path.write_text(f"identity: {mode}\n", encoding="utf-8")
    return {"RECTIFY_CONFIG": str(path)}


def test_identity_os_takes_the_person_whose_login_is_the_os_user(
    county: Rectify, tmp_path: Path
) -> None:
    county.ok("person", "add", "冯干", "--unit", "城关镇", "--login", "fenggan")
    county.ok(
        "person", "add", "孔督", "--unit", "县委督查室", "--role", "office", "--login", "kongdu"
    )
    ref = item_for(county, "城关镇", "冯干")
    os_mode = Rectify(county.db_url, actor=None, lang="en", env=config(tmp_path, "os"))

    os_mode.env["LOGNAME"] = "fenggan"
    assert os_mode.ok("fix", ref, "--note", "已完成").startswith(f"{ref}: assigned -> fixed")
    assert os_mode.fails("accept", ref).startswith(f"Error: 冯干 may not accept {ref}")
    os_mode.env["LOGNAME"] = "kongdu"
    os_mode.ok("accept", ref)
    assert [h["actor"] for h in county.json("history", ref)][-2:] == ["冯干", "孔督"]

    os_mode.env["LOGNAME"] = "nobody"
    assert os_mode.fails("list") == (
        "Error: the operating-system user 'nobody' is not the login of any registered person; "
        "office staff set it with `rectify person set NAME --login nobody`"
    )
    os_mode.env["LOGNAME"] = "fenggan"
    assert os_mode.fails("list", actor="李督查") == (
        "Error: --as and RECTIFY_USER are refused with identity: os; the operating-system "
        "user says who acts"
    )


def test_identity_database_needs_postgresql(county: Rectify, tmp_path: Path) -> None:
    if not county.db_url.startswith("sqlite"):
        pytest.skip("the SQLite refusal; PostgreSQL is tested with two logins below")
    db_mode = Rectify(county.db_url, actor=None, lang="en", env=config(tmp_path, "database"))
    assert db_mode.fails("list") == (
        "Error: identity: database needs PostgreSQL; use name or os with SQLite"
    )


# --- identity: database (PostgreSQL, two logins) ---------------------------------------------


@pytest.fixture
def two_logins(county: Rectify) -> Iterator[tuple[str, str]]:
    """Two PostgreSQL login roles with rights on the test's schema."""
    if county.db_url.startswith("sqlite"):
        pytest.skip("identity: database is PostgreSQL's")
    schema = make_url(county.db_url).query["options"].split("search_path=")[1]  # type: ignore[union-attr]
    roles = [f"clerk_{uuid.uuid4().hex[:8]}", f"office_{uuid.uuid4().hex[:8]}"]
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for role in roles:
            conn.execute(text(f'CREATE ROLE "{role}" LOGIN'))
            conn.execute(text(f'GRANT USAGE ON SCHEMA "{schema}" TO "{role}"'))
            conn.execute(text(f'GRANT ALL ON ALL TABLES IN SCHEMA "{schema}" TO "{role}"'))
            conn.execute(text(f'GRANT ALL ON ALL SEQUENCES IN SCHEMA "{schema}" TO "{role}"'))
    try:
        yield roles[0], roles[1]
    finally:
        with admin.connect() as conn:
            for role in roles:
                conn.execute(text(f'DROP OWNED BY "{role}"'))
                conn.execute(text(f'DROP ROLE "{role}"'))
        admin.dispose()


def test_identity_database_takes_the_session_user(
    county: Rectify, two_logins: tuple[str, str], tmp_path: Path
) -> None:
    clerk, office = two_logins
    county.ok("person", "add", "冯干", "--unit", "城关镇", "--login", clerk)
    county.ok(
        "person", "add", "孔督", "--unit", "县委督查室", "--role", "office", "--login", office
    )
    ref = item_for(county, "城关镇", "冯干")

    def as_login(login: str) -> Rectify:
        url = county.db_url.replace("//postgres@", f"//{login}@")
        return Rectify(url, actor=None, lang="en", env=config(tmp_path, "database"))

    as_login(clerk).ok("fix", ref, "--note", "已完成")
    assert as_login(clerk).fails("accept", ref).startswith(f"Error: 冯干 may not accept {ref}")
    as_login(office).ok("accept", ref)
    assert [h["actor"] for h in county.json("history", ref)][-2:] == ["冯干", "孔督"]
    # The superuser the tests connect as is nobody's login.
    assert as_login("postgres").fails("list") == (
        "Error: the database user 'postgres' is not the login of any registered person; "
        "office staff set it with `rectify person set NAME --login postgres`"
    )


def test_only_office_staff_import_ledgers_and_add_to_the_lists(
    county: Rectify, tmp_path: Path
) -> None:
    ledger = tmp_path / "台账.csv"
    ledger.write_text(
        "序号,问题描述,整改措施,责任单位,责任人,整改时限\n1,水质不达标,加装净水设备,水利局,韩水,2020-10-01\n",
        encoding="utf-8",
    )
    before = county.json("list"), county.json("list", "--kind", "problem")
    assert county.fails("import", str(ledger), "--campaign", "TP", actor="韩水") == (
        "Error: 韩水 may not import ledgers: that is for office staff (督查室)"
    )
    assert county.fails("problem", "add", "--campaign", "TP", "--title", "x", actor="韩水") == (
        "Error: 韩水 may not add problems: that is for office staff (督查室)"
    )
    assert (county.json("list"), county.json("list", "--kind", "problem")) == before
    assert county.ok("problem", "add", "--campaign", "TP", "--title", "x", actor="王书记") == "P1\n"
