"""Errors a person can act on. The CLI prints each as one line starting `Error:`."""


class RectifyError(Exception):
    """A refused request: bad input, a missing record, a transition that is not allowed."""


class NotFound(RectifyError):
    pass


class InvalidInput(RectifyError):
    pass


class TransitionRefused(RectifyError):
    pass


class ImportFailed(RectifyError):
    """A ledger with bad rows; `errors` lists every one, in row order."""

    def __init__(self, source: str, errors: list[str]) -> None:
        self.errors = errors
        noun = "error" if len(errors) == 1 else "errors"
        super().__init__(f"{source}: {len(errors)} {noun}, nothing imported: " + "; ".join(errors))
