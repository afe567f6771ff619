"""Error pages: the same layout and headers as every page, one line saying what went wrong.

A refusal from the library (RectifyError) is shown as the CLI would print it, in the reader's
language: a missing campaign or item is 404, anything else the request asked wrongly is 400.
"""

from __future__ import annotations

import logging

from flask import Flask, render_template
from werkzeug.exceptions import HTTPException, InternalServerError

from web.context import language, word
from workflow.errors import NotFound, RectifyError

log = logging.getLogger("rectify.web")

MESSAGES = {
    400: "The request was not understood.",
    403: "This page is not for you.",
    404: "There is no such page, or it is not yours to see.",
    405: "This page cannot be used that way.",
    413: "The files sent are larger than the server takes in one report; nothing was saved.",
    500: "Something went wrong on the server; the office has the details in its log.",
}
CSRF_MESSAGE = "The form was out of date or came from another page; open the page again."


def install(app: Flask) -> None:
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(RectifyError, refused)
    app.register_error_handler(Exception, unexpected)


def http_error(error: HTTPException) -> tuple[str, int]:
    code = error.code or 500
    if code == 400 and error.description == "csrf":
        message = word(CSRF_MESSAGE)
    else:
        message = word(MESSAGES.get(code, MESSAGES[400 if code < 500 else 500]))
    return render_template("error.html", code=code, message=message), code


def refused(error: RectifyError) -> tuple[str, int]:
    code = 404 if isinstance(error, NotFound) else 400
    return render_template("error.html", code=code, message=error.to(language())), code


def unexpected(error: Exception) -> tuple[str, int]:
    if isinstance(error, HTTPException):  # pragma: no cover - routed to http_error
        return http_error(error)
    log.exception("web: unexpected error", exc_info=error)
    return http_error(InternalServerError())
