"""Chinese messages: notices (channel settings, delivery, the outbox and `notices retry`)."""

ZH: dict[str, str] = {
    # channel settings (notifications/channels)
    "missing {keys}": "缺少 {keys}",
    "{key} must be a positive number of seconds": "{key} 须为正数（单位：秒）",
    "{key} must be an http:// or https:// URL": "{key} 须为 http:// 或 https:// 开头的网址",
    "{reason} (or set RECTIFY_SMS_BACKEND to aliyun or tencent)": (
        "{reason}（或将 RECTIFY_SMS_BACKEND 设为 aliyun 或 tencent）"
    ),
    "RECTIFY_SMS_BACKEND must be http, aliyun or tencent": (
        "RECTIFY_SMS_BACKEND 须为 http、aliyun 或 tencent"
    ),
    "RECTIFY_SMTP_FROM {value!r} is not one email address; write it as office@example.gov.cn "
    "or 督查室 <office@example.gov.cn> (an ASCII address)": (
        "RECTIFY_SMTP_FROM {value!r} 不是一个有效的发件地址，请写成 office@example.gov.cn "
        "或 督查室 <office@example.gov.cn>（地址部分只能用英文字母、数字和符号）"
    ),
    "RECTIFY_SMTP_SECURITY must be none, starttls or ssl": (
        "RECTIFY_SMTP_SECURITY 须为 none、starttls 或 ssl"
    ),
    "RECTIFY_SMTP_PORT must be a TCP port number": "RECTIFY_SMTP_PORT 须为 TCP 端口号",
    "RECTIFY_SMTP_CA_FILE does not name a readable file": (
        "RECTIFY_SMTP_CA_FILE 指向的文件不存在或无法读取"
    ),
    "RECTIFY_SMTP_USER and RECTIFY_SMTP_PASSWORD must be set together": (
        "RECTIFY_SMTP_USER 与 RECTIFY_SMTP_PASSWORD 须同时设置"
    ),
    "{channel}: {reason}": "{channel}：{reason}",
    "notice channels are set up wrongly; nothing was sent and every notice stays queued: "
    "{problems}": "通知渠道配置有误，本次未发送任何通知，通知均留在队列中：{problems}",
    # delivery (notifications/delivery.py)
    # notices retry (workflow/services/notice_admin.py)
    "no channel {channel!r}; channels are {known}": "没有渠道 {channel!r}（可选：{known}）",
    "{ref} is not a responsibility item; notices belong to R refs": (
        "{ref} 不是责任事项；通知属于 R 开头的责任事项"
    ),
    "put dead notices back in the queue": "将已放弃的通知重新排队",
    # summary lines of `rectify deliver` and `rectify notices retry` (cli.py)
    "Sent {sent}, retrying {retrying}, dead {dead}, held for quiet hours {held}.": (
        "已发送 {sent} 条，待重试 {retrying} 条，已放弃 {dead} 条，夜间暂缓 {held} 条。"
    ),
    "Skipped 1 warning overtaken before sending (item fixed or closed, deadline extended, "
    "or a higher level queued).": (
        "跳过 1 条发送前已失效的预警（事项已报结或销号、已延期，或已升为更高等级）。"
    ),
    "Skipped {count} warnings overtaken before sending (item fixed or closed, deadline "
    "extended, or a higher level queued).": (
        "跳过 {count} 条发送前已失效的预警（事项已报结或销号、已延期，或已升为更高等级）。"
    ),
    "{channel}: cannot send now ({why}); {count} notices stay pending, no attempt used.": (
        "{channel}：暂时无法发送（{why}）；{count} 条通知留在队列中，不计尝试次数。"
    ),
    "{channel}: not configured ({why}); {count} notices stay pending.": (
        "{channel}：未配置（{why}）；{count} 条通知留在队列中。"
    ),
    "dead: {error}": "已放弃：{error}",
    "No dead notices match; nothing put back in the queue.": (
        "没有符合条件的已放弃通知，未重新排队。"
    ),
    "Put 1 dead notice back in the queue; `rectify deliver` sends it.": (
        "已将 1 条已放弃的通知重新排队，运行 `rectify deliver` 即发送。"
    ),
    "Put {count} dead notices back in the queue; `rectify deliver` sends them.": (
        "已将 {count} 条已放弃的通知重新排队，运行 `rectify deliver` 即发送。"
    ),
}
