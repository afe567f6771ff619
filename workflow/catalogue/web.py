"""Chinese messages: the web pages (web/) and their login links (`rectify serve`, `rectify web`,
workflow/services/web_links.py). Words of the pages are Terms "web: <word>"."""

ZH: dict[str, str] = {
    # rectify serve / rectify web
    "Serving {url} (listening on {where}); Ctrl-C stops.": (
        "网页已启动：{url}（监听 {where}）；按 Ctrl-C 停止。"
    ),
    "Login link #{id} for {person}, valid until {until}.": (
        "已为 {person} 生成登录链接 #{id}，有效期至 {until}。"
    ),
    "Revoked login links {ids}.": "已撤销登录链接 {ids}。",
    "base URL {url!r} must be an http:// or https:// address such as "
    "https://dcs.example.gov.cn/rectify/": (
        "网址 {url!r} 无效，应为 http:// 或 https:// 开头的地址，例如 "
        "https://dcs.example.gov.cn/rectify/"
    ),
    "--expires {text!r}: give a number and a unit, e.g. 30d, 12h, 2w or 90m": (
        "--expires {text!r}：请写数字加单位，例如 30d、12h、2w 或 90m"
    ),
    "--expires {text!r}: a link lasts at most 366 days": (
        "--expires {text!r}：登录链接最长有效 366 天"
    ),
    "make login links": "生成登录链接",
    "list login links": "查看登录链接",
    "revoke login links": "撤销登录链接",
    "no login link #{id}": "没有登录链接 #{id}",
    "login link #{id} is already revoked": "登录链接 #{id} 已经撤销",
    "{name} has no login link in force": "{name} 没有有效的登录链接",
    # days on the pages
    "due today": "今天到期",
    "{days} days overdue": "已逾期 {days} 天",
    "{days} working days overdue": "已逾期 {days} 个工作日",
    "{count} open items, the most urgent first": "未整改事项 {count} 项，最紧急的在前",
    "{size} bytes": "{size} 字节",
    # words of the pages
    "web: Rectification": "整改清单",
    "web: Battle map": "挂图作战",
    "web: Overdue": "逾期事项",
    "web: Figures": "问责统计",
    "web: Log out": "退出",
    "web: No campaign has items not yet closed.": "没有未销号事项的专项。",
    "web: Bottom line": "底线",
    "web: Items": "责任事项",
    "web: Closed": "已销号",
    "web: % closed": "销号率",
    "web: Awaiting acceptance": "待验收",
    "web: Red": "红",
    "web: Yellow": "黄",
    "web: Blue": "蓝",
    "web: Report (HTML)": "整改情况报告（网页）",
    "web: Responsibility list (XLSX)": "责任清单（Excel）",
    "web: Share closed per unit": "各单位销号进度",
    "web: Units × problems": "单位 × 问题",
    "web: all closed": "全部销号",
    "web: no warning": "未预警",
    "web: Unit": "责任单位",
    "web: All": "合计",
    "web: Board per unit": "各单位情况",
    "web: Progress": "进度",
    "web: Back to the battle map": "返回挂图作战",
    "web: created": "创建",
    "web: imported": "导入",
    "web: ledger update": "台账更新",
    "web: extension asked": "申请延期",
    "web: progress reported": "报送进展",
    "web: Evidence": "证明材料",
    "web: No evidence yet.": "尚无证明材料。",
    "web: Tasks": "任务",
    "web: Responsibility items": "责任事项",
    "web: History": "办理记录",
    "web: Login link needed": "需要登录链接",
    "web: These pages open with your personal login link. Ask the office (督查室) for one; it "
    "comes by SMS or mail.": (
        "本页面需用个人登录链接打开。请向督查室索取，链接会通过短信或邮件发送给您。"
    ),
    "web: Login link refused": "登录链接无法使用",
    "web: Ask the office (督查室) for a new link.": "请向督查室索取新的登录链接。",
    "web: No item is overdue.": "没有逾期事项。",
    "web: Ref": "编号",
    "web: Task": "任务",
    "web: Person": "责任人",
    "web: Deadline": "整改时限",
    "web: Days overdue": "逾期天数",
    "web: Warning": "预警",
    "web: Accountability figures": "问责统计",
    "web: Per": "统计口径",
    "web: Campaign": "专项",
    "web: Show": "查看",
    "web: No responsibility items.": "没有责任事项。",
    "web: Your unit has no open items.": "本单位没有未整改的事项。",
    "web: This login link has expired.": "此登录链接已过期。",
    "web: This login link has been revoked.": "此登录链接已被撤销。",
    "web: This login link's person is no longer in post.": "此登录链接对应的人员已离岗。",
    "web: This login link is not valid.": "此登录链接无效。",
    "web: The request was not understood.": "请求无法识别。",
    "web: This page is not for you.": "您无权查看此页面。",
    "web: There is no such page, or it is not yours to see.": "页面不存在，或不在您的查看范围内。",
    "web: This page cannot be used that way.": "此页面不支持该操作方式。",
    "web: Something went wrong on the server; the office has the details in its log.": (
        "服务器出错，详情已记入日志，请联系督查室。"
    ),
    "web: The form was out of date or came from another page; open the page again.": (
        "表单已过期或来自其他页面，请重新打开页面后再提交。"
    ),
    # the item's forms (web/actions.py, web/uploads.py, templates/_item_actions.html)
    "web: What you can do": "办理",
    "web: Report it fixed (报结)": "报结（完成整改）",
    "web: What was done": "整改情况",
    "web: Photos or PDF files": "照片或 PDF 文件",
    "At most {files} files of {mb} MB each: photos (JPEG, PNG, GIF, WebP, HEIC) or PDF.": (
        "最多 {files} 个文件，每个不超过 {mb} MB：照片（JPEG、PNG、GIF、WebP、HEIC）或 PDF。"
    ),
    "web: Report fixed": "报结",
    "web: Ask for more time (延期)": "申请延期",
    "web: New deadline": "新的整改时限",
    "A day from {first} to the bottom line {last}.": "可选日期：{first}至底线{last}。",
    "web: Why more time is needed": "延期理由",
    "web: Ask for the extension": "提交延期申请",
    "web: Extension asked": "延期申请",
    "{who} asked to move the deadline to {to}: {reason}": "{who} 申请将整改时限延至 {to}：{reason}",
    "web: Remarks": "意见",
    "web: Approve the extension": "同意延期",
    "web: Why it is refused": "不同意的理由",
    "web: Refuse the extension": "不同意延期",
    "web: Waiting for the office's decision.": "等待督查室审批。",
    "web: Acceptance check (检查验收)": "检查验收",
    "web: Accept and close (销号)": "验收通过，销号",
    "web: Why it is sent back": "退回理由",
    "web: Send back (退回)": "退回整改",
    "the new deadline {text!r} is not a date such as 2020-10-31": (
        "新的整改时限 {text!r} 不是有效日期，应写作 2020-10-31 这样的格式"
    ),
    "web: The files sent are larger than the server takes in one report; nothing was saved.": (
        "上传的文件超过单次报结允许的大小，未保存任何内容。"
    ),
    "setting web: {key} {value!r} must be a whole number from {low} to {high}": (
        "设置 web: {key} 的值 {value!r} 无效，应为 {low} 到 {high} 之间的整数"
    ),
    "{count} files sent; at most {most} go with one report, nothing was saved": (
        "上传了 {count} 个文件，一次报结最多 {most} 个，未保存任何内容"
    ),
    "{name} is empty; nothing was saved": "{name} 是空文件，未保存任何内容",
    "{name} is larger than {mb} MB; nothing was saved": ("{name} 超过 {mb} MB，未保存任何内容"),
    "{name} is not a photo (JPEG, PNG, GIF, WebP, HEIC) or a PDF; nothing was saved": (
        "{name} 不是照片（JPEG、PNG、GIF、WebP、HEIC）或 PDF 文件，未保存任何内容"
    ),
}
