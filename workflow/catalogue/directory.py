"""Chinese messages: directory (units, people, campaigns, their change log and handovers)."""

ZH: dict[str, str] = {
    # what is named in a message
    "unit code": "单位代码",
    "unit name": "单位名称",
    "campaign code": "专项代码",
    "campaign name": "专项名称",
    "person name": "姓名",
    "login": "登录名",
    "a problem, task or item ref": "问题、任务或事项编号",
    "a unit": "单位",
    "a person": "人员",
    "a campaign": "专项",
    # what office staff do (in "X may not {action}: that is for office staff")
    "add units": "添加单位",
    "add people": "添加人员",
    "add campaigns": "添加专项",
    "change units": "修改单位",
    "retire units": "撤销单位",
    "change people": "修改人员信息",
    "move people": "调动人员",
    "retire people": "办理人员离岗",
    "change campaigns": "修改专项",
    # finding and checking (workflow/services/directory.py)
    "no unit {text!r} (give its code or its name)": "没有单位 {text!r}（请写单位代码或名称）",
    "unit {unit} is retired and takes no new items": "单位 {unit} 已撤销，不再接收新的事项",
    "no person {name!r}; add them with `rectify person add`": (
        "没有人员 {name!r}；请先用 `rectify person add` 登记"
    ),
    "{name} is in several units; write NAME@UNIT, e.g. {name}@CODE": (
        "多个单位都有 {name}，请写成 姓名@单位，例如 {name}@单位代码"
    ),
    "{name} is retired and takes no new items": "{name} 已离岗，不再接收新的事项",
    "no campaign {code!r}": "没有专项 {code!r}",
    "unit {unit} ({unit_name}) already uses {code!r} or {name!r} as its code or name": (
        "单位 {unit}（{unit_name}）的代码或名称已是 {code!r} 或 {name!r}"
    ),
    "unit {unit} ({unit_name}) already uses {name!r} as its code or name": (
        "单位 {unit}（{unit_name}）的代码或名称已是 {name!r}"
    ),
    "person name {name!r} may not contain @ (it separates name and unit)": (
        "姓名 {name!r} 不能含有 @（@ 用来分隔姓名和单位）"
    ),
    "role {role!r} must be office, leader or unit": (
        "角色 {role!r} 无效，应为 office（督查室）、leader（县领导）或 unit（单位人员）"
    ),
    "login {login!r} is already someone else's": "登录名 {login!r} 已被他人使用",
    "{name} is already a person of unit {unit}": "{name} 已是单位 {unit} 的人员",
    "campaign {code} already exists": "专项 {code} 已存在",
    "unit {unit} already has a head: {current}": "单位 {unit} 已有负责人：{current}",
    "no escalation policy {policy!r}; known: {known}": "没有预警规则 {policy!r}（现有：{known}）",
    "{what} {code!r} must be 1-32 letters, digits, '.', '_' or '-'": (
        "{what} {code!r} 须为 1 到 32 个英文字母、数字或 . _ -"
    ),
    "{email!r} is not an email address": "{email!r} 不是有效的电子邮箱地址",
    "{phone!r} is not a phone number": "{phone!r} 不是有效的电话号码",
    # changing (workflow/services/directory_edit.py)
    "nothing to change: give --name, --email, --phone or --group": (
        "没有要修改的内容：请给出 --name、--email、--phone 或 --group"
    ),
    "nothing to change: give --name, --email, --phone, --head/--no-head, --role or --login": (
        "没有要修改的内容：请给出 --name、--email、--phone、--head/--no-head、--role 或 --login"
    ),
    "nothing to change: give --name, --deadline, --leader or --policy": (
        "没有要修改的内容：请给出 --name、--deadline、--leader 或 --policy"
    ),
    "unit {unit} is retired; it cannot be changed": "单位 {unit} 已撤销，不能再修改",
    "{name} is retired; they cannot be changed": "{name} 已离岗，不能再修改",
    "unit {unit} still has items not closed ({refs}); they must be closed before the unit "
    "retires": "单位 {unit} 还有未销号的事项（{refs}），全部销号后才能撤销该单位",
    "{name} still has items not closed ({refs}); name the colleague of unit {unit} who takes "
    "them over with --handover NAME before {name} {action}": (
        "{name} 还有未销号的事项（{refs}）；请用 --handover 姓名 指定单位 {unit} 接手的同事，"
        "再办理{action}"
    ),
    "moves to another unit": "调动",
    "retires": "离岗",
    "{name} cannot hand over to themselves": "{name} 不能移交给本人",
    "{other} is not a person of unit {unit}; items stay with their unit, so a colleague of "
    "{unit} takes them over": (
        "{other} 不是单位 {unit} 的人员；事项仍归原单位，须由 {unit} 的同事接手"
    ),
    "{name} is the last office person in post; register another with `rectify person add NAME "
    "--unit UNIT --role office` first": (
        "{name} 是最后一位在岗的督查室人员；请先用 `rectify person add 姓名 --unit 单位 --role "
        "office` 登记另一位"
    ),
    "{name} leads campaign {campaign}, which has items not closed; give it another leader "
    "first (rectify campaign set {campaign} --leader NAME)": (
        "{name} 是专项 {campaign} 的牵头领导，该专项还有未销号的事项；请先更换牵头领导"
        "（rectify campaign set {campaign} --leader 姓名）"
    ),
    "campaign {campaign}'s bottom line cannot move to {day}: {refs} not closed are due later "
    "(the latest on {latest}); move their deadlines first": (
        "专项 {campaign} 的底线不能提前到 {day}：未销号的 {refs}整改时限更晚（最晚 {latest}），"
        "请先调整这些时限"
    ),
    "{refs} and {more} more ({total} in all)": "{refs} 等共 {total} 项",
    # history (workflow/services/changes.py)
    "kind {kind!r} must be one of {kinds}": "类别 {kind!r} 无效，应为 {kinds} 之一",
    "no ref, campaign, unit or person {text!r}": "没有编号、专项、单位或人员 {text!r}",
    "{text!r} names {kinds}; say which with --kind {choices}": (
        "{text!r} 可指{kinds}，请用 --kind {choices} 指明"
    ),
}
