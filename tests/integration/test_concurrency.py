"""Two writers at once: the lock taken at the start of a write decides, nothing is done twice."""

from __future__ import annotations

import threading
from dataclasses import replace

from tests.cli.test_warnings import setup_campaign
from tests.conftest import Rectify
from workflow.app import App
from workflow.clock import parse_instant
from workflow.errors import TransitionRefused
from workflow.services import lifecycle
from workflow.settings import load_settings


def test_two_offices_accepting_the_same_item_close_it_once(rectify: Rectify) -> None:
    setup_campaign(rectify)
    rectify.ok("fix", "R1", "--note", "已完成", actor="韩水")
    settings = load_settings({"RECTIFY_DB": rectify.db_url, "RECTIFY_USER": "李督查"})
    settings = replace(settings, now=parse_instant("2020-09-02T09:00", settings.zone, "now"))
    apps = [App(replace(settings, actor=name)) for name in ("李督查", "王书记")]
    start = threading.Barrier(len(apps))
    outcomes: list[object] = []

    def accept(app: App) -> None:
        start.wait()
        try:
            outcomes.append(lifecycle.fire(app, "R1", "accept", note="验收"))
        except TransitionRefused as refused:
            outcomes.append(refused)

    threads = [threading.Thread(target=accept, args=(app,)) for app in apps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for app in apps:
        app.close()
    accepted = [o for o in outcomes if isinstance(o, lifecycle.Outcome)]
    refused = [str(o) for o in outcomes if isinstance(o, TransitionRefused)]
    assert len(accepted) == 1
    assert refused == ["R1 is closed; only a fixed item can be accepted"]
    triggers = [h["trigger"] for h in rectify.json("history", "R1")]
    assert triggers.count("accept") == 1
