"""Chinese messages: notices."""

ZH: dict[str, str] = {}
