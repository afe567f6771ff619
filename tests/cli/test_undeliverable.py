"""A notice that cannot be written is marked dead with the reason, never claimed forever."""

# Fixtures are imported explicitly and then requested by parameter name.
# ruff: noqa: F401, F811

from __future__ import annotations

import shutil
from pathlib import Path

from tests.cli.test_warnings import setup_campaign
from tests.conftest import Rectify
from tests.support.servers import HttpTestServer, http_server
from workflow.settings import SHIPPED_DEFINITIONS


def test_an_event_without_a_template_is_dead_with_its_reason(
    rectify: Rectify, http_server: HttpTestServer, tmp_path: Path
) -> None:
    definitions = tmp_path / "definitions"
    shutil.copytree(SHIPPED_DEFINITIONS / "machines", definitions / "machines")
    shutil.copytree(SHIPPED_DEFINITIONS / "policies", definitions / "policies")
    machine = definitions / "machines" / "responsibility.yaml"
    text = machine.read_text(encoding="utf-8")
    machine.write_text(
        text.replace("    past: accepted\n", "    past: accepted\n    notify: [person]\n"),
        encoding="utf-8",
    )
    rectify.env.update(
        {"RECTIFY_DEFINITIONS": str(definitions), "RECTIFY_SMS_URL": http_server.url}
    )
    setup_campaign(rectify)
    rectify.ok("fix", "R1", "--note", "已完成", actor="韩水")
    rectify.ok("accept", "R1")
    out = rectify.delivers()
    # 交办 SMS x3 sent; the 'accepted' SMS cannot be written (its email waits: no mail server)
    assert out.startswith("Sent 3, retrying 0, dead 1,")
    dead = rectify.json("notices", "--status", "dead")
    assert [(n["event"], n["channel"]) for n in dead] == [("accepted", "sms")]
    assert all(n["last_error"].startswith("cannot render accepted") for n in dead)
    assert rectify.json("notices", "--status", "sending") == []
