"""Outbox notice -> the text that is sent: Jinja2 templates, sandboxed, plain text.

Templates live in ``templates/<lang>/`` beside this file; an operator's folder laid out the
same way (``<folder>/zh/warning.sms.j2``) overrides any of them, one file at a time. Each event
has a subject, an email body and an SMS text (group robots send the SMS text). The three
warning events share ``warning.*.j2`` unless a ``blue.*.j2`` / ``yellow.*.j2`` / ``red.*.j2``
exists. Operators write these files, so they run in the sandbox with StrictUndefined, and
every template error becomes a one-line :class:`TemplateProblem` naming file and line.

A notice may carry its recipient's login link to the web (NoticeContext.link, with
`web: links_in_notices: true`): the renderer puts it after the text, as a last line of the mail
and at the end of the SMS, whose own words are still fitted to one segment first.

A Renderer compiles each template once and keeps it; build one per process.
"""

from __future__ import annotations

import dataclasses
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from jinja2 import (
    FileSystemLoader,
    StrictUndefined,
    Template,
    TemplateNotFound,
    TemplatesNotFound,
    TemplateSyntaxError,
)
from jinja2.sandbox import SandboxedEnvironment

from notifications.bytecode_cache import bytecode_cache

EVENTS = (
    "assigned",
    "blue",
    "yellow",
    "red",
    "rejected",
    "extension_approved",
    "extension_refused",
    "handover",
)
WARNING_EVENTS = ("blue", "yellow", "red")
# A daily digest (workflow.services.digests): one notice listing many items, with its own
# templates digest.*.j2 and its items in NoticeContext.items.
DIGEST = "digest"
ALL_EVENTS = (*EVENTS, DIGEST)
LEVEL_NAMES = {
    "zh": {"blue": "蓝色预警", "yellow": "黄色预警", "red": "红色预警"},
    "en": {"blue": "blue warning", "yellow": "yellow warning", "red": "red warning"},
}
LANGUAGES = tuple(LEVEL_NAMES)
STANDING = {"zh": "长期坚持", "en": "standing (no deadline)"}
# After the text of a notice that carries its recipient's login link.
LINK_LINE = {"zh": "网页查看和办理：{link}", "en": "See it and act on the web: {link}"}
CHANNELS = ("email", "sms", "dingtalk", "wecom")
RECIPIENT_KINDS = ("person", "unit", "leader")
# What each template kind is for; the file is <base>.<kind>.j2.
KINDS = ("subject", "email", "sms")
SHIPPED_FOLDER = Path(__file__).resolve().parent / "templates"

T = TypeVar("T")

# One SMS segment: 70 UTF-16 code units when any character needs UCS-2, else 160 GSM-7 septets.
UCS2_SEGMENT = 70
GSM7_SEGMENT = 160
ELLIPSIS = "…"
GSM7_ELLIPSIS = "..."  # "…" is not in the GSM alphabet and would halve the segment
# Fields shortened, in this order, when an SMS would need a second segment.
SHORTENABLE = ("task_title", "note")

_GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_EXTENSION = set("\f^{}\\[~]|€")  # sent as escape + character: two septets


class TemplateProblem(Exception):
    """A template cannot be compiled or rendered. One line per problem, naming file and line."""

    def __init__(self, problems: str | list[str] | tuple[str, ...]) -> None:
        self.problems = (problems,) if isinstance(problems, str) else tuple(problems)
        super().__init__("\n".join(self.problems))


@dataclass(frozen=True)
class NoticeContext:
    event: str  # one of EVENTS
    ref: str  # R12
    task_title: str  # 整改措施
    problem_title: str
    campaign_name: str
    unit: str  # responsible unit name
    person: str  # responsible person name
    recipient: str  # who this copy goes to (person, unit name or leader)
    recipient_kind: str  # person | unit | leader
    deadline: date | None  # None: a standing item (长期坚持)
    original_deadline: date | None
    days_left: int | None  # for warnings: >0 before, 0 on the day, <0 overdue by -n days
    note: str | None  # rejection reason / extension decision note
    level: str | None  # blue|yellow|red for warning events
    # A digest's table, most days overdue first: ref, title, unit, person, deadline (a date or
    # None), days_overdue (None for a standing item), level. Empty for other events.
    items: tuple[Mapping[str, Any], ...] = ()
    day: date | None = None  # the day of a digest
    # The recipient's login link (`web: links_in_notices: true`), put after the text by the
    # renderer, not by the templates: the SMS is fitted to one segment without it.
    link: str | None = None


