"""Chinese messages: streaming import (workflow/services/importer.py, workflow/progress.py)."""

ZH: dict[str, str] = {
    "Importing {file}": "正在导入 {file}",
}
