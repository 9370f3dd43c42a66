"""Attaching evidence to a case, listing it, reading it back.

One upload is one engine step: the case row is locked, the limits are checked against what the case already
holds, the safe copy goes to the store, and the ``Attachment`` row and its ``evidence.attached`` audit event
(with the SHA-256 of what was received and of what was kept) commit together. If the step fails after the
bytes were stored, they are deleted again; nothing is half-attached.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.cases.engine import CaseEngine
from engine.errors import InvalidState, NotFound
from engine.evidence.content import clean_filename, prepare, refuse
from engine.evidence.store import EvidenceStore, new_key
from engine.models import Attachment, Case, CaseStatus

ATTACHED = "evidence.attached"
CUSTOMER, STAFF = "customer", "staff"
MiB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    file_bytes: int = 10 * MiB  # one file, as received
    case_files: int = 20  # files on one case
    case_bytes: int = 50 * MiB  # stored bytes on one case

    @classmethod
    def from_settings(cls, settings: dict[str, Any]) -> Limits:
        default = cls()
        return cls(
            int(settings.get("ATTACHMENT_MAX_BYTES") or default.file_bytes),
            int(settings.get("ATTACHMENTS_PER_CASE") or default.case_files),
            int(settings.get("ATTACHMENT_CASE_MAX_BYTES") or default.case_bytes),
        )


def _size(n: int) -> str:
    return f"{n / MiB:.0f} MiB" if n >= MiB else f"{n} bytes"


def attach(
    engine: CaseEngine,
    case_id: int,
    *,
    filename: str | None,
    data: bytes,
    actor: str,
    source: str,
    store: EvidenceStore,
    limits: Limits = Limits(),
) -> Attachment:
    """Check, clean and keep one file as evidence on an open case; ``ValidationFailed`` says why not."""
    if source not in (CUSTOMER, STAFF):
        raise ValueError(f"unknown evidence source {source!r}")
    if len(data) > limits.file_bytes:
        raise refuse("file_size", f"the file is larger than {_size(limits.file_bytes)}")
    prepared = prepare(data)
    name = clean_filename(filename, prepared.extension)
    key = new_key(case_id)
    stored = False
    try:
        with engine.unit(actor) as unit:
            case = engine.session.scalar(
                select(Case)
                .where(Case.id == case_id)
                .with_for_update()
                .execution_options(populate_existing=True)
            )
            if case is None:
                raise NotFound(f"case {case_id} does not exist")
            if case.status in (CaseStatus.COMPLETED, CaseStatus.CANCELLED):
                raise InvalidState(f"case {case.reference} is closed; evidence can no longer be added")
            count, total = engine.session.execute(
                select(func.count(Attachment.id), func.coalesce(func.sum(Attachment.size), 0)).where(
                    Attachment.case_id == case_id
                )
            ).one()
            if count >= limits.case_files:
                raise refuse("case_files", f"the case already has {count} files, the most it may have")
            if total + len(prepared.data) > limits.case_bytes:
                raise refuse("case_bytes", f"the case's files would exceed {_size(limits.case_bytes)} in all")
            store.put(key, prepared.data, prepared.content_type)
            stored = True
            attachment = Attachment(
                case_id=case_id,
                filename=name,
                content_type=prepared.content_type,
                size=len(prepared.data),
                sha256=hashlib.sha256(prepared.data).hexdigest(),
                original_sha256=hashlib.sha256(data).hexdigest(),
                storage_key=key,
                source=source,
                uploaded_by=actor,
                uploaded_at=unit.now,
            )
            engine.session.add(attachment)
            engine.session.flush()
            unit.record(
                ATTACHED,
                case_id,
                attachment=attachment.id,
                filename=name,
                content_type=prepared.content_type,
                size=attachment.size,
                sha256=attachment.sha256,
                original_sha256=attachment.original_sha256,
                source=source,
            )
            if source == CUSTOMER and case.owner_id is not None:
                engine.queue_message(
                    case,
                    "inbox",
                    f"user:{case.owner_id}",
                    "customer_evidence",
                    reference=case.reference,
                    attachment=attachment.id,
                    filename=name,
                )
    except BaseException:
        if stored:
            store.delete(key)
        raise
    return attachment


def for_case(session: Session, case_id: int) -> list[Attachment]:
    """The case's evidence, oldest first."""
    return list(
        session.scalars(select(Attachment).where(Attachment.case_id == case_id).order_by(Attachment.id))
    )


def get(session: Session, attachment_id: int) -> Attachment:
    attachment = session.get(Attachment, attachment_id)
    if attachment is None:
        raise NotFound(f"attachment {attachment_id} does not exist")
    return attachment


def read(store: EvidenceStore, attachment: Attachment) -> bytes:
    """The stored bytes, checked against the digest recorded at upload (a changed file is not served)."""
    try:
        data = store.get(attachment.storage_key)
    except FileNotFoundError:
        raise NotFound(f"the file of attachment {attachment.id} is missing from the evidence store") from None
    if hashlib.sha256(data).hexdigest() != attachment.sha256:
        raise InvalidState(f"the file of attachment {attachment.id} no longer matches its recorded digest")
    return data
