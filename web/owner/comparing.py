"""Compare a version with a draft or with another version: drawn on the diagrams and listed."""

from __future__ import annotations

from flask import abort, render_template, request

from engine.errors import NotFound
from engine.studio import catalog, drafts
from engine.studio.compare import compare
from web.db import session
from web.owner.blueprint import bp
from web.owner.routes import OWNERS, draft_or_404
from web.pages import page


@bp.get("/drafts/<int(max=9223372036854775807):draft_id>/compare")
@page(*OWNERS)
def compare_draft(draft_id: int):
    db = session()
    draft = draft_or_404(draft_id, with_content=True)
    version_id = request.args.get("version", type=int) or draft.base_version_id
    before = version_or_404(version_id)
    comparison = compare(catalog.files_of_version(db, before.id), drafts.files_of(draft))
    return _page(comparison, before=before, draft=draft, after=None)


@bp.get("/versions/<int(max=9223372036854775807):version_id>/compare/<int(max=9223372036854775807):other_id>")
@page(*OWNERS)
def compare_versions(version_id: int, other_id: int):
    db = session()
    before, after = version_or_404(version_id), version_or_404(other_id)
    comparison = compare(catalog.files_of_version(db, before.id), catalog.files_of_version(db, after.id))
    return _page(comparison, before=before, draft=None, after=after)


def version_or_404(version_id: int):
    try:
        return catalog.version(session(), version_id)
    except NotFound:
        abort(404)


def _page(comparison, *, before, draft, after):
    changed = [f.name for f in comparison.files if f.kind == "bpmn" and f.status in ("changed", "added")]
    chosen = request.args.get("file")
    if chosen not in changed:
        chosen = changed[0] if changed else None
    return render_template(
        "owner/compare.html",
        comparison=comparison,
        before=before,
        draft=draft,
        after=after,
        diagrams=changed,
        chosen=chosen,
        changes=[{"id": e.id, "change": e.change} for e in comparison.elements if e.file == chosen],
        versions=[
            row.version
            for row in catalog.versions(session())
            if row.version.process_key == before.process_key
        ],
    )
