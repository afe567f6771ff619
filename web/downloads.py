"""Files: evidence (for whoever may read its item), and for office staff and leaders a
campaign's HTML report (workflow.report, as `rectify report` writes it) and its 责任清单 as
XLSX (workflow.services.export, as `rectify export` writes it).

Evidence comes from people: it is never run as a page. Photos are shown in place and every
other file is a download, each under a policy that allows nothing but the image (sandbox, no
script, no style). The report page carries its own stylesheet in a <style> element: its policy
allows exactly that element, by hash, and nothing else.
"""

from __future__ import annotations

import base64
import hashlib
import mimetypes
import re
import tempfile
from io import BytesIO
from pathlib import Path
from urllib.parse import quote

from flask import Blueprint, Response, abort, send_file

from web.context import person, person_app, sees_everything
from web.pages import not_theirs
from workflow import report as report_service
from workflow.services import export as export_service
from workflow.services import unit_view

bp = Blueprint("downloads", __name__)

_SHA256 = re.compile(r"^[0-9a-fA-F]{64}$")
# Shown in the browser; anything else (PDF included) is saved, never opened as a page.
INLINE_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp")
EVIDENCE_CSP = "default-src 'none'; img-src 'self'; sandbox"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_STYLE = re.compile(r"<style>(.*?)</style>", re.DOTALL)


@bp.get("/evidence/<sha>")
def evidence(sha: str) -> Response:
    if not _SHA256.match(sha):
        abort(404)
    app = person_app()
    unit_id = None if sees_everything() else person().unit_id
    with app.db.read() as conn:
        found = unit_view.evidence_file(conn, sha, unit_id=unit_id)
    if found is None:
        if unit_id is not None:
            not_theirs(f"evidence {sha.lower()}")
        abort(404)
    kind = mimetypes.guess_type(found.filename)[0] or "application/octet-stream"
    inline = kind in INLINE_TYPES
    response = send_file(
        BytesIO(found.content),
        mimetype=kind if inline else "application/octet-stream",
        as_attachment=not inline,
        download_name=found.filename,
        etag=False,
        conditional=False,
    )
    response.headers["Content-Security-Policy"] = EVIDENCE_CSP
    return response


@bp.get("/campaigns/<code>/report.html")
def report(code: str) -> Response:
    if not sees_everything():
        abort(404)
    with tempfile.TemporaryDirectory(prefix="rectify-web-") as folder:
        path = Path(folder) / "report.html"
        report_service.write_report(person_app(), path, code)
        page = path.read_text(encoding="utf-8")
    response = Response(page, mimetype="text/html")
    response.headers["Content-Security-Policy"] = _report_policy(page)
    response.headers["Content-Disposition"] = _disposition("inline", f"{code}-report.html")
    return response


@bp.get("/campaigns/<code>/export.xlsx")
def export(code: str) -> Response:
    if not sees_everything():
        abort(404)
    with tempfile.TemporaryDirectory(prefix="rectify-web-") as folder:
        path = Path(folder) / "export.xlsx"
        export_service.export_ledger(person_app(), path, code)
        content = path.read_bytes()
    return send_file(
        BytesIO(content), mimetype=XLSX, as_attachment=True, download_name=f"{code}.xlsx",
        etag=False, conditional=False,
    )  # fmt: skip


def _report_policy(page: str) -> str:
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(css.encode()).digest()).decode() + "'"
        for css in _STYLE.findall(page)
    )
    styles = hashes or "'none'"
    return (
        f"default-src 'none'; style-src {styles}; img-src 'self' data:; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )


def _disposition(kind: str, filename: str) -> str:
    return f"{kind}; filename*=UTF-8''{quote(filename)}"
