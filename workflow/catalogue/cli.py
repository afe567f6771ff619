"""Chinese messages: cli."""

ZH: dict[str, str] = {}
