"""Chinese messages: accountability figures (rectify stats, workflow/services/stats.py)."""

ZH: dict[str, str] = {
    "--by {by!r} must be one of {choices}": "--by {by!r} 应为以下之一：{choices}",
    "--from {start} is after --to {end}": "--from {start} 晚于 --to {end}",
    "(none)": "（未填）",
    "Audit trail NOT verified: broken at row {id} ({ref} {trigger}, {at}): {reason}; "
    "{good} rows before it verified. These figures may not show what happened.": (
        "审计记录校验未通过：在第 {id} 条（{ref} {trigger}，{at}）处断开：{reason}；此前 {good} "
        "条校验通过。以上数据可能与实际情况不符。"
    ),
}
