"""Evidence on the web side, shared by the agent's, the customer's, the auditor's pages and the API: the
configured store and limits, reading one uploaded file within the limit, and the one way a file is served.

A file is always served as a download (``Content-Disposition: attachment``) with the type found at upload,
``nosniff`` and a sandboxing Content-Security-Policy, so no browser renders or runs it as part of the site.
"""

from __future__ import annotations

import io

from flask import Flask, Response, current_app, request, send_file
from flask_babel import gettext, lazy_gettext
from werkzeug.exceptions import RequestEntityTooLarge

from engine.evidence import attachments
from engine.evidence.attachments import Limits
from engine.evidence.content import refuse
from engine.evidence.store import EvidenceStore, store_from_settings
from engine.models import Attachment, Case
from web.db import case_engine

FIELD = "file"
# Room for the multipart envelope and the form's other fields around the file itself.
ENVELOPE_BYTES = 64 * 1024


STORE_SETTINGS = (
    "ATTACHMENTS_DIR",
    "ATTACHMENTS_S3_BUCKET",
    "ATTACHMENTS_S3_PREFIX",
    "ATTACHMENTS_S3_ENDPOINT",
    "ATTACHMENTS_S3_REGION",
)


def store() -> EvidenceStore:
    """The evidence store the settings name (a folder by default; an S3 bucket when configured), made once per
    app and settings (an S3 client is worth keeping)."""
    key = tuple(current_app.config.get(name) for name in STORE_SETTINGS)
    made = current_app.extensions.setdefault("evidence_stores", {})
    if key not in made:
        made.clear()
        made[key] = store_from_settings(current_app.config)
    return made[key]


def limits() -> Limits:
    return Limits.from_settings(current_app.config)


# The views that take a file: their requests are limited before anything reads the body.
UPLOAD_ENDPOINTS = {
    "agent.attach_evidence",
    "public.add_evidence",
    "api.attach_evidence",
    "api.customer_evidence",
}


def init_app(app: Flask) -> None:
    """Limit upload requests first of all: before CSRF protection reads the form (and so the whole body)."""
    app.before_request_funcs.setdefault(None, []).insert(0, _limit_upload)


def _limit_upload() -> None:
    if request.endpoint not in UPLOAD_ENDPOINTS:
        return
    request.max_content_length = limits().file_bytes + ENVELOPE_BYTES
    if (request.content_length or 0) > request.max_content_length:
        # Refused from its declared length, before any of it is read (413; the API answers its JSON 413).
        raise RequestEntityTooLarge(refusal(refuse("file_size", "the file is too large")))


def uploaded_file() -> tuple[str, bytes]:
    """The request's one uploaded file (field ``file``) as (name, bytes); ``ValidationFailed`` when it is missing
    or larger than a file may be, read no further than the limit."""
    limit = limits().file_bytes
    request.max_content_length = limit + ENVELOPE_BYTES
    too_large = refuse("file_size", f"the file is larger than {limit // (1024 * 1024)} MiB")
    if (request.content_length or 0) > request.max_content_length:
        raise too_large  # refused from its declared length, before any of it is read
    try:
        upload = request.files.get(FIELD)
    except RequestEntityTooLarge:
        raise too_large from None
    if upload is None or not upload.filename:
        raise refuse("missing", "no file was sent")
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise too_large
    return upload.filename, data


# The refusals in the reader's language, by the engine's reason code (those with a number are worded below).
REFUSALS = {
    "missing": lazy_gettext("Choose a file to attach."),
    "empty": lazy_gettext("The file is empty."),
    "type": lazy_gettext(
        "This kind of file is not accepted. Attach a photo or screenshot (JPEG, PNG, WebP) or a PDF."
    ),
    "image_size": lazy_gettext("The image has too many pixels. Send a smaller picture."),
    "damaged": lazy_gettext("The file cannot be read; it may be damaged."),
    "pdf_encrypted": lazy_gettext(
        "Password-protected PDFs are not accepted. Send the document without a password."
    ),
    "pdf_active": lazy_gettext(
        "This PDF contains scripts, actions or embedded files, which are not accepted. "
        "Print it to a plain PDF and send that."
    ),
    "pdf_complex": lazy_gettext("The PDF is too complex to check. Print it to a plain PDF and send that."),
}


def attach_upload(case: Case, *, actor: str, source: str) -> Attachment:
    """Attach the request's one uploaded file to ``case`` with the app's store and limits (``ValidationFailed``
    names why a file is refused)."""
    name, data = uploaded_file()
    return attachments.attach(
        case_engine(),
        case.id,
        filename=name,
        data=data,
        actor=actor,
        source=source,
        store=store(),
        limits=limits(),
    )


def refusal(error: Exception) -> str:
    """Why a file was refused, in the reader's language."""
    reason = getattr(error, "reason", "damaged")
    given = limits()
    if reason == "file_size":
        return gettext("The file is too large (at most %(size)s per file).", size=_size(given.file_bytes))
    if reason == "case_files":
        return gettext("This complaint already has as many files as it may have (%(n)s).", n=given.case_files)
    if reason == "case_bytes":
        return gettext(
            "The files of this complaint would be too large together (at most %(size)s).",
            size=_size(given.case_bytes),
        )
    return str(REFUSALS.get(reason, REFUSALS["damaged"]))


def _size(n: int) -> str:
    return f"{n / 2**20:g} MB" if n >= 2**20 else f"{n // 1024} KB"


def download(attachment: Attachment) -> Response:
    """The file as a download, never shown inline."""
    data = attachments.read(store(), attachment)
    response = send_file(
        io.BytesIO(data),
        mimetype=attachment.content_type,
        as_attachment=True,
        download_name=attachment.filename,
        max_age=0,
        etag=attachment.sha256,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response
