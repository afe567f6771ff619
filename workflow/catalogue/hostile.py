"""Chinese messages: hostile inputs (zip bombs, stray bytes, control characters, field limits,
far deadlines, database URLs and schemas from a newer rectify, long error lists)."""

ZH: dict[str, str] = {
    # workflow/ledger/guards.py
    "{file}: refused unread: its part {member} would inflate from {packed} to {size} bytes "
    "(a zip bomb?); save the ledger again from Excel or WPS": (
        "{file}：拒绝读取：其中的 {member} 会从 {packed} 字节解压到 {size} 字节（疑似压缩炸弹）；"
        "请用 Excel 或 WPS 重新保存台账"
    ),
    "{file}: line {line} (byte {offset}) is not UTF-8 text, though the rest of the file is; "
    "correct it there or save the file again as CSV UTF-8": (
        "{file}：第 {line} 行（第 {offset} 字节）不是 UTF-8 文本，而文件其余部分是；"
        "请在该处改正，或重新另存为“CSV UTF-8”"
    ),
    # workflow/limits.py
    "contains control characters ({chars}); remove them": "含有控制字符（{chars}），请删除",
    "is {length} characters long; at most {limit} fit": "长度为 {length} 个字符，最多 {limit} 个",
    "{what} {problem}": "{what}{problem}",
    # workflow/ledger/messages.py
    "…and {count} more like it": "……另有 {count} 处同类错误",
    # workflow/db/engine.py
    "database {name} was written by a newer rectify (schema {revision}); install that "
    "version": "数据库 {name} 由更新版本的 rectify 写入（结构版本 {revision}），请安装该版本",
    "cannot use database {url}: write each @ in its password as %40": (
        "无法使用数据库 {url}：密码中的每个 @ 请写成 %40"
    ),
}
