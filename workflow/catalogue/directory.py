"""Chinese messages: directory."""

ZH: dict[str, str] = {}
