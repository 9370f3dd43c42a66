"""Evidence over the API: staff list, attach and download a case's files; a customer attaches one with the
tracking code. Uploads are ``multipart/form-data`` with one file in the field ``file``; a download is the file
itself, as an attachment (never JSON, never inline)."""

from __future__ import annotations

from flask import jsonify, request

from engine.cases import access
from engine.cases.customer_updates import CUSTOMER
from engine.errors import NotFound
from engine.evidence import attachments
from engine.models import Attachment, Case, Role
from web import evidence
from web.api.blueprint import bp
from web.api.inputs import rate_limit
from web.auth import current_user, roles_required
from web.db import case_for_tracking_code, session
from web.routing import ID

CASE = f"/complaints/<{ID}:case_id>/evidence"
READERS = (Role.AGENT, Role.SUPERVISOR, Role.AUDITOR)
WRITERS = (Role.AGENT, Role.SUPERVISOR)


def shape(attachment: Attachment) -> dict:
    return {
        "id": attachment.id,
        "case_id": attachment.case_id,
        "filename": attachment.filename,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "sha256": attachment.sha256,
        "source": attachment.source,
        "uploaded_by": attachment.uploaded_by,
        "uploaded_at": attachment.uploaded_at.isoformat(),
    }


def _visible(case_id: int) -> Case:
    case = access.visible_case(session(), current_user(), case_id)
    if case is None:
        raise NotFound(f"complaint {case_id} does not exist")
    return case


@bp.get(CASE)
@roles_required(*READERS)
def list_evidence(case_id: int):
    """The case's files, oldest first."""
    case = _visible(case_id)
    return jsonify({"items": [shape(a) for a in attachments.for_case(session(), case.id)]})


@bp.post(CASE)
@roles_required(*WRITERS)
def attach_evidence(case_id: int):
    """Attach one file to an open case (201); 422 names why a file is refused."""
    case = _visible(case_id)
    attached = evidence.attach_upload(case, actor=current_user().username, source=attachments.STAFF)
    return jsonify(shape(attached)), 201


@bp.get(CASE + f"/<{ID}:attachment_id>")
@roles_required(*READERS)
def download_evidence(case_id: int, attachment_id: int):
    """The file itself, as a download."""
    case = _visible(case_id)
    attachment = session().get(Attachment, attachment_id)
    if attachment is None or attachment.case_id != case.id:
        raise NotFound(f"complaint {case_id} has no file {attachment_id}")
    return evidence.download(attachment)


@bp.post("/track/<tracking_code>/evidence")
def customer_evidence(tracking_code: str):
    """The customer attaches one file to their open complaint (201); they get its name back, not its id."""
    rate_limit("track", request.remote_addr or "unknown")
    case = case_for_tracking_code(tracking_code)
    attached = evidence.attach_upload(case, actor=CUSTOMER, source=attachments.CUSTOMER)
    body = {
        "filename": attached.filename,
        "content_type": attached.content_type,
        "size": attached.size,
        "uploaded_at": attached.uploaded_at.isoformat(),
    }
    return jsonify(body), 201
