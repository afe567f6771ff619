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

    def __init__(self, source: str, errors: list[Msg] | list[str]) -> None:
        self.errors = errors
        template = (
            "{source}: 1 error, nothing imported: {errors}"
            if len(errors) == 1
            else "{source}: {count} errors, nothing imported: {errors}"
        )
        super().__init__(Msg(template, source=source, count=len(errors), errors=list(errors)))
