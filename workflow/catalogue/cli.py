"""Chinese messages: cli."""

ZH: dict[str, str] = {
    # import
    "Updated {campaign} from {file}: {moved} deadlines moved, {tasks} tasks added, "
    "{unchanged} rows unchanged.": (
        "已按 {file} 更新 {campaign}：调整时限 {moved} 项，新增任务 {tasks} 项，"
        "{unchanged} 行未变。"
    ),
    "Deadline moved to {deadline}: {refs}.": "时限调整为 {deadline}：{refs}。",
    "Imported {problems} problems, {tasks} tasks and {items} responsibility items into "
    "{campaign} ({first}..{last}).": (
        "已导入 {campaign}：问题 {problems} 个、任务 {tasks} 项、责任事项 {items} 项"
        "（{first}..{last}）。"
    ),
    "Ignored columns: {columns}.": "未使用的列：{columns}。",
    # progress reports (整改进展) and standing items (长期坚持)
    "{ref}: progress recorded.": "{ref}：已记录整改进展。",
    "{ref}: the missed-report warning is lifted.": "{ref}：未按期报送进展的预警已解除。",
    "Next progress report due by {day}.": "下次整改进展请于 {day} 前报送。",
    "Standing items with a missed progress report: blue {blue}, yellow {yellow}.": (
        "未按期报送整改进展的长期坚持事项：蓝色预警 {blue} 项，黄色预警 {yellow} 项。"
    ),
    # directory: unit, person, campaign (add, set, move, retire)
    "Added unit {code} {name}.": "已添加单位 {code} {name}。",
    "Added {name} to {unit}.": "已将 {name} 登记到 {unit}。",
    "Added {name} to {unit} as head.": "已将 {name} 登记到 {unit}，任单位负责人。",
    "Added campaign {code} {name}, bottom line {deadline}.": (
        "已添加专项 {code} {name}，底线 {deadline}。"
    ),
    "unit {code}": "单位 {code}",
    "campaign {code}": "专项 {code}",
    "Changed {what}: {fields}.": "已修改 {what}：{fields}。",
    "Nothing changed for {what}: the values given are the ones it has.": (
        "{what} 未作修改：给出的值与现有的相同。"
    ),
    "Retired unit {unit}.": "已撤销单位 {unit}。",
    "Retired unit {unit}; {count} people in post retired with it.": (
        "已撤销单位 {unit}，其 {count} 名在岗人员一并离岗。"
    ),
    "Moved {name} to {unit}.": "已将 {name} 调到 {unit}。",
    "Retired {name}.": "已办理 {name} 离岗。",
    "Handed over {count} items to {other}: {refs}.": "已将 {count} 项事项移交给 {other}：{refs}。",
    "Handed over 1 item to {other}: {refs}.": "已将 1 项事项移交给 {other}：{refs}。",
}