@dataclass(frozen=True)
class RenderedNotice:
    subject: str  # email subject (one line)
    body: str  # email body (plain text) or the SMS text


def format_date(day: date | None, lang: str) -> str:
    """zh: 2020年9月30日 (no zero padding); en: 2020-09-30; no date: a standing item."""
    if day is None:
        return STANDING[lang]
    if lang == "zh":
        return f"{day.year}年{day.month}月{day.day}日"
    return day.isoformat()


def format_days(days_left: int | None, lang: str) -> str:
    """剩余3天 / 今天到期 / 已超期2天, or the English words; '' when unknown."""
    if days_left is None:
        return ""
    if lang == "zh":
        if days_left > 0:
            return f"剩余{days_left}天"
        return "今天到期" if days_left == 0 else f"已超期{-days_left}天"
    if days_left == 0:
        return "due today"
    count = abs(days_left)
    unit = "day" if count == 1 else "days"
    return f"{count} {unit} left" if days_left > 0 else f"{count} {unit} overdue"


def sentence(text: str | None, lang: str) -> str:
    """The text as a sentence: stripped, capitalised (en), ending in a full stop."""
    text = (text or "").strip()
    if not text:
        return text
    if lang != "zh":
        text = text[0].upper() + text[1:]
    if text[-1] in "。！？.!?…":
        return text
    return text + ("。" if lang == "zh" else ".")


def pad(value: object, width: int) -> str:
    """`value` as text taking exactly `width` columns (a Chinese character takes two), cut
    short with … when longer: a digest's table lines up in a fixed-width font."""
    text = "" if value is None else str(value)
    if _columns(text) > width:
        while text and _columns(text) > width - 1:
            text = text[:-1]
        text += ELLIPSIS
    return text + " " * (width - _columns(text))


