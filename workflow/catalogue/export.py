"""Chinese messages: exporting a campaign's 责任清单 (workflow/services/export.py)."""

ZH: dict[str, str] = {
    "{file}: cannot export to {suffix}; name the file .xlsx or .csv": (
        "{file}：不能导出为 {suffix} 文件，请将文件名改为 .xlsx 或 .csv 结尾"
    ),
    "{file} already exists; use --force to overwrite it": ("{file} 已存在；如要覆盖，请加 --force"),
    "{file}: cannot be written ({reason})": "{file}：无法写入（{reason}）",
}
