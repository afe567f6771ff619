"""Notice rendering: shipped templates, SMS fitting, operator overrides and template errors."""

from __future__ import annotations

import ast
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from jinja2.exceptions import SecurityError, UndefinedError

from notifications import render as render_module
from notifications.render import (
    CHANNELS,
    EVENTS,
    LEVEL_NAMES,
    SHIPPED_FOLDER,
    WARNING_EVENTS,
    NoticeContext,
    RenderedNotice,
    Renderer,
    TemplateProblem,
    format_date,
    format_days,
    sms_units,
)

DAYS_LEFT = {"blue": 7, "yellow": 3, "red": -2}
LONG_TITLE = "开展农村集中供水工程水质抽样监测，对不达标的供水点限期整改并向群众公示检测结果"


def notice(lang: str = "zh", event: str = "yellow", **changes: object) -> NoticeContext:
    zh = lang == "zh"
    context = NoticeContext(
        event=event,
        ref="R12",
        task_title="开展水质抽样监测并公示结果" if zh else "Sample and publish water quality",
        problem_title="部分村饮水安全抽检覆盖不全" if zh else "Water tests miss some villages",
        campaign_name="2020年脱贫攻坚问题整改" if zh else "2020 poverty alleviation rectification",
        unit="卫健委" if zh else "Health Commission",
        person="韩水" if zh else "Han Shui",
        recipient="韩水" if zh else "Han Shui",
        recipient_kind="person",
        deadline=date(2020, 10, 9),
        original_deadline=date(2020, 9, 30) if event == "extension_approved" else None,
        days_left=DAYS_LEFT.get(event),
        note=(
            ("佐证材料不全" if zh else "evidence incomplete")
            if event in ("rejected", "extension_approved", "extension_refused")
            else None
        ),
        level=event if event in WARNING_EVENTS else None,
    )
    return replace(context, **changes)  # type: ignore[arg-type]


ZH = Renderer("zh")
EN = Renderer("en")
RENDERERS = {"zh": ZH, "en": EN}


def fits(text: str) -> bool:
    units, segment = sms_units(text)
    return units <= segment


# --- formatting helpers ----------------------------------------------------------------------


def test_dates_are_written_the_chinese_way_without_zero_padding() -> None:
    assert format_date(date(2020, 9, 30), "zh") == "2020年9月30日"
    assert format_date(date(2021, 1, 5), "zh") == "2021年1月5日"
    assert format_date(date(2021, 1, 5), "en") == "2021-01-05"


@pytest.mark.parametrize(
    ("days", "zh", "en"),
    [
        (3, "剩余3天", "3 days left"),
        (1, "剩余1天", "1 day left"),
        (0, "今天到期", "due today"),
        (-1, "已超期1天", "1 day overdue"),
        (-2, "已超期2天", "2 days overdue"),
        (None, "", ""),
    ],
)
def test_days_left_wording(days: int | None, zh: str, en: str) -> None:
    assert format_days(days, "zh") == zh
    assert format_days(days, "en") == en


def test_sms_units_count_like_a_gateway() -> None:
    assert sms_units("R12 due") == (7, 160)  # GSM 7-bit alphabet
    assert sms_units("R12 [due]") == (11, 160)  # brackets are escaped: two septets each
    assert sms_units("R12 黄色预警") == (8, 70)  # UCS-2
    assert sms_units("𠀀村") == (3, 70)  # outside the BMP: a surrogate pair


# --- every event, channel and language -------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("event", EVENTS)
def test_every_notice_renders_with_its_facts(lang: str, channel: str, event: str) -> None:
    context = notice(lang, event)
    rendered = RENDERERS[lang].render(context, channel)

    assert isinstance(rendered, RenderedNotice)
    assert "\n" not in rendered.subject
    assert "<" not in rendered.body and "&" not in rendered.body  # plain text, not HTML
    date_text = format_date(context.deadline, lang)
    for text in (rendered.subject, rendered.body):
        assert context.ref in text
        assert context.task_title in text
        assert context.unit in text
        assert date_text in text
        if event in WARNING_EVENTS:
            assert LEVEL_NAMES[lang][event] in text
    if channel == "email":
        first_line, *_, last_line = rendered.body.splitlines()
        assert context.recipient in first_line
        assert last_line == context.campaign_name
        assert context.person in rendered.body
        assert context.problem_title in rendered.body
    else:
        assert "\n" not in rendered.body
    if channel == "sms":
        assert fits(rendered.body)


