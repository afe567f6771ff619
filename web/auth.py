"""Who reads: personal login links (`rectify web link`), the session they open, and the check
on every request that the link is still good.

Opening /login/<token> checks the token's hash, expiry and revocation, puts the link's id (and
a fresh CSRF token) in a signed session cookie, and redirects to / so the token leaves the
address bar and the history. Every other page needs that session, and every request checks
the link again: a revoked or expired link, or a retired person, ends the session at once.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, g, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response as BaseResponse

from web.context import base_app, word
from web.security import CSRF_SESSION_KEY, new_csrf_token
from workflow.services import web_links

bp = Blueprint("auth", __name__)
log = logging.getLogger("rectify.web")

SESSION_LINK = "link"
# Pages anyone may open: the link itself, the page that says a link is needed, the styles.
PUBLIC = frozenset({"auth.login", "auth.link_needed", "static"})
REFUSALS = {
    "expired": "This login link has expired.",
    "revoked": "This login link has been revoked.",
    "retired": "This login link's person is no longer in post.",
    "unknown": "This login link is not valid.",
}


@bp.before_app_request
def require_session() -> BaseResponse | None:
    """Every page but the public ones: the session's link, still good, names the reader."""
    if request.endpoint in PUBLIC:
        return None
    link_id = session.get(SESSION_LINK)
    app = base_app()
    actor = (
        web_links.session_actor(app.db, link_id, app.now()) if isinstance(link_id, int) else None
    )
    if actor is None:
        session.clear()
        return redirect(url_for("auth.link_needed"), 303)
    g.person = actor
    return None


@bp.get("/login/<token>")
def login(token: str) -> BaseResponse | tuple[str, int]:
    app = base_app()
    check = web_links.open_link(app.db, token, app.now())
    if check.status != "ok":
        # Never the token: the id of the link, when the token named one.
        log.info("web: login link refused (%s), link id %s", check.status, check.link_id)
        return render_template("refused.html", reason=word(REFUSALS[check.status])), 403
    session.clear()
    session[SESSION_LINK] = check.link_id
    session[CSRF_SESSION_KEY] = new_csrf_token()
    session.permanent = True
    return redirect(url_for("pages.home"), 303)


@bp.get("/link-needed")
def link_needed() -> str:
    return render_template("link_needed.html")


@bp.post("/logout")
def logout() -> Response | BaseResponse:
    """The form in every page's header (with its CSRF token, checked by web.security)."""
    session.clear()
    return redirect(url_for("auth.link_needed"), 303)