def _columns(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def sms_units(text: str) -> tuple[int, int]:
    """(length as the gateway counts it, the size of one segment for that encoding)."""
    if all(c in _GSM7_BASIC or c in _GSM7_EXTENSION for c in text):
        return sum(2 if c in _GSM7_EXTENSION else 1 for c in text), GSM7_SEGMENT
    # UCS-2 on the wire is UTF-16: characters outside the BMP take two units.
    return sum(2 if ord(c) > 0xFFFF else 1 for c in text), UCS2_SEGMENT


def fits_one_sms(text: str) -> bool:
    units, segment = sms_units(text)
    return units <= segment


def one_line(text: str) -> str:
    return " ".join(line.strip() for line in text.splitlines() if line.strip())


class Renderer:
    """Renders notices in one language from the operator's templates, then the shipped ones."""

    def __init__(self, lang: str = "zh", user_folder: Path | None = None) -> None:
        if lang not in LANGUAGES:
            raise ValueError(f"language {lang!r} is not offered; use {' or '.join(LANGUAGES)}")
        if user_folder is not None and not user_folder.is_dir():
            raise TemplateProblem(f"template folder {user_folder} does not exist")
        self.lang = lang
        self.user_folder = user_folder
        folders = [SHIPPED_FOLDER / lang]
        if user_folder is not None:
            folders.insert(0, user_folder / lang)
        self._env = SandboxedEnvironment(
            loader=FileSystemLoader(folders),
            undefined=StrictUndefined,
            autoescape=False,
            keep_trailing_newline=False,
            trim_blocks=True,
            lstrip_blocks=True,
            # Compiled once: never look at the files again once a template is loaded.
            auto_reload=False,
            bytecode_cache=bytecode_cache(),
        )
        self._env.filters["cndate"] = lambda day: format_date(day, lang)
        self._env.filters["days"] = lambda n: format_days(n, lang)
        self._env.filters["sentence"] = lambda text: sentence(text, lang)
        self._env.filters["pad"] = pad
        self._templates: dict[tuple[str, str], Template] = {}

    def render(self, context: NoticeContext, channel: str) -> RenderedNotice:
        if channel not in CHANNELS:
            raise ValueError(f"channel {channel!r} is not one of {', '.join(CHANNELS)}")
        variables = self._variables(context)
        subject = self._render(context.event, "subject", variables)
        link = LINK_LINE[self.lang].format(link=context.link) if context.link else None
        if channel == "email":
            body = self._render(context.event, "email", variables)
            return RenderedNotice(subject, f"{body}\n\n{link}" if link else body)
        if channel == "sms":
            text = self._sms(context.event, variables)
        else:  # group robots have no segment limit: the SMS text, whole
            text = self._render(context.event, "sms", variables)
        return RenderedNotice(subject, f"{text} {link}" if link else text)

    def check(self) -> None:
        """Compile every template and render it with sample notices; raise all problems at once."""
        problems: dict[str, None] = {}  # ordered set: warning.*.j2 serves three events
        for problem in self._stray_files():
            problems[problem] = None
        for event in ALL_EVENTS:
            for kind in KINDS:
                try:
                    self._template(event, kind)
                except TemplateProblem as exc:
                    problems.update(dict.fromkeys(exc.problems))
        for context in _samples(self.lang):
            variables = self._variables(context)
            for kind in KINDS:
                try:
                    self._render(context.event, kind, variables)
                except TemplateProblem as exc:
                    problems.update(dict.fromkeys(exc.problems))
        if problems:
            raise TemplateProblem(list(problems))

    # -- internals ---------------------------------------------------------------------------

    def _variables(self, context: NoticeContext) -> dict[str, Any]:
        if context.event not in ALL_EVENTS:
            raise ValueError(f"event {context.event!r} is not one of {', '.join(ALL_EVENTS)}")
        if context.recipient_kind not in RECIPIENT_KINDS:
            raise ValueError(
                f"recipient kind {context.recipient_kind!r} is not one of "
                f"{', '.join(RECIPIENT_KINDS)}"
            )
        level = context.level
        if context.event in WARNING_EVENTS:
            if level not in (None, context.event):
                raise ValueError(f"a {context.event} warning cannot have level {level!r}")
            level = context.event
        fields = [f.name for f in dataclasses.fields(context) if f.name != "link"]
        variables = {name: getattr(context, name) for name in fields}
        variables["level"] = level
        variables["level_name"] = LEVEL_NAMES[self.lang][level] if level else None
        variables["lang"] = self.lang
        if context.event == DIGEST:
            names = LEVEL_NAMES[self.lang]
            rows = [{**row, "level_name": names.get(row["level"], "")} for row in context.items]
            counts = {name: sum(1 for row in rows if row["level"] == name) for name in names}
            variables["items"] = rows
            variables["count"] = len(rows)
            # (level name, how many) from red down, levels with items only
            variables["level_counts"] = [
                (names[name], counts[name]) for name in reversed(WARNING_EVENTS) if counts[name]
            ]
            variables["levels"] = [name for name in reversed(WARNING_EVENTS) if counts[name]]
            days = [row["days_overdue"] for row in rows if row["days_overdue"]]
            variables["most_overdue"] = max(days) if days else 0
        return variables

    def _sms(self, event: str, variables: dict[str, Any]) -> str:
        """The SMS text, its task title (then note) cut short with … to fit one segment."""
        text = self._render(event, "sms", variables)
        if fits_one_sms(text):
            return text
        ellipsis = GSM7_ELLIPSIS if sms_units(text)[1] == GSM7_SEGMENT else ELLIPSIS
        shortened = dict(variables)
        for field in SHORTENABLE:
            full = shortened[field]
            if not full or len(full) < 2:
                continue

            def attempt(keep: int, field: str = field, full: str = full) -> str:
                shortened[field] = full[:keep].rstrip() + ellipsis
                return self._render(event, "sms", shortened)

            # Longest prefix that fits; the text grows with the prefix, so bisect.
            low, high = 1, len(full) - 1
            best = attempt(low)
            if not fits_one_sms(best):
                text = best  # still too long: keep the stub and shorten the next field
                continue
            while low < high:
                middle = (low + high + 1) // 2
                candidate = attempt(middle)
                if fits_one_sms(candidate):
                    low, best = middle, candidate
                else:
                    high = middle - 1
            return best
        return text  # ref, level, unit and deadline alone do not fit: send two segments

    def _render(self, event: str, kind: str, variables: Mapping[str, Any]) -> str:
        """Subjects and SMS texts come out as one line; email bodies keep their lines."""
        template = self._template(event, kind)
        text = _guarded(lambda: template.render(variables))
        return text.strip() if kind == "email" else one_line(text)

    def _template(self, event: str, kind: str) -> Template:
        key = (event, kind)
        if key not in self._templates:
            names = [f"{event}.{kind}.j2"]
            if event in WARNING_EVENTS:
                names.append(f"warning.{kind}.j2")
            self._templates[key] = _guarded(lambda: self._env.select_template(names))
        return self._templates[key]

    def _stray_files(self) -> Iterator[str]:
        """Files in the operator's folder that no notice would ever use."""
        if self.user_folder is None:
            return
        for path in sorted(self.user_folder.glob("*.j2")):
            yield f"{path}: templates belong in a language folder ({', '.join(LANGUAGES)})"
        known = {f"{base}.{kind}.j2" for base in (*ALL_EVENTS, "warning") for kind in KINDS}
        for path in sorted((self.user_folder / self.lang).glob("*.j2")):
            if path.name not in known and not path.name.startswith("_"):
                yield (
                    f"{path}: not a template name (expected <event>.subject.j2, .email.j2 "
                    "or .sms.j2; files starting with _ are for imports)"
                )


def _guarded(action: Callable[[], T]) -> T:
    """Run template code; any error in it becomes a one-line TemplateProblem."""
    try:
        return action()
    except TemplateSyntaxError as exc:
        filename = exc.filename or exc.name or "<template>"
        raise TemplateProblem(f"{filename}, line {exc.lineno}: {_first_line(exc.message)}") from exc
    except Exception as exc:  # a template may fail in any way: its author is the operator
        if isinstance(exc, TemplateNotFound) and not isinstance(exc, TemplatesNotFound):
            message = f"template {exc.name!r} not found"
        else:
            message = _first_line(str(exc)) or type(exc).__name__
        where = _template_frame(exc.__traceback__)
        if where is None:
            raise TemplateProblem(message) from exc
        raise TemplateProblem(f"{where[0]}, line {where[1]}: {message}") from exc


def _template_frame(tb: TracebackType | None) -> tuple[str, int] | None:
    """File and line of the innermost template frame (Jinja rewrites those frames for us)."""
    found = None
    while tb is not None:
        if "__jinja_exception__" in tb.tb_frame.f_globals:
            found = (tb.tb_frame.f_code.co_filename, tb.tb_lineno)
        tb = tb.tb_next
    return found


def _first_line(text: str | None) -> str:
    lines = (text or "").strip().splitlines()
    return lines[0] if lines else ""


def _samples(lang: str) -> Iterator[NoticeContext]:
    """A notice for every event, recipient kind and side of the deadline, for check()."""
    zh = lang == "zh"
    base = NoticeContext(
        event="assigned",
        ref="R12",
        task_title="开展水质抽样监测并公示结果" if zh else "Sample and publish water quality",
        problem_title="饮水安全抽检覆盖不全" if zh else "Water testing does not cover all villages",
        campaign_name="脱贫攻坚问题整改" if zh else "Poverty alleviation rectification",
        unit="卫健委" if zh else "Health Commission",
        person="韩水" if zh else "Han Shui",
        recipient="韩水" if zh else "Han Shui",
        recipient_kind="person",
        deadline=date(2020, 10, 9),
        original_deadline=date(2020, 9, 30),
        days_left=3,
        note="佐证材料不全" if zh else "Evidence incomplete",
        level=None,
    )
    for event in EVENTS:
        for kind in RECIPIENT_KINDS:
            for days_left, note, original in (
                (3, base.note, base.original_deadline),
                (-2, None, None),
                (0, None, None),
                (None, None, None),
            ):
                yield dataclasses.replace(
                    base,
                    event=event,
                    recipient_kind=kind,
                    days_left=days_left,
                    note=note,
                    original_deadline=original,
                    level=event if event in WARNING_EVENTS else None,
                )
    for kind in RECIPIENT_KINDS:
        for rows in (digest_sample(lang), digest_sample(lang)[:1]):
            yield dataclasses.replace(
                base, event=DIGEST, recipient_kind=kind, items=rows, day=date(2020, 10, 12)
            )


def digest_sample(lang: str) -> tuple[dict[str, Any], ...]:
    """A digest's table: two overdue items and a standing one, for check() and tests."""
    zh = lang == "zh"
    return (
        {
            "ref": "R3",
            "title": "开展水质抽样监测并公示结果" if zh else "Sample and publish water quality",
            "unit": "水利局" if zh else "Water Bureau",
            "person": "韩水" if zh else "Han Shui",
            "deadline": date(2020, 9, 30),
            "days_overdue": 12,
            "level": "red",
        },
        {
            "ref": "R12",
            "title": "加装除氟设备" if zh else "Fit fluoride filters",
            "unit": "卫健委" if zh else "Health Commission",
            "person": "鲁检" if zh else "Lu Jian",
            "deadline": date(2020, 10, 9),
            "days_overdue": 3,
            "level": "red",
        },
        {
            "ref": "R20",
            "title": "建立长效管护机制" if zh else "Set up long-term upkeep",
            "unit": "水利局" if zh else "Water Bureau",
            "person": "韩水" if zh else "Han Shui",
            "deadline": None,
            "days_overdue": None,
            "level": "yellow",
        },
    )