def test_yellow_warning_sms_reads_as_specified() -> None:
    assert ZH.render(notice(), "sms").body == (
        "【整改督办】R12 黄色预警：“开展水质抽样监测并公示结果”（卫健委）"
        "整改时限2020年10月9日，剩余3天，请抓紧办理。"
    )


def test_warning_on_the_day_says_so() -> None:
    assert "今天到期" in ZH.render(notice(event="yellow", days_left=0), "sms").body


def test_red_warning_to_a_leader_is_an_escalation_and_to_the_person_an_overdue_notice() -> None:
    leader = notice(event="red", recipient="李明", recipient_kind="leader")
    person = notice(event="red")

    leader_sms = ZH.render(leader, "sms").body
    person_sms = ZH.render(person, "sms").body
    leader_email = ZH.render(leader, "email").body

    assert "已超期2天" in leader_sms and "已超期2天" in person_sms
    assert "请督促" in leader_sms and "请督促" not in person_sms
    assert "请立即整改并报结" in person_sms
    assert leader_email.startswith("李明同志：")
    assert "请督促卫健委（责任人：韩水）" in leader_email
    assert "press" in EN.render(replace(notice("en", "red"), recipient_kind="leader"), "sms").body


def test_emails_greet_people_as_comrades_and_units_by_name() -> None:
    unit = notice(event="assigned", recipient="卫健委", recipient_kind="unit")
    assert ZH.render(notice(event="assigned"), "email").body.startswith("韩水同志：\n\n")
    body = ZH.render(unit, "email").body
    assert body.startswith("卫健委：\n\n")
    assert "贵单位" in body


def test_assignment_asks_for_completion_and_report() -> None:
    sms = ZH.render(notice(event="assigned"), "sms").body
    assert sms.startswith("【整改督办】R12 交办：")
    assert "请按时完成整改并报结" in sms
    assert "请按时完成整改并报结" in ZH.render(notice(event="assigned"), "email").body


def test_rejection_gives_the_reason() -> None:
    context = notice(event="rejected", note="佐证材料不全，缺少水质检测报告")
    assert "原因：佐证材料不全，缺少水质检测报告。" in ZH.render(context, "email").body
    assert "佐证材料不全" in ZH.render(context, "sms").body
    assert "Reason: Evidence incomplete." in EN.render(notice("en", "rejected"), "sms").body


def test_rejection_without_a_reason_still_reads() -> None:
    sms = ZH.render(notice(event="rejected", note=None), "sms").body
    assert "原因" not in sms and "未通过验收。请继续整改" in sms


def test_extension_approved_gives_old_and_new_deadline_and_the_note() -> None:
    context = notice(event="extension_approved", note="同意延期。", deadline=date(2020, 10, 30))
    sms = ZH.render(context, "sms").body
    email = ZH.render(context, "email").body
    assert "整改时限延至2020年10月30日。同意延期。" in sms  # no doubled full stop
    assert "整改时限由2020年9月30日延至2020年10月30日" in email
    assert "审批意见：同意延期。" in email
    no_original = ZH.render(replace(context, original_deadline=None), "email").body
    assert "整改时限延至2020年10月30日" in no_original
    assert "now due 2020-10-09" in EN.render(notice("en", "extension_approved"), "sms").body


def test_extension_refused_keeps_the_deadline_and_gives_the_note() -> None:
    context = notice(event="extension_refused", note="理由不充分")
    sms = ZH.render(context, "sms").body
    assert "整改时限仍为2020年10月9日" in sms and "理由不充分。" in sms
    assert "审批意见：理由不充分。" in ZH.render(context, "email").body
    assert "still due 2020-10-09" in EN.render(notice("en", "extension_refused"), "sms").body


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="language 'fr'"):
        Renderer("fr")
    with pytest.raises(ValueError, match="channel 'fax'"):
        ZH.render(notice(), "fax")
    with pytest.raises(ValueError, match="event 'purple'"):
        ZH.render(notice(event="purple"), "sms")
    with pytest.raises(ValueError, match="cannot have level 'blue'"):
        ZH.render(notice(event="red", level="blue"), "sms")
    with pytest.raises(TemplateProblem, match="does not exist"):
        Renderer("zh", Path("/nonexistent/rectify-templates"))


