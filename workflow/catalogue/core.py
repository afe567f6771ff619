"""Chinese messages: the engine's core (names, database, definitions, lifecycle)."""

ZH: dict[str, str] = {
    "{what} is empty": "{what}为空",
    "{what} {name!r} contains invisible or control characters ({chars}); type it again": (
        "{what} {name!r} 含有不可见字符或控制字符（{chars}），请重新输入"
    ),
    "{source}: 1 error, nothing imported: {errors}": "{source}：1 处错误，未导入任何内容：{errors}",
    "{source}: {count} errors, nothing imported: {errors}": (
        "{source}：{count} 处错误，未导入任何内容：{errors}"
    ),
    # standing (长期坚持) and immediate (立行立改) items, progress reports (整改进展)
    "{ref} is not a responsibility item; progress is reported on items (R...)": (
        "{ref} 不是责任事项；整改进展按责任事项（R 开头的编号）报送"
    ),
    "a progress report on {ref} needs a note saying what was done": (
        "报送 {ref} 的整改进展须写明已做的工作（--note）"
    ),
    "{actor} may not report progress on {ref}: it is another unit's item": (
        "{actor} 不能报送 {ref} 的整改进展：这是其他单位的事项"
    ),
    "{ref} is {state}; progress is reported on open items only": (
        "{ref} {state}；只有未办结的事项才报送整改进展"
    ),
    "issued": "已下发",
    "assigned": "已交办",
    "fixed": "已整改",
    "closed": "已销号",
    "a deadline is needed: a date, 立行立改 or 长期坚持": "需要整改时限：日期、立行立改或长期坚持",
    "{ref} is a standing item (长期坚持) with no deadline to extend; report its progress with "
    "`rectify progress`": (
        "{ref} 是长期坚持事项，没有整改时限，无需延期；请用 `rectify progress` 报送整改进展"
    ),
    # --- the engine's words in messages (workflow/terms.py: "<context>: <word>") ---
    # actions (triggers) and what they do, as in "陈干 不能验收销号 R1"
    "action: assign": "交办",
    "action: fix": "报结",
    "action: accept": "验收销号",
    "action: reject": "退回",
    "action: reopen": "重新打开",
    "action: close": "销号",
    "past: assigned": "交办",
    "past: fixed": "报结",
    "past: accepted": "验收销号",
    "past: rejected": "退回",
    "past: reopened": "重新打开",
    "past: closed": "销号",
    # who may act (the `by:` roles of the definitions)
    "role: office": "督查室",
    "role: leader": "牵头领导",
    "role: responsible": "责任人",
    "role: unit": "本单位人员",
    "role: system": "系统",
    "kind: problem": "问题",
    "kind: task": "任务",
    "kind: responsibility": "责任事项",
    "level: none": "无",
    "level: blue": "蓝色预警",
    "level: yellow": "黄色预警",
    "level: red": "红色预警",
    "weekday: Monday": "星期一",
    "weekday: Tuesday": "星期二",
    "weekday: Wednesday": "星期三",
    "weekday: Thursday": "星期四",
    "weekday: Friday": "星期五",
    "weekday: Saturday": "星期六",
    "weekday: Sunday": "星期日",
    # --- state machines (workflow/machines.py): what the actor is to the item ---
    "the item's responsible person": "该事项的责任人",
    "in the item's unit": "该事项所在单位的人员",
    "the campaign's leader": "该专项的牵头领导",
    "office staff": "督查室工作人员",
    "a person of another unit": "其他单位的人员",
    "the engine": "系统",
    "{trigger} {ref} needs a note or reason saying why": "{trigger} {ref} 须写明说明或理由",
    "{ref} is {state}; only an {allowed} item can be {past}": (
        "{ref} {state}；只有{allowed}的事项才能{past}"
    ),
    "{ref} is {state}; only a {allowed} item can be {past}": (
        "{ref} {state}；只有{allowed}的事项才能{past}"
    ),
    "{trigger} is not an action on a {kind} item": "{trigger} 不是{kind}的操作",
    "the {kind} definition has no move from {source} to {dest}": (
        "{kind} 的流程定义中没有从{source}到{dest}的流转"
    ),
    "{actor} may not {trigger} {ref}: {actor} is {what}, and {trigger} is for: {who}": (
        "{actor} 不能{trigger} {ref}：{actor} 是{what}，{trigger}只能由{who}办理"
    ),
    # --- items, tasks and problems (workflow/services/lifecycle.py, lists.py, queries.py) ---
    "{ref} is a {kind}; {trigger} acts on responsibility items (R...), and a {kind} follows "
    "them": "{ref} 是{kind}；{trigger}针对的是责任事项（R 开头的编号），{kind}随之自动变化",
    "{trigger} is not one of {triggers}": "{trigger} 不是可用的操作（可用：{triggers}）",
    "evidence file {path}: {reason}": "证明材料 {path}：{reason}",
    "evidence file {path} is empty": "证明材料 {path} 是空文件",
    "the item changed while this request ran; try again": "本次操作期间该事项已被他人修改，请重试",
    "no responsibility item {ref}": "没有责任事项 {ref}",
    "no problem {ref}": "没有问题 {ref}",
    "no task {ref}": "没有任务 {ref}",
    "problem title": "问题描述",
    "task title": "整改措施",
    "role {role!r} must be lead or cooperate": (
        "角色 {role!r} 无效，应为 lead（牵头单位）或 cooperate（配合单位）"
    ),
    "{name} is not a person of unit {unit}": "{name} 不是单位 {unit} 的人员",
    "deadline {deadline} is after campaign {campaign}'s bottom line {bottom} (底线)": (
        "整改时限 {deadline} 晚于专项 {campaign} 的底线 {bottom}"
    ),
    "{ref} is a {kind}; a {wanted} ref is needed here": "{ref} 是{kind}；这里需要{wanted}编号",
    "state {state!r} must be one of {states}": "状态 {state!r} 无效，应为 {states} 之一",
    "level {level!r} must be one of {levels}": "预警等级 {level!r} 无效，应为 {levels} 之一",
    "status {status!r} must be one of {statuses}": "状态 {status!r} 无效，应为 {statuses} 之一",
    "{text!r} is not a ref; refs look like P3, T12 or R130": (
        "{text!r} 不是编号；编号形如 P3、T12 或 R130"
    ),
    # --- extensions (workflow/services/extensions.py) ---
    "an extension of {ref} needs a reason": "{ref} 申请延期须写明理由",
    "{ref} is {state}; only an open item can be extended": (
        "{ref} {state}；只有未办结的事项才能申请延期"
    ),
    "{ref}'s deadline {deadline} has passed; an extension must be requested before it": (
        "{ref} 的整改时限 {deadline} 已过；延期须在到期前申请"
    ),
    "{to} is not later than {ref}'s deadline {deadline}": (
        "{to} 并不晚于 {ref} 现在的整改时限 {deadline}"
    ),
    "{to} is after campaign {campaign}'s bottom line {bottom} (底线)": (
        "{to} 晚于专项 {campaign} 的底线 {bottom}"
    ),
    "{ref} already has an extension request waiting for a decision": (
        "{ref} 已有一项延期申请在等待审批"
    ),
    "{ref} has no extension request waiting for a decision": "{ref} 没有等待审批的延期申请",
    "{ref}'s deadline has moved to {deadline} since the extension to {requested} was asked for "
    "(it was {asked_from}); the request cannot be approved as it stands: refuse it, and the "
    "unit may ask again": "{ref} 的整改时限在申请延期后已调整为 {deadline}（申请时为 "
    "{asked_from}），延期至 {requested} 的申请不能再按原样批准：请退回该申请，责任单位可重新申请",
    "{actor} may not decide on {ref}'s extension: only the office or the campaign leader may, "
    "not the unit that asked": (
        "{actor} 不能审批 {ref} 的延期申请：只能由督查室或专项牵头领导审批，申请单位不能自批"
    ),
    "{ref} is a {kind}; deadlines are extended on responsibility items": (
        "{ref} 是{kind}；延期针对的是责任事项（R 开头的编号）"
    ),
    # --- the working-day calendar (workflow/services/calendar_days.py, workflow/calendar.py) ---
    "chinese-calendar has no schedule for {years} (it knows {known}); import the published "
    "schedule with `rectify calendar import FILE`": (
        "chinese-calendar 没有 {years} 年的节假日安排（已有 {known} 年）；请用 "
        "`rectify calendar import 文件` 导入公布的安排"
    ),
    "no calendar entry for {day}; it already follows Monday-Friday": (
        "日历中没有 {day} 的设置；这一天已按周一至周五计算"
    ),
    "{file}: cannot be read ({reason})": "{file}：无法读取（{reason}）",
    "{file}: is neither UTF-8 nor GBK/GB18030 text; save it as CSV UTF-8": (
        "{file}：既不是 UTF-8 也不是 GBK/GB18030 编码的文本，请另存为“CSV UTF-8”"
    ),
    "{file}: the name for {day} is longer than {count} characters": (
        "{file}：{day} 的名称超过 {count} 个字"
    ),
    "{file}: lists no days; expected CSV lines date,kind,name": (
        "{file}：没有列出任何日期；每行应为 日期,类型,名称"
    ),
    "year {year} is out of range (1-9999)": "年份 {year} 超出范围（1-9999）",
    "{day!r} is not a date": "{day!r} 不是日期",
    "kind {kind!r} is not one of holiday, workday, 休, 班": (
        "类型 {kind!r} 无效，应为 holiday、workday、休 或 班"
    ),
    "name {name!r} is longer than {count} characters": "名称 {name!r} 超过 {count} 个字",
    "{source}:{line}: {message}": "{source} 第 {line} 行：{message}",
    "expected 'date,kind,name' (2 or 3 fields), found {count}: {text!r}": (
        "应为“日期,类型,名称”（2 或 3 项），实有 {count} 项：{text!r}"
    ),
    "date {text!r} is not YYYY-MM-DD": "日期 {text!r} 不是 YYYY-MM-DD 格式",
    "date {text!r} does not exist ({reason})": "日期 {text!r} 不存在（{reason}）",
    "{day} is already listed on line {line}": "{day} 已在第 {line} 行列出",
    "month must be in 1..12": "月份应在 1 到 12 之间",
    "day is out of range for month": "该月没有这一天",
    # --- settings, clock, database, definitions (workflow/settings.py, clock.py, db/, app.py) ---
    "{what} {text!r} is not an ISO date-time (like 2020-09-30T09:00)": (
        "{what} {text!r} 不是 ISO 格式的日期时间（如 2020-09-30T09:00）"
    ),
    "{what} {text!r} is out of range (years {first}-{last})": (
        "{what} {text!r} 超出范围（年份须在 {first}-{last} 之间）"
    ),
    "{what} {text!r}: {reason}": "{what} {text!r}：{reason}",
    "timezone {zone!r} is not a known time zone": "时区 {zone!r} 不是已知的时区",
    "language {lang!r} is not offered; use zh or en": "不支持语言 {lang!r}；请用 zh 或 en",
    "config file {path}: {reason}": "配置文件 {path}：{reason}",
    "config file {path} is not valid YAML": "配置文件 {path} 不是有效的 YAML",
    "config file {path}: expected a mapping of setting to value": (
        "配置文件 {path}：内容应为“设置项: 值”的映射"
    ),
    "cannot use database {url}: {reason}": "无法使用数据库 {url}：{reason}",
    "migration left a broken reference in table {table}": (
        "数据库升级后表 {table} 中留有失效的引用，已撤销升级"
    ),
    "database {name} is not initialised; run `rectify init` first": (
        "数据库 {name} 尚未初始化；请先运行 `rectify init`"
    ),
    "database {name} has schema {revision}, this rectify needs {head}; run `rectify init` to "
    "upgrade it": (
        "数据库 {name} 的结构版本是 {revision}，本版 rectify 需要 {head}；"
        "请运行 `rectify init` 升级"
    ),
    "database: {reason}": "数据库：{reason}",
    # The problems stay in English: they name YAML keys and values of the definitions.
    "definitions are invalid: {problems}": "流程定义有误：{problems}",
    "escalation policies are invalid: {problems}": "预警规则有误：{problems}",
    "RECTIFY_NOTICE_LANG {lang!r} is not offered; use zh or en": (
        "不支持 RECTIFY_NOTICE_LANG {lang!r}；请用 zh 或 en"
    ),
    "notice templates: {problems}": "通知模板有误：{problems}",
    "RECTIFY_SWEEP_CRON {text!r}: {reason}": "RECTIFY_SWEEP_CRON {text!r}：{reason}",
    "{name} already holds a database; the demo needs a new one": (
        "{name} 中已有数据库；演示需要一个新的数据库"
    ),
    # --- bad options and arguments (click's usage errors, matched in cli.py) ---
    "{command}: {message}": "{command}：{message}",
    "Missing option {name}.": "缺少选项 {name}。",
    "Missing argument {name}.": "缺少参数 {name}。",
    "Missing option {name}. Choose from: {choices}": "缺少选项 {name}。可选：{choices}",
    "Missing argument {name}. Choose from: {choices}": "缺少参数 {name}。可选：{choices}",
    "Invalid value for {name}: {problem}": "{name} 的值无效：{problem}",
    "No such option {name!r}.": "没有选项 {name!r}。",
    "No such command {name!r}.": "没有命令 {name!r}。",
    "{message} Did you mean {possibility}?": "{message}是否要用 {possibility}？",
    "{message} (Did you mean one of: {possibilities}?)": (
        "{message}（是否要用 {possibilities} 之一？）"
    ),
    "Got unexpected extra argument ({args})": "多余的参数（{args}）",
    "Got unexpected extra arguments ({args})": "多余的参数（{args}）",
    "Missing command.": "缺少子命令。",
    "Option {name} requires an argument.": "选项 {name} 后面需要一个值。",
    "{value} is not one of {choices}.": "{value} 不是可选值 {choices} 之一。",
    "{value} is not {choice}.": "{value} 无效，只能是 {choice}。",
    "{value} is not a valid integer.": "{value} 不是有效的整数。",
    "{value} is not a valid float.": "{value} 不是有效的数字。",
    "{value} is not in the range {range}.": "{value} 不在 {range} 范围内。",
    "File {file} does not exist.": "文件 {file} 不存在。",
    "File {file} is a directory.": "{file} 是文件夹，不是文件。",
}
