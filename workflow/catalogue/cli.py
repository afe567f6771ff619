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
    "Exported {problems} problems in {rows} rows ({items} responsibility items) of "
    "{campaign} to {file}.": (
        "已将 {campaign} 的问题 {problems} 个（{rows} 行，责任事项 {items} 项）导出到 {file}。"
    ),
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
    # init, fix/accept/reject/reopen, show, sweep, extend and extension (cli.py)
    "Initialised {name} (schema {after}).": "已初始化 {name}（数据库结构版本 {after}）。",
    "{name} is up to date (schema {after}).": "{name} 已是最新（数据库结构版本 {after}）。",
    "Upgraded {name} from schema {before} to {after}.": (
        "已将 {name} 的数据库结构从版本 {before} 升级到 {after}。"
    ),
    "Working-day calendar: {count} statutory holidays and make-up working days seeded from "
    "chinese-calendar.": (
        "工作日日历：已从 chinese-calendar 载入 {count} 个法定节假日和调休上班日。"
    ),
    "{ref}: {before} -> {after}": "{ref}：{before} → {after}",
    "evidence: {filename}  sha256 {sha256}  {size} bytes": (
        "证明材料：{filename}  sha256 {sha256}  {size} 字节"
    ),
    "{level} {count}": "{level} {count} 项",
    "Sweep at {when}: raised {raised}; 1 notice queued.": (
        "{when} 预警巡查：新升级 {raised}；1 条通知待发送。"
    ),
    "Sweep at {when}: raised {raised}; {count} notices queued.": (
        "{when} 预警巡查：新升级 {raised}；{count} 条通知待发送。"
    ),
    "No published holiday schedule for {year}: Monday-Friday assumed.": (
        "{year} 年没有公布的节假日安排：按周一至周五为工作日计算。"
    ),
    "{ref}: extension to {to} requested (#{number}).": (
        "{ref}：已申请延期至 {to}（申请号 {number}）。"
    ),
    "{ref}: extension approved, deadline {deadline} (originally {original}), level {level}.": (
        "{ref}：延期已批准，整改时限改为 {deadline}（原为 {original}），预警：{level}。"
    ),
    "{ref}: extension refused, deadline stays {deadline}.": (
        "{ref}：延期未获批准，整改时限仍为 {deadline}。"
    ),
    # calendar list, check, set, unset, import, seed (cli.py)
    "{year}: {holidays} holidays and {workdays} make-up working days listed.": (
        "{year} 年：已列出放假 {holidays} 天、调休上班 {workdays} 天。"
    ),
    "{year}: no published schedule; Monday-Friday assumed.": (
        "{year} 年：没有公布的节假日安排，按周一至周五为工作日计算。"
    ),
    "{day} ({weekday})": "{day}（{weekday}）",
    "{day} is a working day: {why}.": "{day}是工作日：{why}。",
    "{day} is not a working day: {why}.": "{day}不是工作日：{why}。",
    "holiday {name}, {source}": "放假（{name}），{source}",
    "holiday, {source}": "放假，{source}",
    "make-up working day 调休 for {name}, {source}": "{name}调休上班，{source}",
    "make-up working day 调休 for a holiday, {source}": "节假日调休上班，{source}",
    "listed as a working day {name}, {source}": "列为工作日（{name}），{source}",
    "listed as a working day, {source}": "列为工作日，{source}",
    "weekend": "周末",
    "Monday to Friday": "周一至周五",
    "no published schedule for {year}: Monday-Friday assumed": (
        "{year} 年没有公布的节假日安排，按周一至周五计算"
    ),
    "{why}; {assumed}": "{why}；{assumed}",
    "from chinese-calendar": "来自 chinese-calendar",
    "set by hand": "手工设置",
    "from an imported file": "来自导入的文件",
    "{day} is now a working day ({name}).": "{day}现为工作日（{name}）。",
    "{day} is now a working day.": "{day}现为工作日。",
    "{day} is now a holiday ({name}).": "{day}现为放假日（{name}）。",
    "{day} is now a holiday.": "{day}现为放假日。",
    "{day} follows Monday-Friday again: a working day.": "{day}恢复按周一至周五计算：是工作日。",
    "{day} follows Monday-Friday again: not a working day.": (
        "{day}恢复按周一至周五计算：不是工作日。"
    ),
    "Imported {count} days from {file}.": "已从 {file} 导入 {count} 天。",
    "Added {count} days from chinese-calendar for {years}.": (
        "已从 chinese-calendar 添加 {years} 年的 {count} 天。"
    ),
    # scheduler run (workflow/scheduler.py), one line per event on stderr
    "sweep failed: {error}": "巡查失败：{error}",
    "sweep: this slot was already swept (by this or another scheduler)": (
        "巡查：本时段已巡查过（由本调度器或其他调度器）"
    ),
    "sweep {at}: raised {raised}; {count} notices queued": (
        "巡查 {at}：新升级 {raised}；{count} 条通知待发送"
    ),
    "sweep: no published schedule for {year}, Monday-Friday assumed": (
        "巡查：{year} 年没有公布的节假日安排，按周一至周五计算"
    ),
    "deliver failed: {error}": "发送失败：{error}",
    "deliver: sent {sent}, retrying {retrying}, dead {dead}, held {held}": (
        "发送：已发送 {sent} 条，待重试 {retrying} 条，已放弃 {dead} 条，夜间暂缓 {held} 条"
    ),
    "scheduler {worker}: sweep {schedule}, deliver every {seconds} s": (
        "调度器 {worker}：巡查 {schedule}，每 {seconds} 秒发送一次"
    ),
    "every 30 minutes from 07:00 to 22:00": "07:00 至 22:00 每 30 分钟一次",
    "every {seconds} s": "每 {seconds} 秒一次",
    "scheduler stopped": "调度器已停止",
    "argument {arg!r} is not UTF-8 text; set the terminal to UTF-8": (
        "参数 {arg!r} 不是 UTF-8 文本；请把终端设为 UTF-8 编码"
    ),
}
