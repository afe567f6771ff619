"""Group robots (DingTalk, WeCom) named in a policy post once per item to their group."""

# Fixtures are imported explicitly and then requested by parameter name.
# ruff: noqa: F401, F811

from __future__ import annotations

import shutil
from pathlib import Path

from tests.cli.test_warnings import setup_campaign, sweep
from tests.conftest import Rectify
from tests.support.servers import HttpTestServer, http_server
from workflow.settings import SHIPPED_DEFINITIONS


def test_red_warnings_reach_the_dingtalk_group(
    rectify: Rectify, http_server: HttpTestServer, tmp_path: Path
) -> None:
    definitions = tmp_path / "definitions"
    shutil.copytree(SHIPPED_DEFINITIONS / "machines", definitions / "machines")
    shutil.copytree(SHIPPED_DEFINITIONS / "policies", definitions / "policies")
    policy = definitions / "policies" / "default.yaml"
    text = policy.read_text(encoding="utf-8")
    red = text.index("  red:")
    policy.write_text(
        text[:red] + text[red:].replace("channels: [email, sms]", "channels: [dingtalk]", 1),
        encoding="utf-8",
    )
    rectify.env["RECTIFY_DEFINITIONS"] = str(definitions)
    rectify.env["RECTIFY_DINGTALK_WEBHOOK"] = http_server.url + "/robot/send?access_token=t"
    http_server.respond(200, {"errcode": 0, "errmsg": "ok"})
    setup_campaign(rectify)
    report = sweep(rectify, "2020-10-01T09:00")  # R3 red: one group post, whoever the recipients
    assert (report["raised"]["red"], report["notices_queued"]) == (1, 1)
    (notice,) = [n for n in rectify.json("notices") if n["event"] == "red"]
    assert (notice["channel"], notice["recipient"], notice["address"]) == ("dingtalk", "水利局", "")
    out = rectify.ok("deliver", now="2020-10-01T09:01")
    assert "dingtalk" not in out  # configured, so nothing is said to be waiting
    (post,) = [r.json() for r in http_server.requests]
    assert post["msgtype"] == "text"
    assert "R3" in post["text"]["content"] and "红色预警" in post["text"]["content"]
    assert rectify.json("notices", "--status", "sent")[0]["channel"] == "dingtalk"
