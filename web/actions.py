"""The forms of the item page (issue 9, point 4): a unit reports its item fixed (报结) with
photos or PDF files and asks for more time (延期); office staff and leaders accept (销号), send
back (退回) and decide extensions.

Every form carries the session's CSRF token: web.security refuses a POST without it (400)
before any view runs. Each view calls the service its CLI command calls (`rectify fix`,
`extend`, `accept`, `reject`, `extension approve|refuse`) with the application acting as the
person logged in (web.context.person_app), so the same guards refuse the same things and the
audit trail names that person. A refusal is the library's one line, shown on the item page
above its forms (400), with nothing changed; success goes back to the item page (303), which
says what moved. A unit's people act on their own unit's items only: another unit's item is
404 and logged, as on the pages, before anything is read from the form.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, request, url_for
from werkzeug.wrappers import Response

from web.context import (
    base_app,
    language,
    person,
    person_app,
    say,
    sees_everything,
    upload_limits,
)
from web.pages import item_page, not_theirs
from web.uploads import evidence_files
from workflow.errors import InvalidInput, RectifyError
from workflow.i18n import Msg
from workflow.services import extensions, lifecycle, unit_view
from workflow.terms import Day, Term

bp = Blueprint("actions", __name__)

EVIDENCE_FIELD = "evidence"
DONE = "done"  # the flash category of a success line


@bp.post("/items/<ref>/fix")
def fix(ref: str) -> Response | tuple[str, int]:
    _require_own(ref)
    try:
        # Every file is checked before the service runs: a refused file stores nothing.
        files = evidence_files(request.files.getlist(EVIDENCE_FIELD), upload_limits())
        outcome = lifecycle.fire(person_app(), ref, "fix", note=_text("note"), evidence_files=files)
    except RectifyError as refusal:
        return _refused(ref, refusal)
    return _done(outcome.ref, *_moves(outcome))


@bp.post("/items/<ref>/accept")
def accept(ref: str) -> Response | tuple[str, int]:
    return _fire(ref, "accept")


@bp.post("/items/<ref>/reject")
def reject(ref: str) -> Response | tuple[str, int]:
    return _fire(ref, "reject")


@bp.post("/items/<ref>/extend")
def extend(ref: str) -> Response | tuple[str, int]:
    _require_own(ref)
    try:
        to = _date("to")
        number = extensions.request(person_app(), ref, to=to, reason=_text("reason") or "")
    except RectifyError as refusal:
        return _refused(ref, refusal)
    done_ref = ref.strip().upper()
    return _done(
        done_ref,
        say(
            "{ref}: extension to {to} requested (#{number}).",
            ref=done_ref,
            to=Day(to),
            number=number,
        ),
    )


@bp.post("/items/<ref>/extension/approve")
def extension_approve(ref: str) -> Response | tuple[str, int]:
    _require_own(ref)
    try:
        result = extensions.decide(person_app(), ref, approve=True, note=_text("note"))
    except RectifyError as refusal:
        return _refused(ref, refusal)
    return _done(
        result["ref"],
        say(
            "{ref}: extension approved, deadline {deadline} (originally {original}), level "
            "{level}.",
            ref=result["ref"],
            deadline=Day(date.fromisoformat(result["deadline"])),
            original=Day(date.fromisoformat(result["original_deadline"])),
            level=Term("level", result["level"]),
        ),
    )


@bp.post("/items/<ref>/extension/refuse")
def extension_refuse(ref: str) -> Response | tuple[str, int]:
    _require_own(ref)
    try:
        result = extensions.decide(person_app(), ref, approve=False, note=_text("note"))
    except RectifyError as refusal:
        return _refused(ref, refusal)
    return _done(
        result["ref"],
        say(
            "{ref}: extension refused, deadline stays {deadline}.",
            ref=result["ref"],
            deadline=Day(date.fromisoformat(result["deadline"])),
        ),
    )


def _fire(ref: str, trigger: str) -> Response | tuple[str, int]:
    """accept and reject: the trigger with the form's note, as `rectify accept|reject`."""
    _require_own(ref)
    try:
        outcome = lifecycle.fire(person_app(), ref, trigger, note=_text("note"))
    except RectifyError as refusal:
        return _refused(ref, refusal)
    return _done(outcome.ref, *_moves(outcome))


def _require_own(ref: str) -> None:
    """A unit's people may act on their own unit's items only; anything else is 404."""
    if sees_everything():
        return
    with base_app().db.read() as conn:
        if unit_view.item_unit(conn, ref) != person().unit_id:
            not_theirs(ref)


def _text(field: str) -> str | None:
    return request.form.get(field)


def _date(field: str) -> date:
    text = (request.form.get(field) or "").strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            Msg("the new deadline {text!r} is not a date such as 2020-10-31", text=text)
        ) from None


def _moves(outcome: lifecycle.Outcome) -> list[str]:
    """`R17: assigned -> fixed` and the task and problem that followed, as `rectify fix` says."""
    moves = [(outcome.ref, outcome.from_state, outcome.to_state), *outcome.rolled_up]
    return [
        say("{ref}: {before} -> {after}", ref=moved, before=Msg(before), after=Msg(after))
        for moved, before, after in moves
    ]


def _done(ref: str, *lines: str) -> Response:
    for line in lines:
        flash(line, DONE)
    return redirect(url_for("pages.item", ref=ref), 303)


def _refused(ref: str, refusal: RectifyError) -> tuple[str, int]:
    """The item page again with the refusal on top (a missing item is 404 there)."""
    return item_page(ref, refusal=refusal.to(language()), values=request.form, status=400)
