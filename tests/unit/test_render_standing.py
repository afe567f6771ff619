"""Notices of standing items (长期坚持): no deadline; warnings for missed progress reports."""

from __future__ import annotations

from dataclasses import replace

import pytest

from notifications.render import CHANNELS, EVENTS, Renderer, format_date, sms_units
from tests.unit.test_render import notice

RENDERERS = {"zh": Renderer("zh"), "en": Renderer("en")}
STANDING = {"zh": "长期坚持", "en": "standing (no deadline)"}


def test_no_deadline_reads_as_standing() -> None:
    assert format_date(None, "zh") == "长期坚持"
    assert format_date(None, "en") == "standing (no deadline)"


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("event", EVENTS)
def test_every_notice_of_a_standing_item_renders(lang: str, channel: str, event: str) -> None:
    context = replace(notice(lang, event), deadline=None, days_left=None)
    rendered = RENDERERS[lang].render(context, channel)
    for text in (rendered.subject, rendered.body):
        assert context.ref in text and context.unit in text
    if channel == "email":
        assert STANDING[lang] in rendered.body
    if channel == "sms":
        units, segment = sms_units(rendered.body)
        assert units <= segment


@pytest.mark.parametrize("level", ["blue", "yellow"])
def test_a_missed_progress_report_asks_for_one(level: str) -> None:
    context = replace(notice("zh", level), deadline=None, days_left=None)
    sms = RENDERERS["zh"].render(context, "sms").body
    name = "蓝色预警" if level == "blue" else "黄色预警"
    assert sms == (
        f"【整改督办】R12 {name}：“开展水质抽样监测并公示结果”（卫健委）长期坚持，"
        "未按期报送整改进展，请尽快报送。"
    )
    email = RENDERERS["zh"].render(context, "email").body
    assert "未按期报送整改进展" in email and "整改时限：长期坚持" in email
    assert ("已超过两个报送周期" in email) == (level == "yellow")
    english = RENDERERS["en"].render(replace(notice("en", level), deadline=None), "sms").body
    assert "progress report is overdue" in english


def test_a_dated_warning_is_unchanged_by_the_standing_branch() -> None:
    sms = RENDERERS["zh"].render(notice(), "sms").body
    assert "整改时限2020年10月9日，剩余3天" in sms and "进展" not in sms
