"""Chinese messages: leaders in charge of problems (责任领导) and daily digests
(workflow/services/leaders.py, digests.py, the importer's 责任领导 column, sweep output)."""

ZH: dict[str, str] = {
    "{name} ({unit}) is not a county leader; a leader in charge has the role leader "
    "(rectify person set {name} --role leader)": (
        "{name}（{unit}）不是县领导，责任领导须为领导角色"
        "（rectify person set {name} --role leader）"
    ),
    "{name} differs from {first} (row {row}): a problem has one leader in charge": (
        "{name}与{first}（第 {row} 行）不一致：一个问题只有一名责任领导"
    ),
    "Daily digests queued: {count}.": "已生成每日汇总 {count} 份。",
    "sweep: {count} daily digests queued": "巡查：已生成每日汇总 {count} 份",
}
