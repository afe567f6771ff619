"""Errors a person can act on. The CLI prints each as one line starting `Error:`, in the
user's language (see workflow.i18n): raise them as `NotFound("no unit {text!r}", text=text)`.
"""

from __future__ import annotations

from typing import Any

from workflow.i18n import Msg


class RectifyError(Exception):
    """A refused request: bad input, a missing record, a transition that is not allowed."""

    def __init__(self, message: str | Msg, /, **params: Any) -> None:
        self.message = message if isinstance(message, Msg) else Msg(message, **params)
        super().__init__(str(self.message))

    def to(self, lang: str) -> str:
        """The message in `lang` (zh or en)."""
        return self.message.to(lang)


class NotFound(RectifyError):
    pass


class InvalidInput(RectifyError):
    pass


class TransitionRefused(RectifyError):
    pass


class ImportFailed(RectifyError):
    """A ledger with bad rows; `errors` lists every one, in row order."""

    def __init__(
        self, source: str, errors: list[Msg] | list[str], total: int | None = None
    ) -> None:
        # `total`: the count when `errors` lists only some (workflow.ledger.messages.capped)
        self.errors = errors
        count = len(errors) if total is None else total
        template = (
            "{source}: 1 error, nothing imported: {errors}"
            if count == 1
            else "{source}: {count} errors, nothing imported: {errors}"
        )
        shown = f"{count:,}" if count >= 10_000 else count
        super().__init__(Msg(template, source=source, count=shown, errors=list(errors)))
