from click.testing import CliRunner

from cli import main
from tests.conftest import Rectify


def test_assign_fix_accept_rolls_up(county: Rectify) -> None:
    problem = county.ok("problem", "add", "--campaign", "TP", "--title", "氟超标").strip()
    task = county.ok(
        "task",
        "add",
        "--problem",
        problem,
        "--title",
        "加装除氟设备",
        "--deadline",
        "2020年10月15日",
    ).strip()
    item = county.ok("assign", task, "--unit", "水利局", "--person", "韩水").strip()
    assert (
        county.ok("fix", item, "--note", "已完成", actor="韩水")
        == f"{item}: assigned -> fixed\n{task}: assigned -> fixed\n{problem}: assigned -> fixed\n"
    )
    refused = county.fails("accept", item, actor="韩水")
    assert "韩水 may not accept" in refused
    county.ok("accept", item)
    rows = county.json("list", "--kind", "problem")
    assert [(r["ref"], r["state"]) for r in rows] == [(problem, "closed")]


def test_the_demo_runs_from_the_command_line() -> None:
    # `rectify demo` is the first thing an office runs after installing: it builds a campaign
    # in a temporary database and prints the lists.
    result = CliRunner().invoke(main, ["demo"], env={"RECTIFY_DB": None, "RECTIFY_CONFIG": ""},
                                catch_exceptions=False)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "(The demo ran in a temporary database; pass --db FILE to keep it.)" in result.output
