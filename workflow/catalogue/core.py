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
}
