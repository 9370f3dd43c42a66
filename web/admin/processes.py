"""The deployed process versions, and uploading a bundle (validated and deployed all or nothing)."""

from __future__ import annotations

from pathlib import PurePosixPath

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.exceptions import RequestEntityTooLarge

from engine.deploy import deployment
from engine.errors import Conflict, DeploymentRejected
from engine.models import Role
from web.admin import queries
from web.admin.blueprint import bp
from web.db import clock, session
from web.pages import me, page

UPLOAD_MAX_BYTES = 20 * 1024 * 1024


def _page(errors: dict[str, str] | None = None, problems=None, status: int = 200):
    return (
        render_template(
            "admin/processes.html",
            versions=queries.versions(session()),
            errors=errors or {},
            problems=problems or [],
            suffixes=deployment.DEPLOYABLE_SUFFIXES,
        ),
        status,
    )


@bp.get("/processes")
@page(Role.PROCESS_OWNER, Role.ADMIN)
def processes():
    return _page()


@bp.post("/processes")
@page(Role.PROCESS_OWNER, Role.ADMIN)
def deploy():
    limit = current_app.config.get("PROCESS_UPLOAD_MAX_BYTES", UPLOAD_MAX_BYTES)
    try:
        uploads = [u for u in request.files.getlist("files") if u.filename]
    except RequestEntityTooLarge:
        return _page(
            {"files": _("The files are too large together (at most %(mb)d MB).", mb=limit // 2**20)},
            status=413,
        )
    if not uploads:
        return _page({"files": _("Choose one or more .bpmn, .dmn or .json files.")}, status=422)
    files = []
    for upload in uploads:
        name = PurePosixPath(upload.filename.replace("\\", "/")).name
        if not name.lower().endswith(deployment.DEPLOYABLE_SUFFIXES):
            return _page(
                {"files": _("%(name)s is not a .bpmn, .dmn or .json file.", name=name[:100])}, status=422
            )
        files.append((name, upload.read(limit + 1)))
    if sum(len(content) for _name, content in files) > limit:
        return _page(
            {"files": _("The files are too large together (at most %(mb)d MB).", mb=limit // 2**20)},
            status=413,
        )
    try:
        result = deployment.deploy(session(), files, actor=me().username, clock=clock())
    except DeploymentRejected as refused:
        return _page(problems=refused.problems, status=422)
    except Conflict:
        return _page(
            {"files": _("Someone deployed the same process at the same moment; upload again.")}, status=409
        )
    if result.deployed:
        names = ", ".join(v.label for v in result.deployed)
        flash(
            _(
                "Deployed %(versions)s. New cases start on it; running cases stay on their version.",
                versions=names,
            ),
            "success",
        )
    else:
        flash(_("Nothing changed: these files match the versions already deployed."), "info")
    for warning in result.warnings:  # errors in the diagrams' layout: deployed anyway, worth fixing
        flash(_("Deployed despite a layout error: %(problem)s", problem=str(warning)), "info")
    return redirect(url_for("admin.processes"))
