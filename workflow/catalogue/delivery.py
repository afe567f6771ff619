"""Chinese messages: delivery that loses nothing and repeats nothing (`rectify deliver`)."""

ZH: dict[str, str] = {
    "Sent again {count} notices cut mid-flight (the process sending them died); they may have "
    "gone out twice: `rectify notices` marks them.": (
        "重新发送了 {count} 条发送途中中断的通知（发送进程意外终止），可能已重复送达；"
        "`rectify notices` 中有标注。"
    ),
    "nothing was sent: {retrying} notices retrying, {dead} dead": (
        "本次未发出任何通知：{retrying} 条待重试，{dead} 条已放弃"
    ),
}
