"""A draft's files and history from the editor: add a file (form, decision table, diagram), rename or delete
one, list the saves (who, when) and restore an earlier one. Each is a save on the revision the page showed,
so a change made meanwhile by another owner is refused (409) with a message, never overwritten.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine.errors import Conflict, InvalidState, NotFound, ValidationFailed
from engine.studio import drafts, starters
from engine.studio import history as saves
from web.db import session
from web.owner.blueprint import bp
from web.owner.routes import OWNERS, clock, draft_or_404
from web.pages import me, page

DRAFT = "/drafts/<int(max=9223372036854775807):draft_id>"


def _reason(error: ValidationFailed) -> str:
    """The engine's refusal in the page's language, field by field."""
    known = {
        "is taken": _("a file of this name exists already"),
        "no such file": _("the draft has no such file"),
        "must end in .bpmn, .dmn or .json": _("must end in .bpmn, .dmn or .json"),
        "would leave no diagram": _("a draft needs at least one .bpmn file"),
        "must be form, dmn or bpmn": _("choose a form, a decision table or a diagram"),
    }
    parts = []
    for field, message in error.errors.items():
        if message.startswith("must be a bare file name"):
            message = _("must be a plain file name (no folders), at most 120 characters")
        parts.append(f"{field}: {known.get(message, message)}")
    return "; ".join(parts) or error.message


def _apply(draft_id: int, done: str, **change) -> bool:
    """Save ``change`` on the revision the form carried; flash what happened. True when saved."""
    revision = request.form.get("revision", type=int) or 0
    try:
        drafts.save(session(), clock(), draft_id, revision=revision, actor=me().username, **change)
    except Conflict:
        flash(_("Someone else saved this draft first. Reload the page to see their change."), "error")
    except InvalidState:
        flash(_("This draft was deployed; start a new draft from the deployed version."), "error")
    except ValidationFailed as refused:
        flash(_("Not done: %(reason)s", reason=_reason(refused)), "error")
    else:
        flash(done, "info")
        return True
    return False


def _editor(draft_id: int, name: str | None = None):
    return redirect(
        url_for("owner.editor", draft_id=draft_id, file=name)
        if name
        else url_for("owner.editor", draft_id=draft_id)
    )


@bp.post(DRAFT + "/files")
@page(*OWNERS)
def add_file(draft_id: int):
    draft_or_404(draft_id)
    try:
        name = starters.file_name(request.form.get("name", ""), request.form.get("kind", ""))
    except ValidationFailed as refused:
        flash(_("Not done: %(reason)s", reason=_reason(refused)), "error")
        return _editor(draft_id)
    exists = name in {f.name for f in draft_or_404(draft_id).files}
    if exists:
        flash(_("Not done: %(reason)s", reason=f"{name}: {_('a file of this name exists already')}"), "error")
        return _editor(draft_id)
    if _apply(draft_id, _("Added %(name)s.", name=name), files={name: starters.starter(name)}):
        return _editor(draft_id, name)
    return _editor(draft_id)


@bp.post(DRAFT + "/files/rename")
@page(*OWNERS)
def rename_file(draft_id: int):
    draft_or_404(draft_id)
    old, new = request.form.get("name", ""), request.form.get("new_name", "").strip()
    if old == new:
        return _editor(draft_id, old)
    done = _("Renamed %(old)s to %(new)s.", old=old, new=new)
    if old.lower().endswith(".json"):
        done = _("Renamed %(old)s to %(new)s; the tasks that used this form use it still.", old=old, new=new)
    if _apply(draft_id, done, files={}, renamed={old: new}):
        return _editor(draft_id, new)
    return _editor(draft_id, old)


@bp.post(DRAFT + "/files/delete")
@page(*OWNERS)
def delete_file(draft_id: int):
    draft_or_404(draft_id)
    name = request.form.get("name", "")
    if _apply(draft_id, _("Deleted %(name)s.", name=name), files={}, deleted=[name]):
        return _editor(draft_id)
    return _editor(draft_id, name)


@bp.get(DRAFT + "/history")
@page(*OWNERS)
def history(draft_id: int):
    draft = draft_or_404(draft_id)
    kept = drafts.revisions(session(), draft_id)
    return render_template("owner/history.html", draft=draft, revisions=kept, changes=saves.changes(kept))


@bp.post(DRAFT + "/history/<int(max=2147483647):number>/restore")
@page(*OWNERS)
def restore(draft_id: int, number: int):
    draft_or_404(draft_id)
    revision = request.form.get("revision", type=int) or 0
    try:
        drafts.restore(session(), clock(), draft_id, revision=revision, restore=number, actor=me().username)
    except Conflict:
        flash(_("Someone else saved this draft first. Reload the page to see their change."), "error")
    except InvalidState:
        flash(_("This draft was deployed; start a new draft from the deployed version."), "error")
    except NotFound:
        flash(_("This draft has no revision %(number)s.", number=number), "error")
    except ValidationFailed as refused:
        flash(_("Not done: %(reason)s", reason=_reason(refused)), "error")
    else:
        flash(_("Revision %(number)s restored as a new save.", number=number), "info")
    return redirect(url_for("owner.history", draft_id=draft_id))