def test_warning_level_defaults_to_the_event() -> None:
    assert "红色预警" in ZH.render(notice(event="red", level=None), "sms").body


# --- fitting the SMS into one segment ---------------------------------------------------------


@pytest.mark.parametrize("event", EVENTS)
def test_long_title_is_shortened_and_the_facts_survive(event: str) -> None:
    context = notice(event=event, task_title=LONG_TITLE, unit="城关镇人民政府")

    sms = ZH.render(context, "sms").body

    assert len(sms) <= 70
    assert "…" in sms and LONG_TITLE not in sms
    assert "“开展农村集中供水" in sms  # the start of the title is kept
    for fact in ("R12", "城关镇人民政府", "2020年10月9日"):
        assert fact in sms
    if event in WARNING_EVENTS:
        assert LEVEL_NAMES["zh"][event] in sms


def test_title_is_cut_as_little_as_needed() -> None:
    title = "开展水质抽样监测并公示结果并建立长效机制"
    sms = ZH.render(notice(event="red", recipient_kind="leader", task_title=title), "sms").body
    assert len(sms) == 70
    assert sms.count("…") == 1


def test_group_robots_get_the_whole_title() -> None:
    context = notice(task_title=LONG_TITLE)
    for channel in ("dingtalk", "wecom"):
        assert LONG_TITLE in ZH.render(context, channel).body
    assert LONG_TITLE in ZH.render(context, "email").subject


def test_a_long_rejection_reason_is_shortened_after_the_title() -> None:
    reason = "佐证材料不全，缺少水质检测报告和公示照片，整改措施未落实到每个行政村，群众知晓率不高"
    context = notice(event="rejected", task_title=LONG_TITLE, note=reason)

    sms = ZH.render(context, "sms").body

    assert len(sms) <= 70
    assert "“开…”" in sms  # the title went first, down to its first character
    assert "原因：佐证材料不全" in sms and reason not in sms
    for fact in ("R12", "卫健委", "2020年10月9日"):
        assert fact in sms


def test_english_sms_stays_in_the_gsm_alphabet_when_shortened() -> None:
    title = "Sample the water of every supply point and publish the results in each village hall"
    sms = EN.render(notice("en", "red", task_title=title), "sms").body
    assert sms_units(sms)[1] == 160
    assert len(sms) <= 160
    assert '..."' in sms and "…" not in sms


def test_facts_that_alone_overflow_are_sent_in_two_segments() -> None:
    context = notice(
        event="red", unit="某某县农业农村局乡村振兴促进中心" * 2, task_title=LONG_TITLE
    )
    sms = ZH.render(context, "sms").body
    assert len(sms) > 70
    assert context.unit in sms and "R12" in sms and "红色预警" in sms


UNITS = st.sampled_from(["卫健委", "水利局", "城关镇人民政府", "县乡村振兴局", "教育局"])
HANZI = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)
TITLES = st.text(alphabet=HANZI, min_size=1, max_size=80)


@given(
    title=TITLES,
    event=st.sampled_from(EVENTS),
    unit=UNITS,
    kind=st.sampled_from(["person", "unit", "leader"]),
    deadline=st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)),
    days=st.integers(min_value=-99, max_value=99),
    ref=st.integers(min_value=1, max_value=9999).map(lambda n: f"R{n}"),
)
def test_sms_fits_one_segment_for_any_chinese_title(
    title: str, event: str, unit: str, kind: str, deadline: date, days: int, ref: str
) -> None:
    context = notice(
        event=event,
        ref=ref,
        task_title=title,
        unit=unit,
        recipient_kind=kind,
        deadline=deadline,
        days_left=days if event in WARNING_EVENTS else None,
    )

    sms = ZH.render(context, "sms").body

    assert len(sms) <= 70
    assert ref in sms
    assert unit in sms
    assert format_date(deadline, "zh") in sms
    if event in WARNING_EVENTS:
        assert LEVEL_NAMES["zh"][event] in sms
    assert title in sms or "…" in sms


# --- operator templates ------------------------------------------------------------------------


