"""Chinese messages: identity."""

ZH: dict[str, str] = {}
