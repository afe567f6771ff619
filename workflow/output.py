"""Rows out as a table aligned for Chinese text, as JSON, or as CSV.

Table cells are measured in terminal columns (wcwidth: a Chinese character takes two), so
columns line up in a terminal. JSON and CSV carry codes (assigned, red, 2020-09-30), not labels,
so scripts can read them; CSV cells that a spreadsheet would run as a formula are defused.
"""

from __future__ import annotations

import csv
import json
import operator
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import IO, Any
from zoneinfo import ZoneInfo

from wcwidth import wcswidth

FORMATS = ("table", "json", "csv")

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "issued": "已下发",
        "assigned": "已交办",
        "fixed": "已整改",
        "closed": "已销号",
        "none": "—",
        "blue": "蓝色预警",
        "yellow": "黄色预警",
        "red": "红色预警",
        "problem": "问题",
        "task": "任务",
        "responsibility": "责任",
        "lead": "牵头",
        "cooperate": "配合",
        "pending": "待发送",
        "sending": "发送中",
        "sent": "已发送",
        "dead": "已放弃",
        "rejected": "退回",
        "extension_approved": "延期获批",
        "extension_refused": "延期未批",
        "handover": "移交",  # an item handed to a colleague (person retire/move)
        "digest": "每日汇总",  # one notice a day listing a leader's red items
        # deadline kinds: a date as written, 立行立改 (fix at once), 长期坚持 (no end date)
        "date": "限期",
        "immediate": "立行立改",
        "standing": "长期坚持",
        # the working-day calendar
        "holiday": "放假",
        "workday": "调休上班",
        "manual": "手工设置",
        "file": "文件导入",
        **dict(zip(WEEKDAYS, ["星期" + d for d in "一二三四五六日"], strict=True)),
    },
    "en": {"none": "-", "workday": "working day", **{day: day.title() for day in WEEKDAYS}},
}
HEADERS: dict[str, dict[str, str]] = {
    "zh": {
        "ref": "编号",
        "kind": "类别",
        "title": "标题",
        "state": "状态",
        "level": "预警",
        "deadline": "整改时限",
        "deadline_kind": "时限类型",
        "last_progress_at": "最近进展",
        "ledger_note": "台账记载",
        "unit": "责任单位",
        "person": "责任人",
        "task": "任务",
        "problem": "问题",
        "campaign": "专项",
        "role": "角色",
        "at": "时间",
        "actor": "操作人",
        "trigger": "操作",
        "from": "原状态",
        "to": "新状态",
        "note": "说明",
        "field": "项目",
        "day": "日期",
        "weekday": "星期",
        "name": "名称",
        "value": "内容",
        "source": "问题来源",
        "category": "问题类别",
        "ledger_no": "台账序号",
        "leader_in_charge": "责任领导",
        "original_deadline": "原整改时限",
        "deadline_version": "时限版本",
        "extension_count": "延期次数",
        # rectify overdue
        "extensions": "延期次数",
        "days_overdue": "逾期天数",
        "id": "序号",
        "event": "事件",
        "recipient": "接收人",
        "channel": "渠道",
        "address": "地址",
        "status": "状态",
        "attempts": "次数",
        "next_attempt_at": "计划发送",
        "sent_at": "发送时间",
        "last_error": "错误",
        # the directory (unit, person, campaign list/show) and its change history
        "code": "代码",
        "group": "分组",
        "head": "负责人",
        "email": "邮箱",
        "phone": "电话",
        "people": "人员",
        "open": "未销号",
        "active": "状态",
        "login": "登录名",
        "unit_code": "单位代码",
        "leader": "牵头领导",
        "policy": "预警规则",
        "items": "责任事项",
        "problems": "问题数",
        "tasks": "任务数",
        "created_at": "创建时间",
        "old": "原值",
        "new": "新值",
    },
    "en": {},
}
# RFC 4180's line end, as spreadsheets write it; the csv module then also quotes a cell holding
# a lone CR, which with a bare LF line end it writes as it is and readers take for a line break.
CSV_LINE_END = "\r\n"
# Cells a spreadsheet would evaluate (OWASP CSV injection): prefixed with a quote mark.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell_text(value: Any, lang: str, zone: ZoneInfo) -> str:
    """How one value reads in a table for people."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(zone).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return format_date(value, lang)
    text = str(value)
    # A line break inside a cell would break the table's rows apart.
    text = " ".join(text.splitlines()) if "\n" in text or "\r" in text else text
    return LABELS[lang].get(text, text)


def _table_cell(row: Mapping[str, Any], column: str, lang: str, zone: ZoneInfo) -> str:
    if column in ("deadline", "original_deadline"):
        kind = row.get("deadline_kind") if column == "deadline" or not row.get(column) else None
        value = row.get(column)
        if isinstance(value, str) and value:  # as SQLite gives it to a raw query
            value = date.fromisoformat(value)
        return deadline_text(value, kind, lang, zone)
    return cell_text(row.get(column), lang, zone)


def deadline_text(value: Any, kind: str | None, lang: str, zone: ZoneInfo) -> str:
    """A deadline for people: 长期坚持 for a standing item, the date marked 立行立改 for an
    immediate one (JSON and CSV keep the plain date, or nothing, beside `deadline_kind`)."""
    text = cell_text(value, lang, zone)
    if kind == "standing" and not text:
        return LABELS[lang].get("standing", "standing")
    if kind == "immediate" and text:
        marker = LABELS[lang].get("immediate", "immediate")
        return f"{text}（{marker}）" if lang == "zh" else f"{text} ({marker})"
    return text


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def format_date(day: date, lang: str) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if lang == "zh" else day.isoformat()


def render_table(
    rows: Iterable[Mapping[str, Any]],
    columns: Sequence[str],
    out: IO[str],
    *,
    lang: str,
    zone: ZoneInfo,
    headers: Mapping[str, str] | None = None,
) -> int:
    """`headers` overrides the usual column names where a word means something else here."""
    names = {**HEADERS[lang], **(headers or {})} if lang == "zh" else HEADERS[lang]
    header = [names.get(c, c) for c in columns]
    body = [[visible(_table_cell(row, c, lang, zone)) for c in columns] for row in rows]
    widths = [max(_width(text) for text in column) for column in zip(header, *body, strict=False)]
    for line in [header, *body]:
        padded = [
            text + " " * (width - _width(text)) for text, width in zip(line, widths, strict=True)
        ]
        out.write("  ".join(padded).rstrip() + "\n")
    return len(body)


def _json_default(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def render_json(rows: Iterable[Mapping[str, Any]], columns: Sequence[str], out: IO[str]) -> int:
    """A JSON array written row by row, so a long list never sits in memory as one string."""
    import orjson  # C speed: the stdlib encoder costs more per row than the query behind it

    count = 0
    wanted = set(columns)
    option = 0
    out.write("[")
    for row in rows:
        out.write(",\n" if count else "\n")
        # A row that is exactly the wanted columns is written as it is (a million-row list).
        exact = row.__class__ is dict and row.keys() == wanted
        picked = row if exact else {c: row.get(c) for c in columns}
        try:
            text = orjson.dumps(picked, default=_json_default, option=option)
        except orjson.JSONEncodeError:
            if option:
                raise
            # Keys that subclass str (SQLAlchemy's labels): slower, so only once needed.
            option = orjson.OPT_NON_STR_KEYS
            text = orjson.dumps(picked, default=_json_default, option=option)
        out.write(text.decode())
        count += 1
    out.write("\n]\n" if count else "]\n")
    return count


def render_csv(rows: Iterable[Mapping[str, Any]], columns: Sequence[str], out: IO[str]) -> int:
    writer = csv.writer(out, lineterminator=CSV_LINE_END)
    writer.writerow(columns)
    count = 0
    get = row_getter(columns)
    formula = FORMULA_START
    for row in rows:
        # _cell inlined for the common cells (text, numbers, empty): an export calls it per cell.
        writer.writerow([
            ("'" + value if value.startswith(formula) else value) if value.__class__ is str
            else value if value is None or value.__class__ is int else _cell(value)
            for value in get(row)
        ])  # fmt: skip
        count += 1
    return count


def row_getter(columns: Sequence[str]) -> Callable[[Mapping[str, Any]], Sequence[Any]]:
    """The values of `columns` in a row, None for a column the row lacks."""
    if len(columns) == 1:
        return lambda row: [row.get(columns[0])]
    pick = operator.itemgetter(*columns)

    def get(row: Mapping[str, Any]) -> Sequence[Any]:
        try:
            return pick(row)
        except KeyError:
            return [row.get(c) for c in columns]

    return get


def write_lines(lines: Iterable[str], fmt: str, columns: Sequence[str], out: IO[str]) -> int:
    """Rows already written as JSON objects or CSV lines (workflow/db/lines.py), framed as
    render_json and render_csv frame theirs, so the output is the same text."""
    count = 0
    batch: list[str] = []
    if fmt == "json":
        out.write("[")
        for line in lines:
            batch.append(line)
            if len(batch) == 1000:
                out.write(("\n" if not count else ",\n") + ",\n".join(batch))
                count += len(batch)
                batch.clear()
        if batch:
            out.write(("\n" if not count else ",\n") + ",\n".join(batch))
            count += len(batch)
        out.write("\n]\n" if count else "]\n")
        return count
    csv.writer(out, lineterminator=CSV_LINE_END).writerow(columns)
    for line in lines:
        batch.append(line)
        if len(batch) == 1000:
            out.write(CSV_LINE_END.join(batch) + CSV_LINE_END)
            count += len(batch)
            batch.clear()
    if batch:
        out.write(CSV_LINE_END.join(batch) + CSV_LINE_END)
        count += len(batch)
    return count


def render(
    rows: Iterable[Mapping[str, Any]],
    columns: Sequence[str],
    fmt: str,
    out: IO[str],
    *,
    lang: str,
    zone: ZoneInfo,
    headers: Mapping[str, str] | None = None,
) -> int:
    if fmt == "json":
        return render_json(rows, columns, out)
    if fmt == "csv":
        return render_csv(rows, columns, out)
    return render_table(rows, columns, out, lang=lang, zone=zone, headers=headers)


def _plain(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, list):
        return [{k: _plain(v) for k, v in entry.items()} for entry in value]
    return value


def _cell(value: Any) -> Any:
    """A CSV cell: nested lists (evidence) as JSON, formulas defused."""
    kind = value.__class__
    if kind is str:  # the common cases first: a million-row export calls this per cell
        return "'" + value if value.startswith(FORMULA_START) else value
    if kind is int or value is None:
        return value
    value = _plain(value)
    if isinstance(value, bool):  # as JSON writes them, not Python's True/False
        return "true" if value else "false"
    if isinstance(value, list):
        return json.dumps(value, ensure_ascii=False)
    return _defuse(value)


def _defuse(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


# What a terminal would act on rather than show: C0 and C1 controls, DEL, bidi overrides and
# isolates (they reorder a line), line and paragraph separators. A table shows them escaped,
# \x1b or <U+202E>; JSON and CSV keep the text as stored.
_CONTROLS = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]"
)


def visible(text: str) -> str:
    """The text with terminal controls escaped."""
    return _CONTROLS.sub(_escaped, text) if _CONTROLS.search(text) else text


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"<U+{code:04X}>"


def _width(text: str) -> int:
    width = wcswidth(text)
    return width if width >= 0 else len(text)
