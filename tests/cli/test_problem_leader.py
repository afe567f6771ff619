"""The leader in charge of a problem (责任领导): `problem add --leader`, the ledger's 责任领导
column, `show`, and red warnings to the problem's leader as well as the campaign leader."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import Rectify
from workflow.settings import SHIPPED_DEFINITIONS

HEADER = "序号,问题描述,整改措施,责任领导,责任单位,责任人,整改时限,备注"


def with_leaders(county: Rectify) -> Rectify:
    """The county with a second county leader, 张县长, who has a mailbox, as has 王书记."""
    county.ok("person", "add", "张县长", "--unit", "xw", "--role", "leader",
              "--email", "zhang@example.gov.cn")  # fmt: skip
    county.ok("person", "set", "王书记", "--email", "wang@example.gov.cn")
    return county


def test_problem_add_sets_the_leader_in_charge_and_show_names_them(county: Rectify) -> None:
    with_leaders(county)
    out = county.ok(
        "problem", "add", "--campaign", "TP", "--title", "饮水不安全", "--leader", "张县长"
    )
    assert out == "P1\n"
    assert county.ok("problem", "add", "--campaign", "TP", "--title", "资金滞后") == "P2\n"
    assert county.json("show", "P1")[0]["leader_in_charge"] == "张县长"
    assert county.json("show", "P2")[0]["leader_in_charge"] is None
    county.lang = None  # Chinese: the field is 责任领导
    lines = county.ok("show", "P1").splitlines()
    assert [line.split() for line in lines if line.startswith("责任领导")] == [
        ["责任领导", "张县长"]
    ]


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("赵六", "Error: no person '赵六'; add them with `rectify person add`"),
        (
            "韩水",
            "Error: 韩水 (水利局) is not a county leader; a leader in charge has the role leader "
            "(rectify person set 韩水 --role leader)",
        ),
        ("张县长", "Error: 张县长 is retired and takes no new items"),
    ],
)
def test_a_leader_in_charge_is_a_county_leader_in_post(
    county: Rectify, name: str, error: str
) -> None:
    with_leaders(county)
    county.ok("person", "retire", "张县长")
    args = ("problem", "add", "--campaign", "TP", "--title", "x", "--leader", name)
    assert county.fails(*args) == error
    assert county.json("list", "--kind", "problem") == []


def write_ledger(path: Path, *rows: str) -> Path:
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def test_the_ledgers_leader_column_is_read(county: Rectify, tmp_path: Path) -> None:
    with_leaders(county)
    ledger = write_ledger(
        tmp_path / "台账.csv",
        "1,饮水不安全,更换水源,张县长,水利局,韩水,2020年10月31日前,",
        ",,水质监测,,卫健委,鲁检,2020年10月31日前,",
        "2,资金滞后,加快拨付,王书记（县委书记）,财政局,蒋财,2020年10月31日前,每周报送",
        "3,监测不到位,全面排查,,民政局,杨保,2020年10月31日前,",
    )
    out = county.ok("import", str(ledger), "--campaign", "TP")
    # 责任领导 is used; the column the importer does not use is still named
    assert out.splitlines()[-1] == "Ignored columns: 备注."
    leaders = {ref: county.json("show", ref)[0]["leader_in_charge"] for ref in ("P1", "P2", "P3")}
    assert leaders == {"P1": "张县长", "P2": "王书记", "P3": None}


def test_a_second_leader_column_is_named_as_ignored(county: Rectify, tmp_path: Path) -> None:
    with_leaders(county)
    ledger = tmp_path / "台账.csv"
    ledger.write_text(
        "序号,问题描述,整改措施,责任领导,分管领导,责任单位,责任人,整改时限\n"
        "1,饮水不安全,更换水源,张县长,王书记,水利局,韩水,2020年10月31日前\n",
        encoding="utf-8",
    )
    out = county.ok("import", str(ledger), "--campaign", "TP")
    assert out.splitlines()[-1] == "Ignored columns: 分管领导."
    assert county.json("show", "P1")[0]["leader_in_charge"] == "张县长"


@pytest.mark.parametrize(
    ("rows", "error"),
    [
        (
            ["1,饮水不安全,更换水源,赵六,水利局,韩水,2020年10月31日前,"],
            "Error: 台账.csv: 1 error, nothing imported: row 2, 责任领导: no person '赵六'; "
            "add them with `rectify person add`",
        ),
        (
            ["1,饮水不安全,更换水源,韩水,水利局,韩水,2020年10月31日前,"],
            "Error: 台账.csv: 1 error, nothing imported: row 2, 责任领导: 韩水 (水利局) is not a "
            "county leader; a leader in charge has the role leader (rectify person set 韩水 "
            "--role leader)",
        ),
        (
            [
                "1,饮水不安全,更换水源,张县长,水利局,韩水,2020年10月31日前,",
                "1,饮水不安全,水质监测,王书记,卫健委,鲁检,2020年10月31日前,",
            ],
            "Error: 台账.csv: 1 error, nothing imported: row 3, 责任领导: 王书记 differs from "
            "张县长 (row 2): a problem has one leader in charge",
        ),
    ],
)
def test_a_bad_leader_imports_nothing(
    county: Rectify, tmp_path: Path, rows: list[str], error: str
) -> None:
    with_leaders(county)
    ledger = write_ledger(tmp_path / "台账.csv", *rows)
    assert county.fails("import", str(ledger), "--campaign", "TP") == error
    assert county.json("list", "--kind", "problem") == []


def red_to_leaders(county: Rectify, tmp_path: Path) -> Counter[tuple[str, str]]:
    """Under a policy with no digest, (ref, recipient) of the red notices to leaders."""
    definitions = tmp_path / "definitions"
    shutil.copytree(SHIPPED_DEFINITIONS, definitions, ignore=shutil.ignore_patterns("*.py"))
    policy = definitions / "policies" / "default.yaml"
    text = policy.read_text(encoding="utf-8")
    policy.write_text(text.replace("      leader: daily at 08:30\n", "").replace(
        "    digest:  #", "    #"), encoding="utf-8")  # fmt: skip
    county.env["RECTIFY_DEFINITIONS"] = str(definitions)
    county.json("sweep", "--at", "2020-10-01T09:00")
    return Counter(
        (n["ref"], n["recipient"])
        for n in county.json("notices")
        if n["event"] == "red" and n["recipient"] in ("王书记", "张县长")
    )


def test_red_warnings_go_to_the_campaign_leader_and_the_leader_in_charge_once_each(
    county: Rectify, tmp_path: Path
) -> None:
    with_leaders(county)
    for title, leader in (("甲", "张县长"), ("乙", "王书记"), ("丙", None)):
        county.ok("problem", "add", "--campaign", "TP", "--title", title,
                  *(["--leader", leader] if leader else []))  # fmt: skip
    for problem in ("P1", "P2", "P3"):
        county.ok(
            "task", "add", "--problem", problem, "--title", "措施", "--deadline", "2020-09-20"
        )
    for task in ("T1", "T2", "T3"):
        county.ok("assign", task, "--unit", "slj", "--person", "韩水")
    # R1: 张县长 in charge, 王书记 leads the campaign; R2: 王书记 is both, one notice; R3: 王书记
    assert red_to_leaders(county, tmp_path) == Counter(
        {("R1", "张县长"): 1, ("R1", "王书记"): 1, ("R2", "王书记"): 1, ("R3", "王书记"): 1}
    )
