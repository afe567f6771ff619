"""Chinese messages: who acts (workflow/identity.py) and the role checks around it."""

ZH: dict[str, str] = {
    "identity {mode!r} is not offered; use name, os or database": (
        "不支持身份方式 {mode!r}；请用 name、os 或 database"
    ),
    "identity {identity!r} is not offered; use name, os or database": (
        "不支持身份方式 {identity!r}；请用 name、os 或 database"
    ),
    "--as and RECTIFY_USER are refused with identity: {mode}; the {source} user says who acts": (
        "身份方式为 {mode} 时不接受 --as 和 RECTIFY_USER：操作人由{source}用户确定"
    ),
    "operating-system": "操作系统",
    "database": "数据库",
    "actor": "操作人",
    "no office staff are registered yet; register the first one with `rectify person add NAME "
    "--unit UNIT --role office`": (
        "尚未登记督查室工作人员；请先用 `rectify person add 姓名 --unit 单位 --role office` "
        "登记第一位"
    ),
    "{actor} may not {action}: that is for office staff (督查室)": (
        "{actor} 无权{action}：此操作仅限督查室工作人员"
    ),
    "the operating-system user cannot be determined": "无法确定操作系统用户",
    "identity: database needs PostgreSQL; use name or os with SQLite": (
        "身份方式 database 需要 PostgreSQL；使用 SQLite 时请用 name 或 os"
    ),
    "{name} is retired and may no longer act": "{name} 已离岗，不能再操作",
    "{name} is not a registered person; office staff register people with `rectify person add`": (
        "{name} 不是已登记人员；人员由督查室用 `rectify person add` 登记"
    ),
    "{name} is in several units; act as NAME@UNIT, e.g. {name}@CODE": (
        "{name} 在多个单位中都有；请写成 姓名@单位，例如 {name}@单位代码"
    ),
    "the {source} user {login!r} is not the login of any registered person; office staff set it "
    "with `rectify person set NAME --login {login}`": (
        "{source}用户 {login!r} 不是任何已登记人员的登录名；请督查室用 "
        "`rectify person set 姓名 --login {login}` 设置"
    ),
    "the actor (--as / RECTIFY_USER) is empty; say who is acting": (
        "操作人（--as / RECTIFY_USER）为空；请说明由谁操作"
    ),
    "add problems": "新增问题",
    "add tasks": "新增任务",
    "import ledgers": "导入台账",
    "edit the working-day calendar": "修改工作日日历",
    "{actor} may not ask for an extension of {ref}: it is another unit's item": (
        "{actor} 不能为 {ref} 申请延期：这是其他单位的事项"
    ),
}
