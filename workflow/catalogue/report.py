"""Chinese messages: the campaign report page (rectify report, workflow/report/)."""

ZH: dict[str, str] = {
    # Headings and labels of the page (workflow/report/page.py WORDS)
    "report: Rectification report": "整改情况报告",
    "report: Campaign": "专项",
    "report: Bottom line": "底线",
    "report: As of": "截至",
    "report: Today": "今天",
    "report: At a glance": "总体情况",
    "report: Responsibility items": "责任事项",
    "report: Closed": "已销号",
    "report: Awaiting acceptance": "待验收",
    "report: Not yet closed": "未销号",
    "report: Overdue": "逾期",
    "report: Battle map": "挂图作战",
    "report: Unit": "责任单位",
    "report: All": "合计",
    "report: all closed": "全部销号",
    "report: Burn-down": "销号进度",
    "report: Items not yet closed, per day": "每日未销号事项数",
    "report: Ideal line to the bottom line": "按期销号参考线",
    "report: Items not yet closed": "未销号事项",
    "report: The campaign has no responsibility items yet.": "本专项还没有责任事项。",
    "report: Overdue items": "逾期事项",
    "report: No item is overdue.": "没有逾期事项。",
    "report: Units": "各单位情况",
    "report: Accountability figures": "问责统计",
    "report: Ref": "编号",
    "report: Task": "整改任务",
    "report: Person": "责任人",
    "report: Deadline": "整改时限",
    "report: Days overdue": "逾期天数",
    "report: Warning": "预警",
    "report: % closed": "销号率",
    "report: Blue": "蓝",
    "report: Yellow": "黄",
    "report: Red": "红",
    # The accountability table's columns (STATS_WORDS), as `rectify stats` heads them
    "report: Assigned": "交办",
    "report: Closed on time": "按期办结",
    "report: Closed late": "逾期办结",
    "report: Open": "在办",
    "report: Open and overdue": "逾期未办",
    "report: Total days overdue": "逾期天数",
    "report: Sent back": "退回",
    "report: Reopened": "反弹",
    "report: Extensions asked": "申请延期",
    "report: Extensions granted": "批准延期",
    "report: On-time rate": "按期办结率",
    "{file}: a report is an HTML page; name the file .html": (
        "{file}：报告是一个 HTML 网页，请将文件名改为 .html 结尾"
    ),
    "{file} already exists; add --force to replace it": "{file} 已存在；如要替换，请加 --force",
    "Rectification report: {name}": "整改情况报告：{name}",
    "bottom line {day} ({left})": "底线 {day}（{left}）",
    "the bottom line is today, 0 days left": "今天即底线",
    "{days} working days to the bottom line": "距底线还有 {days} 个工作日",
    "{days} working days past the bottom line": "已超过底线 {days} 个工作日",
    "{days} days to the bottom line": "距底线还有 {days} 天",
    "{days} days past the bottom line": "已超过底线 {days} 天",
    "…and {count} more overdue items (rectify overdue lists them all)": (
        "……另有 {count} 项逾期事项未列出（rectify overdue 可列出全部）"
    ),
    "The audit trail verified ({rows} records): the figures rest on an unbroken record.": (
        "审计记录校验通过（共 {rows} 条）：以上数据所依据的记录完整无缺。"
    ),
    "The audit trail does NOT verify: record {id} breaks the hash chain after {rows} good "
    "records; the figures may not match what happened.": (
        "审计记录校验未通过：第 {id} 条记录使哈希链断开（此前 {rows} 条正常）；"
        "以上数据可能与实际经过不符。"
    ),
    "Wrote the report of {campaign} to {file}: {items} responsibility items, {closed} "
    "closed, {overdue} overdue.": (
        "已将 {campaign} 的整改情况报告写入 {file}：责任事项 {items} 项，已销号 {closed} 项，"
        "逾期 {overdue} 项。"
    ),
}
