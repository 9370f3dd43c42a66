"""The studio's home (versions and drafts), the editor, downloads, and the live preview of a form."""

from __future__ import annotations

import json
from functools import partial

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine.errors import NotFound
from engine.forms import VARIANTS
from engine.models import Role
from engine.studio import catalog, drafts
from web.db import session
from web.i18n import current_language
from web.owner.blueprint import bp
from web.owner.modeler_texts import modeler_texts
from web.owner.texts import editor_texts
from web.pages import me, page
from web.schema_forms import fields

OWNERS = (Role.PROCESS_OWNER, Role.ADMIN)
PREVIEW_MAX_BYTES = 512 * 1024


def clock():
    return current_app.config["CLOCK"]


def draft_or_404(draft_id: int, *, with_content: bool = False):
    try:
        return drafts.get(session(), draft_id, with_content=with_content)
    except NotFound:
        abort(404, _("There is no such draft."))


@bp.get("/")
@page(*OWNERS)
def home():
    db = session()
    return render_template("owner/home.html", versions=catalog.versions(db), drafts=drafts.list_open(db))


@bp.post("/drafts")
@page(*OWNERS)
def new_draft():
    version_id = request.form.get("version_id", type=int)
    if version_id is None:
        flash(_("Choose a version to start the draft from."), "error")
        return redirect(url_for("owner.home"))
    try:
        draft = drafts.create(session(), clock(), version_id=version_id, actor=me().username)
    except NotFound:
        abort(404, _("There is no such version."))
    return redirect(url_for("owner.editor", draft_id=draft.id))


@bp.get("/drafts/<int(max=9223372036854775807):draft_id>")
@page(*OWNERS)
def editor(draft_id: int):
    draft = draft_or_404(draft_id)
    chosen = request.args.get("file") or draft.main_file
    names = [f.name for f in draft.files]
    if chosen not in names:
        chosen = draft.main_file if draft.main_file in names else names[0]
    return render_template(
        "owner/editor.html",
        draft=draft,
        names=names,
        chosen=chosen,
        forms=[n for n in names if n.endswith(".json")],
        texts=json.dumps(editor_texts(), ensure_ascii=False),
        # The modelers' own words, when the page is not in their language (English).
        modeler_texts=json.dumps(modeler_texts() if current_language() != "en" else {}, ensure_ascii=False),
    )


@bp.get("/drafts/<int(max=9223372036854775807):draft_id>/download")
@page(*OWNERS)
def download(draft_id: int):
    draft = draft_or_404(draft_id, with_content=True)
    name = f"draft-{draft.id}-{draft.process_key}-r{draft.revision}.zip"
    return Response(
        drafts.archive(draft),
        mimetype="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.post("/drafts/<int(max=9223372036854775807):draft_id>/discard")
@page(*OWNERS)
def discard(draft_id: int):
    draft_or_404(draft_id)
    drafts.discard(session(), clock(), draft_id, actor=me().username)
    flash(_("The draft was discarded."), "info")
    return redirect(url_for("owner.home"))


@bp.get("/versions/<int(max=9223372036854775807):version_id>/files/<path:name>")
@page(*OWNERS)
def version_file(version_id: int, name: str):
    """A deployed file as it was deployed (the compare page draws it)."""
    try:
        files = dict(catalog.files_of_version(session(), version_id))
    except NotFound:
        abort(404)
    if name not in files:
        abort(404)
    return Response(files[name], mimetype="text/plain", headers={"Cache-Control": "no-store"})


@bp.post("/form-preview")
@page(*OWNERS)
def form_preview():
    """A JSON Schema drawn as the agents' task page draws it (the editor's live preview)."""
    raw = request.get_data(cache=False)[: PREVIEW_MAX_BYTES + 1]
    error = None
    schema = None
    if len(raw) > PREVIEW_MAX_BYTES:
        error = _("The form is too large to preview.")
    else:
        try:
            schema = json.loads(raw.decode("utf-8"))
            if not isinstance(schema, dict):
                raise ValueError
        except ValueError:
            error = _("The form is not valid JSON yet.")
    shown, variants = [], []
    if schema is not None:
        try:
            draw = partial(fields, language=current_language(), timezone=current_app.config["TIMEZONE"])
            shown = draw({k: v for k, v in schema.items() if k != VARIANTS})
            # A form with variants: each variant's own questions under the case value that asks them.
            for value, variant in (schema.get(VARIANTS) or {}).items():
                if isinstance(variant, dict):
                    part = {
                        "type": "object",
                        **{k: variant[k] for k in ("properties", "required") if k in variant},
                    }
                    variants.append((value, draw(part)))
        except Exception:  # a schema the form builder cannot draw yet (mid-edit): say so, keep editing
            error = _("This form cannot be drawn yet; the checks say what is wrong when you save.")
    return render_template(
        "owner/_form_preview.html", fields=shown, variants=variants, error=error, schema=schema or {}
    )
