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
