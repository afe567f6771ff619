"""The audit trail's hash chain (rectify audit verify)."""

ZH = {
    "Audit trail verified: {rows} rows, the hash chain is unbroken.": (
        "审计记录校验通过：共 {rows} 条，哈希链完整。"
    ),
    "audit trail broken at row {id} ({ref} {trigger}, {at}): {reason}; {good} rows before "
    "it verified": (
        "审计记录在第 {id} 条（{ref} {trigger}，{at}）处断开：{reason}；此前 {good} 条校验通过"
    ),
    "its content does not match its hash (the row was changed)": (
        "该条内容与其哈希值不符（记录被改动）"
    ),
    "it does not follow the row before it (a row before it was changed, added or removed)": (
        "该条与前一条衔接不上（之前的记录被改动、插入或删除）"
    ),
    "The audit trail was not checked this time (--no-verify); `rectify audit verify` "
    "checks it.": "本次未校验审计记录（--no-verify）；可用 `rectify audit verify` 校验。",
    "its hash is not the one kept as an anchor (the trail was rewritten)": (
        "其哈希值与留存的锚点不符（记录被整体改写）"
    ),
    "--anchor {text!r}: expected ROW:HASH as `rectify audit verify` prints it, "
    "e.g. 1234:9f86d081…(64 hex digits)": (
        "--anchor {text!r}：应为 `rectify audit verify` 输出的 行号:哈希值，"
        "如 1234:9f86d081…（64 位十六进制）"
    ),
    "audit trail broken: anchored row {id} is gone (rows were removed from the end); "
    "{good} rows verified": (
        "审计记录已断开：锚点所在的第 {id} 条已不存在（末尾记录被删除）；已校验 {good} 条"
    ),
    "Anchor to keep: {anchor}": "请另行留存此锚点：{anchor}",
}
