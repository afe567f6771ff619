"""延期: request before the deadline, decide (not by the unit), and warnings start again."""

from __future__ import annotations

from typing import Any

from tests.cli.test_warnings import levels, setup_campaign, sweep
from tests.conftest import Rectify


def item(rectify: Rectify, ref: str) -> dict[str, Any]:
    shown: dict[str, Any] = rectify.json("show", ref)[0]
    return shown


def warnings_of(rectify: Rectify, ref: str) -> list[tuple[str, int, str]]:
    return [
        (n["event"], n["deadline_version"], n["channel"])
        for n in rectify.json("notices", "--ref", ref)
        if n["recipient"] == "韩水" and n["event"] in ("blue", "yellow", "red")
    ]


def test_approved_extension_moves_the_deadline_and_levels_fire_again(rectify: Rectify) -> None:
    setup_campaign(rectify)
    sweep(rectify, "2020-09-27T09:00")  # R3 (due 09-30) reaches yellow
    assert levels(rectify)["R3"] == "yellow"
    out = rectify.ok(
        "extend", "R3", "--to", "2020年10月20日", "--reason", "设备到货延迟",
        actor="韩水", now="2020-09-28T10:00",
    )  # fmt: skip
    assert out == "R3: extension to 2020-10-20 requested (#1).\n"
    # The responsible person cannot decide their own request.
    refusal = rectify.fails("extension", "approve", "R3", actor="韩水", now="2020-09-28T11:00")
    assert "韩水 may not decide on R3's extension" in refusal
    out = rectify.ok("extension", "approve", "R3", "--note", "同意", now="2020-09-28T15:00")
    assert out == (
        "R3: extension approved, deadline 2020-10-20 (originally 2020-09-30), level none.\n"
    )
    shown = item(rectify, "R3")
    assert shown["deadline"] == "2020-10-20"
    assert (shown["original_deadline"], shown["extension_count"], shown["deadline_version"]) == (
        "2020-09-30",
        1,
        2,
    )
    assert ("extension_approved", 2, "email") in [
        (n["event"], n["deadline_version"], n["channel"])
        for n in rectify.json("notices", "--ref", "R3")
    ]
    # Under the new deadline blue and yellow fire once more, with the new version.
    sweep(rectify, "2020-10-13T09:00")
    sweep(rectify, "2020-10-17T09:00")
    sweep(rectify, "2020-10-17T09:00")
    assert warnings_of(rectify, "R3") == [
        ("yellow", 1, "email"),
        ("yellow", 1, "sms"),
        ("blue", 2, "email"),
        ("blue", 2, "sms"),
        ("yellow", 2, "email"),
        ("yellow", 2, "sms"),
    ]
    history = rectify.json("history", "R3")
    assert [h["trigger"] for h in history][-2:] == ["extend", "extension_approved"]


def test_an_extension_approved_late_lands_on_the_level_already_reached(rectify: Rectify) -> None:
    setup_campaign(rectify)
    rectify.ok("extend", "R3", "--to", "2020-10-03", "--reason", "等待检测结果", actor="韩水",
               now="2020-09-30T20:00")  # fmt: skip
    out = rectify.ok("extension", "approve", "R3", actor="王书记", now="2020-10-01T09:00")
    assert out.endswith("level yellow.\n")  # 2 days left under the new deadline
    assert levels(rectify)["R3"] == "yellow"
    assert ("yellow", 2, "sms") in warnings_of(rectify, "R3")


def test_refusal_leaves_the_deadline(rectify: Rectify) -> None:
    setup_campaign(rectify)
    rectify.ok("extend", "R3", "--to", "2020-10-20", "--reason", "人手不足", actor="韩水",
               now="2020-09-20T10:00")  # fmt: skip
    out = rectify.ok("extension", "refuse", "R3", "--note", "理由不充分", now="2020-09-21T10:00")
    assert out == "R3: extension refused, deadline stays 2020-09-30.\n"
    shown = item(rectify, "R3")
    assert (shown["deadline"], shown["extension_count"], shown["deadline_version"]) == (
        "2020-09-30",
        0,
        1,
    )
    notice = [
        n for n in rectify.json("notices", "--ref", "R3") if n["event"] == "extension_refused"
    ]
    assert {n["channel"] for n in notice} == {"email", "sms"}
    assert rectify.fails("extension", "approve", "R3") == (
        "Error: R3 has no extension request waiting for a decision"
    )


def test_requests_that_cannot_be_filed(rectify: Rectify) -> None:
    setup_campaign(rectify)
    before = rectify.json("history", "R3")
    cases = [
        (("--to", "2020-10-20"), "2020-10-01T00:10", "R3's deadline 2020-09-30 has passed"),
        (("--to", "2020-09-29"), "2020-09-20T10:00", "is not later than R3's deadline"),
        (("--to", "2020-12-31"), "2020-09-20T10:00", "after campaign TP's bottom line"),
        (("--to", "2020-13-01"), "2020-09-20T10:00", "--to '2020-13-01'"),
    ]
    for args, now, expected in cases:
        error = rectify.fails("extend", "R3", *args, "--reason", "x", actor="韩水", now=now)
        assert expected in error, error
    assert rectify.fails("extend", "R3", "--to", "2020-10-20", "--reason", "  ") == (
        "Error: an extension of R3 needs a reason"
    )
    rectify.ok("extend", "R3", "--to", "2020-10-20", "--reason", "x", now="2020-09-20T10:00")
    assert "already has an extension request" in rectify.fails(
        "extend", "R3", "--to", "2020-10-25", "--reason", "y", now="2020-09-20T11:00"
    )
    rectify.ok("fix", "R1", "--note", "完成", actor="韩水")
    assert rectify.fails("extend", "R1", "--to", "2020-10-20", "--reason", "x") == (
        "Error: R1 is fixed; only an open item can be extended"
    )
    assert len(rectify.json("history", "R3")) == len(before) + 1
