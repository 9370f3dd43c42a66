"""Process definitions: upload a bundle (validated and deployed all-or-nothing) and list what is deployed."""

from __future__ import annotations

from pathlib import PurePosixPath

from flask import current_app, jsonify, request
from werkzeug.exceptions import RequestEntityTooLarge

from engine.deploy import deployment
from engine.errors import ValidationFailed
from engine.models import Role
from web.api import shapes
from web.api.blueprint import bp
from web.api.inputs import ApiError, too_large
from web.auth import current_user, roles_required
from web.db import clock, session

# A whole bundle (app.config["PROCESS_UPLOAD_MAX_BYTES"]); each XML file is also capped by the hardened parser.
UPLOAD_MAX_BYTES = 20 * 1024 * 1024


@bp.post("/processes")
@roles_required(Role.PROCESS_OWNER, Role.ADMIN)
def deploy():
    """Validate and deploy the uploaded files as one bundle: 201 when a new version was deployed."""
    user = current_user()
    files = _uploaded_files()
    result = deployment.deploy(session(), files, actor=user.username, clock=clock())
    body = {
        "deployed": [shapes.version(v) for v in result.deployed],
        "unchanged": [shapes.version(v) for v in result.unchanged],
        "warnings": [{"file": w.file, "element": w.element, "message": w.message} for w in result.warnings],
    }
    return jsonify(body), 201 if result.deployed else 200


@bp.get("/processes")
@roles_required(Role.PROCESS_OWNER, Role.ADMIN, Role.SUPERVISOR, Role.AUDITOR)
def list_processes():
    """The latest version of every deployed process."""
    return jsonify({"items": [shapes.version(v, d) for v, d in deployment.latest_versions(session())]})


def _uploaded_files() -> list[tuple[str, bytes]]:
    if request.mimetype != "multipart/form-data":
        raise ApiError(
            400, "unsupported_content_type", "upload the files as multipart/form-data, field 'files'"
        )
    limit = current_app.config.get("PROCESS_UPLOAD_MAX_BYTES", UPLOAD_MAX_BYTES)
    request.max_content_length = limit
    try:
        fields = set(request.form) | set(request.files)
        uploads = request.files.getlist("files")
    except RequestEntityTooLarge:
        raise too_large(limit) from None
    errors = {name: "is not a known field" for name in sorted(fields - {"files"})}
    if not uploads:
        errors["files"] = "is required: one or more .bpmn, .dmn or .json files"
    files = []
    for upload in uploads:
        # Only the bare name counts (diagrams refer to forms by it); a client's folders are no business of ours.
        name = PurePosixPath((upload.filename or "").replace("\\", "/")).name
        if not name:
            errors["files"] = "every file needs a name"
        files.append((name, upload.read()))
    if errors:
        raise ValidationFailed("the upload is not a bundle of diagram files", errors)
    return files
