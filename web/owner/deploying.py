"""Deploy a draft from the studio (with a reason), and move waiting cases to a new version."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine.errors import Conflict, DeploymentRejected, InvalidState, ValidationFailed
from engine.studio import catalog, drafts, moving
from web.db import case_engine, session
from web.owner.blueprint import bp
from web.owner.comparing import version_or_404
from web.owner.routes import OWNERS, clock, draft_or_404
from web.pages import me, page


@bp.route("/drafts/<int(max=9223372036854775807):draft_id>/deploy", methods=["GET", "POST"])
@page(*OWNERS)
def deploy(draft_id: int):
    draft = draft_or_404(draft_id)
    errors, problems = {}, []
    reason = request.form.get("reason", "")
    if request.method == "POST":
        revision = request.form.get("revision", type=int) or 0
        try:
            result = drafts.deploy(
                session(), clock(), draft_id, revision=revision, reason=reason, actor=me().username
            )
        except ValidationFailed:
            errors["reason"] = _("Say why you deploy this version (at most 500 characters).")
        except DeploymentRejected as refused:
            problems = refused.problems
        except (Conflict, InvalidState) as refused:
            errors["revision"] = refused.message
        else:
            if result.deployed:
                labels = ", ".join(v.label for v in result.deployed)
                flash(
                    _(
                        "Deployed %(versions)s. New cases start on it; waiting cases can be moved to it.",
                        versions=labels,
                    ),
                    "success",
                )
            else:
                flash(_("Nothing changed: the draft matches the versions already deployed."), "info")
            return redirect(url_for("owner.home"))
    status = 422 if errors or problems else 200
    return render_template(
        "owner/deploy.html", draft=draft, reason=reason, errors=errors, problems=problems
    ), status


@bp.route("/versions/<int(max=9223372036854775807):version_id>/migrate", methods=["GET", "POST"])
@page(*OWNERS)
def migrate(version_id: int):
    """A dry run first (the default action), then the move of the cases the dry run found movable."""
    version = version_or_404(version_id)
    targets = [
        row.version
        for row in catalog.versions(session())
        if row.version.process_key == version.process_key and row.version.id != version.id
    ]
    form = request.form
    target_id = form.get("to_version", type=int) or (targets[0].id if targets else None)
    at = (form.get("at") or "").strip() or None
    report, errors = None, {}
    if request.method == "POST":
        if target_id not in {t.id for t in targets}:
            errors["to_version"] = _("Choose the version to move the cases to.")
        else:
            engine = case_engine()
            ids = moving.select_cases(engine.session, version.id, at=at)
            if form.get("action") == "move":
                ids = [int(i) for i in form.getlist("case") if i.isdigit() and int(i) in set(ids)]
                report = moving.move(engine, version.id, target_id, ids, actor=me().username)
                flash(
                    _(
                        "%(moved)s case(s) moved; %(refused)s refused.",
                        moved=report.movable,
                        refused=len(report.cases) - report.movable,
                    ),
                    "success",
                )
            else:
                report = moving.dry_run(engine, version.id, target_id, ids)
    return render_template(
        "owner/migrate.html",
        version=version,
        targets=targets,
        target_id=target_id,
        at=at or "",
        report=report,
        errors=errors,
    ), (422 if errors else 200)
