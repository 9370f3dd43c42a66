"""The knowledge base in the studio: a process owner reads the deployed entries and their versions, and edits,
adds or removes an entry — each save deploys a new version, with a reason, as an audit event.

A save names the version it was made on; if someone deployed another version meanwhile, the save is refused
(409) and the form comes back as typed, so nothing is lost and nobody's change is overwritten.
"""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine.cases.adapters import DeployedKnowledgeBase
from engine.errors import Conflict, NotFound, ValidationFailed
from engine.knowledge import base as knowledge
from engine.models import KnowledgeVersion
from web.db import session
from web.owner.blueprint import bp
from web.owner.routes import OWNERS
from web.pages import me, page

FIELDS = ("id", "language", "keywords", "question", "answer")


@bp.get("/knowledge")
@page(*OWNERS)
def knowledge_home():
    """The deployed entries and the versions before them."""
    db = session()
    current = knowledge.latest(db)
    return render_template(
        "owner/knowledge.html", current=current, versions=knowledge.versions(db), entries=_entries(current)
    )


@bp.get("/knowledge/edit")
@page(*OWNERS)
def knowledge_edit():
    """An entry's form: ``?entry=ID`` edits that entry, no entry starts a new one."""
    current = knowledge.latest(session())
    wanted = request.args.get("entry", "")
    if wanted:
        found = next((e for e in _entries(current) if e["id"] == wanted), None)
        if found is None:
            raise NotFound(_("The deployed knowledge base has no entry %(id)s.", id=wanted[:80]))
        values = {**found, "keywords": "\n".join(found["keywords"])}
    else:
        values = {"id": "", "language": "zh", "keywords": "", "question": "", "answer": ""}
    return _form(current, wanted, values, {})


@bp.post("/knowledge/edit")
@page(*OWNERS)
def knowledge_save():
    """Deploy the knowledge base with this entry changed (or added), for the reason given."""
    original = request.form.get("original", "")
    values = {name: request.form.get(name, "").strip() for name in FIELDS}
    reason = request.form.get("reason", "").strip()
    current = knowledge.latest(session())
    stale = _stale(current)
    if stale:
        return _form(current, original, values, {}, reason=reason, problem=stale, status=409)
    entries = _entries(current)
    entry = {**values, "keywords": knowledge.keyword_list(values["keywords"])}
    position = next((n for n, e in enumerate(entries) if e["id"] == original), None) if original else None
    if original and position is None:
        problem = _("The entry %(id)s was removed meanwhile; add it again as a new entry.", id=original[:80])
        return _form(current, "", values, {}, reason=reason, problem=problem, status=409)
    if position is None:
        entries.append(entry)
        position = len(entries) - 1
    else:
        entries[position] = entry
    return _deploy(
        entries,
        reason,
        on_error=lambda errors, status: _form(
            current, original, values, _field_errors(errors, position), reason=reason, status=status
        ),
        done=_("The knowledge base was deployed with %(id)s.", id=entry["id"]),
    )


@bp.post("/knowledge/remove")
@page(*OWNERS)
def knowledge_remove():
    """Deploy the knowledge base without this entry, for the reason given."""
    original = request.form.get("original", "")
    reason = request.form.get("reason", "").strip()
    current = knowledge.latest(session())
    entries = _entries(current)
    kept = [e for e in entries if e["id"] != original]
    if len(kept) == len(entries):
        raise NotFound(_("The deployed knowledge base has no entry %(id)s.", id=original[:80]))
    values = next(({**e, "keywords": "\n".join(e["keywords"])} for e in entries if e["id"] == original), {})
    stale = _stale(current)
    if stale:
        return _form(current, original, values, {}, reason=reason, problem=stale, status=409)
    return _deploy(
        kept,
        reason,
        on_error=lambda errors, status: _form(
            current, original, values, _field_errors(errors, -1), reason=reason, status=status
        ),
        done=_("The knowledge base was deployed without %(id)s.", id=original),
    )


# ------------------------------------------------------------------ helpers


def _entries(version: KnowledgeVersion | None) -> list[dict]:
    """The entries an edit starts from: the deployed version's, or before any, those the advisory path reads
    meanwhile (the ``KNOWLEDGE_BASE`` file), so that a first edit keeps them."""
    if version is not None:
        return [dict(e) for e in version.entries]
    return knowledge.entries_of(DeployedKnowledgeBase(session(), current_app.config).current())


def _stale(current: KnowledgeVersion | None) -> str | None:
    """Why the form is out of date: another version was deployed after the form was opened."""
    made_on = request.form.get("version", type=int) or 0
    if (current.version if current else 0) != made_on:
        return _(
            "Someone deployed another version of the knowledge base meanwhile. Look at it, then save again."
        )
    return None


def _deploy(entries: list[dict], reason: str, *, on_error, done: str):
    if not reason:
        return on_error({"reason": _("Say why the knowledge base changes.")}, 422)
    try:
        result = knowledge.deploy(
            session(),
            entries,
            actor=me().username,
            clock=current_app.config["CLOCK"],
            reason=reason,
            source="editor",
        )
    except ValidationFailed as refused:
        return on_error(refused.errors, 422)
    except Conflict:
        problem = _(
            "Someone deployed another version of the knowledge base meanwhile. Look at it, then save again."
        )
        return on_error({"form": problem}, 409)
    if result.created:
        flash(done + " " + _("Version %(n)s.", n=result.version.version), "success")
    else:
        flash(_("Nothing changed; the knowledge base keeps version %(n)s.", n=result.version.version), "info")
    return redirect(url_for("owner.knowledge_home"), 303)


# The engine's field problems in the reader's language.
def _field_errors(errors: dict[str, str], position: int) -> dict[str, str]:
    words = {
        "id": _("Use lower-case letters, digits, - and _ (at most 80), different from every other entry."),
        "language": _("Choose Chinese or English."),
        "keywords": _("Give at least one keyword, and at most 30."),
        "question": _("Use at most 2000 characters."),
        "answer": _("Write the answer (at most 2000 characters)."),
    }
    shown = {}
    for path in errors:
        if path == "reason" or path == "form":
            shown[path] = errors[path]
            continue
        where, _dot, name = path.partition(".")
        if where == f"entry[{position}]" and name in words:
            shown[name] = words[name]
        elif name == "id":  # another entry has this id
            shown["id"] = words["id"]
        else:
            shown.setdefault(
                "form", _("Another entry of the knowledge base has a problem: %(path)s.", path=path)
            )
    return shown


def _form(current, original: str, values: dict, errors: dict, *, reason="", problem=None, status=200):
    page_ = render_template(
        "owner/knowledge_edit.html",
        current=current,
        original=original,
        values=values,
        errors=errors,
        reason=reason,
        problem=problem or errors.get("form"),
    )
    return page_, status
