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
}