def user_templates(tmp_path: Path, files: dict[str, str], lang: str = "zh") -> Path:
    folder = tmp_path / "templates"
    (folder / lang).mkdir(parents=True)
    for name, text in files.items():
        (folder / lang / name).write_text(text, encoding="utf-8")
    return folder


def test_an_override_replaces_one_template_and_the_rest_fall_back(tmp_path: Path) -> None:
    folder = user_templates(tmp_path, {"warning.sms.j2": "{{ ref }} {{ level_name }} 自定义"})
    renderer = Renderer("zh", folder)

    yellow = renderer.render(notice(), "sms")
    email = renderer.render(notice(), "email")

    assert yellow.body == "R12 黄色预警 自定义"
    assert yellow.subject == ZH.render(notice(), "sms").subject
    assert email == ZH.render(notice(), "email")
    assert renderer.render(notice(event="assigned"), "sms") == ZH.render(
        notice(event="assigned"), "sms"
    )
    renderer.check()


def test_one_warning_level_can_have_its_own_template(tmp_path: Path) -> None:
    folder = user_templates(tmp_path, {"red.sms.j2": "{{ ref }} 红色专用"})
    renderer = Renderer("zh", folder)
    assert renderer.render(notice(event="red"), "sms").body == "R12 红色专用"
    assert renderer.render(notice(event="blue"), "sms") == ZH.render(notice(event="blue"), "sms")


def test_overrides_are_per_language(tmp_path: Path) -> None:
    folder = user_templates(tmp_path, {"warning.sms.j2": "{{ ref }} custom"}, lang="en")
    assert Renderer("en", folder).render(notice("en"), "sms").body == "R12 custom"
    assert Renderer("zh", folder).render(notice(), "sms") == ZH.render(notice(), "sms")


def test_templates_are_compiled_once(tmp_path: Path) -> None:
    folder = user_templates(tmp_path, {"warning.sms.j2": "{{ ref }} 第一版"})
    renderer = Renderer("zh", folder)
    first = renderer.render(notice(), "sms")

    (folder / "zh" / "warning.sms.j2").write_text("{{ ref }} 第二版", encoding="utf-8")
    assert renderer.render(notice(), "sms") == first
    (folder / "zh" / "warning.sms.j2").unlink()
    assert renderer.render(notice(), "sms") == first
    assert renderer.render(notice(event="red"), "sms").body == "R12 第一版"  # shares the file

    assert Renderer("zh", folder).render(notice(), "sms") == ZH.render(notice(), "sms")


def problem_for(tmp_path: Path, name: str, text: str, event: str = "yellow") -> TemplateProblem:
    renderer = Renderer("zh", user_templates(tmp_path, {name: text}))
    with pytest.raises(TemplateProblem) as caught:
        renderer.render(notice(event=event), "sms")
    message = str(caught.value)
    assert "\n" not in message and "Traceback" not in message
    return caught.value


def test_an_undefined_variable_names_file_and_line(tmp_path: Path) -> None:
    problem = problem_for(tmp_path, "warning.sms.j2", "{{ ref }}\n{{ nosuch }}")
    path = tmp_path / "templates" / "zh" / "warning.sms.j2"
    assert str(problem) == f"{path}, line 2: 'nosuch' is undefined"
    assert isinstance(problem.__cause__, UndefinedError)


def test_the_sandbox_stops_attribute_escapes(tmp_path: Path) -> None:
    problem = problem_for(tmp_path, "warning.sms.j2", "{{ ''.__class__.__mro__ }}")
    assert "warning.sms.j2, line 1: access to attribute '__class__'" in str(problem)
    assert "unsafe" in str(problem)
    assert isinstance(problem.__cause__, SecurityError)


def test_a_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    problem = problem_for(tmp_path, "warning.subject.j2", "{{ ref }}\n\n{% if level %}\n{{ ref }")
    path = tmp_path / "templates" / "zh" / "warning.subject.j2"
    assert str(problem).startswith(f"{path}, line 4: ")


def test_an_error_inside_an_imported_macro_names_the_macro_file(tmp_path: Path) -> None:
    macros = (SHIPPED_FOLDER / "zh" / "_macros.j2").read_text(encoding="utf-8")
    macros = macros.replace("{% macro tag() %}【整改督办】", "{% macro tag() %}{{ 1 // 0 }}")
    problem = problem_for(tmp_path, "_macros.j2", macros)
    assert "_macros.j2, line 3: integer division or modulo by zero" in str(problem)


