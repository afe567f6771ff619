"""Chinese messages: the progress bars of `sweep` and `deliver` (workflow/progress.py)."""

ZH: dict[str, str] = {
    "Sweeping": "正在扫描预警",
    "Delivering notices": "正在发送通知",
}
