"""Finding a ledger's header row: header names vary from county to county.

Pure: it sees the first rows of a sheet as cell values and says which column is which field.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Sequence

from workflow.i18n import Msg
from workflow.ledger.messages import LedgerFormatError, Listing

__all__ = ["ALIASES", "HEADER_SEARCH_ROWS", "REQUIRED", "Header", "find_header", "header_text"]

REQUIRED = ("problem", "task", "unit", "person", "deadline")
# Keys are header texts after _header_key(); the first Chinese name of each field is
# the one offices use most and is what error messages suggest.
ALIASES: dict[str, tuple[str, ...]] = {
    "no": ("序号", "编号", "no", "no.", "number"),
    "source": ("问题来源", "来源", "反馈来源", "source"),
    "category": ("问题类别", "问题类型", "问题分类", "类别", "category"),
    "problem": (
        "问题描述",
        "存在问题",
        "存在的问题",
        "反馈问题",
        "问题表现",
        "具体问题",
        "问题内容",
        "主要问题",
        "问题清单",
        "问题",
        "problem",
    ),
    "task": ("整改措施", "整改任务", "整改举措", "具体整改措施", "整改措施清单", "task"),
    "unit": (
        "责任单位",
        "牵头单位",
        "主责单位",
        "责任部门",
        "牵头部门",
        "牵头责任单位",
        "责任主体",
        "unit",
    ),
    "cooperating_units": ("配合单位", "协办单位", "协同单位", "配合部门", "cooperatingunits"),
    "person": ("责任人", "整改责任人", "具体责任人", "责任人员", "person"),
    "deadline": (
        "整改时限",
        "完成时限",
        "整改期限",
        "完成时间",
        "整改时间",
        "时限要求",
        "完成期限",
        "整改完成时限",
        "deadline",
    ),
    # The ledger's own words on the item, kept on it as text (ledger_note); several such
    # columns (整改目标 and 整改进展) are all kept.
    "progress": (
        "整改进展",
        "完成情况",
        "整改目标",
        "整改情况",
        "进展情况",
        "整改完成情况",
        "整改成效",
        "整改进展情况",
        "整改落实情况",
        "目前进展",
        "整改进度",
        "完成进度",
        "progress",
    ),
    # The county leader in charge of the problem (责任领导): red warnings and digests go to
    # them as well as to the campaign leader. With several such columns (责任领导 and 分管领导)
    # the first is used and the others are named as ignored.
    "leader": ("责任领导", "牵头领导", "分管领导", "包联领导", "县级领导", "责任县领导"),
}
OPTIONAL_MANY = ("progress", "leader")  # fields that may have several columns
_FIELD_BY_KEY = {key: field for field, keys in ALIASES.items() for key in keys}
HEADER_SEARCH_ROWS = 5
# A ledger with both 牵头单位 and 责任单位 (and no 配合单位) means the lead unit and the
# units that share the work: the second are cooperating units.
_LEAD_AND_SHARED = {("牵头单位", "责任单位"), ("牵头部门", "责任部门"), ("牵头单位", "责任部门")}


@dataclasses.dataclass(frozen=True)
class Header:
    index: int  # in the sheet's rows
    columns: dict[str, int]  # field -> column, for single-column fields
    headers: dict[str, str]  # field -> header text as shown in messages
    progress: tuple[tuple[int, str], ...]  # (column, header text) of each progress column
    ignored: tuple[str, ...]  # header texts of the columns the importer does not use


def find_header(file: str, rows: Sequence[Sequence[object]]) -> Header:
    """The header row among the first rows, or LedgerFormatError naming what is missing."""
    best: tuple[int, list[str]] = (-1, [])
    for index, cells in enumerate(rows[:HEADER_SEARCH_ROWS]):
        found = [(column, text) for column, cell in enumerate(cells) if (text := _cell_text(cell))]
        matched = [(column, text, _FIELD_BY_KEY.get(_header_key(text))) for column, text in found]
        fields = {field for _, _, field in matched if field is not None}
        if all(field in fields for field in REQUIRED):
            return _header(file, index, matched)
        if len(fields) > best[0] or (not best[1] and found):
            best = (len(fields), [header_text(text) for _, text in found])
    gone = [f for f in REQUIRED if f not in {_FIELD_BY_KEY.get(_header_key(t)) for t in best[1]}]
    raise LedgerFormatError(
        Msg(
            "{file}: no header row with the required columns in the first {n} rows; "
            "found: {found}; missing: {missing}",
            file=file,
            n=HEADER_SEARCH_ROWS,
            found=Listing(best[1]) if best[1] else Msg("no columns"),
            missing=Listing([Msg("{name} ({field})", name=ALIASES[f][0], field=f) for f in gone]),
        )
    )


def _header(file: str, index: int, matched: list[tuple[int, str, str | None]]) -> Header:
    keys = {_header_key(text) for _, text, _ in matched}
    lead_and_shared = next((pair for pair in _LEAD_AND_SHARED if set(pair) <= keys), None)
    if any(field == "cooperating_units" for _, _, field in matched):
        lead_and_shared = None
    columns: dict[str, int] = {}
    headers: dict[str, str] = {}
    progress: list[tuple[int, str]] = []
    ignored: list[str] = []
    for column, text, field in matched:
        shown = header_text(text)
        if lead_and_shared and _header_key(text) == lead_and_shared[1]:
            field = "cooperating_units"
        if field is None or (field == "leader" and field in columns):
            ignored.append(shown)
        elif field == "progress":
            progress.append((column, shown))
        elif field in columns:  # guessing which of the two is meant would mis-assign tasks
            raise LedgerFormatError(
                Msg(
                    "{file}: columns {first!r} and {second!r} both mean {name} ({field}); keep one",
                    file=file,
                    first=headers[field],
                    second=shown,
                    name=ALIASES[field][0],
                    field=field,
                )
            )
        else:
            columns[field], headers[field] = column, shown
    return Header(index, columns, headers, tuple(progress), tuple(ignored))


def _cell_text(value: object) -> str | None:
    if value is None:
        return None
    return str(value).strip() or None


def _header_key(text: str) -> str:
    """Matching key for a header cell: case, spaces, markers and trailing notes ignored."""
    key = re.sub(r"[\s_\-*]", "", unicodedata.normalize("NFKC", text).lower())
    # '整改时限(年月日)' and '责任人：' are the same column as '整改时限' and '责任人'.
    return re.sub(r"\([^()]*\)$", "", key).rstrip(":")


def header_text(text: str) -> str:
    """Header as shown in messages: line breaks inside CJK headers ('整改\\n时限') dropped."""
    collapsed = " ".join(text.split())
    return re.sub(r"(?<=[^\x00-\x7f]) | (?=[^\x00-\x7f])", "", collapsed)