def test_including_a_missing_template_is_a_problem(tmp_path: Path) -> None:
    problem = problem_for(tmp_path, "warning.sms.j2", '{% include "nosuch.j2" %}')
    assert str(problem).endswith("warning.sms.j2, line 1: template 'nosuch.j2' not found")


def test_check_passes_for_the_shipped_templates() -> None:
    ZH.check()
    EN.check()


def test_check_lists_every_problem_at_once(tmp_path: Path) -> None:
    folder = user_templates(
        tmp_path,
        {
            "assigned.sms.j2": "{{ ref }",
            "warning.email.j2": "{{ ref }}\n{{ nosuch }}",
            "rejected.subject.j2": "{{ ''.__class__ }}",
            "warnig.sms.j2": "typo in the name",
        },
    )
    (folder / "warning.sms.j2").write_text("not in a language folder", encoding="utf-8")
    renderer = Renderer("zh", folder)

    with pytest.raises(TemplateProblem) as caught:
        renderer.check()

    problems = caught.value.problems
    assert str(caught.value) == "\n".join(problems)
    assert len(problems) == 5
    zh = folder / "zh"
    assert problems[0].startswith(f"{folder / 'warning.sms.j2'}: templates belong in")
    assert problems[1].startswith(f"{zh / 'warnig.sms.j2'}: not a template name")
    assert f"{zh / 'assigned.sms.j2'}, line 1: unexpected '}}'" in problems
    assert f"{zh / 'warning.email.j2'}, line 2: 'nosuch' is undefined" in problems
    assert any(p.startswith(f"{zh / 'rejected.subject.j2'}, line 1: access") for p in problems)


# --- packaging and purity ----------------------------------------------------------------------


def test_templates_sit_where_package_data_finds_them() -> None:
    names = {}
    for lang in LEVEL_NAMES:
        folder = SHIPPED_FOLDER / lang
        names[lang] = {p.name for p in folder.iterdir()}
        assert all(p.is_file() for p in folder.iterdir())  # templates/<lang>/<file>, no deeper
    assert names["zh"] == names["en"]
    kinds = ("subject", "email", "sms")
    bases = (
        "assigned", "warning", "rejected", "extension_approved", "extension_refused", "handover",
        "digest",
    )  # fmt: skip
    # _progress.*.j2: the missed progress report of a standing item, included by warning.*.j2.
    imports = {"_macros.j2"} | {f"_progress.{k}.j2" for k in kinds}
    assert names["zh"] == {f"{b}.{k}.j2" for b in bases for k in kinds} | imports


def test_render_module_imports_no_infrastructure() -> None:
    tree = ast.parse(Path(render_module.__file__).read_text(encoding="utf-8"))
    imported = {
        name.split(".")[0]
        for node in ast.walk(tree)
        for name in (
            [alias.name for alias in node.names]
            if isinstance(node, ast.Import)
            else [node.module or ""]
            if isinstance(node, ast.ImportFrom)
            else []
        )
    }
    assert not imported & {"sqlalchemy", "click", "smtplib", "apscheduler", "workflow", "cli"}


# The shipped warning email templates write out the greeting and the item's facts rather than
# call _macros.j2 (warnings are most of what is sent): they must still say exactly what the
# macros say, so a change to _macros.j2 shows here.
WARNINGS_WITH_MACROS = Path(__file__).parents[1] / "data" / "templates" / "warnings_with_macros"


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("event", ["blue", "yellow", "red"])
@pytest.mark.parametrize("recipient_kind", ["person", "unit", "leader"])
@pytest.mark.parametrize("days_left", [5, 1, 0, -1, -12, None])
def test_warning_emails_say_what_the_macros_say(
    lang: str, event: str, recipient_kind: str, days_left: int | None
) -> None:
    with_macros = Renderer(lang, WARNINGS_WITH_MACROS)
    context = notice(lang, event=event, recipient_kind=recipient_kind, days_left=days_left)

    assert RENDERERS[lang].render(context, "email") == with_macros.render(context, "email")
