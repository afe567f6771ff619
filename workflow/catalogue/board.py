"""Chinese messages: the battle map, `rectify board` (workflow/services/board.py)."""

ZH: dict[str, str] = {
    "by {by!r} must be one of {choices}": "分组方式 {by!r} 无效，应为 {choices} 之一",
    "No responsibility items.": "没有责任事项。",
    "{campaign} {name}: bottom line {day}, {left}": "{campaign} {name}：底线 {day}，{left}",
    "the bottom line is today": "今天就是底线",
    "1 day left": "剩余 1 天",
    "{days} days left": "剩余 {days} 天",
    "{days} working days left": "剩余 {days} 个工作日",
    "1 working day left": "剩余 1 个工作日",
    "1 day past it": "已过底线 1 天",
    "1 working day past it": "已过底线 1 个工作日",
    "{days} days past it": "已过底线 {days} 天",
    "{days} working days past it": "已过底线 {days} 个工作日",
}
