"""The web front (issue 9): the battle map, overdue list, figures and items, behind personal
login links, for phones first. Another thin front over the same services as the CLI.

`create_app(app)` takes the application the CLI builds (workflow.app.App: settings, database,
definitions) and returns the Flask app; `rectify serve` runs it under waitress (web.serve).

Modules by concern:
    security   headers on every response; the CSRF token of every form
    auth       /login/<token>, the session, /link-needed, /logout; who reads each request
    pages      /, /overdue, /stats, /items/<ref> (with the forms its reader may use)
    actions    the forms' POSTs: fix with evidence, extension asked, accept, send back,
               extension approved or refused; the CLI's services, as the person logged in
    uploads    evidence files checked by content (photo or PDF) and their limits
    downloads  /evidence/<sha>, /campaigns/<code>/report.html and export.xlsx
    battle     the battle map's figures, from the board and grid services
    grid_rows  the grid's rows as HTML, built in Python: thousands of cells on a big campaign
    charts     server-side SVG bars with their numbers on them
    errors     error pages (400, 403, 404, 405, 413, 500) and library refusals as pages
    context    the person reading, their language, the App acting as them
    templating what every template may use: words, dates, levels, the person
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask

    from web.uploads import UploadLimits
    from workflow.app import App

# A session lasts as long as this at most; its link's own expiry and revocation end it sooner.
SESSION_DAYS = 30


@dataclass(frozen=True)
class WebState:
    """What the views need from the server: its application, the address people open and
    how much evidence one fix may carry."""

    app: App
    base_url: str
    upload_limits: UploadLimits


def create_app(app_context: App, *, base_url: str | None = None) -> Flask:
    """The Flask app over `app_context`; the database must be at this version's schema."""
    from flask import Flask

    from web import actions, auth, downloads, errors, pages, security, templating
    from web.uploads import upload_limits
    from workflow.services import web_links

    settings = app_context.settings
    app_context.db.require_current_schema()
    app_context.validate_definitions()  # loaded once here, not by the first requests at once
    base = web_links.base_url(settings.values, base_url)
    limits = upload_limits(settings.values)
    flask_app = Flask(__name__)
    flask_app.config.update(
        SECRET_KEY=web_links.secret_key(app_context.db, settings.values),
        SESSION_COOKIE_NAME="rectify_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=web_links.is_https(base),
        PERMANENT_SESSION_LIFETIME=timedelta(days=SESSION_DAYS),
        # No request larger than one fix's evidence at its largest, and its form (the
        # settings `web: max_upload_files` and `web: max_upload_mb`, web.uploads).
        MAX_CONTENT_LENGTH=limits.request_bytes,
        TEMPLATES_AUTO_RELOAD=False,
    )
    # Every template, whatever its suffix: titles and names are typed by people.
    flask_app.jinja_env.autoescape = True
    flask_app.extensions["rectify"] = WebState(app_context, base, limits)
    security.install(flask_app)  # first: the CSRF check runs before anything else
    flask_app.register_blueprint(auth.bp)
    flask_app.register_blueprint(pages.bp)
    flask_app.register_blueprint(downloads.bp)
    flask_app.register_blueprint(actions.bp)
    errors.install(flask_app)
    templating.install(flask_app)
    return flask_app
