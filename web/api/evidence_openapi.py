"""The evidence endpoints' part of the OpenAPI document (merged by ``openapi.py``)."""

from __future__ import annotations

from web.api.schemas import ID, TEXT, TIME, obj, ref

FILE_TYPES = ("image/jpeg", "image/png", "application/pdf")

SCHEMAS = {
    "Attachment": obj(
        {
            "id": ID,
            "case_id": ID,
            "filename": TEXT,
            "content_type": {"enum": list(FILE_TYPES)},
            "size": {"type": "integer", "minimum": 1},
            "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
            "source": {"enum": ["customer", "staff"]},
            "uploaded_by": TEXT,
            "uploaded_at": TIME,
        }
    ),
    "AttachmentList": obj({"items": {"type": "array", "items": ref("Attachment")}}),
    "CustomerAttachment": obj(
        {
            "filename": TEXT,
            "content_type": {"enum": list(FILE_TYPES)},
            "size": {"type": "integer", "minimum": 1},
            "uploaded_at": TIME,
        }
    ),
    "EvidenceUpload": obj(
        {"file": {"type": "string", "contentMediaType": "application/octet-stream"}},
        description="One JPEG, PNG, WebP image or PDF; its type is read from its content. Images are "
        "re-encoded without metadata; PDFs with scripts, actions or embedded files are refused.",
    ),
}

PARAMETER = {"name": "attachment_id", "in": "path", "required": True, "schema": ID}
UPLOAD = {"required": True, "content": {"multipart/form-data": {"schema": ref("EvidenceUpload")}}}


def _json(description: str, schema: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": ref(schema)}}}


def _errors(*statuses: int) -> dict:
    return {str(s): {"$ref": f"#/components/responses/E{s}"} for s in statuses}


def _case_id() -> dict:
    return {"$ref": "#/components/parameters/CaseId"}


def paths() -> dict:
    binary = {"schema": {"type": "string", "contentMediaType": "application/octet-stream"}}
    return {
        "/complaints/{case_id}/evidence": {
            "get": {
                "summary": "The files attached to a complaint",
                "tags": ["evidence"],
                "parameters": [_case_id()],
                "responses": {
                    "200": _json("The files, oldest first", "AttachmentList"),
                    **_errors(401, 403, 404),
                },
            },
            "post": {
                "summary": "Attach a file to an open complaint (staff)",
                "tags": ["evidence"],
                "parameters": [_case_id()],
                "requestBody": UPLOAD,
                "responses": {
                    "201": _json("Attached", "Attachment"),
                    **_errors(400, 401, 403, 404, 409, 413, 422),
                },
            },
        },
        "/complaints/{case_id}/evidence/{attachment_id}": {
            "get": {
                "summary": "Download a file (always as an attachment)",
                "tags": ["evidence"],
                "parameters": [_case_id(), PARAMETER],
                "responses": {
                    "200": {
                        "description": "The file as stored, with Content-Disposition: attachment",
                        "content": {kind: binary for kind in FILE_TYPES},
                    },
                    **_errors(401, 403, 404, 409),
                },
            },
        },
        "/track/{tracking_code}/evidence": {
            "post": {
                "summary": "The customer attaches a file to their open complaint",
                "tags": ["customers"],
                "security": [],
                "parameters": [{"$ref": "#/components/parameters/TrackingCode"}],
                "requestBody": UPLOAD,
                "responses": {
                    "201": _json("Attached", "CustomerAttachment"),
                    **_errors(400, 404, 409, 413, 422, 429),
                },
            },
        },
    }
