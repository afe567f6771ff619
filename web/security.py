"""Headers on every response, and the CSRF check on every form.

The pages run no script and load nothing from elsewhere: the policy allows styles and images
from the app itself only, no inline style (the markup uses classes, the stylesheet is a file),
no frames, no plugins, and forms that post only back here. A page is never cached and never
tells another site where the reader came from.

CSRF: the session holds a random token (made at login, web.auth); every form carries it in a
hidden field `csrf_token` (the template global `csrf_token()`), and every POST, PUT, PATCH or
DELETE without it, or with another, is refused with 400 before any view runs. The session
cookie is SameSite=Lax as well, so a cross-site POST does not even carry it.
"""

from __future__ import annotations

import hmac
import secrets

from flask import Flask, Response, abort, request, session

CSP = "; ".join([
    "default-src 'self'",
    "script-src 'none'",
    "style-src 'self'",
    "img-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])  # fmt: skip
HEADERS = {
    "Content-Security-Policy": CSP,
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "private, no-store",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}
CSRF_FIELD = "csrf_token"
CSRF_SESSION_KEY = "csrf"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def install(app: Flask) -> None:
    app.before_request(check_csrf)
    app.after_request(add_headers)
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.jinja_env.globals["CSRF_FIELD"] = CSRF_FIELD


def add_headers(response: Response) -> Response:
    """Every response, errors and files included. A view may set its own, narrower
    Content-Security-Policy (an evidence file, the report page with its own stylesheet)."""
    for name, value in HEADERS.items():
        if name == "Content-Security-Policy" and name in response.headers:
            continue
        response.headers[name] = value
    response.headers.pop("Pragma", None)
    return response


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def csrf_token() -> str:
    """The session's token, for a form's hidden field."""
    token = session.get(CSRF_SESSION_KEY)
    if not token:
        token = session[CSRF_SESSION_KEY] = new_csrf_token()
    return str(token)


def check_csrf() -> None:
    """Refuse (400) a request that changes something without the session's token."""
    if request.method in SAFE_METHODS:
        return
    expected = session.get(CSRF_SESSION_KEY)
    given = request.form.get(CSRF_FIELD)
    if not expected or not given or not hmac.compare_digest(str(expected), str(given)):
        abort(400, description="csrf")
